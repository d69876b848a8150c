// The private area: most of what a driver touches hangs off a kernel object without a typed field
// to reach it (netdev_priv(dev) is memory after struct net_device; snd_kcontrol_chip(k) and
// pci_get_drvdata(pdev) are `void *` fields; hcd_to_uhci(hcd) is the flexible array hcd_priv).
// The code says the type where it converts the pointer: a cast to `struct T *` of a value loaded from
// (or the address of) a member, or of what a well-known accessor returns. Each such conversion is a
// typed edge `owner.member -> T` the access paths may follow (`netdev.priv.hw.mac_type`).
import { definitions, gepMembers } from './entries.js';
import type { LlInstr } from './ll-reader.js';
import type { LType } from './ll-types.js';
import type { Program } from './program.js';

/**
 * Accessors whose result is the private area, by the edge they stand for. `priv` is not a member of
 * struct net_device: it names the area netdev_priv() computes (a pseudo-member).
 */
const ACCESSORS: Record<string, string> = {
  netdev_priv: 'net_device.priv',
  pci_get_drvdata: 'device.driver_data',
  dev_get_drvdata: 'device.driver_data',
};

/**
 * The accessor that computes a pseudo-member's area (`net_device.priv` -> netdev_priv): the IDL
 * says it as `[trailing(netdev_priv)]`. Null for a carrier that is a real member.
 */
export function trailingAccessor(key: string): string | null {
  const hit = Object.entries(ACCESSORS).find(([fn, k]) => k === key && fn === 'netdev_priv');
  return hit ? hit[0] : null;
}

/**
 * `owner.member` -> the LLVM name of the struct the code converts it to. `computed` carriers are no
 * pointer field (netdev_priv's area, a flexible array such as hcd_priv): `[as(T)]` cannot say them.
 */
export type PrivateEdges = Map<string, string>;
export interface PrivateArea {
  edges: PrivateEdges;
  computed: Set<string>;
}

function structName(t: LType): string | null {
  if (t.k !== 'ptr' || t.to.k !== 'named') return null;
  const m = /^%?"?((?:struct|union)\.[A-Za-z_]\w*?)(?:\.\d+)?"?$/.exec(t.to.name);
  return m && !/\.anon$/.test(m[1]!) ? m[1]! : null;
}

export function privateEdges(p: Program): PrivateArea {
  const seen = new Map<string, Map<string, number>>();
  const computed = new Set<string>();
  const add = (key: string, to: string): void => {
    let m = seen.get(key);
    if (!m) seen.set(key, (m = new Map()));
    m.set(to, (m.get(to) ?? 0) + 1);
  };
  for (const f of [...p.fns.values()].sort((a, b) => (a.key < b.key ? -1 : 1))) {
    if (f.kind === 'kernel') continue;
    const defs = definitions(f.ll);
    for (const ins of f.ll.instrs) {
      if (ins.op !== 'cast') continue;
      const to = structName(ins.to);
      if (!to) continue;
      let src: LlInstr | undefined = defs.get(ins.value);
      for (let g = 0; g < 16 && src?.op === 'cast'; g++) src = defs.get(src.value);
      if (!src) continue;
      if (src.op === 'call' && src.callee && ACCESSORS[src.callee]) {
        add(ACCESSORS[src.callee]!, to);
        // Linux's net_device has no `priv` field; a struct that has one (a test's) is a pointer carrier.
        const nd = f.module.debug.composite('struct.net_device');
        const field = nd === undefined ? undefined : f.module.debug.members(nd).find((m) => m.name === 'priv');
        if (src.callee === 'netdev_priv' && !field?.pointer) computed.add(ACCESSORS[src.callee]!);
        continue;
      }
      // A member loaded (a `void *` field) or addressed (a flexible array such as hcd_priv).
      let gep: LlInstr | undefined = src.op === 'load' ? defs.get(src.ptr) : src;
      for (let g = 0; g < 16 && gep?.op === 'cast'; g++) gep = defs.get(gep.value);
      if (gep?.op !== 'gep') continue;
      const path = gepMembers(p, f, defs, gep);
      const last = path[path.length - 1];
      if (!last) continue;
      // Only untyped carriers: a typed pointer member already leads to its struct.
      const d = f.module.debug;
      const member = d.members(last.composite).find((m) => m.name === last.member);
      if (!member || member.pointsTo !== undefined || member.composite !== undefined) continue;
      add(`${last.owner}.${last.member}`, to);
      if (!member.pointer) computed.add(`${last.owner}.${last.member}`);
    }
  }
  // One type per carrier: the one the code converts it to most often (ties: by name).
  const edges: PrivateEdges = new Map();
  for (const key of [...seen.keys()].sort()) {
    const best = [...seen.get(key)!].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))[0]!;
    edges.set(key, best[0]);
  }
  return { edges, computed };
}
