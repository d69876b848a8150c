// The samples' table as text, Markdown and JSON: one row per measure, one column per sample, then
// per sample the interface's functions and the bytes of each management call.
import type { SampleReport } from './samples-metrics.js';
import { callBytesMarkdown, callBytesText, markdownTable, meanBytes, mdEscape as esc, pct, textTable, type Row } from './table.js';

function rows(r: SampleReport): Row[] {
  const s = r.sides;
  const avg = (n: number): string => meanBytes(n, r.bytes.calls);
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

export function renderSamplesText(reports: SampleReport[]): string {
  const out = textTable(reports.map((r) => r.sample), reports.map(rows));
  for (const r of reports) {
    out.push('', `${r.sample}: upcalls: ${r.interface.upcalls.join(', ') || '-'}`);
    out.push(`${r.sample}: downcalls: ${r.interface.downcalls.join(', ') || '-'}`);
    out.push(`${r.sample}: critical (stay in the kernel): ${r.interface.critical.join(', ') || '-'}`);
  }
  for (const r of reports) out.push(...callBytesText(r.sample, r.bytes.calls));
  return out.join('\n') + '\n';
}

export function renderSamplesMarkdown(reports: SampleReport[]): string {
  const code = (xs: string[]): string => xs.map((x) => `\`${x}\``).join(', ') || '-';
  const out = markdownTable(reports.map((r) => r.sample), reports.map(rows));
  for (const r of reports) {
    out.push('', `**${esc(r.sample)}**: upcalls ${code(r.interface.upcalls)}; downcalls ${code(r.interface.downcalls)}; critical ${code(r.interface.critical)}`);
  }
  for (const r of reports) out.push(...callBytesMarkdown(r.sample, r.bytes.calls));
  return out.join('\n') + '\n';
}

export function renderSamplesJson(reports: SampleReport[]): string {
  return JSON.stringify(reports, null, 2) + '\n';
}
