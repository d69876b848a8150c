// The parts of a scenario every sample shares: management calls launched while traffic flows, and
// the u-driver crash in the middle of it (split mode), timed and recorded.
import { PeerGoneError } from 'mdidl/runtime';
import type { Boundary } from './boundary.js';
import type { Recorder } from './scenario.js';

export class Background {
  private readonly pending: Promise<unknown>[] = [];
  made = 0;
  /** Calls launched and not yet settled. */
  inFlight = 0;

  constructor(private readonly r: Recorder) {}

  /** Launches a management call now and records it when it settles. */
  launch<T>(name: string, call: () => Promise<T>, render?: (v: T) => unknown, compared = true): void {
    this.made++;
    this.inFlight++;
    this.pending.push(this.r.manage(name, call, render, { concurrent: true, compared }).finally(() => this.inFlight--));
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
  done = false;

  constructor(
    private readonly r: Recorder,
    private readonly b: Boundary<unknown>,
    private readonly events: () => number,
  ) {}

  /** Arms the crash and makes the upcall; the restart follows as soon as the failure is seen. */
  trigger(victim: () => Promise<unknown>): void {
    if (this.b.mode !== 'split') return;
    this.b.armCrash();
    this.restarted = victim().then(
      () => {
        throw new Error('the upcall into a crashing u-driver succeeded');
      },
      async (e: unknown) => {
        const error = e instanceof PeerGoneError ? `PeerGoneError: ${e.message}` : `unexpected: ${String(e)}`;
        this.downAt = this.events();
        this.startedAt = performance.now();
        await this.b.restart();
        this.r.crash = { error, eventsWhileDown: this.events() - this.downAt, restartMs: performance.now() - this.startedAt };
        this.done = true;
      },
    );
  }

  /** Waits for the restart (the scenario's traffic has ended or reached its next stage). */
  async finish(): Promise<void> {
    await this.restarted;
  }
}
