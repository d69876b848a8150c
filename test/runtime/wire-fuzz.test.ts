// The TypeScript decoders under mutated messages, with a snapshot of live state: each mutant of a
// valid call or reply is either accepted (and applied) or rejected with a WireError, and after a
// rejection every live object and table entry is byte for byte what it was. A fixed number of
// mutants from a fixed seed (no clock decides anything), a few seconds in all.
import { expect } from 'chai';
import { Codec } from '../../runtime/ts/codec.js';
import { WireError } from '../../runtime/ts/errors.js';
import { HEADER_SIZE } from '../../runtime/ts/header.js';
import { ObjectTable } from '../../runtime/ts/object-table.js';
import type { PlanFunction, PlanInterface } from '../../runtime/ts/plan.js';
import { probeFunction, probeInterface, probePlan, probeRing } from '../../runtime/ts/probe/plan.js';
import { WireWriter } from '../../runtime/ts/wire-writer.js';
import { graph, graphPlan } from './graph-scenario.js';
import { xorshift32 } from '../xorshift.js';

type Obj = Record<string, unknown>;

const INTERESTING = [0, 1, 2, 7, 8, 0xff, 0x7fffffff, 0x80000000, 0x80000001, 0xfffffffe, 0xffffffff, 0x10000, 32, 64];

/** One mutant of `seed`: bytes changed, u32s overwritten, cut or grown; the payload length fixed up half the time so the header passes. */
function mutate(seed: Uint8Array, next: () => number): Uint8Array {
  let m = seed.slice();
  const view = () => new DataView(m.buffer, m.byteOffset, m.byteLength);
  const edits = 1 + (next() % 4);
  for (let e = 0; e < edits; e++) {
    switch (next() % 6) {
      case 0:
      case 1:
        m[next() % m.length] = next() & 0xff;
        break;
      case 2:
      case 3: {
        const at = (next() % (m.length >> 2)) << 2;
        view().setUint32(at, INTERESTING[next() % INTERESTING.length]!, true);
        break;
      }
      case 4: {
        const cut = HEADER_SIZE + (next() % Math.max(1, m.length - HEADER_SIZE));
        m = m.slice(0, cut);
        break;
      }
      default: {
        const grown = new Uint8Array(m.length + 8 * (1 + (next() % 4)));
        grown.set(m);
        m = grown;
      }
    }
  }
  if (next() & 1 && m.length >= HEADER_SIZE) view().setUint32(24, m.length - HEADER_SIZE, true);
  return m;
}

/**
 * Everything a decode could change: every entry of the table and, deep, every live object, as
 * text. Objects are numbered in the order a walk (explicit stack) first meets them, so aliases
 * and cycles show, and the same graph always gives the same text.
 */
function snapshot(tables: ObjectTable, roots: unknown[]): string {
  const entries = tables.entries();
  const out: string[] = [`${tables.size} ${tables.peerSize} ${tables.isStaging}`];
  const seen = new Map<object, number>();
  const todo: unknown[] = [];
  const ref = (x: unknown): string => {
    if (typeof x === 'bigint') return `${x}n`;
    if (typeof x === 'string') return JSON.stringify(x);
    if (typeof x === 'function') return `fn:${x.name}#${seen.get(x) ?? (seen.set(x, seen.size), seen.size - 1)}`;
    if (typeof x !== 'object' || x === null) return String(x);
    let n = seen.get(x);
    if (n === undefined) {
      seen.set(x, (n = seen.size));
      todo.push(x);
    }
    return `#${n}`;
  };
  out.push(entries.map((e) => `${e.id}:${e.kind}:${e.typeId}:${e.own}:${ref(e.value)}`).join(' '));
  out.push(roots.map(ref).join(' '));
  for (let i = 0; i < todo.length; i++) {
    const x = todo[i] as object;
    if (ArrayBuffer.isView(x)) out.push(`#${seen.get(x)} ${x.constructor.name} ${Array.from(x as unknown as ArrayLike<unknown>, ref).join(',')}`);
    else out.push(`#${seen.get(x)} ${Object.keys(x).sort().map((k) => `${k}=${ref((x as Obj)[k])}`).join(' ')}`);
  }
  return out.join('\n');
}

interface Target {
  name: string;
  seed: Uint8Array;
  codec: Codec;
  roots: unknown[];
  /** Decodes and applies a message; throws what the decoder throws. */
  decode(bytes: Uint8Array): void;
}

function callTarget(name: string, plan: typeof probePlan, encode: (k: Codec, w: WireWriter) => Uint8Array): Target {
  const kernel = new Codec(plan, new ObjectTable('kernel'));
  const user = new Codec(plan, new ObjectTable('user'));
  const w = new WireWriter(new ArrayBuffer(1 << 16));
  const seed = encode(kernel, w).slice();
  // The receiver has seen the message once: its shadows exist, so mutants can update them.
  const first = user.decodeCall(seed);
  first.apply();
  const roots = first.call.args;
  return { name, seed, codec: user, roots, decode: (b) => user.decodeCall(b).apply() };
}

function replyTarget(name: string, plan: typeof probePlan, iface: PlanInterface, fn: PlanFunction, args: unknown[], change: (userArgs: unknown[]) => void): Target {
  const kernel = new Codec(plan, new ObjectTable('kernel'));
  const user = new Codec(plan, new ObjectTable('user'));
  const w = new WireWriter(new ArrayBuffer(1 << 16));
  const got = user.decodeCall(kernel.encodeCall(w, iface, fn, args, 5).slice());
  got.apply();
  change(got.call.args);
  const seed = user.encodeReply(w, iface, fn, got.call.args, fn.returns ? 0 : undefined, 5).slice();
  return { name, seed, codec: kernel, roots: args, decode: (b) => void kernel.decodeReply(b, fn, 5, args) };
}

function targets(): Target[] {
  const g = graphPlan();
  const up = (c: Codec) => c.interfaceNamed('user_ops');
  const fn = (c: Codec, name: string) => up(c).functions.find((f) => f.name === name)!;
  const gk = new Codec(g, new ObjectTable('kernel'));
  const ring = probeRing(8, 4);
  return [
    callTarget('graph take(A), deep', g, (k, w) => k.encodeCall(w, up(k), fn(k, 'take'), [graph().A], 1)),
    callTarget('graph walk(A, visit)', g, (k, w) => k.encodeCall(w, up(k), fn(k, 'walk'), [graph().A, (v: number) => v], 1)),
    callTarget('probe ring(head), 8 aliased nodes', probePlan, (k, w) => k.encodeCall(w, probeInterface, probeFunction('ring'), [probeRing(8, 4)[0]], 1)),
    replyTarget('graph take reply, writes(head.**)', g, up(gk), fn(gk, 'take'), [graph().A], ([a]) => {
      const x = a as Obj;
      x['value'] = 101;
      x['label'] = 'changed';
      (x['next'] as Obj)['items'] = Int32Array.from([41]);
      (x['next'] as Obj)['nitems'] = 1;
    }),
    replyTarget('probe ring reply', probePlan, probeInterface, probeFunction('ring'), [ring[0]], ([h]) => {
      (h as Obj)['value'] = 77;
    }),
  ];
}

describe('runtime: wire fuzz with a snapshot of live state', function () {
  this.timeout(120000);
  const MUTANTS = 5000;

  for (const t of targets()) {
    it(`${t.name}: ${MUTANTS} mutants are accepted or rejected with WireError, and a rejection changes nothing`, () => {
      const next = xorshift32(0x9e3779b9 ^ t.seed.length);
      let before = snapshot(t.codec.tables, t.roots);
      let rejected = 0;
      let accepted = 0;
      for (let i = 0; i < MUTANTS; i++) {
        const m = mutate(t.seed, next);
        try {
          t.decode(m);
          accepted++;
          before = snapshot(t.codec.tables, t.roots);
        } catch (e) {
          if (!(e instanceof WireError)) throw new Error(`mutant ${i} (${Buffer.from(m).toString('hex')}) threw ${String(e)}`, { cause: e });
          rejected++;
          const after = snapshot(t.codec.tables, t.roots);
          if (after !== before) expect.fail(`mutant ${i} was rejected (${e.message}) but changed live state:\n${Buffer.from(m).toString('hex')}`);
        }
      }
      // Both outcomes happen: the mutants reach past the header into the objects.
      expect(rejected).to.be.greaterThan(MUTANTS / 2);
      expect(accepted + rejected).to.equal(MUTANTS);
    });
  }
});
