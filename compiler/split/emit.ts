// `mdidl split --emit DIR`: the k-driver as a kbuild tree (DIR/kdriver/), from the driver's
// original sources and the split. Kernel-side functions stay as they were; a user-side function
// the kernel still reaches (an ops table, a kernel-side caller) keeps its signature and gets a body
// that makes the upcall; one nothing reaches any more goes, with its prototypes and the static data
// only it used. Beside them: the generated kernel stubs of the split's interface (compiled here,
// in memory), mdidl's C runtime, and a glue file with module init/exit, the misc device, the
// channel, the downcalls the k-driver serves and the registration of the driver's table. The
// design and what is still missing for the u-driver are in docs/real-e1000-split.md.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { sortDiagnostics, type Diagnostic } from '../../idl/diagnostics.js';
import { stubName } from '../../idl/checker/c-names.js';
import { cKernelBackend } from '../backends/c/index.js';
import { CTypes } from '../backends/c/ctypes.js';
import { createRenderer } from '../backends/render.js';
import type { GeneratedFile } from '../backends/types.js';
import type { IrFunction, IrInterface } from '../ir/types.js';
import { boundId, formatId } from '../../runtime/ts/object-table.js';
import { paramNames, renameIdentifiers, returnType, type Stmt } from './emit-ctext.js';
import { FAILED_VALUES, GUARDS, KERNEL_OPS, kernelGlobalOf, ORPHANS, PARENTS, REGISTRARS, RELEASES, serviceRole, UNREGISTERED } from './emit-services.js';
import { headerParams, RESYNC, sizedUpcallName, workUpcallName, type HeaderParams } from './idl.js';
import { trailingAccessor } from './private-area.js';
import {
  apply,
  compileInterface,
  drop,
  fail,
  findDefinitions,
  findTable,
  isMember,
  kernelHeadersOf,
  located,
  moduleInitExit,
  reach,
  readSources,
  rebody,
  stubDecl,
  unitOfStmt,
  type EmitInput,
  type EmitOutput,
  type Unit,
} from './emit-units.js';

export type { EmitInput, EmitOutput } from './emit-units.js';

/** runtime/c, which the k-driver compiles and includes. */
const RUNTIME_C = new URL('../../../runtime/c/', import.meta.url);
const RUNTIME_SOURCES = ['mdidl_rpc.c', 'mdidl_kdev.c'];

export function emitKdriver(input: EmitInput): EmitOutput {
  const diagnostics: Diagnostic[] = [];
  const r = input.result;
  const src = readSources(input, diagnostics);
  if (!src) return fail(diagnostics);
  const { unitFiles, mains, units, headers } = src;

  // The interface, compiled in memory: its IR names the stubs, its kernel C goes into the tree.
  const compiled = compileInterface(input.idl, unitFiles[0]!, diagnostics);
  if (!compiled) return fail(diagnostics);
  const { module, ir } = compiled;
  const types = new CTypes(ir);
  // The glue is kernel C: [header] types (the kernel's enums among them) are spelled the kernel's way.
  types.kernel = true;
  const main = ir.interfaces.find((i) => i.name === module);

  // The driver's own files: those with functions, and every file of the driver's folder the units
  // include (their headers, copied as they are).
  const copied: GeneratedFile[] = headers.map((h) => ({ path: `kdriver/${h.path}`, content: h.content }));
  const { user: defs, kernel: kernelDefs } = findDefinitions(r, units, diagnostics);
  if (diagnostics.length) return fail(diagnostics);

  // Module init and exit move to the glue; the table the init registers is what the glue registers.
  const initExit = moduleInitExit(r, units, defs);
  let table: { name: string; type: string; unit: Unit } | undefined;
  if (initExit.init !== undefined && defs.has(initExit.init)) {
    const { u, s } = defs.get(initExit.init)!;
    for (let k = s.fn!.open; k < s.fn!.close; k++) {
      const t = u.c.toks[k]!;
      const reg = Object.entries(REGISTRARS).find(([, v]) => v.register === t.text);
      if (reg && u.c.toks[k + 1]?.text === '(' && u.c.toks[k + 2]?.text === '&' && u.c.toks[k + 3]?.kind === 'id') {
        table = { name: u.c.toks[k + 3]!.text, type: reg[0], unit: u };
        break;
      }
    }
  }
  if (!table) {
    const at = initExit.init !== undefined ? defs.get(initExit.init) : undefined;
    return fail(diagnostics, at ? located(at.u.abs, at.u.c.toks[at.s.fn!.nameTok]!.line, 1, `the module init registers no table the k-driver's glue knows (${Object.values(REGISTRARS).map((v) => v.register).join(', ')})`) : located(unitFiles[0]!, 1, 1, 'the driver has no module init (module_init) that registers its table'));
  }

  // Upcall stubs by driver function: the first table member that crosses (all reach the same function).
  const upcallStub = new Map<string, { stub: string; fn: IrFunction }>();
  for (const c of r.crossings) {
    if (c.role !== 'upcall') continue;
    for (const via of [...c.via].sort()) {
      const [owner, member] = via.split('.');
      const iface = ir.interfaces.find((i) => i.name === owner);
      const fn = iface?.functions.find((x) => x.name === member && x.role === 'upcall');
      if (iface && fn) {
        upcallStub.set(c.fn, { stub: stubName(module, iface.name, fn.name), fn });
        break;
      }
    }
  }

  // Functions in a member whose buffer the kernel sized (docs/split.md, "Buffers the kernel
  // sizes"): their upcall of their own takes the length, which the k-driver computes with the
  // sidecar's expression, renamed from the member's parameter names to the function's.
  const sizedStub = new Map<string, { stub: string; fn: IrFunction; expr: string; from: string[] }>();
  let header: HeaderParams | null = input.header ?? null;
  for (const c of r.crossings) {
    if (c.role !== 'upcall' || !c.sized || !defs.has(c.fn)) continue;
    const fn = main?.functions.find((x) => x.name === sizedUpcallName(c.fn) && x.role === 'upcall');
    if (!fn) continue;
    header ??= headerParams(input.files);
    const from = header(c.sized.member);
    if (!from) continue;
    sizedStub.set(c.fn, { stub: stubName(module, main!.name, fn.name), fn, expr: c.sized.expr, from });
  }

  const prefix = `${module}_kd`;
  // The upcalls that resynchronise a restarted u-driver with the bound PCI device (docs/split.md).
  const resyncFn = (name: string): string | null => (main?.functions.some((f) => f.name === name && f.role === 'upcall') ? stubName(module, main.name, name) : null);
  const resyncStubs = { regions: resyncFn(RESYNC.regions), device: resyncFn(RESYNC.device) };
  const resync = resyncStubs.regions && resyncStubs.device ? { regions: resyncStubs.regions, device: resyncStubs.device } : null;
  // Work functions: the k-driver initialises the work items of the kernel's own struct with them
  // (docs/split.md, "Work items"), and their bodies upcall with the struct that embeds the item.
  const workStub = new Map<string, { stub: string; fn: IrFunction; owner: string; member: string; delayed?: string; unit: Unit; name: string }>();
  for (const c of r.crossings) {
    if (c.role !== 'upcall' || !c.work || !defs.has(c.fn)) continue;
    const fn = main?.functions.find((x) => x.name === workUpcallName(c.fn) && x.role === 'upcall');
    if (!fn) continue;
    const d = defs.get(c.fn)!;
    workStub.set(c.fn, { stub: stubName(module, main!.name, fn.name), fn, ...c.work, unit: d.u, name: d.s.fn!.name });
  }

  // Which user-side functions the kernel still reaches (the glue's accessor uses the table, the
  // work items' initialisers their functions), and which static data only removed code used.
  const { kept, prototypes, removedVars, used } = reach(units, defs, kernelDefs, initExit.keys, initExit.lines, [{ unit: table.unit, name: table.name }, ...[...workStub.values()].map((w) => ({ unit: w.unit, name: w.name }))]);

  // The rewrite: removed definitions, prototypes, module_init/exit lines and static data go; kept
  // user-side functions get an upcall body on their opening brace's line, so every other line
  // keeps its number (compiler messages still point at the original source).
  for (const [key, { u, s }] of defs) {
    if (!kept.has(key)) {
      u.edits.push(drop(u.c, s.first, s.last));
      continue;
    }
    const params = paramNames(u.c, s.fn!);
    const nameTok = u.c.toks[s.fn!.nameTok]!;
    if (typeof params === 'string') {
      diagnostics.push(located(u.abs, nameTok.line, nameTok.col, `cannot forward ${s.fn!.name} to its upcall: ${params}`));
      continue;
    }
    const ret = returnType(u.c, s).text;
    const up = upcallStub.get(key);
    const work = workStub.get(key);
    const sized = sizedStub.get(key);
    let body: string;
    if (work && params.length === 1 && ret === 'void') {
      // The upcall never waits behind a call in flight, whose downcalls may be cancelling this
      // very item: it comes back later instead (a delayed item in a jiffy, another after 1 ms),
      // which a cancel in progress stops.
      const w = params[0]!;
      const retry = work.delayed ? `queue_delayed_work(system_wq, to_delayed_work(${w}), 1);` : `msleep(1); queue_work(system_wq, ${w});`;
      // The glue hears how the upcall went: one that found no u-driver is queued again for the next.
      body = `{ if (!${prefix}_work_begin()) { ${retry} return; } ${work.stub}(container_of(${w}, struct ${work.owner}, ${work.member})); ${prefix}_work_end(${w}, ${work.delayed ? 'true' : 'false'}); }`;
      const at = u.c.toks[s.first]!.start;
      u.edits.push({ start: at, end: at, text: `${stubDecl(types, work.stub, work.fn)}; extern bool ${prefix}_work_begin(void); extern void ${prefix}_work_end(struct work_struct *work, bool delayed); ` });
    } else if (sized && params.length === sized.from.length) {
      // The length is the kernel's own: the reply never brings back more than it (docs/split.md).
      const call = `${sized.stub}(${[...params, `(${renameIdentifiers(sized.expr, sized.from, params)})`].join(', ')})`;
      body = ret === 'void' ? `{ ${call}; }` : `{ return ${call}; }`;
      const at = u.c.toks[s.first]!.start;
      u.edits.push({ start: at, end: at, text: `${stubDecl(types, sized.stub, sized.fn)}; ` });
    } else if (up) {
      const call = `${up.stub}(${params.join(', ')})`;
      body = ret === 'void' ? `{ ${call}; }` : `{ return ${call}; }`;
      // The stub's prototype, on the definition's first line (the generated header comes at the
      // unit's end, and a new line would move every line after it).
      const at = u.c.toks[s.first]!.start;
      u.edits.push({ start: at, end: at, text: `${stubDecl(types, up.stub, up.fn)}; ` });
    } else {
      const value = fallback(ret);
      if (value === null) {
        diagnostics.push(located(u.abs, nameTok.line, nameTok.col, `${s.fn!.name} has no upcall in the interface and returns ${ret}, for which the k-driver has no error value`));
        continue;
      }
      // Reached from the kernel (a table member the interface does not carry): it fails, once said.
      body = `{ pr_warn_once("%s: in the u-driver, and the interface has no upcall for it\\n", __func__); return${value ? ` ${value}` : ''}; }`;
    }
    u.edits.push(rebody(u.c, s, body));
  }
  for (const [s, key] of prototypes) if (!kept.has(key)) {
    const u = unitOfStmt(units, s);
    u.edits.push(drop(u.c, s.first, s.last));
  }
  for (const s of [...initExit.lines, ...removedVars]) {
    const u = unitOfStmt(units, s);
    u.edits.push(drop(u.c, s.first, s.last));
  }
  if (diagnostics.length) return fail(diagnostics);

  // Kernel-side functions user-side code names as values (request_irq(irq, e1000_intr, ...),
  // netif_napi_add, a callback field): the u-driver hands them to the kernel, which must get the
  // real function rather than a trampoline back into the u-driver, so both sides bind them by name
  // (docs/c-api.md, "Bound functions"). Each unit's tail lists its own (they may be static).
  const kernelByName = new Map<string, { u: Unit; s: Stmt }[]>();
  for (const d of kernelDefs.values()) kernelByName.set(d.s.fn!.name, [...(kernelByName.get(d.s.fn!.name) ?? []), d]);
  const bound = new Map<string, { u: Unit; s: Stmt }>();
  for (const { u, s } of defs.values()) {
    for (let k = s.fn!.open + 1; k < s.fn!.close; k++) {
      const t = u.c.toks[k]!;
      const cands = t.kind === 'id' ? kernelByName.get(t.text) : undefined;
      // A call is a downcall, not a value; a member of that name is no function.
      if (!cands || u.c.toks[k + 1]?.text === '(' || isMember(u.c, k)) continue;
      const def = cands.find((d) => d.u === u) ?? cands[0]!;
      const had = bound.get(t.text);
      if (had && had !== def && !diagnostics.some((d) => d.message.startsWith(`two kernel-side functions named ${t.text} `))) {
        const at = def.u.c.toks[def.s.fn!.nameTok]!;
        diagnostics.push(located(def.u.abs, at.line, at.col, `two kernel-side functions named ${t.text} are handed to the kernel by user-side code; a bound function's name must be unique`));
      }
      bound.set(t.text, def);
    }
  }
  const boundIds = new Map<number, string>();
  for (const name of [...bound.keys()].sort()) {
    const id = boundId(name);
    const other = boundIds.get(id);
    if (other !== undefined) {
      const d = bound.get(name)!;
      const at = d.u.c.toks[d.s.fn!.nameTok]!;
      diagnostics.push(located(d.u.abs, at.line, at.col, `${name} and ${other} have the same bound-function id ${formatId(id)}; rename one`));
    }
    boundIds.set(id, name);
    bound.get(name)!.u.bound.push(name);
  }
  if (diagnostics.length) return fail(diagnostics);
  // Static kernel-side functions only removed user-side code referenced otherwise (a call that is
  // now a downcall through its wrapper, or text the bound list does not see): the k-driver keeps them.
  for (const [, { u, s }] of kernelDefs) {
    const rt = returnType(u.c, s);
    const inline = u.c.toks.slice(s.first, s.fn!.nameTok).some((t) => /^(__)?inline(__)?$|^__always_inline$/.test(t.text));
    if (!rt.isStatic || inline || used(u, s.fn!.name, true) || bound.has(s.fn!.name)) continue;
    u.handed.push(s.fn!.name);
  }

  // Downcalls: the driver's kernel-side functions through wrappers at the end of their unit (they
  // may be static), kernel services through the glue.
  const declare = (name: string, fn: IrFunction): string => {
    const ps = fn.params.map((p) => types.declare(p.type, p.name));
    const ret = types.name(fn.returns.type);
    return `${ret}${ret.endsWith('*') ? '' : ' '}${name}(${ps.length ? ps.join(', ') : 'void'})`;
  };
  const invoke = (target: string, fn: IrFunction): string => {
    const call = `${target}(${fn.params.map((p) => p.name).join(', ')});`;
    return fn.returns.type.kind === 'void' ? call : `return ${call}`;
  };
  const kfns = new Map(r.crossings.filter((c) => c.role === 'downcall' && c.target === 'k-driver').map((c) => [c.fn.replace(/@.*$/, ''), c.fn]));
  const downcalls: { member: string; handler: string }[] = [];
  const services: { proto: string; call: string; pre?: string[] }[] = [];
  let keepNames = false;
  const orphans = new Set<'irq' | 'netdev'>();
  const prototypesOut: string[] = [];
  // The units' own ops tables the kernel's objects get (KERNEL_OPS), through accessors.
  const opsAccessors = new Map<string, string>();
  const guards: { table: string; member: string; params: string; args: string; accessor: string; copy: string; fn: string; driver: string; of: string }[] = [];
  for (const t of [...new Set(Object.values(KERNEL_OPS).flatMap((x) => x.map((y) => y.table)))].sort()) {
    const found = findTable(units, t);
    if (!found) continue;
    const accessor = `${prefix}_${t}`;
    found.unit.tail.push({ proto: `const struct ${t} *${accessor}(void)`, call: `return &${found.name};` });
    prototypesOut.push(`const struct ${t} *${accessor}(void)`);
    const g = GUARDS[t];
    // A guarded table reaches the kernel as the glue's copy (GUARDS).
    if (g) guards.push({ table: `struct ${t}`, ...g, accessor: `${prefix}_guarded_${t}`, copy: `${prefix}_${t}_copy`, fn: `${prefix}_${t}_${g.member}`, driver: `${prefix}_${t}_driver_${g.member}`, of: accessor });
    opsAccessors.set(t, g ? `${prefix}_guarded_${t}` : accessor);
  }
  // Each unit with work functions initialises and cancels its work items of the kernel's struct.
  // The struct is the private area the kernel allocates (netdev_priv's): every object a service
  // receives gets its items initialised before the kernel sees it (once: a `func` is set), and the
  // services that free it (RELEASES) cancel them first, whatever the u-driver did or failed to do.
  const workHooks = new Map<string, { init: ((p: string) => string)[]; cancel: ((p: string) => string)[] }>();
  const byUnit = new Map<Unit, typeof workStub extends Map<string, infer V> ? V[] : never>();
  for (const w of [...workStub.values()].sort((a, b) => (a.member < b.member ? -1 : 1))) byUnit.set(w.unit, [...(byUnit.get(w.unit) ?? []), w]);
  // The struct must be the private area of an object the kernel hands the driver (netdev_priv's
  // area, or a pointer field such as `net_device.priv`): the glue reaches it from the object.
  const areas = Object.entries(r.privateArea ?? {}).map(([key, a]) => {
    const member = key.slice(key.indexOf('.') + 1);
    const accessor = a.carrier === 'computed' ? trailingAccessor(key) : null;
    const at = accessor ? (p: string): string => `${accessor}(${p})` : a.carrier === 'pointer' ? (p: string): string => `${p}->${member}` : null;
    return { object: key.slice(0, key.indexOf('.')), to: a.to, at, pointer: a.carrier === 'pointer' };
  });
  for (const [u, ws] of [...byUnit].sort((a, b) => (a[0].rel < b[0].rel ? -1 : 1))) {
    const owner = ws[0]!.owner;
    // netdev_priv's area first: a pointer field of the driver's own struct (`e1000_hw.back`) is
    // no object the kernel hands over.
    const area = areas.find((a) => a.to === owner && a.at && !a.pointer) ?? areas.find((a) => a.to === owner && a.at);
    if (!area || ws.some((w) => w.owner !== owner)) {
      const w = ws.find((x) => x.owner !== owner) ?? ws[0]!;
      diagnostics.push(located(u.abs, 1, 1, `the work item ${w.owner}.${w.member} (${w.name}) is not in the private area of an object the kernel hands the driver, so the k-driver cannot initialise it`));
      continue;
    }
    const slug = u.rel.replace(/\W/g, '_');
    const init = `${prefix}_${slug}_init_work`;
    const cancel = `${prefix}_${slug}_cancel_work`;
    const first = ws[0]!.member;
    const inits = ws.map((w) => (w.delayed ? `INIT_DELAYED_WORK(&p->${w.delayed}, ${w.name});` : `INIT_WORK(&p->${w.member}, ${w.name});`));
    const cancels = ws.map((w) => (w.delayed ? `cancel_delayed_work_sync(&p->${w.delayed});` : `cancel_work_sync(&p->${w.member});`));
    u.tail.push({ proto: `void ${init}(struct ${owner} *p)`, call: [`if (p->${first}.func)`, '\treturn;', ...inits].join('\n\t') });
    u.tail.push({ proto: `void ${cancel}(struct ${owner} *p)`, call: [`if (!p->${first}.func)`, '\treturn;', ...cancels].join('\n\t') });
    prototypesOut.push(`void ${init}(struct ${owner} *p)`, `void ${cancel}(struct ${owner} *p)`);
    const h = workHooks.get(area.object) ?? { init: [], cancel: [] };
    const guard = (p: string): string => (area.pointer ? `${p} && ${area.at!(p)}` : p);
    h.init.push((p) => `if (${guard(p)})\n\t\t${init}(${area.at!(p)});`);
    h.cancel.push((p) => `if (${guard(p)})\n\t\t${cancel}(${area.at!(p)});`);
    workHooks.set(area.object, h);
  }
  if (diagnostics.length) return fail(diagnostics);
  // What the glue undoes itself when the device goes while no u-driver is attached (ORPHANS): only
  // a kind both registered and released through the services, so every tracking helper the glue
  // defines has its callers.
  const served = new Set((main?.functions ?? []).filter((f) => f.role === 'downcall' && !kfns.has(f.name) && serviceRole(f.name) === 'served').map((f) => f.name));
  const orphanKinds = new Set(
    Object.values(ORPHANS)
      .map((o) => o.what)
      .filter((what) => REGISTRARS[table.type]?.bar0 && [true, false].every((track) => Object.entries(ORPHANS).some(([svc, o]) => o.what === what && o.track === track && served.has(svc)))),
  );
  for (const fn of (main ?? ({ functions: [] } as unknown as IrInterface)).functions) {
    if (fn.role !== 'downcall') continue;
    const key = kfns.get(fn.name);
    if (key !== undefined) {
      const info = r.functions.find((f) => f.fn === key);
      const u = info && units.get(info.file);
      if (!u) continue;
      const name = `${prefix}_${fn.name}`;
      u.tail.push({ proto: declare(name, fn), call: invoke(fn.name, fn) });
      prototypesOut.push(declare(name, fn));
      downcalls.push({ member: fn.name, handler: name });
      continue;
    }
    if (serviceRole(fn.name) !== 'served') continue;
    const name = `${prefix}_svc_${fn.name}`;
    // A kernel global the u-driver names (system_wq) arrives as NULL: the kernel gets its own.
    const args = fn.params.map((p) => {
      const g = kernelGlobalOf(p.type);
      return g ? `${p.name} ?: ${g}` : p.name;
    });
    const call = `${fn.name}(${args.join(', ')});`;
    // A string arrives in the message, freed when the call returns, and the kernel may keep the
    // pointer (an interrupt's name, a region's owner): the service gets the glue's lasting copy.
    const kept = fn.params.filter((p) => p.marshal.mode === 'string' && p.direction === 'in' && p.type.kind === 'pointer').map((p) => `${p.name} = ${prefix}_keep_name(${p.name});`);
    if (kept.length) keepNames = true;
    const pre = [...kept, ...fn.params.flatMap((p) => {
      const t = p.type.kind === 'pointer' && p.type.to.kind === 'struct' ? p.type.to.name : '';
      const fresh = UNREGISTERED[t] ? ` || ${UNREGISTERED[t]!.replace('%', p.name)}` : '';
      const ops = (KERNEL_OPS[t] ?? []).filter((o) => opsAccessors.has(o.table)).map((o) => `if (${p.name} && (!${p.name}->${o.field}${fresh}))\n\t\t${p.name}->${o.field} = ${opsAccessors.get(o.table)}();`);
      const parent = PARENTS[t];
      if (parent?.service === fn.name && REGISTRARS[table.type]?.bar0) ops.push(`if (${p.name} && !${p.name}->dev.parent && ${prefix}_bar0_dev)\n\t\t${parent.set}(${p.name}, &${prefix}_bar0_dev->dev);`);
      const hooks = workHooks.get(t);
      if (!hooks) return ops;
      const calls = (RELEASES[t] ?? []).includes(fn.name) ? hooks.cancel : hooks.init;
      return [...ops, ...calls.map((c) => c(p.name))];
    })];
    // A registration is remembered once it succeeded, a release forgets it first.
    const orphan = ORPHANS[fn.name] && orphanKinds.has(ORPHANS[fn.name]!.what) ? ORPHANS[fn.name] : undefined;
    const named = orphan?.args.map((i) => fn.params[i]?.name);
    let tracked = call;
    if (orphan && named?.every((n) => n !== undefined)) {
      if (orphan.track) tracked = `${prefix}_track_${orphan.what}(${call.slice(0, -1)}, ${named.join(', ')});`;
      else pre.push(`${prefix}_untrack_${orphan.what}(${named.join(', ')});`);
      orphans.add(orphan.what);
    }
    services.push({ proto: declare(name, fn), call: fn.returns.type.kind === 'void' ? tracked : `return ${tracked}`, ...(pre.length ? { pre } : {}) });
    downcalls.push({ member: fn.name, handler: name });
  }
  const orphanView = orphans.size
    ? {
        irq: orphans.has('irq'),
        netdev: orphans.has('netdev'),
        // One block deeper in the glue than the services the hooks were written for.
        cancels: orphans.has('netdev') ? (workHooks.get('net_device')?.cancel ?? []).map((c) => c(`${prefix}_orphan_netdev`).replace(/\n\t/g, '\n\t\t')) : [],
      }
    : null;
  const boundArray = (u: Unit): string => `${prefix}_${u.rel.replace(/\W/g, '_')}_bound`;
  for (const u of [...units.values()].filter((x) => x.bound.length).sort((a, b) => (a.rel < b.rel ? -1 : 1))) prototypesOut.push(`extern void (*const ${boundArray(u)}[])(void)`);
  // With the kernel functions the u-driver names (input.kernelBound), which are their own selves here.
  const kernelBound = (input.kernelBound ?? []).filter((n) => !bound.has(n));
  const boundList = [...bound.keys(), ...kernelBound].sort().map((name) => {
    const d = bound.get(name);
    return { name, id: `${formatId(boundId(name))}u`, ref: d ? `${boundArray(d.u)}[${d.u.bound.indexOf(name)}]` : `(void (*)(void))${name}` };
  });
  for (const name of kernelBound) {
    const other = [...bound.keys()].find((b) => boundId(b) === boundId(name));
    if (other) diagnostics.push(located(unitFiles[0]!, 1, 1, `${name} and ${other} have the same bound-function id ${formatId(boundId(name))}`));
  }
  if (diagnostics.length) return fail(diagnostics);
  const accessor = `${prefix}_${table.type}`;
  table.unit.tail.push({ proto: `struct ${table.type} *${accessor}(void)`, call: `return &${table.name};` });
  prototypesOut.push(`struct ${table.type} *${accessor}(void)`);

  // The glue calls kernel services the way the units did: with the kernel headers they include.
  const kernelHeaders = kernelHeadersOf(units, mains);
  // The kernel stubs include the same headers first, in the units' order: the kernel's headers
  // are not all self-contained (linux/usb/hcd.h needs linux/usb.h before it).
  const kernelIncludes = [...new Set(['linux/module.h', ...kernelHeaders.map((h) => h.slice(1, -1)), ...ir.interfaces.map((i) => i.header).filter((h): h is string => h !== null && h.includes('/')).sort()])];
  const generated = cKernelBackend.generate(ir, { sources: [`${module}.mdl`], version: input.version, license: 'GPL-2.0', kernelIncludes });
  const render = createRenderer('kdriver');
  const driver = r.driver.replace(/[^A-Za-z0-9_]/g, '_');
  const kdriverHeader = `${driver}_kdriver.h`;
  const unitsText = r.units.join(', ');
  const out: GeneratedFile[] = [...copied];
  for (const u of units.values()) {
    let text = apply(u.c.text, u.edits);
    if (u.tail.length || u.handed.length || u.bound.length) {
      const handed = u.handed.length ? { name: `${prefix}_${u.rel.replace(/\W/g, '_')}_handed`, fns: u.handed.sort() } : null;
      const unitBound = u.bound.length ? { name: boundArray(u), fns: u.bound } : null;
      text = text.replace(/\n*$/, '') + render('tail', { kdriverHeader, wrappers: u.tail, handed, bound: unitBound });
    }
    out.push({ path: `kdriver/${u.rel}`, content: text });
  }
  const genHeader = generated.find((g) => g.path.endsWith('.h'))!;
  for (const g of generated) out.push({ path: `kdriver/${g.path}`, content: g.content });
  const runtimeDir = fileURLToPath(RUNTIME_C);
  for (const f of fs.readdirSync(runtimeDir).sort()) {
    if (f.endsWith('.h') || RUNTIME_SOURCES.includes(f)) out.push({ path: `kdriver/${f}`, content: fs.readFileSync(path.join(runtimeDir, f), 'utf8') });
  }
  const reg = REGISTRARS[table.type]!;
  out.push({
    path: `kdriver/${kdriverHeader}`,
    content: render('header', { units: unitsText, guard: `MDIDL_KDRIVER_${driver.toUpperCase()}_H`, generatedHeader: genHeader.path, prototypes: prototypesOut, table: { type: table.type } }),
  });
  const boundHeader = `${module}_bound.h`;
  out.push({
    path: `kdriver/${boundHeader}`,
    content: render('bound', { units: unitsText, guard: `MDIDL_${module.toUpperCase()}_BOUND_H`, module, macro: module.toUpperCase(), count: boundList.length, fns: boundList }),
  });
  out.push({
    path: `kdriver/${driver}_glue.c`,
    content: render('glue', {
      units: unitsText,
      device: `mdidl-${r.driver}`,
      prefix,
      macro: prefix.toUpperCase(),
      module,
      iface: main?.name ?? module,
      kdriverHeader,
      kernelHeaders,
      services,
      downcalls,
      work: workStub.size > 0,
      keepNames,
      guards,
      orphan: orphanView,
      resync: reg.bar0 && resync ? resync : null,
      boundHeader,
      bound: boundList.length ? { fns: boundList.map((b) => b.ref) } : null,
      table: { type: `struct ${table.type}`, register: reg.register, unregister: reg.unregister, accessor, bar0: reg.bar0, bar0Header: reg.bar0 && !kernelHeaders.includes(`<${reg.header}>`) ? `<${reg.header}>` : null },
    }),
  });
  const objects = [...[...mains].sort().map((m) => m.replace(/\.c$/, '.o')), `${module}_kernel.o`, ...RUNTIME_SOURCES.map((f) => f.replace(/\.c$/, '.o')), `${driver}_glue.o`];
  out.push({ path: 'kdriver/Kbuild', content: render('kbuild', { units: unitsText, object: `${driver}_kdriver`, objects: objects.join(' '), cflags: input.cflags ?? '' }) });
  out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { files: out, diagnostics: sortDiagnostics(diagnostics) };
}

/** The value a user-side function without an upcall returns: '' for void, null when none fits. */
function fallback(ret: string): string | null {
  if (ret === 'void') return '';
  if (ret.includes('*')) return 'NULL';
  if (/^(signed )?(int|long|long long|short|s8|s16|s32|s64|ssize_t|long int)$/.test(ret)) return '-ENODEV';
  if (ret === 'bool') return 'false';
  if (FAILED_VALUES[ret]) return FAILED_VALUES[ret]!;
  if (/^(struct|union) /.test(ret)) return null;
  return `(${ret})0`;
}
