// The scenario behind test/vectors/messages/graph.json: the calls of test/c/corpus/graph.mdl
// that the TypeScript codec and the generated C (test/c/message-vectors.c) both encode from fresh
// tables, and must encode to the same bytes. The C program builds the same graph by hand.
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildPlan } from '../../compiler/backends/ts/plan.js';
import { frontEnd } from '../../compiler/pipeline.js';
import { Codec } from '../../runtime/ts/codec.js';
import { ObjectTable } from '../../runtime/ts/object-table.js';
import type { Plan } from '../../runtime/ts/plan.js';
import { WireWriter } from '../../runtime/ts/wire-writer.js';

type Obj = Record<string, unknown>;

export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const MESSAGES = path.join(ROOT, 'test/vectors/messages/graph.json');

export interface MessageVector {
  name: string;
  description: string;
  /** The side that encodes it. */
  from: 'kernel' | 'user';
  hex: string;
}

export function graphPlan(): Plan {
  const fe = frontEnd([path.join(ROOT, 'test/c/corpus/graph.mdl')]);
  if (!fe.ir) throw new Error('graph.mdl does not check');
  return buildPlan(fe.ir, 'graph', 1);
}

/** A, B, C: a cycle with aliases, strings, counted arrays, each union arm, interior pointers. */
export function graph(): { A: Obj; B: Obj; C: Obj } {
  const B: Obj = {};
  const C: Obj = {};
  const ringB = new Uint8Array(8);
  ringB[7] = 77;
  const A: Obj = {
    value: 1, label: 'ay', next: B, peer: C, nitems: 3, items: Int32Array.from([1, 2, 3]), kind: 1,
    shape: { arm: 'radius', value: 5 }, pos: { x: 10, y: 20 }, kernel_only: 0xdead, ring: new Uint8Array(8),
    cursor: null, flags: 5, mode: 17,
  };
  Object.assign(B, {
    value: 2, label: 'bee', next: C, peer: B, nitems: 1, items: Int32Array.from([-7]), kind: 2,
    shape: { arm: 'r', value: { w: 3, h: 4 } }, pos: { x: 0, y: 0 }, kernel_only: 0, ring: ringB,
    cursor: { base: ringB, index: 8 }, flags: 0, mode: 0,
  });
  Object.assign(C, {
    value: 3, label: 'see', next: A, peer: null, nitems: 0, items: null, kind: 3,
    shape: { arm: 'text', value: 'hello' }, pos: { x: 0, y: 0 }, kernel_only: 0, ring: new Uint8Array(8),
    cursor: { base: ringB, index: 2 }, flags: 0, mode: 0,
  });
  return { A, B, C };
}

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

/** Every vector, computed by the TypeScript codec (fresh tables per vector). */
export function computeVectors(): MessageVector[] {
  const plan = graphPlan();
  const w = new WireWriter(new ArrayBuffer(1 << 16));
  const codec = (side: 'kernel' | 'user'): Codec => new Codec(plan, new ObjectTable(side));
  const out: MessageVector[] = [];
  const up = (c: Codec) => c.interfaceNamed('user_ops');
  const down = (c: Codec) => c.interfaceNamed('kernel_ops');
  const fn = (i: ReturnType<Codec['interfaceNamed']>, name: string) => i.functions.find((f) => f.name === name)!;

  {
    const k = codec('kernel');
    const { A } = graph();
    const take = k.encodeCall(w, up(k), fn(up(k), 'take'), [A], 1).slice();
    out.push({ name: 'take-deep-graph', description: 'kernel → user: take(A), reads(head.**): three objects in preorder, a cycle, aliases, strings, counted arrays, every union arm, bitfields, interior pointers', from: 'kernel', hex: hex(take) });
    // The u-driver's answer: it changes the graph and writes everything back.
    const u = codec('user');
    const got = u.decodeCall(take);
    got.apply();
    const a = got.call.args[0] as Obj;
    const b = a['next'] as Obj;
    const c = b['next'] as Obj;
    a['value'] = 101;
    b['label'] = 'bee-changed';
    b['nitems'] = 2;
    b['items'] = Int32Array.from([41, 42]);
    c['kind'] = 1;
    c['shape'] = { arm: 'radius', value: 9 };
    c['mode'] = 31;
    const reply = u.encodeReply(w, up(u), fn(up(u), 'take'), [a], 3, 1).slice();
    out.push({ name: 'take-reply-writes-back', description: 'user → kernel: the reply to take-deep-graph after the u-driver changed a value, a string, a counted array, a union arm and a bitfield; writes(head.**)', from: 'user', hex: hex(reply) });
  }
  {
    const k = codec('kernel');
    const { A } = graph();
    const visit = (v: number): number => v;
    const walk = k.encodeCall(w, up(k), fn(up(k), 'walk'), [A, visit], 1).slice();
    out.push({ name: 'walk-named-selection-callback', description: 'kernel → user: walk(A, visit): a named selection three objects deep and a callback id', from: 'kernel', hex: hex(walk) });
  }
  {
    const k = codec('kernel');
    const { C } = graph();
    const nameOf = k.encodeCall(w, up(k), fn(up(k), 'name_of'), [C, new Uint8Array(33)], 1).slice();
    out.push({ name: 'name-of-out-string', description: 'kernel → user: name_of(C, buf): reads(n.label), an [out] string sends an empty string', from: 'kernel', hex: hex(nameOf) });
  }
  {
    const u = codec('user');
    const sum = u.encodeCall(w, down(u), fn(down(u), 'sum'), [4, Int32Array.from([1, 2, 3, 4]), { value: 0n }], 1).slice();
    out.push({ name: 'sum-counted-and-out-box', description: 'user → kernel: sum(4, {1,2,3,4}, &total): a counted array and an [out] s64 box (its shell: present, zero)', from: 'user', hex: hex(sum) });
  }
  {
    const u = codec('user');
    const n: Obj = { value: 0 };
    const set = u.encodeCall(w, down(u), fn(down(u), 'set_shape'), [n, 1, { arm: 'radius', value: 77 }], 1).slice();
    out.push({ name: 'set-shape-union-param', description: 'user → kernel: set_shape(n, CIRCLE, {radius 77}): a user object by id alone (reads()), a union parameter switched by a parameter', from: 'user', hex: hex(set) });
  }
  return out;
}
