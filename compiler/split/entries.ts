// Entry points: the driver functions the kernel can call. Found in module init/exit aliases, in the
// members of initialized tables (pci_driver, net_device_ops, ethtool_ops, snd_pcm_ops, hc_driver, …),
// in arguments to registration services (request_irq, netif_napi_add, timer and tasklet setup), in
// callback fields written at run time (INIT_WORK's work_struct.func, timer_list.function), and by
// the interrupt handler's return type. Each says how it was found and, if the kernel calls it in
// atomic context, why it is a critical root.
import type { LlFunction, LlInstr } from './ll-reader.js';
import { fieldAt } from './fields.js';
import type { Fn, Program } from './program.js';
import { CRITICAL_ARGS, CRITICAL_MEMBERS, IRQ_RETURN } from './roles.js';

export interface Entry {
  fn: string;
  /** How the kernel reaches it: `net_device_ops.ndo_open`, `module_init`, `request_irq(handler)`, … */
  how: string;
  /** Why it is a critical root, when it is one. */
  critical?: string;
  /** Where the driver hands it to the kernel (`file:line`), when known. */
  where?: string;
}

export function findEntries(p: Program): Entry[] {
  const out: Entry[] = [];
  const seen = new Set<string>();
  const add = (f: Fn | undefined, how: string, critical: string | undefined, where?: string): void => {
    if (!f || f.kind !== 'own') return;
    const key = `${f.key}\u0000${how}`;
    if (seen.has(key)) return;
    seen.add(key);
    out.push({ fn: f.key, how, ...(critical ? { critical } : {}), ...(where ? { where } : {}) });
  };

  for (const m of p.modules) {
    for (const [alias, target] of m.aliases) {
      if (alias === 'init_module') add(p.resolve(target, m), 'module_init', undefined);
      if (alias === 'cleanup_module') add(p.resolve(target, m), 'module_exit', undefined);
    }
    for (const slot of m.slots) {
      const f = p.resolve(slot.fn, m);
      let how = `@${slot.global}`;
      if (slot.struct) {
        const field = fieldAt(p, m, { k: 'named', name: slot.struct }, slot.field, null);
        const member = field?.members[0]?.name;
        if (field && member) how = `${field.owner}.${member}`;
      }
      add(f, how, CRITICAL_MEMBERS[how]);
    }
  }

  for (const f of p.fns.values()) {
    if (f.kind === 'kernel') continue;
    const defs = definitions(f.ll);
    for (const r of f.ll.fnRefs) {
      const target = p.resolve(r.fn, f.module);
      if (!target || target.kind !== 'own' || target.key === f.key) continue;
      const ins = f.ll.instrs[r.at];
      const where = ins && ins.line ? `${f.file}:${ins.line}` : undefined;
      if (r.how === 'arg' && ins?.op === 'call' && ins.callee) {
        const callee = p.resolve(ins.callee, f.module);
        // Handed to a kernel service, or to a header inline that forwards it (netif_napi_add).
        if (callee && callee.kind !== 'own') {
          const crit = CRITICAL_ARGS[ins.callee]?.[r.argIndex ?? -1];
          add(target, `${ins.callee}(arg ${(r.argIndex ?? 0) + 1})`, crit, where);
        }
        continue;
      }
      if (r.how === 'store' && ins?.op === 'store') {
        const slot = storedInto(p, f, defs, ins.ptr);
        if (slot) {
          add(target, slot, CRITICAL_MEMBERS[slot], where);
          continue;
        }
      }
      add(target, 'address taken', undefined, where);
    }
  }

  for (const f of p.fns.values()) {
    if (f.kind !== 'own' || f.ll.dbg === undefined) continue;
    if (f.module.debug.returnTypeName(f.ll.dbg) === IRQ_RETURN) add(f, `returns ${IRQ_RETURN}`, 'interrupt handler');
  }
  out.sort((a, b) => (a.fn < b.fn ? -1 : a.fn > b.fn ? 1 : a.how < b.how ? -1 : a.how > b.how ? 1 : 0));
  return out;
}

export function definitions(fn: LlFunction): Map<string, LlInstr> {
  const defs = new Map<string, LlInstr>();
  for (const ins of fn.instrs) if ('res' in ins && ins.res) defs.set(ins.res, ins);
  return defs;
}

/** `owner.member` of the field a store writes, following casts back to the getelementptr. */
function storedInto(p: Program, f: Fn, defs: Map<string, LlInstr>, ptr: string): string | null {
  let cur = defs.get(ptr);
  for (let guard = 0; guard < 16 && cur?.op === 'cast'; guard++) cur = defs.get(cur.value);
  if (!cur || cur.op !== 'gep') return null;
  const path = gepMembers(p, f, defs, cur);
  const last = path[path.length - 1];
  return last ? `${last.owner}.${last.member}` : null;
}

/** The members a getelementptr chain names, outermost first (through casts and anonymous members). */
export function gepMembers(p: Program, f: Fn, defs: Map<string, LlInstr>, gep: Extract<LlInstr, { op: 'gep' }>): { owner: string; member: string; composite: number; all: string[] }[] {
  // Collect the chain of GEPs back to a named struct (anonymous unions/structs are GEP'd separately).
  const chain: Extract<LlInstr, { op: 'gep' }>[] = [gep];
  for (let guard = 0; guard < 16; guard++) {
    const head = chain[0]!;
    if (head.src.k === 'named' && !/\.anon(\.\d+)?"?$/.test(head.src.name)) break;
    let b = defs.get(head.base);
    for (let g = 0; g < 16 && b?.op === 'cast'; g++) b = defs.get(b.value);
    if (b?.op !== 'gep') break;
    chain.unshift(b);
  }
  const out: { owner: string; member: string; composite: number; all: string[] }[] = [];
  let anon: { composite: number; owner: string; base: number } | null = null;
  for (const g of chain) {
    let type = g.src;
    // The first index steps over the pointer; each later one selects a field or an element.
    for (let i = 1; i < g.indices.length; i++) {
      const idx = g.indices[i]!;
      const body = p.layouts.get(f.module)!.body(type);
      if (!body) break;
      if (body.k === 'array' || body.k === 'vector') {
        type = body.of;
        continue;
      }
      if (body.k !== 'struct') break;
      const n = Number(idx.value);
      if (!Number.isInteger(n)) break;
      const field = fieldAt(p, f.module, type, n, anon);
      if (!field) break;
      const named = field.members.filter((m) => m.name);
      if (named.length) out.push({ owner: field.owner, member: named[0]!.name, composite: field.composite, all: named.map((m) => m.name) });
      // Into an anonymous member or a union, offsets stay relative to the named owner.
      anon = { composite: field.composite, owner: field.owner, base: field.offset };
      type = field.type;
      if (type.k === 'named' && !/\.anon(\.\d+)?"?$/.test(type.name)) anon = null;
    }
  }
  return out;
}
