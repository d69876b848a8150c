// IR types as C: type names, declarators, and the facts about a type the codec printer asks for
// (does it hold a combolock, does it need field-by-field copying). The C names are the IDL's own
// (struct net_device stays struct net_device), so driver code reads the way it did before the split.
import type { IrField, IrProgram, IrStruct, IrType, IrTypeDecl, IrUnion } from '../../ir/types.js';

const INT_NAMES: Record<string, string> = { ulong: 'unsigned long', slong: 'long' };

export class CTypes {
  private readonly decls = new Map<string, IrTypeDecl>();
  private readonly ifaces = new Set<string>();

  constructor(readonly ir: IrProgram) {
    for (const d of ir.types) this.decls.set(d.name, d);
    for (const i of ir.interfaces) this.ifaces.add(i.name);
  }

  decl(name: string): IrTypeDecl | undefined {
    return this.decls.get(name);
  }

  struct(name: string): IrStruct {
    const d = this.decls.get(name);
    if (!d || d.kind !== 'struct') throw new Error(`no struct ${name} in the IR`);
    return d;
  }

  union(name: string): IrUnion {
    const d = this.decls.get(name);
    if (!d || d.kind !== 'union') throw new Error(`no union ${name} in the IR`);
    return d;
  }

  strip(t: IrType): IrType {
    return t.kind === 'alias' ? this.strip(t.target) : t;
  }

  /** Names already spelt, per side (a [header] type is spelt its header's way on the kernel side). */
  private readonly names = [new WeakMap<IrType, string>(), new WeakMap<IrType, string>()] as const;

  /** The C spelling of a type, for a declaration `${name(t)} x` (arrays go through declare()). */
  name(t: IrType): string {
    // The IR is never changed once built, and the same type objects are spelt over and over.
    const memo = this.names[this.kernel ? 1 : 0];
    let n = memo.get(t);
    if (n === undefined) memo.set(t, (n = this.spellType(t)));
    return n;
  }

  private spellType(t: IrType): string {
    switch (t.kind) {
      case 'int':
        return INT_NAMES[t.name] ?? t.name;
      case 'bool':
        return 'bool';
      case 'char':
        return 'char';
      case 'void':
        return 'void';
      case 'struct':
      case 'union':
        return this.spell(t.name, t.kind);
      case 'interface':
        return `struct ${t.name}`;
      case 'enum':
        return this.enumBase(t.name);
      case 'callback':
      case 'alias':
        return t.name;
      case 'pointer':
        return `${t.isConst ? 'const ' : ''}${this.name(t.to)} *`.replace(/\* \*/g, '**');
      case 'array':
        return `${this.name(t.of)} *`;
    }
  }

  /** A full declarator: `u8 dev_addr[6]`, `struct net_device *dev`, `char name[16]`. */
  declare(t: IrType, ident: string): string {
    if (t.kind === 'array') return this.declare(t.of, `${ident}[${t.length}]`);
    if (t.kind === 'pointer') {
      const inner = t.to.kind === 'array' ? `(*${ident})` : `*${ident}`;
      if (t.to.kind === 'array') return this.declare(t.to, inner);
      const base = this.declare(t.to, inner);
      return t.isConst ? `const ${base}` : base;
    }
    const n = this.name(t);
    return `${n} ${ident}`;
  }

  /**
   * Enums are stored in their base integer type, so the C layout is the IR's. On the kernel side an
   * enum its header defines is the kernel's own type (`enum ethtool_phys_id_state`, or the typedef of
   * one without a tag): a stub in a kernel ops table must have the member's exact function type.
   */
  enumBase(name: string): string {
    const e = this.decls.get(name);
    if (!e || e.kind !== 'enum') return 's32';
    if (this.kernel && e.header !== null) return e.cSpelling ?? `enum ${name}`;
    return this.name(e.base);
  }

  /** A field declaration inside a struct or union definition. */
  field(f: IrField): string {
    if (f.marshal.mode === 'combolock') return `struct mdl_combolock ${f.name}`;
    const d = this.declare(f.type, f.name);
    return f.bitWidth !== null ? `${d} : ${f.bitWidth}` : d;
  }

  /** Whether the struct (or anything it embeds by value) holds a combolock: its C size is not the IR's. */
  hasCombolock(name: string, seen = new Set<string>()): boolean {
    if (seen.has(name)) return false;
    seen.add(name);
    const d = this.decls.get(name);
    const fields = d?.kind === 'struct' ? (d.complete ? d.fields : []) : d?.kind === 'union' ? d.arms.map((a) => a.field) : [];
    return fields.some((f) => f.marshal.mode === 'combolock' || this.embeds(f.type).some((n) => this.hasCombolock(n, seen)));
  }

  /** hasSkipped's answers by name: asked for every field a copy or apply function copies. */
  private readonly skipped = new Map<string, boolean>();

  /** Whether copying the aggregate must go field by field (it holds [skip] or [combolock] fields). */
  hasSkipped(name: string): boolean {
    let known = this.skipped.get(name);
    if (known === undefined) this.skipped.set(name, (known = this.holdsSkipped(name, new Set<string>())));
    return known;
  }

  private holdsSkipped(name: string, seen: Set<string>): boolean {
    if (seen.has(name)) return false;
    seen.add(name);
    const d = this.decls.get(name);
    if (d?.kind !== 'struct' || !d.complete) return false;
    return d.fields.some((f) => f.marshal.mode === 'skip' || f.marshal.mode === 'combolock' || this.embeds(f.type).some((n) => this.holdsSkipped(n, seen)));
  }

  /** Struct and union names a type holds by value (through arrays and typedefs). */
  embeds(t: IrType): string[] {
    const s = this.strip(t);
    if (s.kind === 'struct' || s.kind === 'union') return [s.name];
    if (s.kind === 'array') return this.embeds(s.of);
    return [];
  }

  /** Set while printing the kernel side: there a [header] type is the header's, spelled its way. */
  kernel = false;

  /** How C names a struct or union: `struct x`, or its header's spelling of a struct without a tag. */
  spell(name: string, kind: 'struct' | 'union' = 'struct'): string {
    const d = this.decls.get(name);
    const k = d?.kind === 'union' ? 'union' : d?.kind === 'struct' ? 'struct' : kind;
    if (this.kernel && (d?.kind === 'struct' || d?.kind === 'union') && d.header !== null && d.cSpelling !== null) return d.cSpelling;
    return `${k} ${name}`;
  }

  /** The C header that defines the type ([header("...")]), or null when the generated C defines it. */
  header(name: string): string | null {
    return this.decls.get(name)?.header ?? null;
  }

  /** Whether the aggregate holds, by value, a type some C header defines (its C size is not the IR's). */
  embedsHeader(name: string, seen = new Set<string>()): boolean {
    if (seen.has(name)) return false;
    seen.add(name);
    const d = this.decls.get(name);
    const fields = d?.kind === 'struct' ? d.fields : d?.kind === 'union' ? d.arms.map((a) => a.field) : [];
    return fields.some((f) => f.marshal.mode !== 'combolock' && this.embeds(f.type).some((n) => this.header(n) !== null || this.embedsHeader(n, seen)));
  }

  isInterface(name: string): boolean {
    return this.ifaces.has(name);
  }
}
