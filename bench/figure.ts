// One line of the bench's table: what was measured, its summary over runs, and the target it is
// held to (when the project set one), with what limits it.
import type { Spread } from './stats.js';

export interface Target {
  /** The figure must be at most (`<=`) or at least (`>=`) `value`. */
  op: '<=' | '>=';
  value: number;
}

export interface Figure {
  /** Stable key (results.json consumers and tests look figures up by it). */
  id: string;
  section: string;
  label: string;
  /** 'us', 'ns', 'ms', 'x' (a ratio), 'bytes', 'frames/s'. */
  unit: string;
  value: Spread;
  target: Target | null;
  /** Whether the median meets the target; null without a target. */
  met: boolean | null;
  /** What bounds the figure (the floor it is compared with, or the cost that dominates). */
  limits: string;
}

export function figure(f: Omit<Figure, 'met'>): Figure {
  const met = f.target ? (f.target.op === '<=' ? f.value.median <= f.target.value : f.value.median >= f.target.value) : null;
  return { ...f, met };
}

export interface Section {
  name: string;
  run(opts: BenchOptions): Promise<Figure[]>;
}

export interface BenchOptions {
  /** Smoke run: every section at the smallest sizes, in seconds. */
  quick: boolean;
  /** The repository root (the bench runs from dist/bench). */
  root: string;
  /** A temporary folder of this run. */
  tmp: string;
  log(line: string): void;
}
