// What every renderer gets: the changes, the two sides' names and the options that decide what is
// shown and whether the run fails. Renderers only print; they decide nothing.
import { type Change, CLASSES, type ChangeClass, countByClass, type FailOn, fails } from './change.js';

export interface DiffReport {
  /** How the two sides are named: file names, or `HEAD~1` and `working tree`. */
  oldLabel: string;
  newLabel: string;
  /** Every change, cosmetic ones included; renderers show cosmetic ones only with `all`. */
  changes: Change[];
  all: boolean;
  failOn: FailOn;
}

export function failed(r: DiffReport): boolean {
  return fails(r.changes, r.failOn);
}

/** Changes to show, grouped worst class first; within a class, in the order they were found. */
export function groups(r: DiffReport): { cls: ChangeClass; changes: Change[] }[] {
  return CLASSES.filter((c) => r.all || c !== 'cosmetic')
    .map((cls) => ({ cls, changes: r.changes.filter((c) => c.class === cls) }))
    .filter((g) => g.changes.length > 0);
}

export function summary(r: DiffReport): { counts: Record<ChangeClass, number>; text: string; hiddenCosmetic: number } {
  const counts = countByClass(r.changes);
  const hidden = r.all ? 0 : counts.cosmetic;
  const them = hidden === 1 ? 'it' : 'them';
  let text: string;
  if (r.changes.length === hidden) text = hidden ? `no changes (${hidden} cosmetic hidden; --all shows ${them})` : 'no changes';
  else text = CLASSES.map((c) => `${counts[c]} ${c}`).join(', ') + (hidden ? ` (hidden; --all shows ${them})` : '');
  return { counts, text, hiddenCosmetic: hidden };
}

export function where(c: Change): string {
  const loc = (s: NonNullable<Change['old']>): string => `${s.file}:${s.line}:${s.column}`;
  if (c.old && c.new) return `${loc(c.old)} -> ${loc(c.new)}`;
  if (c.old) return `was at ${loc(c.old)}`;
  if (c.new) return `at ${loc(c.new)}`;
  return '';
}
