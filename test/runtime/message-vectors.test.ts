// test/vectors/messages/graph.json: whole messages (header, object section, arguments) of
// test/c/corpus/graph.mdl. The TypeScript codec must still produce them byte for byte, and decode
// them; test/c/message-vectors.test.ts holds the generated C to the same bytes. The file is golden:
// regenerate it on purpose with MDL_UPDATE_VECTORS=1 after a deliberate wire change.
import { expect } from 'chai';
import * as fs from 'node:fs';
import { Codec } from '../../runtime/ts/codec.js';
import { WireError } from '../../runtime/ts/errors.js';
import { ObjectTable } from '../../runtime/ts/object-table.js';
import { WireWriter } from '../../runtime/ts/wire-writer.js';
import { computeVectors, graph, graphPlan, MESSAGES, type MessageVector } from './graph-scenario.js';

type Obj = Record<string, unknown>;

describe('shared message vectors (graph.mdl)', () => {
  const computed = computeVectors();
  if (process.env['MDL_UPDATE_VECTORS'] === '1') fs.writeFileSync(MESSAGES, JSON.stringify(computed, null, 2) + '\n');
  const stored = JSON.parse(fs.readFileSync(MESSAGES, 'utf8')) as MessageVector[];

  it('the file lists the vectors the scenario computes, in order', () => {
    expect(stored.map((v) => v.name)).to.deep.equal(computed.map((v) => v.name));
  });

  for (const v of computed) {
    it(`${v.name}: the TypeScript codec encodes these bytes`, () => {
      expect(v.hex).to.equal(stored.find((s) => s.name === v.name)?.hex);
    });
  }

  it('a NULL array whose count says 4 is refused by both encoder and decoder', () => {
    const plan = graphPlan();
    const u = new Codec(plan, new ObjectTable('user'));
    const k = new Codec(plan, new ObjectTable('kernel'));
    const iface = u.interfaceNamed('kernel_ops');
    const sum = iface.functions.find((f) => f.name === 'sum')!;
    const w = new WireWriter(new ArrayBuffer(4096));
    expect(() => u.encodeCall(w, iface, sum, [4, null, { value: 0n }], 1)).to.throw(WireError, /NULL array/);
    // n = 0 with a NULL array is fine; the same bytes with n patched to 4 are hostile.
    const ok = u.encodeCall(w, iface, sum, [0, null, { value: 0n }], 1).slice();
    k.decodeCall(ok).discard();
    const bad = ok.slice();
    bad[32] = 4;
    expect(() => k.decodeCall(bad)).to.throw(WireError, /NULL array whose count says 4/);
  });

  it('a reply writing a field its function\'s writes() does not name is refused, nothing applied', () => {
    const plan = graphPlan();
    const k = new Codec(plan, new ObjectTable('kernel'));
    const ops = k.interfaceNamed('user_ops');
    const walk = ops.functions.find((f) => f.name === 'walk')!;
    const { A } = graph();
    const w = new WireWriter(new ArrayBuffer(1 << 16));
    const call = k.encodeCall(w, ops, walk, [A, () => 0], 1).slice();
    // The user side's codec is told walk writes head.value; the kernel's plan says it writes nothing.
    const lying = graphPlan();
    const lyingWalk = lying.interfaces.find((i) => i.name === 'user_ops')!.functions.find((f) => f.name === 'walk')!;
    lyingWalk.writes = [[0, { all: 0, fields: [[0, null]] }]];
    const u = new Codec(lying, new ObjectTable('user'));
    const got = u.decodeCall(call);
    got.apply();
    (got.call.args[0] as Obj)['value'] = 999;
    const reply = u.encodeReply(w, lying.interfaces.find((i) => i.name === 'user_ops')!, lyingWalk, got.call.args, 0, 1).slice();
    expect(() => k.decodeReply(reply, walk, 1, [A, () => 0])).to.throw(WireError, /outside the call's access set/);
    expect(A['value']).to.equal(1);
  });

  it('take-deep-graph decodes on the user side into the graph it was made from', () => {
    const v = stored.find((s) => s.name === 'take-deep-graph')!;
    const u = new Codec(graphPlan(), new ObjectTable('user'));
    const got = u.decodeCall(Uint8Array.from(Buffer.from(v.hex, 'hex')));
    got.apply();
    const a = got.call.args[0] as Obj;
    const b = a['next'] as Obj;
    const c = b['next'] as Obj;
    expect(c['next']).to.equal(a);
    expect(a['peer']).to.equal(c);
    expect(b['peer']).to.equal(b);
    expect([a['label'], b['label'], c['label']]).to.deep.equal(['ay', 'bee', 'see']);
    expect(Array.from(a['items'] as Int32Array)).to.deep.equal([1, 2, 3]);
    expect(c['items']).to.equal(null);
    expect(b['shape']).to.deep.equal({ arm: 'r', value: { w: 3, h: 4 } });
    expect(c['shape']).to.deep.equal({ arm: 'text', value: 'hello' });
    expect((c['cursor'] as { base: unknown; index: number }).base).to.equal(b['ring']);
    expect((c['cursor'] as { index: number }).index).to.equal(2);
    expect([a['flags'], a['mode']]).to.deep.equal([5, 17]);
    expect('kernel_only' in a).to.equal(false);
  });
});
