// What every sample's scenario records: the steps it ran, the management calls and their results
// and latency, the throughput of the critical path, the crash and recovery, and its checks.
// `runBothModes` runs a scenario split and monolithic and checks the management results agree.
import type { Boundary, Mode } from './boundary.js';

export interface ManagementCall {
  name: string;
  /** The call's outcome, rendered stably (bigints as decimal). */
  result: string;
  ms: number;
  /** Made while traffic was flowing on the critical path. */
  concurrent: boolean;
  /** Compared with the monolithic run (false for results that depend on timing). */
  compared: boolean;
}

export interface Check {
  name: string;
  ok: boolean;
  detail: string;
}

export interface CrashRecord {
  /** How the upcall in flight failed. */
  error: string;
  /** Critical-path events handled while no u-driver existed. */
  eventsWhileDown: number;
  restartMs: number;
}

export interface ScenarioResult {
  sample: string;
  mode: Mode;
  /** "packets", "periods", "transfers". */
  unit: string;
  /** Critical-path events of the sustained-traffic phase, and how long it took. */
  events: number;
  seconds: number;
  upcalls: number;
  downcalls: number;
  criticalUpcalls: string[];
  management: ManagementCall[];
  crash: CrashRecord | null;
  checks: Check[];
  kernelLog: string[];
  /** Counters the scenario reports (ring wraps, overruns, corrupted frames, ...). */
  counters: Record<string, number>;
}

export interface ScenarioOptions {
  mode: Mode;
  /** Critical-path events in the sustained-traffic phase (at least 100,000 in the demo and tests). */
  events?: number;
  /** Called as the traffic moves. */
  progress?: (done: number, total: number) => void;
  timeoutMs?: number;
}

export function stable(v: unknown): string {
  return JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? x.toString() : x instanceof Uint8Array ? Array.from(x) : x)) ?? 'undefined';
}

/** Accumulates a ScenarioResult while a scenario runs. */
export class Recorder {
  readonly management: ManagementCall[] = [];
  readonly checks: Check[] = [];
  readonly counters: Record<string, number> = {};
  crash: CrashRecord | null = null;
  events = 0;
  seconds = 0;

  constructor(
    readonly sample: string,
    readonly unit: string,
    readonly boundary: Boundary<unknown>,
  ) {}

  /** Makes a management call, times it, records its outcome (a rejection is an outcome too). */
  async manage<T>(name: string, call: () => Promise<T>, render: (v: T) => unknown = (v) => v, o: { concurrent?: boolean; compared?: boolean } = {}): Promise<T | undefined> {
    const t0 = performance.now();
    let result: string;
    let value: T | undefined;
    try {
      value = await call();
      result = stable(render(value));
    } catch (e) {
      result = `error: ${(e as Error).name}: ${(e as Error).message}`;
    }
    this.management.push({ name, result, ms: performance.now() - t0, concurrent: o.concurrent ?? false, compared: o.compared ?? true });
    return value;
  }

  check(name: string, ok: boolean, detail: string): void {
    this.checks.push({ name, ok, detail });
  }

  /** Checks two values are the same (compared as rendered). */
  same(name: string, actual: unknown, expected: unknown): void {
    const a = stable(actual);
    const e = stable(expected);
    this.check(name, a === e, a === e ? a : `got ${a}, expected ${e}`);
  }

  result(mode: Mode, kernelLog: string[]): ScenarioResult {
    const c = this.boundary.counts;
    return {
      sample: this.sample,
      mode,
      unit: this.unit,
      events: this.events,
      seconds: this.seconds,
      upcalls: c.upcalls,
      downcalls: c.downcalls,
      criticalUpcalls: [...c.criticalUpcalls],
      management: this.management,
      crash: this.crash,
      checks: this.checks,
      kernelLog,
      counters: this.counters,
    };
  }
}

export interface SampleRun {
  split: ScenarioResult;
  monolithic: ScenarioResult;
  /** The split run's management results against the monolithic run's, call by call. */
  agreement: Check[];
}

/** Runs a scenario in both modes and compares their management results. */
export async function runBothModes(
  run: (o: ScenarioOptions) => Promise<ScenarioResult>,
  o: Omit<ScenarioOptions, 'mode'> & { onMode?: (m: Mode) => void; warmup?: number } = {},
): Promise<SampleRun> {
  // A short run first, thrown away, so neither measured run pays for compiling the critical path.
  if (o.warmup) await run({ mode: 'monolithic', events: o.warmup, ...(o.timeoutMs !== undefined ? { timeoutMs: o.timeoutMs } : {}) });
  o.onMode?.('monolithic');
  const monolithic = await run({ ...o, mode: 'monolithic' });
  o.onMode?.('split');
  const split = await run({ ...o, mode: 'split' });
  const agreement: Check[] = [];
  const mono = new Map(monolithic.management.filter((m) => m.compared).map((m) => [m.name, m.result]));
  for (const m of split.management.filter((x) => x.compared)) {
    const want = mono.get(m.name);
    agreement.push({
      name: m.name,
      ok: want === m.result,
      detail: want === m.result ? m.result : `split ${m.result}, monolithic ${want ?? '(not made)'}`,
    });
  }
  for (const name of mono.keys()) {
    if (!split.management.some((m) => m.compared && m.name === name)) agreement.push({ name, ok: false, detail: 'made only in the monolithic run' });
  }
  return { split, monolithic, agreement };
}

/** Every check of a run (both modes, and their agreement) that failed. */
export function failures(r: SampleRun): string[] {
  const out: string[] = [];
  for (const s of [r.monolithic, r.split]) {
    for (const c of s.checks) if (!c.ok) out.push(`${s.sample} ${s.mode}: ${c.name}: ${c.detail}`);
    if (s.criticalUpcalls.length) out.push(`${s.sample} ${s.mode}: upcalls from the critical path: ${s.criticalUpcalls.join(', ')}`);
    for (const l of s.kernelLog) out.push(`${s.sample} ${s.mode}: kernel log: ${l}`);
  }
  for (const a of r.agreement) if (!a.ok) out.push(`${r.split.sample}: management result differs from the monolithic driver: ${a.name}: ${a.detail}`);
  return out;
}

/** Yields to the event loop, where the simulated interrupts and the channel run. */
export const tick = (): Promise<void> => new Promise((r) => setImmediate(r));
