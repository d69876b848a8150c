// `mdidl split --emit DIR`: the k-driver as a kbuild tree (DIR/kdriver/), from the driver's
// original sources and the split. Kernel-side functions stay as they were; a user-side function
// the kernel still reaches (an ops table, a kernel-side caller) keeps its signature and gets a body
// that makes the upcall; one nothing reaches any more goes, with its prototypes and the static data
// only it used. Beside them: the generated kernel stubs of the split's interface (compiled here,
// in memory), mdidl's C runtime, and a glue file with module init/exit, the misc device, the
// channel, the downcalls the k-driver serves and the registration of the driver's table. The
// design and what is still missing for the u-driver are in docs/real-e1000-split.md.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { sortDiagnostics, type Diagnostic } from '../../idl/diagnostics.js';
import { stubName } from '../../idl/checker/c-names.js';
import { readInput } from '../../idl/read-input.js';
import { cKernelBackend } from '../backends/c/index.js';
import { CTypes } from '../backends/c/ctypes.js';
import { createRenderer } from '../backends/render.js';
import type { GeneratedFile } from '../backends/types.js';
import type { IrFunction, IrInterface } from '../ir/types.js';
import { frontEnd } from '../pipeline.js';
import { CTextError, paramNames, returnType, scanC, type CText, type Stmt } from './emit-ctext.js';
import { FAILED_VALUES, REGISTRARS, serviceRole } from './emit-services.js';
import { driverDir } from './frontend.js';
import type { SplitResult } from './index.js';

export interface EmitInput {
  result: SplitResult;
  /** The units the split read (.i or .c). */
  files: string[];
  /** The split's interface (`lowerInterface`'s text). */
  idl: string;
  /** mdidl's version, for the banners of the generated stubs. */
  version: string;
  /** Extra compiler flags of the driver's units for the Kbuild file (ens1371's -DCHIP1371). */
  cflags?: string;
}

export interface EmitOutput {
  /** Paths relative to DIR (all under kdriver/), sorted; null on errors. */
  files: GeneratedFile[] | null;
  diagnostics: Diagnostic[];
}

/** runtime/c, which the k-driver compiles and includes. */
const RUNTIME_C = new URL('../../../runtime/c/', import.meta.url);
const RUNTIME_SOURCES = ['mdidl_rpc.c', 'mdidl_kdev.c'];

interface Unit {
  /** Display path relative to the driver's folder. */
  rel: string;
  abs: string;
  c: CText;
  /** A translation unit's main file (its object is built), or a file the units include. */
  main: boolean;
  edits: { start: number; end: number; text: string }[];
  tail: { proto: string; call: string }[];
  /** Static kernel-side functions only user-side code referenced. */
  handed: string[];
}

export function emitKdriver(input: EmitInput): EmitOutput {
  const diagnostics: Diagnostic[] = [];
  const r = input.result;
  const unitFiles = input.files.map((f) => path.resolve(f));
  const dir = driverDir(unitFiles);
  const mains = new Set(unitFiles.map(unitSource).map((f) => rel(dir, f)));

  // The interface, compiled in memory: its IR names the stubs, its kernel C goes into the tree.
  const module = /^module (\w+)/m.exec(input.idl)?.[1];
  if (!module) return fail(diagnostics, located(unitFiles[0]!, 1, 1, 'the interface has no module declaration'));
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mdidl-emit-'));
  let fe: ReturnType<typeof frontEnd>;
  try {
    const mdl = path.join(tmp, `${module}.mdl`);
    fs.writeFileSync(mdl, input.idl);
    fe = frontEnd([mdl], { displayName: () => `${module}.mdl` });
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  diagnostics.push(...fe.diagnostics.filter((d) => d.severity === 'error'));
  if (!fe.ir) return fail(diagnostics);
  const ir = fe.ir;
  const types = new CTypes(ir);
  // The glue is kernel C: [header] types (the kernel's enums among them) are spelled the kernel's way.
  types.kernel = true;
  const main = ir.interfaces.find((i) => i.name === module);

  // The driver's own files, scanned: those with functions, and every file of the driver's folder
  // the units include (their headers, copied as they are).
  const units = new Map<string, Unit>();
  const headers = new Set<string>();
  for (const f of unitFiles) if (f.endsWith('.i')) for (const h of includedOwn(f, dir)) if (!(h in r.sourceLines) && !mains.has(h)) headers.add(h);
  const copied: GeneratedFile[] = [];
  for (const h of [...headers].sort()) {
    const got = readInput(path.join(dir, h));
    if ('problem' in got) diagnostics.push(located(path.join(dir, h), 1, 1, `cannot read the driver's header: ${got.problem}`));
    else copied.push({ path: `kdriver/${h}`, content: got.text });
  }
  for (const file of Object.keys(r.sourceLines).sort()) {
    const abs = path.join(dir, file);
    const got = readInput(abs);
    if ('problem' in got) {
      diagnostics.push(located(abs, 1, 1, `cannot read the driver's source: ${got.problem}`));
      continue;
    }
    try {
      units.set(file, { rel: file, abs, c: scanC(got.text), main: mains.has(file), edits: [], tail: [], handed: [] });
    } catch (e) {
      if (!(e instanceof CTextError)) throw e;
      diagnostics.push(located(abs, e.line, e.col, e.message));
    }
  }
  for (const m of mains) if (!units.has(m) && !diagnostics.length) diagnostics.push(located(path.join(dir, m), 1, 1, 'a unit whose main file split did not see'));
  if (diagnostics.length) return fail(diagnostics);

  // Each user-side function's definition, found where the debug info puts its name.
  const defs = new Map<string, { u: Unit; s: Stmt }>();
  const kernelDefs = new Map<string, { u: Unit; s: Stmt }>();
  for (const f of r.functions) {
    const u = units.get(f.file);
    if (!u) continue;
    const name = f.fn.replace(/@.*$/, '');
    let best: Stmt | undefined;
    for (const s of u.c.stmts) if (s.fn?.name === name && u.c.toks[s.fn.nameTok]!.line <= f.line && (!best || s.fn.nameTok > best.fn!.nameTok)) best = s;
    if (!best) {
      diagnostics.push(located(u.abs, f.line, 1, `cannot find the definition of ${name} here (the debug info says it starts on this line)`));
      continue;
    }
    const close = u.c.toks[best.fn!.close]!;
    if (close.line < f.line + f.lines - 1) {
      diagnostics.push(located(u.abs, close.line, close.col, `the body of ${name} ends here, before its last line of code (${f.line + f.lines - 1}): braces split across #if branches are not supported`));
      continue;
    }
    (f.side === 'user' ? defs : kernelDefs).set(f.fn, { u, s: best });
  }
  if (diagnostics.length) return fail(diagnostics);

  // Module init and exit move to the glue; the table the init registers is what the glue registers.
  const initExit = r.entries.filter((e) => e.how === 'module_init' || e.how === 'module_exit');
  const init = initExit.find((e) => e.how === 'module_init');
  let table: { name: string; type: string; unit: Unit } | undefined;
  if (init && defs.has(init.fn)) {
    const { u, s } = defs.get(init.fn)!;
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
    const at = init && defs.get(init.fn);
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

  // Which user-side functions the kernel still reaches, and which static data only removed code used.
  const userNames = new Map<string, string>(); // name -> key
  for (const key of defs.keys()) userNames.set(key.replace(/@.*$/, ''), key);
  const initExitKeys = new Set(initExit.map((e) => e.fn));
  const prototypes = new Map<Stmt, string>();
  // A prototype is no use of a function: the kernel-side ones stay, but do not count.
  const kernelPrototypes = new Set<Stmt>();
  const kernelNames = new Set([...kernelDefs.keys()].map((k) => k.replace(/@.*$/, '')));
  const initLines = new Set<Stmt>();
  for (const u of units.values()) {
    for (const s of u.c.stmts) {
      if (s.fn || s.callee === undefined) continue;
      if (userNames.has(s.callee) && isPrototype(u.c, s)) prototypes.set(s, userNames.get(s.callee)!);
      else if (kernelNames.has(s.callee) && isPrototype(u.c, s)) kernelPrototypes.add(s);
      if ((s.callee === 'module_init' || s.callee === 'module_exit') && toksOf(u.c, s).some((t) => initExitKeys.has(userNames.get(t.text) ?? ''))) initLines.add(s);
    }
  }
  const staticVars = new Map<Stmt, string>();
  for (const u of units.values()) for (const s of u.c.stmts) if (!s.fn && !prototypes.has(s)) {
    const v = staticVarName(u.c, s);
    if (v) staticVars.set(s, v);
  }
  // What each #define's body names, by macro (across the units: an included file's macros are
  // its unit's).
  const macros = new Map<string, string[]>();
  for (const u of units.values()) {
    for (const [ds, de] of u.c.directives) {
      const d = /^#\s*define\s+(\w+)(.*)$/s.exec(u.c.text.slice(ds, de));
      if (d) macros.set(d[1]!, [...(macros.get(d[1]!) ?? []), ...(d[2]!.replace(/\/\*[\s\S]*?\*\/|"(?:[^"\\]|\\.)*"/g, ' ').match(/[A-Za-z_]\w*/g) ?? [])]);
    }
  }
  const removedVars = new Set<Stmt>();
  let kept = new Set<string>(); // user function keys that keep a (stub) body
  let refs = new Map<Unit, Map<string, number>>();
  const used = (u: Unit, name: string, isStatic: boolean): boolean => {
    if (isStatic) {
      // A static name is visible in its own unit: its file and the files the units include
      // (uhci-hcd.c includes uhci-q.c and uhci-pci.c, which use its statics).
      if ((refs.get(u)!.get(name) ?? 0) > 0) return true;
      for (const [v, m] of refs) if (v !== u && (!u.main || !v.main) && (m.get(name) ?? 0) > 0) return true;
      return false;
    }
    for (const m of refs.values()) if ((m.get(name) ?? 0) > 0) return true;
    return false;
  };
  for (let round = 0; ; round++) {
    refs = new Map<Unit, Map<string, number>>();
    for (const u of units.values()) {
      const m = new Map<string, number>();
      refs.set(u, m);
      // A member of that name (`uhci->check_and_reset_hc`, `.probe =`, a field declared in a
      // struct's body) is no use of a function.
      const inBody = typeBodies(u.c);
      const member = (k: number): boolean => {
        if (inBody.has(k)) return true;
        const p = u.c.toks[k - 1]?.text;
        return p === '.' || (p === '>' && u.c.toks[k - 2]?.text === '-' && u.c.toks[k - 2]!.end === u.c.toks[k - 1]!.start);
      };
      const count = (from: number, to: number, skip = -1): void => {
        for (let k = from; k <= to; k++) {
          const t = u.c.toks[k]!;
          if (t.kind === 'id' && k !== skip && !member(k)) m.set(t.text, (m.get(t.text) ?? 0) + 1);
        }
      };
      for (const s of u.c.stmts) {
        if (prototypes.has(s) || kernelPrototypes.has(s) || initLines.has(s) || removedVars.has(s)) continue;
        const key = s.fn ? userKey(defs, u, s) : undefined;
        if (key !== undefined) {
          // A user-side function's own text references nothing once it is removed or stubbed
          // (its header's types and attributes may stay, but those are no functions).
          if (kept.has(key)) count(s.first, s.fn!.open - 1, s.fn!.nameTok);
          continue;
        }
        if (staticVars.has(s)) {
          // A variable's own name is no use of it.
          const own = staticVars.get(s)!;
          for (let k = s.first; k <= s.last; k++) {
            const t = u.c.toks[k]!;
            if (t.kind === 'id' && t.text !== own && !member(k)) m.set(t.text, (m.get(t.text) ?? 0) + 1);
          }
          continue;
        }
        // A definition's own name is no use of it (8139too defines rtl8139_tune_twister twice,
        // in two #if branches).
        count(s.first, s.last, s.fn ? s.fn.nameTok : -1);
      }
    }
    // The glue's accessor uses the table.
    const tm = refs.get(table.unit)!;
    tm.set(table.name, (tm.get(table.name) ?? 0) + 1);
    // A macro that is used uses what its body names (uhci-hcd.c's `#define PCI_DRIVER
    // uhci_pci_driver`; e1000_ethtool.c's REG_PATTERN_TEST, used only by removed code, does not).
    for (const m of refs.values()) {
      const work = [...m.keys()].filter((id) => macros.has(id));
      const done = new Set(work);
      while (work.length) {
        for (const id of macros.get(work.pop()!)!) {
          m.set(id, (m.get(id) ?? 0) + 1);
          if (macros.has(id) && !done.has(id)) {
            done.add(id);
            work.push(id);
          }
        }
      }
    }
    const next = new Set<string>();
    for (const [key, { u, s }] of defs) {
      if (initExitKeys.has(key)) continue;
      if (used(u, s.fn!.name, returnType(u.c, s).isStatic)) next.add(key);
    }
    let changed = next.size !== kept.size || [...next].some((k) => !kept.has(k));
    kept = next;
    for (const [s, name] of staticVars) {
      if (removedVars.has(s)) continue;
      const u = [...units.values()].find((x) => x.c.stmts.includes(s))!;
      if (!used(u, name, true)) {
        removedVars.add(s);
        changed = true;
      }
    }
    if (!changed || round > 1000) break;
  }

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
    let body: string;
    if (up) {
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
    const open = u.c.toks[s.fn!.open]!;
    const close = u.c.toks[s.fn!.close]!;
    u.edits.push({ start: open.start, end: close.end, text: body + keep(u.c, open.end, close.start) });
  }
  for (const [s, key] of prototypes) if (!kept.has(key)) {
    const u = [...units.values()].find((x) => x.c.stmts.includes(s))!;
    u.edits.push(drop(u.c, s.first, s.last));
  }
  for (const s of [...initLines, ...removedVars]) {
    const u = [...units.values()].find((x) => x.c.stmts.includes(s))!;
    u.edits.push(drop(u.c, s.first, s.last));
  }
  if (diagnostics.length) return fail(diagnostics);

  // Kernel-side functions the driver hands to the kernel only from user-side code (request_irq,
  // netif_napi_add, a callback field): the u-driver will name them; the k-driver keeps them.
  for (const [, { u, s }] of kernelDefs) {
    const rt = returnType(u.c, s);
    const inline = u.c.toks.slice(s.first, s.fn!.nameTok).some((t) => /^(__)?inline(__)?$|^__always_inline$/.test(t.text));
    if (!rt.isStatic || inline || used(u, s.fn!.name, true)) continue;
    u.handed.push(s.fn!.name);
  }

  // Downcalls: the driver's kernel-side functions through wrappers at the end of their unit (they
  // may be static), kernel services through the glue.
  const prefix = `${module}_kd`;
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
  const services: { proto: string; call: string }[] = [];
  const prototypesOut: string[] = [];
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
    services.push({ proto: declare(name, fn), call: invoke(fn.name, fn) });
    downcalls.push({ member: fn.name, handler: name });
  }
  const accessor = `${prefix}_${table.type}`;
  table.unit.tail.push({ proto: `struct ${table.type} *${accessor}(void)`, call: `return &${table.name};` });
  prototypesOut.push(`struct ${table.type} *${accessor}(void)`);

  // The glue calls kernel services the way the units did: with the kernel headers they include.
  const kernelHeaders: string[] = [];
  for (const m of [...mains].sort()) {
    const u = units.get(m)!;
    for (const [ds, de] of u.c.directives) {
      const inc = /^#\s*include\s*(<[^>]+>)/.exec(u.c.text.slice(ds, de));
      if (inc && !kernelHeaders.includes(inc[1]!)) kernelHeaders.push(inc[1]!);
    }
  }
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
    if (u.tail.length || u.handed.length) {
      const handed = u.handed.length ? { name: `${prefix}_${u.rel.replace(/\W/g, '_')}_handed`, fns: u.handed.sort() } : null;
      text = text.replace(/\n*$/, '') + render('tail', { kdriverHeader, wrappers: u.tail, handed });
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
      table: { type: `struct ${table.type}`, register: reg.register, unregister: reg.unregister, accessor, bar0: reg.bar0, bar0Header: reg.bar0 && !kernelHeaders.includes(`<${reg.header}>`) ? `<${reg.header}>` : null },
    }),
  });
  const objects = [...[...mains].sort().map((m) => m.replace(/\.c$/, '.o')), `${module}_kernel.o`, ...RUNTIME_SOURCES.map((f) => f.replace(/\.c$/, '.o')), `${driver}_glue.o`];
  out.push({ path: 'kdriver/Kbuild', content: render('kbuild', { units: unitsText, object: `${driver}_kdriver`, objects: objects.join(' '), cflags: input.cflags ?? '' }) });
  out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { files: out, diagnostics: sortDiagnostics(diagnostics) };
}

/** Token indices inside struct and union bodies (`struct x { ... }`), where names are fields. */
const BODIES = new WeakMap<CText, Set<number>>();
function typeBodies(c: CText): Set<number> {
  let out = BODIES.get(c);
  if (out) return out;
  out = new Set();
  for (let k = 0; k < c.toks.length; k++) {
    const t = c.toks[k]!;
    if (t.kind !== 'id' || (t.text !== 'struct' && t.text !== 'union')) continue;
    const open = c.toks[k + 1]?.text === '{' ? k + 1 : c.toks[k + 1]?.kind === 'id' && c.toks[k + 2]?.text === '{' ? k + 2 : -1;
    if (open < 0) continue;
    const close = c.match.get(open)!;
    for (let j = open; j <= close; j++) out.add(j);
    k = close;
  }
  BODIES.set(c, out);
  return out;
}

function stubDecl(types: CTypes, name: string, fn: IrFunction): string {
  const ret = types.name(fn.returns.type);
  return `extern ${ret}${ret.endsWith('*') ? '' : ' '}${name}(${fn.params.length ? fn.params.map((p) => types.declare(p.type, p.name)).join(', ') : 'void'})`;
}

function userKey(defs: Map<string, { u: Unit; s: Stmt }>, u: Unit, s: Stmt): string | undefined {
  for (const [key, d] of defs) if (d.s === s && d.u === u) return key;
  return undefined;
}

function toksOf(c: CText, s: Stmt): CText['toks'] {
  return c.toks.slice(s.first, s.last + 1);
}

/** A declaration `T name(params);` with no initializer. */
function isPrototype(c: CText, s: Stmt): boolean {
  let paren = 0;
  for (let k = s.first; k <= s.last; k++) {
    const t = c.toks[k]!.text;
    if (t === '(') paren++;
    else if (t === ')') paren--;
    else if (paren === 0 && (t === '=' || t === '{')) return false;
  }
  const callee = s.callee!;
  return toksOf(c, s).some((t, i, all) => t.text === callee && all[i + 1]?.text === '(');
}

const VAR_ATTRIBUTES = /^__(read_mostly|initdata|initconst|exitdata|refdata|maybe_unused|used|cacheline_aligned\w*|ro_after_init)$/;

/** The name a top-level `static` variable definition declares (one declarator only), else null. */
function staticVarName(c: CText, s: Stmt): string | null {
  // Only what is outside braces (a struct's body, an initializer) declares the variable.
  const ts: CText['toks'] = [];
  let brace = 0;
  for (const t of toksOf(c, s)) {
    if (t.text === '{') brace++;
    else if (t.text === '}') brace--;
    else if (brace === 0) ts.push(t);
  }
  const specifiers = ts.slice(0, Math.max(0, ts.findIndex((t) => t.text === '=')) || ts.length);
  // A const one that nothing uses does not warn (kbuild turns -Wunused-const-variable off), and
  // the driver's ops tables are const: the u-driver refers to them, so they stay.
  if (!specifiers.some((t) => t.text === 'static') || specifiers.some((t) => t.text === 'const')) return null;
  let paren = 0;
  let bracket = 0;
  let name: string | null = null;
  for (const t of ts) {
    if (t.text === '(') paren++;
    else if (t.text === ')') paren--;
    else if (t.text === '[') bracket++;
    else if (t.text === ']') bracket--;
    else if (paren === 0 && bracket === 0) {
      if (t.text === '=' || t.text === ';') break;
      if (t.text === ',') return null;
      if (t.kind === 'id' && !VAR_ATTRIBUTES.test(t.text)) name = t.text;
    }
    // A macro call or a function declarator: not a plain variable.
    if (t.text === '(' && paren === 1) return null;
  }
  return name;
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

/** Removes tokens first..last: comments and code go, newlines and preprocessor lines stay. */
function drop(c: CText, first: number, last: number): { start: number; end: number; text: string } {
  const start = c.toks[first]!.start;
  const end = c.toks[last]!.end;
  let text = keep(c, start, end);
  // Never glue two identifiers together.
  if (/\w/.test(c.text[start - 1] ?? '') && /\w/.test(c.text[end] ?? '')) text += ' ';
  return { start, end, text };
}

/** The newlines and preprocessor lines of text[start, end). */
function keep(c: CText, start: number, end: number): string {
  let out = '';
  let k = start;
  for (const [ds, de] of c.directives) {
    if (de <= start || ds >= end) continue;
    out += c.text.slice(k, Math.max(k, ds)).replace(/[^\n]/g, '');
    out += c.text.slice(Math.max(ds, k), Math.min(de, end));
    k = Math.min(de, end);
  }
  out += c.text.slice(k, end).replace(/[^\n]/g, '');
  return out;
}

function apply(text: string, edits: { start: number; end: number; text: string }[]): string {
  const sorted = [...edits].sort((a, b) => a.start - b.start);
  let out = '';
  let at = 0;
  for (const e of sorted) {
    if (e.start < at) continue; // nested in an edit already made (a body inside a removed range)
    out += text.slice(at, e.start) + e.text;
    at = e.end;
  }
  return out + text.slice(at);
}

/** The main source file of a unit: a `.i`'s first line marker, else the file itself. */
function unitSource(file: string): string {
  if (!file.endsWith('.i')) return file;
  const fd = fs.openSync(file, 'r');
  try {
    const buf = Buffer.alloc(4096);
    const n = fs.readSync(fd, buf, 0, buf.length, 0);
    const m = /^# \d+ "([^"<][^"]*)"/m.exec(buf.subarray(0, n).toString('utf8'));
    return m ? path.resolve(m[1]!) : file.replace(/\.i$/, '.c');
  } finally {
    fs.closeSync(fd);
  }
}

/** The files under dir a preprocessed unit's line markers name (its own headers). */
function includedOwn(file: string, dir: string): string[] {
  const got = readInput(file);
  // split read every unit already: one that cannot be read now has no headers to add.
  const text = 'text' in got ? got.text : '';
  const out = new Set<string>();
  for (const m of text.matchAll(/^# \d+ "([^"<][^"]*)"/gm)) {
    // kbuild writes the driver's files as absolute paths and the kernel's relative to the kernel
    // tree it ran in: a relative marker that names no file under dir is the kernel's.
    const abs = path.resolve(m[1]!);
    if (abs.startsWith(dir + path.sep) && fs.statSync(abs, { throwIfNoEntry: false })?.isFile()) out.add(rel(dir, abs));
  }
  return [...out];
}

function rel(dir: string, abs: string): string {
  return path.relative(dir, abs).split(path.sep).join('/');
}

function fail(diagnostics: Diagnostic[], ...more: Diagnostic[]): EmitOutput {
  return { files: null, diagnostics: sortDiagnostics([...diagnostics, ...more]) };
}

function located(file: string, line: number, column: number, message: string): Diagnostic {
  return { severity: 'error', code: 'split-emit', message, loc: { file, line, column, offset: 0, endOffset: 0, endLine: line, endColumn: column + 1 } };
}
