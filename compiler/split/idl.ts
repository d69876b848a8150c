// The IDL of the split: the partition's roles and access sets written as sidecar entries (the form
// `lower` already reads), handed to `lower` with the driver's own sidecars, so the interface goes
// through the same front end, views of kernel structs and checker as a hand-annotated driver.
// Upcalls are the ops-table members the kernel calls into user mode (the union of the access sets of
// every driver function in that member); downcalls are the kernel services and k-driver functions
// user-mode code calls (with the sidecar's summary, else lower's own default for a function without
// access sets).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Diagnostic } from '../../idl/diagnostics.js';
import type { CType } from '../lower/c-ast.js';
import { parseC } from '../lower/c-parser.js';
import { tokenizePreprocessed } from '../lower/external-cpp.js';
import { lowerFiles } from '../lower/index.js';
import { loadSidecar } from '../sidecar/index.js';
import type { Crossing, SplitResult } from './index.js';
import { trailingAccessor } from './private-area.js';

/** Ops tables whose members cross: tables of function pointers by the kernel's naming convention. */
const TABLE = /(_ops|_driver|_operations)$/;

/** Kernel services the C library also has: user-mode code calls its own. */
const LIBC = new Set(['strlen', 'strnlen', 'strcpy', 'strncpy', 'strscpy', 'strcat', 'strncat', 'strcmp', 'strncmp', 'strchr', 'strrchr', 'strstr', 'memcpy', 'memmove', 'memset', 'memcmp', 'memchr', 'sprintf', 'snprintf', 'scnprintf', 'vsnprintf', 'sscanf']);

/** Parameter names as the kernel's headers declare them: an ops member's, or a service's (null: not declared). */
export type HeaderParams = (target: string) => string[] | null;

/**
 * An ops member's or a service's prototype as the kernel's headers declare it, with the struct each
 * parameter points to ('' for none, through typedefs) (null: not declared).
 */
export type HeaderSignatures = (target: string) => { names: string[]; structs: string[]; type: Extract<CType, { kind: 'function' }> } | null;

/** Header parameter names from every unit, read with lower's C front end (the first unit that declares a name wins). */
export function headerParams(files: string[]): HeaderParams {
  const sigs = headerSignatures(files);
  return (target) => sigs(target)?.names ?? null;
}

/** Header prototypes from every unit (the first unit that declares a name wins). */
export function headerSignatures(files: string[]): HeaderSignatures {
  const lookups = files.map(unitSignatures);
  return (target) => {
    for (const l of lookups) {
      const n = l(target);
      if (n !== null) return n;
    }
    return null;
  };
}

function unitSignatures(file: string): HeaderSignatures {
  const tokens = tokenizePreprocessed(fs.readFileSync(file, 'utf8'), file).tokens;
  const unit = parseC(tokens).unit;
  const signature: HeaderSignatures = (target) => {
    const m = /^(\w+)\.(\w+)$/.exec(target);
    let t: CType | undefined = m ? unit.records.get(m[1]!)?.members.find((x) => x.name === m[2])?.type : fns.get(target);
    for (let guard = 0; guard < 8 && t; guard++) {
      if (t.kind === 'function') return { names: t.params.map((p, i) => p.name ?? `arg${i}`), structs: t.params.map((p) => pointee(p.type)), type: t };
      if (t.kind === 'pointer') t = t.to;
      else if (t.kind === 'typedef') t = unit.typedefs.get(t.name)?.type;
      else return null;
    }
    return null;
  };
  // The struct a pointer parameter points to, through typedefs, in a bounded number of steps.
  const pointee = (t: CType | undefined): string => {
    let pointer = false;
    for (let guard = 0; guard < 8 && t; guard++) {
      if (t.kind === 'typedef') t = unit.typedefs.get(t.name)?.type;
      else if (t.kind === 'pointer' && !pointer) {
        t = t.to;
        pointer = true;
      } else return pointer && t.kind === 'record' && t.record.kind === 'struct' && t.record.tag ? t.record.tag : '';
    }
    return '';
  };
  const fns = new Map<string, CType>();
  for (const d of unit.decls) if (d.kind === 'function') fns.set(d.name, d.type);
  return signature;
}

/** Sidecar text with the split's roles and access sets. Deterministic: sorted by target. */
export function interfaceSidecar(r: SplitResult, header: HeaderParams = () => null, kdriver = true, skipped: ReadonlySet<string> = new Set(), sidecarMembers: ReadonlySet<string> = new Set(), structs: HeaderParams = () => null): string {
  // The private area's pointer carriers (snd_kcontrol.private_data) become `[as(T)]`, so paths go
  // through them; netdev_priv's area (`net_device.priv`, no C member) becomes `[trailing(netdev_priv)]`
  // (docs/idl.md, 5.11); a flexible array (hcd_priv) is a member of another type the IDL cannot
  // retype, and a carrier the driver's sidecar already annotates (`e1000_hw.back: opaque`) keeps
  // that meaning.
  const carriers: [string, string][] = [];
  const trailing: [string, string, string][] = [];
  const blocked = new Set(skipped);
  for (const [key, a] of Object.entries(r.privateArea ?? {})) {
    const accessor = a.carrier === 'computed' ? trailingAccessor(key) : null;
    if (a.carrier === 'pointer' && !sidecarMembers.has(key)) carriers.push([key, a.to]);
    else if (accessor && !sidecarMembers.has(key)) trailing.push([key, accessor, a.to]);
    else if (!accessor) blocked.add(key.slice(key.indexOf('.') + 1));
  }
  // A member a sidecar says `skip` never crosses, and lower refuses an access path naming it: the
  // path goes, as do paths through a blocked carrier (matched by member name, which can only narrow
  // the set).
  // The driver's work items are the k-driver's own (docs/split.md, "Work items"): the u-driver's
  // copies never cross.
  const works = new Set(r.crossings.flatMap((c) => (c.role === 'upcall' && c.work ? [c.work.member.split('.')[0]!] : [])));
  const crosses = (p: string): boolean => !p.split('.').slice(1).some((m) => blocked.has(m) || works.has(m));
  // An ops table crosses as a table id, never as fields: a path into one (the driver calling
  // through netdev->ethtool_ops) stops at the table pointer (by the kernel's naming convention).
  const atTable = (p: string): string => {
    const steps = p.split('.');
    const i = steps.findIndex((m, k) => k > 0 && k < steps.length - 1 && TABLE.test(m));
    return i < 0 ? p : steps.slice(0, i + 1).join('.');
  };
  const usable = (paths: string[]): string[] => [...new Set(paths.filter(crosses).map(atTable))];
  const members = new Map<string, { reads: Set<string>; writes: Set<string>; fns: string[] }>();
  for (const c of r.crossings) {
    // A function in a member that passes a buffer the kernel sized has an upcall of its own (below).
    if (c.role !== 'upcall' || c.sized) continue;
    for (const how of c.via) {
      const m = /^(\w+)\.(\w+)$/.exec(how);
      if (!m || !TABLE.test(m[1]!)) continue;
      let e = members.get(how);
      if (!e) members.set(how, (e = { reads: new Set(), writes: new Set(), fns: [] }));
      // The driver's function may name its parameters otherwise than the header's member does.
      const names = header(how);
      const rename = (p: string): string | null => {
        const dot = p.indexOf('.');
        const i = c.params.indexOf(p.slice(0, dot));
        if (!names) return p;
        return i >= 0 && names[i] ? names[i] + p.slice(dot) : null;
      };
      for (const x of usable(c.reads)) {
        const y = rename(x);
        if (y) e.reads.add(y);
      }
      for (const x of usable(c.writes)) {
        const y = rename(x);
        if (y) e.writes.add(y);
      }
      e.fns.push(c.fn);
    }
  }
  const arrow = (p: string): string => p.replace(/\./g, '->');
  const sets = (reads: Iterable<string>, writes: Iterable<string>): string =>
    ` reads(${[...reads].sort().map(arrow).join(', ')}) writes(${[...writes].sort().map(arrow).join(', ')})`;
  const lines = [`# generated by mdidl split from ${r.units.join(', ')}: the roles and access sets it found`];
  for (const [key, to] of carriers) lines.push(`${key}: as(${to})   # the private area, as the driver converts it`);
  for (const [key, accessor, to] of trailing) lines.push(`${key}: trailing(${accessor}, ${to})   # the private area after the object, as ${accessor}() finds it`);
  for (const [member, e] of [...members].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
    lines.push(`${member}: upcall${sets(e.reads, e.writes)}   # ${e.fns.sort().join(', ')}`);
  }
  // Work functions: an upcall of their own with the struct that embeds the work item (declared
  // for lower by workDeclarations).
  for (const c of r.crossings) {
    if (c.role !== 'upcall' || !c.work) continue;
    lines.push(`${workUpcallName(c.fn)}: upcall${sets(usable(c.reads), usable(c.writes))}   # ${c.fn}, the work item ${c.work.owner}.${c.work.member}`);
  }
  // Functions in a member whose buffer the kernel sized: an upcall of their own, with the buffer's
  // length (declared for lower by sizedDeclarations; the access sets are the function's, by its
  // own parameter names).
  for (const c of r.crossings) {
    if (c.role !== 'upcall' || !c.sized) continue;
    const shape = sizedShape(c, header);
    if (typeof shape === 'string') {
      lines.push(`# ${c.fn}: ${shape}`);
      continue;
    }
    const name = sizedUpcallName(c.fn);
    lines.push(`${name}: upcall${sets(usable(c.reads), usable(c.writes))}   # ${c.fn}, ${c.sized.member}(${c.sized.param}) sized by the kernel`);
    lines.push(`${name}(${shape.params[shape.buffer]}): out count(${shape.len}) max(${c.sized.max})`);
  }
  // A PCI driver's device, handed to a restarted u-driver (docs/split.md, "Restarting the u-driver"):
  // first what it needs to map the registers again, then what any call reads or writes of it.
  if (resyncProbe(r)) {
    lines.push(`${RESYNC.regions}: upcall reads(pdev->resource) writes()   # a restarted u-driver maps the device's registers again`);
    lines.push(`${RESYNC.device}: upcall${sets(resyncPaths(r, usable, header, structs), [])}   # and is handed what any call reads or writes of the device`);
  }
  const annotated = new Set(r.roots.filter((x) => x.why === 'MDL_CRITICAL' || x.why.startsWith('critical in ')).map((x) => x.fn));
  const recast = recastOf(r);
  // k-driver functions user-mode code calls: downcalls with the access sets the analysis found,
  // when a unit declares them.
  for (const c of r.crossings) {
    if (c.role !== 'downcall' || c.target !== 'k-driver') continue;
    if (!kdriver) {
      lines.push(`# ${c.fn}: k-driver downcall left out (lower rejected the interface with them)`);
      continue;
    }
    // Annotated critical in a sidecar and called from user mode: it runs in the kernel, as every
    // critical root does, and the u-driver's calls cross to it as downcalls (as for a root the
    // analysis found); this role takes the place of the sidecar's (recastOf). MDL_CRITICAL in the
    // source is the declaration's own role: lower keeps it.
    if (annotated.has(c.fn) && !recast.has(c.fn)) {
      lines.push(`# ${c.fn}: annotated critical, called from user mode`);
      continue;
    }
    const names = header(c.fn);
    if (names === null) {
      lines.push(`# ${c.fn}: not declared in the units, not in the interface`);
      continue;
    }
    const rename = (p: string): string | null => {
      const dot = p.indexOf('.');
      const i = c.params.indexOf(p.slice(0, dot));
      return i >= 0 && names[i] ? names[i] + p.slice(dot) : null;
    };
    const reads = usable(c.reads).map(rename).filter((x): x is string => x !== null);
    const writes = usable(c.writes).map(rename).filter((x): x is string => x !== null);
    lines.push(`${c.fn}: downcall${sets(reads, writes)}`);
  }
  for (const c of r.crossings) {
    if (c.role !== 'downcall' || c.target !== 'kernel') continue;
    // Variadic services (printk, dev_info) cannot be IDL functions: the u-driver formats the text
    // itself and logs through a fixed-argument downcall of its runtime.
    if (c.variadic) {
      lines.push(`# ${c.fn}: variadic, not in the interface`);
      continue;
    }
    // Calls the C never declares (static-call trampolines such as __SCT__cond_resched) have no
    // prototype for lower to attach a role to.
    if (header(c.fn) === null) {
      lines.push(`# ${c.fn}: not declared in the C, not in the interface`);
      continue;
    }
    // String and memory helpers: the u-driver has its C library (and the kernel defines several of
    // them as macros, so an interface member of that name would not build).
    if (LIBC.has(c.fn)) {
      lines.push(`# ${c.fn}: the u-driver's C library provides it, not in the interface`);
      continue;
    }
    // A summary from the driver's sidecar is already there; one from the built-in sidecar is said
    // here, since lower applies the built-in one only to what no sidecar names; lower's default
    // covers the rest.
    lines.push(c.source === 'builtin' ? `${c.fn}: downcall${sets(c.reads, c.writes)}   # built-in summary` : `${c.fn}: downcall`);
    // A work item the u-driver names is one of the driver's, inside the struct that embeds it.
    for (const w of c.workParams ?? []) {
      // A work item a sidecar skips is bytes in the interface, where no container can point.
      if (w.members.some((m) => skipped.has(m.split('.')[0]!))) continue;
      const name = header(c.fn)?.[w.index] ?? `arg${w.index}`;
      lines.push(`${c.fn}(${name}): container(${w.owner}, ${w.members.join(' | ')})   # the driver's work items`);
    }
  }
  return lines.join('\n') + '\n';
}

/** The interface's name for the upcall of a function whose buffer the kernel sizes. */
export function sizedUpcallName(fn: string): string {
  return `sized_${fn.replace(/@.*$/, '')}`;
}

/**
 * A sized upcall's parameters: the function's own names, the buffer's index among them, and the
 * length's name (appended); or why it has none (the sidecar names no parameter of the member, or
 * one that is no pointer).
 */
export function sizedShape(c: Crossing, header: HeaderParams): { params: string[]; buffer: number; len: string } | string {
  const s = c.sized!;
  const names = header(s.member);
  if (names === null) return `${s.member} is not declared in the units, so its sized buffer cannot cross`;
  const buffer = names.indexOf(s.param);
  if (buffer < 0) return `${s.member} has no parameter '${s.param}' (it has ${names.join(', ')}): its sized buffer cannot cross`;
  if (names.length !== c.params.length) return `${c.fn} takes ${c.params.length} parameters and ${s.member} ${names.length}`;
  const params = c.params.map((p, i) => p || names[i]!);
  let len = 'len';
  while (params.includes(len)) len += '_';
  return { params, buffer, len };
}

/** The interface's name for a work function's upcall (the function keeps its own name and type). */
export function workUpcallName(fn: string): string {
  return `work_${fn.replace(/@.*$/, '')}`;
}

/**
 * What a restarted u-driver is handed of the device: every path any upcall or downcall reads or
 * writes, moved to start at the PCI device. A parameter's struct is reached from it through the embedded `dev` and the
 * private areas' carriers (device.driver_data to the net_device, net_device.priv to the adapter); a
 * path from a parameter of any other struct (an ethtool request) is the call's own, not the device's.
 */
function resyncPaths(r: SplitResult, usable: (paths: string[]) => string[], header: HeaderParams, structs: HeaderParams): string[] {
  const root = new Map<string, string>([
    ['pci_dev', 'pdev'],
    ['device', 'pdev.dev'],
  ]);
  const areas = Object.entries(r.privateArea ?? {});
  for (let grew = true, rounds = 0; grew && rounds <= areas.length; rounds++) {
    grew = false;
    for (const [key, a] of areas) {
      const [owner, member] = key.split('.') as [string, string];
      const from = root.get(owner);
      if (from && !root.has(a.to)) {
        root.set(a.to, `${from}.${member}`);
        grew = true;
      }
    }
  }
  const out = new Set<string>();
  // Downcalls too: what the u-driver sends a service (pci_disable_device reads enable_cnt) is what
  // an earlier reply gave it.
  for (const c of r.crossings) {
    if (c.variadic) continue;
    const fn = c.fn.replace(/@.*$/, '');
    const types = c.work ? [c.work.owner] : structs(fn);
    // A service's summary names the header's parameters.
    const names = c.role === 'downcall' && c.target === 'kernel' ? header(fn) : c.params;
    if (!types || !names) continue;
    for (const p of usable([...c.reads, ...c.writes])) {
      const dot = p.indexOf('.');
      const i = names.indexOf(dot < 0 ? p : p.slice(0, dot));
      const base = i >= 0 && types[i] ? root.get(types[i]!) : undefined;
      if (base && dot > 0) out.add(base + p.slice(dot));
    }
  }
  // The way from the device to a struct may itself go through a member that cannot cross (a
  // flexible array's private area, usb_hcd.hcd_priv): such paths go.
  return usable([...out]).sort();
}

/** The interface's names for the upcalls that resynchronise a restarted u-driver with a PCI device. */
export const RESYNC = { regions: 'resync_regions', device: 'resync_device' } as const;

/**
 * The PCI probe a restarted u-driver is resynchronised for (the driver's, through pci_driver.probe),
 * when it reads the device's resources (to map a BAR, as the new u-driver must again), or null.
 */
function resyncProbe(r: SplitResult): string | null {
  const probe = r.crossings.find((c) => c.role === 'upcall' && c.via.includes('pci_driver.probe'));
  const pdev = probe?.params[0];
  return probe && pdev && probe.reads.some((p) => p.startsWith(`${pdev}.resource.`) || p === `${pdev}.resource`) ? probe.fn : null;
}

/**
 * C declarations of the split's own upcalls, for lower to read after the units, each placed at a
 * line of the driver's source, which the IDL's comment then points at: the work functions' (each
 * takes the struct that embeds its work item, at the function's own line) and the resynchronising
 * ones (at the probe's, whose work they hand back).
 */
function ownDeclarations(r: SplitResult, dir: string): string {
  const out: string[] = [];
  const at = (fn: string): string | null => {
    const f = r.functions.find((x) => x.fn === fn);
    return f ? `# ${f.line} ${JSON.stringify(path.join(dir, f.file))}` : null;
  };
  for (const c of r.crossings) {
    if (c.role !== 'upcall' || !c.work) continue;
    const line = at(c.fn);
    if (line) out.push(line, `void ${workUpcallName(c.fn)}(struct ${c.work.owner} *${c.params[0]});`);
  }
  const probe = resyncProbe(r);
  const line = probe && at(probe);
  if (line) out.push(line, `int ${RESYNC.regions}(struct pci_dev *pdev);`, `int ${RESYNC.device}(struct pci_dev *pdev);`);
  return out.length ? out.join('\n') + '\n' : '';
}

/**
 * C declarations of the sized upcalls, for lower: the member's prototype with the function's own
 * parameter names and the length after them (a `void *` buffer is bytes), at the function's line.
 */
function sizedDeclarations(r: SplitResult, dir: string, header: HeaderParams, sigs: HeaderSignatures): { text: string; diagnostics: Diagnostic[] } {
  const out: string[] = [];
  const diagnostics: Diagnostic[] = [];
  for (const c of r.crossings) {
    if (c.role !== 'upcall' || !c.sized) continue;
    const f = r.functions.find((x) => x.fn === c.fn);
    const shape = sizedShape(c, header);
    const sig = sigs(c.sized.member);
    if (!f) continue;
    if (typeof shape === 'string') {
      diagnostics.push(splitError(path.join(dir, f.file), f.line, `${c.fn.replace(/@.*$/, '')} is in ${c.sized.member}, whose buffer a sidecar says the kernel sizes, but ${shape}`));
      continue;
    }
    if (!sig) continue;
    const types: string[] = [];
    for (const [i, p] of sig.type.params.entries()) {
      let t = p.type;
      if (i === shape.buffer) {
        if (t.kind !== 'pointer') {
          diagnostics.push(splitError(path.join(dir, f.file), f.line, `${c.sized.member}(${c.sized.param}) is sized, but it is no pointer`));
          break;
        }
        t = t.to.kind === 'base' && t.to.name === 'void' ? { kind: 'pointer', to: { kind: 'typedef', name: 'u8', qualifiers: [] }, qualifiers: [], attrs: [] } : t;
      }
      const text = declarable(t);
      if (text === null) {
        diagnostics.push(splitError(path.join(dir, f.file), f.line, `${c.sized.member}'s parameter ${i + 1} has a type the sized upcall cannot declare`));
        break;
      }
      types.push(text);
    }
    if (types.length !== shape.params.length) continue;
    const ret = declarable(sig.type.returns);
    if (ret === null) {
      diagnostics.push(splitError(path.join(dir, f.file), f.line, `${c.sized.member} returns a type the sized upcall cannot declare`));
      continue;
    }
    const ps = [...shape.params.map((n, i) => `${types[i]}${types[i]!.endsWith('*') ? '' : ' '}${n}`), `u32 ${shape.len}`];
    out.push(`# ${f.line} ${JSON.stringify(path.join(dir, f.file))}`, `${ret} ${sizedUpcallName(c.fn)}(${ps.join(', ')});`);
  }
  return { text: out.length ? out.join('\n') + '\n' : '', diagnostics };
}

/** A parameter or return type as C text, for the simple types ops members take; null otherwise. */
function declarable(t: CType): string | null {
  let stars = '';
  while (t.kind === 'pointer') {
    stars += '*';
    t = t.to;
  }
  const name = t.kind === 'base' || t.kind === 'typedef' ? t.name : t.kind === 'record' && t.record.tag ? `${t.record.kind} ${t.record.tag}` : t.kind === 'enum' && t.enumRef.tag ? `enum ${t.enumRef.tag}` : null;
  if (name === null) return null;
  // What a pointer points to keeps its const: the driver's function passes its own pointer on.
  const base = stars && 'qualifiers' in t && t.qualifiers.includes('const') ? `const ${name}` : name;
  return stars ? `${base} ${stars}` : base;
}

function splitError(file: string, line: number, message: string): Diagnostic {
  return { severity: 'error', code: 'split-idl', message, loc: { file, line, column: 1, offset: 0, endOffset: 0, endLine: line, endColumn: 2 } };
}

export interface IdlOutput {
  text: string | null;
  diagnostics: Diagnostic[];
  /** The generated sidecar, for inspection (`-o` writes it next to the IDL). */
  sidecar: string;
  /** The units' header parameter names, read once here; `--emit` reuses them (`EmitInput.header`). */
  header: HeaderParams;
}

/**
 * Lowers every unit (the tables and the k-driver functions may sit in any of them) with the driver's
 * sidecars and the generated one. The k-driver includes the driver's own headers (`ownHeaders`), so
 * its types carry `[header(...)]` as the kernel's do. The module is the driver's name, unless the
 * driver has a header of that name (e1000.h): the generated header would shadow it, so `_idl` is added.
 */
/** Critical roots a sidecar named that the u-driver calls: their role becomes downcall. */
function recastOf(r: SplitResult): Set<string> {
  const annotated = new Set(r.roots.filter((x) => x.why.startsWith('critical in ')).map((x) => x.fn));
  return new Set(r.crossings.filter((c) => c.role === 'downcall' && c.target === 'k-driver' && annotated.has(c.fn)).map((c) => c.fn));
}

export function lowerInterface(r: SplitResult, files: string[], sidecars: string[], dir: string, builtinSidecar = true): IdlOutput {
  const sigs = headerSignatures(files);
  const header: HeaderParams = (target) => sigs(target)?.names ?? null;
  // Without the built-in sidecar, its sized buffers go too, and like lower's built-in entries they
  // apply only where the member has the parameter they name (a test's mock kernel may not): those
  // members' upcalls are ordinary ones, and emit, finding no sized upcall, forwards to them.
  const unsized = (c: Crossing): Crossing => {
    if (!c.sized?.builtin || (builtinSidecar && typeof sizedShape(c, header) !== 'string')) return c;
    const { sized: _, ...rest } = c;
    return rest;
  };
  r = { ...r, crossings: r.crossings.map(unsized) };
  const base = r.driver.replace(/[^A-Za-z0-9_]/g, '_').replace(/^(\d)/, 'd$1');
  const module = fs.existsSync(path.join(dir, `${base}.h`)) ? `${base}_idl` : base;
  const skipped = new Set<string>();
  const annotated = new Set<string>();
  for (const f of sidecars) {
    for (const e of loadSidecar(f).sidecar?.entries ?? []) {
      if (e.target.kind !== 'member') continue;
      annotated.add(`${e.target.owner}.${e.target.member}`);
      if (e.attrs.some((a) => a.name === 'mdl_skip')) skipped.add(e.target.member);
    }
  }
  const recast = recastOf(r);
  const attempt = (kdriver: boolean): Omit<IdlOutput, 'header'> & { tmp: string } => {
    const sidecar = interfaceSidecar(r, header, kdriver, skipped, annotated, (target) => sigs(target)?.structs ?? null);
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mdidl-split-idl-'));
    const generated = path.join(tmp, `${r.driver}.split.mda`);
    fs.writeFileSync(generated, sidecar);
    const sized = sizedDeclarations(r, dir, header, sigs);
    const decls = ownDeclarations(r, dir) + sized.text;
    const lowered = lowerFiles({ files, sidecars: [...sidecars, generated], ownDirs: [dir], ownHeaders: true, module, builtinSidecar, recast, ...(decls ? { extra: { text: decls, file: path.join(dir, `${r.driver}.work.i`) } } : {}) });
    // A sized upcall that could not be declared fails the interface; lower's own errors (a sidecar
    // naming no parameter of the member, at its line) come with it.
    const out = sized.diagnostics.length ? { text: null, diagnostics: [...sized.diagnostics, ...lowered.diagnostics] } : lowered;
    // On failure the generated sidecar stays where the diagnostics point.
    if (out.text !== null) fs.rmSync(tmp, { recursive: true, force: true });
    return { text: out.text, diagnostics: out.diagnostics, sidecar, tmp };
  };
  const strip = (o: Omit<IdlOutput, 'header'> & { tmp: string }): IdlOutput => ({ text: o.text, diagnostics: o.diagnostics, sidecar: o.sidecar, header });
  const full = attempt(true);
  if (full.text !== null || !r.crossings.some((c) => c.target === 'k-driver')) return strip(full);
  // k-driver downcalls bring the driver's own types whole into the interface, which is where the
  // driver's C most often needs annotations it lacks: without them the interface may still lower.
  const reduced = attempt(false);
  if (reduced.text === null) {
    fs.rmSync(reduced.tmp, { recursive: true, force: true });
    return strip(full);
  }
  fs.rmSync(full.tmp, { recursive: true, force: true });
  const first = full.diagnostics.find((d) => d.severity === 'error');
  const why = first ? `; the first error was ${first.loc.file}:${first.loc.line}:${first.loc.column}: ${first.message}` : '';
  const warning: Diagnostic = {
    severity: 'warning',
    code: 'split-idl',
    message: `the interface leaves out the k-driver downcalls: lower rejected it with them${why}`,
    loc: { file: files[0]!, line: 1, column: 1, offset: 0, endOffset: 0, endLine: 1, endColumn: 2 },
  };
  return { ...strip(reduced), diagnostics: [warning, ...reduced.diagnostics] };
}
