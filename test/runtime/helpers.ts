// Helpers of the runtime tests.
import { constants, PerformanceObserver } from 'node:perf_hooks';
import { WireError } from '../../runtime/ts/errors.js';

const settle = () => new Promise((resolve) => setTimeout(resolve, 20));

/**
 * Counts the young-generation collections `fn` causes: a hot loop that allocates even one small
 * object per iteration causes dozens over a few million iterations, one that allocates nothing
 * causes none. Needs no --expose-gc, so it runs under the plain mocha command.
 */
export async function minorGcsDuring(fn: () => void): Promise<number> {
  fn(); // warm-up: let the JIT compile before counting
  await settle();
  let minor = 0;
  const obs = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) if ((e as unknown as { detail?: { kind?: number } }).detail?.kind === constants.NODE_PERFORMANCE_GC_MINOR) minor++;
  });
  obs.observe({ entryTypes: ['gc'] });
  try {
    fn();
    await settle();
  } finally {
    obs.disconnect();
  }
  return minor;
}

/** Runs `fn` and returns the WireError it must throw (anything else fails the test). */
export function wireError(fn: () => unknown): WireError {
  try {
    fn();
  } catch (e) {
    if (e instanceof WireError) return e;
    throw new Error(`expected a WireError, got ${String(e)}`, { cause: e });
  }
  throw new Error('expected a WireError, nothing was thrown');
}
