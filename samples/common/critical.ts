// The critical path marker: the k-driver runs its interrupt handler, transmit, receive and
// completion paths inside `onCriticalPath`, and the boundary records any upcall made from there.
// (The runtime refuses upcalls from atomic context; this also catches one a critical function
// makes from process context, which would stall the data path behind the u-driver.)

let depth = 0;

export function onCriticalPath<T>(fn: () => T): T {
  depth++;
  try {
    return fn();
  } finally {
    depth--;
  }
}

export function inCriticalPath(): boolean {
  return depth > 0;
}
