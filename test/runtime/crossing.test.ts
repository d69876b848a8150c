// The channel's fast crossings and its sharing of the kernel thread, tested for what they do (no
// time decides a result here: `npm run bench` measures them), and the entry points bench uses.
import { expect } from 'chai';
import { codecFixture, startProbe } from '../../runtime/ts/probe/index.js';
import { atomic } from '../../runtime/ts/sim/context.js';
import { measureCriticalPath, openCriticalPath } from '../../samples/nic/critical.js';

describe('channel: crossings and the kernel thread', function () {
  this.timeout(120000);

  it('the probe: null upcalls and downcalls round-trip, back to back, through a real channel', async () => {
    const p = await startProbe();
    try {
      const up = await p.upcalls(500);
      const down = await p.downcalls(500);
      expect(up.length).to.equal(500);
      expect(down.length).to.equal(500);
      for (const us of [...up, ...down]) expect(us).to.be.greaterThan(0);
      await p.upcall();
    } finally {
      await p.stop();
    }
  });

  it('works with the kernel-side spin off (every reply through the receive loop)', async () => {
    const p = await startProbe({ spinUs: 0 });
    try {
      expect((await p.upcalls(200)).length).to.equal(200);
      expect((await p.downcalls(200)).length).to.equal(200);
    } finally {
      await p.stop();
    }
  });

  it('upcalls still complete while the critical path runs and the channel may use only 0.1% of the thread', async () => {
    const p = await startProbe({ managementShare: 0.001 });
    let running = true;
    let entries = 0;
    // A busy critical path: atomic context entered every turn of the event loop.
    const critical = (async () => {
      while (running) {
        atomic('hardirq', () => entries++);
        await new Promise<void>((r) => setImmediate(r));
      }
    })();
    try {
      const done = await p.upcalls(20);
      expect(done.length).to.equal(20);
      expect(entries).to.be.greaterThan(0);
    } finally {
      running = false;
      await critical;
      await p.stop();
    }
  });

  it('switches the downcall context off once downcalls are quiet, with no upcall made to notice', async () => {
    const p = await startProbe();
    const state = p.channel as unknown as { framesOn: boolean };
    try {
      await p.downcalls(5); // served in the async context, which turns it on
      expect(state.framesOn).to.equal(true);
      // The critical path alone runs now: nothing calls upcall(), yet the promise hook goes.
      const deadline = Date.now() + 5000;
      while (state.framesOn && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
      expect(state.framesOn).to.equal(false);
      await p.upcall(); // and nothing is broken by it
    } finally {
      await p.stop();
    }
  });

  it('the codec fixture encodes the 32-node ring call (6,180 bytes) and decodes it into shadows', () => {
    const f = codecFixture();
    expect(f.encode()).to.equal(6180);
    f.decode();
    const shadows = f.user.tables.entries().filter((e) => e.kind === 'object');
    expect(shadows.length).to.equal(32);
    const values = shadows.map((e) => (e.value as { value: number }).value).sort((a, b) => a - b);
    expect(values).to.deep.equal(f.ring.map((n) => n.value));
  });

  it('the NIC critical path runs split and monolithic, with and without a management loop', async () => {
    for (const mode of ['split', 'monolithic'] as const) {
      for (const management of [false, true]) {
        const r = await measureCriticalPath({ mode, management, durationMs: 150 });
        expect(r.frames, `${mode} ${management}`).to.be.greaterThan(0);
        if (management) expect(r.managementCalls, `${mode} management calls`).to.be.greaterThan(0);
        else expect(r.managementCalls).to.equal(0);
      }
    }
  });

  it('a split and a monolithic NIC open at once each move their own frames when pumped in turn', async () => {
    const split = await openCriticalPath('split');
    const mono = await openCriticalPath('monolithic');
    try {
      const counts = { split: 0, mono: 0 };
      for (let i = 0; i < 4; i++) {
        counts.split += (await split.pump(10)).frames;
        counts.mono += (await mono.pump(10)).frames;
      }
      expect(counts.split).to.be.greaterThan(0);
      expect(counts.mono).to.be.greaterThan(0);
      split.startManagement();
      await split.pump(50);
      expect(await split.stopManagement()).to.be.greaterThan(0);
    } finally {
      await split.close();
      await mono.close();
    }
  });
});
