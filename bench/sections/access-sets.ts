// Bytes on the wire per management call of samples/nic (its upcalls), call plus reply, computed by
// encoding real calls with the generated plan (each function's reads and writes) and with the same
// plan widened to send everything each parameter reaches (`reads(p.**) writes(p.**)`, what the
// IDL does without access sets). Byte counts, not timings: the same in every run.
import { Codec, ObjectTable, sim, WireWriter, type Plan, type PlanFunction, type PlanSelection } from '../../runtime/ts/index.js';
import { plan as nicPlan } from '../../samples/nic/generated/ts/nic.plan.js';
import type { Downcalls } from '../../samples/nic/generated/ts/nic.stubs.js';
import { NicKDriver } from '../../samples/nic/kdriver.js';
import { userImplementation } from '../../samples/nic/uimpl.js';
import { figure, type BenchOptions, type Figure, type Section } from '../figure.js';
import { exact } from '../stats.js';

const DEEP: PlanSelection = { all: 2, fields: [] };

function everythingReachable(plan: Plan): Plan {
  const wide = structuredClone(plan);
  for (const iface of wide.interfaces) {
    for (const fn of iface.functions) {
      const tracked = fn.params.flatMap((p, i) => (p.value.k === 'tracked' ? [i] : []));
      fn.reads = tracked.map((i) => [i, DEEP]);
      fn.writes = tracked.map((i) => [i, DEEP]);
    }
  }
  return wide;
}

/** The arguments of each management call, as the k-driver makes them. */
function calls(k: NicKDriver): { fn: string; args: unknown[] }[] {
  return [
    { fn: 'ndo_open', args: [k.dev] },
    { fn: 'get_drvinfo', args: [k.dev, { driver: '', version: '', bus_info: '' }] },
    { fn: 'get_stats', args: [k.dev, { rx_packets: 0n, tx_packets: 0n, rx_missed: 0n }] },
    { fn: 'ndo_change_mtu', args: [k.dev, 9000] },
    { fn: 'ndo_stop', args: [k.dev] },
  ];
}

// The u-driver's own code (samples/nic/uimpl.ts) answers each call, its kernel services stubbed
// out: what it writes is what the reply carries.
const kernelServices = {
  kernel: {
    request_irq: () => 0,
    free_irq: () => undefined,
    nic_setup_rings: () => 0,
    nic_read_mac: (_dev: unknown, mac: Uint8Array) => mac.set([2, 0, 0, 0x5e, 0, 1]),
    nic_enable: () => undefined,
    netif_carrier_on: () => undefined,
    netif_start_queue: () => undefined,
    netif_stop_queue: () => undefined,
  },
} as unknown as Downcalls;
const udriver = userImplementation(() => kernelServices) as unknown as Record<string, Record<string, (...a: unknown[]) => unknown>>;

function messageBytes(plan: Plan, c: ReturnType<typeof calls>[number]): number {
  const iface = plan.interfaces.find((i) => i.functions.some((f) => f.name === c.fn));
  const fn = iface?.functions.find((f) => f.name === c.fn) as PlanFunction | undefined;
  if (!iface || !fn) throw new Error(`samples/nic has no function ${c.fn}`);
  const kernel = new Codec(plan, new ObjectTable('kernel'));
  const user = new Codec(plan, new ObjectTable('user'));
  const call = kernel.encodeCall(new WireWriter(new ArrayBuffer(1 << 16)), iface, fn, c.args, 1);
  const decoded = user.decodeCall(call);
  decoded.apply();
  const result = udriver[iface.name]![fn.name]!(...decoded.call.args);
  const reply = user.encodeReply(new WireWriter(new ArrayBuffer(1 << 16)), iface, fn, decoded.call.args, result, 1);
  const back = kernel.decodeReply(reply, fn, 1, [...c.args]);
  if ('errno' in back) throw new Error(`${c.fn}: the reply did not decode: ${back.message}`);
  return call.length + reply.length;
}

export const accessSetsSection: Section = {
  name: 'access-sets',
  async run(o: BenchOptions): Promise<Figure[]> {
    const kernel = new sim.SimKernel();
    try {
      const k = new NicKDriver(kernel, new sim.SimNic(kernel, 11));
      const wide = everythingReachable(nicPlan);
      const out: Figure[] = [];
      let pruned = 0;
      let all = 0;
      for (const c of calls(k)) {
        const a = messageBytes(nicPlan, c);
        const b = messageBytes(wide, c);
        pruned += a;
        all += b;
        out.push(
          figure({
            id: `access.${c.fn}`,
            section: 'access-sets',
            label: `${c.fn}: bytes of call + reply with its access sets (everything reachable: ${b})`,
            unit: 'bytes',
            value: exact(a),
            target: null,
            limits: 'the 32-byte header of each message and the object entries\' heads are the floor',
          }),
        );
      }
      out.push(
        figure({
          id: 'access.ratio',
          section: 'access-sets',
          label: `management calls of samples/nic: bytes with access sets ÷ everything reachable (${pruned} ÷ ${all})`,
          unit: 'x',
          value: exact(pruned / all),
          target: null,
          limits: 'the sample\'s net_device is small (6 fields), so pruning saves less than on a kernel struct of hundreds',
        }),
      );
      o.log(`access sets: ${pruned} bytes with, ${all} without`);
      return out;
    } finally {
      kernel.stop();
    }
  },
};
