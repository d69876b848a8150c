// Execution context of the simulated kernel. Interrupt handlers, timers and code holding a spinlock
// run in atomic context, where the real kernel may not sleep; an upcall to the u-driver sleeps
// (it waits for another process), so it must be refused there, as might_sleep() would.

let depth = 0;
let entered = 0;
const reasons: string[] = [];

/**
 * How many times atomic context was entered on this thread so far: while it moves, the critical
 * path (interrupt handlers, spinlock holders, timers) is running, and the channel keeps its own
 * work on this thread to a small share (channel.ts, "Sharing the kernel thread").
 */
export function atomicEntries(): number {
  return entered;
}

/** Runs `fn` in atomic context (`why`: "hardirq", "spinlock rtl8139_private.lock", ...). */
export function atomic<T>(why: string, fn: () => T): T {
  depth++;
  entered++;
  reasons.push(why);
  try {
    return fn();
  } finally {
    depth--;
    reasons.pop();
  }
}

export function inAtomic(): boolean {
  return depth > 0;
}

/** Throws when called in atomic context: what anything that can sleep calls first. */
export function mightSleep(what: string): void {
  if (depth > 0) throw new AtomicContextError(what, reasons[reasons.length - 1] ?? 'atomic context');
}

export class AtomicContextError extends Error {
  constructor(
    readonly what: string,
    readonly context: string,
  ) {
    super(`BUG: sleeping function called from invalid context: ${what} in ${context} (might_sleep)`);
    this.name = 'AtomicContextError';
  }
}
