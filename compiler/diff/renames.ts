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

/**
 * Pairs by name, then pairs what is left by each criterion in turn. Order is kept: pairs follow the
 * new list, removals the old one.
 */
export function match<T>(
  olds: readonly T[],
  news: readonly T[],
  name: (t: T) => string,
  criteria: ((o: T, n: T) => boolean)[],
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
  for (const crit of criteria) {
    const r = pairUnique(removed, added, crit);
    renamed.push(...r.pairs);
    if (onRenamed) for (const [o, n] of r.pairs) onRenamed(o, n);
    removed = r.removed;
    added = r.added;
  }
  return { same, renamed, removed, added };
}

function pairUnique<T>(removed: T[], added: T[], same: (o: T, n: T) => boolean): { pairs: [T, T][]; removed: T[]; added: T[] } {
  const candidates = removed.map((o) => added.filter((n) => same(o, n)));
  const pairs: [T, T][] = [];
  const usedOld = new Set<T>();
  const usedNew = new Set<T>();
  removed.forEach((o, i) => {
    const c = candidates[i]!;
    if (c.length !== 1) return;
    const n = c[0]!;
    // Unambiguous from the new side too: no other removed item matches it.
    if (candidates.filter((list) => list.includes(n)).length !== 1) return;
    pairs.push([o, n]);
    usedOld.add(o);
    usedNew.add(n);
  });
  pairs.sort((a, b) => added.indexOf(a[1]) - added.indexOf(b[1]));
  return { pairs, removed: removed.filter((o) => !usedOld.has(o)), added: added.filter((n) => !usedNew.has(n)) };
}

// ---- criteria ---------------------------------------------------------------------------------

/** Same pinned (or otherwise equal) wire id and the same kind of declaration. */
export function sameId(o: IrTypeDecl | IrInterface | IrFunction, n: IrTypeDecl | IrInterface | IrFunction): boolean {
  if (!('id' in o) || !('id' in n)) return false;
  if ('kind' in o && 'kind' in n && o.kind !== n.kind) return false;
  return o.id === n.id;
}

export function sameTypeDecl(names: NameMap) {
  return (o: IrTypeDecl, n: IrTypeDecl): boolean => {
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
  };
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
export function sameFieldAt(oldFields: IrField[], newFields: IrField[], names: NameMap) {
  return (o: IrField, n: IrField): boolean => oldFields.indexOf(o) === newFields.indexOf(n) && sameField(o, n, names);
}

export function sameArm(o: IrUnionArm, n: IrUnionArm, names: NameMap): boolean {
  return o.isDefault === n.isDefault && o.cases.join(',') === n.cases.join(',') && sameField(o.field, n.field, names);
}

export function sameArmAt(oldArms: IrUnionArm[], newArms: IrUnionArm[], names: NameMap) {
  return (o: IrUnionArm, n: IrUnionArm): boolean => oldArms.indexOf(o) === newArms.indexOf(n) && sameArm(o, n, names);
}

export function sameMemberAt(oldMembers: IrEnum['members'], newMembers: IrEnum['members']) {
  return (o: IrEnum['members'][number], n: IrEnum['members'][number]): boolean =>
    oldMembers.indexOf(o) === newMembers.indexOf(n) && o.value === n.value;
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
export function sameSignatureAt(oldFns: IrFunction[], newFns: IrFunction[], names: NameMap) {
  return (o: IrFunction, n: IrFunction): boolean =>
    oldFns.indexOf(o) === newFns.indexOf(n) && o.role === n.role && sameReturn(o.returns, n.returns, names) && sameParams(o.params, n.params, names);
}

/** An interface renamed without `[id]`: the same functions, in the same order. */
export function sameFunctionNames(o: IrInterface, n: IrInterface): boolean {
  return o.functions.length > 0 && o.functions.map((f) => f.name).join(',') === n.functions.map((f) => f.name).join(',');
}
