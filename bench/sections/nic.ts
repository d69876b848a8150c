// The simulated NIC's critical path (samples/nic/critical.ts): frames per second with the u-driver
// split off in a worker ÷ monolithic (its code on the kernel thread), with the u-driver idle and
// with ethtool get_stats upcalls running back to back.
import { measureCriticalPath } from '../../samples/nic/critical.js';
import { figure, type BenchOptions, type Figure, type Section } from '../figure.js';
import { ratios, spread } from '../stats.js';

export const nicSection: Section = {
  name: 'nic',
  async run(o: BenchOptions): Promise<Figure[]> {
    // Many short rounds rather than a few long ones: the machine's drift is slower than a round,
    // so a round's ratios compare like with like, and the median over rounds shrugs off the rounds
    // another process took a core in. Each round runs all four contenders, in an order that turns
    // round by round, so none is always first or always after the same one.
    const rounds = o.quick ? 1 : 15;
    const durationMs = o.quick ? 100 : 400;
    const kinds = [
      { mode: 'split', management: false },
      { mode: 'monolithic', management: false },
      { mode: 'split', management: true },
      { mode: 'monolithic', management: true },
    ] as const;
    const fps = kinds.map(() => [] as number[]);
    let calls = 0;
    for (let r = 0; r < rounds; r++) {
      const order = kinds.map((_, i) => (i + r) % kinds.length);
      if (r % 2) order.reverse();
      for (const i of order) {
        const res = await measureCriticalPath({ mode: kinds[i]!.mode, management: kinds[i]!.management, durationMs });
        fps[i]!.push(res.framesPerSecond);
        if (i === 2) calls += res.managementCalls;
      }
    }
    const out: Figure[] = [];
    for (const management of [false, true]) {
      const split = fps[management ? 2 : 0]!;
      const mono = fps[management ? 3 : 1]!;
      const what = management ? 'while management upcalls (get_stats) run back to back' : 'with the u-driver idle';
      o.log(`nic ${what}: split ${spread(split).median.toFixed(0)} frames/s, monolithic ${spread(mono).median.toFixed(0)} frames/s`);
      out.push(
        figure({
          id: `nic.${management ? 'management' : 'idle'}`,
          section: 'nic',
          label: `NIC critical path, split ÷ monolithic frames per second, ${what}${management ? ` (${Math.round(calls / rounds)} calls per ${durationMs} ms run)` : ''}`,
          unit: 'x',
          value: spread(ratios(split, mono)),
          target: { op: '>=', value: 0.99 },
          limits: management
            ? "the channel's share of the kernel thread while the critical path runs (1%): each management call costs it 50–300 µs there (cold code, a futex wake of the u-driver on a VM), so about 30 calls a second get through; the monolithic driver's management calls cost the thread a turn each"
            : 'nothing crosses on the critical path: only run-to-run noise of the simulated device',
        }),
        figure({
          id: `nic.${management ? 'management' : 'idle'}.fps`,
          section: 'nic',
          label: `NIC critical path, split, frames per second, ${what}`,
          unit: 'frames/s',
          value: spread(split),
          target: null,
          limits: 'the simulated device and the event loop turn per burst of 4 frames',
        }),
      );
    }
    out.push(
      figure({
        id: 'nic.management-vs-idle',
        section: 'nic',
        label: 'NIC critical path, split: frames per second with the management loop ÷ with the u-driver idle',
        unit: 'x',
        value: spread(ratios(fps[2]!, fps[0]!)),
        target: null,
        limits: "what the management loop takes from the split driver's own critical path: the channel's 1% share of the kernel thread, and the u-driver's thread on the other core",
      }),
    );
    return out;
  },
};
