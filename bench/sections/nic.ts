// The simulated NIC's critical path (samples/nic/critical.ts): frames per second with the u-driver
// split off in a worker ÷ monolithic (its code on the kernel thread), with the u-driver idle and
// with ethtool get_stats upcalls running back to back. Split and monolithic runs alternate.
import { measureCriticalPath } from '../../samples/nic/critical.js';
import { figure, type BenchOptions, type Figure, type Section } from '../figure.js';
import { ratios, spread } from '../stats.js';

export const nicSection: Section = {
  name: 'nic',
  async run(o: BenchOptions): Promise<Figure[]> {
    const rounds = o.quick ? 1 : 7;
    const durationMs = o.quick ? 100 : 700;
    const out: Figure[] = [];
    for (const management of [false, true]) {
      const split: number[] = [];
      const mono: number[] = [];
      let calls = 0;
      for (let r = 0; r < rounds; r++) {
        // Alternate which goes first, so a drift of the machine does not favour one.
        const order = r % 2 ? (['monolithic', 'split'] as const) : (['split', 'monolithic'] as const);
        for (const mode of order) {
          const res = await measureCriticalPath({ mode, management, durationMs });
          (mode === 'split' ? split : mono).push(res.framesPerSecond);
          if (mode === 'split') calls += res.managementCalls;
        }
      }
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
            ? 'the kernel thread also encodes each call and applies each reply; the u-driver runs on another core'
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
    return out;
  },
};
