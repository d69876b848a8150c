// Generated blocks kept as slices of a few large strings. A block joined on its own is a small
// string that lives until the file is printed, so the young-generation collector copies it twice
// (once within the young generation, once into the old); a source of a large program is tens of
// thousands of them. Joined a few hundred kilobytes at a time, the text is one string V8 allocates
// in its large-object space, which a collection promotes without copying, and each block is a
// slice of it (a small object pointing into it). The blocks are the same strings either way.

/** Past this many characters the pending blocks are joined into one large string. */
const CHUNK = 256 * 1024;

export class BlockChunks {
  /** The pending blocks' pieces: a block's lines with a '\n' between them, one block after another. */
  private pending: string[] = [];
  /** The length of each pending block. */
  private lengths: number[] = [];
  private size = 0;
  private readonly out: string[] = [];

  /**
   * Appends a block: a string, or lines the block is joined from ('\n' between them, as
   * Array.prototype.join). An empty block is dropped, as a source drops an empty block.
   */
  add(block: string | readonly string[]): void {
    let length: number;
    if (typeof block === 'string') {
      length = block.length;
      if (length) this.pending.push(block);
    } else {
      if (!block.length) return;
      length = block.length - 1;
      for (const l of block) length += l.length;
      if (length) {
        this.pending.push(block[0]!);
        for (let i = 1; i < block.length; i++) this.pending.push('\n', block[i]!);
      }
    }
    if (!length) return;
    this.lengths.push(length);
    this.size += length;
    if (this.size >= CHUNK) this.flush();
  }

  /** Appends blocks already sliced (another BlockChunks' blocks()), after those added before. */
  addSliced(blocks: readonly string[]): void {
    this.flush();
    for (const b of blocks) if (b.length) this.out.push(b);
  }

  /** Every block added, in order, as slices of the chunks. */
  blocks(): string[] {
    this.flush();
    return this.out;
  }

  private flush(): void {
    if (!this.lengths.length) return;
    const text = this.pending.join('');
    let at = 0;
    for (const n of this.lengths) {
      this.out.push(text.slice(at, at + n));
      at += n;
    }
    this.pending = [];
    this.lengths = [];
    this.size = 0;
  }
}
