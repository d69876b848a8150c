// Attaches sidecar entries to the declarations they name, as if their annotations had been written
// there. A user's sidecar must name something declared; the built-in one (kernel conventions) is
// applied only where its target exists and nobody said otherwise. Sidecars add to a declaration's
// annotations; one that says something different from the header's annotation is an error at the
// sidecar line, since neither can be trusted to be the one the author meant.
import type { Diagnostic } from '../../idl/diagnostics.js';
import { closest } from '../../idl/checker/context.js';
import type { Sidecar, SidecarEntry } from '../sidecar/types.js';
import { isAnnotation, readAnnotations } from './annotations.js';
import type { CAttribute, CDecl, CLoc, CMember, CRecord, CTranslationUnit, CType } from './c-ast.js';

type FnDecl = Extract<CDecl, { kind: 'function' }>;

export interface MergeResult {
  diagnostics: Diagnostic[];
  /** Attributes that came from a sidecar (their summaries may describe functions that do not cross). */
  fromSidecar: Set<CAttribute>;
}

/** Annotations of which a declaration has at most one; two different ones conflict. */
const GROUP: Record<string, string> = {
  critical: 'role', upcall: 'role', downcall: 'role',
  in: 'direction', out: 'direction', inout: 'direction',
  count: 'count', max: 'max', as: 'as', container: 'container', switch: 'switch', case: 'case', id: 'id', reads: 'reads', writes: 'writes',
  trailing: 'trailing',
};

/** `kernelOnly` says which declarations the built-in sidecar may touch: the kernel's, not the driver's. */
export function mergeSidecars(unit: CTranslationUnit, sidecars: Sidecar[], builtin: Sidecar | null, kernelOnly: (loc: CLoc) => boolean): MergeResult {
  const diagnostics: Diagnostic[] = [];
  const fromSidecar = new Set<CAttribute>();
  const index = new DeclIndex(unit);
  const targeted = new Set<string>();
  for (const sc of sidecars) {
    for (const e of sc.entries) {
      const declared = index.declareTrailing(e);
      if (declared) {
        diagnostics.push(error(e.loc, declared, 'unknown-target'));
        continue;
      }
      const slots = index.resolve(e);
      if ('error' in slots) {
        diagnostics.push(error(e.loc, slots.error, 'unknown-target'));
        continue;
      }
      targeted.add(targetKey(e));
      for (const slot of slots.attrs) {
        const clash = conflict(slot.list, e.attrs, slot.onPointer);
        if (clash) {
          const d = error(clash.mine.loc, `${clash.mine.name.replace(/^mdl_/, '')} conflicts with ${clash.theirs.name.replace(/^mdl_/, '')} already given at ${where(clash.theirs.loc)}`, 'conflicting-annotations');
          d.related = [{ message: 'the other annotation', loc: toLoc(clash.theirs.loc) }];
          diagnostics.push(d);
          continue;
        }
        for (const a of e.attrs) {
          // Saying again what the header says adds nothing (and would say it twice in the IDL).
          if (slot.list.some((x) => sameAnnotation(x, a, slot.onPointer))) continue;
          slot.list.push(a);
          fromSidecar.add(a);
        }
      }
    }
  }
  if (builtin) {
    for (const e of builtin.entries) {
      if (targeted.has(targetKey(e))) continue;
      const slots = index.resolve(e);
      if ('error' in slots) continue;
      for (const slot of slots.attrs) {
        if (slot.list.some(isAnnotation) || !kernelOnly(slot.loc)) continue;
        for (const a of e.attrs) {
          slot.list.push(a);
          fromSidecar.add(a);
        }
      }
    }
  }
  return { diagnostics, fromSidecar };
}

function targetKey(e: SidecarEntry): string {
  const t = e.target;
  switch (t.kind) {
    case 'member':
      return `${t.owner}.${t.member}`;
    case 'param':
      return `${t.fn}(${t.param})`;
    case 'return':
      return `${t.fn}()`;
    case 'function':
      return t.name;
    case 'memberParam':
      return `${t.owner}.${t.member}(${t.param})`;
    case 'memberReturn':
      return `${t.owner}.${t.member}()`;
  }
}

function annotationText(a: CAttribute, onPointer: boolean): string | null {
  const ann = readAnnotations([a], onPointer).anns[0];
  return ann ? `${ann.k}(${a.args.map((x) => x.map((t) => t.text).join(' ')).join(',')})` : null;
}

function sameAnnotation(x: CAttribute, y: CAttribute, onPointer: boolean): boolean {
  if (!isAnnotation(x)) return false;
  const a = annotationText(x, onPointer);
  return a !== null && a === annotationText(y, onPointer);
}

/** The first sidecar attribute that says something different from one already on the declaration. */
function conflict(existing: CAttribute[], adding: CAttribute[], onPointer: boolean): { mine: CAttribute; theirs: CAttribute } | null {
  const keyed = (a: CAttribute): { group: string; text: string } | null => {
    const ann = readAnnotations([a], onPointer).anns[0];
    const group = ann ? GROUP[ann.k] : undefined;
    if (!group) return null;
    return { group, text: annotationText(a, onPointer)! };
  };
  const have = existing.filter(isAnnotation).map((a) => ({ a, k: keyed(a) }));
  for (const mine of adding) {
    const k = keyed(mine);
    if (!k) continue;
    const other = have.find((h) => h.k && h.k.group === k.group && h.k.text !== k.text);
    if (other) return { mine, theirs: other.a };
  }
  return null;
}

interface Slot {
  list: CAttribute[];
  onPointer: boolean;
  /** The declaration's position. */
  loc: CLoc;
}

/** Names as a sidecar uses them: records by tag or typedef name, functions by name. */
class DeclIndex {
  private readonly records = new Map<string, CRecord>();
  private readonly functions = new Map<string, FnDecl[]>();

  constructor(private readonly unit: CTranslationUnit) {
    for (const [tag, r] of unit.records) this.records.set(tag, r);
    for (const [name, td] of unit.typedefs) {
      const r = recordDef(td.type, unit);
      if (r && !this.records.has(name)) this.records.set(name, r);
    }
    for (const d of unit.decls) {
      if (d.kind !== 'function') continue;
      const list = this.functions.get(d.name) ?? [];
      list.push(d);
      this.functions.set(d.name, list);
    }
  }

  /**
   * `owner.member: trailing(accessor, T)` names the area after a kernel object, which no C member
   * holds (netdev_priv's): the entry declares the member, a pointer to T, so that access paths,
   * views and annotations treat it as any other (docs/annotations.md). Null, or why it cannot.
   */
  declareTrailing(e: SidecarEntry): string | null {
    const t = e.target;
    const a = e.attrs.find((x) => x.name === 'mdl_trailing');
    if (t.kind !== 'member' || !a) return a ? `trailing names a member (owner.member: trailing(accessor, T)), not a function, parameter or return value` : null;
    const r = this.records.get(t.owner);
    if (!r) return `no struct or union '${t.owner}' is declared${hint(t.owner, this.records.keys())}`;
    const existing = flatMembers(r).find((x) => x.name === t.member);
    if (existing) {
      if (this.declared.has(existing)) return null;
      return `${r.kind} ${t.owner} has a member '${t.member}' in C; trailing(...) declares the area after the object, which no member holds (a void * member that points to a T is as(T))`;
    }
    const name = a.args[1]?.length === 1 ? a.args[1][0]!.text : null;
    if (!name) return null; // the annotation's own reader says what is wrong with it
    const rec = this.unit.records.get(name);
    const td = rec ? null : this.unit.typedefs.get(name);
    if (!rec && !(td && recordDef(td.type, this.unit)?.kind === 'struct'))
      return `trailing(${a.args[0]?.map((x) => x.text).join('') ?? ''}, ${name}): no struct '${name}' is declared${hint(name, this.records.keys())}`;
    const to: CType = rec ? { kind: 'record', record: { kind: rec.kind, tag: name, def: null }, qualifiers: [] } : { kind: 'typedef', name, qualifiers: [] };
    const m: CMember = { name: t.member, type: { kind: 'pointer', to, qualifiers: [], attrs: [] }, bits: null, attrs: [], loc: e.loc };
    r.members.push(m);
    this.declared.add(m);
    return null;
  }

  private readonly declared = new Set<CMember>();

  resolve(e: SidecarEntry): { attrs: Slot[] } | { error: string } {
    const t = e.target;
    if (t.kind === 'member' || t.kind === 'memberParam' || t.kind === 'memberReturn') {
      const r = this.records.get(t.owner);
      if (!r) return { error: `no struct or union '${t.owner}' is declared${hint(t.owner, this.records.keys())}` };
      const ms = flatMembers(r);
      const m = ms.find((x) => x.name === t.member);
      if (!m) return { error: `${r.kind} ${t.owner} has no member '${t.member}'${hint(t.member, ms.map((x) => x.name!))}` };
      if (t.kind === 'member') return { attrs: [{ list: m.attrs, onPointer: isPointer(m.type, this.unit), loc: m.loc }] };
      // A function-pointer member: its parameters (those of a shared function typedef are shared).
      const fn = pointedFunction(m.type, this.unit);
      if (!fn) return { error: `${t.owner}.${t.member} is not a function pointer, so it has no parameters or return value` };
      if (t.kind === 'memberReturn') return { attrs: [{ list: m.attrs, onPointer: isPointer(fn.returns, this.unit), loc: m.loc }] };
      const p = fn.params.find((x) => x.name === t.param);
      if (!p) return { error: `${t.owner}.${t.member} has no parameter '${t.param}'${hint(t.param, fn.params.map((x) => x.name).filter((n): n is string => !!n))}` };
      return { attrs: [{ list: p.attrs, onPointer: isPointer(p.type, this.unit), loc: p.loc }] };
    }
    const name = t.kind === 'function' ? t.name : t.fn;
    // (member targets were handled above)
    const fns = this.functions.get(name);
    if (!fns) return { error: `no function '${name}' is declared${hint(name, this.functions.keys())}` };
    if (t.kind === 'function' || t.kind === 'return') return { attrs: fns.map((d) => ({ list: d.attrs, onPointer: isPointer(d.type.returns, this.unit), loc: d.loc })) };
    // Prototypes may leave parameters unnamed: find the position where some declaration names it.
    let at = -1;
    for (const d of fns) {
      at = d.type.params.findIndex((p) => p.name === t.param);
      if (at >= 0) break;
    }
    // A parameter no declaration names is `argN` by position, as the IDL lower writes calls it.
    const positional = /^arg(\d+)$/.exec(t.param);
    if (at < 0 && positional && fns.every((d) => !d.type.params[Number(positional[1])]?.name)) {
      const i = Number(positional[1]);
      if (fns.some((d) => i < d.type.params.length)) at = i;
    }
    if (at < 0) {
      const names = fns.flatMap((d) => d.type.params.map((p) => p.name).filter((n): n is string => !!n));
      return { error: `function '${name}' has no parameter '${t.param}'${hint(t.param, names)}` };
    }
    const out: Slot[] = [];
    for (const d of fns) {
      const p = d.type.params[at];
      if (p) out.push({ list: p.attrs, onPointer: isPointer(p.type, this.unit), loc: p.loc });
    }
    return { attrs: out };
  }
}

function hint(name: string, candidates: Iterable<string>): string {
  const h = closest(name, candidates);
  return h ? ` (did you mean '${h}'?)` : '';
}

function recordDef(t: CType, unit: CTranslationUnit): CRecord | null {
  if (t.kind !== 'record') return null;
  return t.record.def ?? (t.record.tag ? (unit.records.get(t.record.tag) ?? null) : null);
}

function stripTypedefs(t: CType, unit: CTranslationUnit): CType {
  let cur = t;
  for (let i = 0; i < 64 && cur.kind === 'typedef'; i++) {
    const d = unit.typedefs.get(cur.name);
    if (!d) break;
    cur = d.type;
  }
  return cur;
}

function pointedFunction(t: CType, unit: CTranslationUnit): Extract<CType, { kind: 'function' }> | null {
  const p = stripTypedefs(t, unit);
  if (p.kind !== 'pointer') return null;
  const f = stripTypedefs(p.to, unit);
  return f.kind === 'function' ? f : null;
}

function isPointer(t: CType, unit: CTranslationUnit): boolean {
  let cur = t;
  for (let i = 0; i < 64 && cur.kind === 'typedef'; i++) {
    const d = unit.typedefs.get(cur.name);
    if (!d) break;
    cur = d.type;
  }
  return cur.kind === 'pointer';
}

/** Members with anonymous struct/union members flattened, as C lets code name them (no recursion). */
function flatMembers(r: CRecord): CMember[] {
  const out: CMember[] = [];
  const stack: CMember[] = [...r.members].reverse();
  while (stack.length) {
    const m = stack.pop()!;
    if (m.name) out.push(m);
    else if (m.type.kind === 'record' && m.type.record.def && !m.bits) for (const x of [...m.type.record.def.members].reverse()) stack.push(x);
  }
  return out;
}

function where(l: CLoc): string {
  return `${l.file}:${l.line}:${l.column}`;
}

function toLoc(l: CLoc): Diagnostic['loc'] {
  return { file: l.file, line: l.line, column: l.column, offset: 0, endOffset: 0, endLine: l.line, endColumn: l.column + 1 };
}

function error(l: CLoc, message: string, code: string): Diagnostic {
  return { severity: 'error', code, message, loc: toLoc(l) };
}
