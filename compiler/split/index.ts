// `mdidl split`, end to end: clang → LLVM IR → linked program → call graph → entry points and
// critical roots → partition → the interface (upcalls, downcalls) with access sets. Everything in
// the result is relative to the driver's folder, so it is byte-stable wherever the driver sits.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { sortDiagnostics, type Diagnostic } from '../../idl/diagnostics.js';
import { BUILTIN_SIDECAR } from '../lower/index.js';
import { loadSidecar, loadSidecars, type Sidecar } from '../sidecar/index.js';
import { accessPaths, paramsOf, sidesOf, transitiveAccess, type Access } from './access.js';
import { buildCallGraph } from './callgraph.js';
import { findEntries, type Entry, type WorkItem } from './entries.js';
import { cName } from './fields.js';
import { compileUnits, driverDir } from './frontend.js';
import { criticalRoots, partition, type Root, type Side } from './partition.js';
import { privateEdges } from './private-area.js';
import { linkProgram, type Program } from './program.js';
import { sourceCriticals } from './source-annotations.js';
import { callBytes } from './wire-size.js';

export interface SplitInput {
  /** Preprocessed units (.i) or C files of one driver. */
  files: string[];
  sidecars?: string[];
  /** Name of the driver in outputs (default: the first unit's name). */
  name?: string;
  clang?: string;
  /** Kernel services' summaries from mdidl's built-in sidecar (default true), after the sidecars'. */
  builtinSidecar?: boolean;
}

export interface FunctionInfo {
  fn: string;
  file: string;
  line: number;
  lines: number;
  side: Side;
  why: string;
  root?: string;
  path?: string[];
}

export interface Crossing {
  fn: string;
  /** upcall: a user-mode function the kernel calls. downcall: a kernel function user-mode code calls. */
  role: 'upcall' | 'downcall';
  /** For downcalls: a k-driver function or a kernel service. */
  target?: 'k-driver' | 'kernel';
  /** How the kernel reaches an upcall; which user functions call a downcall. */
  via: string[];
  params: string[];
  reads: string[];
  writes: string[];
  /** Where the access sets come from. */
  /** Where the access sets come from: the analysis, a sidecar, the built-in sidecar, the default. */
  source: 'analysis' | 'sidecar' | 'builtin' | 'default';
  /** Accessed members the parameters do not reach. */
  unreached?: string[];
  /** A variadic kernel service (printk and friends): no IDL function can carry it. */
  variadic?: boolean;
  /** Bytes of the call and its reply on the wire, with the access sets and with everything reachable. */
  bytes?: { pruned: number; full: number };
  /**
   * A work function (docs/split.md, "Work items"): the kernel runs the work item embedded at
   * `member` of `owner`, so the upcall carries that struct (`params` is its one parameter, and the
   * access sets are paths from it) and the u-driver hands the function its own member.
   */
  work?: WorkItem;
  /**
   * For kernel services on work items (queue_delayed_work_on, cancel_work_sync): the parameters
   * that point at one, with the struct and members holding the driver's work items of that type.
   */
  workParams?: { index: number; owner: string; members: string[] }[];
  /**
   * An upcall through an ops-table member whose parameter a sidecar says `sized(e) max(n)` (the
   * built-in linux.mda for ethtool's): the member, the parameter by the header's name, the kernel C
   * expression over the header's names, the bound (docs/split.md, "Buffers the kernel sizes").
   */
  sized?: { member: string; param: string; expr: string; max: string; builtin?: true };
}

export interface SplitResult {
  driver: string;
  units: string[];
  functions: FunctionInfo[];
  entries: Entry[];
  roots: Root[];
  crossings: Crossing[];
  edges: { from: string; to: string; indirect: boolean }[];
  /** Physical lines of the driver's own source files, by display path. */
  sourceLines: Record<string, number>;
  /** Annotation lines: in sidecars, and MDL_ annotations in the driver's sources. */
  annotations: { sidecar: number; source: number };
  /** Kernel services user-mode code calls with the conservative default access sets. */
  defaulted: string[];
  /**
   * The private area: `owner.member` carriers the code converts to a struct, that struct, and whether
   * the carrier is a pointer field (`[as(T)]` can say it) or computed (netdev_priv, a flexible array).
   */
  privateArea: Record<string, { to: string; carrier: 'pointer' | 'computed' }>;
  timing: { clangMs: number; readMs: number; analysisMs: number };
}

/** The parameter of a work function's upcall: the struct that embeds its work item. */
export const WORK_PARAM = 'owner';

/** Summaries of common kernel services, shipped with mdidl (docs/split.md). */
export const SERVICES_SIDECAR = new URL('../../../compiler/sidecar/builtin/linux-services.mda', import.meta.url);

export async function splitDriver(input: SplitInput): Promise<{ result: SplitResult | null; diagnostics: Diagnostic[] }> {
  const files = input.files.map((f) => path.resolve(f));
  // clang runs in processes of its own: what needs no IR (the sidecars, MDL_CRITICAL in the
  // preprocessed text) is read meanwhile, on this thread.
  const cancel = new AbortController();
  const compiling = compileUnits(files, input.clang, cancel.signal);
  const { sidecars, diagnostics } = loadSidecars(input.sidecars ?? []);
  if (diagnostics.length) {
    cancel.abort();
    await compiling;
    return { result: null, diagnostics: sortDiagnostics(diagnostics) };
  }
  const builtinSidecar = (input.builtinSidecar ?? true) ? loadSidecar(fileURLToPath(SERVICES_SIDECAR)) : null;
  const kernelConventions = (input.builtinSidecar ?? true) ? loadSidecar(fileURLToPath(BUILTIN_SIDECAR)) : null;
  diagnostics.push(...(kernelConventions?.diagnostics ?? []));
  const sized = sizedMembers(sidecars, kernelConventions?.sidecar ?? null);
  const sourceMarks = sourceCriticals(files);
  const fe = await compiling;
  diagnostics.push(...fe.diagnostics);
  if (diagnostics.some((d) => d.severity === 'error')) return { result: null, diagnostics: sortDiagnostics(diagnostics) };
  const t0 = performance.now();
  const dir = driverDir(files);
  const p = linkProgram(fe.modules, dir);
  const g = buildCallGraph(p);
  const entries = findEntries(p);

  // Roles from the sidecars and from MDL_CRITICAL in the sources.
  const extra: Root[] = [];
  const summaries = new Map<string, { reads: string[]; writes: string[] }>();
  const criticalMembers = new Set<string>();
  for (const sc of sidecars) {
    for (const e of sc.entries) {
      const names = e.attrs.map((a) => a.name);
      if (e.target.kind === 'function') {
        const fn = findOwn(p, e.target.name);
        if (names.includes('mdl_critical')) {
          if (fn) extra.push({ fn, why: `critical in ${path.basename(sc.file)}:${e.loc.line}` });
          else diagnostics.push(located(e.loc, `'${e.target.name}' is not a function of this driver`));
        }
        const reads = e.attrs.filter((a) => a.name === 'mdl_reads').flatMap((a) => a.args.map(pathText));
        const writes = e.attrs.filter((a) => a.name === 'mdl_writes').flatMap((a) => a.args.map(pathText));
        if (reads.length || writes.length) {
          const s = summaries.get(e.target.name) ?? { reads: [], writes: [] };
          s.reads.push(...reads);
          s.writes.push(...writes);
          summaries.set(e.target.name, s);
        }
      } else if (e.target.kind === 'member' && names.includes('mdl_critical')) {
        criticalMembers.add(`${e.target.owner}.${e.target.member}`);
      }
    }
  }
  // The built-in sidecar summarises common kernel services; a driver's sidecar replaces its entry.
  const builtin = new Set<string>();
  if (builtinSidecar) {
    const r = builtinSidecar;
    diagnostics.push(...r.diagnostics);
    for (const e of r.sidecar?.entries ?? []) {
      if (e.target.kind !== 'function' || summaries.has(e.target.name) && !builtin.has(e.target.name)) continue;
      const reads = e.attrs.filter((a) => a.name === 'mdl_reads');
      const writes = e.attrs.filter((a) => a.name === 'mdl_writes');
      if (!reads.length && !writes.length) continue;
      const r2 = reads.flatMap((a) => a.args.map(pathText)).filter(Boolean);
      const w2 = writes.flatMap((a) => a.args.map(pathText)).filter(Boolean);
      // The entries describe Linux's structs: a kernel that lacks a field they name (a test's mock
      // headers) keeps the conservative default for that service.
      if (!summaryFits(p, e.target.name, [...r2, ...w2])) continue;
      const s = summaries.get(e.target.name) ?? { reads: [], writes: [] };
      s.reads.push(...r2);
      s.writes.push(...w2);
      summaries.set(e.target.name, s);
      builtin.add(e.target.name);
    }
  }
  for (const e of entries) if (!e.critical && criticalMembers.has(e.how)) e.critical = `critical in a sidecar (${e.how})`;
  for (const name of sourceMarks) {
    const fn = findOwn(p, name);
    if (fn) extra.push({ fn, why: 'MDL_CRITICAL' });
  }
  if (diagnostics.some((d) => d.severity === 'error')) return { result: null, diagnostics: sortDiagnostics(diagnostics) };

  const roots = criticalRoots(p, g, entries, extra);
  const placements = partition(p, g, entries, roots);
  const sides = sidesOf(placements);
  const acc = transitiveAccess(p, g, sides, new Map<string, Access>());
  const privateArea = privateEdges(p);

  const functions: FunctionInfo[] = placements.map((pl) => {
    const f = p.fns.get(pl.fn)!;
    return { fn: pl.fn, file: f.file, line: f.line, lines: f.lines, side: pl.side, why: pl.why, ...(pl.root ? { root: pl.root } : {}), ...(pl.path ? { path: pl.path } : {}) };
  });

  // Upcalls: user-mode entry points. Downcalls: kernel code user-mode code calls, through header inlines.
  const crossings: Crossing[] = [];
  const entryHow = new Map<string, string[]>();
  for (const e of entries) entryHow.set(e.fn, [...(entryHow.get(e.fn) ?? []), e.how]);
  const workOf = new Map<string, WorkItem[]>();
  for (const e of entries) if (e.work) workOf.set(e.fn, [...(workOf.get(e.fn) ?? []), e.work]);
  for (const f of functions) {
    if (f.side !== 'user' || !entryHow.has(f.fn)) continue;
    const fn = p.fns.get(f.fn)!;
    // A work function stored in one work item of a struct of the driver's is upcalled with that
    // struct, whose fields it reaches through container_of (one in two members is ambiguous: the
    // function's own parameter stays).
    const works = [...new Map((workOf.get(f.fn) ?? []).map((w) => [`${w.owner}.${w.member}`, w])).values()];
    const owner = works.length === 1 ? fn.module.debug.composite(`struct.${works[0]!.owner}`) : undefined;
    const work = owner !== undefined ? works[0]! : undefined;
    const params = work ? [{ name: WORK_PARAM, composite: owner!, pointer: true }] : paramsOf(fn);
    const ap = accessPaths(p, fn, acc.get(f.fn)!, privateArea.edges, 6, work ? params : undefined);
    const a = acc.get(f.fn)!;
    const how = [...entryHow.get(f.fn)!].sort().find((h) => sized.has(h));
    crossings.push({
      fn: f.fn,
      role: 'upcall',
      via: entryHow.get(f.fn)!,
      params: params.map((x) => x.name),
      reads: ap.reads,
      writes: ap.writes,
      ...(work ? { work } : {}),
      ...(how && !work ? { sized: { member: how, ...sized.get(how)! } } : {}),
      source: 'analysis',
      ...(ap.unreached.length ? { unreached: ap.unreached } : {}),
      bytes: callBytes(fn, a.reads, a.writes),
    });
  }
  const callers = new Map<string, Set<string>>();
  for (const f of functions) {
    if (f.side !== 'user') continue;
    // Walk the user function's calls, through header inlines, to kernel code.
    const seen = new Set<string>([f.fn]);
    const work = [f.fn];
    while (work.length) {
      const cur = work.pop()!;
      for (const e of g.out.get(cur) ?? []) {
        const to = p.fns.get(e.to);
        if (!to || seen.has(e.to)) continue;
        seen.add(e.to);
        // Header inlines, and the small leaves both sides have: the u-driver runs its own copy, so
        // the kernel services it calls are downcalls too (e1000_pci_set_mwi's pci_set_mwi).
        if (to.kind === 'library' || (to.kind === 'own' && sides.get(e.to) === 'both')) work.push(e.to);
        else if (to.kind === 'kernel' || (to.kind === 'own' && sides.get(e.to) === 'kernel')) {
          let s = callers.get(e.to);
          if (!s) callers.set(e.to, (s = new Set()));
          s.add(f.fn);
        }
      }
    }
  }
  // What user-mode code may have changed: the only fields a k-driver downcall needs from the
  // u-driver. The rest the kernel holds already, and the u-driver's copy of a field it never
  // writes (a kernel object's state, its list heads) is at best stale: sent, it would overwrite
  // the kernel's own.
  const userWrites = new Set<string>();
  for (const f of functions) if (f.side === 'user') for (const w of acc.get(f.fn)?.writes ?? []) userWrites.add(w);
  const defaulted: string[] = [];
  for (const key of [...callers.keys()].sort()) {
    const to = p.fns.get(key)!;
    const via = [...callers.get(key)!].sort();
    if (to.kind === 'own') {
      const a = acc.get(key)!;
      const ap = accessPaths(p, to, { reads: new Set([...a.reads].filter((r) => userWrites.has(r))), writes: a.writes }, privateArea.edges);
      crossings.push({ fn: key, role: 'downcall', target: 'k-driver', via, params: paramsOf(to).map((x) => x.name), reads: ap.reads, writes: ap.writes, source: 'analysis', ...(ap.unreached.length ? { unreached: ap.unreached } : {}) });
      continue;
    }
    const params = to.ll.params.map((_, i) => `arg${i + 1}`);
    const variadic = { ...(to.ll.varargs ? { variadic: true } : {}), ...workParamsOf(to.ll.params.map((t) => (t.k === 'ptr' && t.to.k === 'named' ? cName(t.to.name) : null)), crossings) };
    const s = summaries.get(key);
    if (s) {
      crossings.push({ fn: key, role: 'downcall', target: 'kernel', via, params, reads: [...new Set(s.reads)].sort(), writes: [...new Set(s.writes)].sort(), source: builtin.has(key) ? 'builtin' : 'sidecar', ...variadic });
      continue;
    }
    // Conservative: every struct a parameter points at is read and written back, one level deep.
    const structParams = to.ll.params.map((t, i) => (t.k === 'ptr' && t.to.k === 'named' ? `arg${i + 1}.*` : null)).filter((x): x is string => x !== null);
    if (structParams.length) defaulted.push(key);
    crossings.push({ fn: key, role: 'downcall', target: 'kernel', via, params, reads: structParams, writes: structParams, source: 'default', ...variadic });
  }

  const edges: SplitResult['edges'] = [];
  for (const f of functions) for (const e of g.out.get(f.fn) ?? []) if (p.fns.get(e.to)?.kind === 'own') edges.push({ from: e.from, to: e.to, indirect: e.indirect });
  const edgeKey = (e: { from: string; to: string; indirect: boolean }): string => `${e.from}\u0000${e.to}\u0000${e.indirect ? 1 : 0}`;
  const uniq = [...new Map(edges.map((e) => [edgeKey(e), e])).values()].sort((a, b) => (edgeKey(a) < edgeKey(b) ? -1 : 1));

  const sourceLines: Record<string, number> = {};
  let sourceAnnotations = 0;
  for (const f of [...p.ownFiles].sort()) {
    try {
      const text = fs.readFileSync(path.join(dir, f), 'utf8');
      sourceLines[f] = text.split('\n').length - (text.endsWith('\n') ? 1 : 0);
      sourceAnnotations += withoutComments(text)
        .split('\n')
        .filter((l) => /\bMDL_[A-Z_]+/.test(l) && !/^\s*#/.test(l)).length;
    } catch {
      // A source file that is gone: its functions' lines still count, the file's do not.
    }
  }
  return {
    result: {
      driver: input.name ?? path.basename(files[0]!).replace(/\.[^.]*$/, ''),
      units: files.map((f) => path.basename(f)),
      functions,
      entries,
      roots,
      crossings,
      edges: uniq,
      sourceLines,
      annotations: { sidecar: sidecars.reduce((n, s) => n + s.annotationLines, 0), source: sourceAnnotations },
      defaulted,
      privateArea: Object.fromEntries(
        [...privateArea.edges].map(([k, v]) => [k, { to: v.replace(/^(struct|union)\./, ''), carrier: privateArea.computed.has(k) ? 'computed' : 'pointer' }]),
      ),
      timing: { clangMs: Math.round(fe.clangMs), readMs: Math.round(fe.readMs), analysisMs: Math.round(performance.now() - t0) },
    },
    diagnostics: sortDiagnostics(diagnostics),
  };
}

/**
 * The work-item parameters of a kernel service, when the driver's work items of that type all sit
 * in one struct (the u-driver names one of them by its address; docs/split.md, "Work items").
 */
function workParamsOf(pointees: (string | null)[], crossings: Crossing[]): { workParams?: NonNullable<Crossing['workParams']> } {
  const works = crossings.filter((c) => c.work).map((c) => c.work!);
  const owners = new Set(works.map((w) => w.owner));
  if (owners.size !== 1) return {};
  const owner = [...owners][0]!;
  const of: Record<string, string[]> = {
    work_struct: [...new Set(works.map((w) => w.member))].sort(),
    delayed_work: [...new Set(works.flatMap((w) => (w.delayed ? [w.delayed] : [])))].sort(),
  };
  const out = pointees.flatMap((t, index) => (t && of[t]?.length ? [{ index, owner, members: of[t]! }] : []));
  return out.length ? { workParams: out } : {};
}

/** C text with comments blanked (newlines kept), so a comment that mentions MDL_ is not an annotation. */
function withoutComments(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\/|\/\/[^\n]*|"(?:[^"\\\n]|\\.)*"/g, (m) => (m.startsWith('"') ? m : m.replace(/[^\n]/g, ' ')));
}

/** Whether each path's first field is a member of a struct one of the service's parameters points at. */
function summaryFits(p: Program, name: string, paths: string[]): boolean {
  const f = [...p.fns.values()].find((x) => x.kind === 'kernel' && x.name === name);
  if (!f) return false;
  const d = f.module.debug;
  const fields = new Set<string>();
  for (const t of f.ll.params) {
    if (t.k !== 'ptr' || t.to.k !== 'named') continue;
    const comp = d.composite(t.to.name.replace(/^%"?|"$/g, '').replace(/\.\d+$/, ''));
    if (comp !== undefined) for (const m of d.members(comp)) fields.add(m.name);
  }
  return paths.every((x) => fields.has(x.split('.')[1] ?? ''));
}

function findOwn(p: Program, name: string): string | undefined {
  const f = p.fns.get(name);
  if (f?.kind === 'own') return f.key;
  for (const g of p.fns.values()) if (g.kind === 'own' && g.name === name) return g.key;
  return undefined;
}

function pathText(tokens: { text: string }[]): string {
  return tokens.map((t) => t.text).join('').replace(/->/g, '.');
}

function located(loc: { file: string; line: number; column: number }, message: string): Diagnostic {
  return { severity: 'error', code: 'split', message, loc: { file: loc.file, line: loc.line, column: loc.column, offset: 0, endOffset: 0, endLine: loc.line, endColumn: loc.column + 1 } };
}

/** Sized buffers by ops-table member: the driver's sidecars first, then the built-in conventions. */
function sizedMembers(sidecars: Sidecar[], builtin: Sidecar | null): Map<string, { param: string; expr: string; max: string; builtin?: true }> {
  const out = new Map<string, { param: string; expr: string; max: string; builtin?: true }>();
  for (const sc of [...sidecars, ...(builtin ? [builtin] : [])]) {
    for (const e of sc.entries) {
      if (!e.sized || e.target.kind !== 'memberParam') continue;
      const key = `${e.target.owner}.${e.target.member}`;
      // From the built-in file: `split --idl --no-builtin-sidecar` leaves it out, as lower does the rest.
      if (!out.has(key)) out.set(key, { param: e.target.param, expr: e.sized.text, max: e.sized.max, ...(sc === builtin ? { builtin: true as const } : {}) });
    }
  }
  return out;
}
