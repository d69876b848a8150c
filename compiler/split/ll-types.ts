// LLVM IR types (the typed-pointer syntax clang 14 prints): parsed with an explicit stack, since a C
// type can nest as deep as its author likes, and laid out the way the x86-64 data layout does, so a
// getelementptr's field index becomes the byte offset that the debug info names.

export type LType =
  | { k: 'int'; bits: number }
  | { k: 'ptr'; to: LType }
  | { k: 'named'; name: string }
  | { k: 'struct'; fields: LType[]; packed: boolean }
  | { k: 'array'; n: number; of: LType }
  | { k: 'vector'; n: number; of: LType }
  | { k: 'fn'; ret: LType; params: LType[]; varargs: boolean }
  | { k: 'other'; text: string };

const OTHER_SIZES: Record<string, [number, number]> = {
  half: [2, 2],
  bfloat: [2, 2],
  float: [4, 4],
  double: [8, 8],
  x86_fp80: [16, 16],
  fp128: [16, 16],
  ppc_fp128: [16, 16],
  void: [0, 1],
  label: [0, 1],
  metadata: [0, 1],
  token: [0, 1],
  x86_mmx: [8, 8],
  x86_amx: [1024, 64],
};

/** The text of a type as LLVM prints it: the key for function signatures and named types. */
export function typeText(t: LType): string {
  // Printed with an explicit stack of pending pieces, like the parser.
  const out: string[] = [];
  const work: (LType | string)[] = [t];
  while (work.length) {
    const w = work.pop()!;
    if (typeof w === 'string') {
      out.push(w);
      continue;
    }
    switch (w.k) {
      case 'int':
        out.push(`i${w.bits}`);
        break;
      case 'named':
        out.push(w.name);
        break;
      case 'other':
        out.push(w.text);
        break;
      case 'ptr':
        work.push('*', w.to);
        break;
      case 'array':
      case 'vector': {
        const [o, c] = w.k === 'array' ? ['[', ']'] : ['<', '>'];
        work.push(c, w.of, `${o}${w.n} x `);
        break;
      }
      case 'struct': {
        const [o, c] = w.packed ? ['<{ ', ' }>'] : ['{ ', ' }'];
        if (!w.fields.length) {
          out.push(w.packed ? '<{}>' : '{}');
          break;
        }
        work.push(c);
        for (let i = w.fields.length - 1; i >= 0; i--) {
          work.push(w.fields[i]!);
          if (i) work.push(', ');
        }
        work.push(o);
        break;
      }
      case 'fn': {
        work.push(')');
        if (w.varargs) work.push(w.params.length ? ', ...' : '...');
        for (let i = w.params.length - 1; i >= 0; i--) {
          work.push(w.params[i]!);
          if (i) work.push(', ');
        }
        work.push(' (');
        work.push(w.ret);
        break;
      }
    }
  }
  return out.join('');
}

/** Thrown inside this folder only, and turned into a located diagnostic by the reader. */
export class LlSyntaxError extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message);
  }
}

type Frame =
  | { kind: 'struct'; packed: boolean; fields: LType[] }
  | { kind: 'array' | 'vector'; n: number }
  | { kind: 'fn'; ret: LType; params: LType[]; varargs: boolean };

const WORD = /[A-Za-z_$.\-0-9%"@]/;

/**
 * Types read by the fast path, by their text (`i32`, `%struct.net_device*`): shared, never changed,
 * which spares the reader most of its allocations (nearly every operand has one of these types).
 */
const simple = new Map<string, LType>();

/** Characters of an identifier-like word of a type (`i32`, `%struct.a.b`, `%union.anon.12`). */
function wordChar(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95 || c === 36 || c === 46 || c === 45;
}

/**
 * `iN` or `%name`, then pointer stars, and nothing after it that continues a type (a parameter list,
 * `addrspace`): what parseType would read, in one scan; null to take the general way.
 */
function parseSimple(s: string, pos: number): { type: LType; end: number } | null {
  let i = pos;
  while (s.charCodeAt(i) === 32 || s.charCodeAt(i) === 9) i++;
  const start = i;
  const c0 = s.charCodeAt(i);
  if (c0 === 105) {
    // iN
    i++;
    if (!(s.charCodeAt(i) >= 48 && s.charCodeAt(i) <= 57)) return null;
    while (s.charCodeAt(i) >= 48 && s.charCodeAt(i) <= 57) i++;
    if (wordChar(s.charCodeAt(i)) || s.charCodeAt(i) === 37 || s.charCodeAt(i) === 64) return null;
  } else if (c0 === 37) {
    // %name, unquoted
    i++;
    const first = i;
    while (wordChar(s.charCodeAt(i))) i++;
    if (i === first || s.charCodeAt(i) === 37 || s.charCodeAt(i) === 64 || s.charCodeAt(i) === 34) return null;
  } else return null;
  while (s.charCodeAt(i) === 42) i++;
  const textEnd = i;
  while (s.charCodeAt(i) === 32 || s.charCodeAt(i) === 9) i++;
  const next = s.charCodeAt(i);
  if (next === 42 || next === 40 || (next === 97 && s.startsWith('addrspace(', i))) return null;
  const text = s.slice(start, textEnd);
  let type = simple.get(text);
  if (!type) {
    let stars = 0;
    let k = text.length;
    while (text.charCodeAt(k - 1) === 42) {
      k--;
      stars++;
    }
    const w = text.slice(0, k);
    type = w.charCodeAt(0) === 105 ? { k: 'int', bits: Number(w.slice(1)) } : { k: 'named', name: w };
    for (; stars > 0; stars--) type = { k: 'ptr', to: type };
    if (simple.size > 1 << 16) simple.clear();
    simple.set(text, type);
  }
  return { type, end: i };
}

/**
 * Parses the type starting at `pos` in `s`; returns it and the offset just after it. Suffixes (`*`,
 * `addrspace(n)*`, a parameter list) bind to what precedes them, as in LLVM. The result may be shared
 * with other calls: never change it.
 */
export function parseType(s: string, pos: number): { type: LType; end: number } {
  const fast = parseSimple(s, pos);
  if (fast) return fast;
  let i = pos;
  const skipWs = (): void => {
    while (i < s.length && (s[i] === ' ' || s[i] === '\t')) i++;
  };
  const word = (): string => {
    skipWs();
    const start = i;
    if (s[i] === '%' && s[i + 1] === '"') {
      i += 2;
      while (i < s.length && s[i] !== '"') i++;
      i++;
      return s.slice(start, i);
    }
    while (i < s.length && WORD.test(s[i]!) && s[i] !== '"') i++;
    return s.slice(start, i);
  };
  const expect = (c: string): void => {
    skipWs();
    if (!s.startsWith(c, i)) throw new LlSyntaxError(`expected '${c}' in a type`, i);
    i += c.length;
  };
  const stack: Frame[] = [];
  for (;;) {
    // A primary type, or the opening of an aggregate.
    skipWs();
    let cur: LType | null = null;
    if (s[i] === '{') {
      i++;
      skipWs();
      if (s[i] === '}') {
        i++;
        cur = { k: 'struct', fields: [], packed: false };
      } else {
        stack.push({ kind: 'struct', packed: false, fields: [] });
        continue;
      }
    } else if (s.startsWith('<{', i)) {
      i += 2;
      skipWs();
      if (s.startsWith('}>', i)) {
        i += 2;
        cur = { k: 'struct', fields: [], packed: true };
      } else {
        stack.push({ kind: 'struct', packed: true, fields: [] });
        continue;
      }
    } else if (s[i] === '[' || s[i] === '<') {
      const kind = s[i] === '[' ? 'array' : 'vector';
      i++;
      const n = word();
      if (!/^\d+$/.test(n)) throw new LlSyntaxError(`expected an element count, found '${n}'`, i);
      const x = word();
      if (x !== 'x') throw new LlSyntaxError(`expected 'x' in an ${kind} type`, i);
      stack.push({ kind, n: Number(n) });
      continue;
    } else {
      const w = word();
      if (!w) throw new LlSyntaxError(`expected a type, found '${s.slice(i, i + 12)}'`, i);
      if (/^i\d+$/.test(w)) cur = { k: 'int', bits: Number(w.slice(1)) };
      else if (w.startsWith('%')) cur = { k: 'named', name: w };
      else if (w === 'ptr') cur = { k: 'ptr', to: { k: 'int', bits: 8 } };
      else if (w === 'opaque') cur = { k: 'other', text: 'opaque' };
      else if (w in OTHER_SIZES) cur = { k: 'other', text: w };
      else throw new LlSyntaxError(`unknown type '${w}'`, i - w.length);
    }
    // Suffixes, then closing whatever frames this completes.
    for (;;) {
      let progressed = true;
      while (progressed) {
        progressed = false;
        skipWs();
        if (s[i] === '*') {
          i++;
          cur = { k: 'ptr', to: cur! };
          progressed = true;
        } else if (s.startsWith('addrspace(', i)) {
          i += 'addrspace('.length;
          while (i < s.length && s[i] !== ')') i++;
          i++;
          progressed = true;
        } else if (s[i] === '(') {
          i++;
          skipWs();
          if (s[i] === ')') {
            i++;
            cur = { k: 'fn', ret: cur!, params: [], varargs: false };
            progressed = true;
          } else if (s.startsWith('...', i)) {
            i += 3;
            expect(')');
            cur = { k: 'fn', ret: cur!, params: [], varargs: true };
            progressed = true;
          } else {
            stack.push({ kind: 'fn', ret: cur!, params: [], varargs: false });
            cur = null;
            break;
          }
        }
      }
      if (cur === null) break; // a parameter list opened: parse its first type
      const top = stack[stack.length - 1];
      if (!top) return { type: cur, end: i };
      skipWs();
      if (top.kind === 'array' || top.kind === 'vector') {
        expect(top.kind === 'array' ? ']' : '>');
        stack.pop();
        cur = { k: top.kind, n: top.n, of: cur };
        continue;
      }
      if (top.kind === 'struct') {
        top.fields.push(cur);
        skipWs();
        if (s[i] === ',') {
          i++;
          cur = null;
          break;
        }
        expect(top.packed ? '}>' : '}');
        stack.pop();
        cur = { k: 'struct', fields: top.fields, packed: top.packed };
        continue;
      }
      const fnTop = top as Extract<Frame, { kind: 'fn' }>;
      fnTop.params.push(cur);
      skipWs();
      if (s[i] === ',') {
        i++;
        skipWs();
        if (s.startsWith('...', i)) {
          i += 3;
          fnTop.varargs = true;
        } else {
          cur = null;
          break;
        }
      }
      expect(')');
      stack.pop();
      cur = { k: 'fn', ret: fnTop.ret, params: fnTop.params, varargs: fnTop.varargs };
    }
  }
}

export interface Layout {
  size: number;
  align: number;
  /** Byte offset of each field, for structs. */
  offsets?: number[];
}

/** x86-64 layouts of LLVM types; named struct bodies come from the module. */
export class Layouts {
  private readonly byName = new Map<string, Layout>();
  private readonly byType = new WeakMap<LType, Layout>();
  constructor(private readonly bodies: ReadonlyMap<string, LType>) {}

  private cached(t: LType): Layout | undefined {
    return t.k === 'named' ? this.byName.get(t.name) : this.byType.get(t);
  }

  /** The layout of `t`; named structs are laid out once, children first, with an explicit stack. */
  of(t: LType): Layout {
    const hit = this.cached(t);
    if (hit) return hit;
    const work: LType[] = [t];
    const pending = new Set<LType>();
    while (work.length) {
      const top = work[work.length - 1]!;
      if (this.cached(top)) {
        work.pop();
        continue;
      }
      const missing = this.children(top).filter((c) => !this.cached(c));
      if (missing.length === 0 || pending.has(top)) {
        work.pop();
        this.compute(top);
        continue;
      }
      pending.add(top);
      for (const m of missing) work.push(m);
    }
    return this.cached(t) ?? { size: 0, align: 1 };
  }

  private children(t: LType): LType[] {
    switch (t.k) {
      case 'named': {
        const b = this.bodies.get(t.name);
        return b ? [b] : [];
      }
      case 'struct':
        return t.fields;
      case 'array':
      case 'vector':
        return [t.of];
      default:
        return [];
    }
  }

  private compute(t: LType): void {
    const get = (c: LType): Layout => this.cached(c) ?? { size: 0, align: 1 };
    let l: Layout;
    switch (t.k) {
      case 'int': {
        const bytes = Math.max(1, Math.ceil(t.bits / 8));
        const size = bytes <= 1 ? 1 : bytes <= 2 ? 2 : bytes <= 4 ? 4 : bytes <= 8 ? 8 : Math.ceil(bytes / 16) * 16;
        l = { size, align: Math.min(size, 16) };
        break;
      }
      case 'ptr':
      case 'fn':
        l = { size: 8, align: 8 };
        break;
      case 'other': {
        const [size, align] = OTHER_SIZES[t.text] ?? [0, 1];
        l = { size, align };
        break;
      }
      case 'named': {
        const b = this.bodies.get(t.name);
        l = b ? get(b) : { size: 0, align: 1 };
        break;
      }
      case 'array': {
        const e = get(t.of);
        l = { size: e.size * t.n, align: e.align };
        break;
      }
      case 'vector': {
        const e = get(t.of);
        const size = e.size * t.n;
        let align = 1;
        while (align < size && align < 64) align *= 2;
        l = { size, align };
        break;
      }
      case 'struct': {
        let off = 0;
        let align = 1;
        const offsets: number[] = [];
        for (const f of t.fields) {
          const fl = get(f);
          const a = t.packed ? 1 : fl.align;
          off = Math.ceil(off / a) * a;
          offsets.push(off);
          off += fl.size;
          align = Math.max(align, a);
        }
        l = { size: Math.ceil(off / align) * align, align, offsets };
        break;
      }
    }
    if (t.k === 'named') this.byName.set(t.name, l);
    else this.byType.set(t, l);
  }

  /** The body of a named struct (or the type itself). */
  body(t: LType): LType | null {
    if (t.k === 'named') return this.bodies.get(t.name) ?? null;
    return t;
  }
}
