// The probe interface: a tiny module, written as plan data (the runtime needs no compiler), that
// `npm run bench` measures the runtime with: a null upcall and a null downcall through a real
// channel, and a call whose access set is a 32-node aliased ring, for the codec. Its ids are
// arbitrary but fixed, like the ones the IR derives for a real module.
import type { Plan, PlanFunction, PlanInterface } from '../plan.js';

export const PROBE_NODE = 0x6e6f6465; // "node"
export const PROBE_IFACE = 0x70726f62; // "prob"

/** The fields of a ring node, in plan order; `peer` aliases another node of the ring. */
export interface ProbeNode {
  value: number;
  label: string;
  next: ProbeNode | null;
  peer: ProbeNode | null;
  n: number;
  items: Uint32Array | null;
  stamp: bigint;
}

export const probePlan: Plan = {
  module: 'mdidl_probe',
  version: 1,
  types: [
    {
      kind: 'struct',
      id: PROBE_NODE,
      name: 'node',
      fields: [
        { name: 'value', value: { k: 'int', bits: 32, signed: false } },
        { name: 'label', value: { k: 'string', max: 32, nonNull: false } },
        { name: 'next', value: { k: 'tracked', type: PROBE_NODE, nonNull: false } },
        { name: 'peer', value: { k: 'tracked', type: PROBE_NODE, nonNull: false } },
        { name: 'n', value: { k: 'int', bits: 32, signed: false } },
        { name: 'items', value: { k: 'counted', of: { k: 'int', bits: 32, signed: false }, count: { slot: 4 }, max: 256, nonNull: false } },
        { name: 'stamp', value: { k: 'int', bits: 64, signed: false } },
      ],
    },
  ],
  interfaces: [
    {
      id: PROBE_IFACE,
      name: 'probe',
      functions: [
        { id: 1, name: 'null_up', role: 'upcall', params: [], returns: null, reads: [], writes: [] },
        { id: 2, name: 'null_down', role: 'downcall', params: [], returns: null, reads: [], writes: [] },
        {
          id: 3,
          name: 'ring',
          role: 'upcall',
          params: [{ name: 'head', value: { k: 'tracked', type: PROBE_NODE, nonNull: false }, dir: 'in' }],
          returns: { k: 'int', bits: 32, signed: true },
          reads: [[0, { all: 2, fields: [] }]],
          writes: [[0, { all: 0, fields: [[0, null]] }]],
        },
      ],
    },
  ],
};

export const probeInterface: PlanInterface = probePlan.interfaces[0]!;
export const probeFunction = (name: 'null_up' | 'null_down' | 'ring'): PlanFunction => probeInterface.functions.find((f) => f.name === name)!;

/**
 * A ring of `nodes` nodes (each `next` the following one, the last back to the first), where every
 * node's `peer` aliases the node halfway round: each node is reached twice and crosses once.
 * With 32 nodes and 32 items each, the call that reads it deep is about 6.3 KB.
 */
export function probeRing(nodes = 32, items = 32): ProbeNode[] {
  const ring: ProbeNode[] = [];
  for (let i = 0; i < nodes; i++) {
    ring.push({ value: i, label: `node-${i}`, next: null, peer: null, n: items, items: Uint32Array.from({ length: items }, (_, j) => i * 1000 + j), stamp: BigInt(i) << 40n });
  }
  for (let i = 0; i < nodes; i++) {
    ring[i]!.next = ring[(i + 1) % nodes]!;
    ring[i]!.peer = ring[(i + (nodes >> 1)) % nodes]!;
  }
  return ring;
}

/** The port message that asks the probe's u-driver to time null downcalls (and its answer). */
export const PROBE_RUN_KEY = '__mdidlProbeDowncalls';
