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
  /**
   * A pointer to a member of a T: `path` is the field index in T, then in each embedded struct down
   * to the member. With a choice of members (`[container(T, a | b.c)]`), `alts` holds each one's
   * path in the order written (`path` is the first), and the pointer crosses with the index of the
   * one it is; one member has no `alts`.
   */
  | { k: 'container'; type: number; path: number[]; alts?: number[][]; nonNull: boolean }
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

/**
 * Which fields of an object cross: `all` 0 none but `fields`, 1 every field, 2 everything reachable.
 * A field's third element, 1, says paths only pass through it (IrSelection's `through`): of an
 * embedded struct only the fields selected inside it are merged.
 */
export interface PlanSelection {
  all: 0 | 1 | 2;
  fields: ([index: number, next: PlanSelection | null] | [index: number, next: PlanSelection | null, through: 1])[];
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

/**
 * Whether a parameter crosses in its call as a count alone: an [out] counted array. The callee gets
 * that many zeroed elements to fill, so nothing the caller's buffer held reaches it (a kernel
 * buffer's stale bytes, or pointers in it that the encoder would otherwise follow), and the
 * elements cross once, in the reply (docs/wire-format.md, "Payload").
 */
export function crossesAsCount(p: { readonly value: PlanValue; readonly dir: 'in' | 'out' | 'inout' }): boolean {
  return p.dir === 'out' && p.value.k === 'counted';
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
 * Which fields of an embedded struct a receiver merges into the live one: by field index, null for
 * the whole field (its value replaces the live one), a nested tree for an embedded struct that is
 * itself merged field by field. An embedded field not in the trees of `accessMerges` is merged whole.
 */
export type PlanMerge = [index: number, merge: PlanMerge | null][];

interface AccessWalk {
  fields: [number, number[]][];
  merges: [type: number, fields: [index: number, merge: PlanMerge][]][];
}

// A merge being built: 'whole' wins over any partial selection of the same field.
type MergeNode = Map<number, MergeNode | 'whole'>;

function walkAccess(types: readonly PlanType[], selections: readonly [number, PlanSelection][], params: readonly { value: PlanValue }[]): AccessWalk {
  const byId = typesById(types);
  const out = new Map<number, Set<number>>();
  const merges = new Map<number, MergeNode>();
  const struct = (id: number) => {
    const t = byId.get(id);
    return t && t.kind === 'struct' ? t : null;
  };
  const mark = (type: number, i: number): void => {
    let m = out.get(type);
    if (!m) out.set(type, (m = new Set()));
    m.add(i);
  };
  const mergeAt = (type: number): MergeNode => {
    let m = merges.get(type);
    if (!m) merges.set(type, (m = new Map()));
    return m;
  };
  // Records into `node` how field i of an embedded struct (or object) merges.
  const note = (node: MergeNode, i: number, how: MergeNode | 'whole'): void => {
    const cur = node.get(i);
    if (cur === 'whole') return;
    if (how === 'whole' || !cur) return void node.set(i, how);
    for (const [j, sub] of how) note(cur, j, sub);
  };
  // A deep selection follows pointers as far as the types go, and an IDL's chain of pointers may be
  // as long as its author likes: the types it reaches wait in a list, walked after the selections
  // (what is marked does not depend on the order: the results are sorted).
  const deepDone = new Set<number>();
  const deepPending: number[] = [];
  const deep = (type: number): void => {
    if (deepDone.has(type) || !struct(type)) return;
    deepDone.add(type);
    deepPending.push(type);
  };
  const drainDeep = (): void => {
    for (let type = deepPending.pop(); type !== undefined; type = deepPending.pop()) {
      const t = struct(type)!;
      t.fields.forEach((f, i) => {
        if (f.value.k === 'skip') return;
        mark(type, i);
        if (f.value.k === 'embed') note(mergeAt(type), i, 'whole');
        walk(f.value, 'deep');
      });
    }
  };
  // The fields `sel` chooses of a struct, each with what is selected behind it; `merge` (when not
  // null) collects how the embedded struct those fields belong to is merged.
  const choose = (t: Extract<PlanType, { kind: 'struct' }>, sel: PlanSelection, visit: (i: number, v: PlanValue, next: PlanSelection | null, through: boolean) => void): void => {
    t.fields.forEach((f, i) => {
      if (f.value.k === 'skip') return;
      const entry = sel.fields.find(([x]) => x === i);
      if (sel.all !== 1 && !entry) return;
      visit(i, f.value, entry?.[1] ?? null, sel.all !== 1 && entry?.[2] === 1);
    });
  };
  // How an embedded value selected by `next` merges: 'whole', or field by field.
  const embedMerge = (v: PlanValue, next: PlanSelection | null, through: boolean): MergeNode | 'whole' => {
    const t = v.k === 'embed' ? struct(v.type) : null;
    if (!t || !through || !next || next.all !== 0) return 'whole';
    const node: MergeNode = new Map();
    choose(t, next, (j, fv, sub, th) => note(node, j, embedMerge(fv, sub, th)));
    return node;
  };
  const named = (type: number, sel: PlanSelection): void => {
    const t = struct(type);
    if (!t) return;
    if (sel.all === 2) return deep(type);
    choose(t, sel, (i, v, next, through) => {
      mark(type, i);
      if (v.k === 'embed') note(mergeAt(type), i, embedMerge(v, next, through));
      if (next) walk(v, next);
    });
  };
  const walk = (v: PlanValue, next: PlanSelection | 'deep'): void => {
    switch (v.k) {
      case 'tracked':
        return next === 'deep' ? deep(v.type) : named(v.type, next);
      case 'embed': {
        const t = struct(v.type);
        if (!t) return;
        if (next === 'deep' || next.all === 2) for (const f of t.fields) walk(f.value, 'deep');
        else choose(t, next, (_j, fv, sub) => sub && walk(fv, sub));
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
    // A container parameter's selection is rooted at its enclosing type (the plan builder did it);
    // an [out] T **'s at the object the callee hands back.
    if (pv?.k === 'tracked' || pv?.k === 'container') named(pv.type, sel);
    else if (pv?.k === 'box' && pv.of.k === 'tracked') named(pv.of.type, sel);
  }
  drainDeep();
  const freeze = (node: MergeNode): PlanMerge =>
    [...node.entries()].sort(([a], [b]) => a - b).map(([i, how]): [number, PlanMerge | null] => [i, how === 'whole' ? null : freeze(how)]);
  return {
    fields: [...out.entries()].sort(([a], [b]) => a - b).map(([t, f]) => [t, [...f].sort((a, b) => a - b)]),
    merges: [...merges.entries()]
      .sort(([a], [b]) => a - b)
      .map(([t, node]): [number, [number, PlanMerge][]] => [t, freeze(node).filter((e): e is [number, PlanMerge] => e[1] !== null)])
      .filter(([, list]) => list.length > 0),
  };
}

/**
 * The (type, fields) a list of selections (a function's reads or writes) can put in a message, as
 * the codec's collector walks them from the parameters: deep selections allow every field of every
 * struct they reach. A receiver refuses an object entry with any other field. Shared by the codec
 * and the C backends, which print it as tables; sorted, so what they print is byte-stable.
 */
export function accessFields(types: readonly PlanType[], selections: readonly [number, PlanSelection][], params: readonly { value: PlanValue }[]): [number, number[]][] {
  return walkAccess(types, selections, params).fields;
}

/**
 * The embedded fields of each type that a receiver merges only in part (the selections name fields
 * inside them and not the whole): (type, [(embedded field, merge tree)]). Any other field present
 * in an object entry is merged whole. The wire still carries the whole embedded value (the format
 * has no mask inside one); what the receiver takes of it is decided here, on both sides alike.
 */
export function accessMerges(
  types: readonly PlanType[],
  selections: readonly [number, PlanSelection][],
  params: readonly { value: PlanValue }[],
): [number, [number, PlanMerge][]][] {
  return walkAccess(types, selections, params).merges;
}

/** accessFields and accessMerges of the same selections from one walk (the C backends print both). */
export function accessSets(
  types: readonly PlanType[],
  selections: readonly [number, PlanSelection][],
  params: readonly { value: PlanValue }[],
): { fields: [number, number[]][]; merges: [number, [number, PlanMerge][]][] } {
  const { fields, merges } = walkAccess(types, selections, params);
  return { fields, merges };
}
