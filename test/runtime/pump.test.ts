// The u-driver serves upcalls that follow each other closely without leaving its event loop (it
// polls, then sleeps a little on its inbox): its own timers must still run while they stream in.
import { expect } from 'chai';
import { KernelChannel } from '../../runtime/ts/channel.js';
import { pumpPlan } from './pump-fixture.js';

describe('channel: a u-driver under a stream of upcalls', () => {
  it("still runs its own timers while the kernel upcalls back to back", async function () {
    this.timeout(120_000);
    const k = new KernelChannel({ plan: pumpPlan, workerUrl: new URL('./pump-worker.js', import.meta.url), timeoutMs: 30_000 });
    await k.start();
    try {
      const first = (await k.upcall('pump', 'ticks', [])) as number;
      // However fast the upcalls come, the ticks must advance; 20,000 upcalls take well over the
      // few milliseconds after which the u-driver gives its event loop a turn.
      let last = first;
      let calls = 0;
      for (; calls < 20_000 && last < first + 3; calls++) last = (await k.upcall('pump', 'ticks', [])) as number;
      expect(last, `ticks after ${calls} upcalls`).to.be.at.least(first + 3);
    } finally {
      await k.stop();
    }
  });
});
