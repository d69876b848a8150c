// Issue #16's throughput figure: bulk TCP throughput through the e1000 driver of VM A of the QEMU
// pair (test/qemu/e1000-pair.ts), against VM B's stock e1000, each way, with every byte verified.
// In one boot of the pair VM A loads, uses and removes each contender in turn, the order
// rotating between rounds, so all see the same VMs and the same machine. The contenders: Debian's
// stock e1000, the split e1000 (built from linux-source-6.1 by `mdidl split --emit`,
// test/qemu/e1000-split-build.ts), and the stock module loaded again, whose ratio to the first is
// the noise floor of the split ÷ stock figure. Skipped by --quick: one pair boot alone takes
// about a minute under TCG, and test/qemu/e1000-split-pair.test.ts runs the same harness in the
// test suite.
import * as fs from 'node:fs';
import { fieldsOf, runPair, splitE1000, stockE1000, toolsInTempDir, type GuestDriver, type Phase, type Records } from '../../test/qemu/e1000-pair.js';
import { buildSplitE1000 } from '../../test/qemu/e1000-split-build.js';
import { figure, type BenchOptions, type Figure, type Section } from '../figure.js';
import { ratios, spread } from '../stats.js';

const ROUNDS = 6;
const BYTES = 12_000_000;

interface Way {
  mbps: number;
  ms: number;
}

/** The A-to-B and B-to-A transfers of one phase; throws when a byte was wrong or missing. */
function transfers(rec: Records, key: string): { aToB: Way; bToA: Way } {
  const way = (k: string, okField: string): Way => {
    const line = rec.output(`${key}.${k}`).join(' ');
    const f = fieldsOf(line);
    if (rec.exit(`${key}.${k}`) !== 0 || f.get(okField) !== '1' || f.get('bytes') !== `${BYTES}`) {
      throw new Error(`e1000-qemu: ${key} ${k} did not move ${BYTES} verified bytes:\n${rec.text}`);
    }
    const ms = Number(f.get('ms'));
    return { ms, mbps: BYTES / 1e6 / (ms / 1e3) };
  };
  return { aToB: way('a-to-b', 'ok'), bToA: way('b-to-a', 'ok') };
}

export const e1000QemuSection: Section = {
  name: 'e1000-qemu',
  async run(o: BenchOptions): Promise<Figure[]> {
    if (o.quick) {
      o.log('e1000-qemu: skipped in --quick (a VM pair boot takes about a minute; test/qemu/e1000-pair.test.ts runs the harness)');
      return [];
    }
    const contenders: { name: string; driver: GuestDriver }[] = [
      { name: 'stock', driver: stockE1000() },
      { name: 'split', driver: splitE1000(buildSplitE1000()) },
      { name: 'reloaded', driver: stockE1000() },
    ];
    const phases: Phase[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      const order = contenders.map((_, i) => contenders[(i + r) % contenders.length]!);
      for (const c of order) phases.push({ key: `${c.name}${r}`, driver: c.driver, bytes: BYTES, seeds: [2 * r + 1, 2 * r + 2], checks: 'throughput' });
    }
    const { dir, tools } = toolsInTempDir();
    let run;
    try {
      run = await runPair({ tools, phases, timeoutMs: 480000 });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
    if (run.vm.a.exitCode !== 0 || run.vm.b.exitCode !== 0) {
      throw new Error(`e1000-qemu: the VM pair did not finish (A exit ${run.vm.a.exitCode}, B exit ${run.vm.b.exitCode}):\n${run.a.text}\n${run.vm.a.console.slice(-3000)}`);
    }
    const per = (name: string) => Array.from({ length: ROUNDS }, (_, r) => transfers(run.a, `${name}${r}`));
    const stock = per('stock');
    const split = per('split');
    const again = per('reloaded');
    for (const p of phases) {
      const t = transfers(run.a, p.key);
      o.log(`e1000-qemu: ${p.key}: A→B ${t.aToB.mbps.toFixed(2)} MB/s, B→A ${t.bToA.mbps.toFixed(2)} MB/s`);
    }
    const both = (t: { aToB: Way; bToA: Way }) => (2 * BYTES) / 1e6 / ((t.aToB.ms + t.bToA.ms) / 1e3);
    const mb = `${BYTES / 1e6} MB`;
    o.log(`e1000-qemu: stock A→B ${spread(stock.map((t) => t.aToB.mbps)).median.toFixed(2)} MB/s, B→A ${spread(stock.map((t) => t.bToA.mbps)).median.toFixed(2)} MB/s; pair up ${(Math.max(run.vm.a.durationMs, run.vm.b.durationMs) / 1000).toFixed(0)} s`);
    const limits = 'QEMU TCG emulating both guests and the 82540EM on a shared 2-core host; the socket netdev copies each frame through the host';
    // A driver's bulk TCP throughput each way, over the phases given.
    const throughput = (id: string, who: string, ts: { aToB: Way; bToA: Way }[]): Figure[] =>
      (['a-to-b', 'b-to-a'] as const).map((way) =>
        figure({
          id: `e1000.qemu.${id ? `${id}-` : ''}${way}`,
          section: 'e1000-qemu',
          label: `e1000 in QEMU, ${who}, bulk TCP ${way === 'a-to-b' ? 'A→B' : 'B→A'} (${mb}, every byte verified)`,
          unit: 'MB/s',
          value: spread(ts.map((t) => (way === 'a-to-b' ? t.aToB : t.bToA).mbps)),
          target: null,
          limits,
        }),
      );
    return [
      figure({
        id: 'e1000.qemu.split-ratio',
        section: 'e1000-qemu',
        label: `e1000 in QEMU, split ÷ stock bulk TCP throughput both ways (issue #16; ${mb} each way per load, every byte verified, the same boot; each round's split load against the mean of its two stock loads)`,
        unit: 'x',
        // Each round loads stock twice around or beside the split driver (the order turns), so the
        // split load is held against the mean of both: one stock load alone carries its own
        // noise (the stock ÷ stock figure) into every round's ratio.
        value: spread(ratios(split.map(both), stock.map((t, r) => (both(t) + both(again[r]!)) / 2))),
        target: { op: '>=', value: 0.95 },
        limits: `${limits}; the split driver's data path is the kernel's own code (xmit, NAPI, the interrupt), so what differs is the watchdog's upcall every 2 s`,
      }),
      ...throughput('split', 'split driver', split),
      figure({
        id: 'e1000.qemu.reload-ratio',
        section: 'e1000-qemu',
        label: `e1000 in QEMU, stock ÷ stock reloaded in the same boot, bulk TCP throughput both ways (${mb} each way per load): the noise floor of the split ÷ stock figure`,
        unit: 'x',
        value: spread(ratios(stock.map(both), again.map(both))),
        target: null,
        limits,
      }),
      ...throughput('', 'stock driver', [...stock, ...again]),
    ];
  },
};
