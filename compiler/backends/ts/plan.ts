// IR to the marshaling plan the runtime's codec interprets (runtime/ts/plan.ts).
import type { IrAccess, IrExpr, IrMarshal, IrProgram, IrSelection, IrType, IrTypeDecl } from '../../ir/types.js';
import type { Plan, PlanExpr, PlanSelection, PlanType, PlanValue } from '../../../runtime/ts/plan.js';

/**
 * The plan of an IR, built once per IR and module: the ts and both C backends of one compile read
 * the same plan. An IR is never changed once built, and nothing changes a plan.
 */
export function planOf(ir: IrProgram, module: string, version: number): Plan {
  const cached = plans.get(ir);
  if (cached && cached.module === module && cached.version === version) return cached;
  const plan = buildPlan(ir, module, version);
  plans.set(ir, plan);
  return plan;
}

const plans = new WeakMap<IrProgram, Plan>();

export function buildPlan(ir: IrProgram, module: string, version: number): Plan {
  // By name through maps: a search per reference was quadratic in the types of a program.
  const declOf = new Map<string, IrTypeDecl>();
  for (const d of ir.types) if (!declOf.has(d.name)) declOf.set(d.name, d);
  const ifaceOf = new Map<string, number>();
  for (const i of ir.interfaces) if (!ifaceOf.has(i.name)) ifaceOf.set(i.name, i.id);
  const typeId = (name: string): number => {
    const d = declOf.get(name);
    if (d && d.kind !== 'typedef') return d.id;
    if (d?.kind === 'typedef') {
      const t = strip(d.target);
      if (t.kind === 'struct' || t.kind === 'union') return typeId(t.name);
    }
    return ifaceOf.get(name) ?? 0;
  };
  const enumOf = new Map<string, IrTypeDecl>();
  for (const d of ir.types) if (d.kind === 'enum' && !enumOf.has(d.name)) enumOf.set(d.name, d);
  const strip = (t: IrType): IrType => (t.kind === 'alias' ? strip(t.target) : t);

  const value = (t: IrType, m: IrMarshal | null): PlanValue => {
    const s = strip(t);
    const nonNull = m?.nonNull ?? false;
    if (m && (m.mode === 'skip' || m.mode === 'combolock')) return { k: 'skip' };
    switch (s.kind) {
      case 'int':
        if (m?.mode === 'tracked' && m.asType) return { k: 'tracked', type: typeId(m.asType), nonNull };
        return { k: 'int', bits: (s.bits as 8 | 16 | 32 | 64), signed: s.signed };
      case 'bool':
        return { k: 'bool' };
      case 'char':
        return { k: 'char' };
      case 'enum': {
        const e = enumOf.get(s.name);
        const base = e?.kind === 'enum' ? strip(e.base) : null;
        return base?.kind === 'int' ? { k: 'int', bits: base.bits as 8 | 16 | 32 | 64, signed: base.signed } : { k: 'int', bits: 32, signed: true };
      }
      case 'array':
        return { k: 'array', of: value(s.of, m?.string ? null : m && isPointerish(s.of) ? m : null), length: s.length, string: m?.string ?? false };
      case 'struct':
        return { k: 'embed', type: typeId(s.name) };
      case 'union':
        return { k: 'union', type: typeId(s.name), switchOn: m?.switchOn?.index ?? -1 };
      case 'callback':
        return { k: 'callback', type: typeId(s.name), nonNull };
      case 'pointer': {
        switch (m?.mode) {
          case 'opaque':
            return { k: 'opaque', type: typeId(pointee(s.to)), nonNull };
          case 'string':
            return { k: 'string', max: m.max, nonNull };
          case 'counted':
            // A counted void * counts bytes.
            return { k: 'counted', of: strip(s.to).kind === 'void' ? { k: 'int', bits: 8, signed: false } : value(s.to, null), count: expr(m.count!), max: m.max, nonNull };
          case 'interior':
            return { k: 'interior', of: value(s.to, null), nonNull };
          case 'container': {
            const c = m.container!;
            const path = memberPath(c.type, c.field);
            if (!c.alternatives) return { k: 'container', type: typeId(c.type), path, nonNull };
            return { k: 'container', type: typeId(c.type), path, alts: c.alternatives.map((f) => memberPath(c.type, f)), nonNull };
          }
          case 'ops':
            return { k: 'ops', iface: typeId(pointee(s.to)), nonNull };
          case 'tracked':
            return { k: 'tracked', type: typeId(m.asType ?? pointee(s.to)), nonNull };
          default: {
            // The inner pointer of an [out] or [inout] T ** (the only pointer to a pointer the
            // checker lets through unannotated): the callee hands back a tracked object.
            const to = strip(s.to);
            if (!m && (to.kind === 'struct' || to.kind === 'union')) return { k: 'tracked', type: typeId(to.name), nonNull };
            return { k: 'box', of: value(s.to, null), nonNull };
          }
        }
      }
      default:
        return { k: 'skip' };
    }
  };
  // A [container] field `a.b.c` as field indexes, from T down through its embedded structs (the
  // checker made sure each step exists and all but the last are embedded structs).
  const memberPath = (outer: string, field: string): number[] => {
    const path: number[] = [];
    let decl = declOf.get(outer);
    for (const step of field.split('.')) {
      const fields = decl?.kind === 'struct' ? decl.fields : [];
      const i = fields.findIndex((f) => f.name === step);
      path.push(i);
      const t = i >= 0 ? strip(fields[i]!.type) : null;
      decl = t?.kind === 'struct' ? declOf.get(t.name) : undefined;
    }
    return path;
  };
  const pointee = (t: IrType): string => {
    const s = strip(t);
    return 'name' in s && typeof s.name === 'string' ? s.name : '';
  };
  const isPointerish = (t: IrType): boolean => strip(t).kind === 'pointer';
  const expr = (e: IrExpr): PlanExpr => {
    switch (e.kind) {
      case 'literal':
      case 'constant':
      case 'sizeof':
        return Number(e.value);
      case 'slot':
        return { slot: e.index };
      case 'unary':
        return e.op === '-' ? { neg: expr(e.operand) } : expr(e.operand);
      case 'binary':
        return { op: e.op as '+' | '-' | '*' | '/', l: expr(e.left), r: expr(e.right) };
    }
  };
  const selection = (s: IrSelection): PlanSelection => ({
    all: s.all === 'deep' ? 2 : s.all === 'shallow' ? 1 : 0,
    fields: s.fields.map((f): PlanSelection['fields'][number] => (f.through ? [f.index, f.select ? selection(f.select) : null, 1] : [f.index, f.select ? selection(f.select) : null])),
  });
  const typeOf = (d: IrTypeDecl): PlanType | null => {
    switch (d.kind) {
      case 'struct':
        if (!d.complete) return { kind: 'opaque', id: d.id, name: d.name };
        return { kind: 'struct', id: d.id, name: d.name, fields: d.fields.map((f) => ({ name: f.name, value: value(f.type, f.marshal) })) };
      case 'union':
        return {
          kind: 'union',
          id: d.id,
          name: d.name,
          arms: d.arms.map((a) => ({ cases: a.cases.map((c) => BigInt(c)), isDefault: a.isDefault, field: { name: a.field.name, value: value(a.field.type, a.field.marshal) } })),
        };
      case 'enum':
        return { kind: 'enum', id: d.id, name: d.name };
      case 'callback':
        return {
          kind: 'callback',
          id: d.id,
          name: d.name,
          params: d.params.map((p) => ({ name: p.name, value: value(p.type, p.marshal), dir: p.direction })),
          returns: strip(d.returns.type).kind === 'void' ? null : value(d.returns.type, d.returns.marshal),
        };
      case 'typedef':
        return null;
    }
  };
  const types = ir.types.map(typeOf).filter((t): t is PlanType => t !== null);
  return {
    module,
    version,
    types,
    interfaces: ir.interfaces.map((i) => ({
      id: i.id,
      name: i.name,
      functions: i.functions.map((f) => {
        const params = f.params.map((p) => ({ name: p.name, value: value(p.type, p.marshal), dir: p.direction }));
        // A [container(T, f)] parameter's object is the enclosing T: what the callee reads or writes
        // through it is T's field f, so its selection is rooted at T (the receiver merges into its own T).
        const rooted = (a: IrAccess): [number, PlanSelection] => {
          const pv = params[a.index]!.value;
          const sel = selection(a.select);
          if (pv.k !== 'container') return [a.index, sel];
          // Down the member path: each step goes through an embedded struct.
          let rootedSel = sel;
          for (let i = pv.path.length - 1; i >= 0; i--) rootedSel = { all: 0, fields: [[pv.path[i]!, rootedSel, 1]] };
          return [a.index, rootedSel];
        };
        const reads = f.reads.map(rooted);
        const writes = f.writes.map(rooted);
        return {
          id: f.id,
          name: f.name,
          role: f.role,
          params,
          returns: strip(f.returns.type).kind === 'void' ? null : value(f.returns.type, f.returns.marshal),
          reads,
          writes,
        };
      }),
    })),
  };
}

/** The plan as TypeScript source: plain literals, bigints written `123n`, stable key order. */
export function planSource(plan: Plan): string {
  return literal(plan, '');
}

function literal(v: unknown, indent: string): string {
  // Short values stay on one line; the rest break one entry a line. Deterministic either way.
  if (width(v, 100 - indent.length) >= 0) return oneLine(v);
  // A scalar has nothing to break, however deep the indentation (a 64-step access path gets there).
  if (v === null || typeof v !== 'object') return scalar(v);
  const inner = indent + '  ';
  if (Array.isArray(v)) return `[\n${v.map((x) => inner + literal(x, inner)).join(',\n')},\n${indent}]`;
  const entries = Object.entries(v as Record<string, unknown>);
  return `{\n${entries.map(([k, x]) => `${inner}${k}: ${literal(x, inner)}`).join(',\n')},\n${indent}}`;
}

/** A scalar as JSON would print it (finite numbers only: JSON writes NaN as null), bigints `123n`. */
function scalar(v: unknown): string {
  // JSON.stringify per scalar was most of printing the plan.
  return typeof v === 'bigint' ? `${v}n` : typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v)) ? String(v) : String(JSON.stringify(v));
}

const PLAIN = /^[A-Za-z0-9_.\- ]*$/;

/**
 * How long v is on one line, or -1 as soon as it would pass `budget` characters. Measured, not
 * printed: each level of the plan that does not fit is measured again by its entries, and printing
 * the attempts was most of the ts backend's time (printing the whole plan on one line at every
 * level only to measure it was quadratic in the plan's size).
 */
function width(v: unknown, budget: number): number {
  if (v === null || typeof v !== 'object') {
    const n = typeof v === 'string' && PLAIN.test(v) ? v.length + 2 : scalar(v).length;
    return n <= budget ? n : -1;
  }
  // Entries are visited in place: a long array gives up after a few.
  const array = Array.isArray(v);
  const keys = array ? null : Object.keys(v);
  const n = array ? v.length : keys!.length;
  if (!n) return budget >= 2 ? 2 : -1;
  let len = array ? 2 : 4;
  for (let i = 0; i < n; i++) {
    const key = array ? 0 : keys![i]!.length + 2;
    const room = budget - len - (i ? 2 : 0) - key;
    if (room < 0) return -1;
    const w = width(array ? v[i] : (v as Record<string, unknown>)[keys![i]!], room);
    if (w < 0) return -1;
    len += (i ? 2 : 0) + key + w;
  }
  return len;
}

/** v on one line (width() said it fits). */
function oneLine(v: unknown): string {
  if (v === null || typeof v !== 'object') return scalar(v);
  if (Array.isArray(v)) return v.length ? `[${v.map(oneLine).join(', ')}]` : '[]';
  const keys = Object.keys(v);
  if (!keys.length) return '{}';
  let out = '';
  for (let i = 0; i < keys.length; i++) out += (i ? ', ' : '') + keys[i] + ': ' + oneLine((v as Record<string, unknown>)[keys[i]!]);
  return `{ ${out} }`;
}
