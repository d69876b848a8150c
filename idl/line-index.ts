// Lines and columns of offsets in one file, counted the way chevrotain's lexer counts them with
// full position tracking. The lexer tracks only offsets (tracking lines in every token was half of
// lexing a large file); the AST builder asks here for the positions its locations need.
import type { IToken } from 'chevrotain';

/**
 * Chevrotain ends a line at `\n`, `\r\n` or a lone `\r`, but only inside tokens that can hold one
 * by their pattern (white space, block comments). A lone `\r` inside a line comment or a string
 * literal ends no line: those token types are told here by the caller, as the tokens that hold one.
 */
export class LineIndex {
  /** Offset of the first character of each line (line 1 at index 0). */
  private readonly starts: number[] = [0];
  /**
   * Per block of 64 characters, the index of the line its first character is on: a lookup starts
   * there and steps forward (a block starts few lines), instead of a binary search per location.
   */
  private readonly blocks: Int32Array;

  /** `loneCrExempt` may be a function: the tokens are then gathered only for a text with a `\r`. */
  constructor(text: string, loneCrExempt: readonly IToken[] | (() => readonly IToken[])) {
    const exempt = text.includes('\r') ? crRanges(typeof loneCrExempt === 'function' ? loneCrExempt() : loneCrExempt) : null;
    let e = 0;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c === 10) this.starts.push(i + 1);
      else if (c === 13 && text.charCodeAt(i + 1) !== 10) {
        // Ranges come sorted by start and never overlap (they are distinct tokens).
        while (exempt && e < exempt.length && exempt[e]![1] < i) e++;
        if (!exempt || e >= exempt.length || exempt[e]![0] > i) this.starts.push(i + 1);
      }
    }
    this.blocks = new Int32Array((text.length >> BLOCK_BITS) + 2);
    let k = 0;
    for (let b = 0; b < this.blocks.length; b++) {
      const at = b << BLOCK_BITS;
      while (k + 1 < this.starts.length && this.starts[k + 1]! <= at) k++;
      this.blocks[b] = k;
    }
  }

  /** The 1-based line of an offset (0 to the text's length). */
  line(offset: number): number {
    const s = this.starts;
    let k = this.blocks[Math.min(offset >> BLOCK_BITS, this.blocks.length - 1)]!;
    while (k + 1 < s.length && s[k + 1]! <= offset) k++;
    return k + 1;
  }

  /** The 1-based column of an offset on its line (UTF-16 code units, as chevrotain counts). */
  column(offset: number, line: number): number {
    return offset - this.starts[line - 1]! + 1;
  }
}

const BLOCK_BITS = 6;

/** Inclusive [first, last] offsets of the tokens, sorted by start. */
function crRanges(tokens: readonly IToken[]): [number, number][] {
  const out: [number, number][] = [];
  for (const t of tokens) if (t.image.includes('\r')) out.push([t.startOffset, t.startOffset + t.image.length - 1]);
  return out.sort((a, b) => a[0] - b[0]);
}
