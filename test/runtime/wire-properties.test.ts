// Property tests of the wire primitives. Fixed seed, so a failure reproduces; fast-check prints the
// shrunk counterexample.
import { expect } from 'chai';
import fc from 'fast-check';
import { WireError } from '../../runtime/ts/errors.js';
import { decodeErrorPayload, decodeHeader, encodeHeader, finishHeader, MessageKind, type MessageHeader } from '../../runtime/ts/header.js';
import { WireReader } from '../../runtime/ts/wire-reader.js';
import { WireWriter } from '../../runtime/ts/wire-writer.js';
import { readValue, SCALAR_SIZE, toHex, writeValue, type ScalarName, type ValueSpec } from './value-spec.js';

const SEED = 20240505;
const runs = (numRuns: number) => ({ seed: SEED, numRuns });

// ---- typed values --------------------------------------------------------------------------------

const utf8Length = (s: string) => Buffer.byteLength(s, 'utf8');

const scalarValue = (type: ScalarName): fc.Arbitrary<number | string | boolean> => {
  switch (type) {
    case 'u8':
    case 'char':
      return fc.integer({ min: 0, max: 0xff });
    case 's8':
      return fc.integer({ min: -0x80, max: 0x7f });
    case 'u16':
      return fc.integer({ min: 0, max: 0xffff });
    case 's16':
      return fc.integer({ min: -0x8000, max: 0x7fff });
    case 'u32':
      return fc.integer({ min: 0, max: 0xffffffff });
    case 's32':
      return fc.integer({ min: -0x80000000, max: 0x7fffffff });
    case 'u64':
      return fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }).map(String);
    case 's64':
      return fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }).map(String);
    case 'u64n':
      return fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER });
    case 's64n':
      return fc.maxSafeInteger();
    case 'bool':
      return fc.boolean();
  }
};

const SCALARS = Object.keys(SCALAR_SIZE) as ScalarName[];
const noNul = (s: string) => !s.includes('\0');

const valueSpec: fc.Arbitrary<ValueSpec> = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...SCALARS).chain((type) => scalarValue(type).map((value) => ({ type, value }) as ValueSpec)) },
  {
    weight: 2,
    arbitrary: fc
      .tuple(fc.option(fc.oneof(fc.string({ unit: 'binary', maxLength: 20 }), fc.string({ maxLength: 90 })).filter(noNul), { nil: null }), fc.nat(4))
      .map(([value, slack]): ValueSpec => ({ type: 'string', value, max: (value === null ? 0 : utf8Length(value)) + slack })),
  },
  {
    weight: 1,
    arbitrary: fc
      .option(fc.uint8Array({ minLength: 0, maxLength: 12 }).map((b) => b.map((x) => x || 1)), { nil: null })
      .map((b): ValueSpec => ({ type: 'cstring', hex: b === null ? null : toHex(b) })),
  },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 11 }).map((b): ValueSpec => ({ type: 'bytes', hex: toHex(b) })) },
  {
    weight: 2,
    arbitrary: fc.constantFrom(...SCALARS).chain((of) =>
      fc
        .tuple(fc.option(fc.array(scalarValue(of), { maxLength: 6 }), { nil: null }), fc.nat(3))
        .map(([value, slack]): ValueSpec => ({ type: 'counted', of, max: (value?.length ?? 0) + slack, value })),
    ),
  },
);

/** Writes `specs` into a region at `offset` of a buffer filled with `fill`; returns the region's bytes. */
function encodeAt(specs: ValueSpec[], offset: number, fill: number): Uint8Array {
  const buf = new ArrayBuffer(offset + 4096);
  new Uint8Array(buf).fill(fill);
  const w = new WireWriter(buf, offset);
  for (const s of specs) writeValue(w, s);
  return w.written().slice();
}

// ---- hostile input ----------------------------------------------------------------------------

/** A read program: what a decoder driven by some IR might ask of a reader. */
type ReadOp =
  | { op: ScalarName }
  | { op: 'string' | 'cstring'; max: number }
  | { op: 'counted'; max: number; elemSize: number }
  | { op: 'bytes'; n: number }
  | { op: 'align'; n: 1 | 2 | 4 | 8 }
  | { op: 'sub'; length: number; ops: ReadOp[] }
  | { op: 'expectEnd' };

const readOp: fc.Arbitrary<ReadOp> = fc.letrec<{ op: ReadOp }>((tie) => ({
  op: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constantFrom(...SCALARS).map((op): ReadOp => ({ op })),
    fc.record({ op: fc.constantFrom('string' as const, 'cstring' as const), max: fc.oneof(fc.nat(64), fc.constant(0xfffffffe)) }),
    fc.record({ op: fc.constant('counted' as const), max: fc.oneof(fc.nat(16), fc.constant(0xfffffffe)), elemSize: fc.integer({ min: 0, max: 16 }) }),
    fc.record({ op: fc.constant('bytes' as const), n: fc.nat(24) }),
    fc.record({ op: fc.constant('align' as const), n: fc.constantFrom(1 as const, 2 as const, 4 as const, 8 as const) }),
    fc.record({ op: fc.constant('sub' as const), length: fc.nat(40), ops: fc.array(tie('op'), { maxLength: 6 }) }),
    fc.constant<ReadOp>({ op: 'expectEnd' }),
  ),
})).op;

/** Runs a program; returns what it read and how it stopped. Only a WireError may stop it. */
function runProgram(r: WireReader, ops: ReadOp[], log: string[]): void {
  for (const o of ops) {
    switch (o.op) {
      case 'string': log.push(JSON.stringify(r.string(o.max))); break;
      case 'cstring': {
        const b = r.cstringBytes(o.max);
        log.push(b === null ? 'null' : toHex(b));
        break;
      }
      case 'counted': {
        const n = r.counted(o.max, o.elemSize);
        if (n !== null) expect(n * o.elemSize).to.be.at.most(r.remaining);
        log.push(String(n));
        break;
      }
      case 'bytes': log.push(toHex(r.bytes(o.n))); break;
      case 'align': r.align(o.n); log.push(`@${r.position}`); break;
      case 'sub': {
        const sub = r.sub(o.length);
        log.push(`sub ${sub.position}..${sub.limit}`);
        try {
          runProgram(sub, o.ops, log);
        } finally {
          expect(sub.position).to.be.at.most(sub.limit);
        }
        break;
      }
      case 'expectEnd': r.expectEnd(); log.push('end'); break;
      default: {
        const v = (r[o.op] as () => unknown).call(r);
        log.push(typeof v === 'bigint' ? `${v}n` : String(v));
      }
    }
    expect(r.position).to.be.at.most(r.limit);
  }
}

/**
 * The outcome of `decode` over `region` placed inside garbage `fill`: what it read, ending in the
 * error if any. Either the reader's region is exactly `region` ('region': its views end there), or
 * the reader is a sub-reader of one over the whole buffer ('sub': the garbage is readable through
 * the shared views, so a missing bounds check would see it).
 */
function outcome(region: Uint8Array, fill: number, mode: 'region' | 'sub', decode: (r: WireReader, log: string[]) => void): string[] {
  const pad = 8; // keeps alignment the same in both modes
  const buf = new ArrayBuffer(pad + region.length + pad);
  const all = new Uint8Array(buf);
  all.fill(fill);
  all.set(region, pad);
  const r = mode === 'region' ? new WireReader(buf, pad, region.length) : new WireReader(new WireReader(buf), pad, region.length);
  const base = mode === 'region' ? 0 : pad;
  const log: string[] = [];
  try {
    decode(r, log);
  } catch (e) {
    if (!(e instanceof WireError)) throw e;
    expect(e.offset, e.message).to.be.a('number').within(base, base + region.length);
    log.push(`error @${e.offset}: ${e.reason}`);
  }
  expect(toHex(all.subarray(pad, pad + region.length)), 'the reader never writes').to.equal(toHex(region));
  return log;
}

/** Only WireError, and the same outcome whatever lies outside the region: nothing out there is read. */
function checkHostile(region: Uint8Array, decode: (r: WireReader, log: string[]) => void): void {
  const a = outcome(region, 0x00, 'region', decode);
  expect(outcome(region, 0xff, 'region', decode)).to.deep.equal(a);
  const b = outcome(region, 0x00, 'sub', decode);
  expect(outcome(region, 0xff, 'sub', decode)).to.deep.equal(b);
}

const CALL: MessageHeader = { moduleVersion: 1, kind: MessageKind.Call, flags: 0, interfaceId: 0x11223344, functionId: 7, callId: 1, payloadLength: 0, objectCount: 0 };

function message(specs: ValueSpec[], h: Partial<MessageHeader> = {}): Uint8Array {
  const w = new WireWriter(new ArrayBuffer(8192));
  const at = encodeHeader(w, { ...CALL, ...h });
  for (const s of specs) writeValue(w, s);
  finishHeader(w, at);
  return w.written().slice();
}

function decodeMessage(specs: ValueSpec[]) {
  return (r: WireReader, log: string[]) => {
    const h = decodeHeader(r);
    log.push(JSON.stringify(h));
    if (h.kind === MessageKind.Error) {
      log.push(JSON.stringify(decodeErrorPayload(r)));
      return;
    }
    for (const s of specs) log.push(JSON.stringify(readValue(r, s)));
    r.expectEnd();
  };
}

const mutation = fc.oneof(
  fc.record({ kind: fc.constant('set' as const), at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), bit: fc.nat(7) }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('extend' as const), bytes: fc.uint8Array({ minLength: 1, maxLength: 9 }) }),
  fc.record({ kind: fc.constant('u32' as const), at: fc.nat(), value: fc.constantFrom(0, 1, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff) }),
);
type Mutation = typeof mutation extends fc.Arbitrary<infer M> ? M : never;

function mutate(bytes: Uint8Array, muts: Mutation[]): Uint8Array {
  let b = bytes.slice();
  for (const m of muts) {
    if (m.kind === 'extend') {
      const longer = new Uint8Array(b.length + m.bytes.length);
      longer.set(b);
      longer.set(m.bytes, b.length);
      b = longer;
      continue;
    }
    if (b.length === 0) continue;
    const at = m.at % b.length;
    if (m.kind === 'set') b[at] = m.byte;
    else if (m.kind === 'flip') b[at]! ^= 1 << m.bit;
    else if (m.kind === 'truncate') b = b.slice(0, at);
    else if (at + 4 <= b.length) new DataView(b.buffer).setUint32(at & ~3, m.value, true);
  }
  return b;
}

describe('runtime: wire properties', () => {
  it('writer → reader round-trips any sequence of typed values', () => {
    fc.assert(
      fc.property(fc.array(valueSpec, { maxLength: 12 }), (specs) => {
        const bytes = encodeAt(specs, 0, 0);
        const buf = new ArrayBuffer(bytes.length);
        new Uint8Array(buf).set(bytes);
        const r = new WireReader(buf);
        const back = specs.map((s) => readValue(r, s));
        r.expectEnd();
        expect(back).to.deep.equal(specs);
      }),
      runs(600),
    );
  });

  it('the bytes do not depend on the buffer\'s old contents or the region\'s place (padding is zero)', () => {
    fc.assert(
      fc.property(fc.array(valueSpec, { maxLength: 10 }), fc.nat(9), (specs, offset) => {
        const clean = toHex(encodeAt(specs, 0, 0));
        expect(toHex(encodeAt(specs, offset, 0xa5))).to.equal(clean);
      }),
      runs(300),
    );
  });

  it('every value starts at its natural alignment', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...SCALARS).chain((t) => scalarValue(t).map((v) => [t, v] as const)), { maxLength: 16 }), (pairs) => {
        const w = new WireWriter(new ArrayBuffer(256));
        for (const [type, value] of pairs) {
          writeValue(w, { type, value } as ValueSpec);
          const size = SCALAR_SIZE[type];
          expect((w.position - size) % size, type).to.equal(0);
        }
      }),
      runs(300),
    );
  });

  it('random bytes under random read programs give WireError only, and never read outside the region', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), fc.array(readOp, { maxLength: 12 }), (bytes, ops) => {
        checkHostile(bytes, (r, log) => runProgram(r, ops, log));
      }),
      runs(1500),
    );
  });

  it('random bytes that look like strings and counts give WireError only', () => {
    // Small lengths and counts, so the checks past the length field get exercised too.
    const stringish = fc
      .tuple(fc.integer({ min: 0, max: 12 }), fc.uint8Array({ maxLength: 16 }))
      .map(([len, rest]) => {
        const b = new Uint8Array(4 + rest.length);
        new DataView(b.buffer).setUint32(0, len, true);
        b.set(rest, 4);
        return b;
      });
    fc.assert(
      fc.property(stringish, fc.constantFrom<ReadOp['op']>('string', 'cstring', 'counted'), fc.nat(16), (bytes, op, max) => {
        const ops: ReadOp[] = op === 'counted' ? [{ op, max, elemSize: 1 }, { op: 'expectEnd' }] : [{ op: op as 'string', max }, { op: 'expectEnd' }];
        checkHostile(bytes, (r, log) => runProgram(r, ops, log));
      }),
      runs(1500),
    );
  });

  it('random bytes fed to the header decoder give WireError only', () => {
    const headerish = fc.tuple(fc.uint8Array({ minLength: 0, maxLength: 72 }), fc.boolean()).map(([b, magic]) => {
      if (magic && b.length >= 8) b.set([0x4d, 0x44, 0x4c, 0x31, 1, 0], 0);
      return b;
    });
    fc.assert(
      fc.property(headerish, (bytes) => {
        checkHostile(bytes, decodeMessage([]));
      }),
      runs(1500),
    );
  });

  it('mutated valid messages give WireError only, and never read outside the region', () => {
    const kinds = fc.constantFrom<Partial<MessageHeader>>({}, { kind: MessageKind.Reply }, { flags: 1 });
    fc.assert(
      fc.property(fc.array(valueSpec, { maxLength: 8 }), kinds, fc.array(mutation, { minLength: 1, maxLength: 4 }), (specs, h, muts) => {
        const bytes = mutate(message(specs, h), muts);
        checkHostile(bytes, decodeMessage(specs));
      }),
      runs(1500),
    );
  });
});
