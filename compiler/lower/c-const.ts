// Integer constant expressions as GCC folds them on x86-64 (LP64, signed plain char): array sizes,
// bit-field widths, enum values. Anything that is not a compile-time integer — a variable, a call,
// `sizeof expr`, a floating constant, undefined behaviour like division by zero — yields null; the
// evaluator never throws.
import type { CToken, CType } from './c-ast.js';

export interface CConstEnv {
  /** The value of an enumeration constant, or null when `name` is not one. */
  enumValue(name: string): bigint | null;
  sizeof(type: CType): bigint | null;
  alignof?(type: CType): bigint | null;
  /** The tokens as one type name (`unsigned long`, `struct x *`), or null when they are an expression. */
  parseType(tokens: CToken[]): CType | null;
  /** What a typedef name stands for, so a cast to `u32` knows its width and signedness. */
  typedefType?(name: string): CType | null;
}

/** An integer type by what arithmetic needs: its width and signedness. */
interface IntType {
  bits: number;
  unsigned: boolean;
}

interface Value {
  v: bigint;
  t: IntType;
}

const INT: IntType = { bits: 32, unsigned: false };
const UINT: IntType = { bits: 32, unsigned: true };
const LONG: IntType = { bits: 64, unsigned: false };
const ULONG: IntType = { bits: 64, unsigned: true };
const BOOL: IntType = { bits: 1, unsigned: true };

const BASE_TYPES = new Map<string, IntType>([
  ['_Bool', BOOL],
  ['char', { bits: 8, unsigned: false }],
  ['signed char', { bits: 8, unsigned: false }],
  ['unsigned char', { bits: 8, unsigned: true }],
  ['short', { bits: 16, unsigned: false }],
  ['unsigned short', { bits: 16, unsigned: true }],
  ['int', INT],
  ['unsigned int', UINT],
  ['long', LONG],
  ['unsigned long', ULONG],
  ['long long', LONG],
  ['unsigned long long', ULONG],
  ['__int128', { bits: 128, unsigned: false }],
  ['unsigned __int128', { bits: 128, unsigned: true }],
]);

const MAX_DEPTH = 256;

/** Thrown when the expression has no integer value; caught at the entry point. */
const NOT_CONST: unique symbol = Symbol('not-const');

export function evalCConst(tokens: CToken[], env: CConstEnv): bigint | null {
  if (tokens.length === 0) return null;
  try {
    const ev = new Evaluator(tokens, env);
    const r = ev.comma(true);
    return ev.pos === tokens.length ? r.v : null;
  } catch {
    // NOT_CONST, or an environment callback that threw: either way there is no value.
    return null;
  }
}

function wrap(v: bigint, t: IntType): bigint {
  if (t === BOOL) return v === 0n ? 0n : 1n;
  return t.unsigned ? BigInt.asUintN(t.bits, v) : BigInt.asIntN(t.bits, v);
}

/** Integer promotion: everything narrower than int computes as int. */
function promote(t: IntType): IntType {
  return t.bits < 32 ? INT : t;
}

/** The usual arithmetic conversions, by width and signedness (enough for LP64's integer types). */
function common(a: IntType, b: IntType): IntType {
  a = promote(a);
  b = promote(b);
  if (a.unsigned === b.unsigned) return a.bits >= b.bits ? a : b;
  const u = a.unsigned ? a : b;
  const s = a.unsigned ? b : a;
  return u.bits >= s.bits ? u : s;
}

function fits(v: bigint, t: IntType): boolean {
  return wrap(v, t) === v;
}

const BINARY_PREC = new Map<string, number>([
  ['||', 1], ['&&', 2], ['|', 3], ['^', 4], ['&', 5], ['==', 6], ['!=', 6],
  ['<', 7], ['>', 7], ['<=', 7], ['>=', 7], ['<<', 8], ['>>', 8], ['+', 9], ['-', 9], ['*', 10], ['/', 10], ['%', 10],
]);

class Evaluator {
  pos = 0;
  private depth = 0;

  constructor(
    private readonly toks: CToken[],
    private readonly env: CConstEnv,
  ) {}

  private peek(k = 0): string | undefined {
    return this.toks[this.pos + k]?.text;
  }

  private expect(s: string): void {
    if (this.peek() !== s) throw NOT_CONST;
    this.pos++;
  }

  private enter(): void {
    if (++this.depth > MAX_DEPTH) throw NOT_CONST;
  }

  /**
   * `live` is false inside the unevaluated arm of `?:`, `&&`, `||`: C does not evaluate it, so a
   * division by zero or an unknown name there must not spoil the result.
   */
  comma(live: boolean): Value {
    let r = this.conditional(live);
    while (this.peek() === ',') {
      this.pos++;
      r = this.conditional(live);
    }
    return r;
  }

  private conditional(live: boolean): Value {
    const c = this.binary(1, live);
    if (this.peek() !== '?') return c;
    this.pos++;
    this.enter();
    const taken = c.v !== 0n;
    // GNU `c ?: b` yields c itself when it is non-zero.
    const a = this.peek() === ':' ? c : this.comma(live && taken);
    this.expect(':');
    const b = this.conditional(live && !taken);
    this.depth--;
    const t = common(a.t, b.t);
    return { v: wrap(taken ? a.v : b.v, t), t };
  }

  private binary(minPrec: number, live: boolean): Value {
    let left = this.cast(live);
    for (;;) {
      const op = this.peek();
      const prec = op === undefined ? undefined : BINARY_PREC.get(op);
      if (prec === undefined || prec < minPrec) return left;
      this.pos++;
      if (op === '&&' || op === '||') {
        const l = left.v !== 0n;
        const rightLive = live && (op === '&&' ? l : !l);
        const right = this.binary(prec + 1, rightLive);
        const r = right.v !== 0n;
        left = { v: (op === '&&' ? l && r : l || r) ? 1n : 0n, t: INT };
        continue;
      }
      const right = this.binary(prec + 1, live);
      left = this.apply(op!, left, right, live);
    }
  }

  private apply(op: string, a: Value, b: Value, live: boolean): Value {
    if (op === '<<' || op === '>>') {
      const t = promote(a.t);
      // A negative or too-wide shift count is undefined behaviour, so there is no value to give.
      if (b.v < 0n || b.v >= BigInt(t.bits)) return this.undefinedResult(live, t);
      const av = wrap(a.v, t);
      return { v: wrap(op === '<<' ? av << b.v : av >> b.v, t), t };
    }
    const t = common(a.t, b.t);
    const x = wrap(a.v, t);
    const y = wrap(b.v, t);
    switch (op) {
      case '+':
        return { v: wrap(x + y, t), t };
      case '-':
        return { v: wrap(x - y, t), t };
      case '*':
        return { v: wrap(x * y, t), t };
      case '/':
      case '%':
        if (y === 0n) return this.undefinedResult(live, t);
        // BigInt division truncates toward zero like C's, and % takes the dividend's sign like C's.
        return { v: wrap(op === '/' ? x / y : x % y, t), t };
      case '&':
        return { v: wrap(x & y, t), t };
      case '|':
        return { v: wrap(x | y, t), t };
      case '^':
        return { v: wrap(x ^ y, t), t };
      case '==':
        return bool(x === y);
      case '!=':
        return bool(x !== y);
      case '<':
        return bool(x < y);
      case '>':
        return bool(x > y);
      case '<=':
        return bool(x <= y);
      case '>=':
        return bool(x >= y);
      default:
        throw NOT_CONST;
    }
  }

  private undefinedResult(live: boolean, t: IntType): Value {
    if (live) throw NOT_CONST;
    return { v: 0n, t };
  }

  /** `(type) operand`, or a unary expression. */
  private cast(live: boolean): Value {
    if (this.peek() === '(') {
      const close = this.matching(this.pos);
      const inner = this.toks.slice(this.pos + 1, close);
      const first = inner[0];
      if (first && first.kind === 'ident' && close < this.toks.length) {
        const type = this.env.parseType(inner);
        if (type) {
          this.pos = close + 1;
          // `(struct x){...}` is a compound literal, not a constant.
          if (this.peek() === '{') throw NOT_CONST;
          this.enter();
          const v = this.cast(live);
          this.depth--;
          return this.convert(v, type, live);
        }
      }
    }
    return this.unary(live);
  }

  /** The index of the bracket closing the one at `k`; tokens.length when unbalanced. */
  private matching(k: number): number {
    let depth = 0;
    for (let i = k; i < this.toks.length; i++) {
      const s = this.toks[i]!.text;
      if (s === '(' || s === '[' || s === '{') depth++;
      else if ((s === ')' || s === ']' || s === '}') && --depth === 0) return i;
    }
    return this.toks.length;
  }

  private convert(v: Value, type: CType, live: boolean): Value {
    const t = this.intType(type, 0);
    if (t === null) {
      if (live) throw NOT_CONST;
      return { v: 0n, t: INT };
    }
    return { v: wrap(v.v, t), t };
  }

  private intType(type: CType, hops: number): IntType | null {
    switch (type.kind) {
      case 'base':
        return BASE_TYPES.get(type.name) ?? null;
      case 'pointer':
        return ULONG;
      case 'enum':
        // GCC gives an enum without negative values `unsigned int`; int is right for every value both share.
        return INT;
      case 'typedef': {
        if (hops > 64 || !this.env.typedefType) return null;
        const to = this.env.typedefType(type.name);
        return to ? this.intType(to, hops + 1) : null;
      }
      default:
        return null;
    }
  }

  private unary(live: boolean): Value {
    const s = this.peek();
    if (s === undefined) throw NOT_CONST;
    if (s === '+' || s === '-' || s === '~' || s === '!') {
      this.pos++;
      this.enter();
      const a = this.cast(live);
      this.depth--;
      if (s === '!') return bool(a.v === 0n);
      const t = promote(a.t);
      const v = wrap(a.v, t);
      return { v: s === '+' ? v : s === '-' ? wrap(-v, t) : wrap(~v, t), t };
    }
    if (s === '__extension__') {
      this.pos++;
      return this.cast(live);
    }
    if (s === 'sizeof' || s === '_Alignof' || s === '__alignof__' || s === '__alignof' || s === 'alignof') {
      this.pos++;
      const measure = s === 'sizeof' ? this.env.sizeof.bind(this.env) : this.env.alignof?.bind(this.env);
      if (this.peek() === '(') {
        const close = this.matching(this.pos);
        const inner = this.toks.slice(this.pos + 1, close);
        const type = inner.length > 0 && inner[0]!.kind === 'ident' && close < this.toks.length ? this.env.parseType(inner) : null;
        if (type) {
          this.pos = close + 1;
          const n = measure ? measure(type) : null;
          if (n === null) return this.undefinedResult(live, ULONG);
          return { v: wrap(n, ULONG), t: ULONG };
        }
      }
      // `sizeof expr` needs the expression's type, which this evaluator does not track.
      this.enter();
      this.unary(false);
      this.depth--;
      return this.undefinedResult(live, ULONG);
    }
    return this.postfix(live);
  }

  private postfix(live: boolean): Value {
    const v = this.primary(live);
    const s = this.peek();
    if (s === '(' || s === '[' || s === '.' || s === '->' || s === '++' || s === '--') throw NOT_CONST;
    return v;
  }

  private primary(live: boolean): Value {
    const t = this.toks[this.pos];
    if (!t) throw NOT_CONST;
    if (t.text === '(') {
      this.pos++;
      this.enter();
      // A GNU statement expression `({ ... })` is not something to fold here.
      if (this.peek() === '{') throw NOT_CONST;
      const v = this.comma(live);
      this.expect(')');
      this.depth--;
      return v;
    }
    this.pos++;
    if (t.kind === 'number') return numberValue(t.text);
    if (t.kind === 'char') return charValue(t.text);
    if (t.kind === 'ident') {
      if (this.peek() === '(') {
        // offsetof, __builtin_constant_p, any call: consume it so a dead arm still parses.
        this.pos = this.matching(this.pos) + 1;
        return this.undefinedResult(live, INT);
      }
      const e = this.env.enumValue(t.text);
      if (e === null) return this.undefinedResult(live, INT);
      const type = fits(e, INT) ? INT : fits(e, UINT) ? UINT : fits(e, LONG) ? LONG : ULONG;
      return { v: e, t: type };
    }
    throw NOT_CONST;
  }
}

function bool(b: boolean): Value {
  return { v: b ? 1n : 0n, t: INT };
}

/** An integer literal typed as C11 6.4.4.1 says (first type of its list that holds the value). */
function numberValue(text: string): Value {
  const m = /^(0[xX][0-9a-fA-F']+|0[bB][01']+|[0-9][0-9']*)([uUlL]*)$/.exec(text);
  if (!m) throw NOT_CONST; // floating constants and malformed numbers
  const digits = m[1]!.replace(/'/g, '');
  const suffix = m[2]!;
  if (!/^(?:[uU]?(?:l|L|ll|LL)?|(?:l|L|ll|LL)[uU])$/.test(suffix)) throw NOT_CONST;
  const decimal = !/^0[xXbB]/.test(digits) && !(digits.length > 1 && digits[0] === '0');
  let v: bigint;
  if (decimal || /^0[xXbB]/.test(digits)) v = BigInt(digits);
  else {
    if (/[89]/.test(digits)) throw NOT_CONST;
    v = BigInt('0o' + digits.slice(1));
  }
  const u = /[uU]/.test(suffix);
  const longs = (suffix.match(/[lL]/g) ?? []).length;
  const candidates: IntType[] = [];
  if (longs === 0) {
    if (!u) candidates.push(INT);
    if (u || !decimal) candidates.push(UINT);
  }
  if (longs <= 1) {
    if (!u) candidates.push(LONG);
    if (u || !decimal) candidates.push(ULONG);
  }
  // long long is the same width as long here; listing it again would change nothing.
  if (longs === 2) {
    if (!u) candidates.push(LONG);
    if (u || !decimal) candidates.push(ULONG);
  }
  // GCC gives a decimal too large for long long the type unsigned long long, with a warning.
  if (decimal && !u) candidates.push(ULONG);
  for (const t of candidates) if (fits(v, t)) return { v, t };
  throw NOT_CONST;
}

const SIMPLE_ESCAPES: Record<string, number> = {
  n: 10, t: 9, r: 13, a: 7, b: 8, f: 12, v: 11, e: 27, E: 27, '\\': 92, "'": 39, '"': 34, '?': 63,
};

/** A character constant's value: plain chars are signed on x86-64, multi-char constants pack bytes big-endian into an int. */
function charValue(text: string): Value {
  const m = /^(L|u8|u|U)?'(.*)'$/s.exec(text);
  if (!m) throw NOT_CONST;
  const prefix = m[1] ?? '';
  const body = m[2]!;
  const units: number[] = [];
  for (let i = 0; i < body.length; ) {
    const c = body[i]!;
    if (c !== '\\') {
      const cp = body.codePointAt(i)!;
      i += cp > 0xffff ? 2 : 1;
      if (prefix === '' || prefix === 'u8') for (const byte of Buffer.from(String.fromCodePoint(cp), 'utf8')) units.push(byte);
      else units.push(cp);
      continue;
    }
    const e = body[i + 1];
    if (e === undefined) throw NOT_CONST;
    if (e in SIMPLE_ESCAPES) {
      units.push(SIMPLE_ESCAPES[e]!);
      i += 2;
    } else if (e === 'x') {
      const h = /^[0-9a-fA-F]+/.exec(body.slice(i + 2));
      if (!h) throw NOT_CONST;
      units.push(Number(BigInt('0x' + h[0]) & 0xffffffffn));
      i += 2 + h[0].length;
    } else if (/[0-7]/.test(e)) {
      const o = /^[0-7]{1,3}/.exec(body.slice(i + 1))!;
      units.push(parseInt(o[0], 8));
      i += 1 + o[0].length;
    } else throw NOT_CONST;
  }
  if (units.length === 0) throw NOT_CONST;
  if (prefix === 'L') return { v: BigInt.asIntN(32, BigInt(units[units.length - 1]!)), t: INT };
  if (prefix === 'u') return { v: BigInt(units[units.length - 1]! & 0xffff), t: INT };
  if (prefix === 'U') return { v: BigInt.asUintN(32, BigInt(units[units.length - 1]!)), t: UINT };
  if (units.length === 1) return { v: BigInt.asIntN(8, BigInt(units[0]! & 0xff)), t: INT };
  let v = 0n;
  for (const b of units) v = (v << 8n) | BigInt(b & 0xff);
  return { v: BigInt.asIntN(32, v), t: INT };
}
