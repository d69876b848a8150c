// Two targets writing into one folder (or one inside the other) never converge: each one's
// `check --fix` deletes the other's files as extra, the next run recreates them. So a config
// whose targets' output folders overlap is rejected where the folder is set.
import * as path from 'node:path';
import type { Target } from './backends/types.js';

export interface OutputOverlap {
  a: Target;
  b: Target;
  /** 'same' folder, or b's folder is inside a's. */
  how: 'same' | 'inside';
}

export function overlappingOutputs(targets: readonly Target[], outputs: Record<Target, string>): OutputOverlap[] {
  const out: OutputOverlap[] = [];
  for (let i = 0; i < targets.length; i++)
    for (let j = i + 1; j < targets.length; j++) {
      const a = targets[i]!;
      const b = targets[j]!;
      const da = path.resolve(outputs[a]);
      const db = path.resolve(outputs[b]);
      if (da === db) out.push({ a, b, how: 'same' });
      else if (db.startsWith(da + path.sep)) out.push({ a, b, how: 'inside' });
      else if (da.startsWith(db + path.sep)) out.push({ a: b, b: a, how: 'inside' });
    }
  return out;
}
