// The report for machines. Keys are written in one fixed order so the bytes are stable; cosmetic
// changes are included only with --all, as in the other formats, but always counted.
import type { Change } from './change.js';
import { type DiffReport, failed, groups, summary } from './report.js';

export const DIFF_JSON_FORMAT = 'mdidl-diff/1';

export function renderJson(r: DiffReport): string {
  const s = summary(r);
  const changes = groups(r).flatMap((g) => g.changes.map(ordered));
  const doc = {
    format: DIFF_JSON_FORMAT,
    old: r.oldLabel,
    new: r.newLabel,
    failOn: r.failOn,
    failed: failed(r),
    summary: s.counts,
    changes,
  };
  return JSON.stringify(doc, null, 2) + '\n';
}

function ordered(c: Change): Change {
  const out: Change = { class: c.class, kind: c.kind, subject: c.subject, message: c.message };
  if (c.old) out.old = { file: c.old.file, line: c.old.line, column: c.old.column };
  if (c.new) out.new = { file: c.new.file, line: c.new.line, column: c.new.column };
  return out;
}
