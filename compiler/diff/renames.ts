// Rename detection. A declaration that disappeared under one name and appeared under another is one
// rename, not a removal plus an addition, when the pairing is unambiguous:
// - by wire id: `[id(n)]` pinned the old id, so the wire already says "same thing";
// - by shape: same kind and the same contents (fields, members, arms, signature), or, for a field,
//   enum member or union arm, the same contents at the same position.
// A candidate pairs only when each side has exactly one match, so two look-alike structs renamed at
// once are reported as removals and additions rather than guessed.
import type { IrCallback, IrEnum, IrField, IrFunction, IrInterface, IrParam, IrTypeDecl, IrUnion, IrUnionArm } from '../ir/types.js';
import { marshalDeltas, type NameMap, sameType } from './equal.js';

export interface Matched<T> {
  /** Old and new under the same name. */
  same: [T, T][];
  /** Old and new under different names, paired by one of the criteria. */
  renamed: [T, T][];
  removed: T[];
  added: T[];
}

/** A rename criterion; with a key, only old and new items with equal keys are compared (a key of
 * undefined never matches), which keeps pairing near-linear for positional and id criteria. */
export type Criterion<T> = ((o: T, n: T) => boolean) & { key?: (t: T) => string | number | undefined };

/** One match() compares at most this many old/new pairs that share a key; past it, what is left
 * unpaired is reported as removed and added (a rename reads as both), so a diff of thousands of
 * renamed look-alike declarations stays fast. */
export const MAX_RENAME_COMPARISONS = 200_000;

/**
 * Pairs by name, then pairs what is left by each criterion in turn. Order is kept: pairs follow the
 * new list, removals the old one.
 */
export function match<T>(
  olds: readonly T[],
  news: readonly T[],
  name: (t: T) => string,
  criteria: Criterion<T>[],
  /** Told of each tier's renames before the next tier runs, so later criteria can see them. */
  onRenamed?: (o: T, n: T) => void,
): Matched<T> {
  const byName = new Map<string, T>();
  for (const o of olds) byName.set(name(o), o);
  const same: [T, T][] = [];
  const newNames = new Set(news.map(name));
  let added: T[] = [];
  for (const n of news) {
    const o = byName.get(name(n));
    if (o !== undefined) same.push([o, n]);
    else added.push(n);
  }
  let removed = olds.filter((o) => !newNames.has(name(o)));
  const renamed: [T, T][] = [];
  const budget = { left: MAX_RENAME_COMPARISONS };
  for (const crit of criteria) {
    const r = pairUnique(removed, added, crit, budget);
    renamed.push(...r.pairs);
    if (onRenamed) for (const [o, n] of r.pairs) onRenamed(o, n);
    removed = r.removed;
    added = r.added;
  }
  return { same, renamed, removed, added };
}

function pairUnique<T>(removed: T[], added: T[], same: Criterion<T>, budget: { left: number }): { pairs: [T, T][]; removed: T[]; added: T[] } {
  const key = same.key ?? (() => 0);
  const buckets = new Map<string | number, T[]>();
  for (const n of added) {
    const k = key(n);
    if (k === undefined) continue;
    const list = buckets.get(k);
    if (list) list.push(n);
    else buckets.set(k, [n]);
  }
  const candidates: T[][] = [];
  for (const o of removed) {
    const k = key(o);
    const pool = k === undefined ? [] : (buckets.get(k) ?? []);
    const found: T[] = [];
    for (const n of pool) {
      if (--budget.left < 0) break;
      if (same(o, n)) found.push(n);
    }
    candidates.push(found);
  }
  // Unambiguous from the new side too: no other removed item matches it.
  const matchedBy = new Map<T, number>();
  for (const list of candidates) for (const n of list) matchedBy.set(n, (matchedBy.get(n) ?? 0) + 1);
  const pairs: [T, T][] = [];
  const usedOld = new Set<T>();
  const usedNew = new Set<T>();
  removed.forEach((o, i) => {
    const c = candidates[i]!;
    if (c.length !== 1) return;
    const n = c[0]!;
    if (matchedBy.get(n) !== 1) return;
    pairs.push([o, n]);
    usedOld.add(o);
    usedNew.add(n);
  });
  const addedAt = new Map<T, number>(added.map((n, i) => [n, i]));
  pairs.sort((a, b) => addedAt.get(a[1])! - addedAt.get(b[1])!);
  return { pairs, removed: removed.filter((o) => !usedOld.has(o)), added: added.filter((n) => !usedNew.has(n)) };
}

/** Position in whichever list an item comes from: old and new items are distinct objects. */
function positions<T>(olds: readonly T[], news: readonly T[]): Map<T, number> {
  const at = new Map<T, number>();
  olds.forEach((t, i) => at.set(t, i));
  news.forEach((t, i) => at.set(t, i));
  return at;
}

function keyed<T>(same: (o: T, n: T) => boolean, key: (t: T) => string | number | undefined): Criterion<T> {
  return Object.assign(same, { key });
}

// ---- criteria ---------------------------------------------------------------------------------

/** Same pinned (or otherwise equal) wire id and the same kind of declaration. */
export const sameId = keyed(
  (o: IrTypeDecl | IrInterface | IrFunction, n: IrTypeDecl | IrInterface | IrFunction): boolean => {
    if (!('id' in o) || !('id' in n)) return false;
    if ('kind' in o && 'kind' in n && o.kind !== n.kind) return false;
    return o.id === n.id;
  },
  (t) => ('id' in t ? t.id : undefined),
);

/** What sameTypeDecl compares first: kind and number of parts. */
function shapeKey(t: IrTypeDecl): string {
  switch (t.kind) {
    case 'struct':
      return `struct:${t.complete}:${t.fields.length}`;
    case 'union':
      return `union:${t.arms.length}`;
    case 'enum':
      return `enum:${t.members.length}`;
    case 'typedef':
      return 'typedef';
    case 'callback':
      return `callback:${t.params.length}`;
  }
}

export function sameTypeDecl(names: NameMap): Criterion<IrTypeDecl> {
  return keyed((o: IrTypeDecl, n: IrTypeDecl): boolean => {
    if (o.kind !== n.kind) return false;
    switch (o.kind) {
      case 'struct': {
        const m = n as typeof o;
        return o.complete === m.complete && sameFieldList(o.fields, m.fields, names);
      }
      case 'union': {
        const m = n as IrUnion;
        return (
          (o.discriminant === null) === (m.discriminant === null) &&
          (o.discriminant === null || sameType(o.discriminant, m.discriminant!, names, 'c')) &&
          o.arms.length === m.arms.length &&
          o.arms.every((a, i) => sameArm(a, m.arms[i]!, names) && a.field.name === m.arms[i]!.field.name)
        );
      }
      case 'enum': {
        const m = n as IrEnum;
        return (
          sameType(o.base, m.base, names, 'c') &&
          o.members.length === m.members.length &&
          o.members.every((x, i) => x.name === m.members[i]!.name && x.value === m.members[i]!.value)
        );
      }
      case 'typedef':
        return sameType(o.target, (n as typeof o).target, names, 'c');
      case 'callback':
        return sameCallback(o, n as IrCallback, names);
    }
  }, shapeKey);
}

function sameFieldList(a: IrField[], b: IrField[], names: NameMap): boolean {
  return a.length === b.length && a.every((f, i) => f.name === b[i]!.name && sameField(f, b[i]!, names));
}

/** Same type, marshaling and width: the field's bytes on the wire and in C are the same. */
export function sameField(o: IrField, n: IrField, names: NameMap): boolean {
  return (
    sameType(o.type, n.type, names, 'c') &&
    o.bitWidth === n.bitWidth &&
    marshalDeltas(o.marshal, n.marshal, () => null, names).every((d) => !d.wire)
  );
}

/** A field renamed in place: same position, same contents. */
export function sameFieldAt(oldFields: IrField[], newFields: IrField[], names: NameMap): Criterion<IrField> {
  const at = positions(oldFields, newFields);
  return keyed((o, n) => at.get(o) === at.get(n) && sameField(o, n, names), (t) => at.get(t));
}

export function sameArm(o: IrUnionArm, n: IrUnionArm, names: NameMap): boolean {
  return o.isDefault === n.isDefault && o.cases.join(',') === n.cases.join(',') && sameField(o.field, n.field, names);
}

export function sameArmAt(oldArms: IrUnionArm[], newArms: IrUnionArm[], names: NameMap): Criterion<IrUnionArm> {
  const at = positions(oldArms, newArms);
  return keyed((o, n) => at.get(o) === at.get(n) && sameArm(o, n, names), (t) => at.get(t));
}

export function sameMemberAt(oldMembers: IrEnum['members'], newMembers: IrEnum['members']): Criterion<IrEnum['members'][number]> {
  const at = positions(oldMembers, newMembers);
  return keyed((o, n) => at.get(o) === at.get(n) && o.value === n.value, (t) => at.get(t));
}

function sameParams(a: IrParam[], b: IrParam[], names: NameMap): boolean {
  return (
    a.length === b.length &&
    a.every(
      (p, i) =>
        sameType(p.type, b[i]!.type, names, 'c') &&
        p.direction === b[i]!.direction &&
        marshalDeltas(p.marshal, b[i]!.marshal, () => null, names).every((d) => !d.wire),
    )
  );
}

function sameReturn(a: IrFunction['returns'], b: IrFunction['returns'], names: NameMap): boolean {
  return sameType(a.type, b.type, names, 'c') && marshalDeltas(a.marshal, b.marshal, () => null, names).every((d) => !d.wire);
}

export function sameCallback(o: IrCallback, n: IrCallback, names: NameMap): boolean {
  return sameReturn(o.returns, n.returns, names) && sameParams(o.params, n.params, names);
}

/**
 * A function renamed without `[id]` (its wire id changed with its name): same role and signature at
 * the same position, since look-alike signatures (`void f(net_device *dev)`) are common enough that
 * a removal and an unrelated addition elsewhere must not read as a rename.
 */
export function sameSignatureAt(oldFns: IrFunction[], newFns: IrFunction[], names: NameMap): Criterion<IrFunction> {
  const at = positions(oldFns, newFns);
  return keyed(
    (o, n) => at.get(o) === at.get(n) && o.role === n.role && sameReturn(o.returns, n.returns, names) && sameParams(o.params, n.params, names),
    (t) => at.get(t),
  );
}

/** An interface renamed without `[id]`: the same functions, in the same order. */
export const sameFunctionNames = keyed(
  (o: IrInterface, n: IrInterface): boolean =>
    o.functions.length > 0 && o.functions.map((f) => f.name).join(',') === n.functions.map((f) => f.name).join(','),
  (t) => t.functions.map((f) => f.name).join(','),
);
