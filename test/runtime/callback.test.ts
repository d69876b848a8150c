// Function pointers across the boundary: the kernel calls a u-driver function it was handed (an
// upcall through a pointer, a promise) and the u-driver calls a kernel function it was handed (a
// blocking call), and a pointer the peer never handed out is refused.
import { expect } from 'chai';
import { KernelChannel } from '../../runtime/ts/channel.js';
import { callbackPlan } from './callback-fixture.js';

type AsyncFn = (...args: unknown[]) => Promise<unknown>;

describe('channel: callbacks across the boundary', function () {
  this.timeout(30000);
  let k: KernelChannel | null = null;
  afterEach(async () => {
    await k?.stop();
    k = null;
  });

  it('calls a u-driver function from the kernel, and a kernel function from the u-driver', async () => {
    let userFn: AsyncFn | null = null;
    const counter = { hits: 0 };
    const kernelFn = (code: number, c: { hits: number } | null): number => {
      if (c) c.hits++;
      return code + 100;
    };
    k = new KernelChannel({
      plan: callbackPlan(),
      workerUrl: new URL('./callback-worker.js', import.meta.url),
      timeoutMs: 5000,
      implementation: {
        kernel: {
          register_notify(cb: unknown): number {
            userFn = cb as AsyncFn;
            return 0;
          },
          fire(): number {
            return 0;
          },
        },
      },
    });
    await k.start();
    expect(typeof userFn).to.equal('function');
    // Kernel -> u-driver through the pointer the u-driver registered at init.
    expect(await userFn!(21, counter)).to.equal(42);
    // u-driver -> kernel through a pointer the kernel hands over in an upcall.
    expect(await k.upcall('user_ops', 'run_with', [kernelFn, 5])).to.equal(106);
  });
});

describe('callbacks: what a side accepts', () => {
  it('refuses a call through a function pointer it never handed out', async () => {
    const { Codec } = await import('../../runtime/ts/codec.js');
    const { ObjectTable } = await import('../../runtime/ts/object-table.js');
    const { classify } = await import('../../runtime/ts/channel-core.js');
    const { DEFAULT_LIMITS } = await import('../../runtime/ts/header.js');
    const { WireWriter } = await import('../../runtime/ts/wire-writer.js');
    const plan = callbackPlan();
    const notify = plan.types.find((t) => t.name === 'notify_t')!;
    const kernel = new Codec(plan, new ObjectTable('kernel'));
    const user = new Codec(plan, new ObjectTable('user'));
    // A user-side id (bit 31 set) the user side never issued.
    const forged = kernel.callbackCall(notify.id, 0x80000009)!;
    const bytes = kernel.encodeCall(new WireWriter(new ArrayBuffer(4096)), forged.iface, forged.fn, [1, null], 3).slice();
    const m = classify(user, DEFAULT_LIMITS, bytes, 'upcall', {});
    expect(m.kind).to.equal('refuse');
    if (m.kind === 'refuse') {
      expect(m.errno).to.equal(71);
      expect(m.callId).to.equal(3);
    }
    // And one of the wrong side: a kernel id is never a user function.
    const wrongSide = kernel.callbackCall(notify.id, 0x00000004)!;
    const bytes2 = kernel.encodeCall(new WireWriter(new ArrayBuffer(4096)), wrongSide.iface, wrongSide.fn, [1, null], 4).slice();
    const m2 = classify(user, DEFAULT_LIMITS, bytes2, 'upcall', {});
    expect(m2.kind).to.equal('refuse');
    if (m2.kind === 'refuse') expect(m2.message).to.match(/not one this side handed out/);
  });
});
