// The NIC's critical path measured (what `npm run bench` reports; nothing here passes or fails on
// time): frames pushed through receive, transmit and the interrupt handler on the kernel thread,
// with the u-driver split off in a worker or, as the baseline, monolithic (its code called
// directly on the kernel thread, no RPC), with or without a management loop (ethtool get_stats
// back to back) running at the same time.
import { KernelChannel, sim } from 'mdidl/runtime';
import { performance } from 'node:perf_hooks';
import { plan } from './generated/ts/nic.plan.js';
import { kernelDispatcher, upcalls, type Downcalls, type KernelImplementation, type Upcalls } from './generated/ts/nic.stubs.js';
import type { link_stats } from './generated/ts/nic.types.js';
import { NicKDriver } from './kdriver.js';
import { userImplementation } from './uimpl.js';

export interface CriticalPathOptions {
  /** `split`: the u-driver in a worker behind the channel; `monolithic`: both halves on the kernel thread. */
  mode: 'split' | 'monolithic';
  /** Run a management loop (get_stats upcalls back to back) while the critical path runs. */
  management: boolean;
  /** How long to push frames. Default 1000 ms. */
  durationMs?: number;
  /** Frames received and sent per turn of the event loop (at most 7: the rings hold 8). Default 4. */
  burst?: number;
}

export interface CriticalPathResult {
  mode: 'split' | 'monolithic';
  management: boolean;
  /** Frames the driver received plus frames the device sent. */
  frames: number;
  ms: number;
  framesPerSecond: number;
  /** Management calls completed meanwhile. */
  managementCalls: number;
}

const turn = (): Promise<void> => new Promise((r) => setImmediate(r));

/** The u-driver on the kernel thread: its upcalls run as process-context work, its downcalls are direct calls. */
function monolithic(k: NicKDriver): Upcalls {
  let down: Downcalls;
  const impl = userImplementation(() => down);
  down = directDowncalls(k.downcalls);
  // An ethtool request is process-context work, not part of the caller's critical section: each
  // runs in a turn of its own, as a work item would.
  const later = <T>(fn: () => T): Promise<T> => new Promise((resolve, reject) => setImmediate(() => {
    try {
      resolve(fn());
    } catch (e) {
      reject(e);
    }
  }));
  const n = impl.net_device_ops;
  const e = impl.ethtool_ops;
  return {
    net_device_ops: {
      ndo_open: (dev) => later(() => n.ndo_open(dev)),
      ndo_stop: (dev) => later(() => n.ndo_stop(dev)),
      ndo_change_mtu: (dev, mtu) => later(() => n.ndo_change_mtu(dev, mtu)),
    },
    ethtool_ops: {
      get_drvinfo: (dev, info) => later(() => e.get_drvinfo(dev, info)),
      get_stats: (dev, stats) => later(() => e.get_stats(dev, stats)),
    },
  };
}

function directDowncalls(impl: KernelImplementation): Downcalls {
  const now = <T>(x: T | Promise<T>): T => {
    if (x instanceof Promise) throw new Error('a kernel service answered later: the monolithic driver calls it directly');
    return x;
  };
  const k = impl.kernel;
  return {
    kernel: {
      request_irq: (irq, name, dev) => now(k.request_irq(irq, name, dev)),
      free_irq: (irq, dev) => now(k.free_irq(irq, dev)),
      nic_setup_rings: (dev, rx, tx) => now(k.nic_setup_rings(dev, rx, tx)),
      nic_read_mac: (dev, mac) => now(k.nic_read_mac(dev, mac)),
      nic_enable: (dev, on) => now(k.nic_enable(dev, on)),
      netif_carrier_on: (dev) => now(k.netif_carrier_on(dev)),
      netif_start_queue: (dev) => now(k.netif_start_queue(dev)),
      netif_stop_queue: (dev) => now(k.netif_stop_queue(dev)),
    },
  };
}

/**
 * One NIC driver opened and ready to push frames: its kernel, device, k-driver and (split) channel
 * to the u-driver. Several can be open at once on the kernel thread, each with its own simulated
 * kernel and device, so a bench can alternate between them in short slices.
 */
export interface CriticalPathRig {
  readonly mode: 'split' | 'monolithic';
  /** Pushes frames for `durationMs` (bursts of `burst`, each followed by a turn of the event loop). */
  pump(durationMs: number): Promise<{ frames: number; ms: number }>;
  /** Starts a management loop (get_stats back to back) that runs until `stopManagement`. */
  startManagement(): void;
  /** Stops the management loop and says how many calls it completed. */
  stopManagement(): Promise<number>;
  /** Stops the loop, the channel and the simulated kernel; checks the kernel logged nothing. */
  close(): Promise<void>;
}

/** Opens the device (ndo_open, through the channel when split) and returns it ready to pump. */
export async function openCriticalPath(mode: 'split' | 'monolithic', burst = 4): Promise<CriticalPathRig> {
  if (burst < 1 || burst > 7) throw new RangeError(`burst ${burst} is not in 1..7`);
  const kernel = new sim.SimKernel();
  const nic = new sim.SimNic(kernel, 11);
  const k = new NicKDriver(kernel, nic);
  const channel =
    mode === 'split' ? new KernelChannel({ plan, workerUrl: new URL('./udriver.js', import.meta.url), implementation: kernelDispatcher(k.downcalls) }) : null;
  let closed = false;
  const teardown = async (): Promise<void> => {
    closed = true;
    try {
      await channel?.stop();
    } finally {
      kernel.stop();
    }
  };
  const close = async (): Promise<void> => {
    if (closed) return;
    await stopManagement();
    await teardown();
    if (kernel.log.length) throw new Error(`kernel log: ${kernel.log.join('; ')}`);
  };
  let running = false;
  let loop: Promise<void> = Promise.resolve();
  let calls = 0;
  let up: Upcalls;
  const stopManagement = async (): Promise<number> => {
    running = false;
    await loop;
    const n = calls;
    calls = 0;
    return n;
  };
  try {
    await channel?.start();
    up = channel ? upcalls(channel) : monolithic(k);
    const opened = await up.net_device_ops.ndo_open(k.dev);
    if (opened !== 0) throw new Error(`ndo_open -> ${opened}`);
  } catch (e) {
    await teardown();
    throw e;
  }
  const rx = Uint8Array.from({ length: 64 }, (_, i) => i);
  const tx = Uint8Array.from({ length: 64 }, (_, i) => 255 - i);
  const stats: link_stats = { rx_packets: 0n, tx_packets: 0n, rx_missed: 0n };
  return {
    mode,
    async pump(durationMs) {
      let frames = 0;
      const t0 = performance.now();
      let t = t0;
      while (t - t0 < durationMs) {
        for (let i = 0; i < burst; i++) {
          nic.receive(rx);
          k.startXmit(tx);
        }
        await turn(); // the interrupt handler runs: receive and transmit completion
        frames += k.delivered.length + nic.sent.length;
        k.delivered.length = 0;
        nic.sent.length = 0;
        t = performance.now();
      }
      return { frames, ms: t - t0 };
    },
    startManagement() {
      if (running) return;
      running = true;
      loop = (async () => {
        while (running) {
          await up.ethtool_ops.get_stats(k.dev, stats);
          calls++;
        }
      })();
    },
    stopManagement,
    close,
  };
}

/** Opens the device, then pushes frames for `durationMs` and counts them. */
export async function measureCriticalPath(options: CriticalPathOptions): Promise<CriticalPathResult> {
  const rig = await openCriticalPath(options.mode, options.burst ?? 4);
  try {
    if (options.management) rig.startManagement();
    const { frames, ms } = await rig.pump(options.durationMs ?? 1000);
    const managementCalls = await rig.stopManagement();
    return { mode: options.mode, management: options.management, frames, ms, framesPerSecond: (frames * 1000) / ms, managementCalls };
  } finally {
    await rig.close();
  }
}
