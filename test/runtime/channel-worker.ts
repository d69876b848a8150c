// The u-driver of the channel tests: upcall implementations written like C (synchronous, blocking
// downcalls), plus ways to misbehave on request.
import { RemoteError } from '../../runtime/ts/errors.js';
import { runUserDriver, userData } from '../../runtime/ts/user-worker.js';
import type { UserChannel } from '../../runtime/ts/user-channel.js';
import { channelPlan, Misbehave, Probe, type ChannelWorkerData, type NetDevice } from './channel-fixture.js';

const data = userData<ChannelWorkerData>();
const probe = new Int32Array(data.probe);
// How often each kernel device has been opened here: keyed by our shadow, so it only counts up
// if the kernel's object arrives as the same shadow every time.
const opened = new WeakMap<object, number>();
let u: UserChannel;
// Set as the last step of init: an upcall that reads 0 ran before the u-driver was initialized.
let initDone = 0;

function ndo_open(dev: NetDevice): number {
  opened.set(dev, (opened.get(dev) ?? 0) + 1);
  if (!dev.priv) {
    // A device without private state gets some of ours (written back to the kernel), no irq.
    dev.priv = { opens: 1, irq: 0, link: 0 };
    return opened.get(dev)!;
  }
  const rc = u.downcall('kernel', 'request_irq', [11, dev]) as number;
  if (rc !== 0) return rc;
  // Only after the downcall: get_link, nested in it, refreshed priv from the kernel's copy (it
  // reads dev.priv.*), which would have undone an earlier change, as it would in C.
  dev.priv.opens += 1;
  dev.flags |= 0x1;
  // request_irq wrote dev.priv.irq into our shadow before returning.
  dev.mtu = dev.priv.irq * 100;
  return opened.get(dev)!;
}

function get_link(dev: NetDevice): number {
  // Nested twice more: this upcall runs inside request_irq, and calls down again.
  return u.downcall('kernel', 'kernel_echo', [dev.priv?.irq ?? 0]) as number;
}

function misbehave(how: number): number {
  Atomics.add(probe, Probe.ENTERED, 1);
  Atomics.notify(probe, Probe.ENTERED);
  switch (how) {
    case Misbehave.Throw:
      throw new Error('ndo boom');
    case Misbehave.Exit:
      process.exit(1);
      break;
    case Misbehave.Hang:
      for (;;) {
        // a u-driver stuck in a loop
      }
    case Misbehave.Sleep:
      Atomics.wait(probe, Probe.GO, 0);
      return 0;
    case Misbehave.CrashLater:
      setImmediate(() => {
        throw new Error('late crash');
      });
      return 0;
    case Misbehave.WaitForKernel:
      // Returns only once the kernel's timer has ticked enough: the kernel's event loop must be
      // running while this upcall is outstanding.
      while (Atomics.load(probe, Probe.GO) === 0) Atomics.wait(probe, Probe.GO, 0, 50);
      return Atomics.load(probe, Probe.TICKS);
    case Misbehave.ReturnPromise:
      return Promise.resolve(1) as unknown as number;
  }
  return -22;
}

await runUserDriver({
  plan: channelPlan(data.version ?? 1),
  implementation: {
    net_device_ops: {
      ndo_open,
      ndo_change_mtu(dev: NetDevice, mtu: number): number {
        const old = dev.mtu;
        dev.mtu = mtu;
        dev.flags |= 0x40;
        return old;
      },
      get_link,
      echo: (x: number) => x * 2,
      fan_out: (x: number) => u.downcall('kernel', 'kernel_fan_out', [x]) as number,
      try_failing(x: number): number {
        try {
          u.downcall('kernel', 'failing', [x]);
          return 0;
        } catch (e) {
          if (e instanceof RemoteError && e.functionName === 'failing' && e.remoteMessage === `failing(${x}) refused`) return -e.errno;
          throw e;
        }
      },
      misbehave,
      init_done: () => initDone,
    },
  },
  init(ch) {
    u = ch;
    if (data.failInit) throw new Error('init failed on purpose');
    // A device of the u-driver's own, registered twice: the kernel must see one shadow.
    const mine: NetDevice = { name: 'wlan0', flags: 2, mtu: 2304, priv: null };
    ch.downcall('kernel', 'register_netdev', [mine]);
    ch.downcall('kernel', 'register_netdev', [mine]);
    initDone = 1;
  },
});
