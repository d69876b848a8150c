// The samples' shared framework catches what it is there to catch: payloads that arrive damaged,
// out of order or not at all, an upcall from the critical path, a management result that differs
// between the split and the monolithic driver, a crash drill that did not run mid-traffic, and a
// malformed sample.json. The crash drill holds the traffic until earlier management calls settle.
import { expect } from 'chai';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PeerGoneError } from 'mdidl/runtime';
import { monolithicBoundary, type Boundary } from '../../samples/common/boundary.js';
import { onCriticalPath } from '../../samples/common/critical.js';
import { readManifest } from '../../samples/common/manifest.js';
import { Background, CrashDrill } from '../../samples/common/lifecycle.js';
import { NetTraffic } from '../../samples/common/net-traffic.js';
import { InOrder, makePayload, payloadSeq } from '../../samples/common/payload.js';
import { failures, Recorder, runBothModes, tick, type ScenarioOptions, type ScenarioResult } from '../../samples/common/scenario.js';

/** A split boundary whose u-driver is a log: what was armed, restarted, stopped, in order. */
function fakeSplit(log: string[]): Boundary<unknown> {
  return {
    mode: 'split',
    up: {},
    counts: { upcalls: 0, downcalls: 0, criticalUpcalls: [] },
    armCrash: () => void log.push('arm'),
    restart: async () => void log.push('restart'),
    stop: async () => {},
  };
}

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

  it('the crash drill waits, with the traffic held, for the management calls in flight, then crashes its own upcall', async () => {
    const log: string[] = [];
    const b = fakeSplit(log);
    const r = new Recorder('fake', 'events', b);
    let events = 0;
    const bg = new Background(r);
    const drill = new CrashDrill(r, b, () => events);
    let answer: (v: number) => void = () => {};
    bg.launch('slow', () => new Promise<number>((res) => (answer = res)).finally(() => log.push('slow settled')));
    events = 50;
    let crash: (e: Error) => void = () => {};
    let resumed = false;
    const held = drill.triggerAfter(bg, () => {
      log.push(`victim at ${events}`);
      return new Promise((_res, rej) => (crash = rej));
    });
    void held.then(() => (resumed = true));
    for (let i = 0; i < 20; i++) await tick();
    expect(log).to.deep.equal([]); // the slow call is still in flight: no crash armed, the traffic holds
    answer(1);
    for (let i = 0; i < 20; i++) await tick();
    expect([log, resumed]).to.deep.equal([['slow settled', 'arm', 'victim at 50'], false]); // the victim has not failed yet
    crash(new PeerGoneError('the u-driver exited with code 70'));
    await held;
    expect(drill.upcalls).to.equal(1);
    events = 60; // the traffic moves on while no u-driver exists
    await drill.finish();
    expect(log.slice(3)).to.deep.equal(['restart']);
    events = 100;
    drill.check();
    expect(r.checks.map((c) => [c.ok, c.detail.replace(/\d+ ms$/, 'N ms')])).to.deep.equal([
      [true, 'crashed at event 50: PeerGoneError: the peer is gone: the u-driver exited with code 70; 10 events while down; restarted in N ms'],
    ]);
  });

  it("the crash drill's check fails when the drill did not run, or ran after the traffic", async () => {
    const never = new Recorder('fake', 'events', fakeSplit([]));
    new CrashDrill(never, never.boundary, () => 100).check();
    expect(never.checks.map((c) => [c.ok, c.detail])).to.deep.equal([[false, 'the crash drill never ran']]);

    const late = new Recorder('fake', 'events', fakeSplit([]));
    const drill = new CrashDrill(late, late.boundary, () => 100);
    await drill.triggerAfter(new Background(late), () => Promise.reject(new PeerGoneError('the u-driver exited with code 70')));
    await drill.finish();
    drill.check();
    expect(late.checks.map((c) => [c.ok, c.detail])).to.deep.equal([[false, 'the crash drill ran at event 100, after the traffic had ended']]);

    // A monolithic driver has no u-driver to crash: the drill makes no upcall and checks nothing.
    const mono = new Recorder('fake', 'events', monolithicBoundary({ kernel: {} }, () => ({})));
    const none = new CrashDrill(mono, mono.boundary, () => 0);
    await none.triggerAfter(new Background(mono), () => Promise.reject(new Error('not called')));
    none.check();
    expect([none.upcalls, mono.checks]).to.deep.equal([0, []]);
  });

  it('NetTraffic holds the wire while the promise `between` returned is pending', async () => {
    const wire: Uint8Array[] = [];
    const stored: Uint8Array[] = []; // what the chip holds until the driver takes it
    let release: () => void = () => {};
    let received = 0;
    let heldAt = -1;
    const traffic = new NetTraffic(
      {
        receive: (f, damaged) => (received++, !damaged && stored.push(f) > 0),
        xmit: (f) => (wire.push(f), 'ok'),
        takeWire: () => wire.splice(0),
        idle: () => (stored.splice(0).forEach((f) => traffic.deliver(f)), true),
      },
      {
        frames: 40,
        seed: 1,
        storm: 8,
        stormEvery: 1000,
        damageEvery: 1000,
        damagedDelivered: false,
        between: (done) => {
          if (heldAt >= 0) return undefined;
          heldAt = done;
          return new Promise<void>((r) => (release = r));
        },
      },
    );
    const run = traffic.run();
    for (let i = 0; i < 20; i++) await tick();
    expect([received, traffic.rxDone]).to.deep.equal([heldAt, heldAt]);
    release();
    await run;
    expect([received, traffic.rx.ok, traffic.tx.ok]).to.deep.equal([40, true, true]);
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
