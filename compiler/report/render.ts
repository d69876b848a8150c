// `mdidl report` as text, Markdown and JSON: one row per measure, one column per driver.
import type { Report } from './metrics.js';

const pct = (x: number): string => `${(x * 100).toFixed(1)}%`;

function rows(r: Report): [string, string][] {
  const avg = (n: number): string => (r.bytes.calls.length ? (n / r.bytes.calls.length).toFixed(0) : '-');
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
  const table = [['', ...reports.map((r) => r.driver)], ...transpose(reports.map(rows))];
  const widths = table[0]!.map((_, i) => Math.max(...table.map((row) => row[i]!.length)));
  const lines = table.map((row) => row.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ').trimEnd());
  const out = [...lines];
  for (const r of reports) {
    if (r.duplicated.length) out.push('', `${r.driver}: duplicated on both sides: ${r.duplicated.join(', ')}`);
    if (r.defaulted.length) out.push('', `${r.driver}: kernel services on the conservative default access sets: ${r.defaulted.join(', ')}`);
  }
  for (const r of reports) {
    if (!r.bytes.calls.length) continue;
    out.push('', `${r.driver}: bytes per management call (pruned / everything reachable)`);
    for (const c of r.bytes.calls) out.push(`  ${c.fn}  ${c.pruned} / ${c.full}`);
  }
  return out.join('\n') + '\n';
}

export function renderMarkdown(reports: Report[]): string {
  const esc = (s: string): string => s.replace(/\|/g, '\\|');
  const out = [`| | ${reports.map((r) => esc(r.driver)).join(' | ')} |`, `|---|${reports.map(() => '---:').join('|')}|`];
  for (const row of transpose(reports.map(rows))) out.push(`| ${row.map(esc).join(' | ')} |`);
  for (const r of reports) {
    if (r.duplicated.length) out.push('', `**${esc(r.driver)}**: duplicated on both sides: ${r.duplicated.map((x) => `\`${x}\``).join(', ')}`);
    if (r.defaulted.length) out.push('', `**${esc(r.driver)}**: kernel services on the conservative default access sets: ${r.defaulted.map((x) => `\`${x}\``).join(', ')}`);
  }
  for (const r of reports) {
    if (!r.bytes.calls.length) continue;
    out.push('', `**${esc(r.driver)}**: bytes per management call`, '', '| call | pruned | everything reachable |', '|---|---:|---:|');
    for (const c of r.bytes.calls) out.push(`| ${esc(c.fn)} | ${c.pruned} | ${c.full} |`);
  }
  return out.join('\n') + '\n';
}

export function renderJson(reports: Report[]): string {
  return JSON.stringify(reports, null, 2) + '\n';
}

/** Rows of label/value pairs per driver into rows of label then one value per driver. */
function transpose(perDriver: [string, string][][]): string[][] {
  const first = perDriver[0] ?? [];
  return first.map(([label], i) => [label, ...perDriver.map((rs) => rs[i]![1])]);
}
