// How long a side polls shared memory before it parks, learned from whether polling paid off.
// Polling wins when both threads have a core: the peer's store is seen in well under a
// microsecond, against 5-35 µs for a wake-up. On an oversubscribed machine it loses badly: the
// poller holds the core its peer needs to answer. So, like an adaptive mutex: a poll that ends
// without a message halves the next one's budget (down to none), one that finds a message restores
// it, and every 16th wait polls with the full budget, to notice when polling pays again.

export class AdaptiveSpin {
  private budget: number;
  private waits = 0;

  /** `max`: the longest poll, in whatever unit the caller times in. */
  constructor(readonly max: number) {
    this.budget = max;
  }

  /** How long the next wait may poll. */
  next(): number {
    return (++this.waits & 15) === 0 ? this.max : this.budget;
  }

  /** The poll found a message. */
  hit(): void {
    this.budget = this.max;
  }

  /** The poll ran out. */
  miss(): void {
    this.budget = this.budget / 2 < this.max / 16 ? 0 : this.budget / 2;
  }
}
