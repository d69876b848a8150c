import { expect } from 'chai';
import { WireWriter } from '../../runtime/ts/wire-writer.js';
import { minorGcsDuring, wireError } from './helpers.js';
import { toHex } from './value-spec.js';

function writer(capacity = 64): WireWriter {
  return new WireWriter(new ArrayBuffer(capacity));
}

function hexOf(fill: (w: WireWriter) => void, capacity = 64): string {
  const w = writer(capacity);
  fill(w);
  return toHex(w.written());
}

describe('runtime: WireWriter', () => {
  describe('scalars', () => {
    it('writes each width little-endian', () => {
      expect(hexOf((w) => w.u8(0xab))).to.equal('ab');
      expect(hexOf((w) => w.u16(0xabcd))).to.equal('cdab');
      expect(hexOf((w) => w.u32(0x01020304))).to.equal('04030201');
      expect(hexOf((w) => w.u64(0x0102030405060708n))).to.equal('0807060504030201');
      expect(hexOf((w) => w.s8(-128))).to.equal('80');
      expect(hexOf((w) => w.s16(-32768))).to.equal('0080');
      expect(hexOf((w) => w.s32(-2147483648))).to.equal('00000080');
      expect(hexOf((w) => w.s64(-0x8000000000000000n))).to.equal('0000000000000080');
      expect(hexOf((w) => w.bool(true))).to.equal('01');
      expect(hexOf((w) => w.bool(false))).to.equal('00');
      expect(hexOf((w) => w.char(0xff))).to.equal('ff');
    });

    it('u64n and s64n give the bytes of u64 and s64 for every safe integer', () => {
      for (const v of [0, 1, 0xffffffff, 0x100000000, 2 ** 52 + 3, Number.MAX_SAFE_INTEGER]) {
        expect(hexOf((w) => w.u64n(v)), String(v)).to.equal(hexOf((w) => w.u64(BigInt(v))));
      }
      for (const v of [0, -1, 1, -0x100000000, -0xffffffff, Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER, -(2 ** 40) - 7]) {
        expect(hexOf((w) => w.s64n(v)), String(v)).to.equal(hexOf((w) => w.s64(BigInt(v))));
      }
    });

    it('aligns each scalar to its size, with zero padding even over old bytes', () => {
      const buf = new ArrayBuffer(32);
      new Uint8Array(buf).fill(0xee);
      const w = new WireWriter(buf);
      w.u8(1);
      w.u64(2n);
      w.u8(3);
      w.u16(4);
      w.u8(5);
      w.u32(6);
      expect(toHex(w.written())).to.equal('01000000000000000200000000000000' + '03000400' + '05000000' + '06000000');
    });

    it('rejects values outside the type, naming type, value and offset', () => {
      const cases: [string, (w: WireWriter) => void][] = [
        ['u8 value 256', (w) => w.u8(256)],
        ['u8 value -1', (w) => w.u8(-1)],
        ['u8 value 1.5', (w) => w.u8(1.5)],
        ['u16 value 65536', (w) => w.u16(65536)],
        ['u32 value 4294967296', (w) => w.u32(2 ** 32)],
        ['u32 value NaN', (w) => w.u32(NaN)],
        ['u64 value -1', (w) => w.u64(-1n)],
        ['u64 value 18446744073709551616', (w) => w.u64(2n ** 64n)],
        ['u64 value 9007199254740992', (w) => w.u64n(2 ** 53)],
        ['u64 value -1', (w) => w.u64n(-1)],
        ['s8 value 128', (w) => w.s8(128)],
        ['s16 value -32769', (w) => w.s16(-32769)],
        ['s32 value 2147483648', (w) => w.s32(2 ** 31)],
        ['s64 value 9223372036854775808', (w) => w.s64(2n ** 63n)],
        ['s64 value -9007199254740992', (w) => w.s64n(-(2 ** 53))],
        ['char value 256', (w) => w.char(256)],
        ['char value -23', (w) => w.char(-23)],
        ['element count value 4294967295', (w) => w.countedStart(0xffffffff)],
      ];
      for (const [what, write] of cases) {
        const w = writer();
        w.u8(0);
        const e = wireError(() => write(w));
        expect(e.reason, what).to.equal(`${what} out of range`);
        expect(e.offset, what).to.equal(1);
        expect(e.code).to.equal('EPROTO');
      }
    });
  });

  describe('capacity', () => {
    it('throws "message too large" instead of writing past the region', () => {
      const w = writer(6);
      w.u32(1);
      const e = wireError(() => w.u32(2));
      expect(e.reason).to.match(/^message too large: 4 bytes at byte 4 exceed the capacity of 6$/);
      expect(e.offset).to.equal(4);
      expect(wireError(() => w.u64n(1)).reason).to.match(/^message too large/);
      expect(wireError(() => w.bytes(new Uint8Array(3))).reason).to.match(/^message too large/);
      expect(wireError(() => w.reserve(3)).reason).to.match(/^message too large/);
      w.u16(3);
      expect(w.position).to.equal(6);
      expect(wireError(() => w.u8(0)).reason).to.match(/^message too large/);
      expect(wireError(() => w.align(8)).reason).to.match(/^message too large/);
    });

    it('stays inside a region that does not start at 0, and aligns relative to its start', () => {
      const buf = new ArrayBuffer(16);
      const all = new Uint8Array(buf).fill(0xee);
      const w = new WireWriter(buf, 3, 8);
      w.u8(1);
      w.u32(2);
      expect(wireError(() => w.u8(3)).reason).to.match(/^message too large/);
      expect(toHex(all)).to.equal('eeeeee' + '01000000' + '02000000' + 'eeeeeeeeee');
    });

    it('refuses a region outside the buffer (a caller bug: RangeError)', () => {
      expect(() => new WireWriter(new ArrayBuffer(8), 4, 5)).to.throw(RangeError, /not inside a buffer of 8 bytes/);
      expect(() => new WireWriter(new ArrayBuffer(8), -1)).to.throw(RangeError);
    });

    it('works over a SharedArrayBuffer and can be reset for the next message', () => {
      const w = new WireWriter(new SharedArrayBuffer(8));
      w.u32(7);
      w.reset();
      w.u8(9);
      expect(w.position).to.equal(1);
      expect(w.remaining).to.equal(7);
      expect(toHex(w.written())).to.equal('09');
    });
  });

  describe('strings', () => {
    it('writes length, bytes, NUL and padding to 4', () => {
      expect(hexOf((w) => w.string('hello', 16))).to.equal('0500000068656c6c6f000000');
      expect(hexOf((w) => w.string('', 16))).to.equal('0000000000000000');
      expect(hexOf((w) => w.string('abc'))).to.equal('0300000061626300');
      expect(hexOf((w) => w.string(null))).to.equal('ffffffff');
      expect(hexOf((w) => w.string('\u00e9\u0800\u{10ffff}'))).to.equal('09000000c3a9e0a080f48fbfbf000000');
    });

    it('encodes exactly as TextEncoder does, for every kind of code point', () => {
      const s = 'a\u007f\u0080\u07ff\u0800\ud7ff\ue000\uffff\u{10000}\u{1f600}z';
      const bytes = new TextEncoder().encode(s);
      const w = writer(64);
      w.string(s);
      expect(toHex(w.written().subarray(4, 4 + bytes.length))).to.equal(toHex(bytes));
      expect(new DataView(w.written().buffer).getUint32(0, true)).to.equal(bytes.length);
    });

    it('rejects a NUL inside, a lone surrogate, and more bytes than max', () => {
      let e = wireError(() => writer().string('ab\0c'));
      expect(e.reason).to.equal('string has a NUL at character 2');
      e = wireError(() => writer().string('a\ud800b'));
      expect(e.reason).to.equal('string has a lone surrogate at character 1');
      expect(wireError(() => writer().string('\udc00')).reason).to.equal('string has a lone surrogate at character 0');
      expect(wireError(() => writer().string('x\ud800')).reason).to.equal('string has a lone surrogate at character 1');
      e = wireError(() => writer().string('hello', 4));
      expect(e.reason).to.equal('string of at least 5 bytes exceeds its max of 4');
      expect(e.offset).to.equal(0);
      // Four characters but five bytes: caught while encoding.
      e = wireError(() => writer().string('abc\u00e9', 4));
      expect(e.reason).to.equal('string of more than 4 bytes exceeds its max of 4');
      expect(() => writer().string('abc\u00e9', 5)).to.not.throw();
    });

    it('says "message too large" when the buffer, not the max, is what runs out', () => {
      expect(wireError(() => writer(8).string('hello')).reason).to.match(/^message too large/);
      expect(wireError(() => writer(9).string('hello')).reason).to.match(/^message too large/);
      expect(() => writer(12).string('hello')).to.not.throw();
      expect(wireError(() => writer(8).string('\u{1f600}\u{1f600}')).reason).to.match(/^message too large/);
    });

    it('cstringBytes writes arbitrary non-NUL bytes in the same layout', () => {
      expect(hexOf((w) => w.cstringBytes(new Uint8Array([0xe9])))).to.equal('01000000e9000000');
      expect(hexOf((w) => w.cstringBytes(null))).to.equal('ffffffff');
      expect(wireError(() => writer().cstringBytes(new Uint8Array([1, 0, 2]))).reason).to.equal('string has a NUL at byte 1');
      expect(wireError(() => writer().cstringBytes(new Uint8Array(5), 4)).reason).to.equal('string of 5 bytes exceeds its max of 4');
      expect(wireError(() => writer(7).cstringBytes(new Uint8Array([1, 2, 3]))).reason).to.match(/^message too large/);
    });
  });

  describe('counted, reserve, patch, bytes', () => {
    it('countedStart writes the count and pads to 8, also for NULL', () => {
      expect(hexOf((w) => w.countedStart(3))).to.equal('0300000000000000');
      expect(hexOf((w) => w.countedStart(null))).to.equal('ffffffff00000000');
      expect(hexOf((w) => (w.u32(9), w.countedStart(0)))).to.equal('0900000000000000');
    });

    it('reserve zeroes and returns the offset that patchU32 fills later', () => {
      const buf = new ArrayBuffer(16);
      new Uint8Array(buf).fill(0xee);
      const w = new WireWriter(buf);
      w.u8(1);
      w.align(4);
      const at = w.reserve(4);
      w.u8(2);
      expect(at).to.equal(4);
      expect(toHex(w.written())).to.equal('010000000000000002');
      w.patchU32(at, 0xdeadbeef);
      expect(toHex(w.written())).to.equal('01000000efbeadde02');
      expect(() => w.patchU32(6, 1)).to.throw(RangeError, /not inside the 9 bytes written/);
      expect(wireError(() => w.patchU32(at, -1)).reason).to.equal('u32 value -1 out of range');
    });

    it('bytes are unaligned and may come from the same buffer', () => {
      const buf = new ArrayBuffer(16);
      const w = new WireWriter(buf);
      w.u8(1);
      w.bytes(new Uint8Array([2, 3, 4]));
      w.bytes(new Uint8Array(buf, 0, 4));
      expect(toHex(w.written())).to.equal('0102030401020304');
    });

    it('align accepts 1, 2, 4, 8 and pads with zeros', () => {
      const w = writer();
      w.u8(1);
      w.align(1);
      w.align(2);
      w.align(8);
      w.align(8);
      expect(toHex(w.written())).to.equal('0100000000000000');
    });
  });

  it('scalar and short-string writes allocate nothing', async () => {
    const w = writer(64);
    let sink: number[] | null = null;
    const loop = (allocate: boolean) => () => {
      for (let i = 0; i < 2_000_000; i++) {
        w.reset();
        w.u8(i & 0xff);
        w.u16(i & 0xffff);
        w.u32(i >>> 0);
        w.u64n(i);
        w.s64n(-i);
        w.s32(-i | 0);
        w.bool((i & 1) === 1);
        w.char(0x41);
        w.string('eth0');
        w.countedStart(i & 7);
        if (allocate) sink = [i, i, i, i, i, i, i, i];
      }
    };
    expect(await minorGcsDuring(loop(false))).to.be.at.most(1);
    // The counter works: one small array per iteration shows.
    expect(await minorGcsDuring(loop(true))).to.be.above(2);
    expect(sink).to.not.equal(null);
  });
});
