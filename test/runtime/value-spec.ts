// A small language of typed wire values, shared by the JSON vectors (test/vectors/values.json) and
// the property tests: a list of specs is written with WireWriter and read back with WireReader,
// the reader being told only the types (and maxima), as a generated decoder would be.
import { WireReader } from '../../runtime/ts/wire-reader.js';
import { WireWriter } from '../../runtime/ts/wire-writer.js';

export type SmallScalar = 'u8' | 'u16' | 'u32' | 's8' | 's16' | 's32' | 'char';
export type BigScalar = 'u64' | 's64';
export type ScalarName = SmallScalar | BigScalar | 'u64n' | 's64n' | 'bool';

/** 64-bit values are decimal strings, since JSON numbers stop being exact at 2^53. */
export type ScalarValue = number | string | boolean;

export type ValueSpec =
  | { type: SmallScalar | 'u64n' | 's64n'; value: number }
  | { type: BigScalar; value: string }
  | { type: 'bool'; value: boolean }
  | { type: 'string'; value: string | null; max?: number }
  | { type: 'cstring'; hex: string | null; max?: number }
  | { type: 'bytes'; hex: string }
  | { type: 'counted'; of: ScalarName; max: number; value: ScalarValue[] | null };

export const SCALAR_SIZE: Record<ScalarName, number> = {
  u8: 1, s8: 1, char: 1, bool: 1, u16: 2, s16: 2, u32: 4, s32: 4, u64: 8, s64: 8, u64n: 8, s64n: 8,
};

export function toHex(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');
}

export function fromHex(hex: string): Uint8Array {
  const clean = hex.replace(/\s+/g, '');
  if (!/^(?:[0-9a-f]{2})*$/i.test(clean)) throw new Error(`bad hex: ${hex}`);
  return new Uint8Array(Buffer.from(clean, 'hex'));
}

export function writeScalar(w: WireWriter, type: ScalarName, v: ScalarValue): void {
  switch (type) {
    case 'u64': return w.u64(BigInt(v as string));
    case 's64': return w.s64(BigInt(v as string));
    case 'bool': return w.bool(v as boolean);
    default: return w[type](v as number);
  }
}

export function readScalar(r: WireReader, type: ScalarName): ScalarValue {
  switch (type) {
    case 'u64': return r.u64().toString();
    case 's64': return r.s64().toString();
    case 'bool': return r.bool();
    default: return r[type]();
  }
}

export function writeValue(w: WireWriter, s: ValueSpec): void {
  switch (s.type) {
    case 'string': return w.string(s.value, s.max);
    case 'cstring': return w.cstringBytes(s.hex === null ? null : fromHex(s.hex), s.max);
    case 'bytes': return w.bytes(fromHex(s.hex));
    case 'counted':
      w.countedStart(s.value === null ? null : s.value.length);
      for (const e of s.value ?? []) writeScalar(w, s.of, e);
      return;
    default: return writeScalar(w, s.type, s.value);
  }
}

/** Reads one value of the shape of `like` (its value is ignored) and returns it as a spec. */
export function readValue(r: WireReader, like: ValueSpec): ValueSpec {
  switch (like.type) {
    case 'string': return { ...like, value: r.string(like.max) };
    case 'cstring': {
      const b = r.cstringBytes(like.max);
      return { ...like, hex: b === null ? null : toHex(b) };
    }
    case 'bytes': return { ...like, hex: toHex(r.bytes(fromHex(like.hex).length)) };
    case 'counted': {
      const n = r.counted(like.max, SCALAR_SIZE[like.of]);
      const value: ScalarValue[] | null = n === null ? null : [];
      for (let i = 0; i < (n ?? 0); i++) value!.push(readScalar(r, like.of));
      return { ...like, value };
    }
    default: return { ...like, value: readScalar(r, like.type) } as ValueSpec;
  }
}

export function encodeValues(specs: ValueSpec[], capacity = 1 << 16): Uint8Array {
  const w = new WireWriter(new ArrayBuffer(capacity));
  for (const s of specs) writeValue(w, s);
  return w.written().slice();
}

export function decodeValues(bytes: Uint8Array, like: ValueSpec[]): ValueSpec[] {
  const buf = new ArrayBuffer(bytes.length);
  new Uint8Array(buf).set(bytes);
  const r = new WireReader(buf);
  const out = like.map((s) => readValue(r, s));
  r.expectEnd();
  return out;
}
