// Lookups over one IR that every part of the diff needs: declarations by name, what an aggregate
// slot leads to, and types printed the way the IDL spells them.
import type { IrCallback, IrEnum, IrField, IrInterface, IrMarshal, IrProgram, IrStruct, IrType, IrTypeDecl, IrUnion } from '../ir/types.js';

export type Aggregate = IrStruct | IrUnion;

export class Model {
  readonly types = new Map<string, IrTypeDecl>();
  readonly interfaces = new Map<string, IrInterface>();
  readonly constants = new Map<string, IrProgram['constants'][number]>();
  readonly modules = new Map<string, IrProgram['modules'][number]>();

  constructor(readonly ir: IrProgram) {
    for (const t of ir.types) this.types.set(t.name, t);
    for (const i of ir.interfaces) this.interfaces.set(i.name, i);
    for (const c of ir.constants) this.constants.set(c.name, c);
    for (const m of ir.modules) this.modules.set(m.name, m);
  }

  /** The struct or union a name denotes, looking through typedefs (`[as(T)]` may name a typedef). */
  aggregate(name: string): Aggregate | null {
    const d = this.types.get(name);
    if (!d) return null;
    if (d.kind === 'struct' || d.kind === 'union') return d;
    if (d.kind === 'typedef') {
      const t = strip(d.target);
      return t.kind === 'struct' || t.kind === 'union' ? this.aggregate(t.name) : null;
    }
    return null;
  }

  enumOf(name: string): IrEnum | null {
    const d = this.types.get(name);
    return d?.kind === 'enum' ? d : null;
  }

  callbackOf(name: string): IrCallback | null {
    const d = this.types.get(name);
    return d?.kind === 'callback' ? d : null;
  }

  /**
   * The aggregate whose fields an access path continues into from a slot: through typedefs, pointers
   * (or the `[as(T)]` type) and arrays, as the IR builder resolves path steps.
   */
  behind(slot: { type: IrType; marshal: IrMarshal }): Aggregate | null {
    if (slot.marshal.mode === 'skip' || slot.marshal.mode === 'combolock' || slot.marshal.mode === 'opaque') return null;
    if (slot.marshal.asType) return this.aggregate(slot.marshal.asType);
    const t = elementType(slot.type);
    return t.kind === 'struct' || t.kind === 'union' ? this.aggregate(t.name) : null;
  }
}

/** Fields of a struct, or the arms' fields of a union, in wire order. */
export function fieldsOf(a: Aggregate): IrField[] {
  return a.kind === 'struct' ? a.fields : a.arms.map((arm) => arm.field);
}

export function strip(t: IrType): IrType {
  while (t.kind === 'alias') t = t.target;
  return t;
}

/** What a slot ultimately holds or points to: typedefs, pointers and arrays removed. */
export function elementType(t: IrType): IrType {
  for (;;) {
    if (t.kind === 'alias') t = t.target;
    else if (t.kind === 'pointer') t = t.to;
    else if (t.kind === 'array') t = t.of;
    else return t;
  }
}

export function marshaled(m: IrMarshal): boolean {
  return m.mode !== 'skip' && m.mode !== 'combolock';
}

/** A type as the IDL writes it: `const u8 *`, `u8[6]`, `dma_addr_t`. */
export function typeText(t: IrType): string {
  switch (t.kind) {
    case 'int':
      return t.name;
    case 'bool':
    case 'char':
    case 'void':
      return t.kind;
    case 'alias':
      return t.name;
    case 'struct':
    case 'union':
    case 'enum':
    case 'callback':
    case 'interface':
      return t.name;
    case 'pointer':
      return `${t.isConst ? 'const ' : ''}${typeText(t.to)} *`;
    case 'array': {
      // Dimensions print outermost first, as declared: u8[2][6].
      let inner: IrType = t;
      const dims: number[] = [];
      while (inner.kind === 'array') {
        dims.push(inner.length);
        inner = inner.of;
      }
      return `${typeText(inner)}${dims.map((d) => `[${d}]`).join('')}`;
    }
  }
}

/** Where an alias is spelled, the type it stands for too, so a message shows what really changed. */
export function typeTextFull(t: IrType): string {
  const s = strip(t);
  return t.kind === 'alias' && s.kind !== t.kind ? `${t.name} (${typeText(s)})` : typeText(t);
}

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** `a, b and c`; long lists are cut so one message stays readable. */
export function list(items: readonly string[], max = 8): string {
  const shown = items.slice(0, max);
  const rest = items.length - shown.length;
  const parts = rest > 0 ? [...shown, `${rest} more`] : shown;
  if (parts.length <= 1) return parts.join('');
  return `${parts.slice(0, -1).join(', ')} and ${parts[parts.length - 1]}`;
}
