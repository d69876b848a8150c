// Property: random object graphs (aliasing, cycles, strings, counted arrays, unions, embedded
// structs) sent either way come back identical, with identity preserved across repeated calls.
import { expect } from 'chai';
import fc from 'fast-check';
import { buildPlan } from '../../compiler/backends/ts/plan.js';
import { Codec } from '../../runtime/ts/codec.js';
import { ObjectTable } from '../../runtime/ts/object-table.js';
import { WireWriter } from '../../runtime/ts/wire-writer.js';
import { irOf } from '../helpers.js';

type Obj = Record<string, unknown>;

const IDL = `
enum shape : u8 { NUM = 1, TEXT = 2 }
union payload switch (shape) { case NUM: s64 num; case TEXT: u8 text[8]; }
struct point { s16 x; s16 y; }
struct node {
    u32 id;
    [string, max(64)] char *label;
    u32 n;
    [count(n), max(16)] u16 *data;
    shape kind;
    [switch(kind)] payload p;
    point at;
    bool flag;
    node *left;
    node *right;
}
interface graph {
    downcall void send(node *root) reads(root.**) writes(root.**);
    upcall void recv(node *root) reads(root.**) writes(root.**);
}
`;

interface Spec {
  label: string | null;
  data: number[];
  num: bigint | null;
  text: number[];
  x: number;
  y: number;
  flag: boolean;
  left: number;
  right: number;
}

const specArb = (size: number): fc.Arbitrary<Spec> =>
  fc.record({
    label: fc.option(fc.string({ maxLength: 20 }).filter((s) => !s.includes('\0')), { nil: null }),
    data: fc.array(fc.integer({ min: 0, max: 0xffff }), { maxLength: 16 }),
    num: fc.option(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), { nil: null }),
    text: fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 8, maxLength: 8 }),
    x: fc.integer({ min: -32768, max: 32767 }),
    y: fc.integer({ min: -32768, max: 32767 }),
    flag: fc.boolean(),
    // -1 is NULL; otherwise an index into the node list: aliasing and cycles come for free.
    left: fc.integer({ min: -1, max: size - 1 }),
    right: fc.integer({ min: -1, max: size - 1 }),
  });

const graphArb = fc.integer({ min: 1, max: 8 }).chain((size) => fc.array(specArb(size), { minLength: size, maxLength: size }));

function build(specs: Spec[]): Obj[] {
  const nodes: Obj[] = specs.map((s, i) => ({
    id: i,
    label: s.label,
    n: s.data.length,
    data: Uint16Array.from(s.data),
    kind: s.num !== null ? 1 : 2,
    p: s.num !== null ? { arm: 'num', value: s.num } : { arm: 'text', value: Uint8Array.from(s.text) },
    at: { x: s.x, y: s.y },
    flag: s.flag,
    left: null,
    right: null,
  }));
  specs.forEach((s, i) => {
    nodes[i]!['left'] = s.left < 0 ? null : nodes[s.left]!;
    nodes[i]!['right'] = s.right < 0 ? null : nodes[s.right]!;
  });
  return nodes;
}

/** The graph reachable from `root` as plain data with pointers as visit indices: equal iff isomorphic. */
function canon(root: Obj): unknown[] {
  const order = new Map<Obj, number>();
  const out: unknown[] = [];
  const visit = (n: Obj | null): number => {
    if (!n) return -1;
    const seen = order.get(n);
    if (seen !== undefined) return seen;
    const i = order.size;
    order.set(n, i);
    const row: Record<string, unknown> = {};
    out[i] = row;
    const p = n['p'] as { arm: string; value: unknown };
    Object.assign(row, {
      id: n['id'],
      label: n['label'],
      data: Array.from(n['data'] as Uint16Array),
      p: { arm: p.arm, value: p.value instanceof Uint8Array ? Array.from(p.value) : p.value },
      at: n['at'],
      flag: n['flag'],
    });
    row['left'] = visit(n['left'] as Obj | null);
    row['right'] = visit(n['right'] as Obj | null);
    return i;
  };
  visit(root);
  return out;
}

describe('codec properties: random graphs', () => {
  const plan = buildPlan(irOf(IDL), 't', 1);

  for (const direction of ['down (user to kernel)', 'up (kernel to user)'] as const) {
    it(`arrive isomorphic, ${direction}, and keep identity on a second call`, () => {
      fc.assert(
        fc.property(graphArb, (specs) => {
          const kt = new ObjectTable('kernel');
          const ut = new ObjectTable('user');
          const [from, to] = direction.startsWith('down') ? [new Codec(plan, ut), new Codec(plan, kt)] : [new Codec(plan, kt), new Codec(plan, ut)];
          const iface = from.interfaceNamed('graph');
          const fn = iface.functions.find((f) => f.name === (direction.startsWith('down') ? 'send' : 'recv'))!;
          const w = new WireWriter(new ArrayBuffer(1 << 16));
          const nodes = build(specs);
          const root = nodes[0]!;
          const first = to.decodeCall(from.encodeCall(w, iface, fn, [root], 1).slice());
          first.apply();
          const remote = first.call.args[0] as Obj;
          expect(canon(remote)).to.deep.equal(canon(root));
          // Change a value and send again: the same remote objects are updated in place.
          root['id'] = 1000;
          const second = to.decodeCall(from.encodeCall(w, iface, fn, [root], 2).slice());
          second.apply();
          expect(second.call.args[0]).to.equal(remote);
          expect(remote['id']).to.equal(1000);
          expect(canon(remote)).to.deep.equal(canon(root));
          // And the written fields come back the other way into the originals.
          remote['flag'] = !(root['flag'] as boolean);
          const reply = to.encodeReply(w, iface, fn, second.call.args, undefined, 2);
          expect(from.decodeReply(reply.slice(), fn, 2, [root])).to.deep.equal({ value: undefined });
          expect(root['flag']).to.equal(remote['flag']);
        }),
        { numRuns: 150, seed: 11 },
      );
    });
  }
});
