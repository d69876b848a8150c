// Checked AST to IR. Runs only on programs the checker accepted, so it reads the checker's caches
// and does not re-validate; an inconsistency here is a bug, reported by throwing.
import type * as A from '../../idl/ast.js';
import { pointerMode } from '../../idl/checker/classify.js';
import type { CheckContext, ResolvedPath, Slot } from '../../idl/checker/context.js';
import { strip, type Ty } from '../../idl/checker/types.js';
import { memberAlternatives } from '../../idl/checker/rules/containers.js';
import {
  IR_VERSION,
  type IrAccess,
  type IrCallback,
  type IrExpr,
  type IrField,
  type IrFunction,
  type IrInterface,
  type IrMarshal,
  type IrParam,
  type IrProgram,
  type IrSelection,
  type IrSource,
  type IrType,
  type IrTypeDecl,
} from './types.js';

export function buildIr(ctx: CheckContext): IrProgram {
  return new IrBuilder(ctx).program();
}

class IrBuilder {
  constructor(private readonly ctx: CheckContext) {}

  program(): IrProgram {
    const ctx = this.ctx;
    // Modules sorted by name so the IR does not depend on the order files were given or imported.
    const docs = [...ctx.program.documents].sort((a, b) => cmp(a.module?.name.value ?? '', b.module?.name.value ?? ''));
    const ir: IrProgram = { version: IR_VERSION, abi: ctx.abi, modules: [], constants: [], types: [], interfaces: [] };
    for (const doc of docs) {
      const module = doc.module?.name.value ?? '';
      ir.modules.push({
        name: module,
        version: Number(doc.module?.version.value ?? 0),
        file: doc.file,
        input: ctx.program.inputs.includes(doc.file),
      });
      for (const d of doc.decls) {
        switch (d.kind) {
          case 'Const':
            ir.constants.push({
              name: d.name.value,
              module,
              type: d.type ? this.type(this.must(ctx.typeOf(d.type))) : null,
              value: this.must(ctx.constValue(d)).toString(),
              source: src(d.name.loc),
            });
            break;
          case 'Interface':
            ir.interfaces.push(this.iface(d, module));
            break;
          default:
            ir.types.push(this.typeDecl(d, module));
        }
      }
    }
    return ir;
  }

  private must<T>(v: T | null | undefined): T {
    if (v === null || v === undefined) throw new Error('internal: IR built from a program with errors');
    return v;
  }

  private id(node: A.Decl | A.FunctionDecl): number {
    return this.must(this.ctx.ids.get(node));
  }

  type(t: Ty): IrType {
    switch (t.k) {
      case 'int':
        return { kind: 'int', name: t.name, bits: t.bits, signed: t.signed };
      case 'bool':
      case 'char':
      case 'void':
        return { kind: t.k };
      case 'struct':
      case 'union':
      case 'enum':
      case 'callback':
      case 'interface':
        return { kind: t.k, name: t.decl.name.value };
      case 'alias':
        return { kind: 'alias', name: t.decl.name.value, target: this.type(t.target) };
      case 'pointer':
        return { kind: 'pointer', to: this.type(t.to), isConst: t.isConst };
      case 'array':
        return { kind: 'array', of: this.type(t.of), length: Number(t.length) };
    }
  }

  private typeDecl(d: Exclude<A.Decl, A.ConstDecl | A.InterfaceDecl>, module: string): IrTypeDecl {
    const ctx = this.ctx;
    const source = src(d.name.loc);
    const header = this.header(d.attrs);
    const spelled = this.ctx.attr(d.attrs, 'header')?.args[1];
    const cSpelling = spelled?.kind === 'StringLiteral' ? spelled.value : null;
    switch (d.kind) {
      case 'Struct': {
        if (d.fields === null)
          return { kind: 'struct', name: d.name.value, module, header, cSpelling, id: this.id(d), complete: false, size: 0, align: 1, fields: [], source };
        const layout = this.must(ctx.layout(d, d.name.loc));
        return {
          kind: 'struct',
          name: d.name.value,
          module,
          header,
          cSpelling,
          id: this.id(d),
          complete: true,
          size: Number(layout.size),
          align: layout.align,
          fields: this.fieldsOf(d),
          source,
        };
      }
      case 'Union': {
        const layout = this.must(ctx.layout(d, d.name.loc));
        return {
          kind: 'union',
          name: d.name.value,
          module,
          header,
          cSpelling,
          id: this.id(d),
          discriminant: d.switchType ? this.type(this.must(ctx.typeOf(d.switchType))) : null,
          size: Number(layout.size),
          align: layout.align,
          arms: d.arms.map((arm, i) => ({
            cases: arm.cases.map((c) => this.must(ctx.evalConst(c)).toString()),
            isDefault: arm.isDefault,
            field: this.fieldsOf(d)[i]!,
          })),
          source,
        };
      }
      case 'Enum': {
        const base = ctx.enumBase(d);
        return {
          kind: 'enum',
          name: d.name.value,
          module,
          header,
          cSpelling,
          id: this.id(d),
          base: this.type(base),
          size: Number(this.must(ctx.sizeAlign(base, d.name.loc)).size),
          members: d.members.map((m) => ({ name: m.name.value, value: this.must(ctx.constValue(m)).toString() })),
          source,
        };
      }
      case 'Typedef':
        return { kind: 'typedef', name: d.name.value, module, header, target: this.type(this.must(ctx.typeOf(d.type, d.dims, d))), source };
      case 'Callback':
        return this.callback(d, module);
    }
  }

  private header(attrs: A.Attribute[]): string | null {
    const arg = this.ctx.attr(attrs, 'header')?.args[0];
    return arg?.kind === 'StringLiteral' ? arg.value : null;
  }

  private slotOf(node: object): Slot {
    return this.must(this.ctx.slotOf.get(node));
  }

  private field(f: A.Field, l: { offset: bigint; size: bigint; bitOffset: number | null; bitWidth: number | null }): IrField {
    const slot = this.slotOf(f);
    const t = this.must(this.ctx.slotType(slot));
    return {
      name: f.name.value,
      type: this.type(t),
      marshal: this.marshal(slot, t),
      offset: Number(l.offset),
      size: Number(l.size),
      bitOffset: l.bitOffset,
      bitWidth: l.bitWidth,
      source: src(f.name.loc),
    };
  }

  private marshal(slot: Slot, t: Ty): IrMarshal {
    const ctx = this.ctx;
    const has = (n: string): boolean => ctx.has(slot.attrs, n);
    const s = strip(t);
    let mode: IrMarshal['mode'];
    if (has('skip')) mode = 'skip';
    else if (has('combolock')) mode = 'combolock';
    else if (s.k === 'callback') mode = 'callback';
    else mode = pointerMode(ctx, slot, t) ?? 'value';
    const countArg = ctx.attr(slot.attrs, 'count')?.args[0];
    const maxArg = ctx.attr(slot.attrs, 'max')?.args[0];
    const asArg = ctx.attr(slot.attrs, 'as')?.args[0];
    const cont = ctx.attr(slot.attrs, 'container')?.args;
    const sw = ctx.attr(slot.attrs, 'switch')?.args[0];
    const trailing = ctx.attr(slot.attrs, 'trailing')?.args[0];
    // A union arm has no siblings it may name; its counts use constants only (as the checker says).
    const scope = slot.arm ? [] : slot.scope();
    const name = (e: A.Expr | undefined): string => (e?.kind === 'NameRef' ? e.name.value : '');
    const out = slot.kind === 'param' && (has('out') || has('inout'));
    return {
      mode,
      nonNull: has('ref') || out,
      count: countArg ? this.expr(countArg, scope) : null,
      max: maxArg ? Number(this.must(ctx.evalConst(maxArg))) : null,
      string: has('string'),
      asType: asArg ? name(asArg) : null,
      container: cont ? this.container(name(cont[0]), cont[1]) : null,
      switchOn: sw ? { name: name(sw), index: scope.findIndex((x) => x.name === name(sw) && x.kind !== 'return') } : null,
      recursive: has('recursive'),
      trailing: trailing ? name(trailing) : null,
    };
  }

  private container(type: string, arg: A.Expr | undefined): IrMarshal['container'] {
    const paths = (memberAlternatives(arg) ?? []).map((steps) => steps.map((n) => n.value).join('.'));
    if (paths.length < 2) return { type, field: paths[0] ?? '', alternatives: null };
    return { type, field: paths[0]!, alternatives: paths };
  }

  private expr(e: A.Expr, scope: Slot[]): IrExpr {
    const ctx = this.ctx;
    switch (e.kind) {
      case 'IntLiteral':
        return { kind: 'literal', value: e.value };
      case 'StringLiteral':
      case 'MemberPath':
      case 'MemberChoice':
        throw new Error(`internal: a ${e.kind} where the checker accepts only numbers`);
      case 'NameRef': {
        const index = scope.findIndex((s) => s.name === e.name.value && s.kind !== 'return');
        if (index >= 0) return { kind: 'slot', name: e.name.value, index };
        return { kind: 'constant', name: e.name.value, value: this.must(ctx.evalConst(e)).toString() };
      }
      case 'Sizeof': {
        const t = this.must(ctx.typeOf(e.type));
        return { kind: 'sizeof', type: this.type(t), value: this.must(ctx.sizeAlign(t, e.loc)).size.toString() };
      }
      case 'Unary':
        return { kind: 'unary', op: e.op, operand: this.expr(e.operand, scope) };
      case 'Binary':
        return { kind: 'binary', op: e.op, left: this.expr(e.left, scope), right: this.expr(e.right, scope) };
    }
  }

  private params(fn: A.FunctionDecl | A.CallbackDecl): IrParam[] {
    return fn.params.map((p) => {
      const slot = this.slotOf(p);
      const t = this.must(this.ctx.slotType(slot));
      const direction = this.ctx.has(p.attrs, 'inout') ? 'inout' : this.ctx.has(p.attrs, 'out') ? 'out' : 'in';
      return { name: p.name.value, type: this.type(t), direction, marshal: this.marshal(slot, t), source: src(p.name.loc) };
    });
  }

  private returns(fn: A.FunctionDecl | A.CallbackDecl): { type: IrType; marshal: IrMarshal } {
    const slot = this.must((this.ctx.slotsOf.get(fn) ?? []).find((s) => s.kind === 'return'));
    const t = this.must(this.ctx.slotType(slot));
    return { type: this.type(t), marshal: this.marshal(slot, t) };
  }

  private callback(d: A.CallbackDecl, module: string): IrCallback {
    return { kind: 'callback', name: d.name.value, module, header: this.header(d.attrs), id: this.id(d), returns: this.returns(d), params: this.params(d), source: src(d.name.loc) };
  }

  private iface(d: A.InterfaceDecl, module: string): IrInterface {
    return { name: d.name.value, module, header: this.header(d.attrs), id: this.id(d), functions: d.functions.map((f) => this.fn(f)), source: src(d.name.loc) };
  }

  private fn(f: A.FunctionDecl): IrFunction {
    const params = this.params(f);
    const writes = f.role === 'critical' ? [] : f.writes ? this.access(f.writes, params) : this.defaultAccess(params, true);
    const reads = f.role === 'critical' ? [] : f.reads ? this.access(f.reads, params, f.writes ? this.passedPointers(f.writes, params) : []) : this.defaultAccess(params, false);
    // What the u-driver sends the kernel (a downcall's reads, an upcall's writes) never holds a
    // pointer-to-const field of the kernel's own structs: only the k-driver sets one, and the
    // kernel refuses a message that carries one. The kernel's value stays where it is.
    this.dropKernelConst(f.role === 'downcall' ? reads : f.role === 'upcall' ? writes : [], params);
    return {
      name: f.name.value,
      id: this.id(f),
      role: f.role,
      returns: this.returns(f),
      params,
      explicitReads: f.reads !== null,
      explicitWrites: f.writes !== null,
      reads,
      writes,
      source: src(f.name.loc),
    };
  }

  /** Without a clause every tracked object a parameter reaches crosses, and comes back if writable: correct, not fast. */
  private defaultAccess(params: IrParam[], writes: boolean): IrAccess[] {
    const out: IrAccess[] = [];
    params.forEach((p, index) => {
      if (p.marshal.mode !== 'tracked') return;
      // The callee does not read what it is to fill in.
      if (!writes && p.direction === 'out') return;
      let t = p.type;
      while (t.kind === 'alias') t = t.target;
      // A by-value carrier ([as(T)] ulong) cannot bring changes back; neither can a pointer to const.
      if (writes && (t.kind !== 'pointer' || t.isConst)) return;
      out.push({ param: p.name, index, select: { all: 'deep', fields: [] } });
    });
    return out;
  }

  /**
   * The pointers writes paths pass through, as paths to add to the reads: the callee writes the
   * pointer back with its object, so it must hold the caller's value (else it would send NULL).
   */
  private passedPointers(paths: A.AccessPath[], params: IrParam[]): ResolvedPath[] {
    const out: ResolvedPath[] = [];
    for (const p of paths) {
      const r = this.must(this.ctx.paths.get(p));
      // The callee does not read an [out] parameter; it fills it in.
      if (params[r.param]!.direction === 'out') continue;
      const passed = r.wildcard === 'none' ? r.steps.length - 1 : r.steps.length;
      for (let k = 0; k < passed; k++) {
        const f = this.slotOf(r.steps[k]!.field);
        const t = this.must(this.ctx.slotType(f));
        if (pointerMode(this.ctx, f, t) === 'tracked') out.push({ param: r.param, steps: r.steps.slice(0, k + 1), wildcard: 'none' });
      }
    }
    return out;
  }

  /** The selection tree of `paths`, plus `implied` paths (marked implicit where they add a field). */
  private access(paths: A.AccessPath[], params: IrParam[], implied: ResolvedPath[] = []): IrAccess[] {
    const roots = new Map<number, IrSelection>();
    const resolved = paths.map((p) => ({ r: this.must(this.ctx.paths.get(p)), implicit: false }));
    for (const r of implied) resolved.push({ r, implicit: true });
    for (const { r, implicit } of resolved) {
      let sel: IrSelection = roots.get(r.param) ?? { all: 'none', fields: [] };
      roots.set(r.param, sel);
      for (const step of r.steps) {
        // An implied path adds nothing where a wildcard already takes every field (explicit paths come first).
        if (implicit && sel.all !== 'none') break;
        let node: IrSelection['fields'][number] | undefined = sel.fields.find((f) => f.index === step.index);
        const last = step === r.steps[r.steps.length - 1];
        // A path ending in a wildcard (`p.*`) names the field it ends at along with what is behind it.
        if (!node) sel.fields.push((node = { name: step.field.name.value, index: step.index, implicit, through: !last, select: null }));
        if (!implicit) node.implicit = false;
        if (last && !implicit) node.through = false;
        if (last && r.wildcard === 'none') break;
        node.select ??= { all: 'none', fields: [] };
        sel = node.select;
      }
      if (r.wildcard !== 'none' && (sel.all === 'none' || r.wildcard === 'deep')) sel.all = r.wildcard;
    }
    const out: IrAccess[] = [];
    for (const [index, select] of [...roots].sort((a, b) => a[0] - b[0])) {
      this.closeOver(select, params[index]!);
      out.push({ param: params[index]!.name, index, select });
    }
    return out;
  }

  /** A field that crosses drags along what the receiver needs to decode it: its count and its
   * discriminant. Each selection only needs its own holder, so an explicit stack walks the tree. */
  private closeOver(root: IrSelection, rootHolder: { type: IrType; marshal?: IrMarshal }): void {
    const work: { sel: IrSelection; holder: { type: IrType; marshal?: IrMarshal } }[] = [{ sel: root, holder: rootHolder }];
    while (work.length) {
      const { sel, holder } = work.pop()!;
      const agg = this.aggregateOf(holder.type, holder);
      if (agg && sel.all === 'none') {
        for (let i = 0; i < sel.fields.length; i++) {
          const f = agg[sel.fields[i]!.index]!;
          const deps: { name: string; index: number }[] = [];
          if (f.marshal.switchOn) deps.push(f.marshal.switchOn);
          if (f.marshal.count) collectSlots(f.marshal.count, deps);
          for (const dep of deps)
            if (!sel.fields.some((x) => x.index === dep.index))
              sel.fields.push({ name: dep.name, index: dep.index, implicit: true, through: false, select: null });
        }
      }
      sel.fields.sort((a, b) => a.index - b.index);
      for (const f of sel.fields) if (f.select && agg) work.push({ sel: f.select, holder: agg[f.index]! });
    }
  }

  /** Removes, from selections the u-driver sends, the fields dropKernelConst describes (an explicit stack). */
  private dropKernelConst(access: IrAccess[], params: IrParam[]): void {
    const work: { sel: IrSelection; holder: { type: IrType; marshal?: IrMarshal } }[] = access.map((a) => ({ sel: a.select, holder: params[a.index]! }));
    while (work.length) {
      const { sel, holder } = work.pop()!;
      const agg = this.aggregateOf(holder.type, holder);
      if (!agg) continue;
      const own = this.headerOf(holder.type, holder);
      sel.fields = sel.fields.filter((x) => {
        let t = agg[x.index]!.type;
        while (t.kind === 'alias') t = t.target;
        return !(own && t.kind === 'pointer' && t.isConst);
      });
      for (const x of sel.fields) if (x.select) work.push({ sel: x.select, holder: agg[x.index]! });
    }
  }

  /** Whether the struct a value holds or points to is a kernel header's ([header]). */
  private headerOf(t: IrType, holder: { marshal?: IrMarshal }): boolean {
    const cur = this.heldType(t, holder);
    if (cur.kind !== 'struct' && cur.kind !== 'union') return false;
    const sym = this.ctx.symbols.get(cur.name);
    return sym?.kind === 'type' && this.header(sym.decl.attrs) !== null;
  }

  /** The type a value holds or points to, through aliases, pointers ([as(T)] ones as T) and arrays. */
  private heldType(t: IrType, holder: { marshal?: IrMarshal }): IrType {
    let cur: IrType = t;
    for (;;) {
      if (cur.kind === 'alias') cur = cur.target;
      else if (cur.kind === 'pointer') cur = holder.marshal?.asType ? { kind: 'struct', name: holder.marshal.asType } : cur.to;
      else if (cur.kind === 'array') cur = cur.of;
      else return cur;
    }
  }

  /** The fields of the struct or union a value holds or points to. */
  private aggregateOf(t: IrType, holder: { type: IrType; marshal?: IrMarshal }): IrField[] | null {
    let cur = this.heldType(t, holder);
    if (holder.marshal?.asType && cur.kind === 'int') cur = { kind: 'struct', name: holder.marshal.asType };
    if (cur.kind !== 'struct' && cur.kind !== 'union') return null;
    const sym = this.ctx.symbols.get(cur.name);
    if (sym?.kind !== 'type') return null;
    let d = sym.decl;
    // [as(T)] may name a typedef of the struct.
    if (d.kind === 'Typedef') {
      const target = this.ctx.typeOf(d.type, d.dims, d);
      const s = target ? strip(target) : null;
      if (!s || (s.k !== 'struct' && s.k !== 'union')) return null;
      d = s.decl;
    }
    return d.kind === 'Struct' || d.kind === 'Union' ? this.fieldsOf(d) : null;
  }

  private readonly fieldCache = new Map<A.StructDecl | A.UnionDecl, IrField[]>();

  /** A struct's fields (a union's arms) as IR, built once: declarations and selections both read them. */
  private fieldsOf(d: A.StructDecl | A.UnionDecl): IrField[] {
    let fields = this.fieldCache.get(d);
    if (!fields) {
      const layout = this.must(this.ctx.layout(d, d.name.loc));
      const decls = d.kind === 'Struct' ? (d.fields ?? []) : d.arms.map((a) => a.field);
      fields = decls.map((f, i) => this.field(f, layout.fields[i]!));
      this.fieldCache.set(d, fields);
    }
    return fields;
  }
}

function collectSlots(root: IrExpr, out: { name: string; index: number }[]): void {
  // Left to right, as a reader lists them; a stack, since count expressions may nest deeply.
  const work: IrExpr[] = [root];
  while (work.length) {
    const e = work.pop()!;
    if (e.kind === 'slot') out.push({ name: e.name, index: e.index });
    else if (e.kind === 'unary') work.push(e.operand);
    else if (e.kind === 'binary') work.push(e.right, e.left);
  }
}

function src(loc: A.Loc): IrSource {
  return { file: loc.file, line: loc.line, column: loc.column };
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
