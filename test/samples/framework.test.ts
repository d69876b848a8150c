// The samples' shared framework catches what it is there to catch: payloads that arrive damaged,
// out of order or not at all, an upcall from the critical path, a management result that differs
// between the split and the monolithic driver, and a malformed sample.json.
import { expect } from 'chai';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { monolithicBoundary } from '../../samples/common/boundary.js';
import { onCriticalPath } from '../../samples/common/critical.js';
import { readManifest } from '../../samples/common/manifest.js';
import { InOrder, makePayload, payloadSeq } from '../../samples/common/payload.js';
import { failures, Recorder, runBothModes, type ScenarioOptions, type ScenarioResult } from '../../samples/common/scenario.js';

describe('samples/common: the checks can fail', () => {
  it('a payload proves its own sequence number, and a flipped byte breaks it', () => {
    const p = makePayload(42, 100);
    expect(payloadSeq(p)).to.equal(42);
    p[57]! ^= 1;
    expect(payloadSeq(p)).to.equal(-1);
    expect(payloadSeq(makePayload(7, 100).subarray(0, 99))).to.equal(-1);
  });

  it('InOrder flags corrupt, reordered and missing payloads, and accepts a damaged one where one was delivered', () => {
    const good = new InOrder();
    [0, 1, 2].forEach((s) => good.expect(s));
    good.expectDamaged();
    [0, 1, 2].forEach((s) => good.arrive(makePayload(s, 64)));
    const damaged = makePayload(3, 64);
    damaged[20]! ^= 0xff;
    good.arrive(damaged);
    expect(good.ok, good.summary()).to.equal(true);

    const reordered = new InOrder();
    [0, 1, 2].forEach((s) => reordered.expect(s));
    [0, 2, 1].forEach((s) => reordered.arrive(makePayload(s, 64)));
    expect(reordered.ok).to.equal(false);
    expect(reordered.outOfOrder).to.be.greaterThan(0);

    const corrupt = new InOrder();
    corrupt.expect(0);
    const c = makePayload(0, 64);
    c[10]! ^= 1;
    corrupt.arrive(c);
    expect(corrupt.ok).to.equal(false);
    expect(corrupt.corrupt).to.equal(1);

    const missing = new InOrder();
    [0, 1].forEach((s) => missing.expect(s));
    missing.arrive(makePayload(0, 64));
    expect(missing.ok).to.equal(false);
    expect(missing.missing).to.equal(1);
  });

  it('the boundary records an upcall made from the critical path', async () => {
    const b = monolithicBoundary({ kernel: { ping: () => 1 } }, (k) => ({ ops: { call: () => k.kernel.ping() } }));
    await b.up.ops.call();
    expect(b.counts.criticalUpcalls).to.deep.equal([]);
    await onCriticalPath(() => b.up.ops.call());
    expect(b.counts.criticalUpcalls).to.deep.equal(['ops.call']);
    expect(b.counts.upcalls).to.equal(2);
    expect(b.counts.downcalls).to.equal(2);
  });

  it('runBothModes reports a management result that differs between the modes', async () => {
    const run = async (o: ScenarioOptions): Promise<ScenarioResult> => {
      const b = monolithicBoundary({ kernel: {} }, () => ({}));
      const r = new Recorder('fake', 'events', b);
      await r.manage('same', async () => 1);
      await r.manage('differs', async () => (o.mode === 'split' ? 2 : 3));
      await r.manage('timing', async () => Math.random(), undefined, { compared: false });
      return r.result(o.mode, []);
    };
    const result = await runBothModes(run, { events: 1 });
    expect(result.agreement.map((a) => [a.name, a.ok])).to.deep.equal([
      ['same', true],
      ['differs', false],
    ]);
    expect(failures(result)).to.deep.equal(['fake: management result differs from the monolithic driver: differs: split 2, monolithic 3']);
  });

  it('a malformed sample.json is a located error', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mdl-manifest-'));
    try {
      fs.writeFileSync(path.join(dir, 'sample.json'), '{ "name": ');
      expect(() => readManifest(dir)).to.throw(/sample\.json:1:1: error: not JSON/);
      fs.writeFileSync(path.join(dir, 'sample.json'), JSON.stringify({ name: 'x', title: 't', header: 'x.h', config: 'c', sidecar: null, idl: [], kdriver: [1], udriver: [], shared: [], device: [], generated: [], lower: { module: 'x', interface: 'k', output: 'x.mdl' } }));
      expect(() => readManifest(dir)).to.throw(/sample\.json:1:1: error: 'kdriver' must be a list of paths/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
