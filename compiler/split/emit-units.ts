// What both halves of `split --emit` do to the driver's original sources: read the units and the
// driver's headers they include, find each function the split placed where clang's debug info puts
// it, compile the interface in memory, decide which of a set of removable functions the remaining
// code still names (a fixpoint over identifiers, with the static data only removed code used),
// and cut text so that every line keeps its number. The k-driver (emit.ts) removes user-side
// functions; the u-driver (emit-udriver.ts) removes kernel-side ones.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { sortDiagnostics, type Diagnostic } from '../../idl/diagnostics.js';
import { readInput } from '../../idl/read-input.js';
import type { GeneratedFile } from '../backends/types.js';
import type { CTypes } from '../backends/c/ctypes.js';
import type { IrFunction, IrProgram } from '../ir/types.js';
import { frontEnd } from '../pipeline.js';
import { CTextError, returnType, scanC, type CText, type Stmt } from './emit-ctext.js';
import { driverDir } from './frontend.js';
import type { SplitResult } from './index.js';
import type { HeaderParams } from './idl.js';

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
  /**
   * Kernel functions (not the driver's) the u-driver names and binds placeholders for
   * (`EmitOutput.kernelNamed` of the u-driver: INIT_DELAYED_WORK's delayed_work_timer_fn): the
   * k-driver binds them to themselves, so the u-driver's timers and tables reach the real ones.
   */
  kernelBound?: string[];
  /** The units' header parameter names (`IdlOutput.header`), when `lowerInterface` has read them already. */
  header?: HeaderParams;
}

export interface EmitOutput {
  /** Paths relative to DIR (all under kdriver/ or udriver/), sorted; null on errors. */
  files: GeneratedFile[] | null;
  diagnostics: Diagnostic[];
  /** The u-driver's: the kernel functions it binds placeholders for by name (`EmitInput.kernelBound`). */
  kernelNamed?: string[];
}

export interface Unit {
  /** Display path relative to the driver's folder. */
  rel: string;
  abs: string;
  c: CText;
  /** A translation unit's main file (its object is built), or a file the units include. */
  main: boolean;
  edits: Edit[];
  tail: { proto: string; call: string }[];
  /** Static kernel-side functions only user-side code referenced. */
  handed: string[];
  /** Kernel-side functions defined here that user-side code names as values (bound by name). */
  bound: string[];
}

export interface Edit {
  start: number;
  end: number;
  text: string;
}

export type Def = { u: Unit; s: Stmt };

/** The driver's sources, read and scanned: the units with functions, and the headers to copy. */
export interface DriverSources {
  dir: string;
  unitFiles: string[];
  /** Main files of the translation units, relative to dir. */
  mains: Set<string>;
  units: Map<string, Unit>;
  /** The driver's own headers the units include and that hold no function, as they are. */
  headers: { path: string; content: string }[];
}

export function readSources(input: EmitInput, diagnostics: Diagnostic[]): DriverSources | null {
  const r = input.result;
  const unitFiles = input.files.map((f) => path.resolve(f));
  const dir = driverDir(unitFiles);
  const mains = new Set(unitFiles.map(unitSource).map((f) => rel(dir, f)));
  const units = new Map<string, Unit>();
  const names = new Set<string>();
  for (const f of unitFiles) if (f.endsWith('.i')) for (const h of includedOwn(f, dir)) if (!(h in r.sourceLines) && !mains.has(h)) names.add(h);
  const headers: { path: string; content: string }[] = [];
  for (const h of [...names].sort()) {
    const got = readInput(path.join(dir, h));
    if ('problem' in got) diagnostics.push(located(path.join(dir, h), 1, 1, `cannot read the driver's header: ${got.problem}`));
    else headers.push({ path: h, content: got.text });
  }
  for (const file of Object.keys(r.sourceLines).sort()) {
    const abs = path.join(dir, file);
    const got = readInput(abs);
    if ('problem' in got) {
      diagnostics.push(located(abs, 1, 1, `cannot read the driver's source: ${got.problem}`));
      continue;
    }
    try {
      units.set(file, { rel: file, abs, c: scanC(got.text), main: mains.has(file), edits: [], tail: [], handed: [], bound: [] });
    } catch (e) {
      if (!(e instanceof CTextError)) throw e;
      diagnostics.push(located(abs, e.line, e.col, e.message));
    }
  }
  for (const m of mains) if (!units.has(m) && !diagnostics.length) diagnostics.push(located(path.join(dir, m), 1, 1, 'a unit whose main file split did not see'));
  return diagnostics.length ? null : { dir, unitFiles, mains, units, headers };
}

/** The interface, compiled in memory (its IR names the stubs), or null with its errors. */
export function compileInterface(idl: string, at: string, diagnostics: Diagnostic[]): { module: string; ir: IrProgram } | null {
  const module = /^module (\w+)/m.exec(idl)?.[1];
  if (!module) {
    diagnostics.push(located(at, 1, 1, 'the interface has no module declaration'));
    return null;
  }
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mdidl-emit-'));
  let fe: ReturnType<typeof frontEnd>;
  try {
    const mdl = path.join(tmp, `${module}.mdl`);
    fs.writeFileSync(mdl, idl);
    fe = frontEnd([mdl], { displayName: () => `${module}.mdl` });
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  diagnostics.push(...fe.diagnostics.filter((d) => d.severity === 'error'));
  return fe.ir ? { module, ir: fe.ir } : null;
}

/** Each function's definition the split placed, found where the debug info puts its name, by side. */
export function findDefinitions(r: SplitResult, units: Map<string, Unit>, diagnostics: Diagnostic[]): { user: Map<string, Def>; kernel: Map<string, Def> } {
  const user = new Map<string, Def>();
  const kernel = new Map<string, Def>();
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
    (f.side === 'user' ? user : kernel).set(f.fn, { u, s: best });
  }
  return { user, kernel };
}

/** The module's init and exit (by split key), and the `module_init(...)`/`module_exit(...)` lines naming them. */
export function moduleInitExit(r: SplitResult, units: Map<string, Unit>, defs: Map<string, Def>): { keys: Set<string>; init?: string; lines: Set<Stmt> } {
  const initExit = r.entries.filter((e) => e.how === 'module_init' || e.how === 'module_exit');
  const keys = new Set(initExit.map((e) => e.fn));
  const byName = new Map<string, string>();
  for (const key of defs.keys()) byName.set(key.replace(/@.*$/, ''), key);
  const lines = new Set<Stmt>();
  for (const u of units.values()) {
    for (const s of u.c.stmts) {
      if (s.fn || (s.callee !== 'module_init' && s.callee !== 'module_exit')) continue;
      if (toksOf(u.c, s).some((t) => keys.has(byName.get(t.text) ?? ''))) lines.add(s);
    }
  }
  const init = initExit.find((e) => e.how === 'module_init')?.fn;
  return { keys, ...(init !== undefined ? { init } : {}), lines };
}

export interface Reach {
  /** The removable functions (by key) the remaining code names: they keep a (new) body. */
  kept: Set<string>;
  /** Prototypes of removable functions, by statement. */
  prototypes: Map<Stmt, string>;
  /** Non-const static data only removed code used. */
  removedVars: Set<Stmt>;
  /** Whether a name is used by what stays (a static one in its own unit). */
  used(u: Unit, name: string, isStatic: boolean): boolean;
}

/**
 * Which of the removable functions the code that stays still names, computed to a fixpoint with the
 * static data only removed code used. "Names" is the identifiers of what stays: the other functions,
 * tables, macro calls and the bodies of the #defines in use; member names (`uhci->check_and_reset_hc`,
 * `.probe =`, fields in a struct's body) and a definition's own name are no uses. `dropped` are
 * removable functions that go whatever names them; `extraUses` are names something outside the units
 * uses (the glue's accessor of the driver's table).
 */
export function reach(units: Map<string, Unit>, removable: Map<string, Def>, stays: Map<string, Def>, dropped: Set<string>, droppedLines: Set<Stmt>, extraUses: { unit: Unit; name: string }[]): Reach {
  const byName = new Map<string, string>(); // name -> key
  for (const key of removable.keys()) byName.set(key.replace(/@.*$/, ''), key);
  const stayNames = new Set([...stays.keys()].map((k) => k.replace(/@.*$/, '')));
  const prototypes = new Map<Stmt, string>();
  // A prototype is no use of a function: those of functions that stay stay, but do not count.
  const otherPrototypes = new Set<Stmt>();
  for (const u of units.values()) {
    for (const s of u.c.stmts) {
      if (s.fn || s.callee === undefined) continue;
      if (byName.has(s.callee) && isPrototype(u.c, s)) prototypes.set(s, byName.get(s.callee)!);
      else if (stayNames.has(s.callee) && isPrototype(u.c, s)) otherPrototypes.add(s);
    }
  }
  const staticVars = new Map<Stmt, string>();
  const unitOf = new Map<Stmt, Unit>();
  for (const u of units.values()) for (const s of u.c.stmts) {
    unitOf.set(s, u);
    if (s.fn || prototypes.has(s)) continue;
    const v = staticVarName(u.c, s);
    if (v) staticVars.set(s, v);
  }
  // What each #define's body names, by macro (across the units: an included file's macros are its unit's).
  const macros = new Map<string, string[]>();
  for (const u of units.values()) {
    for (const [ds, de] of u.c.directives) {
      const d = /^#\s*define\s+(\w+)(.*)$/s.exec(u.c.text.slice(ds, de));
      if (d) macros.set(d[1]!, [...(macros.get(d[1]!) ?? []), ...(d[2]!.replace(/\/\*[\s\S]*?\*\/|"(?:[^"\\]|\\.)*"/g, ' ').match(/[A-Za-z_]\w*/g) ?? [])]);
    }
  }
  const keyOf = new Map<Stmt, string>();
  for (const [key, d] of removable) keyOf.set(d.s, key);
  const removedVars = new Set<Stmt>();
  let kept = new Set<string>();
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
      const member = (k: number): boolean => isMember(u.c, k);
      const count = (from: number, to: number, skip = -1, own = ''): void => {
        for (let k = from; k <= to; k++) {
          const t = u.c.toks[k]!;
          if (t.kind === 'id' && k !== skip && t.text !== own && !member(k)) m.set(t.text, (m.get(t.text) ?? 0) + 1);
        }
      };
      for (const s of u.c.stmts) {
        if (prototypes.has(s) || otherPrototypes.has(s) || droppedLines.has(s) || removedVars.has(s)) continue;
        const key = s.fn && removable.get(keyOf.get(s) ?? '')?.u === u ? keyOf.get(s) : undefined;
        if (key !== undefined) {
          // A removable function's own text references nothing once it is removed or given a new
          // body (its header's types and attributes may stay, but those are no functions).
          if (kept.has(key)) count(s.first, s.fn!.open - 1, s.fn!.nameTok);
          continue;
        }
        // A variable's own name is no use of it.
        if (staticVars.has(s)) count(s.first, s.last, -1, staticVars.get(s)!);
        // A definition's own name is no use of it (8139too defines rtl8139_tune_twister twice, in
        // two #if branches).
        else count(s.first, s.last, s.fn ? s.fn.nameTok : -1);
      }
    }
    for (const x of extraUses) {
      const m = refs.get(x.unit)!;
      m.set(x.name, (m.get(x.name) ?? 0) + 1);
    }
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
    for (const [key, { u, s }] of removable) {
      if (dropped.has(key)) continue;
      if (used(u, s.fn!.name, returnType(u.c, s).isStatic)) next.add(key);
    }
    let changed = next.size !== kept.size || [...next].some((k) => !kept.has(k));
    kept = next;
    for (const [s, name] of staticVars) {
      if (removedVars.has(s)) continue;
      if (!used(unitOf.get(s)!, name, true)) {
        removedVars.add(s);
        changed = true;
      }
    }
    if (!changed || round > 1000) break;
  }
  return { kept, prototypes, removedVars, used };
}

/** `extern T name(params)`: a stub's prototype, written where the units need it (they never include the interface's header). */
export function stubDecl(types: CTypes, name: string, fn: IrFunction): string {
  const ret = types.name(fn.returns.type);
  return `extern ${ret}${ret.endsWith('*') ? '' : ' '}${name}(${fn.params.length ? fn.params.map((p) => types.declare(p.type, p.name)).join(', ') : 'void'})`;
}

/** The unit a statement belongs to. */
export function unitOfStmt(units: Map<string, Unit>, s: Stmt): Unit {
  return [...units.values()].find((x) => x.c.stmts.includes(s))!;
}

/** The `#include <...>` lines of the units' main files, in their order, each once. */
export function kernelHeadersOf(units: Map<string, Unit>, mains: Set<string>): string[] {
  const out: string[] = [];
  for (const m of [...mains].sort()) {
    const u = units.get(m)!;
    for (const [ds, de] of u.c.directives) {
      const inc = /^#\s*include\s*(<[^>]+>)/.exec(u.c.text.slice(ds, de));
      if (inc && !out.includes(inc[1]!)) out.push(inc[1]!);
    }
  }
  return out;
}

/**
 * Whether token k is a member of that name (`uhci->check_and_reset_hc`, `.probe =`, a field
 * declared in a struct's body): no use of a function.
 */
export function isMember(c: CText, k: number): boolean {
  if (typeBodies(c).has(k)) return true;
  const p = c.toks[k - 1]?.text;
  return p === '.' || (p === '>' && c.toks[k - 2]?.text === '-' && c.toks[k - 2]!.end === c.toks[k - 1]!.start);
}

/** Token indices inside struct and union bodies (`struct x { ... }`), where names are fields. */
const BODIES = new WeakMap<CText, Set<number>>();
export function typeBodies(c: CText): Set<number> {
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

export function toksOf(c: CText, s: Stmt): CText['toks'] {
  return c.toks.slice(s.first, s.last + 1);
}

/** A declaration `T name(params);` with no initializer. */
export function isPrototype(c: CText, s: Stmt): boolean {
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
export function staticVarName(c: CText, s: Stmt): string | null {
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

/** Removes tokens first..last: comments and code go, newlines and preprocessor lines stay. */
export function drop(c: CText, first: number, last: number): Edit {
  const start = c.toks[first]!.start;
  const end = c.toks[last]!.end;
  let text = keep(c, start, end);
  // Never glue two identifiers together.
  if (/\w/.test(c.text[start - 1] ?? '') && /\w/.test(c.text[end] ?? '')) text += ' ';
  return { start, end, text };
}

/** A new body on the line of the function's opening brace (the lines inside it stay, empty). */
export function rebody(c: CText, s: Stmt, body: string): Edit {
  const open = c.toks[s.fn!.open]!;
  const close = c.toks[s.fn!.close]!;
  return { start: open.start, end: close.end, text: body + keep(c, open.end, close.start) };
}

/** The newlines and preprocessor lines of text[start, end). */
export function keep(c: CText, start: number, end: number): string {
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

export function apply(text: string, edits: Edit[]): string {
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
export function unitSource(file: string): string {
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

export function rel(dir: string, abs: string): string {
  return path.relative(dir, abs).split(path.sep).join('/');
}

export function fail(diagnostics: Diagnostic[], ...more: Diagnostic[]): EmitOutput {
  return { files: null, diagnostics: sortDiagnostics([...diagnostics, ...more]) };
}

export function located(file: string, line: number, column: number, message: string): Diagnostic {
  return { severity: 'error', code: 'split-emit', message, loc: { file, line, column, offset: 0, endOffset: 0, endLine: line, endColumn: column + 1 } };
}

/** Macros that define a driver's ops table: the table's name is their first argument. */
const TABLE_MACROS: Record<string, string> = {
  SIMPLE_DEV_PM_OPS: 'dev_pm_ops',
  DEFINE_SIMPLE_DEV_PM_OPS: 'dev_pm_ops',
  UNIVERSAL_DEV_PM_OPS: 'dev_pm_ops',
};

/** The definition of a `struct <type>` variable in the units (`struct pci_driver e1000_driver = {`). */
export function findTable(units: Map<string, Unit>, type: string): { name: string; unit: Unit } | null {
  for (const u of [...units.values()].sort((a, b) => (a.rel < b.rel ? -1 : a.rel > b.rel ? 1 : 0))) {
    for (const s of u.c.stmts) {
      if (s.fn) continue;
      const name = tableName(u.c, s, type);
      if (name) return { name, unit: u };
    }
  }
  return null;
}

function tableName(c: CText, s: Stmt, type: string): string | null {
  if (s.callee !== undefined && TABLE_MACROS[s.callee] === type) {
    for (let k = s.first; k < s.last; k++) if (c.toks[k]!.text === s.callee && c.toks[k + 1]?.text === '(' && c.toks[k + 2]?.kind === 'id') return c.toks[k + 2]!.text;
  }
  for (let k = s.first; k + 3 <= s.last; k++) {
    if (c.toks[k]!.text === 'struct' && c.toks[k + 1]!.text === type && c.toks[k + 2]!.kind === 'id' && c.toks[k + 3]!.text === '=') return c.toks[k + 2]!.text;
  }
  return null;
}
