// The u-driver: initialization and configuration, moved out of the kernel. It runs in a worker,
// written like C: the kernel services it calls (downcalls) are synchronous.
import { runUserDriver, userData } from 'mdidl/runtime';
import { plan } from './generated/ts/nic.plan.js';
import { downcalls, userDispatcher, type Downcalls } from './generated/ts/nic.stubs.js';
import { userImplementation, type Behaviour } from './uimpl.js';

let k: Downcalls;

await runUserDriver({
  plan,
  implementation: userDispatcher(userImplementation(() => k, userData<Behaviour | undefined>() ?? {})),
  init: (u) => {
    k = downcalls(u);
  },
});
