// The report as a review comment: a summary line, then one list per class. Subjects and kinds are
// code spans; messages are escaped so `u8 *` or `[skip]` print as written.
import type { ChangeClass } from './change.js';
import { type DiffReport, failed, groups, summary, where } from './report.js';

const TITLE: Record<ChangeClass, string> = {
  'wire-breaking': 'Wire-breaking',
  'source-breaking': 'Source-breaking',
  compatible: 'Compatible',
  cosmetic: 'Cosmetic',
};

export function renderMarkdown(r: DiffReport): string {
  const s = summary(r);
  const out: string[] = [`### mdidl diff: ${code(r.oldLabel)} -> ${code(r.newLabel)}`, ''];
  out.push(`${escape(s.text)}${failed(r) ? ` (**fails** \`--fail-on ${r.failOn}\`)` : ''}`);
  for (const g of groups(r)) {
    out.push('', `#### ${TITLE[g.cls]} (${g.changes.length})`, '');
    for (const c of g.changes) {
      const at = where(c);
      out.push(`- ${code(c.subject)} ${code(c.kind)}: ${escape(c.message)}${at ? ` (${code(at)})` : ''}`);
    }
  }
  return out.join('\n') + '\n';
}

function code(s: string): string {
  return s.includes('`') ? `\`\` ${s} \`\`` : `\`${s}\``;
}

function escape(s: string): string {
  // Only what Markdown would interpret inside a list item: emphasis, code, links, HTML.
  return s.replace(/[\\`*_[\]<]/g, (ch) => `\\${ch}`);
}
