// Straight-line marshaling code for the arguments of a function (and its reply's return value and
// out parameters), built once per parameter list with `new Function`, as codec-gen.ts builds it
// per struct type: each parameter a load and a wire call in order, instead of a closure call per
// parameter with the argument list as siblings (docs/runtime.md, "Generated codec code").
//
// What reaches the source text: parameter indices, type ids, maxima and bit widths (each checked
// to be a plain integer by `covered`), and typed-array names from codec-gen's fixed table; no name
// at all. A fixed array or a box is read and written through the interpreter's closure for it. A
// parameter list with a value `covered` does not accept (a union, an embedded struct, an interior
// or container pointer, a box of anything but a number, a string or an id) gets no generated code:
// the codec interprets it.
import { bulkOf, countSlots, covered, intName, minSize, type DelegateReader, type DelegateWriter } from './codec-gen.js';
import { WireError } from './errors.js';
import type { ObjectTable } from './object-table.js';
import { crossesAsCount, type PlanExpr, type PlanFunction, type PlanValue } from './plan.js';
import type { WireReader } from './wire-reader.js';
import type { WireWriter } from './wire-writer.js';

type Param = PlanFunction['params'][number];

/** What the generated code of one codec calls: its table and the interpreter's pieces, by parameter index (-1 for the return value). */
export interface ArgsContext {
  tables: ObjectTable;
  callback(typeId: number, id: number, at: number): unknown;
  /** Value writers / readers of fixed-array parameters, element writers / readers of counted ones. */
  valueWriter(v: PlanValue): DelegateWriter;
  valueReader(v: PlanValue): DelegateReader;
  evalCount(e: PlanExpr, siblings: readonly unknown[]): number | null;
  toTyped(of: PlanValue, items: unknown[]): unknown;
  /** n zeroed elements: what the callee of an [out] array, which crosses as its count, fills. */
  zeroArray(of: PlanValue, n: number): unknown;
  /** The payload limit: what a reply can carry back bounds such an array. */
  limit: number;
}

export interface GenArgs {
  /** The arguments of a call (an [out] parameter as its shell: what `outShell` gives). */
  writeCall(w: WireWriter, args: readonly unknown[]): void;
  /** The arguments of a call, in order; counts are checked once all have arrived. */
  readCall(r: WireReader, stage: unknown): unknown[];
  /** The return value, then each out and inout parameter that is not an identity. */
  writeReply(w: WireWriter, args: readonly unknown[], result: unknown): void;
  /** What `writeReply` wrote; a count is checked against the caller's arguments as soon as it arrives. */
  readReply(r: WireReader, args: readonly unknown[], stage: unknown): { result: unknown; outs: [number, unknown][] };
}

type Factory = (h: unknown) => GenArgs;

// By parameter list: the calls through one function-pointer type share theirs.
const factories = new WeakMap<readonly Param[], Map<PlanValue | null, Factory | null>>();

/** The generated code of a parameter list and return value bound to one codec's context, or null when a value is not covered. */
export function generatedArgs(fn: Pick<PlanFunction, 'params' | 'returns'>, ctx: ArgsContext): GenArgs | null {
  let byReturn = factories.get(fn.params);
  if (!byReturn) factories.set(fn.params, (byReturn = new Map()));
  let f = byReturn.get(fn.returns);
  if (f === undefined) {
    const src = argsSource(fn.params, fn.returns);
    // eslint-disable-next-line @typescript-eslint/no-implied-eval -- see the head of this file and codec-gen.ts
    f = src === null ? null : (new Function('H', src) as Factory);
    byReturn.set(fn.returns, f);
  }
  return f ? f(helpers(fn, ctx)) : null;
}

/** The values the code handles, by parameter index, and the return value at index `params.length`. */
function valuesOf(fn: { readonly params: readonly Param[]; readonly returns: PlanValue | null }): PlanValue[] {
  return [...fn.params.map((p) => p.value), fn.returns ?? { k: 'skip' }];
}

function helpers(fn: Pick<PlanFunction, 'params' | 'returns'>, ctx: ArgsContext): unknown {
  const values = valuesOf(fn);
  const inner = (v: PlanValue): PlanValue => (v.k === 'counted' ? v.of : v);
  return {
    T: ctx.tables,
    E: WireError,
    cb: ctx.callback,
    mk: () => ({}),
    NOSIB: Object.freeze([]) as readonly unknown[],
    cnt: (x: unknown) => (x === undefined || x === null ? null : Number(x)),
    ev: ctx.evalCount,
    ex: values.map((v) => (v.k === 'counted' ? v.count : 0)),
    of: values.map((v) => (v.k === 'counted' ? v.of : null)),
    toTyped: ctx.toTyped,
    zero: ctx.zeroArray,
    limit: ctx.limit,
    vw: values.map((v) => (v.k === 'array' || v.k === 'counted' || v.k === 'box' ? ctx.valueWriter(inner(v)) : null)),
    vr: values.map((v) => (v.k === 'array' || v.k === 'counted' || v.k === 'box' ? ctx.valueReader(inner(v)) : null)),
    countMismatch(have: number, want: number, at?: number): WireError {
      return new WireError(`counted array of ${have} elements where its count says ${want}`, at);
    },
    nullCount(want: number, at?: number): WireError {
      return new WireError(`a NULL array whose count says ${want}`, at);
    },
    overMax(have: number, max: number): WireError {
      return new WireError(`counted array of ${have} elements exceeds max(${max})`);
    },
  };
}

const PARAM_KINDS = new Set<PlanValue['k']>(['skip', 'int', 'bool', 'char', 'string', 'tracked', 'ops', 'opaque', 'callback', 'array', 'counted', 'box']);

function isIdentity(v: PlanValue): boolean {
  return v.k === 'tracked' || v.k === 'opaque' || v.k === 'ops' || v.k === 'callback' || v.k === 'container';
}

/** The source of the factory, or null when a value is not covered. */
function argsSource(params: readonly Param[], returns: PlanValue | null): string | null {
  const values = valuesOf({ params, returns });
  for (const v of values) if (!PARAM_KINDS.has(v.k) || !covered(v)) return null;
  // A count naming an array or the return value: left to the interpreter, which has always handled it.
  for (const v of values) if (v.k === 'counted' && countSlots(v.count).some((j) => !(j >= 0 && j < params.length && Number.isInteger(j)) || ['counted', 'array', 'box'].includes(values[j]!.k))) return null;
  const n = params.length;
  const out: string[] = [];
  const emit = (s: string): void => void out.push(s);
  emit(`"use strict";`);
  emit(`const T = H.T, WireError = H.E, mk = H.mk, NOSIB = H.NOSIB;`);

  // ---- the call ----
  emit(`function writeCall(w, a) {`);
  for (let i = 0; i < n; i++) {
    const p = params[i]!;
    if (crossesAsCount(p)) {
      // An [out] array: its count alone (`crossesAsCount`).
      emit(`{ const x = a[${i}]; ${countHead(p.value as Counted, i, 'x')} }`);
      continue;
    }
    // An [out] parameter crosses as its shell (`outShell`): a string as '' (or NULL), a box as one
    // holding the zero of its value (or NULL), anything else as it is.
    const x = p.dir !== 'out' ? `a[${i}]` : p.value.k === 'string' ? `(a[${i}] === null ? null : '')` : p.value.k === 'box' ? `(a[${i}] ? { value: ${zeroOf(p.value.of)} } : null)` : `a[${i}]`;
    emit(`{ const x = ${x}; ${writeValue(p.value, i, 'x')} }`);
  }
  emit(`}`);
  // Into locals, and the list made once at its length. The interpreter hands the list read so far
  // to the readers of fixed arrays and of counted elements as their siblings; none that is
  // generated here looks at them (only unions and counts inside structs do).
  emit(`function readCall(r, stage) {`);
  const counted: number[] = [];
  for (let i = 0; i < n; i++) {
    const v = params[i]!.value;
    if (v.k === 'counted') {
      counted.push(i);
      emit(`let n${i} = null, at${i} = 0;`);
    }
    emit(`let a${i}; { ${crossesAsCount(params[i]!) ? readCount(v as Counted, i) : readValue(v, i, 'NOSIB', false)} a${i} = x; }`);
  }
  // Counts are checked once every argument has arrived (a count may follow its array), in order.
  if (counted.length) emit(`{ const a = [${range(n, (i) => `a${i}, `)}];`);
  for (const i of counted) emit(checkCount(params[i]!.value as Extract<PlanValue, { k: 'counted' }>, i, `n${i}`, `at${i}`));
  if (counted.length) emit(`return a; }`);
  emit(`return [${range(n, (i) => `a${i}, `)}];`);
  emit(`}`);

  // ---- the reply ----
  emit(`function writeReply(w, a, result) {`);
  if (returns) emit(`{ const x = result; ${writeValue(returns, n, 'x')} }`);
  for (let i = 0; i < n; i++) {
    const p = params[i]!;
    if (p.dir !== 'in' && !isIdentity(p.value)) emit(`{ const x = a[${i}]; ${writeValue(p.value, i, 'x')} }`);
  }
  emit(`}`);
  emit(`function readReply(r, a, stage) {`);
  emit(`let result; const outs = [];`);
  if (returns) emit(`{ ${readValue(returns, n, 'a', true)} result = x; }`);
  for (let i = 0; i < n; i++) {
    const p = params[i]!;
    if (p.dir !== 'in' && !isIdentity(p.value)) emit(`{ ${readValue(p.value, i, 'a', true)} outs.push([${i}, x]); }`);
  }
  emit(`return { result, outs };`);
  emit(`}`);
  emit(`return { writeCall, readCall, writeReply, readReply };`);
  return out.join('\n');
}

/** The zero an [out] box's shell holds (`zeroOf`): of a number, a bool or a char; null for anything else. */
function zeroOf(v: PlanValue): string {
  if (v.k === 'int') return v.bits > 32 ? '0n' : '0';
  if (v.k === 'bool') return 'false';
  if (v.k === 'char') return '0';
  return 'null';
}

function range(n: number, f: (i: number) => string): string {
  let s = '';
  for (let i = 0; i < n; i++) s += f(i);
  return s;
}

/** A count as an expression over the argument list `a`: a literal or an argument inline, anything else through the interpreter's evaluator. */
function countOf(e: PlanExpr, i: number): string {
  if (typeof e === 'number') return Number.isFinite(e) ? `(${e})` : `H.ev(H.ex[${i}], a)`;
  if ('slot' in e) return `H.cnt(a[${e.slot}])`;
  return `H.ev(H.ex[${i}], a)`;
}

/** The checks of a counted value's count (`n` elements arrived at `at`) against its expression. */
function checkCount(v: Extract<PlanValue, { k: 'counted' }>, i: number, n: string, at: string): string {
  return [
    `{ const want = ${countOf(v.count, i)};`,
    // The receiver would index a NULL array its own count says is there.
    `if (${n} === null && want !== null && want > 0) throw H.nullCount(want, ${at});`,
    `if (${n} !== null && want !== null && want !== ${n}) throw H.countMismatch(${n}, want, ${at}); }`,
  ].join(' ');
}

type Counted = Extract<PlanValue, { k: 'counted' }>;

/** The checks of an array's length against its count and max, then the count word (`countedStart`), for `x`. */
function countHead(v: Counted, i: number, x: string): string {
  return [
    `const items = ${x} ?? null; const want = ${countOf(v.count, i)};`,
    `if (items && want !== null && items.length !== want) throw H.countMismatch(items.length, want);`,
    `if (!items && want !== null && want > 0) throw H.nullCount(want);`,
    v.max === null ? '' : `if (items && items.length > ${v.max}) throw H.overMax(items.length, ${v.max});`,
    `w.countedStart(items ? items.length : null);`,
  ].join(' ');
}

/** An [out] array as its call carries it (`countHead` alone), into `const x`: a zeroed array of the count that arrived, its check left in `n${i}`/`at${i}`. */
function readCount(v: Counted, i: number): string {
  return `const at = r.position; const c = r.countOnly(${v.max ?? 0xfffffffe}, ${minSize(v.of)}, H.limit); n${i} = c; at${i} = at; const x = c === null ? null : H.zero(H.of[${i}], c);`;
}

/** Writes `x`, the value of parameter `i` (or of the return value, i = params.length), with the argument list `a` as siblings. */
function writeValue(v: PlanValue, i: number, x: string): string {
  switch (v.k) {
    case 'skip':
      return '';
    case 'int': {
      const name = intName(v)!;
      return v.bits === 64 ? `w.${name}(BigInt(${x} ?? 0));` : `w.${name}(Number(${x} ?? 0));`;
    }
    case 'bool':
      return `w.bool(Boolean(${x}));`;
    case 'char':
      return `w.char(Number(${x} ?? 0));`;
    case 'string':
      return v.max === null ? `w.string(${x} ?? null);` : `w.string(${x} ?? null, ${v.max});`;
    case 'tracked':
      return `${v.nonNull ? `if (${x} === null || ${x} === undefined) throw new WireError('a [ref] pointer is NULL'); ` : ''}w.u32(T.idOf(${x} ?? null, ${v.type}));`;
    case 'ops':
      return `w.u32(T.handles.handleOf(${x} ?? null, ${v.iface}));`;
    case 'opaque':
      return `w.u32(T.handles.handleOf(${x} ?? null, ${v.type}));`;
    case 'callback':
      return `w.u32(T.functions.functionIdOf(${x} ?? null, ${v.type}));`;
    case 'array':
    case 'box':
      return `H.vw[${i}](w, ${x}, a, undefined, -1, 0);`;
    case 'counted': {
      const bulk = bulkOf(v.of);
      return [
        countHead(v, i, x),
        `if (items) {`,
        bulk ? `if (items instanceof ${bulk[0]}) w.typedArray(items); else` : '',
        `{ const ew = H.vw[${i}]; for (let j = 0; j < items.length; j++) ew(w, items[j], a, undefined, -1, 0); } }`,
      ].join(' ');
    }
    default:
      throw new Error(`codec-gen-args: no writer for ${v.k}`);
  }
}

/**
 * Reads parameter `i` (or the return value) into `const x`, with `a` as siblings. A count is
 * checked where it arrives when `now` (a reply), else left in `n${i}`/`at${i}` for the caller.
 */
function readValue(v: PlanValue, i: number, a: string, now: boolean): string {
  switch (v.k) {
    case 'skip':
      return `const x = undefined;`;
    case 'int':
      return `const x = r.${intName(v)!}();`;
    case 'bool':
      return `const x = r.bool();`;
    case 'char':
      return `const x = r.char();`;
    case 'string':
      return `const at = r.position; const x = r.string(${v.max === null ? 'undefined' : v.max});${v.nonNull ? ` if (x === null) throw new WireError('a [ref] string arrived NULL', at);` : ''}`;
    case 'tracked':
    case 'ops':
    case 'opaque':
    case 'callback': {
      const what = v.k === 'tracked' ? 'pointer' : 'handle';
      const onNull = v.nonNull && v.k !== 'callback' ? `throw new WireError('a [ref] ${what} arrived NULL', at);` : `x = null;`;
      const resolve =
        v.k === 'tracked' ? `T.resolve(id, ${v.type}, mk, at)` : v.k === 'callback' ? `H.cb(${v.type}, id, at)` : `T.handles.resolve(id, ${v.k === 'ops' ? v.iface : v.type}, at)`;
      return `const at = r.position; const id = r.u32(); let x; if (id === 0) { ${onNull} } else x = ${resolve};`;
    }
    case 'array':
    case 'box':
      return `const x = H.vr[${i}](r, ${a}, stage, undefined, -1, 0);`;
    case 'counted': {
      const bulk = bulkOf(v.of);
      const head = `const at = r.position; const c = r.counted(${v.max ?? 0xfffffffe}, ${minSize(v.of)});`;
      const check = now ? checkCount(v, i, 'c', 'at') : `n${i} = c; at${i} = at;`;
      // `counted` checked that the elements are there: read into a new typed array (the arguments are the receiver's own).
      const body = bulk
        ? `{ x = new ${bulk[0]}(c); if (c > 0) r.typedInto(x); }`
        : `{ const er = H.vr[${i}], out = []; for (let j = 0; j < c; j++) out.push(er(r, ${a}, stage, undefined, -1, 0)); x = H.toTyped(H.of[${i}], out); }`;
      return `${head} ${check} let x = null; if (c !== null) ${body}`;
    }
    default:
      throw new Error(`codec-gen-args: no reader for ${v.k}`);
  }
}
