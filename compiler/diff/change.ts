// The unit `mdidl diff` reports. Classes are ordered: a change is judged by the worst thing it does to
// a peer or a C user, and `--fail-on` compares against this order.
import type { IrSource } from '../ir/types.js';

export type ChangeClass = 'wire-breaking' | 'source-breaking' | 'compatible' | 'cosmetic';

/** Worst first: the order reports are grouped in and `--fail-on` thresholds count from. */
export const CLASSES: readonly ChangeClass[] = ['wire-breaking', 'source-breaking', 'compatible', 'cosmetic'];

export interface Change {
  class: ChangeClass;
  /** Stable kebab-case id of what happened, for tools and tests (docs/diff.md lists them). */
  kind: string;
  /** What changed, named as a reader would look for it: `struct net_device.flags`, `interface kernel.request_irq`. */
  subject: string;
  message: string;
  old?: IrSource;
  new?: IrSource;
}

export function classRank(c: ChangeClass): number {
  return CLASSES.indexOf(c);
}

/** What `--fail-on` accepts: a class (that class or worse fails), `any` (every change fails) or `none`. */
export type FailOn = ChangeClass | 'any' | 'none';
export const FAIL_ON_CHOICES: readonly FailOn[] = [...CLASSES, 'any', 'none'];

export function fails(changes: readonly Change[], failOn: FailOn): boolean {
  if (failOn === 'none') return false;
  if (failOn === 'any') return changes.length > 0;
  const limit = classRank(failOn);
  return changes.some((c) => classRank(c.class) <= limit);
}

export function countByClass(changes: readonly Change[]): Record<ChangeClass, number> {
  const counts: Record<ChangeClass, number> = { 'wire-breaking': 0, 'source-breaking': 0, compatible: 0, cosmetic: 0 };
  for (const c of changes) counts[c.class]++;
  return counts;
}
