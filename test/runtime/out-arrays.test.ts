// An [out] array crosses in its call as its count alone (docs/wire-format.md, "Payload"): the
// callee gets that many zeroed elements, whatever the caller's buffer held, and the elements cross
// once, in the reply. The generated argument code and the interpreter agree on every byte.
import { expect } from 'chai';
import { buildPlan } from '../../compiler/backends/ts/plan.js';
import { generatedArgs } from '../../runtime/ts/codec-gen-args.js';
import { Codec } from '../../runtime/ts/codec.js';
import { WireError } from '../../runtime/ts/errors.js';
import { DEFAULT_LIMITS } from '../../runtime/ts/header.js';
import { ObjectTable } from '../../runtime/ts/object-table.js';
import type { Plan, PlanFunction, PlanInterface } from '../../runtime/ts/plan.js';
import { WireWriter } from '../../runtime/ts/wire-writer.js';
import { irOf } from '../helpers.js';

const IDL = `
struct net_device { u32 ifindex; }
struct rec { u32 id; [string, max(16)] char *name; u8 tag[4]; [string] char label[8]; u64 big; bool on; }
interface ops {
    upcall void get_strings(net_device *dev, u32 set, [out, count(len), max(4096)] u8 *data, u32 len) reads(dev.ifindex) writes();
    upcall void get_stats(net_device *dev, [out, count(4)] u64 *data, [out, count(3)] bool *flags) reads() writes();
    upcall void get_words(net_device *dev, u32 n, [out, count(n)] s32 *words) reads() writes();
    upcall void get_recs(net_device *dev, u32 n, [out, count(n), max(8)] rec *recs) reads() writes();
}
`;

const plan: Plan = buildPlan(irOf(IDL), 't', 1);
const iface: PlanInterface = plan.interfaces[0]!;
const fn = (name: string): PlanFunction => iface.functions.find((f) => f.name === name)!;
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

function sides(generate: boolean, maxPayload = DEFAULT_LIMITS.maxPayload): { k: Codec; u: Codec; w: WireWriter } {
  const limits = { maxPayload };
  return {
    k: new Codec(plan, new ObjectTable('kernel'), undefined, limits, { generate }),
    u: new Codec(plan, new ObjectTable('user'), undefined, limits, { generate }),
    w: new WireWriter(new ArrayBuffer(1 << 16)),
  };
}

for (const generate of [true, false]) {
  describe(`[out] arrays of numbers cross as their count (${generate ? 'generated' : 'interpreted'} argument code)`, () => {
    it('the call carries no byte of the caller\'s buffer; the callee gets zeros; the reply fills the buffer', () => {
      const { k, u, w } = sides(generate);
      const dev = { ifindex: 7 };
      const stale = new Uint8Array(1000).fill(0x5a);
      const call = k.encodeCall(w, iface, fn('get_strings'), [dev, 3, stale, 1000], 9).slice();
      expect(call.length).to.be.lessThan(100);
      expect(hex(call)).to.not.contain('5a5a');
      const got = u.decodeCall(call);
      got.apply();
      const data = got.call.args[2] as Uint8Array;
      expect(data).to.be.instanceOf(Uint8Array);
      expect(data.length).to.equal(1000);
      expect(data.every((b) => b === 0)).to.equal(true);
      data.forEach((_, i) => (data[i] = (i * 7) & 0xff));
      const reply = u.encodeReply(w, iface, fn('get_strings'), got.call.args, undefined, 9).slice();
      expect(reply.length).to.be.greaterThan(1000);
      expect(k.decodeReply(reply, fn('get_strings'), 9, [dev, 3, stale, 1000])).to.deep.equal({ value: undefined });
      expect(stale.every((b, i) => b === ((i * 7) & 0xff))).to.equal(true);
    });

    it('a u64 array arrives as zeroed BigUint64Array, a bool array as falses', () => {
      const { k, u, w } = sides(generate);
      const call = k.encodeCall(w, iface, fn('get_stats'), [{ ifindex: 1 }, BigUint64Array.from([1n, 2n, 3n, 4n]), [true, true, true]], 2).slice();
      const got = u.decodeCall(call);
      got.apply();
      expect(got.call.args[1]).to.be.instanceOf(BigUint64Array);
      expect([...(got.call.args[1] as BigUint64Array)]).to.deep.equal([0n, 0n, 0n, 0n]);
      expect(got.call.args[2]).to.deep.equal([false, false, false]);
    });

    it('an array of structs arrives as zeroed structs: numbers 0, strings and pointers null, fixed arrays zeroed', () => {
      const { k, u, w } = sides(generate);
      const full = (i: number) => ({ id: 0x5a5a5a5a + i, name: 'stale-name', tag: Uint8Array.from([0x5a, 0x5a, 0x5a, 0x5a]), label: 'stale', big: 0x5a5a5a5an, on: true });
      const call = k.encodeCall(w, iface, fn('get_recs'), [{ ifindex: 1 }, 2, [full(0), full(1)]], 4).slice();
      expect(hex(call)).to.not.contain('5a5a');
      expect(Buffer.from(call).toString('latin1')).to.not.contain('stale');
      const got = u.decodeCall(call);
      got.apply();
      const zero = { id: 0, name: null, tag: new Uint8Array(4), label: '', big: 0n, on: false };
      expect(got.call.args[2]).to.deep.equal([zero, zero]);
      const recs = got.call.args[2] as { id: number; name: string | null }[];
      expect(recs[0]).to.not.equal(recs[1]);
      recs[1]!.id = 9;
      recs[1]!.name = 'filled';
      const reply = u.encodeReply(w, iface, fn('get_recs'), got.call.args, undefined, 4).slice();
      expect(Buffer.from(reply).toString('latin1')).to.contain('filled');
    });

    it('the caller\'s array is still checked against its count and max before anything is sent', () => {
      const { k, w } = sides(generate);
      expect(() => k.encodeCall(w, iface, fn('get_strings'), [{ ifindex: 1 }, 1, new Uint8Array(4), 5], 1)).to.throw(WireError, /4 elements where its count says 5/);
      expect(() => k.encodeCall(w, iface, fn('get_strings'), [{ ifindex: 1 }, 1, new Uint8Array(4097), 4097], 1)).to.throw(WireError, /exceeds max\(4096\)/);
    });

    it('a hostile count is refused where it stands: above max, above what a reply can carry, or not the count expression', () => {
      const { k, w } = sides(generate, 4096);
      const call = (n: number, len: number): Uint8Array => {
        const bytes = k.encodeCall(w, iface, fn('get_words'), [{ ifindex: 1 }, len, new Int32Array(len)], 1).slice();
        // The count word is the last 8 bytes' first 4 (count, then padding to 8).
        new DataView(bytes.buffer).setUint32(bytes.length - 8, n, true);
        return bytes;
      };
      const u = sides(generate, 4096).u;
      const ok = u.decodeCall(call(1024, 1024));
      expect((ok.call.args[2] as Int32Array).length).to.equal(1024);
      ok.discard();
      expect(() => u.decodeCall(call(1025, 1))).to.throw(WireError, /would not fit in a reply \(payload limit 4096\)/);
      expect(() => u.decodeCall(call(3, 2))).to.throw(WireError, /3 elements where its count says 2/);
      expect(() => u.decodeCall(call(0xfffffffe, 1))).to.throw(WireError, /would not fit in a reply/);
    });
  });
}

describe('[out] arrays: both argument codes write the same bytes', () => {
  it('the functions of numbers have generated arguments (or the comparison would be of the interpreter with itself); an array of structs is interpreted', () => {
    const ctx = { tables: new ObjectTable('kernel'), callback: () => null, valueWriter: () => () => {}, valueReader: () => () => null, evalCount: () => null, toTyped: () => null, zeroArray: () => null, limit: 1 << 20 };
    for (const f of iface.functions) expect(generatedArgs(f, ctx) === null, f.name).to.equal(f.name === 'get_recs');
  });

  it('for each function', () => {
    const args: Record<string, unknown[]> = {
      get_strings: [{ ifindex: 7 }, 3, new Uint8Array(10).fill(1), 10],
      get_stats: [{ ifindex: 7 }, new BigUint64Array(4).fill(9n), [true, false, true]],
      get_words: [{ ifindex: 7 }, 0, new Int32Array(0)],
      get_recs: [{ ifindex: 7 }, 1, [{ id: 1, name: 'x', tag: new Uint8Array(4), label: 'y', big: 1n, on: true }]],
    };
    for (const [name, a] of Object.entries(args)) {
      const [g, i] = [true, false].map((generate) => {
        const { k, w } = sides(generate);
        return hex(k.encodeCall(w, iface, fn(name), a, 1));
      });
      expect(g, name).to.equal(i);
    }
  });
});
