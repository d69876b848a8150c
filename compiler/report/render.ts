// `mdidl report` as text, Markdown and JSON: one row per measure, one column per driver.
import type { Report } from './metrics.js';
import { callBytesMarkdown, callBytesText, markdownTable, meanBytes, mdEscape as esc, pct, textTable, type Row } from './table.js';

function rows(r: Report): Row[] {
  const avg = (n: number): string => meanBytes(n, r.bytes.calls);
  return [
    ['functions: kernel / user / both', `${r.functions.kernel} / ${r.functions.user} / ${r.functions.both}`],
    ['lines: kernel / user / both', `${r.lines.kernel} / ${r.lines.user} / ${r.lines.both}`],
    ['lines moved to user mode', pct(r.userShare)],
    ["driver's source lines", `${r.driverLines}`],
    ['annotation lines (sidecar + source)', `${r.annotations.total} (${r.annotations.sidecar} + ${r.annotations.source}) = ${pct(r.annotations.share)}`],
    ['upcalls', `${r.interface.upcalls}`],
    ['downcalls: k-driver / kernel services', `${r.interface.kdriverDowncalls} / ${r.interface.kernelDowncalls}`],
    ['kernel services on default access sets', `${r.interface.defaulted}`],
    ['bytes per management call, pruned (mean)', avg(r.bytes.pruned)],
    ['bytes per management call, everything reachable (mean)', avg(r.bytes.full)],
  ];
}

export function renderText(reports: Report[]): string {
  const out = textTable(reports.map((r) => r.driver), reports.map(rows));
  for (const r of reports) {
    if (r.duplicated.length) out.push('', `${r.driver}: duplicated on both sides: ${r.duplicated.join(', ')}`);
    if (r.defaulted.length) out.push('', `${r.driver}: kernel services on the conservative default access sets: ${r.defaulted.join(', ')}`);
  }
  for (const r of reports) out.push(...callBytesText(r.driver, r.bytes.calls));
  return out.join('\n') + '\n';
}

export function renderMarkdown(reports: Report[]): string {
  const out = markdownTable(reports.map((r) => r.driver), reports.map(rows));
  for (const r of reports) {
    if (r.duplicated.length) out.push('', `**${esc(r.driver)}**: duplicated on both sides: ${r.duplicated.map((x) => `\`${x}\``).join(', ')}`);
    if (r.defaulted.length) out.push('', `**${esc(r.driver)}**: kernel services on the conservative default access sets: ${r.defaulted.map((x) => `\`${x}\``).join(', ')}`);
  }
  for (const r of reports) out.push(...callBytesMarkdown(r.driver, r.bytes.calls));
  return out.join('\n') + '\n';
}

export function renderJson(reports: Report[]): string {
  return JSON.stringify(reports, null, 2) + '\n';
}
