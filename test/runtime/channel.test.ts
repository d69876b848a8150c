// The channel between a kernel side on this thread and a u-driver in a worker (channel-worker.ts):
// round trips, nesting both ways, the kernel's event loop turning during an upcall, identity,
// remote errors, a killed, crashed or hung u-driver, restart, and atomic context.
import { expect } from 'chai';
import { KernelChannel } from '../../runtime/ts/channel.js';
import { PeerGoneError, RemoteError, TimeoutError, WireError } from '../../runtime/ts/errors.js';
import { channelPlan, Misbehave, Probe, type ChannelWorkerData, type NetDevice } from './channel-fixture.js';

const WORKER = new URL('./channel-worker.js', import.meta.url);
/** How long after its deadline a failure may take to be reported (event loop latency, worker teardown). */
const SLACK_MS = 2000;

const plan = channelPlan();
let channels: KernelChannel[] = [];

interface Rig {
  k: KernelChannel;
  probe: Int32Array;
  log: string[];
  registered: NetDevice[];
}

function rig(options: { timeoutMs?: number; data?: Partial<ChannelWorkerData>; upcallOnRegister?: boolean } = {}): Rig {
  const probeBuffer = new SharedArrayBuffer(16);
  const log: string[] = [];
  const registered: NetDevice[] = [];
  const k: KernelChannel = new KernelChannel({
    plan,
    workerUrl: WORKER,
    workerData: { probe: probeBuffer, ...options.data } satisfies ChannelWorkerData,
    timeoutMs: options.timeoutMs ?? 3000,
    implementation: {
      kernel: {
        async request_irq(irq: number, dev: NetDevice): Promise<number> {
          log.push(`request_irq ${irq} ${dev.name}`);
          dev.priv!.irq = irq;
          // Nested in ndo_open: the u-driver is blocked in this downcall and serves it.
          const link = (await k.upcall('net_device_ops', 'get_link', [dev])) as number;
          log.push(`get_link -> ${link}`);
          return 0;
        },
        async register_netdev(dev: NetDevice): Promise<number> {
          registered.push(dev);
          // Called from the u-driver's init: an upcall here is nested in it, made before ready.
          if (options.upcallOnRegister) log.push(`register echo -> ${String(await k.upcall('net_device_ops', 'echo', [3]))}`);
          return 0;
        },
        async kernel_echo(x: number): Promise<number> {
          log.push(`kernel_echo ${x}`);
          const doubled = (await k.upcall('net_device_ops', 'echo', [x + 1])) as number;
          log.push(`echo -> ${doubled}`);
          return doubled + 1000;
        },
        async kernel_fan_out(x: number): Promise<number> {
          // Two upcalls nested in one downcall, issued together: they take turns.
          const [a, b] = (await Promise.all([k.upcall('net_device_ops', 'echo', [x]), k.upcall('net_device_ops', 'echo', [x + 1])])) as number[];
          return a! + b!;
        },
        failing(x: number): number {
          throw Object.assign(new Error(`failing(${x}) refused`), { errno: 19 });
        },
      },
    },
  });
  channels.push(k);
  return { k, probe: new Int32Array(probeBuffer), log, registered };
}

function netdev(name = 'eth0'): NetDevice {
  return { name, flags: 0x1000, mtu: 1500, priv: { opens: 0, irq: 0, link: 1 } };
}

/** Waits (without blocking this thread) until `cond` holds; fails after `ms`. */
async function until(cond: () => boolean, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** The rejection of `p`, which must reject within `ms`. */
async function rejection(p: Promise<unknown>, ms: number): Promise<unknown> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`still pending after ${ms} ms`)), ms)));
  try {
    await Promise.race([p, late]);
  } catch (e) {
    return e;
  } finally {
    clearTimeout(timer);
  }
  throw new Error('expected a rejection, got a value');
}

/** Counts turns of the kernel's event loop: a stand-in for its interrupt and softirq work. */
function criticalPath(): { ticks: () => number; stop: () => void } {
  let n = 0;
  let running = true;
  const spin = (): void => {
    if (!running) return;
    n++;
    setImmediate(spin);
  };
  setImmediate(spin);
  return {
    ticks: () => n,
    stop: () => {
      running = false;
    },
  };
}

function peerEntries(k: KernelChannel): number {
  return k.tables.entries().filter((e) => !e.own).length;
}

afterEach(async () => {
  const all = channels;
  channels = [];
  await Promise.all(all.map((k) => k.stop()));
});

describe('channel: kernel thread and u-driver worker over shared memory', () => {
  it('starts the u-driver, whose init downcalls reach the kernel before start() returns', async () => {
    const { k, registered } = rig();
    await k.start();
    expect(registered).to.have.length(2);
    expect(registered[0]!.name).to.equal('wlan0');
    expect(registered[0]!.mtu).to.equal(2304);
  });

  it('an upcall returns its value and the written fields land in the live object', async () => {
    const { k } = rig();
    await k.start();
    const dev = netdev();
    const old = await k.upcall('net_device_ops', 'ndo_change_mtu', [dev, 9000]);
    expect(old).to.equal(1500);
    expect(dev.mtu).to.equal(9000);
    expect(dev.flags).to.equal(0x1040);
    expect(dev.name).to.equal('eth0');
  });

  it('serves downcalls made inside an upcall, and upcalls nested in those, to any depth', async () => {
    const { k, log } = rig();
    await k.start();
    const dev = netdev();
    // ndo_open -> request_irq (down) -> get_link (up) -> kernel_echo (down) -> echo (up)
    const rc = await k.upcall('net_device_ops', 'ndo_open', [dev]);
    expect(rc).to.equal(1);
    expect(log).to.deep.equal(['request_irq 11 eth0', 'kernel_echo 11', 'echo -> 24', 'get_link -> 1024']);
    // Written by ndo_open after request_irq's write to priv.irq had reached the u-driver.
    expect(dev.mtu).to.equal(1100);
    expect(dev.flags).to.equal(0x1001);
    expect(dev.priv).to.deep.equal({ opens: 1, irq: 11, link: 1 });
  });

  it('serves concurrent upcalls nested in one downcall in turn', async () => {
    const { k } = rig();
    await k.start();
    expect(await k.upcall('net_device_ops', 'fan_out', [5])).to.equal(22);
  });

  it('keeps the kernel event loop turning while an upcall is outstanding', async () => {
    const { k, probe } = rig();
    await k.start();
    const path = criticalPath();
    let interrupts = 0;
    const irq = setInterval(() => {
      interrupts++;
      if (interrupts === 20) {
        // ~200 ms in: only now may the upcall return, so it spanned all these ticks.
        Atomics.store(probe, Probe.TICKS, interrupts);
        Atomics.store(probe, Probe.GO, 1);
        Atomics.notify(probe, Probe.GO);
      }
    }, 10);
    try {
      const before = path.ticks();
      const ticks = await k.upcall('net_device_ops', 'misbehave', [Misbehave.WaitForKernel]);
      expect(ticks).to.equal(20);
      expect(path.ticks() - before).to.be.greaterThan(20);
    } finally {
      clearInterval(irq);
      path.stop();
    }
  });

  it('keeps identity across upcalls and downcalls', async () => {
    const { k, registered } = rig();
    await k.start();
    // Upward: the u-driver counts opens per shadow; the same kernel object is the same shadow.
    const dev = netdev();
    expect(await k.upcall('net_device_ops', 'ndo_open', [dev])).to.equal(1);
    expect(await k.upcall('net_device_ops', 'ndo_open', [dev])).to.equal(2);
    expect(await k.upcall('net_device_ops', 'ndo_open', [netdev('eth1')])).to.equal(1);
    expect(dev.priv!.opens).to.equal(2);
    // Downward: the u-driver registered one object twice; the kernel holds one shadow of it.
    expect(registered).to.have.length(2);
    expect(registered[0]).to.equal(registered[1]);
  });

  it('carries an object the u-driver creates back into the kernel as a shadow', async () => {
    const { k } = rig();
    await k.start();
    const dev: NetDevice = { name: 'eth2', flags: 0, mtu: 0, priv: null };
    const before = peerEntries(k);
    expect(await k.upcall('net_device_ops', 'ndo_open', [dev])).to.equal(1);
    expect(dev.priv).to.deep.equal({ opens: 1, irq: 0, link: 0 });
    expect(peerEntries(k)).to.equal(before + 1);
    // The next call sends the same object back up: the u-driver finds its own priv again.
    const priv = dev.priv;
    expect(await k.upcall('net_device_ops', 'ndo_open', [dev])).to.equal(2);
    expect(dev.priv).to.equal(priv);
    expect(priv!.opens).to.equal(2);
    expect(priv!.irq).to.equal(11);
  });

  it('serializes concurrent top-level upcalls', async () => {
    const { k } = rig();
    await k.start();
    const dev = netdev();
    const results = await Promise.all([
      k.upcall('net_device_ops', 'echo', [1]),
      k.upcall('net_device_ops', 'ndo_change_mtu', [dev, 4000]),
      k.upcall('net_device_ops', 'echo', [3]),
      k.upcall('net_device_ops', 'ndo_open', [netdev('eth3')]),
    ]);
    expect(results).to.deep.equal([2, 1500, 6, 1]);
    expect(dev.mtu).to.equal(4000);
  });

  it('an exception in an upcall comes back as RemoteError naming the function', async () => {
    const { k } = rig();
    await k.start();
    const e = await rejection(k.upcall('net_device_ops', 'misbehave', [Misbehave.Throw]), 5000);
    expect(e).to.be.instanceOf(RemoteError);
    const r = e as RemoteError;
    expect(r.functionName).to.equal('misbehave');
    expect(r.interfaceName).to.equal('net_device_ops');
    expect(r.errno).to.equal(5);
    expect(r.remoteMessage).to.equal('ndo boom');
    // The channel is fine afterwards.
    expect(await k.upcall('net_device_ops', 'echo', [21])).to.equal(42);
  });

  it('refuses an upcall the u-driver lacks (ENOSYS) and one implemented asynchronously', async () => {
    const { k } = rig();
    await k.start();
    const missing = (await rejection(k.upcall('net_device_ops', 'unimplemented', [1]), 5000)) as RemoteError;
    expect(missing).to.be.instanceOf(RemoteError);
    expect(missing.code).to.equal('ENOSYS');
    expect(missing.functionName).to.equal('unimplemented');
    const async = (await rejection(k.upcall('net_device_ops', 'misbehave', [Misbehave.ReturnPromise]), 5000)) as RemoteError;
    expect(async).to.be.instanceOf(RemoteError);
    expect(async.remoteMessage).to.match(/returned a promise/);
  });

  it('a kernel implementation that throws gives the u-driver a RemoteError naming the kernel function', async () => {
    const { k } = rig();
    await k.start();
    // try_failing catches RemoteError(failing, errno 19, the kernel's message) and returns -errno.
    expect(await k.upcall('net_device_ops', 'try_failing', [3])).to.equal(-19);
  });

  it('rejects calls the plan does not allow, synchronously', () => {
    const { k } = rig();
    expect(() => k.upcall('net_device_ops', 'start_xmit', [64])).to.throw(/start_xmit is a critical, not an upcall/);
    expect(() => k.upcall('kernel', 'failing', [1])).to.throw(/is a downcall, not an upcall/);
    expect(() => k.upcall('net_device_ops', 'echo', [])).to.throw(TypeError, /echo takes 1 argument/);
    expect(() => k.upcall('nope', 'echo', [1])).to.throw(/no interface 'nope'/);
  });

  it('an upcall before start, or after stop, fails with PeerGoneError', async () => {
    const { k } = rig();
    const e = await rejection(k.upcall('net_device_ops', 'echo', [1]), 1000);
    expect(e).to.be.instanceOf(PeerGoneError);
    await k.start();
    await k.stop();
    const after = (await rejection(k.upcall('net_device_ops', 'echo', [1]), 1000)) as PeerGoneError;
    expect(after).to.be.instanceOf(PeerGoneError);
    expect(after.detail).to.match(/stopped/);
  });

  it('a local encoding failure rejects the upcall with WireError and sends nothing', async () => {
    const { k } = rig();
    await k.start();
    const e = await rejection(k.upcall('net_device_ops', 'echo', [-1]), 2000);
    expect(e).to.be.instanceOf(WireError);
    expect(await k.upcall('net_device_ops', 'echo', [5])).to.equal(10);
  });

  it('an upcall from atomic context throws at once, as might_sleep would', async () => {
    const { k } = rig();
    await k.start();
    const dev = netdev();
    expect(() => k.atomic(() => k.upcall('net_device_ops', 'ndo_open', [dev]))).to.throw('upcall ndo_open from atomic context (might_sleep)');
    expect(k.atomic(() => 7)).to.equal(7);
    expect(() => k.atomic(() => k.atomic(() => k.upcall('net_device_ops', 'echo', [1])))).to.throw(/upcall echo from atomic context/);
    // Leaving the atomic section, even by an exception, ends it.
    expect(await k.upcall('net_device_ops', 'echo', [4])).to.equal(8);
    expect(dev.priv!.opens).to.equal(0);
  });
});

describe('channel: upcalls made while the u-driver starts', () => {
  it('wait for its ready signal: an upcall issued during start() and restart() runs after init', async () => {
    const { k } = rig();
    try {
      // Issued while start() is running: the worker's init (its register_netdev downcalls) serves
      // whatever reaches its inbox, so without the gate this upcall would run inside init.
      const starting = k.start();
      const early = k.upcall('net_device_ops', 'init_done', [0]);
      await starting;
      expect(await early).to.equal(1);
      // restart() first stops the old worker: an upcall made then waits for the new one's init too.
      const restarting = k.restart();
      const whileStopping = k.upcall('net_device_ops', 'init_done', [0]);
      while (!k.worker || !k.running) await new Promise((r) => setImmediate(r));
      const whileStarting = k.upcall('net_device_ops', 'init_done', [0]);
      await restarting;
      expect(await whileStopping).to.equal(1);
      expect(await whileStarting).to.equal(1);
      // A plain stop() holds nothing: the next upcall fails at once.
      await k.stop();
      expect(await k.upcall('net_device_ops', 'echo', [1]).catch((e: unknown) => e)).to.be.instanceOf(PeerGoneError);
    } finally {
      await k.stop();
    }
  });

  it('an upcall nested in a downcall that init makes is not held back (waiting would deadlock)', async () => {
    const { k, log } = rig({ upcallOnRegister: true });
    try {
      await k.start();
      // Each register_netdev of init called echo(3) nested in it, before the u-driver was ready.
      expect(log.filter((l) => l === 'register echo -> 6')).to.have.length(2);
    } finally {
      await k.stop();
    }
  });
});

describe('channel: a u-driver that dies or hangs', () => {
  it('worker.terminate() mid-upcall: PeerGoneError within the timeout, the kernel runs on, restart() works and forgets the old ids', async () => {
    const timeoutMs = 3000;
    const { k, probe, registered } = rig({ timeoutMs });
    await k.start();
    const eth2: NetDevice = { name: 'eth2', flags: 0, mtu: 0, priv: null };
    await k.upcall('net_device_ops', 'ndo_open', [eth2]);
    // Shadows of the u-driver's objects: its registered wlan0 and the priv it gave eth2.
    const oldShadows = [registered[0], eth2.priv];
    expect(peerEntries(k)).to.equal(2);
    const own = k.tables.entries().filter((e) => e.own).length;

    const path = criticalPath();
    try {
      const pending = k.upcall('net_device_ops', 'misbehave', [Misbehave.Sleep]);
      await until(() => Atomics.load(probe, Probe.ENTERED) === 1);
      const started = Date.now();
      void k.worker!.terminate();
      const e = (await rejection(pending, timeoutMs + SLACK_MS)) as PeerGoneError;
      expect(e).to.be.instanceOf(PeerGoneError);
      expect(e.functionName).to.equal('misbehave');
      expect(Date.now() - started).to.be.lessThan(timeoutMs + SLACK_MS);
      const ticks = path.ticks();
      await new Promise((r) => setTimeout(r, 20));
      expect(path.ticks()).to.be.greaterThan(ticks);
      // Later upcalls fail the same way until a restart.
      expect(await rejection(k.upcall('net_device_ops', 'echo', [1]), 1000)).to.be.instanceOf(PeerGoneError);
    } finally {
      path.stop();
    }

    await k.restart();
    // The new u-driver's init registered its wlan0 again: a fresh shadow, and none of the old.
    expect(peerEntries(k)).to.equal(1);
    expect(registered).to.have.length(4);
    expect(registered[2]).to.not.equal(registered[0]);
    const values = k.tables.entries().map((e) => e.value);
    for (const old of oldShadows) expect(values).to.not.include(old);
    expect(k.tables.entries().filter((e) => e.own).length).to.equal(own);
    expect(await k.upcall('net_device_ops', 'echo', [8])).to.equal(16);
    expect(await k.upcall('net_device_ops', 'ndo_open', [netdev()])).to.equal(1);
  });

  it('process.exit(1) mid-upcall: PeerGoneError naming the function and the exit code', async () => {
    const timeoutMs = 3000;
    const { k } = rig({ timeoutMs });
    await k.start();
    const started = Date.now();
    const e = (await rejection(k.upcall('net_device_ops', 'misbehave', [Misbehave.Exit]), timeoutMs + SLACK_MS)) as PeerGoneError;
    expect(e).to.be.instanceOf(PeerGoneError);
    expect(e.message).to.match(/net_device_ops\.misbehave: the peer is gone: the u-driver exited with code 1/);
    expect(Date.now() - started).to.be.lessThan(timeoutMs + SLACK_MS);
    expect(k.running).to.equal(false);
    await k.restart();
    expect(await k.upcall('net_device_ops', 'echo', [2])).to.equal(4);
  });

  it('an uncaught exception in the worker after it answered: later upcalls fail, saying why', async () => {
    const { k } = rig();
    await k.start();
    expect(await k.upcall('net_device_ops', 'misbehave', [Misbehave.CrashLater])).to.equal(0);
    await until(() => !k.running);
    const e = (await rejection(k.upcall('net_device_ops', 'echo', [1]), 1000)) as PeerGoneError;
    expect(e).to.be.instanceOf(PeerGoneError);
    expect(e.detail).to.match(/crashed: late crash/);
  });

  it('a hung u-driver: TimeoutError naming the function, the kernel runs on, restart() works', async () => {
    const timeoutMs = 300;
    const { k, probe } = rig({ timeoutMs });
    await k.start();
    const path = criticalPath();
    try {
      const started = Date.now();
      const e = (await rejection(k.upcall('net_device_ops', 'misbehave', [Misbehave.Hang]), timeoutMs + SLACK_MS)) as TimeoutError;
      expect(e).to.be.instanceOf(TimeoutError);
      expect(e.message).to.equal('net_device_ops.misbehave: no answer within 300 ms');
      expect(Date.now() - started).to.be.lessThan(timeoutMs + SLACK_MS);
      expect(Atomics.load(probe, Probe.ENTERED)).to.equal(1);
      const ticks = path.ticks();
      await new Promise((r) => setTimeout(r, 20));
      expect(path.ticks()).to.be.greaterThan(ticks);
      // Still hung: the next upcall times out too.
      expect(await rejection(k.upcall('net_device_ops', 'echo', [1]), timeoutMs + SLACK_MS)).to.be.instanceOf(TimeoutError);
    } finally {
      path.stop();
    }
    await k.restart();
    expect(await k.upcall('net_device_ops', 'echo', [3])).to.equal(6);
  });

  it('start() fails with the cause when the u-driver crashes in init or speaks another module version', async () => {
    const crashing = rig({ data: { failInit: true } }).k;
    const e = (await rejection(crashing.start(), 10_000)) as PeerGoneError;
    expect(e).to.be.instanceOf(PeerGoneError);
    expect(e.detail).to.match(/init failed on purpose/);

    const other = rig({ data: { version: 2 } }).k;
    const v = (await rejection(other.start(), 10_000)) as PeerGoneError;
    expect(v).to.be.instanceOf(PeerGoneError);
    // The refusal and the worker's crash on it race to the kernel; either names the mismatch.
    expect(v.detail).to.match(/the kernel speaks t version 1, this u-driver t version 2/);
  });
});
