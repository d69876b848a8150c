// Entry points: the driver functions the kernel can call. Found in module init/exit aliases, in the
// members of initialized tables (pci_driver, net_device_ops, ethtool_ops, snd_pcm_ops, hc_driver, …),
// in arguments to registration services (request_irq, netif_napi_add, timer and tasklet setup), in
// callback fields written at run time (INIT_WORK's work_struct.func, timer_list.function), and by
// the interrupt handler's return type. Each says how it was found and, if the kernel calls it in
// atomic context, why it is a critical root.
import * as path from 'node:path';
import { metaRef, type DebugInfo } from './ll-metadata.js';
import type { LlFunction, LlInstr, LlModule } from './ll-reader.js';
import type { LType } from './ll-types.js';
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
  /** The unit whose table holds it, for table slots. */
  unit?: string;
  /**
   * A work function stored into a work item embedded in a struct of the driver (INIT_WORK on
   * `&adapter->reset_task`, INIT_DELAYED_WORK on `&adapter->watchdog_task`): the struct and the
   * member path of the `work_struct` inside it (`watchdog_task.work`).
   */
  work?: WorkItem;
}

/** `member` names the `work_struct`; `delayed` the `delayed_work` around it, when there is one. */
export interface WorkItem {
  owner: string;
  member: string;
  delayed?: string;
}

export function findEntries(p: Program): Entry[] {
  const out: Entry[] = [];
  const seen = new Set<string>();
  const add = (f: Fn | undefined, how: string, critical: string | undefined, where?: string, unit?: string): void => {
    if (!f || f.kind !== 'own') return;
    const key = `${f.key}\u0000${how}`;
    if (seen.has(key)) return;
    seen.add(key);
    out.push({ fn: f.key, how, ...(critical ? { critical } : {}), ...(where ? { where } : {}), ...(unit ? { unit } : {}) });
  };

  for (const m of p.modules) {
    for (const [alias, target] of m.aliases) {
      if (alias === 'init_module') add(p.resolve(target, m), 'module_init', undefined);
      if (alias === 'cleanup_module') add(p.resolve(target, m), 'module_exit', undefined);
    }
    for (const slot of m.slots) {
      const f = p.resolve(slot.fn, m);
      let how = `@${slot.global}`;
      if (!slot.struct && slot.literal) {
        // DIGlobalVariableExpression → DIGlobalVariable → its type: the C struct of the table.
        const d = m.debug;
        const gv = d.node(metaRef(d.node(slot.literal.dbg)?.fields.get('var')));
        const comp = d.compositeOf(metaRef(gv?.fields.get('type')), false);
        const offset = p.layouts.get(m)!.of(slot.literal.type).offsets?.[slot.field];
        if (comp !== undefined && offset !== undefined) {
          if (ownComposite(p, m, comp)) continue;
          const member = d.membersAt(comp, offset, 8).find((x) => x.name)?.name;
          const owner = d.name(comp);
          if (member && owner) how = `${owner}.${member}`;
        }
      }
      if (slot.struct) {
        const field = fieldAt(p, m, { k: 'named', name: slot.struct }, slot.field, null);
        // A table of the driver's own type is the driver's business: its indirect calls reach it.
        if (field && ownComposite(p, m, field.composite)) continue;
        const member = field?.members[0]?.name;
        if (field && member) how = `${field.owner}.${member}`;
      }
      add(f, how, CRITICAL_MEMBERS[how], undefined, path.basename(m.file));
    }
  }
  // A driver may define init_module/cleanup_module itself instead of using module_init().
  for (const [name, how] of [['init_module', 'module_init'], ['cleanup_module', 'module_exit']] as const) {
    const f = p.fns.get(name);
    if (f?.kind === 'own') add(f, how, undefined);
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
        if (slot === OWN) continue;
        if (slot) {
          add(target, slot, CRITICAL_MEMBERS[slot], where);
          if (slot === WORK_FUNC) {
            const work = workItemOf(p, f, defs, ins.ptr);
            const e = out[out.length - 1]!;
            if (work && e.fn === target.key && e.how === slot && !e.work) e.work = work;
          }
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

const OWN = '\u0000own';
const WORK_FUNC = 'work_struct.func';

/**
 * The struct and member path of the work item a store of a work function initialises, following
 * the getelementptr chain back through every member it steps into (`adapter->watchdog_task.work.func`
 * is three of them at -O0); null when the chain does not start at a named struct of the driver's.
 */
function workItemOf(p: Program, f: Fn, defs: Map<string, LlInstr>, ptr: string): WorkItem | null {
  const steps: { owner: string; member: string }[] = [];
  let cur = defs.get(ptr);
  for (let guard = 0; guard < 32; guard++) {
    for (let g = 0; g < 16 && cur?.op === 'cast'; g++) cur = defs.get(cur.value);
    if (cur?.op !== 'gep') break;
    const gep = cur as Extract<LlInstr, { op: 'gep' }>;
    const members = gepMembers(p, f, defs, gep);
    if (!members.length) return null;
    steps.unshift(...members.map((m) => ({ owner: m.owner, member: m.member })));
    // Only a GEP whose first index is 0 steps into the object its base points at; any other is
    // array indexing, where the member path ends.
    if (gep.indices[0]?.value !== '0') break;
    cur = defs.get(gep.base);
  }
  const last = steps[steps.length - 1];
  if (!last || steps.length < 2 || `${last.owner}.${last.member}` !== WORK_FUNC) return null;
  const owner = steps[0]!.owner;
  if (owner === 'work_struct' || owner === 'delayed_work') return null;
  const member = steps.slice(0, -1).map((s) => s.member);
  const outer = steps[steps.length - 2]!;
  const delayed = outer.owner === 'delayed_work' && outer.member === 'work' && member.length > 1 ? { delayed: member.slice(0, -1).join('.') } : {};
  return { owner, member: member.join('.'), ...delayed };
}

/** Whether a composite type is defined in the driver's own files. */
function ownComposite(p: Program, m: LlModule, composite: number): boolean {
  const file = m.debug.fileOf(composite);
  return file !== undefined && path.resolve(file).startsWith(p.dir + path.sep);
}

/**
 * `owner.member` of the field a store writes, following casts back to the getelementptr; OWN when
 * the field belongs to a type of the driver's own (a callback the driver itself calls).
 */
function storedInto(p: Program, f: Fn, defs: Map<string, LlInstr>, ptr: string): string | null {
  let cur = defs.get(ptr);
  for (let guard = 0; guard < 16 && cur?.op === 'cast'; guard++) cur = defs.get(cur.value);
  if (!cur || cur.op !== 'gep') return null;
  const members = gepMembers(p, f, defs, cur);
  const last = members[members.length - 1];
  if (!last) return null;
  if (ownComposite(p, f.module, last.composite)) return OWN;
  return `${last.owner}.${last.member}`;
}

/** The members a getelementptr chain names, outermost first (through casts and anonymous members). */
function isAnonComposite(d: DebugInfo, c: number): boolean {
  return d.name(c) === undefined;
}

export function gepMembers(p: Program, f: Fn, defs: Map<string, LlInstr>, gep: Extract<LlInstr, { op: 'gep' }>): { owner: string; member: string; composite: number; all: string[] }[] {
  // Collect the chain of GEPs back to a named struct (anonymous unions/structs are GEP'd separately).
  const chain: Extract<LlInstr, { op: 'gep' }>[] = [gep];
  /** Whether a cast sits between the GEP before and this one (a union entered through a cast). */
  const cast = new Set<Extract<LlInstr, { op: 'gep' }>>();
  for (let guard = 0; guard < 16; guard++) {
    const head = chain[0]!;
    if (head.src.k === 'named' && !/\.anon(\.\d+)?"?$/.test(head.src.name)) break;
    let b = defs.get(head.base);
    let casted = false;
    for (let g = 0; g < 16 && b?.op === 'cast'; g++) {
      b = defs.get(b.value);
      casted = true;
    }
    if (b?.op !== 'gep') break;
    if (casted) cast.add(head);
    chain.unshift(b);
  }
  const out: { owner: string; member: string; composite: number; all: string[] }[] = [];
  let anon: { composite: number; owner: string; base: number } | null = null;
  const isAnon = (t: LType): boolean => t.k === 'named' && /\.anon(\.\d+)?"?$/.test(t.name);
  const d = f.module.debug;
  let pending: { owner: string; member: string; composite: number; all: string[] } | null = null;
  chain.forEach((g) => {
    let type = g.src;
    if (cast.has(g) && anon && d.isUnion(anon.composite) && isAnon(type)) {
      // `union { struct { … } a; … } u` read as u.a.x: the cast picks the member of the cast's size.
      const bits = p.layouts.get(f.module)!.of(type).size * 8;
      const arms = d.membersAt(anon.composite, anon.base, 1).filter((m) => m.name && m.composite !== undefined && m.size === bits);
      if (arms.length === 1) {
        const arm = arms[0]!;
        out.push({ owner: anon.owner, member: arm.name, composite: anon.composite, all: [arm.name] });
        pending = null;
        anon = { composite: arm.composite!, owner: anon.owner, base: 0 };
      }
    }
    // The first index steps over the pointer; each later one selects a field or an element.
    for (let i = 1; i < g.indices.length; i++) {
      const body = p.layouts.get(f.module)!.body(type);
      if (!body) break;
      if (body.k === 'array' || body.k === 'vector') {
        type = body.of;
        continue;
      }
      if (body.k !== 'struct') break;
      const n = Number(g.indices[i]!.value);
      if (!Number.isInteger(n)) break;
      const field = fieldAt(p, f.module, type, n, anon);
      if (!field) break;
      let named = field.members.filter((m) => m.name);
      const into = field.type;
      // Union members share the offset: the LLVM field is the largest, so prefer the members of its size.
      if (named.length > 1 && !named[0]!.bitfield) {
        const bits = p.layouts.get(f.module)!.of(into).size * 8;
        const sized = named.filter((m) => m.size === bits);
        if (sized.length) named = sized;
      }
      const memberOfAnonType = named.length === 1 && named[0]!.composite !== undefined && isAnonComposite(d, named[0]!.composite);
      const step = { owner: field.owner, member: named[0]?.name ?? '', composite: field.composite, all: named.map((m) => m.name) };
      if (isAnon(into) && !memberOfAnonType) {
        // An anonymous member: its fields are the owner's (flattened); the next step names them.
        // If nothing names them (a union read through a cast), every member there is touched.
        pending = named.length ? step : null;
        anon = { composite: field.composite, owner: field.owner, base: field.offset };
        type = into;
        continue;
      }
      pending = null;
      if (named.length) out.push(step);
      // A named member of an anonymous type (`union { … } value;`): offsets restart inside it.
      anon = memberOfAnonType ? { composite: named[0]!.composite!, owner: field.owner, base: 0 } : null;
      type = into;
    }
  });
  if (pending) out.push(pending);
  return out;
}
