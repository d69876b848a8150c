// The generated straight-line code of the codec (runtime/ts/codec-gen.ts) against the interpreter
// it replaces: over a plan with every kind of field generated code covers (each integer width,
// strings with and without a max, NULL and [ref] pointers, handles, callbacks, fixed and counted
// arrays, counts that are expressions, a field that never crosses, masks of more than 32 and more
// than 64 fields), both encode the same bytes, and both decoders give the same outcome on the
// message and on every mutant of it: the same error at the same byte, or the same live state.
import { expect } from 'chai';
import { Codec } from '../../runtime/ts/codec.js';
import { WireError } from '../../runtime/ts/errors.js';
import { HEADER_SIZE } from '../../runtime/ts/header.js';
import { ObjectTable } from '../../runtime/ts/object-table.js';
import type { Plan, PlanField, PlanFunction, PlanSelection } from '../../runtime/ts/plan.js';
import { WireWriter } from '../../runtime/ts/wire-writer.js';
import { generatedStruct } from '../../runtime/ts/codec-gen.js';
import { generatedArgs } from '../../runtime/ts/codec-gen-args.js';
import { xorshift32 } from '../xorshift.js';

type Obj = Record<string, unknown>;

const RICH = 0x72696368;
const WIDE = 0x77696465;
const OPS = 0x10;
const HANDLE = 0x99;
const CB = 0x55;

const int = (bits: 8 | 16 | 32 | 64, signed = false) => ({ k: 'int', bits, signed }) as const;
const u32 = int(32);

function richFields(): PlanField[] {
  const fields: PlanField[] = [
    { name: 'a', value: int(8) },
    { name: 'b', value: int(8, true) },
    { name: 'c', value: int(16) },
    { name: 'd', value: int(16, true) },
    { name: 'e', value: u32 },
    { name: 'f', value: int(32, true) },
    { name: 'g', value: int(64) },
    { name: 'h', value: int(64, true) },
    { name: 'flag', value: { k: 'bool' } },
    { name: 'ch', value: { k: 'char' } },
    { name: 'name', value: { k: 'string', max: 16, nonNull: false } },
    { name: 'title', value: { k: 'string', max: null, nonNull: true } },
    { name: 'next', value: { k: 'tracked', type: RICH, nonNull: false } },
    { name: 'self', value: { k: 'tracked', type: RICH, nonNull: true } },
    { name: 'ops', value: { k: 'ops', iface: OPS, nonNull: false } },
    { name: 'handle', value: { k: 'opaque', type: HANDLE, nonNull: false } },
    { name: 'cb', value: { k: 'callback', type: CB, nonNull: false } },
    { name: 'mac', value: { k: 'array', of: int(8), length: 6, string: false } },
    { name: 'tag', value: { k: 'array', of: { k: 'char' }, length: 8, string: true } },
    { name: 'words', value: { k: 'array', of: int(16), length: 3, string: false } },
    { name: 'n', value: u32 },
    { name: 'data', value: { k: 'counted', of: u32, count: { slot: 20 }, max: 64, nonNull: false } },
    { name: 'big', value: { k: 'counted', of: int(64, true), count: { slot: 20 }, max: null, nonNull: false } },
    { name: 'peers', value: { k: 'counted', of: { k: 'tracked', type: RICH, nonNull: false }, count: { slot: 20 }, max: 8, nonNull: false } },
    { name: 'names', value: { k: 'counted', of: { k: 'string', max: 8, nonNull: false }, count: 2, max: 4, nonNull: false } },
    { name: 'm', value: int(16) },
    { name: 'grid', value: { k: 'counted', of: int(8, true), count: { op: '*', l: { slot: 20 }, r: { slot: 25 } }, max: 1024, nonNull: false } },
    { name: 'hidden', value: { k: 'skip' } },
  ];
  // Past 32 fields, so the mask's high half is used; the last one reaches the wide struct.
  for (let i = fields.length; i < 41; i++) fields.push({ name: `p${i}`, value: i % 2 ? { k: 'bool' } : int(8) });
  fields.push({ name: 'wide', value: { k: 'tracked', type: WIDE, nonNull: false } });
  fields.push({ name: 'boxed', value: { k: 'box', of: int(16, true), nonNull: false } });
  return fields;
}

/** 70 fields: two mask words. */
function wideFields(): PlanField[] {
  return Array.from({ length: 70 }, (_, i) => ({ name: `w${i}`, value: i % 3 === 0 ? int(16) : u32 }));
}

function richPlan(): Plan {
  const some: PlanSelection = {
    all: 0,
    fields: [
      [4, null],
      [10, null],
      [12, { all: 0, fields: [[0, null], [20, null], [21, null], [41, { all: 0, fields: [[1, null], [33, null], [69, null]] }]] }],
      [20, null],
      [21, null],
      [35, null],
    ],
  };
  const deep: PlanFunction = {
    id: 1,
    name: 'deep',
    role: 'upcall',
    params: [{ name: 'r', value: { k: 'tracked', type: RICH, nonNull: false }, dir: 'in' }],
    returns: int(32, true),
    reads: [[0, { all: 2, fields: [] }]],
    writes: [[0, { all: 2, fields: [] }]],
  };
  const named: PlanFunction = { ...deep, id: 2, name: 'some', reads: [[0, some]], writes: [[0, { all: 0, fields: [[4, null], [10, null], [20, null], [21, null], [12, { all: 0, fields: [[0, null]] }]] }]] };
  return {
    module: 'rich',
    version: 1,
    types: [
      { kind: 'struct', id: RICH, name: 'rich', fields: richFields() },
      { kind: 'struct', id: WIDE, name: 'wide', fields: wideFields() },
      { kind: 'callback', id: CB, name: 'cb_t', params: [], returns: null },
    ],
    interfaces: [{ id: OPS, name: 'ops_iface', functions: [deep, named] }],
  };
}

function richGraph(): Obj {
  const wide: Obj = {};
  for (let i = 0; i < 70; i++) wide[`w${i}`] = i * 10 + 7;
  const make = (k: number): Obj => {
    const o: Obj = {
      a: 200 + k, b: -5 - k, c: 60000, d: -300, e: 0xfffffff0 + k, f: -70000, g: 1n << 50n, h: -(1n << 40n), flag: k % 2 === 0, ch: 233,
      name: k === 1 ? null : `n-${k}`, title: k === 2 ? 'tïtle ✓' : `t${k}`, next: null, self: null, ops: k === 0 ? { op: 1 } : null,
      handle: k === 1 ? { h: 1 } : null, cb: k === 0 ? function cb() {} : null, mac: Uint8Array.from([1, 2, 3, 4, 5, k]), tag: `tag${k}`,
      words: Uint16Array.from([k, 65535, 3]), n: k + 1, data: Uint32Array.from({ length: k + 1 }, (_, j) => j * 0x10001 + k),
      big: k === 2 ? null : BigInt64Array.from({ length: k + 1 }, (_, j) => BigInt(j) - 3n), peers: null, names: ['x', k === 2 ? null : 'yy'],
      m: 2, grid: Int8Array.from({ length: 2 * (k + 1) }, (_, j) => j - 4), hidden: 'never',
      wide: k === 0 ? wide : null, boxed: k === 1 ? null : { value: -300 - k },
    };
    for (let i = 27; i < 41; i++) o[`p${i}`] = i % 2 ? i % 4 === 1 : i + k;
    return o;
  };
  const r = [make(0), make(1), make(2)];
  r[0]!['next'] = r[1];
  r[1]!['next'] = r[2];
  r[2]!['next'] = r[0];
  for (const o of r) o['self'] = o;
  r[0]!['peers'] = [r[2], null];
  r[1]!['peers'] = [null, r[0]];
  r[1]!['data'] = [5, 6]; // a plain array, written element by element
  // NULL arrays, with a count of 0.
  Object.assign(r[2]!, { n: 0, data: null, big: null, peers: null, grid: null });
  r[0]!['n'] = 2;
  r[0]!['data'] = Uint32Array.from([9, 10]);
  r[0]!['big'] = BigInt64Array.from([1n, -1n]);
  r[0]!['grid'] = Int8Array.from([1, 2, 3, 4]);
  return r[0]!;
}

const INTERESTING = [0, 1, 2, 3, 7, 8, 0xff, 0x7fffffff, 0x80000000, 0x80000001, 0xfffffffe, 0xffffffff, 64, 65];

function mutate(seed: Uint8Array, next: () => number): Uint8Array {
  let m = seed.slice();
  const view = () => new DataView(m.buffer, m.byteOffset, m.byteLength);
  const edits = 1 + (next() % 3);
  for (let e = 0; e < edits; e++) {
    if (m.length < HEADER_SIZE + 8) break;
    switch (next() % 5) {
      case 0:
      case 1:
        m[HEADER_SIZE + (next() % (m.length - HEADER_SIZE))] = next() & 0xff;
        break;
      case 2:
      case 3: {
        const at = (HEADER_SIZE >> 2) + (next() % ((m.length - HEADER_SIZE - 4) >> 2));
        view().setUint32(at << 2, INTERESTING[next() % INTERESTING.length]!, true);
        break;
      }
      default:
        m = m.slice(0, HEADER_SIZE + (next() % (m.length - HEADER_SIZE)));
    }
  }
  view().setUint32(24, m.length - HEADER_SIZE, true);
  return m;
}

/** Live state as text: table entries, then every object reachable from the roots (typed arrays by content). */
function snapshot(tables: ObjectTable, roots: unknown[]): string {
  const seen = new Map<object, number>();
  const todo: object[] = [];
  const ref = (x: unknown): string => {
    if (typeof x === 'bigint') return `${x}n`;
    if (typeof x === 'string') return JSON.stringify(x);
    if (typeof x !== 'object' && typeof x !== 'function') return String(x);
    if (x === null) return 'null';
    let n = seen.get(x);
    if (n === undefined) {
      seen.set(x, (n = seen.size));
      todo.push(x);
    }
    return `#${n}`;
  };
  const out = [tables.entries().map((e) => `${e.id}:${e.kind}:${e.typeId}:${e.own}:${ref(e.value)}`).join(' '), roots.map(ref).join(' ')];
  for (let i = 0; i < todo.length; i++) {
    const x = todo[i]!;
    if (typeof x === 'function') out.push(`#${i} fn`);
    else if (ArrayBuffer.isView(x)) out.push(`#${i} ${x.constructor.name} ${Array.from(x as unknown as ArrayLike<unknown>, ref).join(',')}`);
    else out.push(`#${i} ${Object.keys(x).sort().map((k) => `${k}=${ref((x as Obj)[k])}`).join(' ')}`);
  }
  return out.join('\n');
}

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

/** The outcome of decoding `bytes` (and applying it): the error, or the live state after. */
function outcome(decode: () => void, tables: ObjectTable, roots: () => unknown[]): string {
  try {
    decode();
  } catch (e) {
    if (!(e instanceof WireError)) throw e;
    return `error at ${e.offset}: ${e.message}\n${snapshot(tables, roots())}`;
  }
  return `ok\n${snapshot(tables, roots())}`;
}

describe('runtime: generated codec code against the interpreter', function () {
  this.timeout(120000);
  const plan = richPlan();
  const iface = plan.interfaces[0]!;

  it('covers the rich struct and the wide one (the test would compare the interpreter with itself otherwise)', () => {
    const ctx = {
      tables: new ObjectTable('kernel'),
      callback: () => null,
      fieldWriter: () => () => {},
      fieldReader: () => () => null,
      elementWriter: () => () => {},
      elementReader: () => () => null,
      evalCount: () => null,
      toTyped: () => null,
      slot: 0,
      applyEmbed: () => {},
      collectEmbed: () => {},
    };
    for (const t of plan.types) if (t.kind === 'struct') expect(generatedStruct(t, ctx), t.name).to.not.equal(null);
    // A struct with a union is left to the interpreter.
    const unions = { kind: 'struct' as const, id: 7, name: 'outer', fields: [{ name: 'k', value: u32 }, { name: 'u', value: { k: 'union' as const, type: WIDE, switchOn: 0 } }] };
    expect(generatedStruct(unions, ctx)).to.equal(null);
    // A name that is not an identifier never reaches generated source.
    const odd = { kind: 'struct' as const, id: 8, name: 'odd', fields: [{ name: 'a"]); throw 1; //', value: u32 }] };
    expect(generatedStruct(odd, ctx)).to.equal(null);
  });

  for (const fname of ['deep', 'some'] as const) {
    const fn = iface.functions.find((f) => f.name === fname)!;

    it(`${fname}: encodes the same call and reply bytes`, () => {
      const head = richGraph();
      const w = new WireWriter(new ArrayBuffer(1 << 16));
      const call = (generate: boolean) => hex(new Codec(plan, new ObjectTable('kernel'), undefined, undefined, { generate }).encodeCall(w, iface, fn, [head], 3));
      const bytes = call(true);
      expect(bytes).to.equal(call(false));
      expect(bytes.length).to.be.greaterThan(2 * (fname === 'deep' ? 800 : 150));
      const reply = (generate: boolean) => {
        const c = new Codec(plan, new ObjectTable('user'), undefined, undefined, { generate });
        const got = c.decodeCall(Buffer.from(bytes, 'hex'));
        got.apply();
        (got.call.args[0] as Obj)['e'] = 12345;
        return hex(c.encodeReply(w, iface, fn, got.call.args, -1, 3));
      };
      expect(reply(true)).to.equal(reply(false));
    });

    it(`${fname}: 2000 mutants of the call decode to the same error or the same live state`, () => {
      const w = new WireWriter(new ArrayBuffer(1 << 16));
      const seed = new Codec(plan, new ObjectTable('kernel')).encodeCall(w, iface, fn, [richGraph()], 3).slice();
      const sides = [true, false].map((generate) => {
        const c = new Codec(plan, new ObjectTable('user'), undefined, undefined, { generate });
        const first = c.decodeCall(seed);
        first.apply();
        const roots = first.call.args;
        return { c, roots };
      });
      const [g, i] = sides as [(typeof sides)[0], (typeof sides)[0]];
      expect(snapshot(g.c.tables, g.roots)).to.equal(snapshot(i.c.tables, i.roots));
      const next = xorshift32(0x2545f491 ^ seed.length);
      let rejected = 0;
      for (let k = 0; k < 2000; k++) {
        const m = mutate(seed, next);
        const a = outcome(() => g.c.decodeCall(m).apply(), g.c.tables, () => g.roots);
        const b = outcome(() => i.c.decodeCall(m).apply(), i.c.tables, () => i.roots);
        if (a !== b) expect.fail(`mutant ${k} (${hex(m)}):\ngenerated:   ${a.split('\n')[0]}\ninterpreted: ${b.split('\n')[0]}\n${a === b ? '' : 'live states differ'}`);
        if (a.startsWith('error')) rejected++;
      }
      expect(rejected).to.be.greaterThan(200);
      expect(rejected).to.be.lessThan(2000);
    });

    it(`${fname}: 2000 mutants of the reply decode to the same error or the same live state`, () => {
      const w = new WireWriter(new ArrayBuffer(1 << 16));
      const sides = [true, false].map((generate) => {
        const k = new Codec(plan, new ObjectTable('kernel'), undefined, undefined, { generate });
        const head = richGraph();
        return { k, head };
      });
      const u = new Codec(plan, new ObjectTable('user'));
      const got = u.decodeCall(new Codec(plan, new ObjectTable('kernel')).encodeCall(w, iface, fn, [richGraph()], 3).slice());
      got.apply();
      const shadow = got.call.args[0] as Obj;
      shadow['e'] = 7;
      shadow['title'] = 'changed';
      (shadow['data'] as Uint32Array)[0] = 99;
      const seed = u.encodeReply(w, iface, fn, got.call.args, 0, 3).slice();
      // Each kernel side encoded the call once, so the reply's ids are its own.
      for (const s of sides) s.k.encodeCall(w, iface, fn, [s.head], 3);
      const [g, i] = sides as [(typeof sides)[0], (typeof sides)[0]];
      const next = xorshift32(0x68e31da4 ^ seed.length);
      let rejected = 0;
      for (let k = 0; k < 2000; k++) {
        const m = mutate(seed, next);
        const a = outcome(() => void g.k.decodeReply(m, fn, 3, [g.head]), g.k.tables, () => [g.head]);
        const b = outcome(() => void i.k.decodeReply(m, fn, 3, [i.head]), i.k.tables, () => [i.head]);
        if (a !== b) expect.fail(`mutant ${k} (${hex(m)}):\ngenerated:   ${a.split('\n')[0]}\ninterpreted: ${b.split('\n')[0]}`);
        if (a.startsWith('error')) rejected++;
      }
      expect(rejected).to.be.greaterThan(200);
      expect(rejected).to.be.lessThan(2000);
    });
  }

  /** What encoding `head` gives: its bytes, or the error (class, message, offset). */
  const encodeOutcome = (generate: boolean, fn: PlanFunction, head: Obj, capacity: number): string => {
    try {
      const w = new WireWriter(new ArrayBuffer(capacity));
      return hex(new Codec(plan, new ObjectTable('kernel'), undefined, undefined, { generate }).encodeCall(w, iface, fn, [head], 3));
    } catch (e) {
      if (!(e instanceof Error)) throw e;
      return `${e.constructor.name} at ${e instanceof WireError ? e.offset : '-'}: ${e.message}`;
    }
  };

  it('a value out of range for its field fails encoding with the same error at the same byte', () => {
    const fn = iface.functions.find((f) => f.name === 'deep')!;
    const bad: [string, unknown][] = [
      ['a', 256], ['a', -1], ['a', 1.5], ['b', -129], ['b', 128], ['c', 65536], ['d', -32769], ['e', -1], ['e', 2 ** 32], ['f', 2 ** 31],
      ['g', -1n], ['g', 1n << 64n], ['h', 1n << 63n], ['h', -(1n << 63n) - 1n], ['ch', 256], ['ch', -1], ['p28', 300], ['m', 1 << 16],
      ['self', null], ['next', { stranger: true }], ['g', 1.5],
    ];
    let failures = 0;
    for (const [field, value] of bad) {
      const head = richGraph();
      // The second object of the ring, so that the failing field follows a whole object and its padding.
      (head['next'] as Obj)[field] = value;
      const a = encodeOutcome(true, fn, head, 1 << 16);
      expect(a, `${field} = ${String(value)}`).to.equal(encodeOutcome(false, fn, head, 1 << 16));
      if (!/^[0-9a-f]+$/.test(a)) failures++;
    }
    // (`next` = a stranger object is a new object of the type, whose `self`, a [ref] pointer, is missing.)
    expect(failures).to.equal(bad.length);
  });

  it('a buffer too small for the message fails encoding at the same byte, wherever it ends', () => {
    for (const fname of ['deep', 'some'] as const) {
      const fn = iface.functions.find((f) => f.name === fname)!;
      const whole = encodeOutcome(false, fn, richGraph(), 1 << 16).length / 2;
      // Every capacity short of the whole message (the header alone is 32 bytes), so that each checked run meets the end at each of its bytes.
      for (let capacity = 32; capacity <= whole; capacity++) {
        const a = encodeOutcome(true, fn, richGraph(), capacity);
        const b = encodeOutcome(false, fn, richGraph(), capacity);
        if (a !== b) expect.fail(`${fname}, capacity ${capacity}:\ngenerated:   ${a}\ninterpreted: ${b}`);
        expect(a.startsWith('WireError') || capacity === whole, `capacity ${capacity}`).to.equal(true);
      }
    }
  });

  it('a shadow keeps its typed array, updated in place, while a new length gets a new array', () => {
    const w = new WireWriter(new ArrayBuffer(1 << 16));
    const fn = iface.functions.find((f) => f.name === 'deep')!;
    const head = richGraph();
    const k = new Codec(plan, new ObjectTable('kernel'));
    const u = new Codec(plan, new ObjectTable('user'));
    const first = u.decodeCall(k.encodeCall(w, iface, fn, [head], 1).slice());
    first.apply();
    const shadow = first.call.args[0] as Obj;
    const data = shadow['data'] as Uint32Array;
    expect(Array.from(data)).to.deep.equal([9, 10]);
    (head['data'] as Uint32Array)[1] = 11;
    u.decodeCall(k.encodeCall(w, iface, fn, [head], 2).slice()).apply();
    expect(shadow['data']).to.equal(data);
    expect(Array.from(data)).to.deep.equal([9, 11]);
    head['data'] = Uint32Array.from([1, 2, 3]);
    head['n'] = 3;
    head['big'] = BigInt64Array.from([0n, 0n, 0n]);
    head['peers'] = [null, null, null];
    head['grid'] = new Int8Array(6);
    u.decodeCall(k.encodeCall(w, iface, fn, [head], 3).slice()).apply();
    expect(shadow['data']).to.not.equal(data);
    expect(Array.from(shadow['data'] as Uint32Array)).to.deep.equal([1, 2, 3]);
    expect(Array.from(data)).to.deep.equal([9, 11]);
  });

  // Generated code keeps, per pooled record, the last string it wrote or read in a field and that
  // string's words, and the last 64-bit value it read: over a stream of messages on the same
  // codecs, where values stay, change by a byte, change length, go NULL, go past what is kept,
  // leave ASCII or leave their range, the generated side must still give the interpreter's bytes
  // and errors when encoding, and its live state when decoding.
  it('message after message on the same codecs, as strings and 64-bit values change, the same bytes, errors and live state', () => {
    const TITLES = ['t0', 't1', 't0', 'u1', 'a title of thirty-two bytes, no.', 'a title of thirty-two bytes, no!', '', 'tïtle ✓', 'x'.repeat(27), 'x'.repeat(28), 'x'.repeat(26) + 'y'];
    const NAMES = [null, 'n-0', 'n-1', 'n-0', 'sixteen-bytes-ok', 'seventeen-bytes!!', 'ü', ''];
    const WIDE64 = [1n << 50n, 0n, (1n << 64n) - 1n, 1n << 64n, -1n, 5];
    for (const fname of ['deep', 'some'] as const) {
      const fn = iface.functions.find((f) => f.name === fname)!;
      // The generated side writes at an offset that is not 8-aligned too, where the region has no wide views.
      for (const offset of [0, 4]) {
        const enc = [true, false].map((generate) => ({ c: new Codec(plan, new ObjectTable('kernel'), undefined, undefined, { generate }), head: richGraph(), w: new WireWriter(new ArrayBuffer(1 << 16), offset) }));
        const dec = [true, false].map((generate) => ({ c: new Codec(plan, new ObjectTable('user'), undefined, undefined, { generate }), roots: [] as unknown[] }));
        const next = xorshift32(0x1d872b41 + offset);
        let sent = 0;
        let failed = 0;
        let spelt = 0;
        for (let k = 0; k < 400; k++) {
          const edits: [number, string, unknown][] = [];
          for (let e = next() % 4; e > 0; e--) {
            const which = next() % 3;
            const field = (['title', 'name', 'g'] as const)[next() % 3]!;
            const pool: readonly unknown[] = field === 'title' ? TITLES : field === 'name' ? NAMES : WIDE64;
            edits.push([which, field, pool[next() % pool.length]]);
          }
          const outs = enc.map(({ c, head, w }) => {
            const ring = [head, head['next'] as Obj, (head['next'] as Obj)['next'] as Obj];
            for (const [which, field, value] of edits) ring[which]![field] = value;
            try {
              return hex(c.encodeCall(w, iface, fn, [head], k + 1));
            } catch (e) {
              if (!(e instanceof Error)) throw e;
              return `${e.constructor.name} at ${e instanceof WireError ? e.offset : '-'}: ${e.message}`;
            }
          });
          if (outs[0] !== outs[1]) expect.fail(`message ${k} at offset ${offset}:\ngenerated:   ${outs[0]}\ninterpreted: ${outs[1]}`);
          if (!/^[0-9a-f]+$/.test(outs[0]!)) {
            failed++;
            // Put the failing value back to one that crosses, on both sides alike.
            for (const { head } of enc) for (const o of [head, head['next'] as Obj, (head['next'] as Obj)['next'] as Obj]) Object.assign(o, { title: 't0', name: 'n-0', g: 1n });
            continue;
          }
          sent++;
          const bytes = Buffer.from(outs[0]!, 'hex');
          const states = dec.map((d) => outcome(() => {
            const got = d.c.decodeCall(bytes);
            got.apply();
            if (d.roots.length === 0) d.roots = got.call.args;
          }, d.c.tables, () => d.roots));
          if (states[0] !== states[1]) expect.fail(`message ${k} at offset ${offset} decodes differently:\ngenerated:   ${states[0]}\ninterpreted: ${states[1]}`);
          expect(states[0]!.startsWith('ok'), states[0]!.split('\n')[0]).to.equal(true);
          if (states[0]!.includes('"t0"') || states[0]!.includes('"n-0"')) spelt++;
        }
        // Both paths ran: messages that crossed (and strings read again) and values that failed.
        expect(sent, `offset ${offset}`).to.be.greaterThan(100);
        expect(failed, `offset ${offset}`).to.be.greaterThan(3);
        expect(spelt, `offset ${offset}`).to.be.greaterThan(10);
      }
    }
  });
});

describe('runtime: the generated deep walk of single pointers, in the walk\'s pop order', function () {
  this.timeout(120000);
  // A node of three single pointers: generated `deep` pushes them last field first (`stacked`),
  // and the walk must still visit, issue ids and write in the preorder of field order.
  const TREE = 0x74726565;
  const ptr = { k: 'tracked', type: TREE, nonNull: false } as const;
  const plan: Plan = {
    module: 'walk_order',
    version: 1,
    types: [{ kind: 'struct', id: TREE, name: 'tree', fields: [{ name: 'left', value: ptr }, { name: 'v', value: u32 }, { name: 'right', value: ptr }, { name: 'up', value: ptr }] }],
    interfaces: [
      {
        id: 0x77616c6b,
        name: 'walk',
        functions: [{ id: 1, name: 'all', role: 'upcall', params: [{ name: 'root', value: ptr, dir: 'in' }], returns: null, reads: [[0, { all: 2, fields: [] }]], writes: [] }],
      },
    ],
  };
  const iface = plan.interfaces[0]!;
  const fn = iface.functions[0]!;

  it('is stacked for the tree and not for the rich struct (whose pointer array is pushed in field order)', () => {
    const ctx = (tables: ObjectTable) => ({ tables, callback: () => null, fieldWriter: () => () => {}, fieldReader: () => () => null, elementWriter: () => () => {}, elementReader: () => () => null, evalCount: () => null, toTyped: () => null, slot: 0, applyEmbed: () => {}, collectEmbed: () => {} });
    const tree = plan.types[0] as Extract<Plan['types'][number], { kind: 'struct' }>;
    expect(generatedStruct(tree, ctx(new ObjectTable('kernel')))!.stacked).to.equal(true);
    const rich = richPlan().types.find((t) => t.kind === 'struct' && t.id === RICH) as typeof tree;
    expect(generatedStruct(rich, ctx(new ObjectTable('kernel')))!.stacked).to.equal(false);
  });

  it('random graphs, new nodes and changed pointers message after message: the same bytes as the interpreter', () => {
    const next = xorshift32(0x5eed7ee5);
    const enc = [true, false].map((generate) => ({ c: new Codec(plan, new ObjectTable('kernel'), undefined, undefined, { generate }), nodes: [] as Obj[], w: new WireWriter(new ArrayBuffer(1 << 16)) }));
    const pick = (nodes: Obj[], r: number): Obj | null => (r % 5 === 0 ? null : nodes[r % nodes.length]!);
    let longest = 0;
    for (let k = 0; k < 300; k++) {
      // The same edits on both sides: a few new nodes, a few pointers moved (to null, to itself, anywhere).
      const grow = k === 0 ? 12 : next() % 3;
      const moves: [number, 'left' | 'right' | 'up', number][] = [];
      for (let m = next() % 6; m > 0; m--) moves.push([next(), (['left', 'right', 'up'] as const)[next() % 3]!, next()]);
      const outs = enc.map(({ c, nodes, w }) => {
        for (let g = 0; g < grow; g++) nodes.push({ left: null, v: nodes.length, right: null, up: null });
        for (const [at, field, to] of moves) nodes[at % nodes.length]![field] = pick(nodes, to);
        return hex(c.encodeCall(w, iface, fn, [nodes[0]], k + 1));
      });
      if (outs[0] !== outs[1]) expect.fail(`message ${k}:\ngenerated:   ${outs[0]}\ninterpreted: ${outs[1]}`);
      longest = Math.max(longest, outs[0]!.length / 2);
    }
    // The walks reached more than a handful of nodes (each entry is 40 bytes).
    expect(longest).to.be.greaterThan(40 * 20);
  });
});

describe('runtime: counted arrays of small integers copied by 8-byte words', function () {
  this.timeout(120000);
  // Generated code copies an array of 1-, 2- or 4-byte integers of 32 bytes or more through a
  // float64 view, 8 bytes at a time, into the message and out of it into a shadow's own array: a
  // word that spells a NaN (signalling, quiet, with any payload, V8's hole pattern) must cross bit
  // for bit, cold and once the code is optimized, whatever the array's length (a tail of elements
  // past the last word) and wherever it starts in its buffer (not 8-aligned: element by element).
  const ARR = 0x61727273;
  const counted = (of: PlanField['value'], slot: number): PlanField['value'] => ({ k: 'counted', of: of as never, count: { slot }, max: 256, nonNull: false });
  const fields: PlanField[] = [
    { name: 'n8', value: u32 },
    { name: 'a8', value: counted(int(8), 0) },
    { name: 'n16', value: u32 },
    { name: 'a16', value: counted(int(16, true), 2) },
    { name: 'n32', value: u32 },
    { name: 'a32', value: counted(int(32, true), 4) },
    { name: 'nu', value: u32 },
    { name: 'au', value: counted(u32, 6) },
  ];
  const fn: PlanFunction = { id: 1, name: 'put', role: 'upcall', params: [{ name: 'x', value: { k: 'tracked', type: ARR, nonNull: false }, dir: 'in' }], returns: null, reads: [[0, { all: 2, fields: [] }]], writes: [] };
  const plan: Plan = { module: 'arrays', version: 1, types: [{ kind: 'struct', id: ARR, name: 'arrays', fields }], interfaces: [{ id: 9, name: 'arrays', functions: [fn] }] };
  const iface = plan.interfaces[0]!;
  // Words as (low, high) u32 halves: NaNs of every kind, infinities, zeros of both signs, denormals.
  const WORDS: [number, number][] = [
    [0, 0x7ff00001], [1, 0x7ff00000], [0xffffffff, 0x7fffffff], [0, 0x7ff80000], [0, 0xfff80000], [0xfff7ffff, 0xfff7ffff],
    [0x12345678, 0x7ff4dead], [0xdeadbeef, 0xfff00001], [0, 0x7ff00000], [0, 0xfff00000], [0, 0x80000000], [1, 0], [0xffffffff, 0xffffffff],
  ];
  const LENGTHS = [0, 1, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 64, 65, 100, 256];

  it('the same bytes as the interpreter, and the shadow holds every bit, NaN words included, cold and warm', () => {
    const next = xorshift32(0x3c6ef372);
    const k = [true, false].map((generate) => new Codec(plan, new ObjectTable('kernel'), undefined, undefined, { generate }));
    const u = [true, false].map((generate) => new Codec(plan, new ObjectTable('user'), undefined, undefined, { generate }));
    const w = new WireWriter(new ArrayBuffer(1 << 14));
    const obj: Obj = {};
    let shadows: Obj[] = [];
    const fill = (bytes: Uint8Array): void => {
      const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      for (let b = 0; b + 8 <= bytes.length; b += 8) {
        const [lo, hi] = next() % 2 ? WORDS[next() % WORDS.length]! : [next(), next()];
        v.setUint32(b, lo, true);
        v.setUint32(b + 4, hi, true);
      }
      for (let b = bytes.length & ~7; b < bytes.length; b++) bytes[b] = next() & 0xff;
    };
    const make = (ctor: Uint8ArrayConstructor | Int16ArrayConstructor | Int32ArrayConstructor | Uint32ArrayConstructor, n: number, skewed: boolean) => {
      // Skewed: a view 4 bytes into its buffer, which no 8-byte word view can cover.
      const size = ctor.BYTES_PER_ELEMENT;
      const buf = new ArrayBuffer(n * size + 8);
      const a = new ctor(buf, skewed ? 4 : 0, n);
      fill(new Uint8Array(buf, a.byteOffset, n * size));
      return a;
    };
    const ctors = [Uint8Array, Int16Array, Int32Array, Uint32Array] as const;
    const names = [['n8', 'a8'], ['n16', 'a16'], ['n32', 'a32'], ['nu', 'au']] as const;
    let lengths = [32, 16, 8, 33];
    let words = 0;
    for (let m = 0; m < 3000; m++) {
      // Now and then new lengths and new arrays (some skewed); otherwise the same arrays, refilled in place.
      const renew = m % 50 === 0;
      if (renew) lengths = lengths.map(() => LENGTHS[next() % LENGTHS.length]!);
      names.forEach(([nf, af], j) => {
        obj[nf] = lengths[j];
        const cur = obj[af] as Uint8Array | undefined;
        if (renew || !cur) obj[af] = make(ctors[j]!, lengths[j]!, next() % 4 === 0);
        else fill(new Uint8Array(cur.buffer, cur.byteOffset, cur.byteLength));
        if (lengths[j]! * ctors[j]!.BYTES_PER_ELEMENT >= 32) words++;
      });
      const bytes = k.map((c) => hex(c.encodeCall(w, iface, fn, [obj], m + 1)));
      if (bytes[0] !== bytes[1]) expect.fail(`message ${m}: the generated bytes differ`);
      const msg = Buffer.from(bytes[0]!, 'hex');
      const got = u.map((c) => {
        const d = c.decodeCall(msg);
        d.apply();
        return d.call.args[0] as Obj;
      });
      if (m === 0) shadows = got;
      for (const [nf, af] of names) {
        const want = Buffer.from((obj[af] as Uint8Array).buffer, (obj[af] as Uint8Array).byteOffset, (obj[af] as Uint8Array).byteLength).toString('hex');
        for (const sh of shadows) {
          const a = sh[af] as Uint8Array;
          const have = Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('hex');
          if (have !== want || sh[nf] !== obj[nf]) expect.fail(`message ${m}: ${af} of ${obj[nf]} elements arrived as ${have}, sent ${want}`);
        }
      }
    }
    expect(words).to.be.greaterThan(3000);
  });
});

describe('runtime: encoding a message while another is encoded', () => {
  // The encoder keeps which objects a message already has on their table entries; a message
  // encoded meanwhile (here from a getter the outer walk calls, on the same codec or on another
  // over the same table) must leave the outer message's record of them alone.
  for (const same of [true, false]) {
    it(`a getter that encodes on ${same ? 'the same codec' : 'another codec of the same table'} leaves the outer message as it would be`, async () => {
      const { probe } = await import('../../runtime/ts/index.js');
      const fn = probe.probeFunction('ring');
      const encode = (nested: boolean): string => {
        const table = new ObjectTable('kernel');
        const codec = new Codec(probe.probePlan, table);
        const other = same ? codec : new Codec(probe.probePlan, table);
        const ring = probe.probeRing(8, 2);
        let inner = '';
        if (nested) {
          const next = ring[5]!.next;
          let busy = false;
          Object.defineProperty(ring[5], 'next', {
            enumerable: true,
            get() {
              if (!busy) {
                busy = true;
                inner = hex(other.encodeCall(new WireWriter(new ArrayBuffer(1 << 14)), probe.probeInterface, fn, [ring[0]], 2));
                busy = false;
              }
              return next;
            },
          });
        }
        const outer = hex(codec.encodeCall(new WireWriter(new ArrayBuffer(1 << 14)), probe.probeInterface, fn, [ring[0]], 1));
        if (nested) expect(inner.length).to.equal(outer.length);
        return outer;
      };
      expect(encode(true)).to.equal(encode(false));
    });
  }
});

describe('runtime: staged records of generated code are reused', () => {
  // apply() copies straight into the array whose view the staged record kept last time; an array
  // the user replaced, emptied by a transfer, or swapped for another type must take the path that
  // looks at it, as the first message's did.
  it('a shadow array replaced, detached or retyped between messages gets the next values where they belong', async () => {
    const { probe } = await import('../../runtime/ts/index.js');
    const fn = probe.probeFunction('ring');
    const k = new Codec(probe.probePlan, new ObjectTable('kernel'));
    const u = new Codec(probe.probePlan, new ObjectTable('user'));
    const w = new WireWriter(new ArrayBuffer(1 << 16));
    const ring = probe.probeRing(2, 20);
    const send = (value: number): void => {
      ring[0]!.items = Uint32Array.from({ length: 20 }, (_, j) => value + j);
      u.decodeCall(k.encodeCall(w, probe.probeInterface, fn, [ring[0]], value).slice()).apply();
    };
    const want = (value: number): number[] => Array.from({ length: 20 }, (_, j) => value + j);
    const first = u.decodeCall(k.encodeCall(w, probe.probeInterface, fn, [ring[0]], 1).slice());
    first.apply();
    const shadow = first.call.args[0] as Obj;
    send(100);
    const kept = shadow['items'] as Uint32Array;
    send(200);
    expect(shadow['items']).to.equal(kept);
    expect(Array.from(kept)).to.deep.equal(want(200));
    // Replaced by another array of the same type and length: that one is filled, the old one left alone.
    const mine = new Uint32Array(20);
    shadow['items'] = mine;
    send(300);
    expect(shadow['items']).to.equal(mine);
    expect(Array.from(mine)).to.deep.equal(want(300));
    expect(Array.from(kept)).to.deep.equal(want(200));
    send(400);
    expect(Array.from(mine)).to.deep.equal(want(400));
    expect(Array.from(kept)).to.deep.equal(want(200));
    // Its buffer transferred away (the array is empty now): a new array.
    structuredClone(mine.buffer, { transfer: [mine.buffer] });
    expect(mine.length).to.equal(0);
    send(500);
    expect(shadow['items']).to.not.equal(mine);
    expect(Array.from(shadow['items'] as Uint32Array)).to.deep.equal(want(500));
    // Another type of the same length: a new Uint32Array, the other left alone.
    const other = new Int32Array(20);
    shadow['items'] = other;
    send(600);
    expect(shadow['items']).to.be.instanceOf(Uint32Array);
    expect(Array.from(shadow['items'] as Uint32Array)).to.deep.equal(want(600));
    expect(Array.from(other)).to.deep.equal(new Array<number>(20).fill(0));
  });

  it('each message applies its own values through the reused records, and a record waiting for reuse holds no object or string of its message', async () => {
    const { probe } = await import('../../runtime/ts/index.js');
    const fn = probe.probeFunction('ring');
    const k = new Codec(probe.probePlan, new ObjectTable('kernel'));
    const u = new Codec(probe.probePlan, new ObjectTable('user'));
    const w = new WireWriter(new ArrayBuffer(1 << 16));
    const ring = probe.probeRing(4, 2);
    const send = (value: number): Uint8Array => {
      ring[1]!.value = value;
      ring[1]!.label = `v${value}`;
      return k.encodeCall(w, probe.probeInterface, fn, [ring[0]], value).slice();
    };
    const first = u.decodeCall(send(1));
    first.apply();
    const shadow = (first.call.args[0] as Obj)['next'] as Obj;
    expect([shadow['value'], shadow['label']]).to.deep.equal([1, 'v1']);
    u.decodeCall(send(2)).apply();
    expect([shadow['value'], shadow['label']]).to.deep.equal([2, 'v2']);
    // Dropped, then reused: the next message applies its own values.
    u.decodeCall(send(4)).discard();
    u.decodeCall(send(5)).apply();
    expect([shadow['value'], shadow['label']]).to.deep.equal([5, 'v5']);
    const scratch = (u as unknown as { freeScratch: { recs: { o: unknown; v1: unknown }[][]; recUsed: number[] } }).freeScratch;
    expect(scratch.recs.flat().length).to.equal(4);
    expect(scratch.recUsed).to.deep.equal([0]);
    for (const rec of scratch.recs.flat()) {
      expect([rec.o, rec.v1]).to.deep.equal([null, undefined]);
      // What a staged value keeps after clearing: numbers (an integer, an array's index in the copy) or a bigint, never a reference.
      for (const [key, v] of Object.entries(rec)) if (/^v\d+$/.test(key)) expect(v === undefined || typeof v === 'number' || typeof v === 'bigint', `${key} holds ${typeof v}`).to.equal(true);
    }
  });
});

describe('runtime: a staged message is read from a private copy of its bytes', () => {
  it('applies what it checked, whatever happens to its bytes before apply()', async () => {
    const { probe } = await import('../../runtime/ts/index.js');
    const fn = probe.probeFunction('ring');
    // Arrays short and long (copied element by element, four at a time and the rest, or in one copy).
    for (const [generate, length] of [[true, 3], [true, 6], [true, 100], [false, 3], [false, 100]] as const) {
      const k = new Codec(probe.probePlan, new ObjectTable('kernel'));
      const u = new Codec(probe.probePlan, new ObjectTable('user'), undefined, undefined, { generate });
      const w = new WireWriter(new ArrayBuffer(1 << 16));
      const ring = probe.probeRing(4, 3);
      ring[1]!.n = length;
      // One buffer for every message, as a channel's scratch is.
      const buffer = new Uint8Array(1 << 16);
      const items = (value: number): number[] => Array.from({ length }, (_, j) => value + j);
      const send = (value: number): Uint8Array => {
        ring[1]!.value = value;
        ring[1]!.label = `v${value}`;
        ring[1]!.items = Uint32Array.from(items(value));
        const bytes = k.encodeCall(w, probe.probeInterface, fn, [ring[0]], value);
        buffer.set(bytes);
        return buffer.subarray(0, bytes.length);
      };
      const first = u.decodeCall(send(1));
      first.apply();
      const shadow = (first.call.args[0] as Obj)['next'] as Obj;
      const live = shadow['items'];
      const a = u.decodeCall(send(2));
      // The buffer then holds the next message (the same length, other values) before a is applied.
      send(3);
      a.apply();
      const what = `generate: ${generate}, ${length} items`;
      expect([shadow['value'], shadow['label'], Array.from(shadow['items'] as Uint32Array)], what).to.deep.equal([2, 'v2', items(2)]);
      // Generated code updates a shadow's array of the same length in place (the interpreter assigns the new one).
      if (generate) expect(shadow['items'], what).to.equal(live);
    }
  });

  it('refuses an object id that comes twice, among any number of entries and message after message', async () => {
    const { probe } = await import('../../runtime/ts/index.js');
    const fn = probe.probeFunction('ring');
    const k = new Codec(probe.probePlan, new ObjectTable('kernel'));
    const u = new Codec(probe.probePlan, new ObjectTable('user'));
    const w = new WireWriter(new ArrayBuffer(1 << 20));
    /** The byte offset of each object entry of a message (after its header). */
    const entries = (m: Uint8Array): number[] => {
      const v = new DataView(m.buffer, m.byteOffset, m.byteLength);
      const at: number[] = [];
      for (let p = HEADER_SIZE; ; ) {
        p += -p & 7;
        if (p + 16 > m.length) break;
        if (v.getUint32(p + 4, true) !== probe.PROBE_NODE) break;
        at.push(p);
        p += 16 + v.getUint32(p + 8, true);
      }
      return at;
    };
    // Past the id set's first size (64) and its growth, and back to a small message.
    for (const nodes of [3, 64, 65, 300, 1000, 5]) {
      const ring = probe.probeRing(nodes, 1);
      const seed = k.encodeCall(w, probe.probeInterface, fn, [ring[0]], 1).slice();
      const at = entries(seed);
      expect(at.length).to.equal(nodes);
      // The ids unknown to the receiver (its first entry makes the shadow), then known (in its table).
      for (const known of [false, true]) {
        if (known) u.decodeCall(seed).apply();
        for (const [from, to] of [[0, nodes - 1], [nodes - 1, 0], [nodes >> 1, (nodes >> 1) + 1]] as const) {
          if (from === to) continue;
          const m = seed.slice();
          m.copyWithin(at[to]!, at[from]!, at[from]! + 4);
          const later = Math.max(from, to);
          let error: unknown = null;
          try {
            u.decodeCall(m).apply();
          } catch (e) {
            error = e;
          }
          expect(error, `${nodes} nodes, entry ${to} takes the id of ${from}${known ? '' : ', unknown'}`).to.be.instanceOf(WireError);
          expect((error as WireError).message).to.match(/appears twice in one message/);
          expect((error as WireError).offset).to.equal(at[later]);
        }
      }
      // And the unmodified message still decodes: the ids of a rejected message are forgotten.
      u.decodeCall(seed).apply();
    }
  });
});

describe('runtime: generated argument code against the interpreter', function () {
  this.timeout(120000);
  // Every kind of parameter generated code covers, in each direction: integers of each width, a
  // bool, a char, strings ([ref], without a max, [out]), a counted array whose count is a later
  // parameter (and one whose count is an expression), a counted array of pointers, a fixed array,
  // handles, a callback, and a counted return value.
  const base = richPlan();
  const RICH_T = { k: 'tracked', type: RICH, nonNull: false } as const;
  const many: PlanFunction = {
    id: 3,
    name: 'many',
    role: 'upcall',
    params: [
      { name: 'r', value: RICH_T, dir: 'in' },
      { name: 'x8', value: int(8, true), dir: 'in' },
      { name: 'x16', value: int(16), dir: 'in' },
      { name: 'x64', value: int(64, true), dir: 'inout' },
      { name: 'flag', value: { k: 'bool' }, dir: 'in' },
      { name: 'c', value: { k: 'char' }, dir: 'in' },
      { name: 's', value: { k: 'string', max: 12, nonNull: true }, dir: 'in' },
      { name: 'buf', value: { k: 'counted', of: u32, count: { slot: 8 }, max: 16, nonNull: false }, dir: 'inout' },
      { name: 'len', value: u32, dir: 'in' },
      { name: 'name', value: { k: 'string', max: null, nonNull: false }, dir: 'out' },
      { name: 'peers', value: { k: 'counted', of: RICH_T, count: 2, max: 4, nonNull: false }, dir: 'in' },
      { name: 'mac', value: { k: 'array', of: int(8), length: 6, string: false }, dir: 'in' },
      { name: 'ops', value: { k: 'ops', iface: OPS, nonNull: false }, dir: 'in' },
      { name: 'h', value: { k: 'opaque', type: HANDLE, nonNull: false }, dir: 'in' },
      { name: 'cb', value: { k: 'callback', type: CB, nonNull: false }, dir: 'in' },
      { name: 'words', value: { k: 'counted', of: int(16, true), count: { op: '*', l: { slot: 8 }, r: 2 }, max: 64, nonNull: false }, dir: 'out' },
      { name: 'self', value: { k: 'tracked', type: RICH, nonNull: true }, dir: 'in' },
      { name: 'outv', value: { k: 'box', of: u32, nonNull: false }, dir: 'out' },
      { name: 'io', value: { k: 'box', of: { k: 'string', max: 8, nonNull: false }, nonNull: false }, dir: 'inout' },
      { name: 'big', value: { k: 'box', of: int(64), nonNull: false }, dir: 'out' },
    ],
    returns: { k: 'counted', of: int(8), count: { slot: 8 }, max: 16, nonNull: false },
    reads: [[0, { all: 0, fields: [[4, null]] }]],
    writes: [[0, { all: 0, fields: [[4, null]] }]],
  };
  const plan: Plan = { ...base, interfaces: [{ ...base.interfaces[0]!, functions: [...base.interfaces[0]!.functions, many] }] };
  const iface = plan.interfaces[0]!;
  const fn = iface.functions.find((f) => f.name === 'many')!;
  const cb = function cb() {};
  const argsOf = (head: Obj): unknown[] => [
    head, -7, 65000, -(1n << 60n), true, 233, 'héllo', Uint32Array.from([1, 2, 0xffffffff]), 3, 'ignored', [head, null],
    Uint8Array.from([1, 2, 3, 4, 5, 6]), { op: 1 }, { h: 2 }, cb, new Int16Array(6), head, { value: 5 }, { value: 'ab' }, { value: 7n },
  ];
  const codec = (side: 'kernel' | 'user', generate: boolean) => new Codec(plan, new ObjectTable(side), undefined, undefined, { generate });

  it('the parameter list is generated (the test would compare the interpreter with itself otherwise), and one with a union is not', () => {
    const ctx = { tables: new ObjectTable('kernel'), callback: () => null, valueWriter: () => () => {}, valueReader: () => () => null, evalCount: () => null, toTyped: () => null, zeroArray: () => null, limit: 1 << 20 };
    expect(generatedArgs(fn, ctx)).to.not.equal(null);
    const unions = { params: [{ name: 'k', value: u32, dir: 'in' }, { name: 'u', value: { k: 'union', type: WIDE, switchOn: 0 }, dir: 'in' }], returns: null } as const;
    expect(generatedArgs(unions as unknown as PlanFunction, ctx)).to.equal(null);
  });

  /** The call's bytes, and the reply's once the user side changed its out values. */
  const roundTrip = (generate: boolean): [string, string] => {
    const w = new WireWriter(new ArrayBuffer(1 << 16));
    const head = richGraph();
    const call = codec('kernel', generate).encodeCall(w, iface, fn, argsOf(head), 3).slice();
    const u = codec('user', generate);
    const got = u.decodeCall(call);
    got.apply();
    const a = got.call.args;
    a[3] = 5n;
    (a[7] as Uint32Array)[1] = 77;
    a[9] = 'out value';
    (a[15] as Int16Array)[5] = -2;
    (a[17] as { value: number }).value = 0xfffffff0;
    (a[18] as { value: string }).value = 'back';
    (a[19] as { value: bigint }).value = 1n << 63n;
    return [hex(call), hex(u.encodeReply(w, iface, fn, a, Uint8Array.from([9, 8, 7]), 3))];
  };

  it('encodes the same call and reply bytes', () => {
    const [call, reply] = roundTrip(true);
    expect([call, reply]).to.deep.equal(roundTrip(false));
    expect(call.length / 2).to.be.greaterThan(150);
  });

  it('2000 mutants of the call decode to the same error or the same arguments and live state', () => {
    const seed = Uint8Array.from(Buffer.from(roundTrip(false)[0], 'hex'));
    const sides = [true, false].map((generate) => codec('user', generate));
    const next = xorshift32(0x1b873593 ^ seed.length);
    let rejected = 0;
    for (let k = 0; k < 2000; k++) {
      const m = mutate(seed, next);
      const [a, b] = sides.map((c) => {
        let args: unknown[] = [];
        return outcome(
          () => {
            const got = c.decodeCall(m);
            got.apply();
            args = got.call.args;
          },
          c.tables,
          () => args,
        );
      });
      if (a !== b) expect.fail(`mutant ${k} (${hex(m)}):\ngenerated:   ${a!.split('\n')[0]}\ninterpreted: ${b!.split('\n')[0]}`);
      if (a!.startsWith('error')) rejected++;
    }
    expect(rejected).to.be.greaterThan(200);
    expect(rejected).to.be.lessThan(2000);
  });

  it('2000 mutants of the reply decode to the same error or the same result, out values and live state', () => {
    const seed = Uint8Array.from(Buffer.from(roundTrip(false)[1], 'hex'));
    const sides = [true, false].map((generate) => {
      const k = codec('kernel', generate);
      const head = richGraph();
      k.encodeCall(new WireWriter(new ArrayBuffer(1 << 16)), iface, fn, argsOf(head), 3);
      return { k, head };
    });
    const next = xorshift32(0x5bd1e995 ^ seed.length);
    let rejected = 0;
    for (let n = 0; n < 2000; n++) {
      const m = mutate(seed, next);
      const [a, b] = sides.map(({ k, head }) => {
        const args = argsOf(head);
        let result: unknown = null;
        return outcome(
          () => void (result = k.decodeReply(m, fn, 3, args)),
          k.tables,
          () => [result, ...args],
        );
      });
      if (a !== b) expect.fail(`mutant ${n} (${hex(m)}):\ngenerated:   ${a!.split('\n')[0]}\ninterpreted: ${b!.split('\n')[0]}`);
      if (a!.startsWith('error')) rejected++;
    }
    expect(rejected).to.be.greaterThan(200);
    expect(rejected).to.be.lessThan(2000);
  });

  it('a bad argument fails encoding with the same error at the same byte', () => {
    const bad: [number, unknown][] = [[1, 128], [2, -1], [3, 1n << 63n], [5, 256], [6, 'much too long!'], [7, Uint32Array.from([1])], [10, [null]], [11, Uint8Array.from([1])], [16, null], [3, 1.5], [18, { value: 'much too long' }]];
    for (const [i, value] of bad) {
      const [a, b] = [true, false].map((generate) => {
        const args = argsOf(richGraph());
        args[i] = value;
        try {
          return hex(codec('kernel', generate).encodeCall(new WireWriter(new ArrayBuffer(1 << 16)), iface, fn, args, 3));
        } catch (e) {
          if (!(e instanceof Error)) throw e;
          return `${e.constructor.name} at ${e instanceof WireError ? e.offset : '-'}: ${e.message}`;
        }
      });
      expect(a, `argument ${i} = ${String(value)}`).to.equal(b);
      expect(a, `argument ${i} = ${String(value)}`).to.not.match(/^[0-9a-f]+$/);
    }
  });
});

describe('runtime: generated code of structs with embedded structs against the interpreter', function () {
  this.timeout(120000);
  // An outer struct embeds an inner one twice, the inner one embeds a leaf; pointers, strings and
  // a counted array inside the embedded ones; one function takes everything deep, the other goes
  // through the embedded struct (its fields merged one by one into the live one) and takes the
  // second embedded struct whole.
  const OUTER = 0x6f757472;
  const INNER = 0x696e6e72;
  const LEAF = 0x6c656166;
  const outerT = { k: 'tracked', type: OUTER, nonNull: false } as const;
  const plan: Plan = {
    module: 'embeds',
    version: 1,
    types: [
      { kind: 'struct', id: LEAF, name: 'leaf', fields: [{ name: 'a', value: int(8, true) }, { name: 'b', value: { k: 'bool' } }, { name: 'q', value: outerT }] },
      {
        kind: 'struct',
        id: INNER,
        name: 'inner',
        fields: [
          { name: 'x', value: u32 },
          { name: 'p', value: outerT },
          { name: 's', value: { k: 'string', max: 8, nonNull: false } },
          { name: 'n', value: int(16) },
          { name: 'arr', value: { k: 'counted', of: int(16), count: { slot: 3 }, max: 8, nonNull: false } },
          { name: 'leaf', value: { k: 'embed', type: LEAF } },
          { name: 'hidden', value: { k: 'skip' } },
        ],
      },
      {
        kind: 'struct',
        id: OUTER,
        name: 'outer',
        fields: [
          { name: 'id', value: u32 },
          { name: 'inner', value: { k: 'embed', type: INNER } },
          { name: 'next', value: outerT },
          { name: 'name', value: { k: 'string', max: null, nonNull: false } },
          { name: 'cnt', value: u32 },
          { name: 'data', value: { k: 'counted', of: u32, count: { slot: 4 }, max: 16, nonNull: false } },
          { name: 'inner2', value: { k: 'embed', type: INNER } },
        ],
      },
    ],
    interfaces: [
      {
        id: OPS,
        name: 'embeds',
        functions: [
          { id: 1, name: 'deep', role: 'upcall', params: [{ name: 'o', value: outerT, dir: 'in' }], returns: null, reads: [[0, { all: 2, fields: [] }]], writes: [[0, { all: 2, fields: [] }]] },
          {
            id: 2,
            name: 'through',
            role: 'upcall',
            params: [{ name: 'o', value: outerT, dir: 'in' }],
            returns: null,
            reads: [[0, { all: 0, fields: [[0, null], [1, { all: 0, fields: [[0, null], [1, { all: 0, fields: [[0, null]] }]] }, 1], [2, { all: 0, fields: [[0, null]] }], [6, null]] }]],
            writes: [[0, { all: 0, fields: [[1, { all: 0, fields: [[3, null], [5, { all: 0, fields: [[1, null]] }, 1]] }, 1], [4, null], [5, null]] }]],
          },
        ],
      },
    ],
  };
  const iface = plan.interfaces[0]!;
  const graph = (): Obj => {
    const inner = (k: number, p: Obj | null): Obj => ({ x: 100 + k, p, s: k % 3 === 0 ? null : `s${k}`, n: k % 4, arr: Uint16Array.from({ length: k % 4 }, (_, j) => j + k), leaf: { a: -k, b: k % 2 === 0, q: p }, hidden: 'never' });
    const o: Obj[] = [0, 1, 2].map((k) => ({ id: k, inner: null, next: null, name: `outer ${k}`, cnt: k + 1, data: Uint32Array.from({ length: k + 1 }, (_, j) => j * 7), inner2: null }));
    o.forEach((x, k) => {
      x['next'] = o[(k + 1) % 3];
      x['inner'] = inner(k, o[(k + 2) % 3]!);
      x['inner2'] = inner(k + 5, k === 1 ? null : x);
    });
    return o[0]!;
  };
  const codec = (side: 'kernel' | 'user', generate: boolean) => new Codec(plan, new ObjectTable(side), undefined, undefined, { generate });

  it('the outer struct and the inner one are generated (the test would compare the interpreter with itself otherwise)', () => {
    const ctx = { tables: new ObjectTable('kernel'), callback: () => null, fieldWriter: () => () => {}, fieldReader: () => () => null, elementWriter: () => () => {}, elementReader: () => () => null, evalCount: () => null, toTyped: () => null, slot: 0, applyEmbed: () => {}, collectEmbed: () => {} };
    for (const t of plan.types) if (t.kind === 'struct') expect(generatedStruct(t, ctx), t.name).to.not.equal(null);
  });

  for (const fname of ['deep', 'through'] as const) {
    const fn = iface.functions.find((f) => f.name === fname)!;
    const roundTrip = (generate: boolean): [string, string, string] => {
      const w = new WireWriter(new ArrayBuffer(1 << 16));
      const call = codec('kernel', generate).encodeCall(w, iface, fn, [graph()], 3).slice();
      const u = codec('user', generate);
      const got = u.decodeCall(call);
      got.apply();
      const shadow = got.call.args[0] as Obj;
      const shadowInner = shadow['inner'] as Obj;
      (shadowInner['leaf'] as Obj)['b'] = 'changed';
      shadowInner['n'] = 2;
      shadowInner['arr'] = Uint16Array.from([7, 8]);
      shadow['cnt'] = 2;
      shadow['data'] = Uint32Array.from([5, 6]);
      const reply = u.encodeReply(w, iface, fn, got.call.args, undefined, 3).slice();
      return [hex(call), hex(reply), snapshot(u.tables, got.call.args)];
    };

    it(`${fname}: encodes the same call and reply bytes, and the receiver gets the same live state`, () => {
      const a = roundTrip(true);
      expect(a).to.deep.equal(roundTrip(false));
      expect(a[0].length / 2).to.be.greaterThan(fname === 'deep' ? 400 : 150);
    });

    it(`${fname}: 2000 mutants of the call and of the reply decode to the same error or the same live state`, () => {
      const [callHex, replyHex] = roundTrip(false);
      const call = Uint8Array.from(Buffer.from(callHex, 'hex'));
      const reply = Uint8Array.from(Buffer.from(replyHex, 'hex'));
      const users = [true, false].map((generate) => {
        const c = codec('user', generate);
        const first = c.decodeCall(call);
        first.apply();
        return { c, roots: first.call.args };
      });
      const kernels = [true, false].map((generate) => {
        const k = codec('kernel', generate);
        const head = graph();
        k.encodeCall(new WireWriter(new ArrayBuffer(1 << 16)), iface, fn, [head], 3);
        return { k, head };
      });
      const next = xorshift32(0x7feb352d ^ call.length ^ (reply.length << 16));
      let rejected = 0;
      for (let n = 0; n < 2000; n++) {
        const toReply = n % 2 === 1;
        const m = mutate(toReply ? reply : call, next);
        const [a, b] = toReply
          ? kernels.map(({ k, head }) => outcome(() => void k.decodeReply(m, fn, 3, [head]), k.tables, () => [head]))
          : users.map(({ c, roots }) => outcome(() => c.decodeCall(m).apply(), c.tables, () => roots));
        if (a !== b) expect.fail(`mutant ${n} of the ${toReply ? 'reply' : 'call'} (${hex(m)}):\ngenerated:   ${a!.split('\n')[0]}\ninterpreted: ${b!.split('\n')[0]}`);
        if (a!.startsWith('error')) rejected++;
      }
      expect(rejected).to.be.greaterThan(200);
      expect(rejected).to.be.lessThan(2000);
    });
  }

  it('through: the live embedded struct is merged in place, only the fields the access set goes through', () => {
    const fn = iface.functions.find((f) => f.name === 'through')!;
    const w = new WireWriter(new ArrayBuffer(1 << 16));
    const k = codec('kernel', true);
    const u = codec('user', true);
    const head = graph();
    const first = u.decodeCall(k.encodeCall(w, iface, fn, [head], 1).slice());
    first.apply();
    const shadow = first.call.args[0] as Obj;
    const inner = shadow['inner'] as Obj;
    expect([inner['x'], typeof inner['p']]).to.deep.equal([100, 'object']);
    inner['n'] = 42; // the user side's own value of a field the call does not go through
    const inner2 = shadow['inner2'] as Obj;
    (head['inner'] as Obj)['x'] = 7;
    (head['inner'] as Obj)['n'] = 2;
    (head['inner'] as Obj)['arr'] = Uint16Array.from([1, 2]);
    (head['inner2'] as Obj)['x'] = 8;
    u.decodeCall(k.encodeCall(w, iface, fn, [head], 2).slice()).apply();
    expect(shadow['inner']).to.equal(inner);
    expect([inner['x'], inner['n']]).to.deep.equal([7, 42]);
    // inner2 is selected whole: its live struct is updated in place too, every field.
    expect(shadow['inner2']).to.equal(inner2);
    expect(inner2['x']).to.equal(8);
  });
});
