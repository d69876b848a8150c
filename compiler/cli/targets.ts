// What `compile` and `check` agree on: which target names exist, and where each target's files go.
import * as path from 'node:path';
import { TARGETS, type Target } from '../backends/types.js';
import type { MdidlConfig } from '../config.js';
import { UsageError } from './io.js';

/** The names given, checked to be targets at all (whether a backend exists is the caller's rule). */
export function targetNames(names: string[]): Target[] {
  for (const t of names) {
    if (!(TARGETS as readonly string[]).includes(t)) throw new UsageError(`unknown target '${t}'; targets: ${TARGETS.join(', ')}`);
  }
  return names as Target[];
}

/** `--out-dir DIR` puts a target in DIR/<target>; else the config's output, else generated/<target>. */
export function targetDir(target: Target, outDir: string | undefined, config: MdidlConfig | null): string {
  return outDir ? path.join(outDir, target) : (config?.outputs[target] ?? path.join('generated', target));
}
