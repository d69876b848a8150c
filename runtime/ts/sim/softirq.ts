// NAPI-style deferred polling for the simulated kernel: an interrupt handler schedules a poll,
// which runs soon in softirq (atomic) context with a budget; a poll that used its whole budget is
// run again, one that did not completes and the driver re-enables its interrupt. Unlike
// SimKernel.addTimer it does not wait for a clock tick, so a busy device is polled back to back.
import { atomic } from './context.js';
import type { SimKernel } from './kernel.js';

export class SimNapi {
  private scheduled = false;
  private enabled = false;
  /** Polls run, and polls that used their whole budget. */
  polls = 0;
  exhausted = 0;

  constructor(
    private readonly kernel: SimKernel,
    private readonly name: string,
    /** Processes at most `budget` events; returns how many it did. */
    private readonly poll: (budget: number) => number,
    readonly weight = 64,
  ) {}

  enable(): void {
    this.enabled = true;
  }

  /** napi_disable: no poll runs after this returns. */
  disable(): void {
    this.enabled = false;
  }

  get isEnabled(): boolean {
    return this.enabled;
  }

  /** napi_schedule: returns false if a poll is already pending (the caller need not mask again). */
  schedule(): boolean {
    if (!this.enabled || this.scheduled) return false;
    this.scheduled = true;
    setImmediate(() => this.run());
    return true;
  }

  private run(): void {
    this.scheduled = false;
    if (!this.enabled) return;
    this.polls++;
    let done: number;
    try {
      done = atomic(`softirq napi ${this.name}`, () => this.poll(this.weight));
    } catch (e) {
      this.kernel.log.push(`BUG: exception in NAPI poll ${this.name}: ${(e as Error).message}`);
      return;
    }
    if (done >= this.weight) {
      this.exhausted++;
      this.schedule();
    }
  }
}
