// Discriminated unions: a declared integer or enum discriminant type, every arm labeled, no case
// value twice; at each use, [switch(x)] names an integer or enum beside it. Without these the
// receiver could not know which arm to read.
import type * as A from '../../ast.js';
import { isUnmarshaled, slotLoc, slotWhat } from '../classify.js';
import type { CheckContext, Slot } from '../context.js';
import { describe, intRange, isCountable, strip, type Ty } from '../types.js';

export function checkUnions(ctx: CheckContext): void {
  for (const doc of ctx.program.documents) for (const d of doc.decls) if (d.kind === 'Union') checkDecl(ctx, d);
  for (const slot of ctx.slots) checkUse(ctx, slot);
}

function checkDecl(ctx: CheckContext, u: A.UnionDecl): void {
  if (u.arms.length === 0) ctx.error('empty-union', `union '${u.name.value}' has no members`, u.name.loc);
  if (!u.switchType) {
    for (const arm of u.arms)
      if (arm.cases.length || arm.isDefault)
        ctx.error(
          'case-without-switch',
          `case labels need a discriminant: declare it as 'union ${u.name.value} switch (T)'`,
          arm.loc,
        );
    return;
  }
  const st = ctx.typeOf(u.switchType);
  if (!st) return;
  if (!isCountable(st) && strip(st).k !== 'bool') {
    ctx.error('bad-discriminant', `a union discriminant must be an integer or enum type, not ${describe(st)}`, u.switchType.loc);
    return;
  }
  const range = intRange(st, (e) => ctx.enumBase(e))!;
  const enumValues = enumValueSet(ctx, st);
  const seen = new Map<bigint, A.Expr>();
  let defaultArm: A.UnionArm | null = null;
  for (const arm of u.arms) {
    if (!arm.cases.length && !arm.isDefault)
      ctx.error('missing-case', `member '${arm.field.name.value}' of union '${u.name.value}' needs a 'case' or 'default' label`, arm.field.name.loc);
    if (arm.isDefault) {
      if (defaultArm) ctx.error('duplicate-case', `union '${u.name.value}' has two default arms`, arm.loc);
      defaultArm = arm;
    }
    for (const c of arm.cases) {
      const v = ctx.evalConst(c);
      if (v === null) continue;
      if (v < range.min || v > range.max) {
        ctx.error('case-out-of-range', `case ${v} does not fit the discriminant type ${describe(st)}`, c.loc);
        continue;
      }
      if (enumValues && !enumValues.has(v))
        ctx.error('case-not-in-enum', `case ${v} is not a value of ${describe(st)}`, c.loc);
      const prev = seen.get(v);
      if (prev) ctx.error('duplicate-case', `case ${v} repeats`, c.loc, [{ message: 'first used here', loc: prev.loc }]);
      else seen.set(v, c);
    }
  }
}

function enumValueSet(ctx: CheckContext, t: Ty): Set<bigint> | null {
  const s = strip(t);
  if (s.k !== 'enum') return null;
  const out = new Set<bigint>();
  for (const m of s.decl.members) {
    const v = ctx.constValue(m);
    if (v !== null) out.add(v);
  }
  return out;
}

/** The union a slot holds by value or points to, if any. */
function unionOf(t: Ty): { decl: A.UnionDecl; inArray: boolean } | null {
  let s = strip(t);
  let inArray = false;
  if (s.k === 'pointer') s = strip(s.to);
  while (s.k === 'array') {
    inArray = true;
    s = strip(s.of);
  }
  return s.k === 'union' ? { decl: s.decl, inArray } : null;
}

function checkUse(ctx: CheckContext, slot: Slot): void {
  const t = ctx.slotType(slot);
  if (!t) return;
  const sw = ctx.attr(slot.attrs, 'switch');
  const u = unionOf(t);
  const s = strip(t);
  if (!u) {
    if (sw) ctx.error('switch-on-non-union', `[switch] applies to unions, but ${slotWhat(slot)} has type ${describe(t)}`, sw.loc);
    return;
  }
  const hidden = isUnmarshaled(ctx, slot) || ctx.has(slot.attrs, 'opaque');
  if (!u.decl.switchType) {
    if (!hidden && s.k !== 'pointer')
      ctx.error(
        'undiscriminated-union',
        `union '${u.decl.name.value}' has no discriminant, so ${slotWhat(slot)} cannot be marshaled: mark it [skip] or declare 'union ${u.decl.name.value} switch (T)'`,
        slotLoc(slot),
      );
    if (sw) ctx.error('switch-on-non-union', `union '${u.decl.name.value}' is declared without 'switch (T)', so [switch] has nothing to select`, sw.loc);
    return;
  }
  if (hidden) return;
  if (u.inArray) {
    ctx.error('union-array', `an array of discriminated unions has one discriminant for all elements; wrap the union in a struct with its own discriminant`, slotLoc(slot));
    return;
  }
  if (slot.kind === 'return') {
    ctx.error('union-return', `a discriminated union cannot be returned: nothing beside it can hold the discriminant; return a struct that holds both`, slotLoc(slot));
    return;
  }
  if (!sw) {
    ctx.error('missing-switch', `${slotWhat(slot)} holds union '${u.decl.name.value}': name its discriminant with [switch(field)]`, slotLoc(slot));
    return;
  }
  const arg = sw.args[0];
  if (arg?.kind !== 'NameRef') return;
  const target = (slot.arm ? [] : slot.scope()).find((x) => x.name === arg.name.value && x.kind !== 'return');
  const noun = slot.kind === 'field' ? 'field beside it' : 'parameter';
  if (!target) {
    ctx.error('bad-switch', `[switch(${arg.name.value})]: no ${noun} is named '${arg.name.value}'`, arg.loc);
    return;
  }
  if (target === slot) {
    ctx.error('bad-switch', `a union cannot be its own discriminant`, arg.loc);
    return;
  }
  const dt = ctx.slotType(target);
  if (!dt) return;
  if ((!isCountable(dt) && strip(dt).k !== 'bool') || strip(dt).k === 'array') {
    ctx.error('bad-discriminant', `discriminant '${target.name}' must be an integer or enum, not ${describe(dt)}`, arg.loc);
    return;
  }
  if (isUnmarshaled(ctx, target)) {
    ctx.error('bad-switch', `discriminant '${target.name}' is [skip] and never crosses`, arg.loc);
    return;
  }
  const want = strip(ctx.typeOf(u.decl.switchType!) ?? dt);
  const have = strip(dt);
  if (want.k === 'enum' && have.k === 'enum' && want.decl !== have.decl)
    ctx.error('bad-discriminant', `union '${u.decl.name.value}' switches on ${describe(want)}, but '${target.name}' is ${describe(have)}`, arg.loc);
}
