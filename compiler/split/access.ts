// Field-access analysis: which members of which C types each function reads and writes, directly
// (a load or store through a getelementptr chain, container_of's byte offset included since the
// chain restarts at the cast's struct type) and transitively through the callees on its own side
// (header inlines included). Kernel services contribute the sidecar's summary. For a crossing
// function the result is rewritten as the IDL's parameter paths (`dev.flags`), found by a
// breadth-first walk from each parameter's type through embedded and pointed-to structs.
import type { CallGraph } from './callgraph.js';
import { definitions, gepMembers } from './entries.js';
import { metaInt, metaRef, metaString } from './ll-metadata.js';
import type { LlInstr } from './ll-reader.js';
import type { Placement } from './partition.js';
import type { PrivateEdges } from './private-area.js';
import type { Fn, Program } from './program.js';

/** `owner.member` or `owner.member.inner` (embedded structs), C names. */
export interface Access {
  reads: Set<string>;
  writes: Set<string>;
}

/** C library functions that write their first argument's buffer. */
const COPIES_INTO = /^(strscpy|strlcpy|strncpy|strcpy|strcat|strncat|strlcat|sprintf|snprintf|scnprintf|vsnprintf|vscnprintf|memcpy|memmove|memset|__memcpy|__memmove|__memset)$/;

export function directAccess(p: Program, f: Fn): Access {
  const a: Access = { reads: new Set(), writes: new Set() };
  if (f.kind === 'kernel') return a;
  const defs = definitions(f.ll);
  // Keys of the member(s) a pointer addresses: bitfields sharing a storage unit, or union members
  // at one offset, are all touched.
  const fieldOf = (ptr: string): string[] => {
    let cur = defs.get(ptr);
    for (let g = 0; g < 16 && cur?.op === 'cast'; g++) cur = defs.get(cur.value);
    if (cur?.op !== 'gep') return [];
    const path = gepMembers(p, f, defs, cur as Extract<LlInstr, { op: 'gep' }>);
    if (!path.length) return [];
    const head = `${path[0]!.owner}.${path.slice(0, -1).map((s) => `${s.member}.`).join('')}`;
    return path[path.length - 1]!.all.map((m) => head + m);
  };
  const add = (set: Set<string>, keys: string[]): void => keys.forEach((k) => set.add(k));
  // A scalar member whose address a call receives (`dma_alloc_coherent(dev, size, &ring->dma, gfp)`,
  // `set_bit(n, &adapter->flags)`) is read and written by it: the callee's stores through the
  // pointer name no member. An embedded struct's address stays the callee's business (its own
  // accesses, or a service's summary, say which fields), and so does an array's.
  const scalarFieldOf = (ptr: string): string[] => {
    let cur = defs.get(ptr);
    for (let g = 0; g < 16 && cur?.op === 'cast'; g++) cur = defs.get(cur.value);
    if (cur?.op !== 'gep') return [];
    const path = gepMembers(p, f, defs, cur as Extract<LlInstr, { op: 'gep' }>);
    const last = path[path.length - 1];
    if (!last) return [];
    const m = f.module.debug.members(last.composite).find((x) => x.name === last.member);
    // At most a word: an array (a bitmap handed to a reader) is no scalar.
    return m && m.composite === undefined && m.size <= 64 ? fieldOf(ptr) : [];
  };
  for (const ins of f.ll.instrs) {
    if (ins.op === 'load') add(a.reads, fieldOf(ins.ptr));
    else if (ins.op === 'store') add(a.writes, fieldOf(ins.ptr));
    else if (ins.op === 'call' && ins.callee && /^llvm\.mem(cpy|move|set)/.test(ins.callee)) {
      add(a.writes, fieldOf(ins.args[0]?.value ?? ''));
      if (!ins.callee.includes('set')) add(a.reads, fieldOf(ins.args[1]?.value ?? ''));
    } else if (ins.op === 'call' && ins.callee && COPIES_INTO.test(ins.callee)) {
      // The C library's copies into a member (`strscpy(drvinfo->driver, name, size)`): a write of
      // the destination, whatever its type.
      add(a.writes, fieldOf(ins.args[0]?.value ?? ''));
      for (const arg of ins.args.slice(1)) add(a.reads, fieldOf(arg.value));
    } else if (ins.op === 'call' && !ins.callee?.startsWith('llvm.')) {
      for (const arg of ins.args) {
        const keys = scalarFieldOf(arg.value);
        add(a.reads, keys);
        add(a.writes, keys);
      }
    }
  }
  return a;
}

/**
 * Accesses of each function with those of its same-side callees, to a fixpoint over a worklist
 * (the call graph has cycles). `summaries` gives kernel services' accesses by name.
 */
export function transitiveAccess(p: Program, g: CallGraph, sideOf: Map<string, string>, summaries: Map<string, Access>): Map<string, Access> {
  const acc = new Map<string, Access>();
  for (const f of p.fns.values()) {
    const a = directAccess(p, f);
    const s = f.kind === 'kernel' ? summaries.get(f.name) : undefined;
    if (s) {
      s.reads.forEach((x) => a.reads.add(x));
      s.writes.forEach((x) => a.writes.add(x));
    }
    acc.set(f.key, a);
  }
  const sameSide = (from: string, to: string): boolean => {
    const t = p.fns.get(to);
    if (!t || t.kind === 'library') return true;
    if (t.kind === 'kernel') return false;
    const sf = sideOf.get(from) ?? 'library';
    const st = sideOf.get(to)!;
    return sf === 'library' || st === 'both' || sf === st || (sf === 'both' && st !== 'user');
  };
  const work = [...acc.keys()].sort();
  const queued = new Set(work);
  while (work.length) {
    const callee = work.pop()!;
    queued.delete(callee);
    const ca = acc.get(callee)!;
    for (const e of g.into.get(callee) ?? []) {
      if (!sameSide(e.from, callee)) continue;
      const fa = acc.get(e.from)!;
      const before = fa.reads.size + fa.writes.size;
      ca.reads.forEach((x) => fa.reads.add(x));
      ca.writes.forEach((x) => fa.writes.add(x));
      if (fa.reads.size + fa.writes.size !== before && !queued.has(e.from)) {
        queued.add(e.from);
        work.push(e.from);
      }
    }
  }
  return acc;
}

export interface Param {
  name: string;
  /** DI composite the parameter points at (or is), if any. */
  composite?: number;
  pointer: boolean;
}

/** Parameters of a defined function from its debug info, in order. */
export function paramsOf(f: Fn): Param[] {
  const d = f.module.debug;
  const out: Param[] = [];
  for (const v of f.ll.dbgVars) {
    const n = d.node(v);
    // Inlined callees (always_inline helpers are inlined even at -O0) declare their own parameters.
    if (!n || n.kind !== 'DILocalVariable' || metaRef(n.fields.get('scope')) !== f.ll.dbg) continue;
    const arg = metaInt(n.fields.get('arg'));
    if (!arg) continue;
    const type = metaRef(n.fields.get('type'));
    const s = d.strip(type);
    const composite = d.compositeOf(type, true);
    out[arg - 1] = { name: metaString(n.fields.get('name')) ?? `p${arg}`, ...(composite !== undefined ? { composite } : {}), pointer: s.pointer };
  }
  return out.map((x, i) => x ?? { name: `p${i + 1}`, pointer: false });
}

export interface AccessPaths {
  reads: string[];
  writes: string[];
  /** Accessed members no parameter reaches (through globals, or casts the analysis cannot follow). */
  unreached: string[];
}

/** Rewrites type-level accesses as paths from the parameters: `priv.stats.rx_bytes`. */
export function accessPaths(p: Program, f: Fn, a: Access, edges: PrivateEdges = new Map(), maxDepth = 6, params: Param[] = paramsOf(f)): AccessPaths {
  const d = f.module.debug;
  // The private-area edges by owner: `net_device` -> [['priv', composite of e1000_adapter]].
  const extra = new Map<string, [string, number][]>();
  for (const [key, to] of edges) {
    const dot = key.indexOf('.');
    const comp = d.composite(to);
    if (comp === undefined) continue;
    const owner = key.slice(0, dot);
    extra.set(owner, [...(extra.get(owner) ?? []), [key.slice(dot + 1), comp]]);
  }
  const prefix = new Map<string, string>();
  // Every path of the shortest depth to a type: an access is known by its type only, and the first
  // path the walk found is not always the one the code took (pci_name(pdev) reads the kobject
  // embedded in pdev->dev, not the one of pdev->slot, which comes first).
  const alike = new Map<string, { depth: number; paths: string[] }>();
  const queue: { comp: number; path: string; depth: number }[] = [];
  for (const prm of params) {
    if (prm.composite === undefined) continue;
    queue.push({ comp: prm.composite, path: prm.name, depth: 0 });
  }
  for (let qi = 0; qi < queue.length; qi++) {
    const { comp, path, depth } = queue[qi]!;
    const name = d.name(comp);
    if (!name) continue;
    const same = alike.get(name);
    if (same && same.depth === depth && !same.paths.includes(path)) same.paths.push(path);
    if (prefix.has(name)) continue;
    prefix.set(name, path);
    alike.set(name, { depth, paths: [path] });
    if (depth >= maxDepth) continue;
    for (const m of d.members(comp)) {
      const next = m.composite ?? m.pointsTo;
      if (next !== undefined) queue.push({ comp: next, path: `${path}.${m.name}`, depth: depth + 1 });
    }
    for (const [member, comp] of extra.get(name) ?? []) queue.push({ comp, path: `${path}.${member}`, depth: depth + 1 });
  }
  const unreached = new Set<string>();
  // Reads go to every shortest path (reading more than the code does costs bytes only); writes to
  // the first, since a write to an object the code never touched would overwrite the kernel's.
  const rewrite = (set: Set<string>, all: boolean): string[] => {
    const out = new Set<string>();
    for (const k of set) {
      const dot = k.indexOf('.');
      const owner = k.slice(0, dot);
      const pre = prefix.get(owner);
      if (pre === undefined) unreached.add(k);
      else for (const at of all ? alike.get(owner)!.paths : [pre]) out.add(`${at}.${k.slice(dot + 1)}`);
    }
    return [...out].sort();
  };
  const reads = rewrite(a.reads, true);
  const writes = rewrite(a.writes, false);
  return { reads, writes, unreached: [...unreached].sort() };
}

/** Which side a placement puts each own function on; library functions are on both. */
export function sidesOf(placements: Placement[]): Map<string, string> {
  return new Map(placements.map((pl) => [pl.fn, pl.side]));
}
