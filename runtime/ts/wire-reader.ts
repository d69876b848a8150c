// Decoder side of docs/wire-format.md. Every read is checked against the region's end and fails
// with a WireError naming the byte; nothing here may throw a RangeError or TypeError on peer input,
// because the message may come from a hostile or crashed u-driver.
//
// The buffer may be shared with the peer, which could rewrite it while we decode. So each byte is
// read once, and what is handed out (strings, byte arrays) is a copy, never a view that could
// change after it was validated.
import { WireError } from './errors.js';
import { checkRegion, DEFAULT_STRING_MAX, NULL_LENGTH, type WireBuffer } from './wire-writer.js';

const TWO_32 = 4294967296;
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

type Wide = Uint16Array | Int16Array | Uint32Array | Int32Array | BigUint64Array | BigInt64Array | Int8Array;

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
// Strings are copied here before they are checked and decoded (see the file comment); grown on
// demand and kept, so a steady stream of strings allocates only the strings themselves.
let scratch = new Uint8Array(256);

/** Copies `n` bytes; a loop for the short copies that dominate, to spare the subarray view. */
function copyOut(src: Uint8Array, from: number, dst: Uint8Array, n: number): void {
  if (n <= 64) for (let i = 0; i < n; i++) dst[i] = src[from + i]!;
  else dst.set(src.subarray(from, from + n));
}

/** Strings up to this many bytes are tried as ASCII first: a TextDecoder call costs more than building a short string. */
const SHORT_STRING = 64;

/** The `len` bytes from `from` as a string when every one is ASCII (then UTF-8 decoding gives the same string); null otherwise. */
function ascii(bytes: Uint8Array, from: number, len: number): string | null {
  let s = '';
  for (let i = 0; i < len; i++) {
    const c = bytes[from + i]!;
    if (c >= 0x80) return null;
    s += String.fromCharCode(c);
  }
  return s;
}

/**
 * Whether the `s.length` bytes from `from` are the ASCII characters of `s`, none of them NUL
 * (they are then also their UTF-8 decoding, and the string has no NUL inside to report).
 */
function spells(bytes: Uint8Array, from: number, s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x80 || c === 0 || bytes[from + i] !== c) return false;
  }
  return true;
}

export class WireReader {
  // Sub-readers share the root's views, so a position is an index into `view` and `u8` and also
  // the offset from the message start that errors report.
  // `view`, `pos` and `end` are read (and `pos` moved) directly by the codec's generated code
  // (codec-gen.ts) inside a run of fixed-size fields it checked against `end` once; nothing else
  // outside this class touches them.
  /** @internal */
  readonly view: DataView;
  /** The region's bytes (read directly, as `view` is, by generated code over a private copy). @internal */
  readonly mem: Uint8Array;
  /**
   * True when no one but this reader's owner can write the bytes (the codec's private copy of a
   * message): strings are then checked and decoded where they lie instead of being copied first.
   * @internal
   */
  inPlace = false;
  // Where the bytes of the string `cstringHead` last checked lie: the region, or `scratch` at 0.
  private strMem: Uint8Array = scratch;
  private strAt = 0;
  // Views of the region by element type (shared with sub-readers), made on first use when the
  // region starts 8-aligned in its buffer: elements are then plain typed-array loads.
  private readonly views: { buffer: WireBuffer; offset: number; length: number; byType: Map<Function, Wide | null>; last: Wide | null };

  private viewLike(out: Wide): Wide | null {
    const v = this.views;
    // Messages mostly carry arrays of one element type: the last answer first.
    if (v.last !== null && v.last.constructor === out.constructor) return v.last;
    let w = v.byType.get(out.constructor);
    if (w === undefined) {
      const ctor = out.constructor as new (b: WireBuffer, o: number, n: number) => Wide;
      w = v.offset % 8 === 0 && LITTLE_ENDIAN ? new ctor(v.buffer, v.offset, Math.floor(v.length / out.BYTES_PER_ELEMENT)) : null;
      v.byType.set(out.constructor, w);
    }
    if (w !== null) v.last = w;
    return w;
  }
  private readonly start: number;
  /** The end given at construction; `reset` may not move `end` past it. */
  private readonly regionEnd: number;
  /** @internal */
  pos: number;
  /** @internal */
  end: number;

  /**
   * A reader over `length` bytes of `buffer` from `offset`; positions (and error offsets) count
   * from `offset`, and so does alignment, so `offset` must be where the message begins.
   *
   * Given another reader instead of a buffer, the new reader covers `length` bytes from `offset`
   * of that reader's coordinates (which must lie inside its region) and shares its buffer,
   * alignment and offsets: this is what `sub` uses.
   */
  constructor(source: WireBuffer | WireReader, offset = 0, length?: number) {
    if (source instanceof WireReader) {
      const len = length ?? source.end - offset;
      if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(len) || len < 0 || offset < source.start || offset + len > source.end) {
        throw new RangeError(`sub-reader [${offset}, ${offset}+${len}) is not inside [${source.start}, ${source.end})`);
      }
      this.view = source.view;
      this.mem = source.mem;
      this.inPlace = source.inPlace;
      this.views = source.views;
      this.start = offset;
      this.pos = offset;
      this.end = offset + len;
      this.regionEnd = this.end;
    } else {
      const len = length ?? source.byteLength - offset;
      checkRegion(source, offset, len);
      this.view = new DataView(source, offset, len);
      this.mem = new Uint8Array(source, offset, len);
      this.views = { buffer: source, offset, length: len, byType: new Map(), last: null };
      this.start = 0;
      this.pos = 0;
      this.end = len;
      this.regionEnd = len;
    }
  }

  /** Offset of the next read, from the start of the root region (the message). */
  get position(): number {
    return this.pos;
  }

  /** The most bytes `reset` may give this reader: the region it was made over. */
  get region(): number {
    return this.regionEnd - this.start;
  }

  /** Offset just past this reader's last byte. */
  get limit(): number {
    return this.end;
  }

  get remaining(): number {
    return this.end - this.pos;
  }

  /**
   * Rewinds to the region's start and limits it to `length` bytes (at most the region), to read
   * the next message from the same buffer without allocating a new reader.
   */
  reset(length: number = this.regionEnd - this.start): void {
    if (!Number.isSafeInteger(length) || length < 0 || this.start + length > this.regionEnd) {
      throw new RangeError(`reset: ${length} bytes do not fit the region`);
    }
    this.pos = this.start;
    this.end = this.start + length;
  }

  /** Skips `n` bytes already read elsewhere (a header decoded from these same bytes); truncation is a WireError. */
  skip(n: number): void {
    this.pos += this.need(n, 'bytes');
  }

  /** Skips padding to a multiple of `n` (1, 2, 4 or 8); its content is ignored, its presence required. */
  align(n: number): void {
    const pad = -this.pos & (n - 1);
    if (pad > this.end - this.pos) throw new WireError(`truncated: ${pad} bytes of padding run past the end at byte ${this.end}`, this.pos);
    this.pos += pad;
  }

  u8(): number {
    return this.view.getUint8(this.slot(1, 'u8'));
  }

  u16(): number {
    return this.view.getUint16(this.slot(2, 'u16'), true);
  }

  u32(): number {
    return this.view.getUint32(this.slot(4, 'u32'), true);
  }

  u64(): bigint {
    return this.view.getBigUint64(this.slot(8, 'u64'), true);
  }

  /**
   * A u64 as two u32 halves, without a bigint: returns the low half and leaves the high one in
   * `high` (present-field masks, which the codec tests bit by bit as numbers).
   */
  u64Halves(): number {
    const at = this.slot(8, 'u64');
    this.high = this.view.getUint32(at + 4, true);
    return this.view.getUint32(at, true);
  }

  /** The high half of the last `u64Halves()`. */
  high = 0;

  /** u64 as a number, without a bigint; a value above 2^53-1 is a WireError (it has no exact number). */
  u64n(): number {
    const at = this.slot(8, 'u64');
    const hi = this.view.getUint32(at + 4, true);
    if (hi > 0x1fffff) throw new WireError(`u64 ${this.view.getBigUint64(at, true)} does not fit a number (above 2^53-1)`, at);
    return hi * TWO_32 + this.view.getUint32(at, true);
  }

  s8(): number {
    return this.view.getInt8(this.slot(1, 's8'));
  }

  s16(): number {
    return this.view.getInt16(this.slot(2, 's16'), true);
  }

  s32(): number {
    return this.view.getInt32(this.slot(4, 's32'), true);
  }

  s64(): bigint {
    return this.view.getBigInt64(this.slot(8, 's64'), true);
  }

  /** s64 as a number; a value outside ±(2^53-1) is a WireError. */
  s64n(): number {
    const at = this.slot(8, 's64');
    const v = this.view.getInt32(at + 4, true) * TWO_32 + this.view.getUint32(at, true);
    if (!Number.isSafeInteger(v)) throw new WireError(`s64 ${this.view.getBigInt64(at, true)} does not fit a number (beyond ±(2^53-1))`, at);
    return v;
  }

  bool(): boolean {
    const at = this.slot(1, 'bool');
    const v = this.view.getUint8(at);
    if (v > 1) throw new WireError(`bool is ${v}, not 0 or 1`, at);
    return v === 1;
  }

  /** A C `char` as the byte it holds, 0..255. */
  char(): number {
    return this.view.getUint8(this.slot(1, 'char'));
  }

  /** `n` raw bytes, unaligned, as a copy. */
  bytes(n: number): Uint8Array {
    const out = new Uint8Array(this.need(n, 'bytes'));
    this.bytesInto(out);
    return out;
  }

  /** Fills `dst` with the next `dst.length` raw bytes: a byte array without an allocation. */
  bytesInto(dst: Uint8Array): void {
    const n = this.need(dst.length, 'bytes');
    copyOut(this.mem, this.pos, dst, n);
    this.pos += n;
  }

  /**
   * Fills a typed array with its next elements (little-endian, each aligned to its size, back to
   * back): one bounds check for all, element reads without a view of the message.
   */
  typedInto(out: Uint8Array | Int8Array | Uint16Array | Int16Array | Uint32Array | Int32Array | BigUint64Array | BigInt64Array): void {
    this.typedAt(out, 0, out.length);
  }

  /** `typedInto` for `n` elements of `out` from index `from` (a staging area shared by several arrays; the caller checked they fit). */
  typedAt(out: Uint8Array | Int8Array | Uint16Array | Int16Array | Uint32Array | Int32Array | BigUint64Array | BigInt64Array, from: number, n: number): void {
    const size = out.BYTES_PER_ELEMENT;
    const at = this.pos + (-this.pos & (size - 1));
    if (at + n * size > this.end) throw this.truncated('array', n * size, at);
    const v = this.view;
    let wide: Wide | null;
    if (out instanceof Uint8Array) {
      if (from === 0) copyOut(this.mem, at, out, n);
      else for (let i = 0; i < n; i++) out[from + i] = this.mem[at + i]!;
    } else if (n > 4 && (wide = this.viewLike(out)) !== null) {
      // Each element loaded once (the region may be shared), straight into `out`.
      const src = wide as Uint32Array;
      const base = at / size;
      const dst = out as Uint32Array;
      for (let i = 0; i < n; i++) dst[from + i] = src[base + i]!;
    } else if (out instanceof Uint32Array) for (let i = 0; i < n; i++) out[from + i] = v.getUint32(at + 4 * i, true);
    else if (out instanceof Int32Array) for (let i = 0; i < n; i++) out[from + i] = v.getInt32(at + 4 * i, true);
    else if (out instanceof Uint16Array) for (let i = 0; i < n; i++) out[from + i] = v.getUint16(at + 2 * i, true);
    else if (out instanceof Int16Array) for (let i = 0; i < n; i++) out[from + i] = v.getInt16(at + 2 * i, true);
    else if (out instanceof Int8Array) for (let i = 0; i < n; i++) out[from + i] = v.getInt8(at + i);
    else if (out instanceof BigUint64Array) for (let i = 0; i < n; i++) out[from + i] = v.getBigUint64(at + 8 * i, true);
    else for (let i = 0; i < n; i++) out[from + i] = v.getBigInt64(at + 8 * i, true);
    this.pos = at + n * size;
  }

  /**
   * A `[string]` as a JS string, or null. Checks length ≤ max, the bytes present, a NUL at the
   * end and none inside, valid UTF-8 (a JS string cannot hold arbitrary bytes; `cstringBytes`
   * reads those), and the padding to 4. When the bytes spell `same` (a string the caller holds,
   * such as the field's current value), returns `same` itself rather than a new equal string.
   */
  string(max = DEFAULT_STRING_MAX, same: unknown = null): string | null {
    const len = this.cstringHead(max);
    if (len === null) return null;
    const mem = this.strMem;
    const from = this.strAt;
    if (typeof same === 'string' && same.length === len && spells(mem, from, same)) {
      this.align(4);
      return same;
    }
    this.noNulInside(len);
    let s = len <= SHORT_STRING ? ascii(mem, from, len) : null;
    if (s === null) {
      try {
        s = utf8.decode(mem.subarray(from, from + len));
      } catch {
        throw new WireError('string is not valid UTF-8', this.pos - len - 1);
      }
    }
    this.align(4);
    return s;
  }

  /** A `[string]` as its bytes (a copy, without the NUL), or null; same checks as `string` but UTF-8. */
  cstringBytes(max = DEFAULT_STRING_MAX): Uint8Array | null {
    const len = this.cstringHead(max);
    if (len === null) return null;
    this.noNulInside(len);
    const out = this.strMem.slice(this.strAt, this.strAt + len);
    this.align(4);
    return out;
  }

  /**
   * The head of a `counted` value: the count (null for 0xFFFFFFFF) after checking count ≤ max and
   * that `count` elements of at least `elemSize` bytes each fit in what is left; the padding to 8
   * that follows the count is skipped.
   */
  counted(max: number, elemSize: number): number | null {
    const at = this.slot(4, 'element count');
    const count = this.view.getUint32(at, true);
    this.align(8);
    if (count === NULL_LENGTH) return null;
    if (count > max) throw new WireError(`element count ${count} exceeds its max of ${max}`, at);
    if (count * elemSize > this.end - this.pos) {
      throw new WireError(`element count ${count} of ${elemSize}-byte elements needs ${count * elemSize} bytes, ${this.end - this.pos} left`, at);
    }
    return count;
  }

  /**
   * The count of an [out] array that crosses as its count alone (`crossesAsCount`): no elements
   * follow, so the count is bounded by `max` and by what the reply can carry back (`limit` bytes
   * of payload at `elemSize` each), not by what is left of this message.
   */
  countOnly(max: number, elemSize: number, limit: number): number | null {
    const at = this.slot(4, 'element count');
    const count = this.view.getUint32(at, true);
    this.align(8);
    if (count === NULL_LENGTH) return null;
    if (count > max) throw new WireError(`element count ${count} exceeds its max of ${max}`, at);
    // An element takes at least a byte in the reply, whatever its declared minimum.
    const size = Math.max(1, elemSize);
    if (count * size > limit) throw new WireError(`an [out] array of ${count} ${size}-byte elements would not fit in a reply (payload limit ${limit})`, at);
    return count;
  }

  /**
   * A reader over the next `length` bytes (an object entry's data), which this reader then skips.
   * The sub-reader keeps this reader's offsets and alignment.
   */
  /**
   * What `sub` does, without a new reader: limits this reader to the next `length` bytes (an
   * object entry) and returns the end to give `leave` once they are read (every one of them:
   * `expectEnd` first), which puts the reader just past them.
   */
  enter(length: number): number {
    this.need(length, 'sub-range');
    const outer = this.end;
    this.end = this.pos + length;
    return outer;
  }

  leave(outer: number): void {
    this.end = outer;
  }

  sub(length: number): WireReader {
    this.need(length, 'sub-range');
    const r = new WireReader(this, this.pos, length);
    this.pos += length;
    return r;
  }

  /** Fails unless every byte of the region was consumed. */
  expectEnd(): void {
    if (this.pos !== this.end) throw new WireError(`${this.end - this.pos} bytes left over after the last value`, this.pos);
  }

  /** Aligns to `size`, checks `size` bytes remain, advances, and returns their offset in `view`. */
  private slot(size: number, what: string): number {
    const at = this.pos + (-this.pos & (size - 1));
    if (at + size > this.end) throw this.truncated(what, size, at);
    this.pos = at + size;
    return at;
  }

  /** Checks `n` unaligned bytes remain; returns n. */
  private need(n: number, what: string): number {
    if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`${what}: bad length ${n}`);
    if (n > this.end - this.pos) throw this.truncated(what, n, this.pos);
    return n;
  }

  /**
   * Reads a string's length and checks it, and that its bytes and a NUL after them are there;
   * leaves the position after the NUL, and where the bytes lie in `strMem`/`strAt`: copied into
   * `scratch` first (one read of a possibly shared buffer), or in place when `inPlace`. The
   * caller then checks for a NUL inside (`noNulInside`), unless the bytes spell a string it holds.
   */
  private cstringHead(max: number): number | null {
    const at = this.slot(4, 'string length');
    const len = this.view.getUint32(at, true);
    if (len === NULL_LENGTH) return null;
    if (len > max) throw new WireError(`string length ${len} exceeds its max of ${max}`, this.pos - 4);
    const start = this.pos;
    if (len + 1 > this.end - start) throw this.truncated(`string of ${len} bytes and its NUL`, len + 1, start);
    let mem: Uint8Array;
    let from: number;
    if (this.inPlace) {
      mem = this.mem;
      from = start;
    } else {
      if (scratch.length < len + 1) scratch = new Uint8Array(Math.max(len + 1, scratch.length * 2));
      copyOut(this.mem, start, scratch, len + 1);
      mem = scratch;
      from = 0;
    }
    if (mem[from + len] !== 0) throw new WireError(`string is not NUL-terminated: byte ${start + len} is ${mem[from + len]}`, start + len);
    this.strMem = mem;
    this.strAt = from;
    this.pos = start + len + 1;
    return len;
  }

  /** The string `cstringHead` just checked has no NUL before its last byte. */
  private noNulInside(len: number): void {
    const mem = this.strMem;
    const from = this.strAt;
    // The NUL after the bytes bounds the search.
    let nul = len;
    if (len <= SHORT_STRING) {
      for (let i = 0; i < len; i++)
        if (mem[from + i] === 0) {
          nul = i;
          break;
        }
    } else nul = mem.indexOf(0, from) - from;
    const start = this.pos - len - 1;
    if (nul < len) throw new WireError(`string has a NUL inside, at byte ${start + nul}`, start + nul);
  }

  /** `at` may lie past the end when alignment padding ran out; the error then points at the end. */
  private truncated(what: string, size: number, at: number): WireError {
    return new WireError(`truncated: ${what} needs ${size} bytes, ${Math.max(0, this.end - at)} left`, Math.min(at, this.end));
  }
}
