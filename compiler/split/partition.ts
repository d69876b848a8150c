// The partition: every driver function reachable from a critical root stays in the kernel (with the
// path that pinned it); the rest moves to user mode. A kernel function that user-mode code also
// calls is duplicated on both sides when DriverSlicer would: a small leaf (it calls no other driver
// function) whose only stores are to its own locals, such as a register read/write wrapper.
import type { CallGraph } from './callgraph.js';
import type { Entry } from './entries.js';
import type { Program } from './program.js';

export type Side = 'kernel' | 'user' | 'both';

export interface Placement {
  fn: string;
  side: Side;
  /** The critical root that pins it (itself, for a root), and why that root is critical. */
  root?: string;
  why: string;
  /** Call path from the root to the function, root first. */
  path?: string[];
}

export interface Root {
  fn: string;
  why: string;
}

/** Small enough for a leaf helper to be copied into the u-driver instead of becoming a downcall. */
export const DUPLICATE_MAX_LINES = 20;

export function criticalRoots(p: Program, g: CallGraph, entries: Entry[], extra: Root[]): Root[] {
  const roots = new Map<string, string>();
  const add = (fn: string, why: string): void => {
    if (p.fns.get(fn)?.kind === 'own' && !roots.has(fn)) roots.set(fn, why);
  };
  for (const r of extra) add(r.fn, r.why);
  for (const e of entries) if (e.critical) add(e.fn, `${e.critical} (${e.how})`);
  const edges = [...g.out.values()].flat().filter((e) => e.locked);
  edges.sort((a, b) => (a.to < b.to ? -1 : a.to > b.to ? 1 : a.from < b.from ? -1 : a.from > b.from ? 1 : a.line - b.line));
  for (const e of edges) {
    const from = p.fns.get(e.from);
    add(e.to, `called with a spinlock held in ${e.from} (${from?.file ?? ''}:${e.line})`);
  }
  return [...roots].map(([fn, why]) => ({ fn, why })).sort((a, b) => (a.fn < b.fn ? -1 : a.fn > b.fn ? 1 : 0));
}

export function partition(p: Program, g: CallGraph, entries: Entry[], roots: Root[]): Placement[] {
  const parent = new Map<string, string | null>();
  const rootOf = new Map<string, Root>();
  for (const r of roots) {
    if (parent.has(r.fn)) continue;
    // Breadth-first from each root in turn: the first root to reach a function pins it.
    parent.set(r.fn, null);
    rootOf.set(r.fn, r);
    const queue = [r.fn];
    for (let qi = 0; qi < queue.length; qi++) {
      const cur = queue[qi]!;
      for (const e of g.out.get(cur) ?? []) {
        const to = p.fns.get(e.to);
        if (!to || to.kind === 'kernel' || parent.has(e.to)) continue;
        parent.set(e.to, cur);
        rootOf.set(e.to, r);
        queue.push(e.to);
      }
    }
  }
  const pathTo = (fn: string): string[] => {
    const out: string[] = [];
    for (let cur: string | null | undefined = fn; cur; cur = parent.get(cur)) out.unshift(cur);
    return out;
  };
  const entryHow = new Map<string, string[]>();
  for (const e of entries) entryHow.set(e.fn, [...(entryHow.get(e.fn) ?? []), e.how]);

  const own = [...p.fns.values()].filter((f) => f.kind === 'own').sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const kernel = new Set(own.filter((f) => parent.has(f.key)).map((f) => f.key));
  const out: Placement[] = [];
  for (const f of own) {
    if (kernel.has(f.key)) {
      const r = rootOf.get(f.key)!;
      const path = pathTo(f.key);
      const calledFromUser = (g.into.get(f.key) ?? []).some((e) => p.fns.get(e.from)?.kind === 'own' && !kernel.has(e.from));
      const side: Side = calledFromUser && duplicable(p, g, f.key) ? 'both' : 'kernel';
      const why =
        path.length === 1
          ? `critical root: ${r.why}`
          : `reachable from critical root ${r.fn} (${r.why})` + (side === 'both' ? '; duplicated in user mode: a small leaf without stores to shared state' : '');
      out.push({ fn: f.key, side, root: r.fn, why, path });
      continue;
    }
    const how = entryHow.get(f.key);
    out.push({ fn: f.key, side: 'user', why: how ? `entry point (${how.join(', ')}) not reachable from any critical root` : 'not reachable from any critical root' });
  }
  return out;
}

/** A leaf helper: calls no driver function, stores only to its own stack slots, and is short. */
function duplicable(p: Program, g: CallGraph, key: string): boolean {
  const f = p.fns.get(key)!;
  if (f.lines > DUPLICATE_MAX_LINES) return false;
  if ((g.out.get(key) ?? []).some((e) => p.fns.get(e.to)?.kind === 'own' || e.indirect)) return false;
  // Parameters and locals live in allocas at -O0 (which the reader does not model); a store to a
  // global, a field or through a loaded pointer targets shared state.
  const defs = new Set(f.ll.instrs.map((i) => ('res' in i ? i.res : undefined)).filter((r): r is string => r !== undefined));
  return f.ll.instrs.every((ins) => ins.op !== 'store' || (ins.ptr.startsWith('%') && !defs.has(ins.ptr)));
}
