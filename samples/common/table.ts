// The readable summary of one sample's run, split against monolithic.
import type { SampleRun } from './scenario.js';

export interface SampleInfo {
  name: string;
  title: string;
  /** What the critical path moves: "packets", "periods", "transfers". */
  unit: string;
  /** What stays in the kernel (the critical path). */
  kernel: string[];
  /** What the u-driver does. */
  user: string[];
}

const num = (n: number): string => Math.round(n).toLocaleString('en-US');
const ms = (n: number): string => (n < 10 ? n.toFixed(2) : n.toFixed(1));

function grid(rows: string[][]): string[] {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ').trimEnd());
}

export function renderSample(info: SampleInfo, run: SampleRun): string[] {
  const { split, monolithic: mono } = run;
  const out: string[] = [];
  out.push(`== ${info.name}: ${info.title}`);
  out.push(`   kernel (k-driver): ${info.kernel.join(', ')}`);
  out.push(`   user (u-driver):   ${info.user.join(', ')}`);
  const rate = (r: typeof split): string => (r.seconds > 0 ? num(r.events / r.seconds) : '-');
  out.push(
    ...grid([
      ['', 'split', 'monolithic'],
      [`${split.unit} on the critical path`, num(split.events), num(mono.events)],
      [`${split.unit}/s`, rate(split), rate(mono)],
      ['upcalls / downcalls', `${split.upcalls} / ${split.downcalls}`, `${mono.upcalls} / ${mono.downcalls} (direct)`],
      ['upcalls from the critical path', String(split.criticalUpcalls.length), String(mono.criticalUpcalls.length)],
      ...Object.keys(split.counters).map((k) => [k, num(split.counters[k]!), num(mono.counters[k] ?? 0)]),
    ]).map((l) => '   ' + l),
  );
  out.push(`   (the critical path runs the same kernel code in both modes: its rate differs by noise; the split costs management latency)`);
  out.push('   management calls:');
  const monoByName = new Map(mono.management.map((m) => [m.name, m]));
  const agree = new Map(run.agreement.map((a) => [a.name, a.ok]));
  const rows: string[][] = [['call', 'split ms', 'mono ms', 'same result', 'result']];
  for (const m of split.management) {
    const other = monoByName.get(m.name);
    const same = m.compared ? (agree.get(m.name) ? 'yes' : 'NO') : 'n/a';
    const result = m.result.length > 48 ? m.result.slice(0, 45) + '...' : m.result;
    rows.push([`${m.name}${m.concurrent ? ' *' : ''}`, ms(m.ms), other ? ms(other.ms) : '-', same, result]);
  }
  out.push(...grid(rows).map((l) => '     ' + l));
  out.push('     (* made while traffic flowed; n/a: depends on timing, not compared)');
  if (split.crash) {
    const c = split.crash;
    out.push(`   crash: the u-driver died mid-upcall -> ${c.error}`);
    out.push(`          ${num(c.eventsWhileDown)} ${split.unit} handled while it was down; restarted in ${ms(c.restartMs)} ms; nothing lost`);
  }
  const all = [...split.checks, ...mono.checks, ...run.agreement];
  const bad = all.filter((c) => !c.ok);
  out.push(`   checks: ${all.length - bad.length}/${all.length} passed${bad.length ? '' : '; kernel log clean'}`);
  for (const c of bad) out.push(`     FAILED ${c.name}: ${c.detail}`);
  return out;
}
