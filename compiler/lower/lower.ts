// C declarations to IDL text. Starts from the functions that cross (annotated, or listed), follows
// their parameters and access paths to the types and fields that cross, and writes only those:
// a kernel struct appears as a view holding just the fields some access set names, while the
// driver's own types (those next to its sources) appear whole.
import type * as A from '../../idl/ast.js';
import type { Diagnostic } from '../../idl/diagnostics.js';
import { closest } from '../../idl/checker/context.js';
import { find, isAnnotation, readAnnotations, type Ann } from './annotations.js';
import type { CAttribute, CDecl, CEnum, CLoc, CMember, CParam, CRecord, CToken, CTranslationUnit, CType } from './c-ast.js';
import { badHeaderPath } from '../../idl/checker/rules/headers.js';
import { evalCConst } from './c-const.js';
import { parseCTypeName } from './c-parser.js';
import { baseScalar, CSizes, knownTypedef, type Abi } from './c-scalars.js';

export interface LowerOptions {
  module: string;
  version: number;
  /** Interface that annotated free functions (prototypes) go into. */
  interfaceName: string;
  abi: Abi;
  /** Functions that cross without annotations: `name` for a prototype, `struct.member` for an ops-table member. */
  crossing: { name: string; role: A.Role }[];
  /** The driver's own files: their types are emitted whole. */
  isOwn: (file: string) => boolean;
  /** How a header path appears in the comments of the output (machine-independent). */
  displayPath: (file: string) => string;
  /** The k-driver includes the driver's own headers: their types get [header(...)] too (docs/annotations.md). */
  ownHeaders?: boolean;
  /** Annotations a sidecar attached: a summary there may describe a function that does not cross. */
  fromSidecar?: ReadonlySet<CAttribute>;
}

export interface LowerResult {
  /** The IDL; also rendered when there are errors, so the checker can report its own in the same run. */
  text: string | null;
  diagnostics: Diagnostic[];
  /** For each line of `text` (0-based), the C declaration it came from. */
  lineLocs: (CLoc | null)[];
  /** Declarations lowering reported errors at (the checker's complaints about them are dropped). */
  errored: ReadonlySet<CLoc>;
  /** The sidecar name (`owner.member`) of the fields behind `lineLocs`, for "in a sidecar: ..." hints. */
  targets: ReadonlyMap<CLoc, string>;
  /** For a function's line: the 0-based column span of each parameter and where it was declared. */
  paramSpans: ReadonlyMap<CLoc, readonly { start: number; end: number; loc: CLoc; target: string }[]>;
}

type FnType = Extract<CType, { kind: 'function' }>;

interface Crossing {
  name: string;
  role: A.Role;
  type: FnType;
  anns: Ann[];
  loc: CLoc;
  iface: string;
}

interface View {
  name: string;
  record: CRecord;
  whole: boolean;
  fields: Set<string>;
  loc: CLoc;
}

interface Path {
  root: string;
  fields: string[];
  wildcard: 'none' | 'shallow' | 'deep';
  loc: CLoc;
}

const ROLE_ANNS = new Set(['critical', 'upcall', 'downcall']);
const FN_ANNS = new Set(['critical', 'upcall', 'downcall', 'reads', 'writes', 'id']);
const PARAM_ONLY = new Set(['in', 'out', 'inout']);
const UNION_ARM = new Set(['case', 'default']);

export function lowerUnit(unit: CTranslationUnit, opts: LowerOptions): LowerResult {
  return new Lowerer(unit, opts).run();
}

class Lowerer {
  private readonly diags: Diagnostic[] = [];
  private readonly sizes: CSizes;
  private readonly views = new Map<string, View>();
  private readonly enums = new Map<string, { name: string; def: CEnum }>();
  private readonly typedefs = new Map<string, { name: string; loc: CLoc; text: string }>();
  private readonly callbacks = new Map<string, { name: string; loc: CLoc; type: FnType; anns: Ann[] }>();
  private readonly unions = new Map<string, { name: string; record: CRecord; switchType: string | null; loc: CLoc }>();
  private readonly opsTables = new Set<string>();
  private readonly deepDone = new Set<CRecord>();
  private readonly recordNames = new Map<CRecord, string>();
  /** How C names a record without a tag: its typedef, or the type of the member that holds it. */
  private readonly spellings = new Map<CRecord, string>();

  constructor(
    private readonly unit: CTranslationUnit,
    private readonly opts: LowerOptions,
  ) {
    this.sizes = new CSizes(unit, opts.abi);
    for (const [name, td] of unit.typedefs) {
      const t = td.type;
      if (t.kind === 'record' && t.record.def && !t.record.tag) {
        this.recordNames.set(t.record.def, name);
        this.spellings.set(t.record.def, name);
      }
      if (t.kind === 'enum' && t.enumRef.def && !t.enumRef.tag) this.enumNames.set(t.enumRef.def, name);
    }
    // An anonymous record that a named member holds is named after it: `<outer>_<member>`.
    const nameNested = (outer: CRecord, outerName: string, depth: number): void => {
      if (depth > 32) return;
      for (const m of outer.members) {
        let t = m.type;
        while (t.kind === 'array' || t.kind === 'pointer') t = t.kind === 'array' ? t.of : t.to;
        if (t.kind !== 'record' || !t.record.def || t.record.def.tag) continue;
        const inner = t.record.def;
        const name = this.recordNames.get(inner) ?? (m.name ? `${outerName}_${m.name}` : null);
        const outerC = outer.tag ? `${outer.kind} ${outer.tag}` : this.spellings.get(outer);
        if (m.name && m.type.kind === 'record' && outerC && !this.spellings.has(inner)) this.spellings.set(inner, `__typeof__(((${outerC} *)0)->${m.name})`);
        if (name && !this.recordNames.has(inner)) this.recordNames.set(inner, name);
        nameNested(inner, name ?? outerName, depth + 1);
      }
    };
    for (const [tag, r] of unit.records) nameNested(r, tag, 0);
    for (const [r, name] of [...this.recordNames]) nameNested(r, name, 0);
  }
  private readonly enumNames = new Map<CEnum, string>();
  /** `struct.field` pairs some access path names: those must cross, whatever their type. */
  private readonly named = new Set<string>();

  // ---- diagnostics -----------------------------------------------------------------------

  private readonly reported = new Set<string>();
  // Views are rendered until nothing changes, so the same problem can be met more than once.
  private report(severity: 'error' | 'warning', loc: CLoc, message: string, code: string): void {
    const key = `${loc.file}:${loc.line}:${loc.column}:${message}`;
    if (this.reported.has(key)) return;
    this.reported.add(key);
    this.diags.push({ severity, code, message, loc: toLoc(loc) });
  }
  private error(loc: CLoc, message: string, code = 'lower'): void {
    this.report('error', loc, message, code);
  }
  private warn(loc: CLoc, message: string, code = 'lower'): void {
    this.report('warning', loc, message, code);
  }

  private anns(attrs: CAttribute[], onPointer: boolean): Ann[] {
    const r = readAnnotations(attrs.filter(isAnnotation), onPointer);
    for (const p of r.problems) {
      if (p.warning) this.warn(p.loc, p.message, 'unsupported-annotation');
      else this.error(p.loc, p.message, 'bad-annotation');
    }
    return r.anns;
  }

  /** Rejects annotations that make no sense where they were written. */
  private only(anns: Ann[], allowed: (k: string) => boolean, where: string): Ann[] {
    return anns.filter((a) => {
      if (allowed(a.k)) return true;
      this.error(a.loc, `${spelling(a)} does not apply to ${where}`, 'misplaced-annotation');
      return false;
    });
  }

  // ---- entry -----------------------------------------------------------------------------

  run(): LowerResult {
    const fns = this.collectCrossing();
    if (fns.length === 0 && !this.diags.some((d) => d.severity === 'error'))
      this.error({ file: '<input>', line: 1, column: 1 }, 'no function crosses: annotate some with MDL_UPCALL, MDL_DOWNCALL or MDL_CRITICAL, or list them with --upcall/--downcall/--critical', 'nothing-crosses');
    this.checkStrayAnnotations();
    const rendered = fns.map((f) => {
      let text = '';
      this.watch(f.loc, () => (text = this.renderFunction(f)));
      return text;
    });
    this.closeViews();
    if (!fns.length) return { text: null, diagnostics: this.diags, lineLocs: [], errored: this.errored, targets: this.targets, paramSpans: this.paramSpans };
    this.checkInterfaceNames(fns);
    const out = this.render(fns, rendered);
    return { text: out.text, diagnostics: this.diags, lineLocs: out.lineLocs, errored: this.errored, targets: this.targets, paramSpans: this.paramSpans };
  }

  /** Where the module's interface "is declared": it is named on the command line (or after the module). */
  private readonly commandLine: CLoc = { file: '<command line>', line: 1, column: 1 };

  /** An interface takes its name from the module (or --interface): it must not be a type's name too. */
  private checkInterfaceNames(fns: Crossing[]): void {
    const iface = this.opts.interfaceName;
    if (!fns.some((f) => f.iface === iface)) return;
    const v = this.views.get(iface) ?? this.unions.get(iface);
    const clash = v ? `${v.record.kind} ${iface} (${this.opts.displayPath(v.loc.file)}:${v.loc.line})` : this.enums.has(iface) ? `enum ${iface}` : this.typedefs.has(iface) ? `typedef ${iface}` : this.forwards.has(iface) ? `struct ${iface}` : null;
    if (clash) this.errored.add(this.commandLine);
    if (clash) this.error(this.commandLine, `the interface of the crossing functions would be named '${iface}', like ${clash}: choose another name with --interface (or --module)`, 'name-clash');
  }

  // ---- which functions cross -------------------------------------------------------------

  private collectCrossing(): Crossing[] {
    const out: Crossing[] = [];
    const listed = new Map(this.opts.crossing.map((c) => [c.name, c]));
    const used = new Set<string>();
    const roleOf = (anns: Ann[], key: string, loc: CLoc): A.Role | null => {
      const roles = anns.filter((a) => ROLE_ANNS.has(a.k));
      if (roles.length > 1) this.error(roles[1]!.loc, `a function has one role; found ${roles.map(spelling).join(' and ')}`, 'conflicting-annotations');
      const l = listed.get(key);
      if (l) used.add(key);
      if (roles[0] && l && roles[0].k !== l.role) this.warn(loc, `'${key}' is annotated ${roles[0].k} but listed as ${l.role}; the annotation wins`);
      return (roles[0]?.k as A.Role | undefined) ?? l?.role ?? null;
    };
    const seenFn = new Set<string>();
    for (const d of this.unit.decls) {
      if (d.kind !== 'function' || seenFn.has(d.name)) continue;
      const attrs = [...d.attrs, ...d.type.attrs];
      const anns = this.anns(attrs, false);
      const role = roleOf(anns, d.name, d.loc);
      if (!role) {
        // A kernel function's summary (sidecar, DriverSlicer) is kept for when some caller crosses.
        const summary = new Set(attrs.filter((a) => this.opts.fromSidecar?.has(a)).map((a) => a.loc));
        const stray = anns.filter((a) => FN_ANNS.has(a.k) && !summary.has(a.loc));
        for (const a of stray) this.error(a.loc, `${spelling(a)} on '${d.name}', which does not cross: add MDL_UPCALL, MDL_DOWNCALL or MDL_CRITICAL`, 'misplaced-annotation');
        continue;
      }
      seenFn.add(d.name);
      out.push({ name: d.name, role, type: d.type, anns, loc: d.loc, iface: this.opts.interfaceName });
    }
    for (const [tag, rec] of this.namedRecords()) {
      for (const m of rec.members) {
        if (!m.name) continue;
        const fn = functionPointer(m.type, this.unit);
        const anns = this.anns([...m.attrs, ...(fn?.attrs ?? [])], this.isPointer(m.type));
        const key = `${tag}.${m.name}`;
        const hasRole = anns.some((a) => ROLE_ANNS.has(a.k)) || listed.has(key);
        if (!hasRole) continue;
        if (!fn) {
          this.error(m.loc, `'${key}' is marked as crossing, but it is a field of type ${cTypeText(m.type)}, not a function pointer`, 'misplaced-annotation');
          continue;
        }
        const role = roleOf(anns, key, m.loc)!;
        this.opsTables.add(tag);
        out.push({ name: m.name, role, type: fn, anns, loc: m.loc, iface: tag });
      }
    }
    for (const c of this.opts.crossing)
      if (!used.has(c.name) && !out.some((f) => (f.iface === this.opts.interfaceName ? f.name : `${f.iface}.${f.name}`) === c.name))
        this.error({ file: '<command line>', line: 1, column: 1 }, `--${c.role} ${c.name}: no ${c.name.includes('.') ? 'ops-table member' : 'function'} of that name is declared`, 'unknown-crossing');
    return out;
  }

  /** Named structs and unions, by the name the IDL uses (tag, or the typedef of an anonymous one). */
  private namedRecords(): [string, CRecord][] {
    const out = new Map<string, CRecord>();
    for (const [tag, r] of this.unit.records) out.set(tag, r);
    for (const [r, name] of this.recordNames) if (!out.has(name)) out.set(name, r);
    return [...out].sort((a, b) => locCmp(a[1].loc, b[1].loc));
  }

  /** Annotations on declarations that can never carry them: a struct, enum or typedef itself. */
  private checkStrayAnnotations(): void {
    for (const d of this.unit.decls) {
      if (d.kind === 'typedef') {
        for (const a of this.anns(d.attrs, false)) this.error(a.loc, `${spelling(a)} does not apply to typedef '${d.name}'; put it on the field or parameter`, 'misplaced-annotation');
      }
      if (d.kind === 'variable') {
        for (const a of this.anns(d.attrs, false)) this.error(a.loc, `${spelling(a)} does not apply to variable '${d.name}'`, 'misplaced-annotation');
      }
    }
    for (const r of [...this.unit.records.values()]) {
      for (const a of this.anns(r.attrs, false)) this.error(a.loc, `${spelling(a)} does not apply to a ${r.kind} definition; put it on a field`, 'misplaced-annotation');
    }
  }

  // ---- names and types -------------------------------------------------------------------

  private recordName(r: CRecord, hint: string | null): string {
    if (r.tag) return r.tag;
    const named = this.recordNames.get(r);
    if (named) return named;
    const name = hint ?? `anon_${r.loc.line}_${r.loc.column}`;
    this.recordNames.set(r, name);
    return name;
  }

  /** `hint` names an anonymous record that no typedef names: `<struct>_<field>`. */
  private recordOf(t: CType, hint: string | null = null): { record: CRecord; name: string } | null {
    const s = this.strip(t);
    if (s.t.kind !== 'record') return null;
    const ref = s.t.record;
    const def = ref.def ?? (ref.tag ? this.unit.records.get(ref.tag) : undefined) ?? null;
    if (!def) return null;
    return { record: def, name: this.recordName(def, s.via ?? hint) };
  }

  /** Sees through typedefs, remembering the last typedef name (it names anonymous records). */
  private strip(t: CType): { t: CType; via: string | null } {
    let cur = t;
    let via: string | null = null;
    for (let i = 0; i < 64 && cur.kind === 'typedef'; i++) {
      if (knownTypedef(cur.name)) break;
      const d = this.unit.typedefs.get(cur.name);
      if (!d) break;
      via = cur.name;
      cur = d.type;
    }
    return { t: cur, via };
  }

  /** The record a value points to or holds (through pointers and arrays), for walking paths. */
  private pointee(t: CType): { record: CRecord; name: string } | null {
    let s = this.strip(t).t;
    for (let i = 0; i < 8 && (s.kind === 'pointer' || s.kind === 'array'); i++) s = this.strip(s.kind === 'pointer' ? s.to : s.of).t;
    return this.recordOf(s);
  }

  /** The struct a member's `as(T)` names (on the member or its pointer), if it names a defined one. */
  private asTarget(m: CMember): { record: CRecord; name: string } | null {
    const t = this.strip(m.type).t;
    const attrs = [...m.attrs, ...(t.kind === 'pointer' ? t.attrs : [])].filter(isAnnotation);
    const as = readAnnotations(attrs, true).anns.find((a): a is Extract<Ann, { k: 'as' }> => a.k === 'as');
    const name = as?.type.filter((x) => x.kind === 'ident').pop()?.text;
    if (!name) return null;
    const rec = this.unit.records.get(name);
    if (rec) return { record: rec, name: this.recordName(rec, name) };
    const td = this.unit.typedefs.get(name);
    return td ? this.recordOf(td.type, name) : null;
  }

  /** A pointer, also through typedefs (`noderef` on a `some_ptr_t` is a handle, not "never marshal"). */
  private isPointer(t: CType): boolean {
    return this.strip(t).t.kind === 'pointer';
  }

  private isOwn(loc: CLoc): boolean {
    return this.opts.isOwn(loc.file);
  }

  private view(record: CRecord, name: string): View {
    // A union crosses whole, by its discriminant: it is declared on its own, never as a view.
    if (record.kind === 'union') {
      this.unionDecl(record, name);
      return { name, record, whole: true, fields: new Set(), loc: record.loc };
    }
    let v = this.views.get(name);
    if (!v) {
      v = { name, record, whole: this.isOwn(record.loc), fields: new Set(), loc: record.loc };
      this.views.set(name, v);
      if (v.whole) for (const m of members(record)) this.addField(v, m.name!);
    }
    return v;
  }

  private addField(v: View, field: string): CMember | null {
    const m = members(v.record).find((x) => x.name === field) ?? null;
    if (!m) return null;
    if (v.fields.has(field)) return m;
    v.fields.add(field);
    // A field drags in what the receiver needs to decode it: its count and its discriminant.
    const anns = this.anns(m.attrs, this.isPointer(m.type));
    const count = find(anns, 'count');
    if (count) for (const tok of count.expr) if (tok.kind === 'ident' && members(v.record).some((x) => x.name === tok.text)) this.addField(v, tok.text);
    const sw = find(anns, 'switch');
    if (sw) this.addField(v, sw.field);
    return m;
  }

  private markDeep(record: CRecord, name: string): void {
    // Depth first, in the order a recursive walk visits (views are made, and so printed, in that
    // order), on a stack of its own: a header's chain of structs, by pointer or by value, may be
    // as long as the header likes.
    type Frame = { v: ReturnType<Lowerer['view']>; ms: ReturnType<typeof members>; i: number };
    const stack: Frame[] = [];
    const enter = (r: CRecord, n: string): void => {
      if (this.deepDone.has(r)) return;
      // Deep stops at the kernel's objects: of those only what access sets name ever crosses.
      if (!this.isOwn(r.loc) && !this.isPlain(r)) {
        this.view(r, n);
        return;
      }
      this.deepDone.add(r);
      const v = this.view(r, n);
      v.whole = true;
      stack.push({ v, ms: members(r), i: 0 });
    };
    enter(record, name);
    while (stack.length) {
      const f = stack[stack.length - 1]!;
      if (f.i >= f.ms.length) {
        stack.pop();
        continue;
      }
      const m = f.ms[f.i++]!;
      this.addField(f.v, m.name!);
      const anns = this.anns(m.attrs, this.isPointer(m.type));
      if (anns.some((a) => a.k === 'opaque' || a.k === 'skip' || a.k === 'combolock')) continue;
      const p = this.pointee(m.type);
      // A union held by value is declared (and its arms rendered) on its own, not as a view.
      if (p && (p.record.kind === 'struct' || this.strip(m.type).t.kind !== 'record')) enter(p.record, p.name);
    }
  }

  // ---- functions -------------------------------------------------------------------------

  private renderFunction(f: Crossing): string {
    const fnAnns = this.only(f.anns, (k) => !PARAM_ONLY.has(k) && !UNION_ARM.has(k), `function '${f.name}'`);
    const names = f.type.params.map((p, i) => p.name ?? `arg${i}`);
    const params = f.type.params.filter((p) => !(p.type.kind === 'base' && p.type.name === 'void' && f.type.params.length === 1));
    if (f.type.variadic) this.error(f.loc, `'${f.name}' is variadic; a crossing function needs a fixed parameter list`, 'unsupported');
    const parts: string[] = [];
    params.forEach((p, i) => {
      const anns = this.only(this.anns(p.attrs, this.isPointer(p.type)), (k) => !FN_ANNS.has(k) && !UNION_ARM.has(k), `parameter '${names[i]}'`);
      parts.push(this.renderValue(p.type, names[i]!, anns, p.loc, names, `${f.name}_${names[i]}`));
    });
    const ret = this.renderValue(f.type.returns, '', fnAnns.filter((a) => !FN_ANNS.has(a.k)), f.loc, names, `${f.name}_ret`);
    const reads = find(fnAnns, 'reads');
    const writes = find(fnAnns, 'writes');
    const paramTypes = new Map(params.map((p, i) => [names[i]!, p]));
    const clause = (which: 'reads' | 'writes', a: Extract<Ann, { k: 'reads' | 'writes' }> | undefined): string => {
      if (!a) return '';
      const paths = a.paths.map((toks) => this.parsePath(toks, a.loc)).filter((p): p is Path => p !== null);
      for (const p of paths) this.walkPath(p, paramTypes, f.name);
      return ` ${which}(${paths.map(pathText).join(', ')})`;
    };
    const errorsBefore = this.diags.length;
    let readsText = clause('reads', reads);
    let writesText = clause('writes', writes);
    const clausesBroken = this.diags.slice(errorsBefore).some((d) => d.severity === 'error');
    // MDL_WRITES without MDL_READS: the reads default to everything reachable (ring buffers,
    // statistics), which is rarely what whoever named the writes meant.
    const tracked = (p: CParam): boolean => !!this.pointee(p.type) && !this.anns(p.attrs, true).some((a) => a.k === 'opaque');
    if (!clausesBroken && writes && !reads && f.role !== 'critical' && [...paramTypes.values()].some(tracked))
      this.warn(f.loc, `'${f.name}' has MDL_WRITES but no MDL_READS, so the call reads everything reachable from its pointer parameters; name the fields with MDL_READS(...), or MDL_READS() for none`, 'missing-access-clause');
    if (!reads && !writes && f.role !== 'critical') {
      const sets = this.defaultSets(f, paramTypes);
      if (sets) {
        readsText = ` reads(${sets.reads.join(', ')})`;
        writesText = ` writes(${sets.writes.join(', ')})`;
      }
    }
    const id = find(fnAnns, 'id');
    const pre = id ? `[id(${this.cExpr(id.expr, [], id.loc)})] ` : '';
    const retAttrs = ret.startsWith('[') ? ret.slice(0, ret.indexOf(']') + 2) : '';
    const retType = retAttrs ? ret.slice(retAttrs.length) : ret;
    const head = `    ${pre}${f.role} ${retAttrs}${retType.trim()} ${f.name}(`;
    // Where each parameter sits on the line, so the checker's complaints about one point at it.
    const spans: { start: number; end: number; loc: CLoc; target: string }[] = [];
    const owner = f.iface === this.opts.interfaceName ? f.name : `${f.iface}.${f.name}`;
    let at = head.length;
    params.forEach((p, i) => {
      spans.push({ start: at, end: at + parts[i]!.length, loc: p.loc, target: `${owner}(${names[f.type.params.indexOf(p)]})` });
      at += parts[i]!.length + 2;
    });
    this.paramSpans.set(f.loc, spans);
    return `${this.comment(f.loc)}${head}${parts.join(', ')})${readsText}${writesText};\n`;
  }

  /**
   * Without access sets a call sends everything reachable: right for the driver's own data, wrong
   * for a kernel struct, which would drag the kernel's whole object graph along. So when a kernel
   * struct is passed without sets, the sets are written out: everything of the driver's own objects,
   * only the identity of the kernel's, and a warning says how to name the fields that cross.
   */
  private defaultSets(f: Crossing, params: Map<string, CParam>): { reads: string[]; writes: string[] } | null {
    const reads: string[] = [];
    const writes: string[] = [];
    let foreign = false;
    for (const [name, p] of params) {
      const anns = this.anns(p.attrs, true);
      if (anns.some((a) => a.k === 'opaque')) continue;
      const s = this.strip(p.type).t;
      const target = this.pointee(p.type);
      if (!target || s.kind !== 'pointer') continue;
      if (this.isOwn(target.record.loc) || this.isPlain(target.record)) {
        this.markDeep(target.record, target.name);
        if (!anns.some((a) => a.k === 'out')) reads.push(`${name}->**`);
        if (!qualifiers(s.to).includes('const')) writes.push(`${name}->**`);
        continue;
      }
      foreign = true;
      this.view(target.record, target.name);
      this.warn(
        f.loc,
        `'${f.name}' passes struct ${target.name} (${this.opts.displayPath(target.record.loc.file)}) in '${name}' without MDL_READS/MDL_WRITES, so only its identity crosses; name the fields that do, e.g. MDL_READS(${name}->field)` +
          (this.isOwn(f.loc) ? '' : `, or in a sidecar '${f.iface === this.opts.interfaceName ? f.name : `${f.iface}.${f.name}`}: reads(${name}->field)'`),
        'missing-access-set',
      );
    }
    return foreign ? { reads, writes } : null;
  }

  /** A record of scalars and arrays only: harmless to send whole. */
  private isPlain(r: CRecord): boolean {
    return members(r).every((m) => {
      let s = this.strip(m.type).t;
      while (s.kind === 'array') s = this.strip(s.of).t;
      return s.kind === 'base' || s.kind === 'enum' || (s.kind === 'typedef' && knownTypedef(s.name) !== null);
    });
  }

  private parsePath(toks: CToken[], loc: CLoc): Path | null {
    const bad = (): null => {
      this.error(toks[0]?.loc ?? loc, `access path '${toks.map((t) => t.text).join('')}' is not of the form param->field->... (optionally ending in ->* or ->**)`, 'bad-annotation');
      return null;
    };
    const first = toks[0];
    if (!first || first.kind !== 'ident') return bad();
    const p: Path = { root: first.text, fields: [], wildcard: 'none', loc: first.loc };
    let i = 1;
    while (i < toks.length) {
      const sep = toks[i]!;
      if (sep.text !== '->' && sep.text !== '.') return bad();
      const seg = toks[i + 1];
      if (!seg || p.wildcard !== 'none') return bad();
      if (seg.kind === 'ident') {
        p.fields.push(seg.text);
        i += 2;
      } else if (seg.text === '*') {
        const deep = toks[i + 2]?.text === '*';
        p.wildcard = deep ? 'deep' : 'shallow';
        i += deep ? 3 : 2;
      } else if (seg.text === '**') {
        p.wildcard = 'deep';
        i += 2;
      } else return bad();
    }
    return p;
  }

  private walkPath(p: Path, params: Map<string, CParam>, fn: string): void {
    const param = params.get(p.root);
    if (!param) {
      const hint = closest(p.root, params.keys());
      this.error(p.loc, `access path names '${p.root}', which is not a parameter of '${fn}'${hint ? ` (did you mean '${hint}'?)` : ''}`, 'bad-path');
      return;
    }
    let type = param.type;
    let label = p.root;
    // A `void *` member that says `as(T)` (a driver's private area) leads to T.
    let carried: { record: CRecord; name: string } | null = null;
    for (const field of p.fields) {
      const target = carried ?? this.pointee(type);
      carried = null;
      if (!target) {
        this.error(p.loc, `'${label}' has type ${cTypeText(type)}, which has no field '${field}'`, 'bad-path');
        return;
      }
      const v = this.view(target.record, target.name);
      const m = this.addField(v, field);
      this.named.add(`${target.name}.${field}`);
      if (!m) {
        const hint = closest(field, members(target.record).map((x) => x.name!));
        this.error(p.loc, `${target.record.kind} ${target.name} has no field '${field}'${hint ? ` (did you mean '${hint}'?)` : ''}`, 'bad-path');
        return;
      }
      type = m.type;
      carried = this.asTarget(m);
      label = `${label}->${field}`;
    }
    const end = carried ?? this.pointee(type);
    if (p.wildcard === 'none') {
      // A path that ends at an embedded struct names all of it.
      const embedded = this.recordOf(type);
      if (embedded && p.fields.length) this.markShallow(embedded.record, embedded.name);
      else if (end) this.view(end.record, end.name);
      return;
    }
    if (!end) {
      this.error(p.loc, `'${label}' has type ${cTypeText(type)}, which has no fields for '${p.wildcard === 'deep' ? '**' : '*'}'`, 'bad-path');
      return;
    }
    if (p.wildcard === 'deep') this.markDeep(end.record, end.name);
    else this.markShallow(end.record, end.name);
  }

  private markShallow(record: CRecord, name: string): void {
    const v = this.view(record, name);
    v.whole = true;
    for (const m of members(record)) this.addField(v, m.name!);
  }

  // ---- values: fields, parameters, returns -----------------------------------------------

  /**
   * One typed value as IDL: `[attrs] type name[dims]`. Records the types it needs. Unsupported
   * types are reported at the C location.
   */
  private renderValue(t: CType, name: string, anns: Ann[], loc: CLoc, scope: string[], hint: string): string {
    anns = this.implicitArray(t, this.implicit(t, anns, loc), loc);
    const attrs: string[] = [];
    for (const a of anns) {
      switch (a.k) {
        case 'string':
        case 'opaque':
        case 'ref':
        case 'interior':
        case 'recursive':
        case 'combolock':
        case 'skip':
        case 'in':
        case 'out':
        case 'inout':
          attrs.push(a.k);
          break;
        case 'max':
          attrs.push(`max(${this.cExpr(a.expr, [], a.loc)})`);
          break;
        case 'count':
          attrs.push(`count(${this.cExpr(a.expr, scope, a.loc)})`);
          break;
        case 'as': {
          const target = this.typeName(a.type, a.loc);
          if (target) attrs.push(`as(${target})`);
          break;
        }
        case 'container': {
          const target = this.typeName(a.type, a.loc);
          if (target) attrs.push(`container(${target}, ${a.field})`);
          break;
        }
        case 'switch':
          attrs.push(`switch(${a.field})`);
          break;
        case 'trailing':
          attrs.push(`trailing(${a.accessor})`);
          break;
        default:
          break;
      }
    }
    const hidden = anns.some((a) => a.k === 'skip' || a.k === 'combolock' || a.k === 'opaque');
    const prefix = attrs.length ? `[${attrs.join(', ')}] ` : '';
    // Kernel-only state of a kernel type (a spinlock_t, a timer) never crosses: keep its size, not
    // the kernel's whole type graph behind it.
    if (anns.some((a) => a.k === 'skip' || a.k === 'combolock')) {
      const r = this.recordOf(t);
      if (r && !this.isOwn(r.record.loc)) {
        const size = this.sizes.sizeAlign(t)?.size;
        if (size) return `${prefix}u8 ${name}[${size}]`;
      }
    }
    const { base, stars, dims, isConst } = this.typeText(t, loc, hint, hidden, anns);
    return `${prefix}${isConst ? 'const ' : ''}${base} ${'*'.repeat(stars)}${name}${dims.map((d) => `[${d}]`).join('')}`;
  }

  /**
   * Kernel headers carry no annotations, and their authors' conventions are uniform enough to
   * read: a `void *` there is a cookie handed back (dev_id), a `const char *` a name.
   */
  private implicit(t: CType, anns: Ann[], loc: CLoc): Ann[] {
    if (this.isOwn(loc) || anns.length) return anns;
    const s = this.strip(t).t;
    if (s.kind !== 'pointer') return anns;
    const to = this.strip(s.to).t;
    if (to.kind === 'base' && to.name === 'void') return [{ k: 'opaque', loc, spelled: 'implicit' }];
    // `struct hlist_node **pprev`: the kernel's own bookkeeping, only ever handed back.
    if (to.kind === 'pointer') return [{ k: 'opaque', loc, spelled: 'implicit' }];
    // Only declared there: the kernel never meant its fields to be seen.
    if (to.kind === 'record' && !to.record.def && !(to.record.tag && this.unit.records.get(to.record.tag)))
      return [{ k: 'opaque', loc, spelled: 'implicit' }];
    if (to.kind === 'base' && to.name === 'char' && to.qualifiers.includes('const')) return [{ k: 'string', loc, spelled: 'implicit' }];
    return anns;
  }

  /** A kernel `char name[N]` holds a NUL-terminated name. */
  private implicitArray(t: CType, anns: Ann[], loc: CLoc): Ann[] {
    if (this.isOwn(loc) || anns.length || t.kind !== 'array') return anns;
    const of = this.strip(t.of).t;
    return of.kind === 'base' && of.name === 'char' ? [{ k: 'string', loc, spelled: 'implicit' }] : anns;
  }

  /** A C type as IDL base name + pointer count + array dims. */
  private typeText(t: CType, loc: CLoc, hint: string, hidden: boolean, anns: Ann[]): { base: string; stars: number; dims: string[]; isConst: boolean } {
    const dims: string[] = [];
    let cur = t;
    // Arrays bind tighter than the name: `u8 a[2][3]`.
    while (cur.kind === 'array') {
      dims.push(cur.size ? this.arraySize(cur.size, loc) : '1');
      if (!cur.size) this.error(loc, 'a flexible array member cannot cross: give it a size or mark it MDL_SKIP', 'unsupported');
      cur = cur.of;
    }
    let stars = 0;
    let isConst = false;
    while (cur.kind === 'pointer') {
      const fn = cur.to.kind === 'function' ? cur.to : null;
      if (fn) {
        // A bare function pointer (no typedef): it needs a callback type of its own.
        const name = `${hint}_fn`;
        this.callbacks.set(name, { name, loc, type: fn, anns: [] });
        return { base: name, stars, dims, isConst: false };
      }
      stars++;
      if (stars === 1) isConst = qualifiers(cur.to).includes('const');
      cur = cur.to;
    }
    const base = this.baseName(cur, loc, hint, hidden || anns.some((a) => a.k === 'as'), stars > 0);
    return { base, stars, dims, isConst };
  }

  private baseName(t: CType, loc: CLoc, hint: string, hidden: boolean, behindPointer: boolean): string {
    switch (t.kind) {
      case 'base': {
        const s = baseScalar(t.name);
        if (!s) {
          this.error(loc, `${t.name} values cannot cross (no IDL type for them)`, 'unsupported');
          return 'u8';
        }
        return s;
      }
      case 'typedef': {
        const known = knownTypedef(t.name);
        if (known) return known;
        const d = this.unit.typedefs.get(t.name);
        if (!d) {
          this.error(loc, `unknown type '${t.name}'`, 'unknown-type');
          return 'u8';
        }
        const target = d.type;
        if (target.kind === 'record') {
          const r = this.recordOf(t);
          if (!r) return this.forward(target.record.tag ?? t.name, hidden, behindPointer, loc);
          return this.needRecord(r.record, r.name, hidden, behindPointer);
        }
        if (target.kind === 'pointer' && target.to.kind === 'function') {
          this.callbacks.set(t.name, { name: t.name, loc: d.loc, type: target.to, anns: this.anns(d.attrs, true) });
          return t.name;
        }
        // `typedef enum { ... } name;`: the enum is declared under the typedef's name, nothing else.
        if (target.kind === 'enum' && !target.enumRef.tag && target.enumRef.def) return this.baseName(target, loc, t.name, hidden, behindPointer);
        if (target.kind === 'function') {
          this.error(loc, `'${t.name}' is a function type; use a pointer to it`, 'unsupported');
          return 'u8';
        }
        // A scalar (or array) typedef keeps its name: dma_addr_t reads better than u64.
        if (!this.typedefs.has(t.name)) {
          this.typedefs.set(t.name, { name: t.name, loc: d.loc, text: '' });
          const inner = this.typeText(target, d.loc, t.name, false, []);
          this.typedefs.set(t.name, {
            name: t.name,
            loc: d.loc,
            text: `typedef ${inner.isConst ? 'const ' : ''}${inner.base} ${'*'.repeat(inner.stars)}${t.name}${inner.dims.map((x) => `[${x}]`).join('')};`,
          });
        }
        return t.name;
      }
      case 'record': {
        const r = this.recordOf(t, hint);
        if (!r) return this.forward(t.record.tag ?? hint, hidden, behindPointer, loc);
        return this.needRecord(r.record, r.name, hidden, behindPointer);
      }
      case 'enum': {
        const def = t.enumRef.def ?? (t.enumRef.tag ? this.unit.enums.get(t.enumRef.tag) : undefined);
        if (!def) return 's32';
        const name = def.tag ?? this.enumNames.get(def) ?? hint;
        this.enums.set(name, { name, def });
        return name;
      }
      case 'unsupported':
        this.error(t.loc, `cannot lower '${t.text}': mark the field MDL_SKIP or give it a plain type`, 'unsupported');
        return 'u8';
      default:
        this.error(loc, `cannot lower type ${cTypeText(t)}`, 'unsupported');
        return 'u8';
    }
  }

  /** A struct or union only known by name: fine behind a handle. */
  private forward(name: string, hidden: boolean, behindPointer: boolean, loc: CLoc): string {
    if (!behindPointer) this.error(loc, `'${name}' is only declared here, so it cannot be held by value`, 'incomplete-type');
    if (!hidden && behindPointer) this.error(loc, `'${name}' is only declared, so a pointer to it can only cross as a handle: add MDL_OPAQUE`, 'needs-annotation');
    if (!this.forwards.has(name)) this.forwards.set(name, this.forwardLoc(name) ?? loc);
    return name;
  }
  private readonly forwards = new Map<string, CLoc>();

  /** Where `struct name;` (or a definition) is written, for the comment on the forward declaration. */
  private forwardLoc(name: string): CLoc | null {
    const rec = this.unit.records.get(name);
    if (rec) return rec.loc;
    for (const d of this.unit.decls) if (d.kind === 'tag' && d.type.kind === 'record' && d.type.record.tag === name) return d.loc;
    return null;
  }

  private needRecord(record: CRecord, name: string, hidden: boolean, behindPointer: boolean): string {
    if (this.opsTables.has(name)) return name; // an ops table is the interface of that name
    if (hidden && behindPointer) {
      if (!this.views.has(name) && !this.forwards.has(name)) this.forwards.set(name, record.loc);
      return name;
    }
    if (record.kind === 'union' && !behindPointer) {
      this.unionDecl(record, name);
      return name;
    }
    const v = this.view(record, name);
    // Held by value: every field is part of the value.
    if (!behindPointer) this.markShallow(record, v.name);
    return name;
  }

  private unionDecl(record: CRecord, name: string): void {
    if (this.unions.has(name)) return;
    this.unions.set(name, { name, record, switchType: null, loc: record.loc });
  }

  private typeName(tokens: CToken[], loc: CLoc): string | null {
    const words = tokens.map((t) => t.text).filter((w) => w !== 'struct' && w !== 'union' && w !== 'const');
    if (words.length !== 1 || !/^[A-Za-z_]\w*$/.test(words[0]!)) {
      this.error(loc, `expected a type name, got '${tokens.map((t) => t.text).join(' ')}'`, 'bad-annotation');
      return null;
    }
    const name = words[0]!;
    const rec = this.unit.records.get(name);
    if (rec) return this.needRecord(rec, name, false, true);
    const td = this.unit.typedefs.get(name);
    if (td) {
      const r = this.recordOf({ kind: 'typedef', name, qualifiers: [] });
      if (r) return this.needRecord(r.record, r.name, false, true);
    }
    this.error(loc, `unknown struct or union '${name}'`, 'unknown-type');
    return null;
  }

  /** A C constant expression in an annotation, as IDL: sibling names kept, sizeof types renamed. */
  private cExpr(tokens: CToken[], scope: string[], loc: CLoc): string {
    const out: string[] = [];
    for (let i = 0; i < tokens.length; i++) {
      const t = tokens[i]!;
      if (t.kind === 'ident') {
        if (t.text === 'struct' || t.text === 'union' || t.text === 'enum') continue;
        if (t.text === 'sizeof') {
          out.push('sizeof');
          continue;
        }
        if (scope.includes(t.text)) {
          out.push(t.text);
          continue;
        }
        const v = this.enumConst(t.text);
        if (v !== null) {
          out.push(v.toString());
          continue;
        }
        const prev = tokens[i - 1]?.text;
        const prev2 = tokens[i - 2]?.text;
        if (prev === '(' && (prev2 === 'sizeof' || tokens[i - 2]?.text === 'struct')) {
          out.push(this.sizeofName(t.text, loc));
          continue;
        }
        if (prev === 'struct' || prev === 'union') {
          out.push(this.sizeofName(t.text, loc));
          continue;
        }
        // Not a sibling, not a constant: most likely a misspelt sibling. The checker would say so
        // too, but without the name meant.
        const hint = nearest(t.text, scope);
        if (hint && !this.unit.typedefs.has(t.text)) this.error(t.loc, `'${t.text}' is neither a field nor a parameter here, nor a constant (did you mean '${hint}'?)`, 'bad-annotation');
        out.push(t.text);
      } else if (t.kind === 'number') {
        const v = parseCInt(t.text);
        if (v === null) this.error(t.loc, `'${t.text}' is not an integer`, 'bad-annotation');
        out.push(v === null ? '0' : v.toString());
      } else out.push(t.text);
    }
    return out.join(' ').replace(/\( /g, '(').replace(/ \)/g, ')').replace(/sizeof \(/g, 'sizeof(');
  }

  private sizeofName(name: string, loc: CLoc): string {
    const known = knownTypedef(name) ?? baseScalar(name);
    if (known) return known;
    const rec = this.unit.records.get(name);
    if (rec) return this.needRecord(rec, name, false, false);
    const td = this.unit.typedefs.get(name);
    if (td) return this.baseName({ kind: 'typedef', name, qualifiers: [] }, loc, name, false, false);
    return name;
  }

  private enumConst(name: string): bigint | null {
    for (const e of this.unit.enums.values()) {
      const i = e.members.findIndex((m) => m.name === name);
      if (i >= 0) return this.enumValues(e)[i] ?? null;
    }
    for (const d of this.unit.decls) {
      if (d.kind !== 'tag' || d.type.kind !== 'enum' || !d.type.enumRef.def) continue;
      const e = d.type.enumRef.def;
      const i = e.members.findIndex((m) => m.name === name);
      if (i >= 0) return this.enumValues(e)[i] ?? null;
    }
    return null;
  }

  private readonly enumCache = new Map<CEnum, (bigint | null)[]>();
  private enumValues(e: CEnum): (bigint | null)[] {
    const cached = this.enumCache.get(e);
    if (cached) return cached;
    const out: (bigint | null)[] = [];
    this.enumCache.set(e, out);
    let next: bigint | null = 0n;
    for (const m of e.members) {
      const v: bigint | null = m.value ? this.evalConst(m.value) : next;
      out.push(v);
      next = v === null ? null : v + 1n;
    }
    return out;
  }

  private evalConst(tokens: CToken[]): bigint | null {
    return evalCConst(tokens, {
      enumValue: (n: string): bigint | null => this.enumConst(n),
      sizeof: (t: CType): bigint | null => this.sizes.sizeAlign(t)?.size ?? null,
      alignof: (t: CType): bigint | null => this.sizes.sizeAlign(t)?.align ?? null,
      parseType: (toks: CToken[]): CType | null => parseCTypeName(toks, this.unit.typedefs.keys()),
      typedefType: (name: string): CType | null => this.unit.typedefs.get(name)?.type ?? null,
    });
  }

  private arraySize(tokens: CToken[], loc: CLoc): string {
    const v = this.evalConst(tokens);
    if (v === null || v <= 0n) {
      this.error(loc, `cannot evaluate the array size '${tokens.map((t) => t.text).join(' ')}'`, 'unsupported');
      return '1';
    }
    return v.toString();
  }

  // ---- closing over the types fields need --------------------------------------------------

  private renderedFields = new Map<string, { text: string; loc: CLoc }[]>();

  /** Renders every view's fields; rendering can add fields and views, so repeat until nothing changes. */
  private closeViews(): void {
    for (let round = 0; round < 1000; round++) {
      const before = this.stateSize();
      for (const v of [...this.views.values()]) this.renderedFields.set(v.name, this.renderFields(v));
      for (const u of [...this.unions.values()]) this.renderedFields.set(`union ${u.name}`, this.renderUnionArms(u));
      for (const c of [...this.callbacks.values()]) this.renderedFields.set(`callback ${c.name}`, [{ text: this.renderCallback(c), loc: c.loc }]);
      if (this.stateSize() === before) return;
    }
  }

  private stateSize(): string {
    let n = 0;
    for (const v of this.views.values()) n += v.fields.size;
    return `${this.views.size}/${n}/${this.unions.size}/${this.callbacks.size}/${this.enums.size}/${this.typedefs.size}/${this.forwards.size}`;
  }

  private renderFields(v: View): { text: string; loc: CLoc }[] {
    const out: { text: string; loc: CLoc }[] = [];
    for (const m of members(v.record)) {
      if (!m.name || !v.fields.has(m.name)) continue;
      if (v.record.tag === v.name || this.unit.typedefs.has(v.name)) this.targets.set(m.loc, `${v.name}.${m.name}`);
      this.watch(m.loc, () => this.renderField(v, m, out));
    }
    return out;
  }

  /** Per crossing function (by its position), the column span of each parameter on its IDL line. */
  private readonly paramSpans = new Map<CLoc, { start: number; end: number; loc: CLoc; target: string }[]>();

  /** How a sidecar names each rendered field (`owner.member`), for hints in diagnostics. */
  private readonly targets = new Map<CLoc, string>();

  /** Remembers the declarations lowering found errors in, so the checker does not repeat them. */
  private readonly errored = new Set<CLoc>();
  private watch(loc: CLoc, render: () => void): void {
    const before = this.diags.length;
    render();
    if (this.diags.slice(before).some((d) => d.severity === 'error')) this.errored.add(loc);
  }

  private renderField(v: View, m: CMember, out: { text: string; loc: CLoc }[]): void {
    if (!m.name) return;
    // DriverSlicer's fixedarray(n) on an array restates the size C already gives.
    const onArray = this.strip(m.type).t.kind === 'array';
    // A role on a data field was reported when the crossing functions were collected.
    const anns = this.only(
      this.anns(m.attrs, this.isPointer(m.type)).filter((a) => !ROLE_ANNS.has(a.k) && !(onArray && a.spelled === 'fixedarray')),
      (k) => !FN_ANNS.has(k) && !PARAM_ONLY.has(k),
      `field '${m.name}'`,
    );
    const scope = members(v.record).map((x) => x.name!).filter((x) => x);
    const why = this.cannotCross(m.type, anns);
    const skipped = anns.some((a) => a.k === 'skip');
    if (why && !this.isOwn(v.record.loc) && !this.named.has(`${v.name}.${m.name}`)) {
      // A kernel header nobody can annotate: what cannot cross stays behind, said once, not fatal.
      if (!skipped)
        this.warn(m.loc, `${v.record.kind} ${v.name} member '${m.name}' (${why}) cannot cross; it is left out of the view (say so with '${v.name}.${m.name}: skip' in a sidecar)`, 'left-behind');
      return;
    }
    if (why && skipped) {
      // Skipped state the IDL has no type for keeps its size; a flexible array has none.
      const size = this.sizes.sizeAlign(m.type)?.size;
      if (size) out.push({ text: `[skip] u8 ${m.name}[${size}];`, loc: m.loc });
      return;
    }
    if (m.bits) {
      const w = this.evalConst(m.bits);
      out.push({ text: `${this.renderValue(m.type, m.name, anns.filter((a) => !UNION_ARM.has(a.k)), m.loc, scope, `${v.name}_${m.name}`)} : ${w ?? 1};`, loc: m.loc });
      return;
    }
    const unionType = this.recordOf(m.type, `${v.name}_${m.name}`);
    if (unionType?.record.kind === 'union' && this.strip(m.type).t.kind === 'record') {
      const sw = find(anns, 'switch');
      const hidden = anns.some((a) => a.k === 'skip' || a.k === 'combolock');
      if (sw) {
        const disc = members(v.record).find((x) => x.name === sw.field);
        const u = this.unions.get(unionType.name) ?? { name: unionType.name, record: unionType.record, switchType: null, loc: unionType.record.loc };
        u.switchType = disc ? this.typeText(disc.type, disc.loc, sw.field, false, []).base : null;
        if (!disc) this.error(sw.loc, `MDL_SWITCH names '${sw.field}', which is not a field of ${v.record.kind} ${v.name}`, 'bad-annotation');
        this.unions.set(unionType.name, u);
      } else if (!hidden) {
        this.error(m.loc, `union field '${m.name}' needs MDL_SWITCH(field) naming its discriminant, or MDL_SKIP`, 'needs-annotation');
      } else this.unions.set(unionType.name, this.unions.get(unionType.name) ?? { name: unionType.name, record: unionType.record, switchType: null, loc: unionType.record.loc });
    }
    out.push({ text: `${this.renderValue(m.type, m.name, anns.filter((a) => !UNION_ARM.has(a.k)), m.loc, scope, `${v.name}_${m.name}`)};`, loc: m.loc });
  }

  /** Why a member's C type has no IDL form (null when it has one); nothing is recorded. */
  private cannotCross(t: CType, anns: Ann[]): string | null {
    let cur = this.strip(t).t;
    for (let i = 0; i < 64 && cur.kind === 'array'; i++) {
      if (!cur.size) return 'a flexible array member';
      cur = this.strip(cur.of).t;
    }
    switch (cur.kind) {
      case 'base':
        return baseScalar(cur.name) ? null : `${cur.name}`;
      case 'unsupported':
        return cur.text;
      case 'function':
        return 'a function type';
      case 'record': {
        const def = cur.record.def ?? (cur.record.tag ? this.unit.records.get(cur.record.tag) : undefined);
        if (!def) return `an incomplete ${cur.record.kind} held by value`;
        if (def.kind === 'union' && !anns.some((a) => a.k === 'switch' || a.k === 'skip' || a.k === 'combolock')) return 'a union without a discriminant';
        return null;
      }
      default:
        return null;
    }
  }

  private renderUnionArms(u: { name: string; record: CRecord; switchType: string | null }): { text: string; loc: CLoc }[] {
    const out: { text: string; loc: CLoc }[] = [];
    for (const m of members(u.record)) {
      const anns = this.anns(m.attrs, this.isPointer(m.type));
      const label = find(anns, 'case');
      const dflt = find(anns, 'default');
      let prefix = '';
      if (u.switchType) {
        if (label) prefix = `case ${label.values.map((v) => this.caseValue(v, label.loc)).join(', ')}: `;
        else if (dflt) prefix = 'default: ';
        else this.error(m.loc, `member '${m.name}' of union ${u.name} needs MDL_CASE(value) or MDL_DEFAULT`, 'needs-annotation');
      }
      const scope = members(u.record).map((x) => x.name!);
      this.watch(m.loc, () => out.push({ text: `${prefix}${this.renderValue(m.type, m.name!, anns.filter((a) => !UNION_ARM.has(a.k)), m.loc, scope, `${u.name}_${m.name}`)};`, loc: m.loc }));
    }
    return out;
  }

  private caseValue(tokens: CToken[], loc: CLoc): string {
    const v = this.evalConst(tokens);
    if (v === null) {
      this.error(loc, `cannot evaluate case value '${tokens.map((t) => t.text).join(' ')}'`, 'bad-annotation');
      return '0';
    }
    return v.toString();
  }

  private renderCallback(c: { name: string; type: FnType; loc: CLoc }): string {
    const names = c.type.params.map((p, i) => p.name ?? `arg${i}`);
    const params = c.type.params.filter((p) => !(p.type.kind === 'base' && p.type.name === 'void' && c.type.params.length === 1));
    const parts = params.map((p, i) => this.renderValue(p.type, names[i]!, this.anns(p.attrs, this.isPointer(p.type)), p.loc, names, `${c.name}_${names[i]}`));
    const ret = this.renderValue(c.type.returns, '', [], c.loc, names, `${c.name}_ret`).trim();
    return `callback ${ret} ${c.name}(${parts.join(', ')});`;
  }

  // ---- output ----------------------------------------------------------------------------

  private comment(loc: CLoc): string {
    return `    // ${this.opts.displayPath(loc.file)}:${loc.line}\n`;
  }

  /** `[header("linux/netdevice.h")] ` when the k-driver gets the type from that header (docs/annotations.md). */
  private headerAttr(loc: CLoc, record?: CRecord, enumSpelling?: string): string {
    if (this.isOwn(loc) && !this.opts.ownHeaders) return '';
    const h = this.opts.displayPath(loc.file).replace(/^uapi\//, '');
    if (badHeaderPath(h) !== null) return '';
    if (enumSpelling) return `[header("${h}", "${enumSpelling}")] `;
    if (!record || record.tag) return `[header("${h}")] `;
    // A record without a tag is spelled by its typedef or as the type of the member holding it.
    const spelling = this.spellings.get(record);
    return spelling ? `[header("${h}", "${spelling}")] ` : '';
  }

  private render(fns: Crossing[], rendered: string[]): { text: string; lineLocs: (CLoc | null)[] } {
    // Each block keeps, per line, the C position it came from: the checker's complaints about a
    // field then point at the field, not at the struct around it.
    const blocks: { loc: CLoc; text: string; locs: (CLoc | null)[] }[] = [];
    const top = (loc: CLoc, body: string, inner: (CLoc | null)[] = [], header = this.headerAttr(loc)): void => {
      // The declaration's lines are its own position; the lines after its `{` its members', in order
      // (whatever attribute lines come before the `{`).
      const lines = body.split('\n');
      const open = lines.findIndex((l) => l.endsWith('{'));
      const locs: (CLoc | null)[] = [null, ...lines.map((_, i) => (open >= 0 && i > open ? (inner[i - open - 1] ?? null) : loc))];
      blocks.push({ loc, text: `// ${this.opts.displayPath(loc.file)}:${loc.line}\n${header}${body}\n`, locs });
    };
    for (const e of this.enums.values()) {
      const values = this.enumValues(e.def);
      const members = e.def.members.map((m, i) => `    ${m.name} = ${values[i] ?? 0},`).join('\n');
      const min = values.reduce<bigint>((a, b) => (b !== null && b < a ? b : a), 0n);
      const max = values.reduce<bigint>((a, b) => (b !== null && b > a ? b : a), 0n);
      const base = min < 0n || max <= 0x7fffffffn ? '' : max <= 0xffffffffn ? ' : u32' : ' : u64';
      // The kernel C spells a header's enum its way: by tag, by the typedef of one without a tag
      // (`e1000_mac_type`), or, with neither, as the integer type C gives its values.
      const spelling = e.def.tag ? undefined : (this.enumNames.get(e.def) ?? (base ? base.slice(3) : 's32'));
      top(e.def.loc, `enum ${e.name}${base} {\n${members}\n}`, e.def.members.map((m) => m.loc), this.headerAttr(e.def.loc, undefined, spelling));
    }
    for (const t of this.typedefs.values()) top(t.loc, t.text);
    // A callback type named after the field that holds it (`napi_struct_poll_fn`) is no header's.
    for (const c of this.callbacks.values()) top(c.loc, this.renderedFields.get(`callback ${c.name}`)![0]!.text, [], this.unit.typedefs.has(c.name) ? this.headerAttr(c.loc) : '');
    for (const [f, loc] of this.forwards) if (!this.views.has(f) && !this.opsTables.has(f) && !this.unions.has(f)) top(loc, `struct ${f};`);
    for (const v of this.views.values()) {
      if (this.opsTables.has(v.name)) continue;
      const fields = this.renderedFields.get(v.name) ?? [];
      const kind = v.record.kind === 'union' ? 'union' : 'struct';
      top(v.loc, `${kind} ${v.name} {\n${fields.map((f) => `    ${f.text}\n`).join('')}}`, fields.map((f) => f.loc), this.headerAttr(v.loc, v.record));
    }
    for (const u of this.unions.values()) {
      const arms = this.renderedFields.get(`union ${u.name}`) ?? [];
      top(u.loc, `union ${u.name}${u.switchType ? ` switch (${u.switchType})` : ''} {\n${arms.map((a) => `    ${a.text}\n`).join('')}}`, arms.map((a) => a.loc), this.headerAttr(u.loc, u.record));
    }
    // The driver's own declarations first, then the kernel's; each in header order. Display paths,
    // not absolute ones, so the order is the same wherever the sources live.
    const key = (l: CLoc): [number, string, number, number] => [this.isOwn(l) ? 0 : 1, this.opts.displayPath(l.file), l.line, l.column];
    blocks.sort((a, b) => {
      const x = key(a.loc);
      const y = key(b.loc);
      return x[0] - y[0] || (x[1] < y[1] ? -1 : x[1] > y[1] ? 1 : 0) || x[2] - y[2] || x[3] - y[3];
    });
    const ifaces = new Map<string, { text: string; loc: CLoc }[]>();
    fns.forEach((f, i) => {
      const list = ifaces.get(f.iface) ?? [];
      list.push({ text: rendered[i]!, loc: f.loc });
      ifaces.set(f.iface, list);
    });
    // An ops table is the kernel's struct (or the driver's): it gets the header of its declaration.
    const opsHeader = (name: string): string => {
      const rec = this.opsTables.has(name) ? [...this.namedRecords()].find(([tag]) => tag === name)?.[1] : undefined;
      return rec ? this.headerAttr(rec.loc) : '';
    };
    const lineLocs: (CLoc | null)[] = [null, null];
    let text = `module ${this.opts.module} version ${this.opts.version};\n\n`;
    blocks.forEach((b, i) => {
      if (i) {
        text += '\n';
        lineLocs.push(null);
      }
      text += b.text;
      lineLocs.push(...b.locs);
    });
    text += '\n';
    lineLocs.push(null);
    [...ifaces].forEach(([name, list], i) => {
      if (i) {
        text += '\n';
        lineLocs.push(null);
      }
      text += `${opsHeader(name)}interface ${name} {\n`;
      lineLocs.push(name === this.opts.interfaceName ? this.commandLine : (list[0]?.loc ?? null));
      for (const f of list) {
        text += f.text;
        // The function's comment line, then the function.
        lineLocs.push(null, f.loc);
      }
      text += '}\n';
      lineLocs.push(null);
    });
    return { text, lineLocs };
  }
}

// ---- helpers ---------------------------------------------------------------------------------

/**
 * The checker's `closest`, and for names of five letters or more one more edit of slack: in a count a
 * sibling's name is by far the likeliest meaning of an unknown word (`lenth` for `len`).
 */
function nearest(name: string, candidates: string[]): string | null {
  const c = closest(name, candidates);
  if (c || name.length < 5) return c;
  let best: string | null = null;
  let bestD = 3;
  for (const x of candidates) {
    const d = levenshtein(name.toLowerCase(), x.toLowerCase());
    if (d < bestD) {
      best = x;
      bestD = d;
    }
  }
  return best;
}

function levenshtein(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) row.push(Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1)));
    prev = row;
  }
  return prev[b.length]!;
}

/** Members of a record with anonymous struct/union members flattened, as C lets code name them. */
function members(r: CRecord): CMember[] {
  const out: CMember[] = [];
  for (const m of r.members) {
    if (m.name) out.push(m);
    else if (m.type.kind === 'record' && m.type.record.def && !m.bits) out.push(...members(m.type.record.def));
  }
  return out;
}

function functionPointer(t: CType, unit: CTranslationUnit): FnType | null {
  const strip = (x: CType): CType => {
    let cur = x;
    for (let i = 0; i < 16 && cur.kind === 'typedef'; i++) {
      const d = unit.typedefs.get(cur.name);
      if (!d) break;
      cur = d.type;
    }
    return cur;
  };
  const cur = strip(t);
  if (cur.kind !== 'pointer') return null;
  // `int (*get)(...)`, or `snd_kcontrol_get_t *get` through a function typedef.
  const to = strip(cur.to);
  return to.kind === 'function' ? to : null;
}

function qualifiers(t: CType): string[] {
  return 'qualifiers' in t && Array.isArray(t.qualifiers) && t.kind !== 'pointer' ? t.qualifiers : [];
}

function spelling(a: Ann): string {
  return a.spelled.startsWith('mdl_') ? `MDL_${a.spelled.slice(4).toUpperCase()}` : a.spelled;
}

function pathText(p: Path): string {
  return [p.root, ...p.fields].join('->') + (p.wildcard === 'shallow' ? '->*' : p.wildcard === 'deep' ? '->**' : '');
}

export function cTypeText(t: CType): string {
  switch (t.kind) {
    case 'base':
      return t.name;
    case 'typedef':
      return t.name;
    case 'record':
      return `${t.record.kind} ${t.record.tag ?? '<anonymous>'}`;
    case 'enum':
      return `enum ${t.enumRef.tag ?? '<anonymous>'}`;
    case 'pointer':
      return `${cTypeText(t.to)} *`;
    case 'array':
      return `${cTypeText(t.of)}[]`;
    case 'function':
      return `${cTypeText(t.returns)} (...)`;
    case 'unsupported':
      return t.text;
  }
}

export function parseCInt(text: string): bigint | null {
  const m = /^(0[xX][0-9a-fA-F]+|0[bB][01]+|0[0-7]*|[1-9][0-9]*)([uUlL]*)$/.exec(text);
  if (!m) return null;
  const digits = m[1]!;
  if (/^0[0-7]+$/.test(digits)) return BigInt('0o' + digits.slice(1));
  return BigInt(digits);
}

function locCmp(a: CLoc, b: CLoc): number {
  return a.file < b.file ? -1 : a.file > b.file ? 1 : a.line - b.line || a.column - b.column;
}

function toLoc(l: CLoc): A.Loc {
  return { file: l.file, line: l.line, column: l.column, offset: 0, endOffset: 0, endLine: l.line, endColumn: l.column + 1 };
}

export type { CDecl };
