// Generated blocks kept as slices of a few large strings. A block joined on its own is a small
// string that lives until the file is printed, so the young-generation collector copies it twice
// (once within the young generation, once into the old); a source of a large program is tens of
// thousands of them. Joined a few hundred kilobytes at a time, the text is one string V8 allocates
// in its large-object space, which a collection promotes without copying, and each block is a
// slice of it (a small object pointing into it). The blocks are the same strings either way.

/** Past this many characters the pending blocks are joined into one large string. */
const CHUNK = 256 * 1024;

export class BlockChunks {
  private pending: string[] = [];
  private size = 0;
  private readonly out: string[] = [];

  /** Appends a block; an empty one is dropped, as a source drops an empty block. */
  add(block: string): void {
    if (!block.length) return;
    this.pending.push(block);
    this.size += block.length;
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
    if (!this.pending.length) return;
    const text = this.pending.join('');
    let at = 0;
    for (const b of this.pending) {
      this.out.push(text.slice(at, at + b.length));
      at += b.length;
    }
    this.pending = [];
    this.size = 0;
  }
}
