// The paper's table for a split driver, computed from the split itself: functions and lines on each
// side, the share of the driver's code that left the kernel, annotation lines as a share of the
// driver's source lines, the interface, and the bytes each management call (upcall) marshals with
// and without access-set pruning.
import type { SplitResult } from '../split/index.js';

export interface ReportRow {
  fn: string;
  pruned: number;
  full: number;
}

export interface Report {
  driver: string;
  functions: { kernel: number; user: number; both: number };
  /** Lines of function bodies (first to last line of each definition). */
  lines: { kernel: number; user: number; both: number };
  /** User-mode lines over all function lines (duplicated helpers count as kernel). */
  userShare: number;
  /** Physical lines of the driver's own source files. */
  driverLines: number;
  annotations: { sidecar: number; source: number; total: number; share: number };
  interface: { upcalls: number; downcalls: number; kdriverDowncalls: number; kernelDowncalls: number; defaulted: number };
  /** Kernel services on the conservative default access sets (no sidecar summary), by name. */
  defaulted: string[];
  /** Kernel functions copied into user mode too. */
  duplicated: string[];
  bytes: { calls: ReportRow[]; pruned: number; full: number };
}

export function computeReport(r: SplitResult): Report {
  const count = { kernel: 0, user: 0, both: 0 };
  const lines = { kernel: 0, user: 0, both: 0 };
  for (const f of r.functions) {
    count[f.side]++;
    lines[f.side] += f.lines;
  }
  const all = lines.kernel + lines.user + lines.both;
  const driverLines = Object.values(r.sourceLines).reduce((a, b) => a + b, 0) || all;
  const total = r.annotations.sidecar + r.annotations.source;
  const down = r.crossings.filter((c) => c.role === 'downcall');
  const calls: ReportRow[] = r.crossings.filter((c) => c.role === 'upcall' && c.bytes).map((c) => ({ fn: c.fn, pruned: c.bytes!.pruned, full: c.bytes!.full }));
  return {
    driver: r.driver,
    functions: count,
    lines,
    userShare: all ? lines.user / all : 0,
    driverLines,
    annotations: { sidecar: r.annotations.sidecar, source: r.annotations.source, total, share: driverLines ? total / driverLines : 0 },
    interface: {
      upcalls: r.crossings.filter((c) => c.role === 'upcall').length,
      downcalls: down.length,
      kdriverDowncalls: down.filter((c) => c.target === 'k-driver').length,
      kernelDowncalls: down.filter((c) => c.target === 'kernel').length,
      defaulted: r.defaulted.length,
    },
    defaulted: [...r.defaulted],
    duplicated: r.functions.filter((f) => f.side === 'both').map((f) => f.fn),
    bytes: { calls, pruned: calls.reduce((a, c) => a + c.pruned, 0), full: calls.reduce((a, c) => a + c.full, 0) },
  };
}
