// Encoding and decoding one call in TypeScript: probe.ring(head), whose access set reads a ring of
// 32 aliased nodes deep (runtime/ts/probe: about 6.2 KB on the wire), against v8.serialize +
// v8.deserialize and msgpackr pack + unpack of the same object graph (both keep the aliasing:
// msgpackr with structuredClone), and against Uint8Array.set of the message's bytes; and, as a
// floor for what JavaScript takes to move these fields at all, hand-written unchecked code that
// knows the ring (bench/ts/codec-floor.ts). Contenders alternate in batches, round by round, and
// every contender's batch lasts about as long (BATCH_MS, sized from the warm-up round): with a fixed
// count, the codec's batch took 2.6 ms and v8's 23 ms, so a collection or a stretch of the host's
// load fell into v8's batches every time and into the codec's now and then.
import { Packr } from 'msgpackr';
import { performance } from 'node:perf_hooks';
import * as v8 from 'node:v8';
import { probe } from '../../runtime/ts/index.js';
import { figure, type BenchOptions, type Figure, type Section } from '../figure.js';
import { ratios, spread } from '../stats.js';
import { codecFloor } from '../ts/codec-floor.js';

/** How long each contender's batch runs, once sized (ms). */
const BATCH_MS = 20;

/** A batch's count for a contender that took `ns` a call in the warm-up: BATCH_MS long, at least `min`. */
function sized(ns: number, min: number, quick: boolean): number {
  return quick ? min : Math.max(min, Math.ceil((BATCH_MS * 1e6) / ns));
}

function timeBatch(n: number, fn: () => void): number {
  const t0 = performance.now();
  for (let i = 0; i < n; i++) fn();
  return ((performance.now() - t0) * 1e6) / n;
}

export const tsCodecSection: Section = {
  name: 'ts-codec',
  async run(o: BenchOptions): Promise<Figure[]> {
    const rounds = o.quick ? 2 : 15;
    const batch = o.quick ? 20 : 400;
    const f = probe.codecFixture(32, 32);
    const head = f.ring[0]!;
    const packr = new Packr({ structuredClone: true, useBigIntExtension: true });
    const dst = new Uint8Array(f.bytes.length);
    // Each contender must carry the graph: check one round trip of each before timing.
    const viaV8 = v8.deserialize(v8.serialize(head)) as probe.ProbeNode;
    const viaPack = packr.unpack(packr.pack(head)) as probe.ProbeNode;
    const floor = codecFloor(f.ring);
    floor.run();
    for (const g of [viaV8, viaPack, floor.shadows[0]!]) {
      if (g.next!.next!.value !== 2 || g.peer!.next !== g.next!.peer || g.items![3] !== head.items![3] || g.stamp !== head.stamp || g.label !== head.label)
        throw new Error('a serializer did not carry the ring with its aliasing');
    }
    const ours: number[] = [];
    const v8s: number[] = [];
    const packs: number[] = [];
    const sets: number[] = [];
    const floors: number[] = [];
    // Counts per contender: a fixed one for the warm-up round, then BATCH_MS long each.
    const n = { a: batch, b: batch, c: batch, d: batch * 20, e: batch };
    for (let r = -2; r < rounds; r++) {
      // Rounds -2 and -1 warm every contender up (the first runs cold code) and size the
      // batches from what they took; neither is kept.
      const a = timeBatch(n.a, () => {
        f.encode();
        f.decode();
      });
      const b = timeBatch(n.b, () => v8.deserialize(v8.serialize(head)));
      const c = timeBatch(n.c, () => packr.unpack(packr.pack(head)));
      const d = timeBatch(n.d, () => dst.set(f.bytes));
      const e = timeBatch(n.e, () => floor.run());
      if (r === -2) continue;
      if (r < 0) {
        Object.assign(n, { a: sized(a, n.a, o.quick), b: sized(b, n.b, o.quick), c: sized(c, n.c, o.quick), d: sized(d, n.d, o.quick), e: sized(e, n.e, o.quick) });
        o.log(`ts-codec batches: ours ${n.a}, v8 ${n.b}, msgpackr ${n.c}, set ${n.d}, floor ${n.e} calls`);
        continue;
      }
      floors.push(e);
      ours.push(a);
      v8s.push(b);
      packs.push(c);
      sets.push(d);
    }
    o.log(`ts-codec: ours ${spread(ours).median.toFixed(0)} ns, v8 ${spread(v8s).median.toFixed(0)} ns, msgpackr ${spread(packs).median.toFixed(0)} ns, set ${spread(sets).median.toFixed(0)} ns, unchecked floor ${spread(floors).median.toFixed(0)} ns`);
    const bytes = f.bytes.length;
    return [
      figure({ id: 'ts.codec.ns', section: 'ts-codec', label: `TS encode + decode of a call (32-node aliased ring, ${bytes} bytes)`, unit: 'ns', value: spread(ours), target: null, limits: 'per object: the object-table lookups (encoding: one for its id and for whether the message has it, one per node it points to; decoding: one per id), a staged record (pooled), one bulk copy of the message into the codec\'s private scratch, and copying each counted array once (at apply) into the shadow; the code per struct and per parameter list is straight-line (codec-gen.ts, codec-gen-args.ts), with one bounds check per run of fixed-size fields and one per string or array, and a run of entries of one struct is written and read in one call' }),
      figure({ id: 'ts.codec.v8-speedup', section: 'ts-codec', label: 'v8.serialize + deserialize ÷ TS codec (times faster)', unit: 'x', value: spread(ratios(v8s, ours)), target: { op: '>=', value: 10 }, limits: 'v8 serializes every field of every node in C++; the codec only the access set, in generated JavaScript, but it also keeps identities in the object tables and stages the whole message before applying it, and copies each node\'s array twice (into the message, then into the shadow). The codec now takes about as long as hand-written unchecked code that moves just these fields (the last figures): v8 ÷ that floor is the ceiling of this ratio for any JavaScript codec that makes the objects' }),
      figure({ id: 'ts.codec.msgpackr-speedup', section: 'ts-codec', label: 'msgpackr pack + unpack (structuredClone) ÷ TS codec (times faster)', unit: 'x', value: spread(ratios(packs, ours)), target: { op: '>=', value: 2 }, limits: 'msgpackr is a tuned general serializer; the codec\'s edge is knowing the types' }),
      figure({ id: 'ts.codec.vs-set', section: 'ts-codec', label: 'TS codec ÷ Uint8Array.set of the same bytes', unit: 'x', value: spread(ratios(ours, sets)), target: { op: '<=', value: 10 }, limits: 'a bulk copy is the floor of moving bytes, not of moving these fields: hand-written unchecked code that writes and reads just the fields of the 32 nodes (the next figure) takes about as long as the codec, so what the target asks is out of reach of any JavaScript that makes the objects, checked or not: a string decoded, a BigInt made, an array copied in and out per node' }),
      figure({ id: 'ts.codec.floor-vs-set', section: 'ts-codec', label: 'hand-written unchecked write + read of the same fields (bench/ts/codec-floor.ts) ÷ Uint8Array.set of the message', unit: 'x', value: spread(ratios(floors, sets)), target: null, limits: 'per node: a UTF-8 label encoded and decoded, a BigInt read, 32 items copied into a buffer and out into the shadow, two links; no header, no object tables, no checks, no staging' }),
      figure({ id: 'ts.codec.v8-vs-floor', section: 'ts-codec', label: 'v8.serialize + deserialize ÷ the hand-written unchecked floor (times faster)', unit: 'x', value: spread(ratios(v8s, floors)), target: null, limits: 'the most any codec that makes these objects in JavaScript could score against v8 on this fixture: the floor writes and reads just the fields, with nothing checked, staged or looked up' }),
      figure({ id: 'ts.codec.vs-floor', section: 'ts-codec', label: 'TS codec ÷ the hand-written unchecked floor', unit: 'x', value: spread(ratios(ours, floors)), target: null, limits: 'what the codec adds to moving the fields: the header, object tables and identities, the access-set checks, bounds checks, staging until the whole message validated' }),
    ];
  },
};
