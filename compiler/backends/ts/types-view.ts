// The view model of the TypeScript declarations: every IR type as the TypeScript type that holds
// it in the simulation. Decisions (docs/runtime.md): integers up to 32 bits are numbers, 64-bit ones
// bigints; fixed and counted integer arrays are typed arrays; [string] is a string; a tracked
// pointer is the object itself (or null), so identity is JavaScript identity; a pointer to one
// scalar is a Box; handles are opaque runtime Handles; callbacks are functions.
import type { IrField, IrMarshal, IrProgram, IrType, IrTypeDecl } from '../../ir/types.js';

const TYPED_ARRAY: Record<string, string> = {
  u8: 'Uint8Array',
  u16: 'Uint16Array',
  u32: 'Uint32Array',
  u64: 'BigUint64Array',
  s8: 'Int8Array',
  s16: 'Int16Array',
  s32: 'Int32Array',
  s64: 'BigInt64Array',
  ulong: 'BigUint64Array',
  slong: 'BigInt64Array',
};

export function tsScalar(t: IrType, ir: IrProgram): string {
  switch (t.kind) {
    case 'int':
      return t.bits > 32 ? 'bigint' : 'number';
    case 'bool':
      return 'boolean';
    case 'char':
      return 'number';
    case 'void':
      return 'void';
    case 'enum': {
      const e = ir.types.find((d) => d.kind === 'enum' && d.name === t.name);
      return e && e.kind === 'enum' && e.base.kind === 'int' && e.base.bits > 32 ? 'bigint' : 'number';
    }
    case 'alias':
      return tsScalar(t.target, ir);
    case 'struct':
    case 'union':
    case 'callback':
    case 'interface':
      return t.name;
    case 'pointer':
    case 'array':
      return tsType(t, null, ir);
  }
}

function elementArray(t: IrType): string | null {
  let cur = t;
  while (cur.kind === 'alias') cur = cur.target;
  if (cur.kind === 'int') return TYPED_ARRAY[cur.name] ?? null;
  // A counted void * counts bytes.
  if (cur.kind === 'char' || cur.kind === 'void') return 'Uint8Array';
  return null;
}

/** The TypeScript type of a value of IR type `t` that crosses as `m`. */
export function tsType(t: IrType, m: IrMarshal | null, ir: IrProgram): string {
  switch (t.kind) {
    case 'alias':
      return t.target.kind === 'pointer' || t.target.kind === 'array' ? tsType(t.target, m, ir) : t.name;
    case 'array': {
      if (m?.string) return 'string';
      const typed = elementArray(t.of);
      return typed ?? `${wrap(tsType(t.of, m, ir))}[]`;
    }
    case 'pointer': {
      const nullable = (s: string): string => (m?.nonNull ? s : `${s} | null`);
      switch (m?.mode) {
        case 'string':
          return nullable('string');
        case 'counted':
          return nullable(elementArray(t.to) ?? `${wrap(tsType(t.to, null, ir))}[]`);
        case 'opaque':
          return nullable('Handle');
        case 'value':
          return nullable(`Box<${tsType(t.to, null, ir)}>`);
        case 'interior':
          return nullable(`Interior<${tsType(t.to, null, ir)}>`);
        case 'tracked':
          return nullable(m.asType ?? tsType(t.to, null, ir));
        default:
          return nullable(tsType(t.to, null, ir));
      }
    }
    case 'callback':
      return m?.nonNull ? t.name : `${t.name} | null`;
    case 'int':
      if (m?.mode === 'tracked' && m.asType) return `${m.asType} | null`;
      return tsScalar(t, ir);
    default:
      return tsScalar(t, ir);
  }
}

function wrap(s: string): string {
  return /[|&]/.test(s) ? `(${s})` : s;
}

export interface TypesView {
  banner: string[];
  runtimeImport: string;
  /** The runtime's value types the declarations use (imported only if used: noUnusedLocals). */
  runtimeNames: string;
  constants: { name: string; value: string }[];
  decls: { text: string[] }[];
}

/** Each declaration as ready-made lines; the template only lays them out. */
export function typesView(ir: IrProgram, banner: string[], runtimeImport: string): TypesView {
  const constants = ir.constants.map((c) => {
    const big = c.type ? tsScalar(c.type, ir) === 'bigint' : BigInt(c.value) > 2n ** 53n || BigInt(c.value) < -(2n ** 53n);
    return { name: c.name, value: big ? `${c.value}n` : c.value };
  });
  const decls = ir.types.map((d) => ({ text: declLines(d, ir) }));
  for (const i of ir.interfaces) {
    decls.push({
      text: [
        `/** interface ${i.name} (wire id ${i.id}): what the side that implements it provides. */`,
        `export interface ${i.name} {`,
        ...i.functions.map((f) => {
          const params = f.params.map((p) => `${p.name}: ${tsType(p.type, p.marshal, ir)}`).join(', ');
          return `  /** ${f.role}, wire id ${f.id} */\n  ${f.name}(${params}): ${tsType(f.returns.type, f.returns.marshal, ir)};`;
        }),
        '}',
      ].flatMap((l) => l.split('\n')),
    });
  }
  const text = decls.map((d) => d.text.join('\n')).join('\n');
  const runtimeNames = ['Box', 'Handle', 'Interior'].filter((n) => new RegExp(`\\b${n}\\b`).test(text)).join(', ');
  return { banner, runtimeImport, runtimeNames, constants, decls };
}

function declLines(d: IrTypeDecl, ir: IrProgram): string[] {
  switch (d.kind) {
    case 'enum': {
      const big = d.base.kind === 'int' && d.base.bits > 32;
      return [
        `/** enum ${d.name} (wire id ${d.id}): any ${big ? 'bigint' : 'number'} may arrive; these are the named values. */`,
        `export type ${d.name} = ${big ? 'bigint' : 'number'};`,
        `export const ${d.name} = {`,
        ...d.members.map((m) => `  ${m.name}: ${m.value}${big ? 'n' : ''},`),
        '} as const;',
      ];
    }
    case 'typedef':
      return [`export type ${d.name} = ${tsType(d.target, null, ir)};`];
    case 'struct':
      if (!d.complete) return [`/** struct ${d.name}: known by name only; crosses as a Handle. */`, `export interface ${d.name} {}`];
      return [
        `/** struct ${d.name} (wire id ${d.id}, ${d.size} bytes on ${ir.abi}) */`,
        `export interface ${d.name} {`,
        ...d.fields.map((f) => `  ${f.name}: ${fieldType(f, ir)};`),
        '}',
      ];
    case 'union':
      return [
        `/** union ${d.name} (wire id ${d.id}): the arm the discriminant selects. */`,
        `export type ${d.name} =`,
        ...d.arms.map((a, i) => `  ${i === 0 ? ' ' : '|'} { arm: '${a.field.name}'; value: ${fieldType(a.field, ir)} }`),
        ...(d.arms.length ? [] : ['  never']),
      ].map((l, i, all) => (i === all.length - 1 ? `${l};` : l));
    case 'callback': {
      const params = d.params.map((p) => `${p.name}: ${tsType(p.type, p.marshal, ir)}`).join(', ');
      return [`/** callback ${d.name} (wire id ${d.id}) */`, `export type ${d.name} = (${params}) => ${tsType(d.returns.type, d.returns.marshal, ir)};`];
    }
  }
}

function fieldType(f: IrField, ir: IrProgram): string {
  if (f.marshal.mode === 'skip' || f.marshal.mode === 'combolock') return `${tsType(f.type, null, ir)} /* ${f.marshal.mode}: never crosses */`;
  return tsType(f.type, f.marshal, ir);
}
