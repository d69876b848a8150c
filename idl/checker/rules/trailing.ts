// [trailing(accessor)] names the area a kernel object carries after itself and reaches through no
// field (netdev_priv(dev) is the memory after struct net_device). Only the kernel's own definition
// of the owner has such an area, so the owner must be a [header] view; the area is one struct the
// accessor returns a pointer to, and since it lives after the kernel's object and nowhere else, the
// owner can only cross by pointer: a copy of it would have nothing after it.
import type * as A from '../../ast.js';
import { slotLoc, slotWhat } from '../classify.js';
import type { CheckContext } from '../context.js';
import { C_KEYWORDS, describe, innermost, strip } from '../types.js';

export function checkTrailing(ctx: CheckContext): void {
  const owners = new Map<A.StructDecl, A.Field>();
  for (const doc of ctx.program.documents)
    for (const d of doc.decls) {
      if (d.kind === 'Union')
        for (const arm of d.arms) {
          const a = ctx.attr(arm.field.attrs, 'trailing');
          if (a) ctx.error('bad-trailing', `[trailing] names an area after a kernel struct; union '${d.name.value}' has none`, a.loc);
        }
      if (d.kind !== 'Struct' || !d.fields) continue;
      for (const f of d.fields) {
        const a = ctx.attr(f.attrs, 'trailing');
        if (a) checkOne(ctx, d, f, a, owners);
      }
    }
  if (!owners.size) return;
  // A struct with an area crosses by pointer only: by value (a field, an array element, a
  // parameter, a return value) it would be a copy with nothing after it.
  for (const slot of ctx.slots) {
    const t = ctx.slotType(slot);
    if (!t) continue;
    const s = innermost(t);
    if (s.k !== 'struct' || !owners.has(s.decl)) continue;
    const f = owners.get(s.decl)!;
    ctx.error(
      'bad-trailing',
      `struct '${s.decl.name.value}' carries a trailing area ('${f.name.value}'), so only a pointer to it can cross; ${slotWhat(slot)} holds one by value`,
      slotLoc(slot),
    );
  }
}

function checkOne(ctx: CheckContext, owner: A.StructDecl, f: A.Field, a: A.Attribute, owners: Map<A.StructDecl, A.Field>): void {
  const what = `'${owner.name.value}.${f.name.value}'`;
  if (!ctx.has(owner.attrs, 'header'))
    ctx.error(
      'bad-trailing',
      `[trailing] names an area the kernel's own definition of a struct has after it; '${owner.name.value}' is defined by the IDL, so add [header("...")] or make ${what} a pointer field`,
      a.loc,
    );
  const first = owners.get(owner);
  if (first)
    ctx.error('bad-trailing', `struct '${owner.name.value}' has one trailing area; ${what} is a second`, a.loc, [
      { message: 'the first is here', loc: first.name.loc },
    ]);
  else owners.set(owner, f);
  const arg = a.args[0];
  if (arg?.kind === 'NameRef') {
    const n = arg.name.value;
    if (C_KEYWORDS.has(n) || /^(mdl_|__mdl|MDL_)/.test(n))
      ctx.error('bad-trailing', `[trailing(${n})] names the C function or macro that finds the area; '${n}' is reserved`, arg.loc);
  }
  const t = ctx.typeOf(f.type, f.dims, f);
  if (!t) return;
  const s = strip(t);
  const to = s.k === 'pointer' ? strip(s.to) : null;
  if (f.bits !== null || to?.k !== 'struct' || to.decl.fields === null)
    ctx.error(
      'bad-trailing',
      `${what} is the area's address, a pointer to the defined struct the accessor returns (as in 'T *${f.name.value}'), but it has type ${describe(t)}`,
      f.type.loc,
    );
  else if (to.decl === owner) ctx.error('bad-trailing', `the area after '${owner.name.value}' cannot be another '${owner.name.value}'`, f.type.loc);
}
