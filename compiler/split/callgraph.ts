// The call graph: direct calls, and calls through function pointers resolved by type (an indirect
// call of LLVM type T may reach every function of type T whose address is taken anywhere in the
// driver). Each edge also says whether the caller may hold a spinlock at the call, from a dataflow
// over the caller's basic blocks (lock depth at a block's entry is the most any predecessor leaves).
import type { LlFunction } from './ll-reader.js';
import type { Fn, Program } from './program.js';

export interface Edge {
  from: string;
  to: string;
  line: number;
  indirect: boolean;
  /** The caller may hold a spinlock (or have interrupts off) here. */
  locked: boolean;
}

export interface CallGraph {
  out: Map<string, Edge[]>;
  into: Map<string, Edge[]>;
  /** Functions whose address is taken (tables, stores, arguments), by LLVM signature. */
  addressTaken: Map<string, Set<string>>;
}

const LOCK = /^(_raw_)?(spin|read|write)_lock(_irqsave|_irq|_bh|_nested|_irqsave_nested)?$|^_raw_spin_lock|^local_irq_disable$|^local_bh_disable$|^arch_local_irq_disable$/;
const UNLOCK = /^(_raw_)?(spin|read|write)_unlock(_irqrestore|_irq|_bh)?$|^_raw_spin_unlock|^local_irq_enable$|^local_bh_enable$|^arch_local_irq_enable$/;
const MAX_DEPTH = 4;

export function buildCallGraph(p: Program): CallGraph {
  const out = new Map<string, Edge[]>();
  const into = new Map<string, Edge[]>();
  const addressTaken = new Map<string, Set<string>>();
  const taken = (f: Fn | undefined): void => {
    if (!f || f.kind === 'kernel') return;
    let s = addressTaken.get(f.ll.sig);
    if (!s) addressTaken.set(f.ll.sig, (s = new Set()));
    s.add(f.key);
  };
  for (const m of p.modules) for (const slot of m.slots) taken(p.resolve(slot.fn, m));
  for (const f of p.fns.values()) for (const r of f.ll.fnRefs) taken(p.resolve(r.fn, f.module));

  for (const f of p.fns.values()) {
    if (f.kind === 'kernel') continue;
    const locked = lockDepths(f.ll);
    const edges: Edge[] = [];
    f.ll.instrs.forEach((ins, i) => {
      if (ins.op !== 'call') return;
      const isLocked = (locked[i] ?? 0) > 0;
      if (ins.callee !== null) {
        // Intrinsics, and compile-time assertions (calls in branches the compiler proves dead).
        if (ins.callee.startsWith('llvm.') || ins.callee.startsWith('__compiletime_assert_')) return;
        const to = p.resolve(ins.callee, f.module);
        if (to) edges.push({ from: f.key, to: to.key, line: ins.line, indirect: false, locked: isLocked });
        return;
      }
      for (const to of [...(addressTaken.get(ins.sig) ?? [])].sort()) edges.push({ from: f.key, to, line: ins.line, indirect: true, locked: isLocked });
    });
    out.set(f.key, edges);
    for (const e of edges) {
      let l = into.get(e.to);
      if (!l) into.set(e.to, (l = []));
      l.push(e);
    }
  }
  return { out, into, addressTaken };
}

/** Lock depth before each instruction: a forward dataflow over the blocks (explicit worklist). */
export function lockDepths(fn: LlFunction): number[] {
  const depthAt: number[] = new Array(fn.instrs.length).fill(0);
  const blocks = fn.blocks.length ? fn.blocks : [{ start: 0, succ: [] }];
  const entry: number[] = new Array(blocks.length).fill(-1);
  entry[0] = 0;
  const work = [0];
  while (work.length) {
    const b = work.pop()!;
    let d = entry[b]!;
    const end = blocks[b + 1]?.start ?? fn.instrs.length;
    for (let i = blocks[b]!.start; i < end; i++) {
      depthAt[i] = Math.max(depthAt[i]!, d);
      const ins = fn.instrs[i]!;
      if (ins.op !== 'call' || ins.callee === null) continue;
      if (LOCK.test(ins.callee)) d = Math.min(MAX_DEPTH, d + 1);
      else if (UNLOCK.test(ins.callee)) d = Math.max(0, d - 1);
    }
    for (const s of blocks[b]!.succ) {
      if (d > entry[s]!) {
        entry[s] = d;
        work.push(s);
      }
    }
  }
  return depthAt;
}
