// What `npm run bench` measures the runtime with (docs/runtime.md, "Measuring the runtime"): a
// live probe channel for null upcall and downcall round trips, and a codec fixture for the cost
// of encoding and decoding one call. Nothing here is used by the channel itself.
import { performance } from 'node:perf_hooks';
import { KernelChannel, type KernelChannelOptions } from '../channel.js';
import { Codec } from '../codec.js';
import { ObjectTable } from '../object-table.js';
import { WireWriter } from '../wire-writer.js';
import { PROBE_RUN_KEY, probeFunction, probeInterface, probePlan, probeRing, type ProbeNode } from './plan.js';


export { PROBE_IFACE, PROBE_NODE, probeFunction, probeInterface, probePlan, probeRing, type ProbeNode } from './plan.js';

export interface Probe {
  readonly channel: KernelChannel;
  /** One null upcall: resolves when its reply has been applied. */
  upcall(): Promise<void>;
  /** Times `n` null upcalls made back to back: microseconds each. */
  upcalls(n: number): Promise<Float64Array>;
  /** Has the u-driver make `n` null downcalls back to back: microseconds each, timed in the worker. */
  downcalls(n: number): Promise<Float64Array>;
  stop(): Promise<void>;
}

/** Starts a u-driver that serves the probe interface (the kernel side serves null_down). */
export async function startProbe(options: Partial<Omit<KernelChannelOptions, 'plan' | 'workerUrl' | 'implementation'>> = {}): Promise<Probe> {
  const channel = new KernelChannel({
    ...options,
    plan: probePlan,
    workerUrl: new URL('./worker.js', import.meta.url),
    implementation: { probe: { null_down: () => undefined } },
  });
  await channel.start();
  const upcall = async (): Promise<void> => {
    await channel.upcall('probe', 'null_up', []);
  };
  return {
    channel,
    upcall,
    async upcalls(n) {
      const us = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        const t0 = performance.now();
        await channel.upcall('probe', 'null_up', []);
        us[i] = (performance.now() - t0) * 1000;
      }
      return us;
    },
    downcalls(n) {
      const w = channel.worker;
      if (!w) return Promise.reject(new Error('the probe u-driver is not running'));
      return new Promise((resolve, reject) => {
        const onMessage = (m: unknown): void => {
          if (!m || typeof m !== 'object' || !(PROBE_RUN_KEY in m)) return;
          w.off('message', onMessage);
          w.off('exit', onExit);
          resolve((m as Record<string, Float64Array>)[PROBE_RUN_KEY]!);
        };
        const onExit = (): void => reject(new Error('the probe u-driver exited'));
        w.on('message', onMessage);
        w.on('exit', onExit);
        w.postMessage({ [PROBE_RUN_KEY]: n });
      });
    },
    stop: () => channel.stop(),
  };
}

export interface CodecFixture {
  /** The kernel side's codec (it encodes the call) and the user side's (it decodes it). */
  readonly kernel: Codec;
  readonly user: Codec;
  readonly ring: ProbeNode[];
  /** The bytes of the last `encode()` (a view of the fixture's buffer). */
  bytes: Uint8Array;
  /** Encodes `ring(head)` into the fixture's buffer; returns its length. */
  encode(): number;
  /** Decodes the last encoded call on the user side and applies it to the user's shadows. */
  decode(): void;
}

/** The codec measured on a call that reads a ring of `nodes` aliased nodes deep (about 6.3 KB for 32). */
export function codecFixture(nodes = 32, items = 32): CodecFixture {
  const kernel = new Codec(probePlan, new ObjectTable('kernel'));
  const user = new Codec(probePlan, new ObjectTable('user'));
  const ring = probeRing(nodes, items);
  const w = new WireWriter(new ArrayBuffer(1 << 20));
  const fn = probeFunction('ring');
  const f: CodecFixture = {
    kernel,
    user,
    ring,
    bytes: new Uint8Array(0),
    encode() {
      f.bytes = kernel.encodeCall(w, probeInterface, fn, [ring[0]], 1);
      return f.bytes.length;
    },
    decode() {
      user.decodeCall(f.bytes).apply();
    },
  };
  f.encode();
  return f;
}
