// The integer constant expression of `#if` / `#elif` (C11 6.10.1). The preprocessor has already
// replaced `defined`, `__has_include` and macros; what is left is evaluated in intmax_t/uintmax_t
// (64-bit here, as on every target GCC builds kernels for), with GCC's diagnostics where C leaves
// the behaviour open. An error makes the condition false, as in GCC, and never throws.
import type { Diagnostic } from '../../idl/diagnostics.js';
import type { Loc } from '../../idl/ast.js';
import type { CLoc, CTokenKind } from './c-ast.js';

export interface PpExprToken {
  kind: CTokenKind;
  text: string;
  loc: CLoc;
  /** Original offset and length of the token, when known, for precise diagnostics. */
  offset?: number;
  length?: number;
}

interface Val {
  v: bigint;
  unsigned: boolean;
}

/** Deep enough for any real header; shallow enough that recursion cannot exhaust the JS stack. */
export const MAX_EXPR_DEPTH = 256;

const ZERO: Val = { v: 0n, unsigned: false };
const ONE: Val = { v: 1n, unsigned: false };

const BINARY_PREC: Record<string, number> = {
  '*': 10,
  '/': 10,
  '%': 10,
  '+': 9,
  '-': 9,
  '<<': 8,
  '>>': 8,
  '<': 7,
  '>': 7,
  '<=': 7,
  '>=': 7,
  '==': 6,
  '!=': 6,
  '&': 5,
  '^': 4,
  '|': 3,
  '&&': 2,
  '||': 1,
};

/** Every punctuator an #if expression may contain; anything else (`=`, `++`, `{`, ...) is misplaced. */
const EXPR_PUNCTUATORS = new Set([...Object.keys(BINARY_PREC), '(', ')', '~', '!', '?', ':', ',']);

function norm(v: bigint, unsigned: boolean): Val {
  return { v: unsigned ? BigInt.asUintN(64, v) : BigInt.asIntN(64, v), unsigned };
}

function truth(b: boolean): Val {
  return b ? ONE : ZERO;
}

export function locOfToken(t: PpExprToken): Loc {
  const len = Math.max(1, t.length ?? t.text.length);
  const offset = t.offset ?? 0;
  return {
    file: t.loc.file,
    line: t.loc.line,
    column: t.loc.column,
    offset,
    endOffset: offset + len,
    endLine: t.loc.line,
    endColumn: t.loc.column + len,
  };
}

class Parser {
  private i = 0;
  private depth = 0;
  /** Set after the first error: the rest of the expression is not worth more messages. */
  failed = false;
  readonly diagnostics: Diagnostic[] = [];

  constructor(
    private readonly toks: readonly PpExprToken[],
    private readonly endLoc: Loc,
    private readonly directive: string,
  ) {}

  private peek(): PpExprToken | undefined {
    return this.toks[this.i];
  }

  private error(message: string, at: PpExprToken | undefined, code = 'cpp-if-expression'): void {
    if (this.failed) return;
    this.failed = true;
    this.diagnostics.push({ severity: 'error', code, message, loc: at ? locOfToken(at) : this.endLoc });
  }

  private warn(message: string, at: PpExprToken, code: string): void {
    this.diagnostics.push({ severity: 'warning', code, message, loc: locOfToken(at) });
  }

  run(): boolean {
    if (this.toks.length === 0) {
      this.error(`#${this.directive} with no expression`, undefined);
      return false;
    }
    const v = this.comma(true);
    const extra = this.peek();
    if (extra && !this.failed) {
      this.error(
        extra.text === ')'
          ? "missing '(' in expression"
          : extra.kind === 'punct' && !EXPR_PUNCTUATORS.has(extra.text)
            ? `token "${extra.text}" is not valid in preprocessor expressions`
            : `missing binary operator before token "${extra.text}"`,
        extra,
      );
    }
    return !this.failed && v.v !== 0n;
  }

  /** GCC accepts the comma operator in #if (a pedantic warning only), so headers use it. */
  private comma(live: boolean): Val {
    let v = this.conditional(live);
    while (!this.failed && this.peek()?.text === ',' && this.peek()?.kind === 'punct') {
      this.i++;
      v = this.conditional(live);
    }
    return v;
  }

  private conditional(live: boolean): Val {
    if (!this.enter()) return ZERO;
    const cond = this.binary(1, live);
    let result = cond;
    const q = this.peek();
    if (!this.failed && q?.kind === 'punct' && q.text === '?') {
      this.i++;
      const takeFirst = cond.v !== 0n;
      const a = this.comma(live && takeFirst);
      const colon = this.peek();
      if (!this.failed && (colon?.kind !== 'punct' || colon.text !== ':')) {
        this.error("'?' without following ':'", colon);
      } else if (!this.failed) {
        this.i++;
        const b = this.conditional(live && !takeFirst);
        const unsigned = a.unsigned || b.unsigned;
        result = norm(takeFirst ? a.v : b.v, unsigned);
      }
    }
    this.depth--;
    return result;
  }

  private binary(minPrec: number, live: boolean): Val {
    let left = this.unary(live);
    for (;;) {
      if (this.failed) return ZERO;
      const op = this.peek();
      if (!op || op.kind !== 'punct') return left;
      const prec = BINARY_PREC[op.text];
      if (prec === undefined || prec < minPrec) return left;
      this.i++;
      if (op.text === '&&' || op.text === '||') {
        // The right operand is parsed but not evaluated when the left decides: `0 && 1/0` is fine.
        const decided = op.text === '&&' ? left.v === 0n : left.v !== 0n;
        const right = this.binary(prec + 1, live && !decided);
        left = truth(op.text === '&&' ? left.v !== 0n && right.v !== 0n : left.v !== 0n || right.v !== 0n);
        continue;
      }
      const right = this.binary(prec + 1, live);
      left = this.apply(op, left, right, live);
    }
  }

  private apply(op: PpExprToken, a: Val, b: Val, live: boolean): Val {
    const unsigned = a.unsigned || b.unsigned;
    // Usual arithmetic conversions: a negative signed operand meets an unsigned one as 2^64 - n.
    const x = unsigned ? BigInt.asUintN(64, a.v) : a.v;
    const y = unsigned ? BigInt.asUintN(64, b.v) : b.v;
    switch (op.text) {
      case '*':
        return this.checked(x * y, unsigned, op, live);
      case '/':
      case '%':
        if (y === 0n) {
          if (live) this.error('division by zero in #if', op, 'cpp-division-by-zero');
          return ZERO;
        }
        return op.text === '/' ? this.checked(x / y, unsigned, op, live) : norm(x % y, unsigned);
      case '+':
        return this.checked(x + y, unsigned, op, live);
      case '-':
        return this.checked(x - y, unsigned, op, live);
      case '<<':
      case '>>': {
        const r = this.shift(op.text === '<<', a, b);
        if (live && !r.unsigned && r.overflow) this.warn('integer overflow in preprocessor expression', op, 'cpp-integer-overflow');
        return { v: r.v, unsigned: r.unsigned };
      }
      case '<':
        return truth(x < y);
      case '>':
        return truth(x > y);
      case '<=':
        return truth(x <= y);
      case '>=':
        return truth(x >= y);
      case '==':
        return truth(x === y);
      case '!=':
        return truth(x !== y);
      case '&':
        return norm(x & y, unsigned);
      case '^':
        return norm(x ^ y, unsigned);
      case '|':
        return norm(x | y, unsigned);
      default:
        return ZERO;
    }
  }

  /** Signed arithmetic wraps, with GCC's warning; unsigned arithmetic wraps silently. */
  private checked(exact: bigint, unsigned: boolean, op: PpExprToken, live: boolean): Val {
    const r = norm(exact, unsigned);
    if (!unsigned && live && r.v !== exact) this.warn('integer overflow in preprocessor expression', op, 'cpp-integer-overflow');
    return r;
  }

  /** The result has the left operand's type; GCC shifts the other way for a negative count. */
  private shift(left: boolean, a: Val, b: Val): Val & { overflow: boolean } {
    let count = b.unsigned ? BigInt.asUintN(64, b.v) : b.v;
    if (count < 0n) {
      left = !left;
      count = -count;
    }
    if (left) {
      const exact = count >= 64n ? (a.v === 0n ? 0n : 1n << 64n) : a.v << count;
      const r = count >= 64n ? norm(0n, a.unsigned) : norm(exact, a.unsigned);
      return { ...r, overflow: r.v !== exact };
    }
    if (count >= 64n) return { ...norm(!a.unsigned && a.v < 0n ? -1n : 0n, a.unsigned), overflow: false };
    return { ...norm(a.v >> count, a.unsigned), overflow: false };
  }

  private enter(): boolean {
    if (++this.depth > MAX_EXPR_DEPTH) {
      this.error(`#if expression nested too deeply (more than ${MAX_EXPR_DEPTH} levels)`, this.peek(), 'cpp-nesting');
      this.depth--;
      return false;
    }
    return true;
  }

  private unary(live: boolean): Val {
    const t = this.peek();
    if (!t) {
      const prev = this.toks[this.i - 1];
      this.error(prev ? `operator '${prev.text}' has no right operand` : `#${this.directive} with no expression`, undefined);
      return ZERO;
    }
    if (t.kind === 'punct' && (t.text === '+' || t.text === '-' || t.text === '~' || t.text === '!')) {
      this.i++;
      if (!this.enter()) return ZERO;
      const v = this.unary(live);
      this.depth--;
      switch (t.text) {
        case '+':
          return v;
        case '-':
          return norm(-v.v, v.unsigned);
        case '~':
          return norm(~v.v, v.unsigned);
        default:
          return truth(v.v === 0n);
      }
    }
    return this.primary(live);
  }

  private primary(live: boolean): Val {
    const t = this.peek()!;
    this.i++;
    switch (t.kind) {
      case 'number':
        return this.number(t);
      case 'char':
        return this.charConst(t);
      case 'ident':
        return this.identifier(t);
      case 'string':
        this.error(`token "${t.text}" is not valid in preprocessor expressions`, t);
        return ZERO;
      case 'punct':
        break;
    }
    if (t.text === '(') {
      if (this.peek()?.text === ')') {
        this.error("missing expression between '(' and ')'", this.peek());
        return ZERO;
      }
      const v = this.comma(live);
      const close = this.peek();
      if (!this.failed && (close?.kind !== 'punct' || close.text !== ')')) {
        this.error("missing ')' in expression", close);
        return ZERO;
      }
      this.i++;
      return v;
    }
    if (BINARY_PREC[t.text] !== undefined || t.text === ')' || t.text === '?' || t.text === ':' || t.text === ',') {
      this.error(`operator '${t.text}' has no left operand`, t);
      return ZERO;
    }
    this.error(`token "${t.text}" is not valid in preprocessor expressions`, t);
    return ZERO;
  }

  /**
   * An identifier left after macro expansion is 0 (6.10.1p4). `__has_attribute(x)` and its
   * relatives survive as calls; this front end claims no attributes or builtins, so they are 0.
   */
  private identifier(t: PpExprToken): Val {
    if (t.text.startsWith('__has_') && this.peek()?.text === '(') {
      let depth = 0;
      for (; this.i < this.toks.length; this.i++) {
        const x = this.toks[this.i]!;
        if (x.kind !== 'punct') continue;
        if (x.text === '(') depth++;
        else if (x.text === ')' && --depth === 0) {
          this.i++;
          return ZERO;
        }
      }
      this.error(`missing ')' after "${t.text}" operand`, undefined);
      return ZERO;
    }
    return ZERO;
  }

  private number(t: PpExprToken): Val {
    const r = parseIntegerConstant(t.text);
    if ('error' in r) {
      this.error(r.error, t);
      return ZERO;
    }
    if (r.warning) this.warn(r.warning, t, 'cpp-integer-constant');
    return { v: r.value, unsigned: r.unsigned };
  }

  private charConst(t: PpExprToken): Val {
    const r = parseCharConstant(t.text);
    if ('error' in r) {
      this.error(r.error, t);
      return ZERO;
    }
    if (r.warning) this.warn(r.warning, t, 'cpp-char-constant');
    return { v: r.value, unsigned: r.unsigned };
  }
}

const INT64_MAX = (1n << 63n) - 1n;
const UINT64_MAX = (1n << 64n) - 1n;

/** An integer constant (6.4.4.1) as #if sees it, with GCC's binary `0b` extension. */
export function parseIntegerConstant(text: string): { value: bigint; unsigned: boolean; warning?: string } | { error: string } {
  const lower = text.toLowerCase();
  const hex = lower.startsWith('0x');
  const bin = lower.startsWith('0b');
  if (lower.includes('.') || (hex ? /p/.test(lower) : !bin && /e/.test(lower))) {
    return { error: 'floating constant in preprocessor expression' };
  }
  const digits = hex ? /^0x([0-9a-f]*)/.exec(lower)![1]! : bin ? /^0b([0-9]*)/.exec(lower)![1]! : /^[0-9]*/.exec(lower)![0];
  const suffix = text.slice((hex || bin ? 2 : 0) + digits.length);
  if (!/^(?:[uU](?:l|L|ll|LL)?|(?:l|L|ll|LL)[uU]?)?$/.test(suffix)) {
    if (/^[uUlL]*[ij][uUlL]*$|^[ij]/.test(suffix)) return { error: 'imaginary number in preprocessor expression' };
    return { error: `invalid suffix "${suffix}" on integer constant` };
  }
  if ((hex || bin) && digits.length === 0) return { error: `invalid suffix "${text.slice(1)}" on integer constant` };
  let value: bigint;
  let warning: string | undefined;
  if (bin) {
    const bad = /[^01]/.exec(digits);
    if (bad) return { error: `invalid digit "${bad[0]}" in binary constant` };
    value = BigInt('0b' + digits);
  } else if (hex) {
    value = BigInt('0x' + digits);
  } else if (digits.length > 1 && digits.startsWith('0')) {
    const bad = /[89]/.exec(digits);
    if (bad) return { error: `invalid digit "${bad[0]}" in octal constant` };
    value = BigInt('0o' + digits.slice(1));
  } else {
    value = BigInt(digits);
  }
  let unsigned = /u/i.test(suffix);
  if (value > UINT64_MAX) {
    warning = 'integer constant is too large for its type';
    value = BigInt.asUintN(64, value);
    unsigned = true;
  } else if (!unsigned && value > INT64_MAX) {
    // Octal and hex constants may take an unsigned type silently; a decimal one gets a warning.
    if (!hex && !bin && !(digits.length > 1 && digits.startsWith('0'))) warning = 'integer constant is so large that it is unsigned';
    unsigned = true;
  }
  return warning ? { value, unsigned, warning } : { value, unsigned };
}

const SIMPLE_ESCAPES: Record<string, number> = {
  n: 10,
  t: 9,
  r: 13,
  a: 7,
  b: 8,
  f: 12,
  v: 11,
  e: 27,
  E: 27,
  '\\': 92,
  "'": 39,
  '"': 34,
  '?': 63,
};

/**
 * A character constant's value as GCC computes it on x86-64: plain char is signed, a
 * multi-character constant packs its bytes into an int, `L'x'` is a signed 32-bit wchar_t and
 * `u'x'`/`U'x'`/`u8'x'` are unsigned.
 */
export function parseCharConstant(text: string): { value: bigint; unsigned: boolean; warning?: string } | { error: string } {
  const quote = text.indexOf("'");
  const prefix = text.slice(0, quote);
  const body = text.slice(quote + 1, text.endsWith("'") && text.length > quote + 1 ? -1 : undefined);
  const units: number[] = [];
  for (let i = 0; i < body.length; ) {
    const c = body[i]!;
    if (c !== '\\') {
      const cp = body.codePointAt(i)!;
      i += cp > 0xffff ? 2 : 1;
      if (prefix === '' || prefix === 'u8') units.push(...utf8(cp));
      else units.push(cp);
      continue;
    }
    const e = body[i + 1] ?? '';
    if (SIMPLE_ESCAPES[e] !== undefined) {
      units.push(SIMPLE_ESCAPES[e]);
      i += 2;
    } else if (/[0-7]/.test(e)) {
      const m = /^[0-7]{1,3}/.exec(body.slice(i + 1))![0];
      units.push(parseInt(m, 8));
      i += 1 + m.length;
    } else if (e === 'x') {
      const m = /^[0-9a-fA-F]*/.exec(body.slice(i + 2))![0];
      if (m.length === 0) return { error: '\\x used with no following hex digits' };
      units.push(Number(BigInt.asUintN(32, BigInt('0x' + m))));
      i += 2 + m.length;
    } else if (e === 'u' || e === 'U') {
      const n = e === 'u' ? 4 : 8;
      const m = body.slice(i + 2, i + 2 + n);
      if (!new RegExp(`^[0-9a-fA-F]{${n}}$`).test(m)) return { error: `incomplete universal character name \\${e}${m}` };
      const cp = parseInt(m, 16);
      if (prefix === '' || prefix === 'u8') units.push(...utf8(cp));
      else units.push(cp);
      i += 2 + n;
    } else {
      units.push(e.charCodeAt(0) || 0);
      i += 2;
    }
  }
  if (units.length === 0) return { error: 'empty character constant' };
  if (prefix === 'L' || prefix === 'u' || prefix === 'U') {
    // GCC takes the last unit of a multi-unit wide constant, with a warning.
    const last = units[units.length - 1]!;
    const warning = units.length > 1 ? 'character constant too long for its type' : undefined;
    const value = prefix === 'L' ? BigInt.asIntN(32, BigInt(last)) : prefix === 'u' ? BigInt(last & 0xffff) : BigInt(last >>> 0);
    return warning ? { value, unsigned: prefix !== 'L', warning } : { value, unsigned: prefix !== 'L' };
  }
  if (prefix === 'u8') {
    if (units.length > 1) return { error: 'character constant too long for its type' };
    return { value: BigInt(units[0]! & 0xff), unsigned: true };
  }
  if (units.length === 1) return { value: BigInt.asIntN(8, BigInt(units[0]! & 0xff)), unsigned: false };
  let v = 0n;
  for (const u of units) v = BigInt.asIntN(32, (v << 8n) | BigInt(u & 0xff));
  const warning = units.length > 4 ? 'character constant too long for its type' : 'multi-character character constant';
  return { value: v, unsigned: false, warning };
}

function utf8(cp: number): number[] {
  if (cp < 0x80) return [cp];
  if (cp < 0x800) return [0xc0 | (cp >> 6), 0x80 | (cp & 63)];
  if (cp < 0x10000) return [0xe0 | (cp >> 12), 0x80 | ((cp >> 6) & 63), 0x80 | (cp & 63)];
  return [0xf0 | (cp >> 18), 0x80 | ((cp >> 12) & 63), 0x80 | ((cp >> 6) & 63), 0x80 | (cp & 63)];
}

/**
 * Evaluates a macro-expanded `#if` line. `endLoc` is where a missing operand is reported (the end
 * of the directive); `directive` names it in messages ('if' or 'elif').
 */
export function evaluatePpExpr(
  tokens: readonly PpExprToken[],
  endLoc: Loc,
  directive = 'if',
): { value: boolean; diagnostics: Diagnostic[] } {
  const p = new Parser(tokens, endLoc, directive);
  const value = p.run();
  return { value, diagnostics: p.diagnostics };
}
