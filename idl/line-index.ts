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
  /** The line of the last lookup: a builder asks in file order, mostly about the same line. */
  private last = 0;

  constructor(text: string, loneCrExempt: readonly IToken[]) {
    const exempt = text.includes('\r') ? crRanges(loneCrExempt) : null;
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
  }

  /** The 1-based line of an offset. */
  line(offset: number): number {
    const s = this.starts;
    let k = this.last;
    if (s[k]! <= offset && (k + 1 >= s.length || s[k + 1]! > offset)) return k + 1;
    let lo = 0;
    let hi = s.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (s[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    this.last = k = lo;
    return k + 1;
  }

  /** The 1-based column of an offset on its line (UTF-16 code units, as chevrotain counts). */
  column(offset: number, line: number): number {
    return offset - this.starts[line - 1]! + 1;
  }
}

/** Inclusive [first, last] offsets of the tokens, sorted by start. */
function crRanges(tokens: readonly IToken[]): [number, number][] {
  const out: [number, number][] = [];
  for (const t of tokens) if (t.image.includes('\r')) out.push([t.startOffset, t.startOffset + t.image.length - 1]);
  return out.sort((a, b) => a[0] - b[0]);
}
