import { expect } from 'chai';
import {
  decodeErrorPayload,
  decodeHeader,
  DEFAULT_MAX_PAYLOAD,
  encodeErrorPayload,
  encodeHeader,
  finishHeader,
  FLAG_NESTED,
  HEADER_SIZE,
  MessageKind,
  type MessageHeader,
} from '../../runtime/ts/header.js';
import { WireReader } from '../../runtime/ts/wire-reader.js';
import { WireWriter } from '../../runtime/ts/wire-writer.js';
import { wireError } from './helpers.js';
import { toHex } from './value-spec.js';

const CALL: MessageHeader = {
  moduleVersion: 1,
  kind: MessageKind.Call,
  flags: 0,
  interfaceId: 0x11223344,
  functionId: 7,
  callId: 1,
  payloadLength: 24,
  objectCount: 0,
};

/** A valid message: `h` (its payload length made true) and `payloadLength` zero bytes. */
function message(h: Partial<MessageHeader> = {}): Uint8Array {
  const full = { ...CALL, ...h };
  const w = new WireWriter(new ArrayBuffer(HEADER_SIZE + full.payloadLength));
  encodeHeader(w, full);
  w.reserve(full.payloadLength);
  return w.written().slice();
}

function decode(bytes: Uint8Array, maxPayload = DEFAULT_MAX_PAYLOAD): MessageHeader {
  const buf = new ArrayBuffer(bytes.length);
  new Uint8Array(buf).set(bytes);
  return decodeHeader(new WireReader(buf), { maxPayload });
}

function patched(bytes: Uint8Array, at: number, ...values: number[]): Uint8Array {
  const copy = bytes.slice();
  copy.set(values, at);
  return copy;
}

function rejection(bytes: Uint8Array, maxPayload?: number): { reason: string; offset: number | null } {
  const e = wireError(() => decode(bytes, maxPayload));
  return { reason: e.reason, offset: e.offset };
}

describe('runtime: message header', () => {
  it('encodes the example of the brief byte for byte', () => {
    expect(toHex(message().subarray(0, 32))).to.equal('4d444c3101000100010000004433221107000000010000001800000000000000');
  });

  it('decodes what it encodes, leaving the reader at the payload', () => {
    const bytes = message({ flags: FLAG_NESTED, objectCount: 1, callId: 0xffffffff, moduleVersion: 0xffff });
    const buf = new ArrayBuffer(bytes.length);
    new Uint8Array(buf).set(bytes);
    const r = new WireReader(buf);
    const into = {} as MessageHeader;
    const h = decodeHeader(r, undefined, into);
    expect(h).to.equal(into);
    expect(h).to.deep.equal({ ...CALL, flags: 1, objectCount: 1, callId: 0xffffffff, moduleVersion: 0xffff });
    expect(r.position).to.equal(32);
    expect(r.remaining).to.equal(24);
  });

  it('finishHeader fills in payload length and object count', () => {
    const w = new WireWriter(new ArrayBuffer(64));
    const at = encodeHeader(w, { ...CALL, payloadLength: 0 });
    w.u32(5);
    w.u64n(6);
    finishHeader(w, at, 0);
    // u32 at 32, four bytes of padding, u64 at 40.
    expect(decode(w.written())).to.deep.equal({ ...CALL, payloadLength: 16 });
    finishHeader(w, at);
    expect(decode(w.written()).objectCount).to.equal(0);
  });

  it('refuses to encode what the receiver would reject', () => {
    const w = () => new WireWriter(new ArrayBuffer(64));
    expect(wireError(() => encodeHeader(w(), { ...CALL, kind: 4 as MessageKind }))).to.include({ reason: 'unknown message kind 4', offset: 8 });
    expect(wireError(() => encodeHeader(w(), { ...CALL, flags: 2 }))).to.include({ reason: 'unknown flag bits 0x2', offset: 9 });
    expect(wireError(() => encodeHeader(w(), { ...CALL, kind: MessageKind.Reply, flags: 1 }))).to.include({ reason: 'the nested flag is set on a reply', offset: 9 });
    expect(wireError(() => encodeHeader(w(), { ...CALL, moduleVersion: 65536 })).reason).to.equal('u16 value 65536 out of range');
    const unaligned = w();
    unaligned.u8(0);
    expect(() => encodeHeader(unaligned, CALL)).to.throw(RangeError, /8-aligned/);
  });

  describe('rejects', () => {
    const good = message();

    it('a message shorter than the header', () => {
      expect(rejection(good.subarray(0, 31))).to.deep.equal({ reason: 'message of 31 bytes is shorter than the 32-byte header', offset: 0 });
      expect(rejection(new Uint8Array(0)).reason).to.equal('message of 0 bytes is shorter than the 32-byte header');
    });

    it('a bad magic', () => {
      expect(rejection(patched(good, 3, 0x32))).to.deep.equal({ reason: 'bad magic 0x324c444d (bytes 4D 44 4C 31 expected)', offset: 0 });
    });

    it('another wire version', () => {
      expect(rejection(patched(good, 4, 2))).to.deep.equal({ reason: 'wire version 2, this side speaks 1', offset: 4 });
      expect(rejection(patched(good, 4, 0))).to.deep.equal({ reason: 'wire version 0, this side speaks 1', offset: 4 });
    });

    it('an unknown kind', () => {
      expect(rejection(patched(good, 8, 0))).to.deep.equal({ reason: 'unknown message kind 0', offset: 8 });
      expect(rejection(patched(good, 8, 4))).to.deep.equal({ reason: 'unknown message kind 4', offset: 8 });
    });

    it('unknown flag bits, and the nested flag on a reply or error', () => {
      expect(rejection(patched(good, 9, 0x80))).to.deep.equal({ reason: 'unknown flag bits 0x80', offset: 9 });
      expect(rejection(patched(good, 9, 0x03))).to.deep.equal({ reason: 'unknown flag bits 0x2', offset: 9 });
      expect(rejection(patched(good, 8, 2, 1))).to.deep.equal({ reason: 'the nested flag is set on a reply', offset: 9 });
      expect(rejection(patched(good, 8, 3, 1)).reason).to.equal('the nested flag is set on a reply');
    });

    it('nonzero reserved bytes', () => {
      expect(rejection(patched(good, 11, 1))).to.deep.equal({ reason: 'reserved bytes are 0x0100, not 0', offset: 10 });
    });

    it('a payload length other than the bytes that follow', () => {
      expect(rejection(good.subarray(0, 55))).to.deep.equal({ reason: 'payload length 24 but 23 bytes follow the header', offset: 24 });
      const longer = new Uint8Array(57);
      longer.set(good);
      expect(rejection(longer)).to.deep.equal({ reason: 'payload length 24 but 25 bytes follow the header', offset: 24 });
    });

    it('a payload over the limit, even when the bytes are there', () => {
      expect(rejection(good, 23)).to.deep.equal({ reason: 'payload length 24 exceeds the limit of 23', offset: 24 });
      expect(() => decode(good, 24)).to.not.throw();
      expect(rejection(patched(good, 24, 0xff, 0xff, 0xff, 0xff))).to.deep.equal({ reason: 'payload length 4294967295 exceeds the limit of 1048576', offset: 24 });
    });

    it('more objects than the payload can hold', () => {
      expect(() => decode(message({ payloadLength: 32, objectCount: 2 }))).to.not.throw();
      expect(rejection(message({ payloadLength: 31, objectCount: 2 }))).to.deep.equal({
        reason: 'object count 2 cannot fit a payload of 31 bytes (each entry is at least 16)',
        offset: 28,
      });
      expect(rejection(patched(good, 28, 0xff, 0xff, 0xff, 0xff)).reason).to.match(/^object count 4294967295 cannot fit/);
    });

    it('objects in an error reply', () => {
      expect(rejection(message({ kind: MessageKind.Error, objectCount: 1, payloadLength: 32 }))).to.deep.equal({
        reason: 'an error reply has 1 objects (it has no object section)',
        offset: 28,
      });
    });
  });

  describe('error payload', () => {
    function roundTrip(errno: number, text: string): { errno: number; message: string } {
      const w = new WireWriter(new ArrayBuffer(256));
      encodeErrorPayload(w, errno, text);
      const buf = new ArrayBuffer(w.position);
      new Uint8Array(buf).set(w.written());
      const r = new WireReader(buf);
      const got = decodeErrorPayload(r);
      r.expectEnd();
      return got;
    }

    function errorPayload(hex: string): { reason: string; offset: number | null } {
      const bytes = Buffer.from(hex, 'hex');
      const buf = new ArrayBuffer(bytes.length);
      new Uint8Array(buf).set(bytes);
      const e = wireError(() => decodeErrorPayload(new WireReader(buf)));
      return { reason: e.reason, offset: e.offset };
    }

    it('round-trips code and message (UTF-8, no NUL, no padding)', () => {
      expect(roundTrip(71, 'bad magic')).to.deep.equal({ errno: 71, message: 'bad magic' });
      expect(roundTrip(38, '')).to.deep.equal({ errno: 38, message: '' });
      expect(roundTrip(0xffffffff, 'caf\u00e9 \u{1f600}')).to.deep.equal({ errno: 0xffffffff, message: 'caf\u00e9 \u{1f600}' });
    });

    it('refuses to encode code 0, a NUL or a lone surrogate', () => {
      const w = () => new WireWriter(new ArrayBuffer(64));
      expect(wireError(() => encodeErrorPayload(w(), 0, 'x')).reason).to.equal('error code 0 is not a nonzero u32');
      expect(wireError(() => encodeErrorPayload(w(), 71, 'a\0b')).reason).to.equal('error message has a NUL');
      expect(wireError(() => encodeErrorPayload(w(), 71, 'a\ud800')).reason).to.equal('error message has a lone surrogate');
    });

    it('rejects code 0, a wrong length, a NUL, bad UTF-8, truncation', () => {
      expect(errorPayload('00000000' + '00000000')).to.deep.equal({ reason: 'error reply with error code 0', offset: 0 });
      expect(errorPayload('47000000' + '03000000' + '6162')).to.deep.equal({ reason: 'error message length 3 but 2 bytes follow', offset: 4 });
      expect(errorPayload('47000000' + '01000000' + '6162')).to.deep.equal({ reason: 'error message length 1 but 2 bytes follow', offset: 4 });
      expect(errorPayload('47000000' + '03000000' + '610062')).to.deep.equal({ reason: 'error message has a NUL', offset: 9 });
      expect(errorPayload('47000000' + '01000000' + 'ff')).to.deep.equal({ reason: 'error message is not valid UTF-8', offset: 8 });
      expect(errorPayload('470000').reason).to.equal('truncated: u32 needs 4 bytes, 3 left');
      expect(errorPayload('47000000').reason).to.equal('truncated: u32 needs 4 bytes, 0 left');
    });
  });
});
