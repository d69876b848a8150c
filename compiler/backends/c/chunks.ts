// Generated blocks kept as slices of a few large strings. A block joined on its own is a small
// string that lives until the file is printed, so the young-generation collector copies it twice
// (once within the young generation, once into the old); a source of a large program is tens of
// thousands of them. Joined a few hundred kilobytes at a time, the text is one string V8 allocates
// in its large-object space, which a collection promotes without copying, and each block is a
// slice of it (a small object pointing into it). The blocks are the same strings either way.

/** Past this many characters the pending blocks are joined into one large string. */
const CHUNK = 256 * 1024;

export class BlockChunks {
  /** The pending blocks, each one string. */
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
    // Lines are joined now, not pushed one by one to wait for the chunk: a line is a tree of the
    // pieces it was concatenated from until a join copies it, and a waiting one was copied by
    // every young-generation collection in between. The block's flat copy is one object.
    const text = typeof block === 'string' ? block : block.join('\n');
    const length = text.length;
    if (!length) return;
    this.pending.push(text);
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
