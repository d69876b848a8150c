// Bytes a call carries under docs/wire-format.md, from the debug-info layouts: the 32-byte header,
// the arguments, and one object entry per object in the selection (16-byte entry header, the
// present-field mask, the present fields). With access sets, the call carries the fields the callee
// reads and the reply those it writes; without them, both carry every field of every struct the
// parameters reach. Field encodings: a pointer is a u32 id, anything else its C size (embedded
// structs and arrays whole), each aligned to its natural alignment capped at 8.
import type { DiMember } from './ll-metadata.js';
import type { Fn } from './program.js';
import { paramsOf } from './access.js';

const HEADER = 32;
const ENTRY = 16;

function fieldBytes(m: DiMember): { size: number; align: number } {
  if (m.pointer) return { size: 4, align: 4 };
  const size = Math.max(1, Math.ceil(m.size / 8));
  const align = Math.min(8, size >= 8 ? 8 : size >= 4 ? 4 : size >= 2 ? 2 : 1);
  return { size, align };
}

function objectBytes(members: DiMember[], all: number): number {
  let off = 0;
  for (const m of members) {
    const f = fieldBytes(m);
    off = Math.ceil(off / f.align) * f.align + f.size;
  }
  return ENTRY + 8 * Math.ceil(all / 64) + Math.ceil(off / 8) * 8;
}

function argBytes(f: Fn): number {
  let off = 0;
  for (const t of f.ll.params) {
    const size = t.k === 'ptr' ? 4 : t.k === 'int' ? Math.max(1, Math.ceil(t.bits / 8)) : 8;
    off = Math.ceil(off / Math.min(size, 8)) * Math.min(size, 8) + size;
  }
  return off;
}

/** Bytes of one call and its reply: with the access sets (type-level `owner.member` keys) and without. */
export function callBytes(f: Fn, reads: Set<string>, writes: Set<string>): { pruned: number; full: number } {
  const d = f.module.debug;
  // Every struct the parameters reach, through pointers and embedded structs (each type once).
  const reach = new Map<string, number>();
  const embeddedSeen = new Set<number>();
  const queue: { c: number; object: boolean }[] = [];
  for (const p of paramsOf(f)) if (p.composite !== undefined) queue.push({ c: p.composite, object: true });
  for (let qi = 0; qi < queue.length; qi++) {
    const { c, object } = queue[qi]!;
    const name = d.name(c);
    if (object) {
      if (!name || reach.has(name)) continue;
      reach.set(name, c);
    } else {
      // An embedded struct travels inside its container; only its pointers lead to more objects.
      if (embeddedSeen.has(c)) continue;
      embeddedSeen.add(c);
    }
    for (const m of d.members(c)) {
      if (m.pointsTo !== undefined) queue.push({ c: m.pointsTo, object: true });
      else if (m.composite !== undefined) queue.push({ c: m.composite, object: false });
    }
  }
  const known = new Map<string, number>();
  const selection = (set: Set<string>): number => {
    const byOwner = new Map<string, Set<string>>();
    for (const k of set) {
      const dot = k.indexOf('.');
      const owner = k.slice(0, dot);
      // An object the parameters do not reach by type (netdev_priv's area, a global) still crosses.
      const comp = reach.get(owner) ?? d.compositesByName.get(`struct.${owner}`) ?? d.compositesByName.get(`union.${owner}`);
      if (comp === undefined) continue;
      known.set(owner, comp);
      const top = k.slice(dot + 1).split('.')[0]!;
      let s = byOwner.get(owner);
      if (!s) byOwner.set(owner, (s = new Set()));
      s.add(top);
    }
    let n = 0;
    for (const [owner, fields] of byOwner) {
      const all = d.members(known.get(owner)!);
      n += objectBytes(all.filter((m) => fields.has(m.name)), all.length);
    }
    return n;
  };
  const pruned = selection(reads) + selection(writes);
  // Objects only the accesses reach (through netdev_priv or container_of) count whole too.
  for (const [owner, c] of known) if (!reach.has(owner)) reach.set(owner, c);
  let everything = 0;
  for (const c of reach.values()) {
    const all = d.members(c);
    everything += objectBytes(all, all.length);
  }
  const args = argBytes(f);
  return {
    pruned: 2 * HEADER + args + pruned,
    full: 2 * HEADER + args + 2 * everything,
  };
}
