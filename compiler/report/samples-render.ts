// The samples' table as text, Markdown and JSON: one row per measure, one column per sample, then
// per sample the interface's functions and the bytes of each management call.
import type { SampleReport } from './samples-metrics.js';

const pct = (x: number): string => `${(x * 100).toFixed(1)}%`;

function rows(r: SampleReport): [string, string][] {
  const s = r.sides;
  const avg = (n: number): string => (r.bytes.calls.length ? (n / r.bytes.calls.length).toFixed(0) : '-');
  return [
    ['lines: k-driver / u-driver / shared', `${s.kdriver.lines} / ${s.udriver.lines} / ${s.shared.lines}`],
    ['lines in the u-driver / k-driver', `${pct(r.share.lines.udriver)} / ${pct(r.share.lines.kdriver)}`],
    ['functions: k-driver / u-driver / shared', `${s.kdriver.functions} / ${s.udriver.functions} / ${s.shared.functions}`],
    ['functions in the u-driver / k-driver', `${pct(r.share.functions.udriver)} / ${pct(r.share.functions.kdriver)}`],
    ['device (simulated, not counted): lines / functions', `${s.device.lines} / ${s.device.functions}`],
    ['generated (not counted): lines / functions', `${s.generated.lines} / ${s.generated.functions}`],
    ["driver's lines (header + k + u + shared)", `${r.driverLines} (${r.headerLines} + ${s.kdriver.lines} + ${s.udriver.lines} + ${s.shared.lines})`],
    ['annotation lines (header + sidecar)', `${r.annotations.total} (${r.annotations.header} + ${r.annotations.sidecar}) = ${pct(r.annotations.share)}`],
    ['interface: upcalls / downcalls / critical', `${r.interface.upcalls.length} / ${r.interface.downcalls.length} / ${r.interface.critical.length}`],
    ['bytes per management call, pruned (mean)', avg(r.bytes.pruned)],
    ['bytes per management call, everything reachable (mean)', avg(r.bytes.full)],
  ];
}

function transpose(perSample: [string, string][][]): string[][] {
  const first = perSample[0] ?? [];
  return first.map(([label], i) => [label, ...perSample.map((rs) => rs[i]![1])]);
}

export function renderSamplesText(reports: SampleReport[]): string {
  const table = [['', ...reports.map((r) => r.sample)], ...transpose(reports.map(rows))];
  const widths = table[0]!.map((_, i) => Math.max(...table.map((row) => row[i]!.length)));
  const out = table.map((row) => row.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ').trimEnd());
  for (const r of reports) {
    out.push('', `${r.sample}: upcalls: ${r.interface.upcalls.join(', ') || '-'}`);
    out.push(`${r.sample}: downcalls: ${r.interface.downcalls.join(', ') || '-'}`);
    out.push(`${r.sample}: critical (stay in the kernel): ${r.interface.critical.join(', ') || '-'}`);
  }
  for (const r of reports) {
    if (!r.bytes.calls.length) continue;
    out.push('', `${r.sample}: bytes per management call (pruned / everything reachable)`);
    for (const c of r.bytes.calls) out.push(`  ${c.fn}  ${c.pruned} / ${c.full}`);
  }
  return out.join('\n') + '\n';
}

export function renderSamplesMarkdown(reports: SampleReport[]): string {
  const esc = (s: string): string => s.replace(/\|/g, '\\|');
  const code = (xs: string[]): string => xs.map((x) => `\`${x}\``).join(', ') || '-';
  const out = [`| | ${reports.map((r) => esc(r.sample)).join(' | ')} |`, `|---|${reports.map(() => '---:').join('|')}|`];
  for (const row of transpose(reports.map(rows))) out.push(`| ${row.map(esc).join(' | ')} |`);
  for (const r of reports) {
    out.push('', `**${esc(r.sample)}**: upcalls ${code(r.interface.upcalls)}; downcalls ${code(r.interface.downcalls)}; critical ${code(r.interface.critical)}`);
  }
  for (const r of reports) {
    if (!r.bytes.calls.length) continue;
    out.push('', `**${esc(r.sample)}**: bytes per management call`, '', '| call | pruned | everything reachable |', '|---|---:|---:|');
    for (const c of r.bytes.calls) out.push(`| ${esc(c.fn)} | ${c.pruned} | ${c.full} |`);
  }
  return out.join('\n') + '\n';
}

export function renderSamplesJson(reports: SampleReport[]): string {
  return JSON.stringify(reports, null, 2) + '\n';
}
