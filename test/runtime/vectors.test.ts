// The shared vectors under test/vectors/: bytes written by hand from docs/wire-format.md, which the
// C backends must pass too. Each vector must decode to `decoded` and re-encode to the same bytes.
import { expect } from 'chai';
import * as fs from 'node:fs';
import { decodeErrorPayload, decodeHeader, encodeErrorPayload, encodeHeader, finishHeader, type MessageHeader } from '../../runtime/ts/header.js';
import { WireReader } from '../../runtime/ts/wire-reader.js';
import { WireWriter } from '../../runtime/ts/wire-writer.js';
import { decodeValues, encodeValues, fromHex, toHex, type ValueSpec } from './value-spec.js';

interface Vector<D> {
  name: string;
  description: string;
  hex: string;
  decoded: D;
}

type HeaderVector = Vector<{ header: MessageHeader; payloadHex: string; error?: { errno: number; message: string } }>;
type ValuesVector = Vector<{ values: ValueSpec[] }>;

const VECTORS = new URL('../../../test/vectors/', import.meta.url);

function load<T>(file: string): T[] {
  const list = JSON.parse(fs.readFileSync(new URL(file, VECTORS), 'utf8')) as T[];
  expect(list).to.be.an('array').that.is.not.empty;
  return list;
}

function bufferOf(bytes: Uint8Array): ArrayBuffer {
  const buf = new ArrayBuffer(bytes.length);
  new Uint8Array(buf).set(bytes);
  return buf;
}

describe('runtime: shared vectors', () => {
  describe('test/vectors/header.json', () => {
    for (const v of load<HeaderVector>('header.json')) {
      it(v.name, () => {
        expect(Object.keys(v).sort()).to.deep.equal(['decoded', 'description', 'hex', 'name']);
        expect(v.hex, 'hex is lowercase without spaces').to.match(/^(?:[0-9a-f]{2})+$/);
        const bytes = fromHex(v.hex);
        const r = new WireReader(bufferOf(bytes));
        expect(decodeHeader(r)).to.deep.equal(v.decoded.header);
        const payloadAt = r.position;
        expect(toHex(r.bytes(r.remaining))).to.equal(v.decoded.payloadHex);
        if (v.decoded.error) {
          const er = new WireReader(bufferOf(bytes), payloadAt, bytes.length - payloadAt);
          expect(decodeErrorPayload(er)).to.deep.equal(v.decoded.error);
        }

        const w = new WireWriter(new ArrayBuffer(4096));
        const at = encodeHeader(w, { ...v.decoded.header, payloadLength: 0, objectCount: 0 });
        if (v.decoded.error) encodeErrorPayload(w, v.decoded.error.errno, v.decoded.error.message);
        else w.bytes(fromHex(v.decoded.payloadHex));
        finishHeader(w, at, v.decoded.header.objectCount);
        expect(toHex(w.written())).to.equal(v.hex);
      });
    }
  });

  describe('test/vectors/values.json', () => {
    for (const v of load<ValuesVector>('values.json')) {
      it(v.name, () => {
        expect(Object.keys(v).sort()).to.deep.equal(['decoded', 'description', 'hex', 'name']);
        expect(v.hex, 'hex is lowercase without spaces').to.match(/^(?:[0-9a-f]{2})+$/);
        expect(decodeValues(fromHex(v.hex), v.decoded.values)).to.deep.equal(v.decoded.values);
        expect(toHex(encodeValues(v.decoded.values))).to.equal(v.hex);
      });
    }
  });
});
