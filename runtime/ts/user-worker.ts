// The u-driver's side of starting up: what a worker entry module calls. It connects, runs the
// u-driver's initialization (which may make downcalls, say to register a device), and only then
// tells the kernel it is ready, so the kernel's `start()` returns once the u-driver is set up.
// An exception in `init` crashes the worker, and the kernel's `start()` rejects with it.
import { isMainThread, workerData } from 'node:worker_threads';
import type { Implementations } from './channel-core.js';
import type { Plan } from './plan.js';
import { UserChannel } from './user-channel.js';

export interface UserDriver {
  plan: Plan;
  /** The upcalls this u-driver serves (synchronous functions). */
  implementation: Implementations;
  /** Runs after connecting and before the kernel hears we are ready. */
  init?: (u: UserChannel) => void;
  /** See UserChannelOptions.spin. */
  spin?: number;
}

/** Connects this worker to its kernel, initializes the u-driver, and reports it ready. */
export async function runUserDriver(driver: UserDriver): Promise<UserChannel> {
  if (isMainThread) throw new Error('runUserDriver runs in a worker started by KernelChannel');
  const u = await UserChannel.connect({ plan: driver.plan, implementation: driver.implementation, announce: false, ...(driver.spin !== undefined ? { spin: driver.spin } : {}) });
  driver.init?.(u);
  u.ready();
  return u;
}

/** The `workerData` the kernel passed in `KernelChannelOptions.workerData`. */
export function userData<T = unknown>(): T {
  return workerData as T;
}
