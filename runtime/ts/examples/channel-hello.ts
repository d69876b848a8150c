// A split driver in one file: on the main thread the kernel side upcalls ndo_open; this same file,
// run as the u-driver's worker, serves it and calls down to request_irq while the kernel waits.
import { isMainThread } from 'node:worker_threads';
import { KernelChannel } from '../channel.js';
import type { Plan } from '../plan.js';
import type { UserChannel } from '../user-channel.js';
import { runUserDriver } from '../user-worker.js';

// The plan the ts backend generates for this IDL (ids made up):
//   struct net_device { u32 flags; u32 mtu; }
//   interface net_device_ops { upcall s32 ndo_open(net_device *dev) reads(dev.flags) writes(dev.flags, dev.mtu); }
//   interface kernel { downcall s32 request_irq(u32 irq); }
const u32 = { k: 'int', bits: 32, signed: false } as const;
const s32 = { k: 'int', bits: 32, signed: true } as const;
const plan: Plan = {
  module: 'hello',
  version: 1,
  types: [{ kind: 'struct', id: 0x2a, name: 'net_device', fields: [{ name: 'flags', value: u32 }, { name: 'mtu', value: u32 }] }],
  interfaces: [
    {
      id: 0x100,
      name: 'net_device_ops',
      functions: [
        {
          id: 1,
          name: 'ndo_open',
          role: 'upcall',
          params: [{ name: 'dev', value: { k: 'tracked', type: 0x2a, nonNull: false }, dir: 'in' }],
          returns: s32,
          reads: [[0, { all: 0, fields: [[0, null]] }]],
          writes: [[0, { all: 0, fields: [[0, null], [1, null]] }]],
        },
      ],
    },
    {
      id: 0x200,
      name: 'kernel',
      functions: [{ id: 2, name: 'request_irq', role: 'downcall', params: [{ name: 'irq', value: u32, dir: 'in' }], returns: s32, reads: [], writes: [] }],
    },
  ],
};

interface NetDevice {
  flags: number;
  mtu: number;
}

if (isMainThread) {
  // ---- kernel side ----
  const k = new KernelChannel({
    plan,
    workerUrl: new URL(import.meta.url),
    timeoutMs: 2000,
    implementation: {
      kernel: {
        request_irq(irq: number): number {
          console.log(`kernel: request_irq(${irq}), served while ndo_open is outstanding`);
          return 0;
        },
      },
    },
  });
  await k.start();
  const dev: NetDevice = { flags: 0x1002, mtu: 1500 };
  const rc = await k.upcall('net_device_ops', 'ndo_open', [dev]);
  console.log(`kernel: ndo_open returned ${String(rc)}; dev.flags 0x${dev.flags.toString(16)}, dev.mtu ${dev.mtu}`);
  try {
    k.atomic(() => k.upcall('net_device_ops', 'ndo_open', [dev])); // as if from an interrupt handler
  } catch (e) {
    console.log(`kernel: ${(e as Error).message}`);
  }
  await k.stop();
} else {
  // ---- u-driver: synchronous, like the C it stands for ----
  let u: UserChannel;
  await runUserDriver({
    plan,
    implementation: {
      net_device_ops: {
        ndo_open(dev: NetDevice): number {
          const rc = u.downcall('kernel', 'request_irq', [11]) as number; // blocks this worker
          if (rc !== 0) return rc;
          dev.flags |= 0x1; // IFF_UP
          dev.mtu = 9000;
          return 0;
        },
      },
    },
    init: (ch) => (u = ch),
  });
}
