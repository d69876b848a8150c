// The boundary between a sample's k-driver and its u-driver, in either of two modes:
// - split: the u-driver runs in a worker, upcalls and downcalls cross through the generated stubs
//   and the runtime's channel (the microdriver);
// - monolithic: the same u-driver code runs on the kernel thread and calls the k-driver's kernel
//   services directly, as the unsplit driver would (no RPC, nothing marshaled).
// Both count the calls, and record any upcall made while the critical path is running: the
// scenarios assert there are none.
import { KernelChannel, type Implementations } from 'mdidl/runtime';
import { inCriticalPath } from './critical.js';

export type Mode = 'split' | 'monolithic';

/** `{ iface: { fn(...): R } }` as upcalls made from the kernel: each resolves later. */
export type Promised<T> = {
  [I in keyof T]: { [F in keyof T[I]]: T[I][F] extends (...a: infer A) => infer R ? (...a: A) => Promise<Awaited<R>> : never };
};
/** `{ iface: { fn(...): R | Promise<R> } }` as the u-driver calls it: synchronously. */
export type Synchronous<T> = {
  [I in keyof T]: { [F in keyof T[I]]: T[I][F] extends (...a: infer A) => infer R ? (...a: A) => Awaited<R> : never };
};

export interface CallCounts {
  upcalls: number;
  downcalls: number;
  /** `iface.fn` of every upcall attempted while the critical path was running. */
  criticalUpcalls: string[];
}

export interface Boundary<U> {
  readonly mode: Mode;
  /** The upcalls, as the k-driver makes them. */
  readonly up: U;
  readonly counts: CallCounts;
  /** Makes the u-driver crash (exit) on entry to its next upcall. Split mode only. */
  armCrash(): void;
  /** Starts a fresh u-driver after a crash. Split mode only. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

type AnyFn = (...args: unknown[]) => unknown;
type Table = Record<string, Record<string, AnyFn>>;

function mapTable(t: object, wrap: (iface: string, fn: string, f: AnyFn) => AnyFn): Table {
  const out: Table = {};
  for (const [iface, fns] of Object.entries(t as Table)) {
    const o: Record<string, AnyFn> = {};
    for (const [name, f] of Object.entries(fns)) o[name] = wrap(iface, name, f.bind(fns));
    out[iface] = o;
  }
  return out;
}

/** The kernel services, counted as downcalls. */
function countedKernel(kernel: object, counts: CallCounts): Table {
  return mapTable(kernel, (_i, _f, f) => (...a) => {
    counts.downcalls++;
    return f(...a);
  });
}

class CountingChannel extends KernelChannel {
  constructor(
    options: ConstructorParameters<typeof KernelChannel>[0],
    private readonly counts: CallCounts,
  ) {
    super(options);
  }

  override upcall(ifaceName: string, fnName: string, args: unknown[]): Promise<unknown> {
    this.counts.upcalls++;
    if (inCriticalPath()) this.counts.criticalUpcalls.push(`${ifaceName}.${fnName}`);
    // While a new u-driver starts, KernelChannel itself holds upcalls until it is ready.
    return super.upcall(ifaceName, fnName, args);
  }
}

export interface SplitOptions<U> {
  plan: ConstructorParameters<typeof KernelChannel>[0]['plan'];
  /** The u-driver's worker entry (it calls serveUserDriver). */
  workerUrl: URL;
  /** What the k-driver implements (the generated KernelImplementation). */
  kernel: object;
  /** The generated `upcalls(channel)`. */
  upcalls: (channel: KernelChannel) => U;
  timeoutMs?: number;
}

/** Starts the u-driver in a worker; calls cross the generated stubs. */
export async function splitBoundary<U>(o: SplitOptions<U>): Promise<Boundary<U>> {
  const counts: CallCounts = { upcalls: 0, downcalls: 0, criticalUpcalls: [] };
  const control = new Int32Array(new SharedArrayBuffer(4));
  const channel = new CountingChannel(
    {
      plan: o.plan,
      workerUrl: o.workerUrl,
      workerData: { control: control.buffer },
      implementation: countedKernel(o.kernel, counts) as Implementations,
      timeoutMs: o.timeoutMs ?? 5000,
    },
    counts,
  );
  await channel.start();
  return {
    mode: 'split',
    up: o.upcalls(channel),
    counts,
    armCrash: () => void Atomics.store(control, 0, 1),
    restart: () => channel.restart(),
    stop: () => channel.stop(),
  };
}

/** Runs the u-driver's code on the kernel thread, calling the kernel services directly. */
export function monolithicBoundary<K extends object, I extends object>(kernel: K, user: (k: Synchronous<K>) => I): Boundary<Promised<I>> {
  const counts: CallCounts = { upcalls: 0, downcalls: 0, criticalUpcalls: [] };
  const direct = mapTable(countedKernel(kernel, counts), (iface, fn, f) => (...a) => {
    const r = f(...a);
    if (r && typeof (r as { then?: unknown }).then === 'function') throw new Error(`${iface}.${fn}: a kernel service answered later; the monolithic driver calls it synchronously`);
    return r;
  });
  const impl = user(direct as Synchronous<K>);
  const up = mapTable(impl, (iface, fn, f) => (...a) => {
    counts.upcalls++;
    if (inCriticalPath()) counts.criticalUpcalls.push(`${iface}.${fn}`);
    try {
      return Promise.resolve(f(...a));
    } catch (e) {
      return Promise.reject(e);
    }
  });
  const unsupported = (what: string) => (): never => {
    throw new Error(`${what}: the monolithic driver has no separate u-driver (a crash there is a kernel oops)`);
  };
  return {
    mode: 'monolithic',
    up: up as Promised<I>,
    counts,
    armCrash: unsupported('armCrash'),
    restart: unsupported('restart'),
    stop: async () => {},
  };
}
