// The driver's original C as split --emit rewrites it: tokens (comments, strings, character
// literals and preprocessor lines skipped, so a brace inside any of them is not a brace), braces
// matched with a stack, and the file cut into top-level statements (declarations and function
// definitions). Nothing recurses; a file the scanner cannot follow is a located error.

export interface Tok {
  kind: 'id' | 'num' | 'str' | 'chr' | 'punct';
  text: string;
  start: number;
  end: number;
  line: number;
  col: number;
}

export interface Stmt {
  /** Token indices, inclusive. */
  first: number;
  last: number;
  /** A function definition: its name and the tokens of its body's braces. */
  fn?: { name: string; nameTok: number; open: number; close: number };
  /** The identifier before the first top-level `(` (a prototype's or a macro call's name). */
  callee?: string;
}

export interface CText {
  text: string;
  toks: Tok[];
  /** Index of the matching brace of every `{` and `}`. */
  match: Map<number, number>;
  /** [start, end) of preprocessor lines (with continuations), which rewriting keeps. */
  directives: [number, number][];
  stmts: Stmt[];
}

export class CTextError extends Error {
  constructor(
    readonly line: number,
    readonly col: number,
    message: string,
  ) {
    super(message);
  }
}

const ATTRIBUTE_CALLS = new Set(['__attribute__', '__attribute', '__acquires', '__releases', '__must_hold', '__printf', '__scanf', '__aligned', '__section', '__alias']);

export function scanC(text: string): CText {
  const toks: Tok[] = [];
  const directives: [number, number][] = [];
  let i = 0;
  let line = 1;
  let lineStart = 0;
  let atLineStart = true;
  const n = text.length;
  // Where an unterminated comment or literal opened: the error points there.
  const fail = (at: { line: number; col: number }, message: string): never => {
    throw new CTextError(at.line, at.col, message);
  };
  const here = (): { line: number; col: number } => ({ line, col: i - lineStart + 1 });
  const newline = (at: number): void => {
    line++;
    lineStart = at + 1;
    atLineStart = true;
  };
  const skipComment = (): void => {
    // At "/*": to the "*/".
    const open = here();
    i += 2;
    for (;;) {
      if (i >= n) fail(open, 'unterminated comment');
      if (text[i] === '*' && text[i + 1] === '/') {
        i += 2;
        return;
      }
      if (text[i] === '\n') newline(i);
      i++;
    }
  };
  const skipQuoted = (q: string): void => {
    const open = here();
    i++;
    for (;;) {
      if (i >= n || text[i] === '\n') fail(open, q === '"' ? 'unterminated string' : 'unterminated character literal');
      if (text[i] === '\\') {
        if (text[i + 1] === '\n') newline(i + 1);
        i += 2;
        continue;
      }
      if (text[i] === q) {
        i++;
        return;
      }
      i++;
    }
  };
  while (i < n) {
    const c = text[i]!;
    if (c === '\n') {
      newline(i);
      i++;
      continue;
    }
    if (c === ' ' || c === '\t' || c === '\r' || c === '\f' || c === '\v') {
      i++;
      continue;
    }
    if (c === '/' && text[i + 1] === '/') {
      while (i < n && text[i] !== '\n') i++;
      continue;
    }
    if (c === '/' && text[i + 1] === '*') {
      skipComment();
      continue;
    }
    if (c === '#' && atLineStart) {
      // A preprocessor line, with its continuations and any comments in it.
      const start = i;
      while (i < n && text[i] !== '\n') {
        if (text[i] === '\\' && text[i + 1] === '\n') {
          newline(i + 1);
          i += 2;
          continue;
        }
        if (text[i] === '/' && text[i + 1] === '*') {
          skipComment();
          continue;
        }
        if (text[i] === '/' && text[i + 1] === '/') {
          while (i < n && text[i] !== '\n') i++;
          break;
        }
        if (text[i] === '"' || text[i] === "'") {
          // #include <...> and #error text may hold a lone quote: only a closed literal is skipped.
          const close = text.indexOf(text[i]!, i + 1);
          const eol = text.indexOf('\n', i);
          i = close > 0 && (eol < 0 || close < eol) ? close + 1 : i + 1;
          continue;
        }
        i++;
      }
      directives.push([start, i]);
      continue;
    }
    atLineStart = false;
    const start = i;
    const col = i - lineStart + 1;
    const tokLine = line;
    let kind: Tok['kind'];
    if (/[A-Za-z_]/.test(c)) {
      while (i < n && /[A-Za-z0-9_]/.test(text[i]!)) i++;
      // An encoding prefix (L"", u8"") belongs to the literal.
      if ((text[i] === '"' || text[i] === "'") && /^(L|u|U|u8)$/.test(text.slice(start, i))) {
        kind = text[i] === '"' ? 'str' : 'chr';
        skipQuoted(text[i]!);
      } else kind = 'id';
    } else if (/[0-9]/.test(c) || (c === '.' && /[0-9]/.test(text[i + 1] ?? ''))) {
      // A pp-number: digits, letters, dots, and signs after an exponent.
      i++;
      while (i < n && (/[A-Za-z0-9_.]/.test(text[i]!) || ((text[i] === '+' || text[i] === '-') && /[eEpP]/.test(text[i - 1]!)))) i++;
      kind = 'num';
    } else if (c === '"' || c === "'") {
      skipQuoted(c);
      kind = c === '"' ? 'str' : 'chr';
    } else {
      i++;
      kind = 'punct';
    }
    toks.push({ kind, text: text.slice(start, i), start, end: i, line: tokLine, col });
  }

  // Braces, matched with an explicit stack.
  const match = new Map<number, number>();
  const stack: number[] = [];
  for (let k = 0; k < toks.length; k++) {
    const t = toks[k]!;
    if (t.kind !== 'punct') continue;
    if (t.text === '{') stack.push(k);
    else if (t.text === '}') {
      const o = stack.pop();
      if (o === undefined) throw new CTextError(t.line, t.col, "'}' without a matching '{'");
      match.set(o, k);
      match.set(k, o);
    }
  }
  if (stack.length) {
    const t = toks[stack[stack.length - 1]!]!;
    throw new CTextError(t.line, t.col, "'{' without a matching '}' (braces split across #if branches are not supported)");
  }
  return { text, toks, match, directives, stmts: statements(toks, match) };
}

/** Cuts the tokens into top-level statements: a declaration ends at `;`, a definition at its body's `}`. */
function statements(toks: Tok[], match: Map<number, number>): Stmt[] {
  const out: Stmt[] = [];
  let first = 0;
  let paren = 0;
  let callee: string | undefined;
  let sawTag = false;
  let k = 0;
  while (k < toks.length) {
    const t = toks[k]!;
    if (t.kind === 'id' && (t.text === 'struct' || t.text === 'union' || t.text === 'enum')) sawTag = true;
    if (t.kind === 'punct') {
      if (t.text === '(') {
        if (paren === 0 && callee === undefined && k > first && toks[k - 1]!.kind === 'id' && !ATTRIBUTE_CALLS.has(toks[k - 1]!.text)) callee = toks[k - 1]!.text;
        paren++;
      } else if (t.text === ')') paren = Math.max(0, paren - 1);
      else if (t.text === ';' && paren === 0) {
        out.push({ first, last: k, ...(callee !== undefined ? { callee } : {}) });
        first = k + 1;
        callee = undefined;
        sawTag = false;
      } else if (t.text === '{') {
        const close = match.get(k)!;
        const prev = k > first ? toks[k - 1]! : undefined;
        const body = paren === 0 && prev !== undefined && !(prev.kind === 'punct' && (prev.text === '=' || prev.text === ',')) && !(sawTag && (prev.kind === 'id'));
        if (body && callee !== undefined) {
          const nameTok = nameBefore(toks, first, k, callee);
          out.push({ first, last: close, callee, fn: { name: callee, nameTok, open: k, close } });
          first = close + 1;
          callee = undefined;
          sawTag = false;
          k = close + 1;
          continue;
        }
        // An initializer or a type's body: part of the declaration.
        k = close + 1;
        continue;
      }
    }
    k++;
  }
  if (first < toks.length) out.push({ first, last: toks.length - 1, ...(callee !== undefined ? { callee } : {}) });
  return out;
}

function nameBefore(toks: Tok[], first: number, end: number, name: string): number {
  for (let k = first; k < end; k++) if (toks[k]!.kind === 'id' && toks[k]!.text === name && toks[k + 1]?.text === '(') return k;
  return first;
}

/** The parameter names of a definition: the last identifier of each top-level comma-separated part. */
export function paramNames(c: CText, fn: NonNullable<Stmt['fn']>): string[] | string {
  const open = fn.nameTok + 1;
  let depth = 0;
  let close = -1;
  for (let k = open; k < fn.open; k++) {
    const t = c.toks[k]!.text;
    if (t === '(') depth++;
    else if (t === ')' && --depth === 0) {
      close = k;
      break;
    }
  }
  if (close < 0) return 'no parameter list';
  const parts: Tok[][] = [[]];
  depth = 0;
  for (let k = open + 1; k < close; k++) {
    const t = c.toks[k]!;
    if (t.text === '(' || t.text === '[') depth++;
    if (t.text === ')' || t.text === ']') depth--;
    if (t.text === ',' && depth === 0) parts.push([]);
    else parts[parts.length - 1]!.push(t);
  }
  if (parts.length === 1 && (parts[0]!.length === 0 || (parts[0]!.length === 1 && parts[0]![0]!.text === 'void'))) return [];
  const names: string[] = [];
  for (const p of parts) {
    if (p.length === 3 && p.every((t) => t.text === '.')) return 'a variadic function';
    // `void (*fn)(int)`: the name is inside the first parenthesis; otherwise the last identifier
    // outside brackets (`u8 data[6]`).
    const inner = p.findIndex((t, j) => t.text === '(' && p[j + 1]?.text === '*');
    let name: Tok | undefined;
    if (inner >= 0) name = p.slice(inner).find((t) => t.kind === 'id');
    else {
      let d = 0;
      for (const t of p) {
        if (t.text === '[') d++;
        else if (t.text === ']') d--;
        else if (d === 0 && t.kind === 'id') name = t;
      }
    }
    if (!name || p.length < 2) return `a parameter without a name (${p.map((t) => t.text).join(' ')})`;
    names.push(name.text);
  }
  return names;
}

const SPECIFIERS = new Set(['static', 'inline', '__inline', '__inline__', 'extern', '__init', '__exit', '__cold', '__always_inline', 'noinline', '__maybe_unused', '__used', 'notrace', '__noreturn', '__must_check']);

/** The return type of a definition as written (storage classes and attributes left out). */
export function returnType(c: CText, s: Stmt): { text: string; isStatic: boolean } {
  const parts: string[] = [];
  let isStatic = false;
  let k = s.first;
  while (k < s.fn!.nameTok) {
    const t = c.toks[k]!;
    if (t.kind === 'id' && ATTRIBUTE_CALLS.has(t.text) && c.toks[k + 1]?.text === '(') {
      // Skip the attribute's parenthesised arguments.
      let d = 0;
      k++;
      do {
        if (c.toks[k]!.text === '(') d++;
        else if (c.toks[k]!.text === ')') d--;
        k++;
      } while (d > 0 && k < s.fn!.nameTok);
      continue;
    }
    if (t.text === 'static') isStatic = true;
    if (!SPECIFIERS.has(t.text)) parts.push(t.text);
    k++;
  }
  return { text: parts.join(' ').replace(/ \*/g, ' *').replace(/\* /g, '*'), isStatic };
}

/**
 * A C expression with the identifiers in `from` replaced by those at the same index of `to`, token
 * by token: a member name (after `.` or `->`) keeps its spelling, as do strings and the spacing.
 */
export function renameIdentifiers(expr: string, from: readonly string[], to: readonly string[]): string {
  const toks = scanC(expr).toks;
  let out = '';
  let at = 0;
  for (const [k, t] of toks.entries()) {
    const i = t.kind === 'id' ? from.indexOf(t.text) : -1;
    // The scanner gives `->` as `-` and `>`, which only `->` puts side by side before a name.
    const before = toks[k - 1];
    const member = before !== undefined && (before.text === '.' || (before.text === '>' && toks[k - 2]?.text === '-' && toks[k - 2]!.end === before.start));
    if (i < 0 || member || to[i] === undefined) continue;
    out += expr.slice(at, t.start) + to[i];
    at = t.end;
  }
  return out + expr.slice(at);
}
