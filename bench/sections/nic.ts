// The simulated NIC's critical path (samples/nic/critical.ts): frames per second with the u-driver
// split off in a worker ÷ monolithic (its code on the kernel thread), with the u-driver idle and
// with ethtool get_stats upcalls running back to back.
import { measureCriticalPath, openCriticalPath, type CriticalPathRig } from '../../samples/nic/critical.js';
import { figure, type BenchOptions, type Figure, type Section } from '../figure.js';
import { ratios, spread } from '../stats.js';

/**
 * Split ÷ monolithic with the u-driver idle, as fine-grained as the machine allows: one split and
 * two monolithic drivers are open at once on the kernel thread, and each round pumps them in turn,
 * in slices of a few milliseconds, in an order that turns slice by slice. Whole runs of 400 ms one
 * after the other drifted by ±15% from run to run on this VM (the host's other tenants, the heap
 * the run before left), which buried a 1% target; slices of the same second see the same machine.
 * The second monolithic driver gives the bench's own floor: monolithic ÷ monolithic.
 */
async function idleRounds(o: BenchOptions): Promise<{ split: number[]; mono: number[]; mono2: number[] }> {
  const rounds = o.quick ? 1 : 9;
  const sliceMs = o.quick ? 5 : 20;
  const perRigMs = o.quick ? 50 : 1000;
  const warmMs = o.quick ? 10 : 100;
  const fps = { split: [] as number[], mono: [] as number[], mono2: [] as number[] };
  for (let r = 0; r < rounds; r++) {
    const rigs: CriticalPathRig[] = [];
    try {
      // Opened in a turning order too, so none is always the newest object on the heap.
      const modes = (['split', 'monolithic', 'monolithic'] as const).map((_, i, a) => a[(i + r) % 3]!);
      for (const m of modes) rigs.push(await openCriticalPath(m));
      const splitAt = rigs.findIndex((g) => g.mode === 'split');
      const monoAt = rigs.map((g, i) => (g.mode === 'monolithic' ? i : -1)).filter((i) => i >= 0);
      for (const g of rigs) await g.pump(warmMs);
      const frames = rigs.map(() => 0);
      const ms = rigs.map(() => 0);
      for (let k = 0; k * sliceMs < perRigMs; k++) {
        const order = rigs.map((_, i) => (i + k) % rigs.length);
        if (k % 2) order.reverse();
        for (const i of order) {
          const x = await rigs[i]!.pump(sliceMs);
          frames[i] = frames[i]! + x.frames;
          ms[i] = ms[i]! + x.ms;
        }
      }
      const rate = (i: number): number => (frames[i]! * 1000) / ms[i]!;
      fps.split.push(rate(splitAt));
      fps.mono.push(rate(monoAt[0]!));
      fps.mono2.push(rate(monoAt[1]!));
    } finally {
      for (const g of rigs) await g.close();
    }
  }
  return fps;
}

/**
 * With management running, the drivers cannot share the thread: each one's management loop would
 * load the other's slices. So each contender has whole runs of its own, as many short rounds, each
 * running every contender in an order that turns round by round.
 */
async function managementRounds(o: BenchOptions): Promise<{ split: number[]; mono: number[]; splitIdle: number[]; calls: number; durationMs: number }> {
  const rounds = o.quick ? 1 : 15;
  const durationMs = o.quick ? 100 : 400;
  const kinds = [
    { mode: 'split', management: true },
    { mode: 'monolithic', management: true },
    { mode: 'split', management: false },
  ] as const;
  const fps = kinds.map(() => [] as number[]);
  let calls = 0;
  for (let r = 0; r < rounds; r++) {
    const order = kinds.map((_, i) => (i + r) % kinds.length);
    if (r % 2) order.reverse();
    for (const i of order) {
      const res = await measureCriticalPath({ mode: kinds[i]!.mode, management: kinds[i]!.management, durationMs });
      fps[i]!.push(res.framesPerSecond);
      if (i === 0) calls += res.managementCalls;
    }
  }
  return { split: fps[0]!, mono: fps[1]!, splitIdle: fps[2]!, calls: Math.round(calls / rounds), durationMs };
}

/** The split driver's own rate in one setting: context for the ratios, no target. */
function fpsFigure(id: string, setting: string, series: number[]): Figure {
  return figure({
    id,
    section: 'nic',
    label: `NIC critical path, split, frames per second, ${setting}`,
    unit: 'frames/s',
    value: spread(series),
    target: null,
    limits: 'the simulated device and the event loop turn per burst of 4 frames',
  });
}

export const nicSection: Section = {
  name: 'nic',
  async run(o: BenchOptions): Promise<Figure[]> {
    const idle = await idleRounds(o);
    const m = await managementRounds(o);
    const what = { idle: 'with the u-driver idle', management: 'while management upcalls (get_stats) run back to back' };
    o.log(`nic ${what.idle}: split ${spread(idle.split).median.toFixed(0)} frames/s, monolithic ${spread(idle.mono).median.toFixed(0)} frames/s`);
    o.log(`nic ${what.management}: split ${spread(m.split).median.toFixed(0)} frames/s, monolithic ${spread(m.mono).median.toFixed(0)} frames/s`);
    return [
      figure({
        id: 'nic.idle',
        section: 'nic',
        label: `NIC critical path, split ÷ monolithic frames per second, ${what.idle} (both open at once, pumped in turn in slices of a few ms)`,
        unit: 'x',
        value: spread(ratios(idle.split, idle.mono)),
        target: { op: '>=', value: 0.99 },
        limits:
          "nothing crosses on the critical path; what is left is the bench's own floor (the next figure) and the k-driver's objects carrying the channel's table entry, which makes the shared critical-path code see two shapes of them",
      }),
      figure({
        id: 'nic.idle.floor',
        section: 'nic',
        label: 'NIC critical path, monolithic ÷ monolithic frames per second, two drivers pumped in turn as above (the noise floor of the figure above)',
        unit: 'x',
        value: spread(ratios(idle.mono2, idle.mono)),
        target: null,
        limits: 'two identical drivers: how far apart the same code lands in slices of the same second',
      }),
      fpsFigure('nic.idle.fps', what.idle, idle.split),
      figure({
        id: 'nic.management',
        section: 'nic',
        label: `NIC critical path, split ÷ monolithic frames per second, ${what.management} (${m.calls} calls per ${m.durationMs} ms run; each driver in runs of its own)`,
        unit: 'x',
        value: spread(ratios(m.split, m.mono)),
        target: { op: '>=', value: 0.99 },
        limits:
          "the channel's share of the kernel thread while the critical path runs (1%): each management call costs it 50–300 µs there (cold code, a futex wake of the u-driver on a VM), so about 30 calls a second get through; the monolithic driver's management calls cost the thread a turn each",
      }),
      fpsFigure('nic.management.fps', what.management, m.split),
      figure({
        id: 'nic.management-vs-idle',
        section: 'nic',
        label: 'NIC critical path, split: frames per second with the management loop ÷ with the u-driver idle (runs of their own)',
        unit: 'x',
        value: spread(ratios(m.split, m.splitIdle)),
        target: null,
        limits: "what the management loop takes from the split driver's own critical path: the channel's 1% share of the kernel thread, and the u-driver's thread on the other core",
      }),
    ];
  },
};
