// C preprocessing tokens (C11 6.4), the unit both the built-in preprocessor and the reader of
// already-preprocessed text work on. One charCode scanner serves both: the kbuild `.i` files it
// reads are megabytes long, so it avoids per-character strings and regexes in the hot loop.
import type { Diagnostic } from '../../idl/diagnostics.js';
import type { CToken, CTokenKind } from './c-ast.js';

export interface LexToken extends CToken {
  /** First token of its logical line: only such a `#` starts a directive. */
  bol: boolean;
  /** Whitespace or a comment precedes it: `#x` stringification keeps that as one space. */
  space: boolean;
}

/** Why a literal token is malformed; the preprocessor reports it only if the token is not skipped. */
export type LexProblem = null | 'unterminated-string' | 'unterminated-char';

/** A token with everything the preprocessor needs to report problems at the original text. */
export interface RawToken {
  kind: CTokenKind;
  text: string;
  /** 1-based, in the original (unspliced) text. */
  line: number;
  column: number;
  /** 0-based offset in the original text. */
  offset: number;
  /** Offsets in the spliced text, so a directive can reread `<...>` exactly as written. */
  pos: number;
  end: number;
  bol: boolean;
  space: boolean;
  problem: LexProblem;
}

/** Receives each token as the scanner finds it, so a consumer can build its own objects without an intermediate one. */
export type TokenSink = (
  kind: CTokenKind,
  text: string,
  line: number,
  column: number,
  offset: number,
  pos: number,
  end: number,
  bol: boolean,
  space: boolean,
  problem: LexProblem,
) => void;

export interface ScanInfo {
  /** The text after phase 2 (backslash-newline removed); `pos`/`end` index into it. */
  spliced: string;
  /** Original offsets of block comments that never close. */
  unterminatedComments: number[];
  /** Maps an original offset to its 1-based line and column. */
  position(offset: number): { line: number; column: number };
}

export interface ScanResult extends ScanInfo {
  tokens: RawToken[];
}

const SPLICE = /\\[ \t\f\v]*\r?\n/g;

/**
 * Phase 2: removes backslash-newlines. GCC also accepts blanks between the backslash and the
 * newline (with a warning), and headers written on Windows end lines with \r\n, so both count.
 * Returns the points where text was removed, to map offsets back to the original.
 */
function splice(text: string): { spliced: string; at: number[]; shift: number[] } {
  if (text.indexOf('\\') < 0) return { spliced: text, at: [], shift: [] };
  const at: number[] = [];
  const shift: number[] = [];
  let out = '';
  let last = 0;
  let removed = 0;
  SPLICE.lastIndex = 0;
  for (let m = SPLICE.exec(text); m !== null; m = SPLICE.exec(text)) {
    out += text.slice(last, m.index);
    removed += m[0].length;
    last = m.index + m[0].length;
    at.push(out.length);
    shift.push(removed);
  }
  if (at.length === 0) return { spliced: text, at, shift };
  out += text.slice(last);
  return { spliced: out, at, shift };
}

function lineStartsOf(text: string): number[] {
  const starts = [0];
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
  return starts;
}

function isIdentStart(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95 || c === 36 || c >= 0x80;
}
function isIdentPart(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95 || c === 36 || c >= 0x80;
}
/** e, E, p, P: a sign after one of these continues a pp-number (`1e+5`, `0x1p-3`). */
function isExponentChar(c: number): boolean {
  return c === 101 || c === 69 || c === 112 || c === 80;
}
function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/** Length of the punctuator at `i` (longest match), 1 for any other lone character. */
function punctLength(s: string, i: number, c: number): number {
  const c1 = s.charCodeAt(i + 1);
  switch (c) {
    case 46: // .
      return c1 === 46 && s.charCodeAt(i + 2) === 46 ? 3 : 1;
    case 45: // - -> -- -=
      return c1 === 62 || c1 === 45 || c1 === 61 ? 2 : 1;
    case 43: // + ++ +=
      return c1 === 43 || c1 === 61 ? 2 : 1;
    case 38: // & && &=
      return c1 === 38 || c1 === 61 ? 2 : 1;
    case 124: // | || |=
      return c1 === 124 || c1 === 61 ? 2 : 1;
    case 60: // < << <<= <= <: <%
      if (c1 === 60) return s.charCodeAt(i + 2) === 61 ? 3 : 2;
      return c1 === 61 || c1 === 58 || c1 === 37 ? 2 : 1;
    case 62: // > >> >>= >=
      if (c1 === 62) return s.charCodeAt(i + 2) === 61 ? 3 : 2;
      return c1 === 61 ? 2 : 1;
    case 37: // % %= %> %: %:%:
      if (c1 === 58) return s.charCodeAt(i + 2) === 37 && s.charCodeAt(i + 3) === 58 ? 4 : 2;
      return c1 === 61 || c1 === 62 ? 2 : 1;
    case 58: // : :>
      return c1 === 62 ? 2 : 1;
    case 35: // # ##
      return c1 === 35 ? 2 : 1;
    case 42: // * *=
    case 47: // / /=
    case 33: // ! !=
    case 61: // = ==
    case 94: // ^ ^=
      return c1 === 61 ? 2 : 1;
    default:
      return 1;
  }
}

/** Digraphs are spelled as their ordinary punctuator so later stages compare one spelling. */
const DIGRAPHS = new Map([
  ['<:', '['],
  [':>', ']'],
  ['<%', '{'],
  ['%>', '}'],
  ['%:', '#'],
  ['%:%:', '##'],
]);

/** The end of the literal opened at `i`; negative (-end - 1) when it is not closed before the newline. */
function scanQuoted(s: string, i: number, quote: number): number {
  const n = s.length;
  let j = i + 1;
  while (j < n) {
    const c = s.charCodeAt(j);
    if (c === quote) return j + 1;
    if (c === 10) break;
    if (c === 92 && j + 1 < n && s.charCodeAt(j + 1) !== 10) j += 2;
    else j++;
  }
  if (j > n) j = n;
  // A trailing \r belongs to the line ending, not to the literal.
  if (j > i + 1 && s.charCodeAt(j - 1) === 13) j--;
  return -j - 1;
}

/** Tokenizes C text into RawTokens. */
export function scanC(text: string): ScanResult {
  const tokens: RawToken[] = [];
  const info = scanWith(text, (kind, tokText, line, column, offset, pos, end, bol, space, problem) => {
    tokens.push({ kind, text: tokText, line, column, offset, pos, end, bol, space, problem });
  });
  return { ...info, tokens };
}

/** Single-character punctuators as constant strings: most tokens are these, and slicing each would allocate. */
const CHAR_STRINGS: string[] = Array.from({ length: 128 }, (_, c) => String.fromCharCode(c));

/** Tokenizes C text: phases 1-3 of C11 5.1.1.2 (no trigraphs: GCC ignores them by default). */
export function scanWith(text: string, sink: TokenSink): ScanInfo {
  const { spliced: s, at, shift } = splice(text);
  const spliced = at.length > 0;
  // Original line starts are needed only to place tokens after a splice, or to report a comment.
  let origStarts: number[] | null = spliced ? lineStartsOf(text) : null;
  const unterminatedComments: number[] = [];
  const n = s.length;

  // Lines are counted in the spliced text as the scan goes; each splice removed exactly one
  // newline, so the original line is that count plus the splices passed.
  let line = 1;
  let lineStart = 0;
  let spliceIdx = 0;
  let curShift = 0;

  let bol = true;
  let space = false;
  let i = 0;
  while (i < n) {
    const c = s.charCodeAt(i);
    if (c === 10) {
      bol = true;
      space = true;
      i++;
      line++;
      lineStart = i;
      continue;
    }
    if (c === 32 || c === 9 || c === 13 || c === 12 || c === 11) {
      space = true;
      i++;
      continue;
    }
    if (c === 47) {
      const c1 = s.charCodeAt(i + 1);
      if (c1 === 42) {
        const close = s.indexOf('*/', i + 2);
        const stop = close < 0 ? n : close + 2;
        for (let nl = s.indexOf('\n', i + 2); nl >= 0 && nl < stop; nl = s.indexOf('\n', nl + 1)) {
          line++;
          lineStart = nl + 1;
        }
        if (close < 0) unterminatedComments.push(originalOffset(i, at, shift));
        i = stop;
        space = true;
        continue;
      }
      if (c1 === 47) {
        const nl = s.indexOf('\n', i + 2);
        i = nl < 0 ? n : nl;
        space = true;
        continue;
      }
    }

    const start = i;
    let kind: CTokenKind;
    let problem: LexProblem = null;
    let tokText: string;
    if (isIdentStart(c)) {
      i++;
      while (i < n && isIdentPart(s.charCodeAt(i))) i++;
      kind = 'ident';
      const q = s.charCodeAt(i);
      if ((q === 34 || q === 39) && isLiteralPrefix(s, start, i)) {
        const r = scanQuoted(s, i, q);
        kind = q === 34 ? 'string' : 'char';
        if (r < 0) problem = q === 34 ? 'unterminated-string' : 'unterminated-char';
        i = r < 0 ? -r - 1 : r;
      }
      tokText = s.slice(start, i);
    } else if (isDigit(c) || (c === 46 && isDigit(s.charCodeAt(i + 1)))) {
      // pp-number: digits, letters, '_', '.', and a sign right after e/E/p/P (6.4.8).
      i++;
      while (i < n) {
        const d = s.charCodeAt(i);
        if (isIdentPart(d) || d === 46) i++;
        else if ((d === 43 || d === 45) && isExponentChar(s.charCodeAt(i - 1))) i++;
        else break;
      }
      kind = 'number';
      tokText = i - start === 1 ? CHAR_STRINGS[c]! : s.slice(start, i);
    } else if (c === 34 || c === 39) {
      const r = scanQuoted(s, i, c);
      kind = c === 34 ? 'string' : 'char';
      if (r < 0) problem = c === 34 ? 'unterminated-string' : 'unterminated-char';
      i = r < 0 ? -r - 1 : r;
      tokText = s.slice(start, i);
    } else {
      const len = punctLength(s, i, c);
      i += len;
      kind = 'punct';
      if (len === 1) tokText = c < 128 ? CHAR_STRINGS[c]! : s.slice(start, i);
      else {
        tokText = s.slice(start, i);
        if (c === 60 || c === 37 || c === 58) tokText = DIGRAPHS.get(tokText) ?? tokText;
      }
    }

    if (!spliced) {
      sink(kind, tokText, line, start - lineStart + 1, start, start, i, bol, space, problem);
    } else {
      while (spliceIdx < at.length && at[spliceIdx]! <= start) curShift = shift[spliceIdx++]!;
      const off = start + curShift;
      const origLine = line + spliceIdx;
      sink(kind, tokText, origLine, off - origStarts![origLine - 1]! + 1, off, start, i, bol, space, problem);
    }
    bol = false;
    space = false;
  }

  return {
    spliced: s,
    unterminatedComments,
    position(offset: number) {
      const starts = (origStarts ??= lineStartsOf(text));
      let lo = 0;
      let hi = starts.length - 1;
      while (lo < hi) {
        const mid = (lo + hi + 1) >> 1;
        if (starts[mid]! <= offset) lo = mid;
        else hi = mid - 1;
      }
      return { line: lo + 1, column: offset - starts[lo]! + 1 };
    },
  };
}

function originalOffset(p: number, at: number[], shift: number[]): number {
  let k = 0;
  while (k < at.length && at[k]! <= p) k++;
  return p + (k > 0 ? shift[k - 1]! : 0);
}

/** `L"x"`, `u"x"`, `u8"x"`, `U"x"` and the same with `'`; any other identifier before a quote is separate. */
function isLiteralPrefix(s: string, start: number, end: number): boolean {
  const len = end - start;
  const c0 = s.charCodeAt(start);
  if (len === 1) return c0 === 76 || c0 === 117 || c0 === 85;
  return len === 2 && c0 === 117 && s.charCodeAt(start + 1) === 56;
}

export function tokenLoc(file: string, t: RawToken): Diagnostic['loc'] {
  const width = Math.max(1, t.end - t.pos);
  return {
    file,
    line: t.line,
    column: t.column,
    offset: t.offset,
    endOffset: t.offset + width,
    endLine: t.line,
    endColumn: t.column + width,
  };
}

/** The diagnostic for a literal missing its closing quote, as GCC words it. */
export function problemDiagnostic(file: string, t: RawToken): Diagnostic {
  const string = t.problem === 'unterminated-string';
  return {
    severity: 'error',
    code: string ? 'c-unterminated-string' : 'c-unterminated-char',
    message: `missing terminating ${string ? '"' : "'"} character`,
    loc: tokenLoc(file, t),
  };
}

export function unterminatedCommentDiagnostic(file: string, scan: ScanInfo, offset: number): Diagnostic {
  const { line, column } = scan.position(offset);
  return {
    severity: 'error',
    code: 'c-unterminated-comment',
    message: "unterminated comment: '/*' is never closed with '*/'",
    loc: { file, line, column, offset, endOffset: offset + 2, endLine: line, endColumn: column + 2 },
  };
}

export function lexC(text: string, file: string): { tokens: LexToken[]; diagnostics: Diagnostic[] } {
  const scan = scanC(text);
  const diagnostics: Diagnostic[] = scan.unterminatedComments.map((off) => unterminatedCommentDiagnostic(file, scan, off));
  const tokens: LexToken[] = new Array<LexToken>(scan.tokens.length);
  for (let k = 0; k < scan.tokens.length; k++) {
    const t = scan.tokens[k]!;
    if (t.problem !== null) diagnostics.push(problemDiagnostic(file, t));
    tokens[k] = { kind: t.kind, text: t.text, loc: { file, line: t.line, column: t.column }, bol: t.bol, space: t.space };
  }
  diagnostics.sort((a, b) => a.loc.offset - b.loc.offset);
  return { tokens, diagnostics };
}
