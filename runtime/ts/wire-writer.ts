// Encoder side of docs/wire-format.md. One writer is meant to be reused for every message sent
// through the same buffer (`reset()`), so the scalar writes allocate nothing: they go through one
// DataView and one Uint8Array made at construction.
import { WireError } from './errors.js';

/** The u32 that stands for a NULL string or counted pointer. */
export const NULL_LENGTH = 0xffffffff;
/** The `[max]` of a string without one. */
export const DEFAULT_STRING_MAX = 65535;

const TWO_32 = 4294967296;
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
const U64_MAX = 0xffffffffffffffffn;
const S64_MIN = -0x8000000000000000n;
const S64_MAX = 0x7fffffffffffffffn;

export type WireBuffer = ArrayBuffer | SharedArrayBuffer;

/** A writer's region by element type (`WireWriter.els`): null where the region cannot be viewed so. */
export interface ElementViews {
  u8: Uint8Array;
  s8: Int8Array | null;
  u16: Uint16Array | null;
  s16: Int16Array | null;
  u32: Uint32Array | null;
  s32: Int32Array | null;
  u64: BigUint64Array | null;
  s64: BigInt64Array | null;
  /** 8-byte words, for copying arrays of smaller elements a word at a time. */
  f64: Float64Array | null;
}

/** Zeroes [from, to): padding, at most 7 bytes, in a loop (a `fill` call costs more). */
function zero(mem: Uint8Array, from: number, to: number): void {
  for (let i = from; i < to; i++) mem[i] = 0;
}

/** Validates a region of `buffer`; shared by the writer and the reader. */
export function checkRegion(buffer: WireBuffer, offset: number, length: number): void {
  // Caller bugs, not peer input: a RangeError, as a typed-array constructor would give.
  if (!Number.isSafeInteger(offset) || offset < 0 || !Number.isSafeInteger(length) || length < 0 || offset + length > buffer.byteLength) {
    throw new RangeError(`wire region [${offset}, ${offset}+${length}) is not inside a buffer of ${buffer.byteLength} bytes`);
  }
}

export class WireWriter {
  /** Bytes of the region; writes beyond it throw `WireError('message too large')`. */
  readonly capacity: number;
  // `view`, `mem` and `pos` are used directly by the codec's generated code (codec-gen.ts) inside
  // a run of fixed-size fields whose room it checked against `capacity` once; nothing else outside
  // this class touches them.
  /** @internal */
  readonly view: DataView;
  /** @internal */
  readonly mem: Uint8Array;
  /** @internal */
  pos = 0;

  /**
   * A writer over `capacity` bytes of `buffer` from `offset`. Alignment is relative to `offset`,
   * which must therefore be where the message (its header) begins.
   */
  constructor(buffer: WireBuffer, offset = 0, capacity = buffer.byteLength - offset) {
    checkRegion(buffer, offset, capacity);
    this.capacity = capacity;
    this.view = new DataView(buffer, offset, capacity);
    this.mem = new Uint8Array(buffer, offset, capacity);
    this.buffer = buffer;
    this.offset = offset;
  }

  private readonly buffer: WireBuffer;
  private readonly offset: number;
  // Views of the region by element type, made on first use when the region starts 8-aligned in
  // its buffer: a typed array of the same type is then copied in with one `set`.
  private wide: Uint16Array | Int16Array | Uint32Array | Int32Array | BigUint64Array | BigInt64Array | null = null;
  private readonly views = new Map<Function, Uint16Array | Int16Array | Uint32Array | Int32Array | BigUint64Array | BigInt64Array | null>();

  /**
   * The region as arrays of each integer element type (u8 is `mem`), for generated code: a 64-bit
   * field stored through one is a plain element store where `DataView.setBigUint64` is a call, and
   * a counted array is copied into one. Null until first asked for (`elementViews`), and each view
   * null when the region does not start 8-aligned in its buffer or the host is big-endian.
   * @internal
   */
  els: ElementViews | null = null;

  /** @internal */
  elementViews(): ElementViews {
    if (this.els !== null) return this.els;
    const ok = this.offset % 8 === 0 && LITTLE_ENDIAN;
    const b = this.buffer;
    const o = this.offset;
    const c = this.capacity;
    return (this.els = {
      u8: this.mem,
      s8: ok ? new Int8Array(b, o, c) : null,
      u16: ok ? new Uint16Array(b, o, c >>> 1) : null,
      s16: ok ? new Int16Array(b, o, c >>> 1) : null,
      u32: ok ? new Uint32Array(b, o, c >>> 2) : null,
      s32: ok ? new Int32Array(b, o, c >>> 2) : null,
      u64: ok ? new BigUint64Array(b, o, c >>> 3) : null,
      s64: ok ? new BigInt64Array(b, o, c >>> 3) : null,
      f64: ok ? new Float64Array(b, o, c >>> 3) : null,
    });
  }

  private viewLike(items: Uint16Array | Int16Array | Uint32Array | Int32Array | BigUint64Array | BigInt64Array): typeof items | null {
    const w = this.wide;
    if (w !== null && w.constructor === items.constructor) return w;
    let v = this.views.get(items.constructor);
    if (v === undefined) {
      const ctor = items.constructor as new (b: WireBuffer, o: number, n: number) => typeof items;
      v = this.offset % 8 === 0 && LITTLE_ENDIAN ? new ctor(this.buffer, this.offset, Math.floor(this.capacity / items.BYTES_PER_ELEMENT)) : null;
      this.views.set(items.constructor, v);
    }
    if (v !== null) this.wide = v;
    return v;
  }

  /** Bytes written so far (the offset of the next write). */
  get position(): number {
    return this.pos;
  }

  get remaining(): number {
    return this.capacity - this.pos;
  }

  /** Starts a new message at the region's start; the old bytes are overwritten, padding included. */
  reset(): void {
    this.pos = 0;
  }

  /** A view of the bytes written so far (not a copy). */
  written(): Uint8Array {
    // The same view again for the same length (a message of a steady size is one allocation the fewer).
    if (this.last.length !== this.pos) this.last = this.mem.subarray(0, this.pos);
    return this.last;
  }

  private last: Uint8Array = new Uint8Array(0);

  /** Pads with zeros to a multiple of `n` (1, 2, 4 or 8). */
  align(n: number): void {
    const pad = -this.pos & (n - 1);
    if (pad === 0) return;
    if (this.pos + pad > this.capacity) throw this.tooLarge(pad);
    // Padding is zero on send even when the buffer still holds an older message.
    zero(this.mem, this.pos, this.pos + pad);
    this.pos += pad;
  }

  u8(v: number): void {
    if ((v & 0xff) !== v) throw this.outOfRange('u8', v);
    this.view.setUint8(this.slot(1), v);
  }

  u16(v: number): void {
    if ((v & 0xffff) !== v) throw this.outOfRange('u16', v);
    this.view.setUint16(this.slot(2), v, true);
  }

  u32(v: number): void {
    if (v >>> 0 !== v) throw this.outOfRange('u32', v);
    this.view.setUint32(this.slot(4), v, true);
  }

  u64(v: bigint): void {
    if (typeof v !== 'bigint' || v < 0n || v > U64_MAX) throw this.outOfRange('u64', v);
    this.view.setBigUint64(this.slot(8), v, true);
  }

  /** u64 from a number: no bigint allocated; the value must be an integer in 0..2^53-1. */
  u64n(v: number): void {
    if (!Number.isSafeInteger(v) || v < 0) throw this.outOfRange('u64', v);
    const at = this.slot(8);
    const lo = v >>> 0;
    this.view.setUint32(at, lo, true);
    this.view.setUint32(at + 4, (v - lo) / TWO_32, true);
  }

  s8(v: number): void {
    if ((v << 24) >> 24 !== v) throw this.outOfRange('s8', v);
    this.view.setInt8(this.slot(1), v);
  }

  s16(v: number): void {
    if ((v << 16) >> 16 !== v) throw this.outOfRange('s16', v);
    this.view.setInt16(this.slot(2), v, true);
  }

  s32(v: number): void {
    if ((v | 0) !== v) throw this.outOfRange('s32', v);
    this.view.setInt32(this.slot(4), v, true);
  }

  s64(v: bigint): void {
    if (typeof v !== 'bigint' || v < S64_MIN || v > S64_MAX) throw this.outOfRange('s64', v);
    this.view.setBigInt64(this.slot(8), v, true);
  }

  /** s64 from a number: the value must be a safe integer (|v| < 2^53). */
  s64n(v: number): void {
    if (!Number.isSafeInteger(v)) throw this.outOfRange('s64', v);
    const at = this.slot(8);
    const lo = v >>> 0;
    this.view.setUint32(at, lo, true);
    this.view.setInt32(at + 4, (v - lo) / TWO_32, true);
  }

  bool(v: boolean): void {
    this.view.setUint8(this.slot(1), v ? 1 : 0);
  }

  /** A C `char` as the byte it holds, 0..255 (a signed char's -23 is 233). */
  char(v: number): void {
    if ((v & 0xff) !== v) throw this.outOfRange('char', v);
    this.view.setUint8(this.slot(1), v);
  }

  /** Raw bytes, unaligned: the elements of a u8/char array. */
  bytes(src: Uint8Array): void {
    if (this.pos + src.length > this.capacity) throw this.tooLarge(src.length);
    this.mem.set(src, this.pos);
    this.pos += src.length;
  }

  /**
   * The elements of a typed array, little-endian, each aligned to its size, back to back (a bulk
   * `counted` or fixed array): one bounds check for all, and no view of the array made to copy it.
   */
  typedArray(items: Uint8Array | Int8Array | Uint16Array | Int16Array | Uint32Array | Int32Array | BigUint64Array | BigInt64Array): void {
    const n = items.length;
    if (n === 0) return;
    const size = items.BYTES_PER_ELEMENT;
    const pad = -this.pos & (size - 1);
    const at = this.pos + pad;
    if (at + n * size > this.capacity) throw this.tooLarge(pad + n * size);
    if (pad !== 0) zero(this.mem, this.pos, at);
    const v = this.view;
    // An Int8Array's elements convert to their bytes (two's complement) in a Uint8Array.
    const same = size === 1 ? this.mem : n > 4 ? this.viewLike(items as Uint32Array) : null;
    if (same !== null) (same as Uint32Array).set(items as Uint32Array, at / size);
    else if (items instanceof Uint32Array) for (let i = 0; i < n; i++) v.setUint32(at + 4 * i, items[i]!, true);
    else if (items instanceof Int32Array) for (let i = 0; i < n; i++) v.setInt32(at + 4 * i, items[i]!, true);
    else if (items instanceof Uint16Array) for (let i = 0; i < n; i++) v.setUint16(at + 2 * i, items[i]!, true);
    else if (items instanceof Int16Array) for (let i = 0; i < n; i++) v.setInt16(at + 2 * i, items[i]!, true);
    else if (items instanceof BigUint64Array) for (let i = 0; i < n; i++) v.setBigUint64(at + 8 * i, items[i]!, true);
    else for (let i = 0; i < n; i++) v.setBigInt64(at + 8 * i, (items as BigInt64Array)[i]!, true);
    this.pos = at + n * size;
  }

  /**
   * A `[string]`: u32 byte length (0xFFFFFFFF for null), the UTF-8 bytes, a NUL, zeros to a
   * multiple of 4. Rejects a string with a NUL inside, a lone surrogate (it has no UTF-8 form, and
   * replacing it would change the string in transit) or more than `max` bytes.
   */
  string(s: string | null, max = DEFAULT_STRING_MAX): void {
    if (s === null) {
      this.u32(NULL_LENGTH);
      return;
    }
    const at = this.slot(4);
    // Every UTF-16 unit takes at least one byte, so this catches most overlong strings up front.
    if (s.length > max) throw new WireError(`string of at least ${s.length} bytes exceeds its max of ${max}`, at);
    const start = at + 4;
    const limit = Math.min(this.capacity, start + max);
    const mem = this.mem;
    let p = start;
    let i = 0;
    // ASCII first, without a room check per character when every one surely fits (each takes at
    // least a byte); the first other character (or NUL, for its error) goes on below.
    if (start + s.length <= limit) {
      for (; i < s.length; i++) {
        const c = s.charCodeAt(i);
        if (c >= 0x80 || c === 0) break;
        mem[p++] = c;
      }
    }
    // Encoded by hand rather than with TextEncoder.encodeInto: that needs a subarray (an
    // allocation) per call and silently turns lone surrogates into U+FFFD.
    for (; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c < 0x80) {
        if (c === 0) throw new WireError(`string has a NUL at character ${i}`, at);
        if (p + 1 > limit) throw this.stringTooLong(at, max, p - start + 1);
        mem[p++] = c;
      } else if (c < 0x800) {
        if (p + 2 > limit) throw this.stringTooLong(at, max, p - start + 2);
        mem[p++] = 0xc0 | (c >> 6);
        mem[p++] = 0x80 | (c & 0x3f);
      } else if (c < 0xd800 || c > 0xdfff) {
        if (p + 3 > limit) throw this.stringTooLong(at, max, p - start + 3);
        mem[p++] = 0xe0 | (c >> 12);
        mem[p++] = 0x80 | ((c >> 6) & 0x3f);
        mem[p++] = 0x80 | (c & 0x3f);
      } else {
        const d = i + 1 < s.length ? s.charCodeAt(i + 1) : 0;
        if (c > 0xdbff || d < 0xdc00 || d > 0xdfff) throw new WireError(`string has a lone surrogate at character ${i}`, at);
        if (p + 4 > limit) throw this.stringTooLong(at, max, p - start + 4);
        const cp = ((c - 0xd800) << 10) + (d - 0xdc00) + 0x10000;
        mem[p++] = 0xf0 | (cp >> 18);
        mem[p++] = 0x80 | ((cp >> 12) & 0x3f);
        mem[p++] = 0x80 | ((cp >> 6) & 0x3f);
        mem[p++] = 0x80 | (cp & 0x3f);
        i++;
      }
    }
    this.finishCString(at, p - start);
  }

  /**
   * A `[string]` given as bytes (no UTF-8 check: C strings may hold any bytes); same layout as
   * `string`. Rejects a NUL inside and more than `max` bytes.
   */
  cstringBytes(b: Uint8Array | null, max = DEFAULT_STRING_MAX): void {
    if (b === null) {
      this.u32(NULL_LENGTH);
      return;
    }
    const at = this.slot(4);
    if (b.length > max) throw new WireError(`string of ${b.length} bytes exceeds its max of ${max}`, at);
    const nul = b.indexOf(0);
    if (nul !== -1) throw new WireError(`string has a NUL at byte ${nul}`, at);
    if (at + 4 + b.length > this.capacity) throw this.tooLarge(4 + b.length, at);
    this.mem.set(b, at + 4);
    this.finishCString(at, b.length);
  }

  /**
   * The head of a `counted` value: u32 element count (0xFFFFFFFF for null), then zeros to a
   * multiple of 8 — always, null included — after which the caller writes the elements.
   */
  countedStart(count: number | null): void {
    if (count === null) this.u32(NULL_LENGTH);
    else if (count >>> 0 !== count || count === NULL_LENGTH) throw this.outOfRange('element count', count);
    else this.u32(count);
    this.align(8);
  }

  /** Reserves `n` zeroed bytes, unaligned (align first), and returns their offset for `patchU32`. */
  reserve(n: number): number {
    if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`reserve: bad size ${n}`);
    if (this.pos + n > this.capacity) throw this.tooLarge(n);
    const at = this.pos;
    this.mem.fill(0, at, at + n);
    this.pos += n;
    return at;
  }

  /** Overwrites a u32 already written or reserved (a length or count known only later). */
  patchU32(at: number, v: number): void {
    if (!Number.isSafeInteger(at) || at < 0 || at + 4 > this.pos) throw new RangeError(`patchU32 at ${at}: not inside the ${this.pos} bytes written`);
    if (v >>> 0 !== v) throw this.outOfRange('u32', v);
    this.view.setUint32(at, v, true);
  }

  /** Aligns to `size`, checks room for `size` bytes, advances, and returns where they go. */
  private slot(size: number): number {
    const pad = -this.pos & (size - 1);
    const at = this.pos + pad;
    if (at + size > this.capacity) throw this.tooLarge(pad + size);
    if (pad !== 0) zero(this.mem, this.pos, at);
    this.pos = at + size;
    return at;
  }

  /** NUL, zero padding to 4, and the length into the slot at `at`; `len` bytes are already in place. */
  private finishCString(at: number, len: number): void {
    const end = at + 4 + len;
    // Only low bits are masked, so this holds for regions past 2 GiB too.
    const padded = end + 1 + (-(end + 1) & 3);
    if (padded > this.capacity) throw this.tooLarge(padded - at, at);
    zero(this.mem, end, padded);
    this.view.setUint32(at, len, true);
    this.pos = padded;
  }

  private tooLarge(needed: number, at = this.pos): WireError {
    return new WireError(`message too large: ${needed} bytes at byte ${at} exceed the capacity of ${this.capacity}`, at);
  }

  private stringTooLong(at: number, max: number, bytesSoFar: number): WireError {
    // `limit` was the smaller of the capacity and the max: say which one was hit.
    if (bytesSoFar > max) return new WireError(`string of more than ${max} bytes exceeds its max of ${max}`, at);
    return this.tooLarge(4 + bytesSoFar, at);
  }

  private outOfRange(type: string, v: unknown): WireError {
    return new WireError(`${type} value ${String(v)} out of range`, this.pos);
  }
}
