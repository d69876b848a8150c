import { expect } from 'chai';
import { WireError } from '../../runtime/ts/errors.js';
import { WireReader } from '../../runtime/ts/wire-reader.js';
import { minorGcsDuring, wireError } from './helpers.js';
import { fromHex } from './value-spec.js';

function reader(hex: string, shared = false): WireReader {
  const bytes = fromHex(hex);
  const buf = shared ? new SharedArrayBuffer(bytes.length) : new ArrayBuffer(bytes.length);
  new Uint8Array(buf).set(bytes);
  return new WireReader(buf);
}

/** The WireError of reading `hex` with `read`: its reason and offset. */
function rejects(hex: string, read: (r: WireReader) => unknown): { reason: string; offset: number | null } {
  const e = wireError(() => read(reader(hex)));
  return { reason: e.reason, offset: e.offset };
}

describe('runtime: WireReader', () => {
  describe('scalars', () => {
    it('reads each width little-endian, skipping padding whatever it holds', () => {
      const r = reader('01ee0302070605040f0e0d0c0b0a0908');
      expect(r.u8()).to.equal(1);
      expect(r.u16()).to.equal(0x0203);
      expect(r.u32()).to.equal(0x04050607);
      expect(r.u64()).to.equal(0x08090a0b0c0d0e0fn);
      r.expectEnd();
      const s = reader('ff99fefffdfffffffcffffffffffffff');
      expect([s.s8(), s.s16(), s.s32(), s.s64()]).to.deep.equal([-1, -2, -3, -4n]);
    });

    it('bool, char, u64n, s64n', () => {
      const r = reader('0100e9');
      expect([r.bool(), r.bool(), r.char()]).to.deep.equal([true, false, 0xe9]);
      expect(reader('ffffffffffff1f00').u64n()).to.equal(Number.MAX_SAFE_INTEGER);
      expect(reader('0100000000000000').u64n()).to.equal(1);
      expect(reader('010000000000e0ff').s64n()).to.equal(Number.MIN_SAFE_INTEGER);
      expect(reader('ffffffffffffffff').s64n()).to.equal(-1);
      expect(reader('feffffff00000000').s64n()).to.equal(0xfffffffe);
    });

    it('rejects a bool that is not 0 or 1', () => {
      expect(rejects('0002', (r) => (r.bool(), r.bool()))).to.deep.equal({ reason: 'bool is 2, not 0 or 1', offset: 1 });
      expect(rejects('ff', (r) => r.bool())).to.deep.equal({ reason: 'bool is 255, not 0 or 1', offset: 0 });
    });

    it('rejects 64-bit values a number cannot hold exactly', () => {
      expect(rejects('0000000000002000', (r) => r.u64n())).to.deep.equal({ reason: 'u64 9007199254740992 does not fit a number (above 2^53-1)', offset: 0 });
      expect(rejects('0000000000002000', (r) => r.s64n()).reason).to.equal('s64 9007199254740992 does not fit a number (beyond ±(2^53-1))');
      expect(rejects('000000000000e0ff', (r) => r.s64n()).reason).to.equal('s64 -9007199254740992 does not fit a number (beyond ±(2^53-1))');
    });

    it('rejects every read that would run past the end, naming what and where', () => {
      const cases: [string, (r: WireReader) => unknown, string, number][] = [
        ['', (r) => r.u8(), 'truncated: u8 needs 1 bytes, 0 left', 0],
        ['01', (r) => r.u16(), 'truncated: u16 needs 2 bytes, 1 left', 0],
        ['010203', (r) => r.u32(), 'truncated: u32 needs 4 bytes, 3 left', 0],
        ['01020304050607', (r) => r.u64(), 'truncated: u64 needs 8 bytes, 7 left', 0],
        ['0102', (r) => (r.u8(), r.u16()), 'truncated: u16 needs 2 bytes, 0 left', 2],
        ['01020304', (r) => (r.u8(), r.u32()), 'truncated: u32 needs 4 bytes, 0 left', 4],
        ['0102030405060708090a', (r) => (r.u8(), r.s64()), 'truncated: s64 needs 8 bytes, 2 left', 8],
        ['', (r) => r.s8(), 'truncated: s8 needs 1 bytes, 0 left', 0],
        ['', (r) => r.bool(), 'truncated: bool needs 1 bytes, 0 left', 0],
        ['', (r) => r.char(), 'truncated: char needs 1 bytes, 0 left', 0],
        ['01', (r) => r.s16(), 'truncated: s16 needs 2 bytes, 1 left', 0],
        ['01', (r) => r.s32(), 'truncated: s32 needs 4 bytes, 1 left', 0],
        ['01', (r) => r.u64n(), 'truncated: u64 needs 8 bytes, 1 left', 0],
        ['01', (r) => r.s64n(), 'truncated: s64 needs 8 bytes, 1 left', 0],
        ['0102', (r) => r.bytes(3), 'truncated: bytes needs 3 bytes, 2 left', 0],
        ['0102', (r) => r.bytesInto(new Uint8Array(3)), 'truncated: bytes needs 3 bytes, 2 left', 0],
        ['01', (r) => (r.u8(), r.align(4)), 'truncated: 3 bytes of padding run past the end at byte 1', 1],
      ];
      for (const [hex, read, reason, offset] of cases) expect(rejects(hex, read), `${reason} (${hex})`).to.deep.equal({ reason, offset });
    });

    it('errors say where in the message, as the message text too', () => {
      const e = wireError(() => reader('0102').u32());
      expect(e.message).to.equal('malformed message at byte 0: truncated: u32 needs 4 bytes, 2 left');
      expect(e.code).to.equal('EPROTO');
      expect(e.errno).to.equal(71);
    });
  });

  describe('strings', () => {
    it('reads strings, empty and NULL, with their padding', () => {
      const r = reader('0500000068656c6c6f000000' + '0000000000000000' + 'ffffffff' + '09000000c3a9e282acf09f9880000000');
      expect(r.string()).to.equal('hello');
      expect(r.string()).to.equal('');
      expect(r.string()).to.equal(null);
      expect(r.string()).to.equal('\u00e9\u20ac\u{1f600}');
      r.expectEnd();
    });

    it('reads from a SharedArrayBuffer too', () => {
      expect(reader('0500000068656c6c6f000000', true).string()).to.equal('hello');
    });

    it('rejects each malformed string with the offending byte', () => {
      expect(rejects('0500000068656c6c6f000000', (r) => r.string(4))).to.deep.equal({ reason: 'string length 5 exceeds its max of 4', offset: 0 });
      expect(rejects('10000100', (r) => r.string())).to.deep.equal({ reason: 'string length 65552 exceeds its max of 65535', offset: 0 });
      expect(rejects('0500000068656c6c6f', (r) => r.string())).to.deep.equal({ reason: 'truncated: string of 5 bytes and its NUL needs 6 bytes, 5 left', offset: 4 });
      expect(rejects('fffffffe', (r) => r.string(0xfffffffe))).to.deep.equal({ reason: 'truncated: string of 4278190079 bytes and its NUL needs 4278190080 bytes, 0 left', offset: 4 });
      expect(rejects('0500000068656c6c6f410000', (r) => r.string())).to.deep.equal({ reason: 'string is not NUL-terminated: byte 9 is 65', offset: 9 });
      expect(rejects('0500000068006c6c6f000000', (r) => r.string())).to.deep.equal({ reason: 'string has a NUL inside, at byte 5', offset: 5 });
      expect(rejects('02000000c328000000', (r) => r.string())).to.deep.equal({ reason: 'string is not valid UTF-8', offset: 4 });
      expect(rejects('01000000e9000000', (r) => r.string())).to.deep.equal({ reason: 'string is not valid UTF-8', offset: 4 });
      // An encoded surrogate (CESU-8) is not UTF-8 either.
      expect(rejects('03000000eda08000', (r) => r.string()).reason).to.equal('string is not valid UTF-8');
      expect(rejects('02000000616200', (r) => r.string())).to.deep.equal({ reason: 'truncated: 1 bytes of padding run past the end at byte 7', offset: 7 });
      expect(rejects('010203', (r) => r.string()).reason).to.equal('truncated: string length needs 4 bytes, 3 left');
    });

    it('a reader over bytes only its owner writes (inPlace) gives the same strings and the same errors, without copying them first', () => {
      const cases = [
        '0500000068656c6c6f000000', '00000000', 'ffffffff', '04000000efbbbf6100000000', '03000000e9ff0100', '0300000061626300',
        '0500000068656c6c6f410000', '0500000068006c6c6f000000', '02000000c328000000', '01000000e9000000', '03000000eda08000',
        '02000000616200', '010203', '0500000068656c6c6f', '10000100', '0300000061006200',
      ];
      const outcome = (hex: string, inPlace: boolean, read: (r: WireReader) => unknown): string => {
        const r = reader(hex);
        r.inPlace = inPlace;
        try {
          const v = read(r);
          return `${v instanceof Uint8Array ? `bytes ${[...v]}` : JSON.stringify(v)} at ${r.position}`;
        } catch (e) {
          if (!(e instanceof WireError)) throw e;
          return `${e.reason} at ${e.offset}`;
        }
      };
      const reads: [string, (r: WireReader) => unknown][] = [
        ['string()', (r) => r.string()],
        ['string(4)', (r) => r.string(4)],
        ["string(max, 'hello')", (r) => r.string(65535, 'hello')],
        ["string(max, 'h\0llo')", (r) => r.string(65535, 'h\0llo')],
        ["string(max, 'abc')", (r) => r.string(65535, 'abc')],
        ['cstringBytes()', (r) => r.cstringBytes()],
      ];
      let errors = 0;
      for (const hex of cases)
        for (const [what, read] of reads) {
          const copied = outcome(hex, false, read);
          expect(outcome(hex, true, read), `${what} of ${hex}`).to.equal(copied);
          if (!copied.includes('"') && !copied.startsWith('bytes') && !copied.startsWith('null')) errors++;
        }
      expect(errors).to.be.greaterThan(30);
      // In place, the string is read where it lies: a later change to the bytes is not seen by the string already read.
      const buf = new ArrayBuffer(12);
      new Uint8Array(buf).set(fromHex('0500000068656c6c6f000000'));
      const r = new WireReader(buf);
      r.inPlace = true;
      const got = r.string();
      new Uint8Array(buf).fill(0x41, 4, 9);
      expect(got).to.equal('hello');
    });

    it('keeps a byte-order mark as a character', () => {
      expect(reader('04000000efbbbf6100000000').string()).to.equal('\ufeffa');
    });

    it('cstringBytes returns the bytes (any but NUL) as a copy', () => {
      const bytes = fromHex('03000000e9ff0100');
      const buf = new ArrayBuffer(bytes.length);
      new Uint8Array(buf).set(bytes);
      const got = new WireReader(buf).cstringBytes();
      expect([...got!]).to.deep.equal([0xe9, 0xff, 0x01]);
      new Uint8Array(buf).fill(0);
      expect([...got!], 'not a view of the message buffer').to.deep.equal([0xe9, 0xff, 0x01]);
      expect(reader('ffffffff').cstringBytes()).to.equal(null);
      expect(rejects('0300000061006200', (r) => r.cstringBytes()).reason).to.equal('string has a NUL inside, at byte 5');
      expect(rejects('0300000061626300', (r) => r.cstringBytes(2)).reason).to.equal('string length 3 exceeds its max of 2');
    });

    it('long strings (past the scratch buffer) decode too', () => {
      const s = 'x'.repeat(5000) + '\u00e9';
      const bytes = new TextEncoder().encode(s);
      const buf = new ArrayBuffer(8 + bytes.length + 4);
      new DataView(buf).setUint32(0, bytes.length, true);
      new Uint8Array(buf).set(bytes, 4);
      const r = new WireReader(buf);
      expect(r.string()).to.equal(s);
    });
  });

  describe('counted', () => {
    it('returns the count after skipping the padding to 8', () => {
      const r = reader('0300000000000000010002000300');
      expect(r.counted(8, 2)).to.equal(3);
      expect(r.position).to.equal(8);
      expect([r.u16(), r.u16(), r.u16()]).to.deep.equal([1, 2, 3]);
      expect(reader('ffffffff00000000').counted(0, 8)).to.equal(null);
      expect(reader('0000000000000000').counted(0, 8)).to.equal(0);
    });

    it('rejects a count above max, or more elements than bytes left', () => {
      expect(rejects('0300000000000000010002000300', (r) => r.counted(2, 2))).to.deep.equal({ reason: 'element count 3 exceeds its max of 2', offset: 0 });
      expect(rejects('0400000000000000010002000300', (r) => r.counted(8, 2))).to.deep.equal({
        reason: 'element count 4 of 2-byte elements needs 8 bytes, 6 left',
        offset: 0,
      });
      expect(rejects('ffffff7f00000000', (r) => r.counted(0xfffffffe, 8)).reason).to.equal('element count 2147483647 of 8-byte elements needs 17179869176 bytes, 0 left');
      expect(rejects('03000000', (r) => r.counted(8, 2)).reason).to.equal('truncated: 4 bytes of padding run past the end at byte 4');
      expect(rejects('ffffffff', (r) => r.counted(8, 2)).reason).to.equal('truncated: 4 bytes of padding run past the end at byte 4');
    });
  });

  describe('regions', () => {
    it('sub() limits reads to a sub-range, keeps offsets, and skips it in the parent', () => {
      const r = reader('01000000' + '0200000003000000' + '04000000');
      r.u32();
      const sub = r.sub(8);
      expect(r.position).to.equal(12);
      expect(sub.position).to.equal(4);
      expect(sub.limit).to.equal(12);
      expect(sub.u32()).to.equal(2);
      expect(sub.u32()).to.equal(3);
      expect(wireError(() => sub.u8())).to.include({ reason: 'truncated: u8 needs 1 bytes, 0 left', offset: 12 });
      sub.expectEnd();
      expect(r.u32()).to.equal(4);
      expect(wireError(() => r.sub(1)).reason).to.equal('truncated: sub-range needs 1 bytes, 0 left');
    });

    it('a sub-reader aligns relative to the message, not to its own start', () => {
      const r = reader('aa' + 'bbccdd' + '04000000');
      r.u8();
      const sub = r.sub(7);
      expect(sub.u32()).to.equal(4);
      expect(sub.position).to.equal(8);
    });

    it('a sub-reader cannot be reset beyond its range', () => {
      const r = reader('0102030405060708');
      const sub = r.sub(4);
      sub.u32();
      sub.reset();
      expect(sub.position).to.equal(0);
      expect(sub.remaining).to.equal(4);
      expect(() => sub.reset(5)).to.throw(RangeError);
      expect(() => new WireReader(sub, 2, 4)).to.throw(RangeError, /not inside \[0, 4\)/);
    });

    it('expectEnd names the leftover bytes', () => {
      const r = reader('010203');
      r.u8();
      expect(wireError(() => r.expectEnd())).to.include({ reason: '2 bytes left over after the last value', offset: 1 });
    });

    it('reads only inside a region that does not start at 0', () => {
      const buf = new ArrayBuffer(16);
      new Uint8Array(buf).set(fromHex('eeeeee' + '01000000' + '02000000' + 'eeeeeeeeee'));
      const r = new WireReader(buf, 3, 8);
      expect([r.u8(), r.u32()]).to.deep.equal([1, 2]);
      expect(wireError(() => r.u8()).offset).to.equal(8);
    });

    it('reset() reads the next message from the same buffer', () => {
      const buf = new ArrayBuffer(8);
      const r = new WireReader(buf);
      new DataView(buf).setUint32(0, 7, true);
      r.reset(4);
      expect(r.u32()).to.equal(7);
      r.expectEnd();
      r.reset();
      expect(r.remaining).to.equal(8);
      expect(() => r.reset(9)).to.throw(RangeError);
    });

    it('bytes() and bytesInto() copy', () => {
      const r = reader('0102030405' + '06'.repeat(100));
      const a = r.bytes(2);
      const b = new Uint8Array(3);
      r.bytesInto(b);
      expect([...a, ...b]).to.deep.equal([1, 2, 3, 4, 5]);
      expect(r.bytes(100).every((x) => x === 6)).to.equal(true);
    });
  });

  it('scalar and counted reads allocate nothing', async () => {
    const buf = new ArrayBuffer(64);
    const w = new DataView(buf);
    w.setUint8(0, 1);
    w.setUint32(4, 3, true);
    const r = new WireReader(buf);
    let acc = 0;
    const n = await minorGcsDuring(() => {
      for (let i = 0; i < 2_000_000; i++) {
        r.reset();
        acc += r.u8() + r.u16() + r.u32() + r.u64n() + r.s64n() + r.s8() + r.s16() + r.s32() + (r.bool() ? 1 : 0) + r.char();
        acc += r.counted(8, 1) ?? 0;
      }
    });
    expect(n).to.be.at.most(1);
    expect(acc).to.be.above(0);
  });
});
