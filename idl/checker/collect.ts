// Builds the global symbol table and the list of value slots. C has one namespace for the names an
// interface uses (types are referred to by bare name, enum members are plain constants), so the
// IDL has one too: across all imported files, a name means one thing.
import type * as A from '../ast.js';
import type { CheckContext, Slot } from './context.js';
import { BUILTIN_NAMES } from './types.js';

const BUILTINS: ReadonlySet<string> = new Set(BUILTIN_NAMES);

export function collectSymbols(ctx: CheckContext): void {
  for (const doc of ctx.program.documents) {
    const define = (name: A.Name, sym: Parameters<typeof ctx.symbols.set>[1]): void => {
      if (BUILTINS.has(name.value)) {
        ctx.error('redefines-builtin', `'${name.value}' is a built-in type and cannot be redeclared`, name.loc);
        return;
      }
      const prev = ctx.symbols.get(name.value);
      if (prev) {
        const prevName = prev.decl.name;
        ctx.error('duplicate-name', `'${name.value}' is already declared`, name.loc, [
          { message: `'${name.value}' was first declared here`, loc: prevName.loc },
        ]);
        return;
      }
      ctx.symbols.set(name.value, sym);
    };
    for (const d of doc.decls) {
      switch (d.kind) {
        case 'Const':
          define(d.name, { kind: 'const', decl: d, doc });
          break;
        case 'Enum':
          define(d.name, { kind: 'type', decl: d, doc });
          for (const m of d.members) define(m.name, { kind: 'enumMember', decl: m, owner: d, doc });
          break;
        default:
          define(d.name, { kind: 'type', decl: d, doc });
      }
    }
  }
}

export function collectSlots(ctx: CheckContext): void {
  collect(ctx);
  for (const s of ctx.slots) {
    // A function's node is its return slot; its parameters are keyed by their own nodes.
    ctx.slotOf.set(s.node, s);
    const list = ctx.slotsOf.get(s.owner) ?? [];
    list.push(s);
    ctx.slotsOf.set(s.owner, list);
  }
}

function collect(ctx: CheckContext): void {
  for (const doc of ctx.program.documents) {
    for (const d of doc.decls) {
      if (d.kind === 'Struct' && d.fields) {
        const own: Slot[] = [];
        for (const f of d.fields) own.push(fieldSlot(f, d, null, () => own));
        ctx.slots.push(...own);
      } else if (d.kind === 'Union') {
        const own: Slot[] = [];
        for (const arm of d.arms) own.push(fieldSlot(arm.field, d, arm, () => own));
        ctx.slots.push(...own);
      } else if (d.kind === 'Callback') {
        ctx.slots.push(...functionSlots(d));
      } else if (d.kind === 'Interface') {
        for (const f of d.functions) ctx.slots.push(...functionSlots(f));
      }
    }
  }
}

function fieldSlot(f: A.Field, owner: A.StructDecl | A.UnionDecl, arm: A.UnionArm | null, scope: () => Slot[]): Slot {
  return { kind: 'field', node: f, name: f.name.value, attrs: f.attrs, type: f.type, dims: f.dims, bits: f.bits, owner, arm, scope, resolved: undefined };
}

function functionSlots(fn: A.FunctionDecl | A.CallbackDecl): Slot[] {
  const params: Slot[] = fn.params.map((p) => ({
    kind: 'param' as const,
    node: p,
    name: p.name.value,
    attrs: p.attrs,
    type: p.type,
    dims: p.dims,
    bits: null,
    owner: fn,
    arm: null,
    scope: () => params,
    resolved: undefined,
  }));
  const ret: Slot = {
    kind: 'return',
    node: fn,
    name: 'return value',
    attrs: fn.returnAttrs,
    type: fn.returnType,
    dims: [],
    bits: null,
    owner: fn,
    arm: null,
    scope: () => params,
    resolved: undefined,
  };
  return [...params, ret];
}

/** Every Name that a declaration introduces, with what it names, for rules about identifiers. */
export function declaredNames(ctx: CheckContext): { name: A.Name; what: string }[] {
  const out: { name: A.Name; what: string }[] = [];
  for (const doc of ctx.program.documents) {
    if (doc.module) out.push({ name: doc.module.name, what: 'module' });
    for (const d of doc.decls) {
      out.push({ name: d.name, what: d.kind.toLowerCase() });
      if (d.kind === 'Enum') for (const m of d.members) out.push({ name: m.name, what: 'enum member' });
      if (d.kind === 'Interface') for (const f of d.functions) out.push({ name: f.name, what: 'function' });
    }
  }
  for (const s of ctx.slots) if (s.kind !== 'return') out.push({ name: (s.node as A.Field | A.Param).name, what: s.kind });
  return out;
}
