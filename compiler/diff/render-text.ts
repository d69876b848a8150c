// The report for a person at a terminal: one block per class, worst first, each change as its
// subject and kind, the reason, and where it is. Colour only when asked (the CLI asks on a TTY).
import pc from 'picocolors';
import type { ChangeClass } from './change.js';
import { type DiffReport, failed, groups, summary, where } from './report.js';

export function renderText(r: DiffReport, opts: { color?: boolean } = {}): string {
  const p = pc.createColors(opts.color === true);
  const heading: Record<ChangeClass, (s: string) => string> = {
    'wire-breaking': (s) => p.bold(p.red(s)),
    'source-breaking': (s) => p.bold(p.yellow(s)),
    compatible: (s) => p.bold(p.green(s)),
    cosmetic: (s) => p.dim(s),
  };
  const lines: string[] = [`mdidl diff: ${r.oldLabel} -> ${r.newLabel}`];
  for (const g of groups(r)) {
    lines.push('', heading[g.cls](`${g.cls} (${g.changes.length})`));
    for (const c of g.changes) {
      lines.push(`  ${p.bold(c.subject)}  ${p.cyan(c.kind)}`);
      lines.push(`    ${c.message}`);
      const at = where(c);
      if (at) lines.push(`    ${p.dim(at)}`);
    }
  }
  const s = summary(r);
  lines.push('', `${s.text}${failed(r) ? `: fails --fail-on ${r.failOn}` : ''}`);
  return lines.join('\n') + '\n';
}
