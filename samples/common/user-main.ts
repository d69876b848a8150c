// The u-driver's worker entry, shared by the samples: it connects the u-driver's code to the
// generated downcall stubs and serves its upcalls. The kernel can arm a crash through a shared
// flag: the u-driver then exits on entry to its next upcall, as one that dereferenced garbage would.
import { runUserDriver, userData, type Implementations, type UserChannel } from 'mdidl/runtime';

export interface UserMain<D, I> {
  plan: Parameters<typeof runUserDriver>[0]['plan'];
  /** The generated `downcalls(u)`. */
  downcalls: (u: UserChannel) => D;
  /** The u-driver's code, given its downcalls. */
  driver: (k: D) => I;
  /** The generated `userDispatcher`. */
  dispatcher: (impl: I) => Implementations;
}

export async function serveUserDriver<D extends object, I extends object>(m: UserMain<D, I>): Promise<void> {
  const control = new Int32Array(userData<{ control: SharedArrayBuffer }>().control);
  // The downcall stubs exist once connected; the u-driver reads them at call time.
  const k = {} as D;
  const impl = m.driver(k) as Record<string, Record<string, (...a: unknown[]) => unknown>>;
  const guarded: Record<string, Record<string, (...a: unknown[]) => unknown>> = {};
  for (const [iface, fns] of Object.entries(impl)) {
    guarded[iface] = {};
    for (const [name, f] of Object.entries(fns)) {
      guarded[iface][name] = (...a: unknown[]) => {
        if (Atomics.exchange(control, 0, 0) === 1) process.exit(70);
        return f.apply(fns, a);
      };
    }
  }
  await runUserDriver({
    plan: m.plan,
    implementation: m.dispatcher(guarded as I),
    init: (u) => {
      Object.assign(k, m.downcalls(u));
    },
  });
}
