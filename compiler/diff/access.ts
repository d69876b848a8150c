// Access sets compared as what they select, not as how they are written: `reads(dev.*)` and a list
// of every field of `dev` select the same data, and a default set (`p.**`) covers any explicit one.
// `uncovered(a, b)` lists the paths b selects that a does not, so "grew" is uncovered(old, new) and
// "shrank" uncovered(new, old). Fields that exist in only one version are left out: their addition
// or removal is reported at the struct, with who sends them.
import type { IrAccess, IrField, IrParam, IrSelection } from '../ir/types.js';
import { type Aggregate, fieldsOf, marshaled, type Model } from './model.js';

/** One version of one direction (reads or writes) of one function. */
export interface AccessSide {
  model: Model;
  params: IrParam[];
  accesses: IrAccess[];
}

/** From the side whose paths are listed (b) to the side they are checked against (a). */
export interface SideMap {
  typeName(bName: string): string;
  /** The index in a's aggregate of field `index` of b's aggregate, null if it has no counterpart. */
  fieldIndex(bAggregate: string, index: number): number | null;
}

type State = { k: 'sel'; sel: IrSelection } | { k: 'deep' } | { k: 'value' } | { k: 'none' };

const NONE: State = { k: 'none' };
const DEEP: State = { k: 'deep' };
const VALUE: State = { k: 'value' };

export function uncovered(a: AccessSide, b: AccessSide, map: SideMap): string[] {
  const out = new Set<string>();
  // Selection nodes are keyed by identity so the walk stops on cycles (deep sets through `next` links).
  const ids = new WeakMap<object, number>();
  let counter = 0;
  const selKey = (s: State): string => {
    if (s.k !== 'sel') return s.k;
    let id = ids.get(s.sel);
    if (id === undefined) ids.set(s.sel, (id = ++counter));
    return `sel${id}`;
  };
  const seen = new Set<string>();

  const walk = (as: State, bs: State, aAgg: Aggregate, bAgg: Aggregate, prefix: string): void => {
    if (as.k === 'deep') return;
    if (as.k === 'none' && bs.k === 'deep') return void out.add(`${prefix}.**`);
    if (as.k === 'none' && bs.k === 'value') return void out.add(prefix);
    const k = `${selKey(as)}|${selKey(bs)}|${aAgg.name}|${bAgg.name}`;
    if (seen.has(k)) return;
    seen.add(k);
    const aFields = fieldsOf(aAgg);
    fieldsOf(bAgg).forEach((fb, j) => {
      const cb = child(bs, fb, j, b.model);
      if (!cb.inc) return;
      const ia = map.fieldIndex(bAgg.name, j);
      const fa = ia === null ? undefined : aFields[ia];
      if (ia === null || !fa) return;
      const ca = as.k === 'none' ? { inc: false, child: NONE } : child(as, fa, ia, a.model);
      const path = `${prefix}.${fb.name}`;
      const subB = cb.child.k === 'none' ? null : b.model.behind(fb);
      const subA = subB ? a.model.behind(fa) : null;
      const corresponds = subA !== null && subB !== null && map.typeName(subB.name) === subA.name;
      if (!ca.inc) {
        if (corresponds && cb.child.k === 'sel') walk(NONE, cb.child, subA, subB, path);
        else out.add(cb.child.k === 'deep' && subB ? `${path}.**` : path);
        return;
      }
      if (cb.child.k === 'none' || !corresponds) return;
      walk(ca.child, cb.child, subA, subB, path);
    });
  };

  for (const acc of b.accesses) {
    const pb = b.params[acc.index];
    const pa = a.params[acc.index];
    if (!pb || !pa) continue;
    const bAgg = b.model.behind(pb);
    const aAgg = a.model.behind(pa);
    if (!bAgg || !aAgg || map.typeName(bAgg.name) !== aAgg.name) continue;
    const aAcc = a.accesses.find((x) => x.index === acc.index);
    walk(aAcc ? { k: 'sel', sel: aAcc.select } : NONE, { k: 'sel', sel: acc.select }, aAgg, bAgg, pb.name);
  }
  return [...out].sort();
}

/** Whether a state includes field `index`, and what it selects below it. */
function child(s: State, f: IrField, index: number, model: Model): { inc: boolean; child: State } {
  const no = { inc: false, child: NONE };
  if (!marshaled(f.marshal)) return no;
  switch (s.k) {
    case 'none':
      return no;
    case 'deep':
      return { inc: true, child: DEEP };
    case 'value':
      return { inc: true, child: whole(f, model) };
    case 'sel': {
      if (s.sel.all === 'deep') return { inc: true, child: DEEP };
      const entry = s.sel.fields.find((x) => x.index === index);
      if (entry) {
        if (!entry.select) return { inc: true, child: whole(f, model) };
        // `p.*` already sends an embedded value whole; a narrower path below it adds nothing.
        if (s.sel.all === 'shallow' && whole(f, model).k === 'value') return { inc: true, child: VALUE };
        return { inc: true, child: { k: 'sel', sel: entry.select } };
      }
      if (s.sel.all === 'shallow') return { inc: true, child: whole(f, model) };
      return no;
    }
  }
}

/** Selecting a field sends its value: an embedded struct (or counted elements) whole, a pointer as an id only. */
function whole(f: IrField, model: Model): State {
  return (f.marshal.mode === 'value' || f.marshal.mode === 'counted') && model.behind(f) ? VALUE : NONE;
}
