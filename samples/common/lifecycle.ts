// The parts of a scenario every sample shares: management calls launched while traffic flows, and
// the u-driver crash in the middle of it (split mode), timed and recorded.
import { PeerGoneError } from 'mdidl/runtime';
import type { Boundary } from './boundary.js';
import type { Recorder } from './scenario.js';

export class Background {
  private readonly pending: Promise<unknown>[] = [];
  made = 0;

  constructor(private readonly r: Recorder) {}

  /** Launches a management call now and records it when it settles. */
  launch<T>(name: string, call: () => Promise<T>, render?: (v: T) => unknown, compared = true): void {
    this.made++;
    this.pending.push(this.r.manage(name, call, render, { concurrent: true, compared }));
  }

  async settle(): Promise<void> {
    await Promise.all(this.pending);
  }
}

/**
 * Crashes the u-driver on entry to the upcall `victim` makes, while traffic keeps flowing, then
 * restarts it. `events()` reads how far the traffic has got.
 */
export class CrashDrill {
  private startedAt = 0;
  private downAt = 0;
  private restarted: Promise<void> | null = null;
  /** How far the traffic had got when the victim upcall was made (-1: not made). */
  private triggeredAt = -1;
  done = false;
  /** Upcalls the drill made: the victim, once triggered in split mode. */
  upcalls = 0;

  constructor(
    private readonly r: Recorder,
    private readonly b: Boundary<unknown>,
    private readonly events: () => number,
  ) {}

  /**
   * Triggers the drill once every call `bg` launched has settled, and resolves once the victim
   * upcall has failed; the caller's traffic holds until then (it awaits this between two bursts),
   * so the crash comes at the same point of the traffic in every run.
   *
   * Why the traffic holds for the calls launched earlier: the crash hits the next upcall the
   * u-driver enters, and the u-driver serves one at a time, so a call still queued or in flight
   * would take the crash instead of the victim; and while the critical path runs, the channel
   * gives management calls a small share of the kernel thread, so they can outlast the rest of the
   * traffic (an 8139 register dump took 500 ms while its 100,000 frames took under a second): a
   * drill that waited for them while the traffic ran on came late, or never.
   *
   * Why it holds until the failure is seen: the restart waits for the traffic to move, and the
   * traffic may need the u-driver (an xrun is recovered through an upcall, which then waits for the
   * restart). Made to wait before the failure is known, such a recovery and the restart would each
   * wait for the other; after it, the next burst moves the traffic first.
   */
  async triggerAfter(bg: Background, victim: () => Promise<unknown>): Promise<void> {
    await bg.settle();
    await this.trigger(victim);
  }

  /** Arms the crash and makes the upcall; resolves once it failed, and the restart follows. */
  private trigger(victim: () => Promise<unknown>): Promise<void> {
    if (this.b.mode !== 'split') return Promise.resolve();
    this.b.armCrash();
    this.triggeredAt = this.events();
    this.upcalls++;
    const failed = victim().then(
      () => {
        throw new Error('the upcall into a crashing u-driver succeeded');
      },
      (e: unknown) => {
        this.downAt = this.events();
        this.startedAt = performance.now();
        return e instanceof PeerGoneError ? `PeerGoneError: ${e.message}` : `unexpected: ${String(e)}`;
      },
    );
    this.restarted = failed.then(async (error) => {
      // The point of the drill is traffic flowing while no u-driver exists: let the critical path
      // make progress before the restart begins (bounded, in case the traffic has already ended).
      await this.untilTrafficMoves(2000);
      await this.b.restart();
      this.r.crash = { error, eventsWhileDown: this.events() - this.downAt, restartMs: performance.now() - this.startedAt };
      this.done = true;
    });
    // A victim that did not fail rejects both: the caller's traffic throws, and finish() would.
    this.restarted.catch(() => {});
    return failed.then(() => undefined);
  }

  private async untilTrafficMoves(maxMs: number): Promise<void> {
    const until = performance.now() + maxMs;
    while (this.events() === this.downAt && performance.now() < until) await new Promise((r) => setImmediate(r));
  }

  /** Waits for the restart (the scenario's traffic has ended or reached its next stage). */
  async finish(): Promise<void> {
    await this.restarted;
  }

  /**
   * Records whether the drill ran as the scenarios tell it (split mode; call after `finish`, once
   * the traffic has ended): the victim upcall was made while events were still to come, it failed
   * because the u-driver died, the critical path moved while no u-driver existed, and a new one
   * started.
   */
  check(): void {
    if (this.b.mode !== 'split') return;
    const c = this.r.crash;
    const made = this.triggeredAt >= 0 && this.triggeredAt < this.events();
    this.r.check(
      'the u-driver crashed mid-upcall while the traffic flowed, the critical path moved while it was down, and it restarted',
      made && c !== null && c.error.startsWith('PeerGoneError') && c.eventsWhileDown > 0,
      !made
        ? this.triggeredAt < 0
          ? 'the crash drill never ran'
          : `the crash drill ran at event ${this.triggeredAt}, after the traffic had ended`
        : c === null
          ? 'the u-driver did not restart'
          : `crashed at event ${this.triggeredAt}: ${c.error}; ${c.eventsWhileDown} events while down; restarted in ${c.restartMs.toFixed(0)} ms`,
    );
  }
}
