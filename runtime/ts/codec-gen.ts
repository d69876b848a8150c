// Straight-line marshaling code for a struct type of a plan: one writer of its object entries and
// one reader (with the record that stages what it read and applies it), built once per plan type
// with `new Function`, so that a field is a property load and a wire call in field order instead
// of a closure call per field with a siblings array (docs/runtime.md, "Generated codec code").
//
// What reaches the source text: field indices, type ids, maxima, bit widths and element sizes,
// each checked to be a plain integer here, and field names, checked to be identifiers. Nothing
// from a message ever does: the code is built from the plan before any byte arrives, and peer
// input only ever reaches it as the values it reads.
//
// A fixed array, an embedded struct or a box is read and written through the interpreter's
// closure for it (an embedded one then merged in place by the codec's `applyField`). A struct with
// a field this file does not cover (a union, an interior or container pointer, a box of anything
// but a number, a string or an id, an array of those or of embedded structs) gets no generated code: the codec interprets its plan as before. So
// does every struct of a plan with interior or container pointers, whose codec must record where
// arrays and embedded structs live.
import { WireError } from './errors.js';
import type { ObjectTable } from './object-table.js';
import type { PlanExpr, PlanType, PlanValue } from './plan.js';
import { WireReader as WireReaderCtor, type WireReader } from './wire-reader.js';
import { DEFAULT_STRING_MAX } from './wire-writer.js';
import type { WireWriter } from './wire-writer.js';

type Obj = Record<string, unknown>;
type StructPlan = Extract<PlanType, { kind: 'struct' }>;

/** A compiled value writer or reader of the interpreting codec, for what the generated code delegates (array fields, counted elements). */
export type DelegateWriter = (w: WireWriter, x: unknown, siblings: readonly unknown[], owner: Obj | undefined, field: number, ownerType: number) => void;
export type DelegateReader = (r: WireReader, siblings: unknown[], stage: never, owner: Obj | undefined, field: number, ownerType: number) => unknown;

/** What the generated code of one codec calls: its table and the interpreter's pieces it delegates to, by field index. */
export interface GenContext {
  tables: ObjectTable;
  /** The peer's callback id as a calling stub (the channel's stub factory behind the function table). */
  callback(typeId: number, id: number, at: number): unknown;
  /** Field writers / readers of array and embedded fields, element writers / readers of counted fields (by field index). */
  fieldWriter(i: number): DelegateWriter;
  fieldReader(i: number): DelegateReader;
  elementWriter(i: number): DelegateWriter;
  elementReader(i: number): DelegateReader;
  evalCount(e: PlanExpr, siblings: readonly unknown[]): number | null;
  /** A counted array of elements read one by one, as the typed array the interpreter would give. */
  toTyped(of: PlanValue, items: unknown[]): unknown;
  /** A number no other generated struct of the codec has: where a `StagingScratch` keeps its staged records. */
  slot: number;
  /** Merges the embedded struct `v` that arrived for field i into `obj`'s, in place (whole, or as `merge` says). */
  applyEmbed(obj: Obj, i: number, v: unknown, merge: unknown): void;
  /** A deep selection's walk through the embedded struct `x` of field i: pushes what its pointers reach. */
  collectEmbed(i: number, x: unknown, walk: GenWalk): void;
}

/** The collector's stack (the codec's `Walk`): objects to visit, their types and selections, as parallel arrays. */
export interface GenWalk {
  objs: unknown[];
  types: number[];
  sels: unknown[];
  /** How many steps are on the stack (the arrays may be longer). */
  n: number;
  /** The message's mark on table entries, -1 when it keeps none (see the codec's `Walk`). */
  mark: number;
}

/**
 * The codec's record of an object in the message it encodes, reused message after message (the
 * codec's pool): `memo` is where generated code keeps what it wrote last time with it (the words of
 * its short strings), in an object of its own making, so a record that served another type is
 * known by the memo's owner.
 */
export interface GenMemoHolder {
  memo: unknown;
}

/** A record of the codec's list of objects to write, as `writeRun` reads it (the codec's `Outgoing`). */
export interface GenRecord extends GenMemoHolder {
  obj: Obj;
  id: number;
  info: unknown;
  all: boolean;
}

/** A staged object entry: applied to the live object once the whole message validated. */
export interface GenStaged {
  /**
   * Stores what it staged into the live object, then clears itself (as `clear`), while it is at
   * hand. `scratch` is the one it was staged into (passed, not kept: one store fewer per object).
   */
  apply(scratch: StagingScratch): void;
  /** Lets go of what it staged (the record waits in its scratch for the next message). */
  clear(): void;
}

export interface GenStruct {
  /** The whole object entry (head, mask, the fields whose `present` byte is 1). */
  write(w: WireWriter, obj: Obj, id: number, present: Uint8Array, rec: GenMemoHolder): void;
  /** `write` of an entry with every field that crosses (`present` all 1 but for skipped fields). */
  writeAll(w: WireWriter, obj: Obj, id: number, rec: GenMemoHolder): void;
  /**
   * `writeAll` of each record of `list` from `i` on, up to `n`, while the record is of this
   * struct (its `info` is `info`) and whole (`all`); returns the index of the first it did not write.
   */
  writeRun(w: WireWriter, list: readonly GenRecord[], i: number, n: number, info: unknown): number;
  /**
   * The entry's mask and fields, after its head (the reader limited to the entry); `permitted` is
   * the mask of fields the call's access set allows, as u32 halves. Stops at the last field: the
   * caller checks the padding and the end.
   */
  read(r: WireReader, obj: Obj, id: number, at: number, permitted: ArrayLike<number>, stage: unknown): GenStaged;
  /**
   * Reads up to `n` whole object entries (heads included) of this struct in a row, each of an
   * object already in the table, live, of this type, not named before in the message (its entry's
   * `seen` is not `mark`, and is set to it) and not freed in it, and stages them in the scratch
   * as `readObject` would; returns how many it read. It stops, having changed nothing, at the
   * first entry that is anything else: the codec's `readObject` reads that one.
   */
  readRun(r: WireReader, n: number, mark: number, permitted: ArrayLike<number>, stage: unknown): number;
  /**
   * A deep selection of `obj`: pushes each object its pointers reach (with its type and the
   * selection 'deep'), in field order, or, when `stacked`, in the reverse (the order the walk pops
   * them in, so the caller need not reverse them). Its record is whole (`all`), so it is written by
   * `writeAll`, which needs no `present` bytes: none are set.
   */
  deep(obj: Obj, walk: GenWalk): void;
  /** Whether `deep` pushes in the walk's pop order (a struct whose pointers are all single `tracked` fields). */
  readonly stacked: boolean;
}

type Factory = (h: unknown) => GenStruct;

const factories = new WeakMap<StructPlan, Factory | null>();

/** The generated code of `t` bound to one codec's context, or null when `t` has a field it does not cover. */
export function generatedStruct(t: StructPlan, ctx: GenContext): GenStruct | null {
  let f = factories.get(t);
  if (f === undefined) {
    const src = structSource(t);
    // eslint-disable-next-line @typescript-eslint/no-implied-eval -- the point of this file; see its head
    f = src === null ? null : (new Function('H', src) as Factory);
    factories.set(t, f);
  }
  return f ? f(helpers(t, ctx)) : null;
}

/** The mask of a struct's fields as u32 halves of its u64 words: `pick(i)` says whether field i is in. */
export function maskHalves(fieldCount: number, pick: (i: number) => boolean): number[] {
  const halves = new Array<number>(Math.ceil(fieldCount / 64) * 2).fill(0);
  for (let i = 0; i < fieldCount; i++) if (pick(i)) halves[i >> 5] = (halves[i >> 5]! | (1 << (i & 31))) >>> 0;
  return halves;
}

function helpers(t: StructPlan, ctx: GenContext): unknown {
  const n = t.fields.length;
  return {
    T: ctx.tables,
    E: WireError,
    cb: ctx.callback,
    mk: () => ({}),
    cnt: (x: unknown) => (x === undefined || x === null ? null : Number(x)),
    ev: ctx.evalCount,
    ex: t.fields.map((f) => (f.value.k === 'counted' ? f.value.count : 0)),
    of: t.fields.map((f) => (f.value.k === 'counted' ? f.value.of : null)),
    toTyped: ctx.toTyped,
    fw: Array.from({ length: n }, (_, i) => (DELEGATED.has(t.fields[i]!.value.k) ? ctx.fieldWriter(i) : null)),
    fr: Array.from({ length: n }, (_, i) => (DELEGATED.has(t.fields[i]!.value.k) ? ctx.fieldReader(i) : null)),
    ae: ctx.applyEmbed,
    ce: ctx.collectEmbed,
    ew: Array.from({ length: n }, (_, i) => (t.fields[i]!.value.k === 'counted' ? ctx.elementWriter(i) : null)),
    er: Array.from({ length: n }, (_, i) => (t.fields[i]!.value.k === 'counted' ? ctx.elementReader(i) : null)),
    NOSIB: Object.freeze([]) as readonly unknown[],
    K: ctx.slot,
    wordView,
    badMask(id: number, at: number, half: number, bits: number): never {
      const i = half * 32 + (31 - Math.clz32(bits & -bits));
      if (i >= n) throw new WireError(`object ${id}: mask bit ${i} beyond the ${n} fields of ${t.name}`, at + 16);
      const f = t.fields[i]!;
      if (f.value.k === 'skip') throw new WireError(`object ${id}: field ${f.name} never crosses`, at + 16);
      throw new WireError(`object ${id}: field ${f.name} is outside the call's access set`, at + 16);
    },
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

const IDENT = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** Fields whose value the generated code reads and writes through the interpreter's closure (the rest of the struct is straight-line). */
const DELEGATED = new Set<PlanValue['k']>(['array', 'embed', 'box']);

export function u32(n: unknown): n is number {
  return typeof n === 'number' && n >>> 0 === n;
}

/** Typed arrays that elements of this encoding are copied into in bulk (this host is little-endian, as the wire), and the `StagingScratch` view of that type. */
const BULK: Record<string, [ctor: string, size: number, view: string]> = {
  u8: ['Uint8Array', 1, 'u8'],
  s8: ['Int8Array', 1, 's8'],
  u16: ['Uint16Array', 2, 'u16'],
  s16: ['Int16Array', 2, 's16'],
  u32: ['Uint32Array', 4, 'u32'],
  s32: ['Int32Array', 4, 's32'],
  u64: ['BigUint64Array', 8, 'u64'],
  s64: ['BigInt64Array', 8, 's64'],
};
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Bytes of a private message copy a scratch keeps between messages; a larger one (a big message) is let go. */
const COPY_KEEP = 1 << 18;
/** Staged records of one struct type a scratch keeps between messages. */
const RECORDS_KEEP = 1 << 10;
const NO_BYTES = new ArrayBuffer(0);

/**
 * What one staged message decodes from and stages into, reused message after message: a private
 * copy of the message's bytes (so what was validated cannot change before it is applied, and a
 * string or an array of numbers is checked and read where it lies), views of that copy by element
 * type, and the staged records of generated code. A counted array of numbers is staged as the
 * index of its first element in the view of its type, and copied out of the copy when applied:
 * into the shadow's own array when it has the same type and length (in place, as the C shadow's
 * buffer is), into a new one otherwise. A codec hands a scratch to one staged message at a time.
 */
export class StagingScratch {
  /** The reader over the copy (`own` rewinds it for each message). */
  reader: WireReader = this.readerOver(NO_BYTES);
  u8 = new Uint8Array(0);
  s8 = new Int8Array(0);
  u16 = new Uint16Array(0);
  s16 = new Int16Array(0);
  u32 = new Uint32Array(0);
  s32 = new Int32Array(0);
  u64 = new BigUint64Array(0);
  s64 = new BigInt64Array(0);
  /** The copy as 8-byte words, which arrays of smaller elements are copied out by (`wordCopy`). */
  f64 = new Float64Array(0);
  /**
   * The staged records of generated code, by the struct's `GenContext.slot`, and how many the
   * message uses: a record per object per message is made once and then reused.
   */
  readonly recs: GenStaged[][] = [];
  readonly recUsed: number[] = [];
  /** The records the message staged, in order: the first `genN` (the list never shrinks; a record waiting for reuse holds no object or string of its message). */
  readonly gen: GenStaged[] = [];
  genN = 0;

  /** The records of slot `k`, made on first use. */
  recordsOf(k: number): GenStaged[] {
    while (this.recs.length <= k) {
      this.recs.push([]);
      this.recUsed.push(0);
    }
    return this.recs[k]!;
  }

  /**
   * Copies a whole message (`bytes`, from its first header byte) and returns the reader over the
   * copy at `pos`: offsets, alignment and errors are those of a reader over `bytes`.
   */
  own(bytes: Uint8Array, pos: number): WireReader {
    // Lengths of byte views (`length`), which V8 reads inline, where `byteLength` is a call.
    const n = bytes.length;
    const have = this.u8.length;
    if (n > have) this.grow(Math.max(n, have * 2, 4096));
    this.u8.set(bytes);
    const r = this.reader;
    r.reset(n);
    r.pos = pos;
    return r;
  }

  private grow(size: number): void {
    // A multiple of 8, so that every view covers the whole copy.
    const b = new ArrayBuffer(Math.ceil(size / 8) * 8);
    this.reader = this.readerOver(b);
    this.u8 = new Uint8Array(b);
    this.s8 = new Int8Array(b);
    this.u16 = new Uint16Array(b);
    this.s16 = new Int16Array(b);
    this.u32 = new Uint32Array(b);
    this.s32 = new Int32Array(b);
    this.u64 = new BigUint64Array(b);
    this.s64 = new BigInt64Array(b);
    this.f64 = new Float64Array(b);
  }

  private readerOver(b: ArrayBuffer): WireReader {
    const r = new WireReaderCtor(b, 0, b.byteLength);
    r.inPlace = true;
    return r;
  }

  /**
   * The message was applied (`applied`: each record it used cleared itself as it applied) or
   * dropped: the scratch is free again.
   */
  reset(applied = false): void {
    if (this.u8.length > COPY_KEEP) this.grow(0);
    this.genN = 0;
    // A waiting record holds no object or string of the last message (the numbers it staged hold nothing).
    for (let k = 0; k < this.recs.length; k++) {
      const pool = this.recs[k]!;
      if (!applied) for (let j = 0, n = this.recUsed[k]!; j < n; j++) pool[j]!.clear();
      if (pool.length > RECORDS_KEEP) pool.length = RECORDS_KEEP;
      this.recUsed[k] = 0;
    }
  }
}

export function bulkOf(v: PlanValue): [string, number, string] | null {
  if (!LITTLE_ENDIAN) return null;
  if (v.k === 'char') return BULK.u8!;
  if (v.k !== 'int') return null;
  return BULK[`${v.signed ? 's' : 'u'}${v.bits}`] ?? null;
}

export function intName(v: Extract<PlanValue, { k: 'int' }>): string | null {
  if (![8, 16, 32, 64].includes(v.bits)) return null;
  return `${v.signed ? 's' : 'u'}${v.bits}`;
}

/** The smallest wire size of one element, as the interpreter's `counted` bound uses it. */
export function minSize(v: PlanValue): number {
  if (v.k === 'int') return v.bits / 8;
  if (v.k === 'bool' || v.k === 'char') return 1;
  return 4;
}

/** Bytes of an array from which it is copied by 8-byte words (`wordCopy`) rather than element by element. */
const WORD_COPY_MIN = 32;

/**
 * A view of the typed array `a` as 8-byte words over its first `bytes` bytes (rounded down), or
 * null when it does not start 8-aligned in its buffer.
 */
export function wordView(a: ArrayBufferView, bytes: number): Float64Array | null {
  return (a.byteOffset & 7) === 0 ? new Float64Array(a.buffer, a.byteOffset, bytes >>> 3) : null;
}

/**
 * Source copying a typed array of elements of \`size\` bytes (1, 2 or 4) as 8-byte words: \`dst\` from
 * \`src\` (Float64Array views; each index plus its offset), then the elements past the last whole
 * word one by one (\`dstEl\` from \`srcEl\`, element views, each index plus its offset). A word is moved
 * as a float64 load and store, which keeps every bit (V8 canonicalizes no NaN in a typed array;
 * test/runtime/codec-gen.test.ts holds every NaN pattern to it), and costs a fraction of moving its
 * elements one by one. Eight words a turn: the loop's own test and index arithmetic were a fifth
 * of a 128-byte copy at two.
 */
function wordCopy(dst: string, src: string, srcAt: string, dstEl: string, srcEl: string, srcElAt: string, size: number, dstAt = '0', dstElAt = '0'): string {
  // The word count is the shorter view's: the array's own (its view's length) on both sides.
  const m = dst === 'F' ? `${src}.length` : `${dst}.length`;
  return (
    `{ const WD = ${dst}, WS = ${src}, m = ${m}, sa = ${srcAt}, da = ${dstAt}; let j = 0; ` +
    `for (; j + 8 <= m; j += 8) { const a = sa + j, b = da + j; WD[b] = WS[a]; WD[b + 1] = WS[a + 1]; WD[b + 2] = WS[a + 2]; WD[b + 3] = WS[a + 3]; WD[b + 4] = WS[a + 4]; WD[b + 5] = WS[a + 5]; WD[b + 6] = WS[a + 6]; WD[b + 7] = WS[a + 7]; } ` +
    `for (; j < m; j++) WD[da + j] = WS[sa + j]; ` +
    `for (let k = m * ${8 / size}; k < n; k++) ${dstEl}[${dstElAt} + k] = ${srcEl}[${srcElAt} + k]; }`
  );
}

/** The u32 words (length word, bytes, NUL and padding) of a string a staged record keeps, to know it again: up to 27 bytes. */
const SPELT_WORDS = 8;

/**
 * A string's words are kept as int32 fields of the record (`${base}0` to `${base}7`), not in a
 * typed array of its own: one object fewer to reach per string, each way.
 */
function speltFields(base: string): string[] {
  return Array.from({ length: SPELT_WORDS }, (_, k) => `${base}${k}`);
}

/** Source: whether the \`nw\` words of the int32 view \`U\` from \`b\` are the fields from \`base\` (1 to 8 words). */
function speltEquals(base: string, U: string): string {
  const f = speltFields(base);
  let e = '';
  for (let k = SPELT_WORDS - 1; k >= 0; k--) e = k === 0 ? `${U}[b] === ${f[0]}${e ? ` && (nw < 2 || ${e})` : ''}` : `${U}[b + ${k}] === ${f[k]}${e ? ` && (nw < ${k + 2} || ${e})` : ''}`;
  return e;
}

/** Source: the \`nw\` words (1 to 8) from \`from(k)\` into \`to(k)\`, one store each (a switch that falls through). */
function speltMove(to: (k: number) => string, from: (k: number) => string): string {
  let out = 'switch (nw) {';
  for (let k = SPELT_WORDS - 1; k >= 0; k--) out += ` case ${k + 1}: ${to(k)} = ${from(k)};`;
  return out + ' }';
}

const SCALAR = new Set<PlanValue['k']>(['int', 'bool', 'char']);
const ELEMENT = new Set<PlanValue['k']>(['int', 'bool', 'char', 'string', 'tracked', 'ops', 'opaque', 'callback']);

/** Whether every value of `v` is covered here (and every number in it fits a u32). */
export function covered(v: PlanValue): boolean {
  switch (v.k) {
    case 'skip':
    case 'bool':
    case 'char':
      return true;
    case 'int':
      return intName(v) !== null;
    case 'string':
      return v.max === null || u32(v.max);
    case 'tracked':
    case 'callback':
    case 'opaque':
      return u32(v.type);
    case 'ops':
      return u32(v.iface);
    case 'array':
      return u32(v.length) && SCALAR.has(v.of.k) && covered(v.of);
    case 'embed':
      return u32(v.type);
    case 'box':
      // Of a value that reads no sibling (a count or a discriminant would).
      return ELEMENT.has(v.of.k) && covered(v.of);
    case 'counted':
      return (v.max === null || u32(v.max)) && ELEMENT.has(v.of.k) && covered(v.of);
    default:
      return false;
  }
}

/** The source of the factory of `t`'s code, or null when a field is not covered. */
function structSource(t: StructPlan): string | null {
  if (!u32(t.id)) return null;
  const fields = t.fields;
  for (const f of fields) if (!IDENT.test(f.name) || f.name === '__proto__' || !covered(f.value)) return null;
  // A count naming an array (nonsense, but a plan could say it) would see a staged array's index.
  for (const f of fields) if (f.value.k === 'counted' && countSlots(f.value.count).some((j) => ['counted', 'array', 'embed', 'box'].includes(fields[j]?.value.k ?? ''))) return null;
  const n = fields.length;
  const halves = Math.ceil(n / 64) * 2;
  const prop = (i: number): string => `[${JSON.stringify(fields[i]!.name)}]`;
  const bit = (i: number): string => `(m${i >> 5} & ${(1 << (i & 31)) | 0}) !== 0`;
  const valid = maskHalves(n, (i) => fields[i]!.value.k !== 'skip');
  const out: string[] = [];
  const emit = (s: string): void => void out.push(s);

  emit(`"use strict";`);
  emit(`const T = H.T, WireError = H.E, NOSIB = H.NOSIB, mk = H.mk, K = H.K, wordView = H.wordView, cnt = H.cnt;`);
  // The staged record: what arrived, applied field by field.
  // A counted array of numbers is staged as its index in the scratch (-1 for NULL) and its count.
  const scratched = (i: number): [string, number, string] | null => {
    const v = fields[i]!.value;
    return v.k === 'counted' ? bulkOf(v.of) : null;
  };
  // Made once per object of a message and then reused from the scratch (`read` sets o and sh).
  emit(`class Staged {`);
  // A 64-bit field also keeps the last bigint it read and that value's halves (`b`, `l`, `h`).
  const wide = (i: number): boolean => {
    const v = fields[i]!.value;
    return v.k === 'int' && v.bits === 64;
  };
  // A struct with embedded fields also keeps how this message's function merges them (`mg`).
  const embeds = fields.some((f) => f.value.k === 'embed');
  const mg = embeds ? ' this.mg = undefined;' : '';
  emit(`constructor() { this.o = null; this.sh = false;${mg}${range(halves, (k) => ` this.m${k} = 0;`)}${range(n, (i) => ` this.v${i} = undefined;${scratched(i) ? ` this.c${i} = 0;${(scratched(i)![1] < 8) ? ` this.fc${i} = null; this.fv${i} = null;` : ''}` : ''}${wide(i) ? ` this.b${i} = 0n; this.l${i} = 0; this.h${i} = 0;` : ''}${fields[i]!.value.k === 'string' ? ` this.t${i} = ''; this.tn${i} = 0;${speltFields(` this.sq${i}_`).map((f) => `${f} = 0;`).join('')}` : ''}`)} }`);
  // Clearing lets go of what a value holds: a number staged (an integer, or a counted array's
  // index in the scratch) holds nothing, and is only ever read again once read anew.
  const holds = (i: number): boolean => {
    const k = fields[i]!.value.k;
    return !(SCALAR.has(k) || k === 'skip' || scratched(i) !== null);
  };
  emit(`clear() { this.o = null;${mg}${range(n, (i) => (holds(i) ? ` this.v${i} = undefined;` : ''))} }`);
  emit(`apply(S) { const o = this.o;${range(halves, (k) => ` const m${k} = this.m${k};`)}`);
  for (let i = 0; i < n; i++) {
    if (fields[i]!.value.k === 'skip') continue;
    if (fields[i]!.value.k === 'embed') {
      // Merged into the live struct in place (pointers into it stay valid), whole or as the function's access set says.
      emit(`if (${bit(i)}) H.ae(o, ${i}, this.v${i}, this.mg);`);
      continue;
    }
    const sc = scratched(i);
    if (!sc) {
      emit(`if (${bit(i)}) o${prop(i)} = this.v${i};`);
      continue;
    }
    // Elements four at a time for the short arrays that dominate (a subarray is an allocation);
    // 64-bit ones and long ones in one copy.
    const copy = (dst: string): string =>
      sc[1] === 8
        ? `${dst}.set(src.subarray(at, at + n));`
        : `if (n <= 64) { let j = 0; for (; j + 4 <= n; j += 4) { const b = at + j; ${dst}[j] = src[b]; ${dst}[j + 1] = src[b + 1]; ${dst}[j + 2] = src[b + 2]; ${dst}[j + 3] = src[b + 3]; } for (; j < n; j++) ${dst}[j] = src[at + j]; } else ${dst}.set(src.subarray(at, at + n));`;
    emit(`if (${bit(i)}) { const at = this.v${i}; if (at < 0) o${prop(i)} = null; else { const src = S.${sc[2]}, n = this.c${i}, cur = o${prop(i)};`);
    // The very array the record viewed last time (so of this type, 8-aligned), of this length: the
    // word copy through its view, before any other test (the usual case of a shadow applied again).
    if (sc[1] < 8)
      emit(
        `const fv = this.fv${i}; if (this.sh && cur === this.fc${i} && fv !== null && cur.length === n && fv.length === (n * ${sc[1]}) >>> 3) { ${wordCopy('fv', 'S.f64', `(at * ${sc[1]}) >>> 3`, 'cur', 'src', 'at', sc[1])} } else`,
      );
    // The shadow's own array, when of the same type and length, by 8-byte words (`wordCopy`)
    // through a view of it the record keeps while it is the same array.
    const inPlace =
      sc[1] < 8
        ? `let d = null; if (n * ${sc[1]} >= ${WORD_COPY_MIN}) { d = this.fv${i}; if (this.fc${i} !== cur || d === null || d.length !== (n * ${sc[1]}) >>> 3) { d = wordView(cur, n * ${sc[1]}); this.fc${i} = cur; this.fv${i} = d; } } ` +
          `if (d !== null) { ${wordCopy('d', 'S.f64', `(at * ${sc[1]}) >>> 3`, 'cur', 'src', 'at', sc[1])} } else { ${copy('cur')} }`
        : copy('cur');
    emit(`if (this.sh && cur instanceof ${sc[0]} && cur.length === n) { ${inPlace} } else { const a = new ${sc[0]}(n); ${copy('a')} o${prop(i)} = a; } } }`);
  }
  emit(`this.clear(); } }`);

  // What a writer keeps per record of the codec's pool (`GenMemoHolder`): the last string it wrote
  // for each string field and that string's words (length word, bytes, NUL and padding) when few.
  // And, for a counted array of small integers, the last array it wrote and a view of it as 8-byte words.
  const strings = range(n, (i) => (fields[i]!.value.k === 'string' ? `${i},` : '')).split(',').filter((x) => x !== '').map(Number);
  const worded = (i: number): boolean => {
    const v = fields[i]!.value;
    const b = v.k === 'counted' ? bulkOf(v.of) : null;
    return b !== null && b[1] < 8;
  };
  const words = range(n, (i) => (worded(i) ? `${i},` : '')).split(',').filter((x) => x !== '').map(Number);
  const memo = strings.length + words.length > 0;
  if (memo) {
    emit(`const G = {};`);
    emit(
      `class Memo { constructor() { this.g = G;${strings.map((i) => ` this.s${i} = null; this.n${i} = 0;${speltFields(` this.wq${i}_`).map((f) => `${f} = 0;`).join('')}`).join('')}${words.map((i) => ` this.fa${i} = null; this.fv${i} = null;`).join('')} } }`,
    );
  }

  // ---- the writers ----
  // `write` tests each field's `present` byte; `writeAll`, for an object whose every field crosses
  // (a deep or whole selection), has the mask and the fields' presence as constants.
  for (const all of [false, true]) {
    const has = (i: number): string => (all ? '' : `if (f[${i}] !== 0) `);
    const half = (h: number): string => {
      if (all) return String(valid[h]!);
      const terms = range(32, (b) => (h * 32 + b < n ? `f[${h * 32 + b}] << ${b}|` : ''));
      return terms ? `(${terms}0) >>> 0` : '0';
    };
    // `writeAll`'s body is also the body of `writeRun`'s loop (one call per run of whole records
    // of this type, where a call per record cost more than its fields).
    const bodyAt = out.length;
    emit(all ? `function writeAll(w, o, id, R) {` : `function write(w, o, id, f, R) {`);
    if (memo) emit(`let M = R.memo; if (M === null || M === undefined || M.g !== G) R.memo = M = new Memo();`);
    // The head and the mask: padding to 8, then 16 + 4 * halves bytes, in one checked block.
    emit(`let lengthAt, start; if (w.pos + ${7 + 16 + 4 * halves} <= w.capacity) { const dv = w.view, mem = w.mem; let p = w.pos; while ((p & 7) !== 0) mem[p++] = 0;`);
    emit(`dv.setUint32(p, id, true); dv.setUint32(p + 4, ${t.id}, true); lengthAt = p + 8; dv.setUint32(p + 8, 0, true); dv.setUint32(p + 12, 0, true); p += 16; start = p;`);
    for (let k = 0; k < halves; k++) emit(`dv.setUint32(p, ${half(k)}, true); p += 4;`);
    emit(`w.pos = p; } else {`);
    emit(`w.align(8); w.u32(id); w.u32(${t.id}); lengthAt = w.reserve(4); w.u32(0); start = w.position;`);
    for (let k = 0; k < halves; k += 2) emit(`w.align(8); w.u32(${half(k)}); w.u32(${half(k + 1)});`);
    emit(`}`);
    for (let i = 0; i < n; i++) emit(`const v${i} = o${prop(i)};`);
    for (const run of runs(fields)) {
      if (run.fixed) {
        emit(`{ let q = w.pos;${run.fields.map((i) => ` ${has(i)}${advance(fields[i]!.value)}`).join('')}`);
        emit(`if (q <= w.capacity) { const dv = w.view, mem = w.mem; let p = w.pos;`);
        for (const i of run.fields) emit(`${has(i)}{ ${fastWriteField(fields[i]!.value, i)} }`);
        emit(`w.pos = p; } else {`);
      }
      for (const i of run.fields) emit(`${has(i)}{ ${writeField(fields[i]!.value, i, n)} }`);
      if (run.fixed) emit(`} }`);
    }
    // The length slot was reserved above and the entry's bytes fit the region: set, not checked again.
    emit(`w.align(8); w.view.setUint32(lengthAt, w.pos - start, true);`);
    emit(`}`);
    if (all) {
      const body = out.slice(bodyAt + 1, out.length - 1);
      emit(`function writeRun(w, list, i, n, info) { for (; i < n; i++) { const R = list[i]; if (R.info !== info || R.all !== true) break; const o = R.obj, id = R.id;`);
      for (const line of body) emit(line);
      emit(`} return i; }`);
    }
  }

  // ---- the reader ----
  const readAt = out.length;
  emit(`function read(r, o, id, at, P, stage) {`);
  // The reader is the scratch's, over its private copy of the message (counted arrays are staged as where they lie in it).
  emit(`const S = stage.scratch; if (r !== S.reader) throw new Error('codec-gen: an object entry read from other bytes than the staged copy');`);
  emit(`let pool = S.recs[K]; if (pool === undefined) pool = S.recordsOf(K); const used = S.recUsed[K];`);
  emit(`let s; if (used < pool.length) s = pool[used]; else pool.push((s = new Staged())); S.recUsed[K] = used + 1; s.o = o; s.sh = !T.isOwn(id);`);
  if (embeds) emit(`s.mg = stage.merges === null ? undefined : stage.merges.get(${t.id});`);
  for (let k = 0; k < halves; k += 2) {
    // Straight from the view when the word surely fits, through the reader's call (for its error) otherwise.
    emit(`let m${k}, m${k + 1}; { const p = r.pos + (-r.pos & 7); if (p + 8 <= r.end) { const dv = r.view; m${k} = dv.getUint32(p, true); m${k + 1} = dv.getUint32(p + 4, true); r.pos = p + 8; } else { m${k} = r.u64Halves(); m${k + 1} = r.high; } }`);
    // A half with no field that crosses (the high half of a struct of up to 32 fields) must be 0, whatever the access set says.
    for (const h of [k, k + 1])
      emit(
        (valid[h]! | 0) === 0
          ? `if (m${h} !== 0) H.badMask(id, at, ${h}, m${h});`
          : `if ((m${h} & ~(${valid[h]! | 0} & P[${h}])) !== 0) H.badMask(id, at, ${h}, m${h} & ~(${valid[h]! | 0} & P[${h}]));`,
      );
    emit(`s.m${k} = m${k}; s.m${k + 1} = m${k + 1};`);
  }
  const counted: number[] = [];
  for (let i = 0; i < n; i++) {
    if (fields[i]!.value.k !== 'counted') continue;
    counted.push(i);
    emit(`let n${i} = null, a${i} = 0;`);
  }
  for (const run of runs(fields)) {
    if (run.fixed) {
      emit(`{ let q = r.pos;${run.fields.map((i) => ` if (${bit(i)}) ${advance(fields[i]!.value)}`).join('')}`);
      emit(`if (q <= r.end) { const dv = r.view; let p = r.pos;`);
      for (const i of run.fields) emit(`if (${bit(i)}) { ${fastReadField(fields[i]!.value, i)} }`);
      emit(`r.pos = p; } else {`);
    }
    for (const i of run.fields) emit(`if (${bit(i)}) { ${readField(fields[i]!.value, i, prop)} }`);
    if (run.fixed) emit(`} }`);
  }
  // Counts are checked once every field has arrived (a count may follow its array), against what
  // arrived or else the live object's value, in field order.
  const sibling = (j: number): string => (j >= 0 && j < n && Number.isInteger(j) ? `(${bit(j)} ? s.v${j} : o${prop(j)})` : 'undefined');
  for (const i of counted) {
    const v = fields[i]!.value as Extract<PlanValue, { k: 'counted' }>;
    emit(`if (${bit(i)}) { const want = ${countSource(v.count, i, n, sibling)};`);
    emit(`if (n${i} === null && want !== null && want > 0) throw H.nullCount(want, a${i});`);
    emit(`if (n${i} !== null && want !== null && want !== n${i}) throw H.countMismatch(n${i}, want, a${i}); }`);
  }
  emit(`return s;`);
  emit(`}`);
  // `read`'s body (after its check of the reader) is also the body of `readRun`'s loop, for the
  // entries that need nothing of the codec's entry framework but what is checked here. Anything
  // else (an entry of another type, a freed or flagged one, a new shadow, an id already named in
  // the message, a head or a length that does not fit) ends the run before it changes anything,
  // and the codec's `readObject` reads it from the same position, with its checks and its errors.
  const readBody = out.slice(readAt + 2, out.length - 2);
  emit(`function readRun(r, runN, runMark, P, stage) {`);
  emit(`const S = stage.scratch; if (r !== S.reader) throw new Error('codec-gen: an object entry read from other bytes than the staged copy');`);
  emit(`let runI = 0; for (; runI < runN; runI++) { const runEnd = r.end, at = r.pos + (-r.pos & 7); if (at + 16 > runEnd) break; const runDv = r.view;`);
  emit(`const id = runDv.getUint32(at, true), runLen = runDv.getUint32(at + 8, true); if (runDv.getUint32(at + 4, true) !== ${t.id} || runDv.getUint32(at + 12, true) !== 0 || (runLen & 7) !== 0 || runLen > runEnd - at - 16) break;`);
  emit(`const runE = T.peek(id); if (runE === undefined || runE.seen === runMark || runE.kind !== 'object' || runE.typeId !== ${t.id} || T.freedHere(id)) break;`);
  emit(`runE.seen = runMark; const o = runE.value; r.pos = at + 16; r.end = r.pos + runLen;`);
  for (const line of readBody) emit(line);
  emit(`r.align(8); r.expectEnd(); r.end = runEnd; S.gen[S.genN++] = s; }`);
  emit(`return runI; }`);
  // ---- the deep walk ----
  emit(`function deep(o, walk) { const objs = walk.objs, types = walk.types, sels = walk.sels;`);
  // Steps go on at walk.n (the arrays never shrink: see the codec's Walk).
  // Only single pointers: each is loaded and looked at in field order, and the steps go on last
  // field first, so the walk pops them in field order without a reversal per object.
  const stacked = fields.every((f) => {
    const inner = f.value.k === 'counted' || f.value.k === 'array' ? f.value.of : f.value;
    return f.value.k !== 'embed' && (inner.k !== 'tracked' || inner === f.value);
  });
  if (stacked) {
    const ptrs = fields.flatMap((f, i) => (f.value.k === 'tracked' ? [i] : []));
    for (const i of ptrs) {
      const type = (fields[i]!.value as Extract<PlanValue, { k: 'tracked' }>).type;
      emit(`const x${i} = o${prop(i)}; let g${i} = false; if (x${i} !== null && x${i} !== undefined) { const e = T.slotEntry(x${i}, ${type}); g${i} = e === undefined || e.whole !== walk.mark; }`);
    }
    for (const i of [...ptrs].reverse()) {
      const type = (fields[i]!.value as Extract<PlanValue, { k: 'tracked' }>).type;
      emit(`if (g${i}) { const k = walk.n++; objs[k] = x${i}; types[k] = ${type}; sels[k] = 'deep'; }`);
    }
  }
  for (let i = 0; i < n && !stacked; i++) {
    const v = fields[i]!.value;
    const inner = v.k === 'counted' || v.k === 'array' ? v.of : v;
    if (v.k === 'embed') emit(`{ const x = o${prop(i)}; if (x !== null && x !== undefined) H.ce(${i}, x, walk); }`);
    if (inner.k !== 'tracked') continue;
    // An object the message already has whole (its entry, found through its slot, carries the
    // message's mark as `whole`) needs no step: `collect` would end it at once.
    const push = (x: string): string =>
      `if (${x} !== null && ${x} !== undefined) { const e = T.slotEntry(${x}, ${inner.type}); if (e === undefined || e.whole !== walk.mark) { const k = walk.n++; objs[k] = ${x}; types[k] = ${inner.type}; sels[k] = 'deep'; } }`;
    if (inner === v) emit(`{ const x = o${prop(i)}; ${push('x')} }`);
    else emit(`{ const x = o${prop(i)}; if (x !== null && x !== undefined) for (let j = 0; j < x.length; j++) { const y = x[j]; ${push('y')} } }`);
  }
  emit(`}`);
  emit(`return { write, writeAll, writeRun, read, readRun, deep, stacked: ${stacked} };`);
  return out.join('\n');
}

/** Bytes a value of fixed size takes on the wire (also its alignment); 0 when its size varies. */
function fixedSize(v: PlanValue): number {
  switch (v.k) {
    case 'int':
      return v.bits / 8;
    case 'bool':
    case 'char':
      return 1;
    case 'tracked':
    case 'ops':
    case 'opaque':
    case 'callback':
      return 4;
    default:
      return 0;
  }
}

/**
 * The fields that cross, in order, cut into runs: a run of fixed-size fields or a single other
 * field. A fixed run is read or written with one check: where the present fields of the run end
 * (`q`, worked out from the position and the mask alone, each field padded to its size) against
 * the end of the region. When it runs past, the run goes field by field through the
 * WireReader/WireWriter calls, whose errors (which field, which byte) are then the interpreter's.
 * When it does not, no field of the run can be truncated, and a value the wire rejects is handed
 * to the same call at the same position to raise its error.
 */
function runs(fields: readonly { value: PlanValue }[]): { fixed: boolean; fields: number[] }[] {
  const out: { fixed: boolean; fields: number[] }[] = [];
  let cur: { fixed: boolean; fields: number[] } | null = null;
  for (let i = 0; i < fields.length; i++) {
    const v = fields[i]!.value;
    if (v.k === 'skip') continue;
    if (fixedSize(v) === 0) {
      cur = null;
      out.push({ fixed: false, fields: [i] });
      continue;
    }
    if (cur === null) out.push((cur = { fixed: true, fields: [] }));
    cur.fields.push(i);
  }
  return out;
}

/** Moves `q` past a fixed-size value and the padding before it, as the wire calls would. */
function advance(v: PlanValue): string {
  const size = fixedSize(v);
  return size === 1 ? `q += 1;` : `q += (-q & ${size - 1}) + ${size};`;
}

/** DataView accessors of the integer encodings, and the range check of each (WireWriter's, as a condition on `x` that is true when out of range). */
const ACCESS: Record<string, [get: string, set: string, bad: string]> = {
  u8: ['getUint8', 'setUint8', '(x & 0xff) !== x'],
  s8: ['getInt8', 'setInt8', '(x << 24) >> 24 !== x'],
  u16: ['getUint16', 'setUint16', '(x & 0xffff) !== x'],
  s16: ['getInt16', 'setInt16', '(x << 16) >> 16 !== x'],
  u32: ['getUint32', 'setUint32', 'x >>> 0 !== x'],
  s32: ['getInt32', 'setInt32', '(x | 0) !== x'],
  u64: ['getBigUint64', 'setBigUint64', 'x < 0n || x > 0xffffffffffffffffn'],
  s64: ['getBigInt64', 'setBigInt64', 'x < -0x8000000000000000n || x > 0x7fffffffffffffffn'],
};

/** Skips to a multiple of `size` in a checked block (the reader's padding is never looked at). */
function skipPad(size: number): string {
  return size === 1 ? '' : `p += -p & ${size - 1}; `;
}

/** Zeroes the padding to a multiple of `size` in a checked block, as WireWriter's slot does. */
function zeroPad(size: number): string {
  return size === 1 ? '' : `while ((p & ${size - 1}) !== 0) mem[p++] = 0; `;
}

/** A field of a fixed run read straight from the DataView at `p`, inside the run's checked block. */
function fastReadField(v: PlanValue, i: number): string {
  const to = `s.v${i}`;
  switch (v.k) {
    case 'int': {
      const size = v.bits / 8;
      // A 64-bit value the record read last time is the bigint it made then: a bigint is an
      // immutable value, and making one per message is the costliest step of such a field.
      // A new one from the scratch's 64-bit view (the reader is over the scratch's copy, from its
      // start): an element load, where the DataView's is a call.
      if (size === 8)
        return `${skipPad(8)}{ const l = dv.getUint32(p, true), h = dv.getUint32(p + 4, true); if (l === s.l${i} && h === s.h${i}) ${to} = s.b${i}; else { s.l${i} = l; s.h${i} = h; ${to} = s.b${i} = ${LITTLE_ENDIAN ? `S.${intName(v)!}[p >>> 3]` : `dv.${ACCESS[intName(v)!]![0]}(p, true)`}; } } p += 8;`;
      return `${skipPad(size)}${to} = dv.${ACCESS[intName(v)!]![0]}(p${size === 1 ? '' : ', true'}); p += ${size};`;
    }
    case 'char':
      return `${to} = dv.getUint8(p); p += 1;`;
    case 'bool':
      // A byte other than 0 or 1 goes to the reader's own call at the same position, for its error.
      return `const x = dv.getUint8(p); if (x > 1) { r.pos = p; ${to} = r.bool(); p = r.pos; } else { ${to} = x === 1; p += 1; }`;
    case 'tracked':
    case 'ops':
    case 'opaque':
    case 'callback':
      // The offset errors name is where the field starts, before its padding (as `r.position` is).
      return `const a = p; ${skipPad(4)}const x = dv.getUint32(p, true); p += 4; ${idBody(v, i)}`;
    default:
      throw new Error(`codec-gen: ${v.k} is not of fixed size`);
  }
}

/** A field of a fixed run written straight into the DataView at `p`, inside the run's checked block. */
function fastWriteField(v: PlanValue, i: number): string {
  const x = `v${i}`;
  // A value out of range goes to the writer's own call at the same position, which throws its error.
  const put = (name: string, size: number, value: string): string =>
    `const x = ${value}; if (${ACCESS[name]![2]}) { w.pos = p; w.${name}(x); } ${zeroPad(size)}dv.${ACCESS[name]![1]}(p, x${size === 1 ? '' : ', true'}); p += ${size};`;
  switch (v.k) {
    case 'int': {
      const name = intName(v)!;
      if (v.bits !== 64) return put(name, v.bits / 8, `Number(${x} ?? 0)`);
      // `asUintN`/`asIntN` give the value back exactly when it is in range (two bigint compares
      // cost more), and an element store of the region's 64-bit view is no call (the DataView's is).
      const as = v.signed ? 'asIntN' : 'asUintN';
      return (
        `const x = typeof ${x} === 'bigint' ? ${x} : BigInt(${x} ?? 0); if (BigInt.${as}(64, x) !== x) { w.pos = p; w.${name}(x); } ${zeroPad(8)}` +
        `const B = (w.els ?? w.elementViews()).${name}; if (B !== null) B[p >>> 3] = x; else dv.${ACCESS[name]![1]}(p, x, true); p += 8;`
      );
    }
    case 'bool':
      return `mem[p++] = ${x} ? 1 : 0;`;
    case 'char':
      return `const x = Number(${x} ?? 0); if ((x & 0xff) !== x) { w.pos = p; w.char(x); } mem[p++] = x;`;
    case 'tracked':
      return `${v.nonNull ? `if (${x} === null || ${x} === undefined) throw new WireError('a [ref] pointer is NULL'); ` : ''}${put('u32', 4, `T.idOf(${x} ?? null, ${v.type})`)}`;
    case 'ops':
      return put('u32', 4, `T.handles.handleOf(${x} ?? null, ${v.iface})`);
    case 'opaque':
      return put('u32', 4, `T.handles.handleOf(${x} ?? null, ${v.type})`);
    case 'callback':
      return put('u32', 4, `T.functions.functionIdOf(${x} ?? null, ${v.type})`);
    default:
      throw new Error(`codec-gen: ${v.k} is not of fixed size`);
  }
}

/** What an id field does with the id `x` read at `a`: NULL, or the object, handle or stub it names. */
function idBody(v: Extract<PlanValue, { k: 'tracked' | 'ops' | 'opaque' | 'callback' }>, i: number): string {
  const to = `s.v${i}`;
  const what = v.k === 'tracked' ? 'pointer' : 'handle';
  const onNull = v.nonNull && v.k !== 'callback' ? `throw new WireError('a [ref] ${what} arrived NULL', a);` : `${to} = null;`;
  const resolve =
    v.k === 'tracked' ? `T.resolve(x, ${v.type}, mk, a)` : v.k === 'callback' ? `H.cb(${v.type}, x, a)` : `T.handles.resolve(x, ${v.k === 'ops' ? v.iface : v.type}, a)`;
  return `if (x === 0) { ${onNull} } else ${to} = ${resolve};`;
}

/** The sibling slots a count names. */
export function countSlots(e: PlanExpr): number[] {
  const out: number[] = [];
  const todo: PlanExpr[] = [e];
  while (todo.length) {
    const x = todo.pop()!;
    if (typeof x === 'number') continue;
    if ('slot' in x) out.push(x.slot);
    else if ('neg' in x) todo.push(x.neg);
    else todo.push(x.l, x.r);
  }
  return out;
}

function range(n: number, f: (i: number) => string): string {
  let s = '';
  for (let i = 0; i < n; i++) s += f(i);
  return s;
}

/** A count as an expression: a literal or a sibling inline, anything else through the interpreter's evaluator. */
function countSource(e: PlanExpr, i: number, n: number, sibling: (j: number) => string): string {
  if (typeof e === 'number') return Number.isFinite(e) ? `(${e})` : `H.ev(H.ex[${i}], NOSIB)`;
  if ('slot' in e) return `cnt(${sibling(e.slot)})`;
  return `H.ev(H.ex[${i}], [${range(n, (j) => `${sibling(j)},`)}])`;
}

function writeField(v: PlanValue, i: number, n: number): string {
  const x = `v${i}`;
  switch (v.k) {
    case 'int': {
      const name = intName(v)!;
      return v.bits === 64 ? `w.${name}(typeof ${x} === 'bigint' ? ${x} : BigInt(${x} ?? 0));` : `w.${name}(Number(${x} ?? 0));`;
    }
    case 'bool':
      return `w.bool(Boolean(${x}));`;
    case 'char':
      return `w.char(Number(${x} ?? 0));`;
    case 'string': {
      // The very string this record wrote last time: the words it wrote then, copied into the
      // region's u32 view when they surely fit (the same bytes, padding zeros included).
      // A short ASCII string straight into the region when it and its NUL and padding surely fit;
      // anything else through the writer's own call from the same position (which writes over
      // whatever this began). The record then keeps the words of a string of a few.
      const max = v.max ?? DEFAULT_STRING_MAX;
      const again =
        `{ const s = ${x}; if (s === M.s${i} && typeof s === 'string') { const nw = M.n${i}, p0 = w.pos + (-w.pos & 3), U = (w.els ?? w.elementViews()).s32; if (U !== null && p0 + nw * 4 <= w.capacity) { const mem = w.mem; let p = w.pos; while (p < p0) mem[p++] = 0; const b = p0 >>> 2; ${speltMove((k) => `U[b + ${k}]`, (k) => `M.wq${i}_${k}`)} w.pos = p0 + nw * 4; break wr${i}; } } }`;
      const keep =
        ` { const s = ${x}; if (typeof s === 'string') { const p0 = at${i} + (-at${i} & 3), nw = (w.pos - p0) >>> 2, U = (w.els ?? w.elementViews()).s32; if (nw <= ${SPELT_WORDS} && U !== null) { const b = p0 >>> 2; ${speltMove((k) => `M.wq${i}_${k}`, (k) => `U[b + ${k}]`)} M.n${i} = nw; M.s${i} = s; } else M.s${i} = null; } }`;
      return (
        `wr${i}: { ${again} const at${i} = w.pos; ` +
        `{ const s = ${x}; let done = false; if (typeof s === 'string' && s.length <= ${max}) { const n = s.length, p0 = w.pos + (-w.pos & 3), st = p0 + 4; ` +
        `if (st + n + 4 <= w.capacity) { const mem = w.mem; let k = 0; for (; k < n; k++) { const c = s.charCodeAt(k); if (c >= 0x80 || c === 0) break; mem[st + k] = c; } ` +
        `if (k === n) { let p = w.pos; while (p < p0) mem[p++] = 0; w.view.setUint32(p0, n, true); p = st + n; mem[p++] = 0; while ((p & 3) !== 0) mem[p++] = 0; w.pos = p; done = true; } } } ` +
        `if (!done) w.string(s ?? null, ${max}); }${keep} }`
      );
    }
    case 'tracked':
      return `${v.nonNull ? `if (${x} === null || ${x} === undefined) throw new WireError('a [ref] pointer is NULL'); ` : ''}w.u32(T.idOf(${x} ?? null, ${v.type}));`;
    case 'ops':
      return `w.u32(T.handles.handleOf(${x} ?? null, ${v.iface}));`;
    case 'opaque':
      return `w.u32(T.handles.handleOf(${x} ?? null, ${v.type}));`;
    case 'callback':
      return `w.u32(T.functions.functionIdOf(${x} ?? null, ${v.type}));`;
    case 'array':
    case 'embed':
    case 'box':
      return `H.fw[${i}](w, ${x}, NOSIB, o, ${i}, 0);`;
    case 'counted': {
      const sib = (j: number): string => (j >= 0 && j < n && Number.isInteger(j) ? `v${j}` : 'undefined');
      const bulk = bulkOf(v.of);
      // Elements smaller than 8 bytes go by 8-byte words (`wordCopy`) through a view of the array
      // the record's memo keeps while it is the same array; in one `set` otherwise.
      const at = `p1${bulk && bulk[1] !== 1 ? ` / ${bulk[1]}` : ''}`;
      const put = !bulk
        ? ''
        : bulk[1] < 8
          ? `let d = null; const F = E.f64; if (F !== null && n * ${bulk[1]} >= ${WORD_COPY_MIN}) { d = M.fv${i}; if (M.fa${i} !== items || d === null || d.length !== (n * ${bulk[1]}) >>> 3) { d = wordView(items, n * ${bulk[1]}); M.fa${i} = items; M.fv${i} = d; } } ` +
            `if (d !== null) { const at = ${at}; ${wordCopy('F', 'd', '0', 'V', 'items', '0', bulk[1], 'p1 >>> 3', 'at')} } else V.set(items, ${at});`
          : `V.set(items, ${at});`;
      return [
        `const items = ${x} ?? null; const want = ${countSource(v.count, i, n, sib)};`,
        `if (items && want !== null && items.length !== want) throw H.countMismatch(items.length, want);`,
        `if (!items && want !== null && want > 0) throw H.nullCount(want);`,
        v.max === null ? '' : `if (items && items.length > ${v.max}) throw H.overMax(items.length, ${v.max});`,
        // A typed array of the wire's type: the count and its padding, then the elements in one
        // copy into the region's view of that type, when all of it surely fits; the writer's calls
        // from the same position otherwise (for their errors).
        bulk
          ? `let done = false; if (items !== null && items instanceof ${bulk[0]}) { const n = items.length, p0 = w.pos + (-w.pos & 3); let p1 = p0 + 4; p1 += -p1 & 7; const E = w.els ?? w.elementViews(), V = E.${bulk[2]}; ` +
            // (A length over the max was refused above: a max that fits a count needs no second test.)
            `if (V !== null${v.max !== null && v.max <= 0xfffffffe ? '' : ' && n <= 0xfffffffe'} && p1 + n * ${bulk[1]} <= w.capacity) { const mem = w.mem; let p = w.pos; while (p < p0) mem[p++] = 0; w.view.setUint32(p0, n, true); p = p0 + 4; while (p < p1) mem[p++] = 0; ${put} w.pos = p1 + n * ${bulk[1]}; done = true; } } if (!done) {`
          : '{',
        `w.countedStart(items ? items.length : null);`,
        `if (items) {`,
        bulk ? `if (items instanceof ${bulk[0]}) w.typedArray(items); else` : '',
        `{ const ew = H.ew[${i}]; for (let j = 0; j < items.length; j++) ew(w, items[j], NOSIB, undefined, -1, 0); } } }`,
      ].join(' ');
    }
    default:
      throw new Error(`codec-gen: no writer for ${v.k}`);
  }
}

function readField(v: PlanValue, i: number, prop: (i: number) => string): string {
  const to = `s.v${i}`;
  switch (v.k) {
    case 'int':
      return `${to} = r.${intName(v)!}();`;
    case 'bool':
      return `${to} = r.bool();`;
    case 'char':
      return `${to} = r.char();`;
    case 'string': {
      // A string whose length word, bytes, NUL and padding are, word for word, those the record
      // read last time is the string it made then (it checked those very bytes): a few word
      // compares on the scratch's u32 view (the reader is over the scratch's copy, from its start)
      // where spelling it costs a compare per character. The record then keeps the words of what
      // it read, when they are few.
      // An unchanged string stays the very string the object holds: no new string per message.
      // When its bytes, its NUL and its padding surely fit and spell it, straight from the bytes
      // (a private copy: read once more is no harm); the reader's own call from the same position
      // otherwise, for its checks and errors.
      const max = v.max ?? DEFAULT_STRING_MAX;
      const spelt =
        `{ const nw = s.tn${i}, p0 = r.pos + (-r.pos & 3); if (nw !== 0 && p0 + nw * 4 <= r.end) { const U = S.s32, b = p0 >>> 2; if (${speltEquals(`s.sq${i}_`, 'U')}) { x = s.t${i}; r.pos = p0 + nw * 4; } } } if (x === undefined) {`;
      const keep =
        ` if (typeof x === 'string') { const p0 = a${i}s + (-a${i}s & 3), nw = (r.pos - p0) >>> 2; if (nw <= ${SPELT_WORDS}) { const U = S.s32, b = p0 >>> 2; ${speltMove((k) => `s.sq${i}_${k}`, (k) => `U[b + ${k}]`)} s.tn${i} = nw; s.t${i} = x; } else s.tn${i} = 0; } }`;
      const same =
        `let x; const a${i}s = r.pos; ${spelt} { const cur = o${prop(i)}, e = r.end, p0 = r.pos + (-r.pos & 3); ` +
        `if (typeof cur === 'string' && p0 + 4 <= e) { const len = r.view.getUint32(p0, true), st = p0 + 4, mem = r.mem; ` +
        `if (len === cur.length && len <= ${max} && st + len + 1 <= e && mem[st + len] === 0) { let k = 0; for (; k < len; k++) { const c = cur.charCodeAt(k); if (c >= 0x80 || c === 0 || mem[st + k] !== c) break; } ` +
        `if (k === len) { const p = st + len + 1 + (-(st + len + 1) & 3); if (p <= e) { r.pos = p; x = cur; } } } } ` +
        `if (x === undefined) x = r.string(${max}, cur); }${keep}`;
      return v.nonNull ? `const a = r.pos; ${same} if (x === null) throw new WireError('a [ref] string arrived NULL', a); ${to} = x;` : `${same} ${to} = x;`;
    }
    case 'tracked':
    case 'ops':
    case 'opaque':
    case 'callback':
      return `const a = r.position; const x = r.u32(); ${idBody(v, i)}`;
    case 'array':
    case 'embed':
    case 'box':
      return `${to} = H.fr[${i}](r, NOSIB, stage, o, ${i}, 0);`;
    case 'counted': {
      const bulk = bulkOf(v.of);
      const max = v.max ?? 0xfffffffe;
      if (bulk) {
        // `counted` checked that the elements are there, and left the position 8-aligned: they are
        // staged as where they lie in the private copy, and copied out when applied.
        // (The position is 8-aligned here: a shift gives the index as an integer, where a division is a double.)
        const body = `{ ${to} = r.pos >>> ${Math.log2(bulk[1])}; s.c${i} = x; r.pos += x * ${bulk[1]}; }`;
        // The count from the view when it, its padding and its elements surely fit and it is in
        // range; the reader's own call (from the same position, for its error or a NULL) otherwise.
        const size = minSize(v.of);
        // (The count as an int32: one of 2^31 or more is negative and goes to the reader's call, as
        // one over the max does. As a u32 next to the -1, it was a double, converted at each use.)
        const head =
          `let x; { const e = r.end, p0 = r.pos + (-r.pos & 3); let c = -1, p = 0; if (p0 + 4 <= e) { c = r.view.getUint32(p0, true) | 0; p = p0 + 4; p += -p & 7; } ` +
          `if (c >= 0 && c <= ${Math.min(max, 0xfffffffe)} && p <= e && c * ${size} <= e - p) { x = c; r.pos = p; } else x = r.counted(${max}, ${size}); }`;
        return `a${i} = r.pos; ${head} n${i} = x; if (x === null) ${to} = -1; else ${body}`;
      }
      const body = `{ const er = H.er[${i}], out = []; for (let j = 0; j < x; j++) out.push(er(r, NOSIB, stage, undefined, -1, 0)); ${to} = H.toTyped(H.of[${i}], out); }`;
      return `a${i} = r.position; const x = r.counted(${max}, ${minSize(v.of)}); n${i} = x; if (x === null) ${to} = null; else ${body}`;
    }
    default:
      throw new Error(`codec-gen: no reader for ${v.k}`);
  }
}
