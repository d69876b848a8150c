// The u-driver of the callback tests.
import { runUserDriver } from '../../runtime/ts/user-worker.js';
import { callbackPlan } from './callback-fixture.js';

type Fn = (...args: unknown[]) => unknown;
let ch: { downcall(i: string, f: string, a: unknown[]): unknown };
const seen: number[] = [];

// A u-driver function the kernel will call through its pointer.
function onNotify(code: number): number {
  seen.push(code);
  return code * 2;
}

await runUserDriver({
  plan: callbackPlan(),
  implementation: {
    user_ops: {
      // The kernel hands us one of its functions; calling it blocks, like a downcall.
      run_with(cb: unknown, code: unknown): number {
        return ((cb as Fn)(code, null) as number) + 1;
      },
    },
  },
  init(u) {
    ch = u;
    ch.downcall('kernel', 'register_notify', [onNotify]);
  },
});
void seen;
