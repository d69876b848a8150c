// The checker's shared state: the global symbol table, resolved types, constant values and
// layouts, each computed once on demand and cached. Rules read these and report; the IR builder
// reads the same caches, so nothing downstream re-derives what the checker decided.
import type * as A from '../ast.js';
import type { Diagnostic, Severity } from '../diagnostics.js';
import type { Program } from '../program.js';
import { BUILTIN_NAMES, builtinType, describe, innermost, strip, type Abi, type Ty } from './types.js';

export type Symbol =
  | { kind: 'type'; decl: A.StructDecl | A.UnionDecl | A.EnumDecl | A.TypedefDecl | A.CallbackDecl | A.InterfaceDecl; doc: A.Document }
  | { kind: 'const'; decl: A.ConstDecl; doc: A.Document }
  | { kind: 'enumMember'; decl: A.EnumMember; owner: A.EnumDecl; doc: A.Document };

/** A place that holds a typed value: a struct field, union arm, parameter or return value. */
export interface Slot {
  kind: 'field' | 'param' | 'return';
  /** The node diagnostics point at. */
  node: A.Field | A.Param | A.FunctionDecl | A.CallbackDecl;
  name: string;
  attrs: A.Attribute[];
  type: A.TypeRef;
  dims: A.Expr[];
  bits: A.Expr | null;
  owner: A.StructDecl | A.UnionDecl | A.FunctionDecl | A.CallbackDecl;
  /** For a union arm, the arm. */
  arm: A.UnionArm | null;
  /** The other slots a count or switch expression may name: sibling fields, or the parameters. */
  scope: () => Slot[];
  /**
   * The slot's type once resolved (see CheckContext.slotType): undefined until then. Kept on the
   * slot, which every rule has in hand, rather than only in the context's map: the rules ask for
   * slot types tens of thousands of times in a large program.
   */
  resolved: Ty | null | undefined;
}

export interface StructLayout {
  size: bigint;
  align: number;
  /** Per field, in declaration order: byte offset, and for bitfields the bit offset within it. */
  fields: { offset: bigint; size: bigint; bitOffset: number | null; bitWidth: number | null }[];
  /** Levels of structs and unions held by value, this one included (see MAX_EMBED_DEPTH). */
  depth: number;
}

/** An access path with each step pinned to a field declaration. */
export interface ResolvedPath {
  param: number;
  steps: { owner: A.StructDecl | A.UnionDecl; index: number; field: A.Field }[];
  wildcard: A.AccessPath['wildcard'];
}

export interface SizeAlign {
  size: bigint;
  align: number;
}

/** Values no real interface exceeds; larger ones are rejected so layout arithmetic stays small. */
export const MAX_TYPE_SIZE = 1n << 31n;

/** How many declarations one resolution may pass through at once (a typedef naming a typedef, a
 * constant naming a constant, a struct embedding a struct, a size naming a struct...). Declarations
 * are resolved on demand, so a chain of forward references is resolved by nested calls; past this
 * depth the chain is rejected rather than overflowing the stack. Chains written in declaration
 * order are resolved one link at a time by the rules and never come near it. */
export const MAX_RESOLVE_DEPTH = 200;

/** Pointer levels, array dimensions and typedef names one type may stack up: every later stage
 * (IR, backends, diff) walks a type's wrappers recursively, so their number is bounded here. */
export const MAX_TYPE_DEPTH = 64;

/** Levels of structs and unions one may hold by value (a struct embedding a struct embedding...):
 * the backends and the runtimes walk an aggregate's embedded aggregates recursively, and a chain
 * declared in order passes MAX_RESOLVE_DEPTH one link at a time, so its length is bounded here.
 * Linux's deepest (net_device → device → kobject → kref → refcount_t → atomic_t) is under 10. */
export const MAX_EMBED_DEPTH = 128;

/** "Did you mean" compares a misspelt name with every candidate; a file with thousands of unknown
 * names would make that quadratic. One run spends at most this many comparison steps on
 * suggestions, then reports the remaining unknown names without one. */
export const MAX_SUGGEST_WORK = 20_000_000;

/** Names longer than this get no suggestion: edit distance costs the product of the lengths. */
export const MAX_SUGGEST_NAME = 64;

export class CheckContext {
  readonly diagnostics: Diagnostic[] = [];
  readonly symbols = new Map<string, Symbol>();
  readonly slots: Slot[] = [];
  /** Slots by the node they describe (field, parameter, or function/callback for its return value), and by owner. */
  readonly slotOf = new Map<object, Slot>();
  readonly slotsOf = new Map<object, Slot[]>();
  /** Access paths that resolved, for the IR. */
  readonly paths = new Map<A.AccessPath, ResolvedPath>();
  /** Wire ids of types, interfaces and functions. */
  readonly ids = new Map<A.Decl | A.FunctionDecl, number>();
  /** The module each document declares, by file. */
  readonly moduleOf = new Map<string, string>();

  private readonly typeCache = new Map<object, Ty | null>();
  private readonly constCache = new Map<A.ConstDecl | A.EnumMember, bigint | null>();
  private readonly constInProgress = new Set<A.ConstDecl | A.EnumMember>();
  private readonly layoutCache = new Map<A.StructDecl | A.UnionDecl, StructLayout | null>();
  private readonly layoutInProgress = new Set<A.StructDecl | A.UnionDecl>();
  private readonly reportedOnce = new Set<string>();
  private readonly typeInProgress = new Set<object>();
  /** Declarations being resolved right now, innermost last (see MAX_RESOLVE_DEPTH). */
  private resolving = 0;
  private resolveTooDeep = false;

  constructor(
    readonly program: Program,
    readonly abi: Abi,
  ) {}

  report(severity: Severity, code: string, message: string, loc: A.Loc, related?: Diagnostic['related']): void {
    const key = `${loc.file}:${loc.offset}:${code}:${message}`;
    if (this.reportedOnce.has(key)) return;
    this.reportedOnce.add(key);
    this.diagnostics.push(related ? { severity, code, message, loc, related } : { severity, code, message, loc });
  }
  error(code: string, message: string, loc: A.Loc, related?: Diagnostic['related']): void {
    this.report('error', code, message, loc, related);
  }
  warn(code: string, message: string, loc: A.Loc): void {
    this.report('warning', code, message, loc);
  }

  get pointerBits(): number {
    return this.abi === 'lp64' ? 64 : 32;
  }

  // ---- types -----------------------------------------------------------------------------

  /** Resolves a type as written, with the array dims that follow the declarator name. */
  typeOf(ref: A.TypeRef, dims: readonly A.Expr[] = [], cacheKey: object = ref): Ty | null {
    // One lookup: a miss is undefined, a type that failed to resolve is cached as null.
    const cached = this.typeCache.get(cacheKey);
    if (cached !== undefined) return cached;
    if (this.typeInProgress.has(cacheKey)) {
      // Only a typedef can lead back to itself while its own type is being resolved.
      const d = cacheKey as A.TypedefDecl;
      if (d.kind === 'Typedef') this.error('typedef-cycle', `typedef '${d.name.value}' is defined in terms of itself`, d.name.loc);
      // A field's array size that takes the size of its own struct: nothing else reports it.
      else this.error('size-cycle', `this type's array size depends on the size of the type it is part of`, ref.loc);
      return null;
    }
    if (!this.enter(ref.loc)) return null;
    this.typeInProgress.add(cacheKey);
    let t = this.resolveType(ref, dims);
    this.typeInProgress.delete(cacheKey);
    this.leave();
    if (t && typeDepth(t) > MAX_TYPE_DEPTH) {
      this.error(
        'type-too-deep',
        `type stacks more than ${MAX_TYPE_DEPTH} pointer levels, array dimensions and typedef names`,
        ref.loc,
      );
      t = null;
    }
    this.typeCache.set(cacheKey, t);
    return t;
  }

  /** Counts one more declaration being resolved; false (reported once per chain) past MAX_RESOLVE_DEPTH. */
  private enter(at: A.Loc): boolean {
    if (this.resolving >= MAX_RESOLVE_DEPTH) {
      if (!this.resolveTooDeep) {
        this.resolveTooDeep = true;
        this.error(
          'resolve-too-deep',
          `resolving this passes through more than ${MAX_RESOLVE_DEPTH} nested declarations (typedefs, constants, embedded structs or sizes); declare the chain in order or shorten it`,
          at,
        );
      }
      return false;
    }
    this.resolving++;
    return true;
  }
  private leave(): void {
    this.resolving--;
    // The next over-deep chain is a different problem and gets its own error.
    if (this.resolving === 0) this.resolveTooDeep = false;
  }

  private resolveType(ref: A.TypeRef, dims: readonly A.Expr[]): Ty | null {
    let t = this.named(ref.name);
    if (!t) return null;
    // Checked before anything is built, so ten thousand stars or dimensions cost nothing.
    if (ref.pointers + dims.length > MAX_TYPE_DEPTH) {
      this.error(
        'type-too-deep',
        `type stacks more than ${MAX_TYPE_DEPTH} pointer levels, array dimensions and typedef names`,
        ref.loc,
      );
      return null;
    }
    for (let i = 0; i < ref.pointers; i++) t = { k: 'pointer', to: t, isConst: i === 0 && ref.isConst };
    for (let i = dims.length - 1; i >= 0; i--) {
      const dim = dims[i]!;
      const n = this.evalConst(dim);
      if (n === null) return null;
      if (n <= 0n) {
        this.error('bad-array-size', `array size must be positive, got ${n}`, dim.loc);
        return null;
      }
      t = { k: 'array', of: t, length: n };
    }
    return t;
  }

  slotType(slot: Slot): Ty | null {
    if (slot.resolved !== undefined) return slot.resolved;
    const t = this.typeOf(slot.type, slot.dims, slot.node);
    // Only a settled answer is kept: inside a cycle typeOf answers null without caching it.
    if (this.typeCache.has(slot.node)) slot.resolved = t;
    return t;
  }

  /** A bare name used as a type. */
  named(name: A.Name): Ty | null {
    const builtin = builtinType(name.value, this.abi);
    if (builtin) return builtin;
    const sym = this.symbols.get(name.value);
    if (!sym) {
      this.error('unknown-type', `unknown type '${name.value}'${this.suggest(name.value, 'type')}`, name.loc);
      return null;
    }
    if (sym.kind !== 'type') {
      this.error('not-a-type', `'${name.value}' is a ${sym.kind === 'const' ? 'constant' : 'enum member'}, not a type`, name.loc);
      return null;
    }
    const d = sym.decl;
    switch (d.kind) {
      case 'Struct':
        return { k: 'struct', decl: d };
      case 'Union':
        return { k: 'union', decl: d };
      case 'Enum':
        return { k: 'enum', decl: d };
      case 'Callback':
        return { k: 'callback', decl: d };
      case 'Interface':
        return { k: 'interface', decl: d };
      case 'Typedef': {
        const target = this.typeOf(d.type, d.dims, d);
        return target ? { k: 'alias', decl: d, target } : null;
      }
    }
  }

  enumBase(e: A.EnumDecl): Ty {
    const fallback: Ty = { k: 'int', name: 's32', signed: true, bits: 32 };
    if (!e.base) return fallback;
    const t = this.typeOf(e.base);
    return t && strip(t).k === 'int' ? t : fallback;
  }

  /** "did you mean" over declared and builtin names of the wanted kind. */
  suggest(name: string, want: 'type' | 'value'): string {
    const best = this.nearest(name, this.candidates(want));
    return best ? ` (did you mean '${best}'?)` : '';
  }

  private readonly candidateCache = new Map<'type' | 'value', string[]>();
  private candidates(want: 'type' | 'value'): string[] {
    let out = this.candidateCache.get(want);
    if (!out) {
      out = want === 'type' ? [...BUILTIN_NAMES] : [];
      for (const [n, s] of this.symbols) if ((s.kind === 'type') === (want === 'type')) out.push(n);
      this.candidateCache.set(want, out);
    }
    return out;
  }

  /** The closest candidate, within one run's suggestion budget (see MAX_SUGGEST_WORK). */
  nearest(name: string, candidates: readonly string[]): string | null {
    return closest(name, candidates, this.suggestBudget);
  }
  private readonly suggestBudget = { left: MAX_SUGGEST_WORK };

  // ---- constants -------------------------------------------------------------------------

  constValue(decl: A.ConstDecl | A.EnumMember): bigint | null {
    if (this.constCache.has(decl)) return this.constCache.get(decl) ?? null;
    if (this.constInProgress.has(decl)) {
      this.error('const-cycle', `'${decl.name.value}' is defined in terms of itself`, decl.name.loc);
      return null;
    }
    if (!this.enter(decl.name.loc)) return null;
    this.constInProgress.add(decl);
    let v: bigint | null;
    if (decl.kind === 'Const') {
      v = this.evalConst(decl.value);
    } else {
      v = decl.value ? this.evalConst(decl.value) : this.implicitEnumValue(decl);
    }
    this.constInProgress.delete(decl);
    this.leave();
    this.constCache.set(decl, v);
    return v;
  }

  /** The previous member's value plus one. Walks back to the nearest member with a known or
   * explicit value and counts forward, so a long enum does not nest one call per member. */
  private implicitEnumValue(m: A.EnumMember): bigint | null {
    const sym = this.symbols.get(m.name.value);
    const owner = sym?.kind === 'enumMember' && sym.decl === m ? sym.owner : this.ownerOfMember(m);
    if (!owner) return null;
    const i = owner.members.indexOf(m);
    if (i <= 0) return 0n;
    let j = i - 1;
    while (j > 0 && !this.constCache.has(owner.members[j]!) && !owner.members[j]!.value) j--;
    let v = this.constValue(owner.members[j]!);
    for (let k = j + 1; k < i && v !== null; k++) {
      const mk = owner.members[k]!;
      v = v + 1n;
      if (!this.constCache.has(mk)) this.constCache.set(mk, v);
    }
    return v === null ? null : v + 1n;
  }

  private ownerOfMember(m: A.EnumMember): A.EnumDecl | null {
    for (const doc of this.program.documents)
      for (const d of doc.decls) if (d.kind === 'Enum' && d.members.includes(m)) return d;
    return null;
  }

  /** Evaluates an integer constant expression; names must be constants or enum members. */
  evalConst(e: A.Expr): bigint | null {
    return this.evaluate(e, (name) => {
      const sym = this.symbols.get(name.value);
      if (!sym) {
        this.error('unknown-name', `unknown constant '${name.value}'${this.suggest(name.value, 'value')}`, name.loc);
        return null;
      }
      if (sym.kind === 'type') {
        this.error('not-a-constant', `'${name.value}' is a type, not a constant (use sizeof(${name.value}) for its size)`, name.loc);
        return null;
      }
      return this.constValue(sym.decl);
    });
  }

  /** Evaluates with a caller-supplied meaning for names; null (already reported) on failure.
   * Post-order over an explicit stack: the tree's depth is the input's to choose. */
  evaluate(root: A.Expr, lookup: (name: A.Name) => bigint | null): bigint | null {
    const values: (bigint | null)[] = [];
    const work: { e: A.Expr; visited: boolean }[] = [{ e: root, visited: false }];
    while (work.length) {
      const item = work.pop()!;
      const e = item.e;
      if (e.kind === 'Unary' || e.kind === 'Binary') {
        if (!item.visited) {
          item.visited = true;
          work.push(item);
          if (e.kind === 'Unary') work.push({ e: e.operand, visited: false });
          else work.push({ e: e.right, visited: false }, { e: e.left, visited: false });
          continue;
        }
        if (e.kind === 'Unary') {
          const v = values.pop()!;
          values.push(v === null ? null : this.fit(e.op === '-' ? -v : e.op === '~' ? ~v : v, e.loc));
        } else {
          const r = values.pop()!;
          const l = values.pop()!;
          values.push(l === null || r === null ? null : this.binaryOp(e, l, r));
        }
        continue;
      }
      values.push(this.leaf(e, lookup));
    }
    return values[0] ?? null;
  }

  private leaf(e: A.IntLiteral | A.StringLiteral | A.MemberPath | A.MemberChoice | A.NameRef | A.SizeofExpr, lookup: (name: A.Name) => bigint | null): bigint | null {
    switch (e.kind) {
      case 'IntLiteral':
        return this.fit(BigInt(e.value), e.loc);
      case 'StringLiteral':
        this.error('not-a-constant', 'a string is not a number', e.loc);
        return null;
      case 'MemberPath':
      case 'MemberChoice':
        this.error('not-a-constant', 'a member path is not a number', e.loc);
        return null;
      case 'NameRef':
        return lookup(e.name);
      case 'Sizeof': {
        const t = this.typeOf(e.type);
        if (!t) return null;
        const sa = this.sizeAlign(t, e.type.loc);
        return sa ? sa.size : null;
      }
    }
  }

  private binaryOp(e: A.BinaryExpr, l: bigint, r: bigint): bigint | null {
    switch (e.op) {
      case '+':
        return this.fit(l + r, e.loc);
      case '-':
        return this.fit(l - r, e.loc);
      case '*':
        return this.fit(l * r, e.loc);
      case '/':
      case '%':
        if (r === 0n) {
          this.error('division-by-zero', `division by zero in constant expression`, e.right.loc);
          return null;
        }
        return e.op === '/' ? l / r : l % r;
      case '<<':
      case '>>':
        if (r < 0n || r >= 64n) {
          this.error('bad-shift', `shift count ${r} is outside 0..63`, e.right.loc);
          return null;
        }
        return this.fit(e.op === '<<' ? l << r : l >> r, e.loc);
      case '&':
        return this.fit(l & r, e.loc);
      case '|':
        return this.fit(l | r, e.loc);
      case '^':
        return this.fit(l ^ r, e.loc);
    }
  }

  /** Constants are 64-bit: any value of s64 or u64 is fine, anything else overflowed. */
  private fit(v: bigint, loc: A.Loc): bigint | null {
    if (v < -(1n << 63n) || v > (1n << 64n) - 1n) {
      this.error('const-overflow', `constant expression overflows 64 bits`, loc);
      return null;
    }
    return v;
  }

  // ---- layout ----------------------------------------------------------------------------

  /** Size and alignment under the target ABI; null (reported) for incomplete or cyclic types.
   * Typedefs, enums and array dimensions are peeled in a loop; only a struct or union recurses,
   * through layout(), which counts toward MAX_RESOLVE_DEPTH. */
  sizeAlign(top: Ty, at: A.Loc): SizeAlign | null {
    let t = top;
    const lengths: bigint[] = [];
    for (;;) {
      if (t.k === 'alias') t = t.target;
      else if (t.k === 'enum') t = this.enumBase(t.decl);
      else if (t.k === 'array') {
        lengths.push(t.length);
        t = t.of;
      } else break;
    }
    const base = this.scalarSizeAlign(t, at);
    if (!base) return null;
    let size = base.size;
    for (const n of lengths) {
      size *= n;
      if (size > MAX_TYPE_SIZE) {
        this.error('type-too-large', `${describe(top)} is larger than 2 GiB`, at);
        return null;
      }
    }
    return { size, align: base.align };
  }

  private scalarSizeAlign(t: Ty, at: A.Loc): SizeAlign | null {
    const ptr = this.pointerBits / 8;
    switch (t.k) {
      case 'int': {
        const size = BigInt(t.bits / 8);
        // i386 aligns 64-bit integers to 4 bytes inside structs.
        const align = this.abi === 'ilp32' && t.bits === 64 ? 4 : t.bits / 8;
        return { size, align };
      }
      case 'bool':
      case 'char':
        return { size: 1n, align: 1 };
      case 'void':
        this.error('void-size', `void has no size`, at);
        return null;
      case 'pointer':
      case 'callback':
        return { size: BigInt(ptr), align: ptr };
      case 'interface':
        this.error('interface-by-value', `ops table '${t.decl.name.value}' can only be used through a pointer`, at);
        return null;
      case 'struct':
      case 'union': {
        const l = this.layout(t.decl, at);
        return l ? { size: l.size, align: l.align } : null;
      }
      case 'alias':
      case 'enum':
      case 'array':
        throw new Error('internal: sizeAlign peels wrappers first');
    }
  }

  /** False for member types the type-reference rule already rejects, so layout does not repeat it. */
  private sizable(t: Ty): boolean {
    const s = innermost(t);
    return s.k !== 'void' && s.k !== 'interface' && !(s.k === 'struct' && s.decl.fields === null);
  }

  layout(decl: A.StructDecl | A.UnionDecl, at: A.Loc): StructLayout | null {
    if (this.layoutCache.has(decl)) return this.layoutCache.get(decl) ?? null;
    if (decl.kind === 'Struct' && decl.fields === null) {
      this.error('incomplete-type', `struct '${decl.name.value}' is only declared, so its size is unknown`, at);
      return null;
    }
    if (this.layoutInProgress.has(decl)) {
      this.error(
        'embedded-cycle',
        `'${decl.name.value}' contains itself by value, so its size would be infinite; make one link a pointer`,
        at,
      );
      return null;
    }
    if (!this.enter(at)) return null;
    this.layoutInProgress.add(decl);
    const result = decl.kind === 'Struct' ? this.structLayout(decl) : this.unionLayout(decl);
    this.layoutInProgress.delete(decl);
    this.leave();
    this.layoutCache.set(decl, result);
    return result;
  }

  /** System V rules: a bitfield shares its declared type's storage unit unless it would straddle it. */
  private structLayout(decl: A.StructDecl): StructLayout | null {
    let bit = 0n;
    let align = 1;
    let ok = true;
    let depth = 1;
    const fields: StructLayout['fields'] = [];
    for (const f of decl.fields ?? []) {
      const t = this.typeOf(f.type, f.dims, f);
      const sa = t && this.sizable(t) ? this.sizeAlign(t, f.type.loc) : null;
      if (!t || !sa) {
        ok = false;
        fields.push({ offset: 0n, size: 0n, bitOffset: null, bitWidth: null });
        continue;
      }
      depth = Math.max(depth, 1 + this.embedDepth(t));
      align = Math.max(align, sa.align);
      const unitBits = sa.size * 8n;
      if (f.bits) {
        const w = this.evalConst(f.bits);
        const width = w !== null && w > 0n && w <= unitBits ? w : 1n;
        const unitAlignBits = BigInt(sa.align) * 8n;
        const start = bit;
        const unitStart = (start / unitAlignBits) * unitAlignBits;
        if (start + width > unitStart + unitBits) bit = ((start + unitAlignBits - 1n) / unitAlignBits) * unitAlignBits;
        const byte = (bit / unitAlignBits) * BigInt(sa.align);
        fields.push({ offset: byte, size: sa.size, bitOffset: Number(bit - byte * 8n), bitWidth: Number(width) });
        bit += width;
      } else {
        const a = BigInt(sa.align) * 8n;
        bit = ((bit + a - 1n) / a) * a;
        fields.push({ offset: bit / 8n, size: sa.size, bitOffset: null, bitWidth: null });
        bit += sa.size * 8n;
      }
    }
    if (!ok || !this.depthFits(decl, depth)) return null;
    const bytes = (bit + 7n) / 8n;
    const a = BigInt(align);
    const size = ((bytes + a - 1n) / a) * a;
    if (size > MAX_TYPE_SIZE) {
      this.error('type-too-large', `struct '${decl.name.value}' is larger than 2 GiB`, decl.name.loc);
      return null;
    }
    return { size, align, fields, depth };
  }

  /** The levels of aggregates a field's type holds by value (0 for none), from their layouts, which are cached. */
  private embedDepth(t: Ty): number {
    const s = innermost(t);
    if (s.k !== 'struct' && s.k !== 'union') return 0;
    return this.layoutCache.get(s.decl)?.depth ?? 0;
  }

  private depthFits(decl: A.StructDecl | A.UnionDecl, depth: number): boolean {
    if (depth <= MAX_EMBED_DEPTH) return true;
    this.error(
      'embed-too-deep',
      `'${decl.name.value}' holds structs and unions by value more than ${MAX_EMBED_DEPTH} levels deep; make a link a pointer`,
      decl.name.loc,
    );
    return false;
  }

  private unionLayout(decl: A.UnionDecl): StructLayout | null {
    let size = 0n;
    let align = 1;
    let ok = true;
    let depth = 1;
    const fields: StructLayout['fields'] = [];
    for (const arm of decl.arms) {
      const f = arm.field;
      const t = this.typeOf(f.type, f.dims, f);
      const sa = t && this.sizable(t) ? this.sizeAlign(t, f.type.loc) : null;
      if (!sa) {
        ok = false;
        fields.push({ offset: 0n, size: 0n, bitOffset: null, bitWidth: null });
        continue;
      }
      size = size > sa.size ? size : sa.size;
      align = Math.max(align, sa.align);
      depth = Math.max(depth, 1 + this.embedDepth(t!));
      fields.push({ offset: 0n, size: sa.size, bitOffset: null, bitWidth: null });
    }
    if (!ok || !this.depthFits(decl, depth)) return null;
    const a = BigInt(align);
    return { size: ((size + a - 1n) / a) * a, align, fields, depth };
  }

  // ---- attributes ------------------------------------------------------------------------

  attr(attrs: readonly A.Attribute[], name: string): A.Attribute | undefined {
    return attrs.find((a) => a.name.value === name);
  }
  has(attrs: readonly A.Attribute[], name: string): boolean {
    return attrs.some((a) => a.name.value === name);
  }
}

/** Pointer, array and typedef wrappers around the innermost type: a chain, so a loop counts it. */
export function typeDepth(t: Ty): number {
  let n = 0;
  for (let cur = t; ; n++) {
    if (cur.k === 'alias') cur = cur.target;
    else if (cur.k === 'pointer') cur = cur.to;
    else if (cur.k === 'array') cur = cur.of;
    else return n;
  }
}

/** Levenshtein-nearest candidate within a third of the name's length. A budget, when given, is
 * charged for every candidate looked at and every edit-distance cell; once spent, no suggestion. */
export function closest(name: string, candidates: Iterable<string>, budget?: { left: number }): string | null {
  if (name.length > MAX_SUGGEST_NAME) return null;
  let best: string | null = null;
  let bestD = Math.max(1, Math.floor(name.length / 3));
  const lower = name.toLowerCase();
  for (const c of candidates) {
    if (budget && --budget.left < 0) return null;
    if (c === name || Math.abs(c.length - name.length) > 3) continue;
    if (budget) budget.left -= name.length * c.length;
    const d = editDistance(lower, c.toLowerCase());
    if (d <= bestD && (best === null || d < editDistance(lower, best.toLowerCase()))) {
      best = c;
      bestD = d;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 3) return 99;
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length]!;
}
