// The marshaling plan: what the ts backend generates beside the typed declarations, and what the
// runtime's codec interprets. It is the IR cut down to what the wire needs (ids, field order,
// value encodings, selections), as plain data, so the runtime needs no compiler to read it.
// Indices, not names, join the parts: a field is its index in its type, a parameter its index.

/** An encoding of one value (docs/wire-format.md, "Values"). */
export type PlanValue =
  | { k: 'int'; bits: 8 | 16 | 32 | 64; signed: boolean }
  | { k: 'bool' }
  | { k: 'char' }
  | { k: 'array'; of: PlanValue; length: number; string: boolean }
  | { k: 'embed'; type: number }
  | { k: 'union'; type: number; switchOn: number }
  | { k: 'tracked'; type: number; nonNull: boolean }
  | { k: 'ops'; iface: number; nonNull: boolean }
  | { k: 'opaque'; type: number; nonNull: boolean }
  | { k: 'counted'; of: PlanValue; count: PlanExpr; max: number | null; nonNull: boolean }
  | { k: 'string'; max: number | null; nonNull: boolean }
  | { k: 'box'; of: PlanValue; nonNull: boolean }
  | { k: 'interior'; of: PlanValue; nonNull: boolean }
  | { k: 'container'; type: number; field: number; nonNull: boolean }
  | { k: 'callback'; type: number; nonNull: boolean }
  | { k: 'skip' };

/** A count: a literal, a sibling (field or parameter) by index, or an operation on two counts. */
export type PlanExpr = number | { slot: number } | { op: '+' | '-' | '*' | '/'; l: PlanExpr; r: PlanExpr } | { neg: PlanExpr };

export interface PlanField {
  name: string;
  value: PlanValue;
}

export type PlanType =
  | { kind: 'struct'; id: number; name: string; fields: PlanField[] }
  | { kind: 'union'; id: number; name: string; arms: { cases: bigint[]; isDefault: boolean; field: PlanField }[] }
  | { kind: 'enum'; id: number; name: string }
  /** A function-pointer type: a call through one crosses like a function without access sets. */
  | {
      kind: 'callback';
      id: number;
      name: string;
      params: { name: string; value: PlanValue; dir: 'in' | 'out' | 'inout' }[];
      returns: PlanValue | null;
    }
  /** A struct known by name only: it crosses as a handle. */
  | { kind: 'opaque'; id: number; name: string };

/** Which fields of an object cross: `all` 0 none but `fields`, 1 every field, 2 everything reachable. */
export interface PlanSelection {
  all: 0 | 1 | 2;
  fields: [index: number, next: PlanSelection | null][];
}

export interface PlanFunction {
  id: number;
  name: string;
  role: 'upcall' | 'downcall' | 'critical';
  params: { name: string; value: PlanValue; dir: 'in' | 'out' | 'inout' }[];
  returns: PlanValue | null;
  reads: [param: number, selection: PlanSelection][];
  writes: [param: number, selection: PlanSelection][];
}

export interface PlanInterface {
  id: number;
  name: string;
  functions: PlanFunction[];
}

export interface Plan {
  module: string;
  version: number;
  types: PlanType[];
  interfaces: PlanInterface[];
}

// One index per plan: callers ask once per function, and rebuilding it each time made compiling
// n functions over n types quadratic.
const byIdCache = new WeakMap<readonly PlanType[], Map<number, PlanType>>();
function typesById(types: readonly PlanType[]): Map<number, PlanType> {
  let m = byIdCache.get(types);
  if (!m) byIdCache.set(types, (m = new Map(types.map((t) => [t.id, t]))));
  return m;
}

/**
 * The (type, fields) a list of selections (a function's reads or writes) can put in a message, as
 * the codec's collector walks them from the parameters: deep selections allow every field of every
 * struct they reach. A receiver refuses an object entry with any other field. Shared by the codec
 * and the C backends, which print it as tables; sorted, so what they print is byte-stable.
 */
export function accessFields(types: readonly PlanType[], selections: readonly [number, PlanSelection][], params: readonly { value: PlanValue }[]): [number, number[]][] {
  const byId = typesById(types);
  const out = new Map<number, Set<number>>();
  const struct = (id: number) => {
    const t = byId.get(id);
    return t && t.kind === 'struct' ? t : null;
  };
  const mark = (type: number, i: number): void => {
    let m = out.get(type);
    if (!m) out.set(type, (m = new Set()));
    m.add(i);
  };
  const deepDone = new Set<number>();
  const deep = (type: number): void => {
    const t = struct(type);
    if (!t || deepDone.has(type)) return;
    deepDone.add(type);
    t.fields.forEach((f, i) => {
      if (f.value.k === 'skip') return;
      mark(type, i);
      walk(f.value, 'deep');
    });
  };
  const named = (type: number, sel: PlanSelection): void => {
    const t = struct(type);
    if (!t) return;
    if (sel.all === 2) return deep(type);
    t.fields.forEach((f, i) => {
      const chosen = sel.all === 1 || sel.fields.some(([x]) => x === i);
      if (!chosen || f.value.k === 'skip') return;
      mark(type, i);
      const next = sel.fields.find(([x]) => x === i)?.[1] ?? null;
      if (next) walk(f.value, next);
    });
  };
  const walk = (v: PlanValue, next: PlanSelection | 'deep'): void => {
    switch (v.k) {
      case 'tracked':
        return next === 'deep' ? deep(v.type) : named(v.type, next);
      case 'embed': {
        const t = struct(v.type);
        if (next === 'deep' && t) for (const f of t.fields) walk(f.value, 'deep');
        return;
      }
      case 'array':
      case 'counted':
        return walk(v.of, next);
      default:
        return;
    }
  };
  for (const [pi, sel] of selections) {
    const pv = params[pi]?.value;
    if (pv?.k === 'tracked') named(pv.type, sel);
  }
  return [...out.entries()].sort(([a], [b]) => a - b).map(([t, f]) => [t, [...f].sort((a, b) => a - b)]);
}

