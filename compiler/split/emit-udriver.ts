// `mdidl split --emit DIR`, the other half: the u-driver (DIR/udriver/), a user-mode program built
// from the driver's own units. The rewrite is the k-driver's in reverse: user-side functions stay
// verbatim; a kernel-side driver function the user side calls and the k-driver serves (a downcall)
// gets a one-line body through the generated user stub; one the user side only names (e1000_intr
// handed to request_threaded_irq) gets a placeholder that aborts if it is ever called in user mode;
// the rest of the kernel-side code goes. Beside them: the user stubs, shims under the kernel's own
// symbol names for the kernel services the k-driver serves, the channel set-up with the driver's own
// ops tables as the upcalls' implementations, a main, mdidl's runtime and ukernel, and a Makefile
// that preprocesses with kbuild and compiles in user mode. The design is in docs/real-e1000-split.md.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { sortDiagnostics, type Diagnostic } from '../../idl/diagnostics.js';
import { readInput } from '../../idl/read-input.js';
import { stubName } from '../../idl/checker/c-names.js';
import { cUserBackend } from '../backends/c/index.js';
import { CTypes } from '../backends/c/ctypes.js';
import { createRenderer } from '../backends/render.js';
import type { BackendContext, GeneratedFile } from '../backends/types.js';
import type { IrFunction, IrInterface } from '../ir/types.js';
import { CTextError, paramNames, scanC, type CText, type Stmt } from './emit-ctext.js';
import { KERNEL_GLOBALS, kernelGlobalOf, serviceRole } from './emit-services.js';
import { RESYNC, sizedUpcallName, workUpcallName } from './idl.js';
import {
  apply,
  compileInterface,
  drop,
  fail,
  findDefinitions,
  findTable,
  isPrototype,
  kernelHeadersOf,
  located,
  moduleInitExit,
  reach,
  readSources,
  rebody,
  rel,
  stubDecl,
  unitOfStmt,
  type Def,
  type DriverSources,
  type EmitInput,
  type EmitOutput,
  type Unit,
} from './emit-units.js';
import { MODULE_DATA, USER_LOCAL } from './emit-udriver-services.js';

const RUNTIME_C = new URL('../../../runtime/c/', import.meta.url);
const UKERNEL = new URL('../../../runtime/c/ukernel/', import.meta.url);
/** The runtime sources the u-driver compiles in the kernel's world (kbuild .i, then user mode). */
const RUNTIME_SOURCES = ['mdidl_rpc.c'];

export function emitUdriver(input: EmitInput): EmitOutput {
  const diagnostics: Diagnostic[] = [];
  const r = input.result;
  const src = readSources(input, diagnostics);
  if (!src) return fail(diagnostics);
  const { unitFiles, mains, units, headers } = src;
  const compiled = compileInterface(input.idl, unitFiles[0]!, diagnostics);
  if (!compiled) return fail(diagnostics);
  const { module, ir } = compiled;
  const types = new CTypes(ir);
  // Everything the u-driver compiles of the driver sees the kernel's types (kbuild's .i).
  types.kernel = true;
  const main = ir.interfaces.find((i) => i.name === module);
  const { user, kernel: notUser } = findDefinitions(r, units, diagnostics);
  if (diagnostics.length) return fail(diagnostics);
  const sideOf = new Map(r.functions.map((f) => [f.fn, f.side]));
  // Functions both sides have stay: the u-driver runs its own copy, as the k-driver runs its.
  const kernelOnly = new Map<string, Def>();
  const stays = new Map(user);
  for (const [key, d] of notUser) (sideOf.get(key) === 'kernel' ? kernelOnly : stays).set(key, d);

  // The module's init and exit go: the k-driver's glue registers the driver's table at load.
  const initExit = moduleInitExit(r, units, user);
  const removable = new Map(kernelOnly);
  for (const key of initExit.keys) {
    const d = user.get(key);
    if (d) {
      removable.set(key, d);
      stays.delete(key);
    }
  }

  // The driver's own ops tables implement the upcalls: the channel is opened with them.
  const tables: { iface: IrInterface; name: string; unit: Unit }[] = [];
  // The driver's own upcalls (a work function's, one with a buffer the kernel sized) are served by
  // wrappers at the end of the units instead (below).
  const ownUpcall = (c: (typeof r.crossings)[number]): string | null => (c.role !== 'upcall' ? null : c.work ? workUpcallName(c.fn) : c.sized ? sizedUpcallName(c.fn) : null);
  const own = r.crossings.flatMap((c) => {
    const name = ownUpcall(c);
    const fn = name !== null && user.has(c.fn) ? main?.functions.find((f) => f.role === 'upcall' && f.name === name) : undefined;
    return fn ? [{ c, fn }] : [];
  });
  const ownNames = new Set(own.map((o) => o.fn.name));
  // So are the upcalls that resynchronise a restarted u-driver (its services file defines them).
  const resyncs = [RESYNC.regions, RESYNC.device].filter((n) => main?.functions.some((f) => f.role === 'upcall' && f.name === n));
  for (const n of resyncs) ownNames.add(n);
  for (const iface of ir.interfaces) {
    if (!iface.functions.some((f) => f.role === 'upcall' && !ownNames.has(f.name))) continue;
    const found = findTable(units, iface.name);
    if (!found) {
      // Said where the first of its upcalls is defined: the function a table should name.
      const c = r.crossings.find((x) => x.role === 'upcall' && x.via.some((v) => v.startsWith(`${iface.name}.`)));
      const d = c && user.get(c.fn);
      const at = d ? d.u.c.toks[d.s.fn!.nameTok]! : undefined;
      diagnostics.push(located(d ? d.u.abs : unitFiles[0]!, at?.line ?? 1, at?.col ?? 1, `no struct ${iface.name} table in the driver's units to serve the interface's ${iface.name} upcalls with${c ? ` (${c.fn.replace(/@.*$/, '')} is ${c.via.find((v) => v.startsWith(`${iface.name}.`))})` : ''}`));
      continue;
    }
    tables.push({ iface, ...found });
  }
  if (diagnostics.length) return fail(diagnostics);

  const { kept, prototypes, removedVars } = reach(
    units,
    removable,
    stays,
    initExit.keys,
    initExit.lines,
    tables.map((t) => ({ unit: t.unit, name: t.name })),
  );

  // The rewrite: kernel-side functions the user side names get a new body on their opening brace's
  // line (a downcall, or a placeholder); the others, their prototypes, module_init/exit and static
  // data only removed code used go. Every other line keeps its number.
  const prefix = `${module}_ud`;
  const unbound = `${prefix}_unbound`;
  const kfns = new Map<string, IrFunction>();
  for (const c of r.crossings) {
    if (c.role !== 'downcall' || c.target !== 'k-driver') continue;
    const fn = main?.functions.find((f) => f.role === 'downcall' && f.name === c.fn.replace(/@.*$/, ''));
    if (fn) kfns.set(c.fn, fn);
  }
  const placeholders = new Map<Unit, string[]>();
  const stubIsFunction = new Map<string, string>();
  // Lines whose code the u-driver no longer runs (removed, or a new body): what they name is no
  // reference of the u-driver's.
  const gone = new Map<Unit, [number, number][]>();
  const goes = (u: Unit, s: Stmt): void => {
    gone.set(u, [...(gone.get(u) ?? []), [u.c.toks[s.first]!.line, u.c.toks[s.last]!.line]]);
  };
  for (const [key, { u, s }] of removable) {
    goes(u, s);
    if (!kept.has(key)) {
      u.edits.push(drop(u.c, s.first, s.last));
      continue;
    }
    const name = s.fn!.name;
    const nameTok = u.c.toks[s.fn!.nameTok]!;
    const at = u.c.toks[s.first]!.start;
    const fn = kfns.get(key);
    if (fn) {
      const params = paramNames(u.c, s.fn!);
      if (typeof params === 'string') {
        diagnostics.push(located(u.abs, nameTok.line, nameTok.col, `cannot forward ${name} to its downcall: ${params}`));
        continue;
      }
      const stub = stubName(module, main!.name, fn.name);
      if (stub === name) {
        // The interface's module prefix is the driver's own (minic, uhci): the stub is the
        // function. The definition and its prototypes become the stub's declaration (with
        // external linkage, which a static prototype left in place would take away).
        const d = drop(u.c, s.first, s.last);
        u.edits.push({ ...d, text: `${stubDecl(types, stub, fn)};${d.text}` });
        stubIsFunction.set(key, `${stubDecl(types, stub, fn)};`);
        continue;
      }
      const call = `${stub}(${params.join(', ')})`;
      // The stub's prototype, on the definition's first line (a new line would move every line after it).
      u.edits.push({ start: at, end: at, text: `${stubDecl(types, stub, fn)}; ` });
      u.edits.push(rebody(u.c, s, fn.returns.type.kind === 'void' ? `{ ${call}; }` : `{ return ${call}; }`));
      continue;
    }
    if (!u.main) {
      // A file the units include (uhci-hcd.c includes uhci-q.c; a header may be in several units):
      // its placeholder table would be defined once per including unit.
      diagnostics.push(located(u.abs, nameTok.line, nameTok.col, `${name} needs a placeholder, in a file the units include: only a unit's main file can hold the table`));
      continue;
    }
    // Named but never to be run here: the kernel runs it once the u-driver hands it over.
    u.edits.push({ start: at, end: at, text: `extern void ${unbound}(const char *fn) __attribute__((__noreturn__)); ` });
    u.edits.push(rebody(u.c, s, `{ ${unbound}("${name}"); }`));
    placeholders.set(u, [...(placeholders.get(u) ?? []), name]);
  }
  for (const [s, key] of prototypes) {
    const decl = stubIsFunction.get(key);
    if (kept.has(key) && decl === undefined) continue;
    const u = unitOfStmt(units, s);
    const d = drop(u.c, s.first, s.last);
    u.edits.push(decl === undefined ? d : { ...d, text: `${decl}${d.text}` });
    goes(u, s);
  }
  for (const s of [...initExit.lines, ...removedVars]) {
    const u = unitOfStmt(units, s);
    u.edits.push(drop(u.c, s.first, s.last));
    goes(u, s);
  }
  if (diagnostics.length) return fail(diagnostics);

  // Kernel services: a shim under the kernel's name for each one the k-driver serves and ukernel
  // does not run itself.
  const local = ukernelSymbols();
  const declare = (name: string, fn: IrFunction): string => {
    const ps = fn.params.map((p) => types.declare(p.type, p.name));
    const ret = types.name(fn.returns.type);
    return `${ret}${ret.endsWith('*') ? '' : ' '}${name}(${ps.length ? ps.join(', ') : 'void'})`;
  };
  const kernelFns = new Set([...kfns.values()].map((f) => f.name));
  // Each shim is defined under a name of its own with the kernel's symbol as its assembler name:
  // the IDL's signature is the kernel's in ABI but not always in C (`[opaque] void *` for
  // iounmap's `volatile void __iomem *`), and the kernel's headers declare the C name.
  type Service = { proto: string; symbol: string; call?: string; mapBar?: { pdev: string; bar: string }; unmap?: { addr: string }; refuse?: string; unused?: string[]; value?: string; enableIo?: { pdev: string; call: string }; neverSent?: { obj: string; type: string; value: string }; globals?: { param: string; global: string }[] };
  const services: Service[] = [];
  const kernelGlobals: string[] = [];
  for (const fn of main?.functions ?? []) {
    if (fn.role !== 'downcall' || kernelFns.has(fn.name)) continue;
    if (serviceRole(fn.name) !== 'served' || local.has(fn.name)) continue;
    const proto = declare(`${prefix}_svc_${fn.name}`, fn);
    const p = fn.params.map((x) => x.name);
    const here = USER_LOCAL[fn.name];
    if (here?.kind === 'map-bar' && p.length === 2) services.push({ proto, symbol: fn.name, mapBar: { pdev: p[0]!, bar: p[1]! } });
    else if (here?.kind === 'unmap' && p.length === 1) services.push({ proto, symbol: fn.name, unmap: { addr: p[0]! } });
    else if (here?.kind === 'enable-io' && p.length === 1 && fn.returns.type.kind !== 'void') {
      services.push({ proto, symbol: fn.name, enableIo: { pdev: p[0]!, call: `${stubName(module, main!.name, fn.name)}(${p[0]!})` } });
    } else if (here?.kind === 'never-sent' && p.length === 1 && fn.params[0]!.type.kind === 'pointer' && fn.params[0]!.type.to.kind === 'struct' && fn.params[0]!.marshal.mode !== 'container') {
      const t = fn.params[0]!.type.to.name;
      const call = `${stubName(module, main!.name, fn.name)}(${p[0]!});`;
      services.push({ proto, symbol: fn.name, neverSent: { obj: p[0]!, type: `${module.toUpperCase()}_ID_${t.toUpperCase()}`, value: fn.returns.type.kind === 'void' ? '' : ' 0' }, call: fn.returns.type.kind === 'void' ? call : `return ${call}` });
    } else if (here?.kind === 'refuse') services.push({ proto, symbol: fn.name, refuse: here.message, unused: p, value: fn.returns.type.kind === 'void' ? '' : ' NULL' });
    else {
      // A kernel global the driver names (system_wq) is this side's token: sent as NULL, which the
      // k-driver's service turns into its own; any other object of that type the u-driver never had.
      const globals = fn.params.flatMap((x) => {
        const g = kernelGlobalOf(x.type);
        return g ? [{ param: x.name, global: g }] : [];
      });
      for (const g of globals) if (!kernelGlobals.includes(g.global)) kernelGlobals.push(g.global);
      const args = fn.params.map((x) => (kernelGlobalOf(x.type) ? 'NULL' : x.name));
      const call = `${stubName(module, main!.name, fn.name)}(${args.join(', ')});`;
      const value = fn.returns.type.kind === 'void' ? '' : ' 0';
      services.push({ proto, symbol: fn.name, call: fn.returns.type.kind === 'void' ? call : `return ${call}`, ...(globals.length ? { globals, value } : {}) });
    }
  }

  // Kernel functions the u-driver's code names without calling them (its ops tables name
  // eth_validate_addr; INIT_DELAYED_WORK names delayed_work_timer_fn): placeholders under the
  // kernel's symbols, like the driver's own kernel-side functions. A kernel function it calls and
  // nobody provides stays undefined: the link says which.
  const provided = new Set([...local, ...services.map((x) => x.symbol), ...kernelGlobals]);
  const refs = kernelReferences(src, gone, diagnostics);
  if (diagnostics.length) return fail(diagnostics);
  const named = refs.named.filter((n) => !provided.has(n));
  const moduleData = Object.keys(MODULE_DATA).filter((n) => refs.all.has(n)).sort().map((n) => ({ name: n, type: MODULE_DATA[n]! }));
  const kernelPlaceholders = named.map((n) => ({ name: n, cname: `${prefix}_ph_${n}` }));

  // What the units export to the channel: accessors of the ops tables (often static) and the
  // placeholders' tables.
  const accessors: { member: string; type: string; name: string }[] = [];
  for (const t of tables) {
    const name = `${prefix}_${t.iface.name}`;
    t.unit.tail.push({ proto: `const struct ${t.iface.name} *${name}(void)`, call: `return &${t.name};` });
    accessors.push({ member: t.iface.name, type: `struct ${t.iface.name}`, name });
  }
  // The driver's own upcalls, through a wrapper in the function's unit (it is often static): a work
  // function's brings the struct that embeds its work item, and the wrapper hands the function the
  // u-driver's own item, as the kernel's would; a sized one brings the buffer's length after the
  // function's parameters, which the wrapper leaves out (the receiver allocated that many elements).
  const ownFns = own.map(({ c, fn }) => {
    const { u, s } = user.get(c.fn)!;
    const thunk = `${prefix}_${fn.name}`;
    const proto = c.work ? `void ${thunk}(struct ${c.work.owner} *owner)` : declare(thunk, fn);
    const args = fn.params.slice(0, -1).map((p) => p.name);
    const call = c.work ? `${s.fn!.name}(&owner->${c.work.member});` : fn.returns.type.kind === 'void' ? `${s.fn!.name}(${args.join(', ')});` : `return ${s.fn!.name}(${args.join(', ')});`;
    u.tail.push({ proto, call });
    return { member: fn.name, thunk, proto };
  });
  const resync = resyncs.length === 2 ? { regions: `${prefix}_${RESYNC.regions}`, device: `${prefix}_${RESYNC.device}` } : null;
  if (resync) for (const [member, thunk] of [[RESYNC.regions, resync.regions], [RESYNC.device, resync.device]] as const) ownFns.push({ member, thunk, proto: `int ${thunk}(struct pci_dev *pdev)` });
  const ownUpcalls = ownFns.length ? { iface: main!.name, table: `${prefix}_own_upcalls`, fns: ownFns.sort((a, b) => (a.member < b.member ? -1 : 1)) } : null;
  const render = createRenderer('udriver');
  const driver = r.driver.replace(/[^A-Za-z0-9_]/g, '_');
  const unitsText = r.units.join(', ');
  const placeholderTables: { name: string; count: number }[] = [];
  if (kernelPlaceholders.length) placeholderTables.push({ name: `${prefix}_kernel_placeholders`, count: kernelPlaceholders.length });
  const out: GeneratedFile[] = headers.map((h) => ({ path: `udriver/${h.path}`, content: h.content }));
  for (const u of units.values()) {
    let text = apply(u.c.text, u.edits);
    const fns = (placeholders.get(u) ?? []).sort();
    const table = fns.length ? { name: `${prefix}_${u.rel.replace(/\W/g, '_')}_placeholders`, fns } : null;
    if (table) placeholderTables.push({ name: table.name, count: fns.length });
    if (u.tail.length || table) text = text.replace(/\n*$/, '') + render('tail', { prefix, chanFile: `${driver}_udriver_chan.c`, wrappers: u.tail, placeholders: table });
    out.push({ path: `udriver/${u.rel}`, content: text });
  }

  // The user stubs, with the kernel's layouts (c-user's userLayout "kernel"): they marshal the
  // driver's own objects, so they are compiled in the kernel's world like the units.
  const kernelHeaders = kernelHeadersOf(units, mains);
  const kernelIncludes = [...new Set(['linux/module.h', ...kernelHeaders.map((h) => h.slice(1, -1)), ...ir.interfaces.map((i) => i.header).filter((h): h is string => h !== null && h.includes('/')).sort()])];
  const ctx: BackendContext & { userLayout: 'kernel' } = { sources: [`${module}.mdl`], version: input.version, license: 'GPL-2.0', kernelIncludes, userLayout: 'kernel' };
  const generated = cUserBackend.generate(ir, ctx);
  const genHeader = generated.find((g) => g.path.endsWith('.h'))!;
  for (const g of generated) out.push({ path: `udriver/${g.path}`, content: g.content });
  const runtimeDir = fileURLToPath(RUNTIME_C);
  for (const f of fs.readdirSync(runtimeDir).sort()) {
    if (f.endsWith('.h') || RUNTIME_SOURCES.includes(f)) out.push({ path: `udriver/${f}`, content: fs.readFileSync(path.join(runtimeDir, f), 'utf8') });
  }
  const ukernelDir = fileURLToPath(UKERNEL);
  for (const f of fs.readdirSync(ukernelDir).sort()) out.push({ path: `udriver/${f}`, content: fs.readFileSync(path.join(ukernelDir, f), 'utf8') });

  const view = {
    units: unitsText,
    driver,
    program: `${driver}_udriver`,
    device: `mdidl-${r.driver}`,
    kdriver: `${driver}_kdriver`,
    prefix,
    macro: prefix.toUpperCase(),
    module,
    unbound,
    kernelHeaders,
    generatedHeader: genHeader.path,
    services,
    kernelPlaceholders,
    bars: services.some((x) => x.mapBar || x.unmap) || resync !== null,
    resync,
    ioPorts: services.some((x) => x.enableIo),
    chanExtern: services.some((x) => x.neverSent || x.mapBar) || resync !== null,
    kernelGlobals: kernelGlobals.sort().map((g) => ({ name: g, type: Object.keys(KERNEL_GLOBALS).find((t) => KERNEL_GLOBALS[t] === g)!, token: `${prefix}_${g}_token` })),
    moduleData,
    kernelPlaceholderTable: `${prefix}_kernel_placeholders`,
    accessors,
    ownUpcalls,
    placeholderTables,
    placeholderCount: placeholderTables.reduce((n, t) => n + t.count, 0),
  };
  out.push({ path: `udriver/${driver}_udriver_services.c`, content: render('services', view) });
  out.push({ path: `udriver/${driver}_udriver_chan.c`, content: render('chan', view) });
  out.push({ path: `udriver/${driver}_udriver_main.c`, content: render('main', view) });
  const driverUnits = [...mains].sort().map((m) => m.replace(/\.c$/, ''));
  const generatedUnits = [`${module}_user`, ...RUNTIME_SOURCES.map((f) => f.replace(/\.c$/, '')), `${driver}_udriver_services`, `${driver}_udriver_chan`];
  out.push({ path: 'udriver/Kbuild', content: render('kbuild', { ...view, objects: [...driverUnits, ...generatedUnits].map((o) => `${o}.o`).join(' '), cflags: input.cflags ?? '' }) });
  out.push({ path: 'udriver/Makefile', content: render('makefile', { ...view, driverUnits: driverUnits.join(' '), generatedUnits: generatedUnits.join(' ') }) });
  out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { files: out, diagnostics: sortDiagnostics(diagnostics), kernelNamed: kernelPlaceholders.map((k) => k.name) };
}

/** The functions runtime/c/ukernel defines: the u-driver runs those services itself. */
function ukernelSymbols(): Set<string> {
  const text = fs.readFileSync(fileURLToPath(new URL('mdidl_ukernel.c', UKERNEL)), 'utf8');
  const out = new Set<string>();
  for (const m of text.matchAll(/^(?!static\b)[A-Za-z_][^;(){}=\n]*?\b(\w+)\([^;\n]*$/gm)) out.add(m[1]!);
  return out;
}

/**
 * What the code that stays names, from kbuild's units (so macro expansions count): every name on
 * a line of the driver's own files the u-driver keeps, and of those the kernel functions it names
 * but never calls (declared and not defined in the units, never followed by `(` on such a line).
 */
function kernelReferences(src: DriverSources, gone: Map<Unit, [number, number][]>, diagnostics: Diagnostic[]): { named: string[]; all: Set<string> } {
  const declared = new Set<string>();
  const defined = new Set<string>();
  const calls = new Set<string>();
  const names = new Set<string>();
  // Names a typedef mentions are types (or their parts), never the functions looked for.
  const typedefs = new Set<string>();
  for (const file of src.unitFiles) {
    if (!file.endsWith('.i')) continue;
    const got = readInput(file);
    if ('problem' in got) {
      diagnostics.push(located(file, 1, 1, `cannot read the unit again: ${got.problem}`));
      continue;
    }
    const text = got.text;
    let c: CText;
    try {
      c = scanC(text);
    } catch (e) {
      if (!(e instanceof CTextError)) throw e;
      diagnostics.push(located(file, e.line, e.col, e.message));
      continue;
    }
    for (const s of c.stmts) {
      if (s.fn) defined.add(s.fn.name);
      else if (c.toks[s.first]!.text === 'typedef') for (const t of c.toks.slice(s.first, s.last + 1)) typedefs.add(t.text);
      else if (s.callee !== undefined && isPrototype(c, s) && declaresFunction(c, s)) declared.add(s.callee);
    }
    // Walk the line markers: which file and line each line of the unit comes from.
    let from: Unit | undefined;
    let line = 0;
    for (const l of text.split('\n')) {
      const m = /^# (\d+) "([^"]*)"/.exec(l);
      if (m) {
        const abs = path.resolve(m[2]!);
        from = abs.startsWith(src.dir + path.sep) ? src.units.get(rel(src.dir, abs)) : undefined;
        line = Number(m[1]);
        continue;
      }
      const here = line++;
      if (!from || (gone.get(from) ?? []).some(([a, b]) => here >= a && here <= b)) continue;
      // Strings and characters name nothing; a member (`.complete =`, `->up`) is no function.
      const code = l.replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'/g, ' ');
      for (const t of code.matchAll(/(\.|->)?\s*\b([A-Za-z_]\w*)\b(\s*\()?/g)) if (!t[1]) (t[3] ? calls : names).add(t[2]!);
    }
  }
  const named = [...names].filter((n) => declared.has(n) && !defined.has(n) && !calls.has(n) && !typedefs.has(n)).sort();
  return { named, all: new Set([...names, ...calls]) };
}

const NOT_NAMES = new Set(['asm', '__asm__', '__asm', 'typeof', '__typeof__', 'sizeof', '__attribute__', 'void', 'int', 'long', 'short', 'char', 'bool', '_Bool', 'signed', 'unsigned', 'float', 'double', 'struct', 'union', 'enum', 'return', 'if', 'while', 'for', 'switch']);

/** `T name(params);`: the callee is a function's name (after a type, not a keyword). */
function declaresFunction(c: CText, s: Stmt): boolean {
  for (let k = s.first + 1; k <= s.last; k++) {
    const t = c.toks[k]!;
    if (t.text !== s.callee || c.toks[k + 1]?.text !== '(') continue;
    const before = c.toks[k - 1]!;
    return !NOT_NAMES.has(t.text) && (before.text === '*' || (before.kind === 'id' && !NOT_NAMES.has(before.text) || /^(void|int|long|short|char|bool|_Bool|signed|unsigned)$/.test(before.text)));
  }
  return false;
}
