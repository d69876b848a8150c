// Every type reference resolves, and each is a type that can sit where it is written.
import type * as A from '../../ast.js';
import { slotLoc, slotWhat } from '../classify.js';
import type { CheckContext } from '../context.js';
import { describe, innermost, strip } from '../types.js';

export function checkTypeReferences(ctx: CheckContext): void {
  for (const doc of ctx.program.documents) {
    for (const d of doc.decls) {
      if (d.kind === 'Typedef') {
        const t = ctx.typeOf(d.type, d.dims, d);
        if (t && strip(t).k === 'void' && d.type.pointers === 0)
          ctx.error('bad-void', `typedef '${d.name.value}' cannot name void`, d.type.loc);
      }
      if (d.kind === 'Union' && d.switchType) ctx.typeOf(d.switchType);
      if (d.kind === 'Enum' && d.base) {
        const t = ctx.typeOf(d.base);
        if (t && strip(t).k !== 'int')
          ctx.error('bad-enum-base', `an enum's underlying type must be an integer type, not ${describe(t)}`, d.base.loc);
      }
      if (d.kind === 'Const' && d.type) {
        const t = ctx.typeOf(d.type);
        if (t && strip(t).k !== 'int')
          ctx.error('bad-const-type', `a constant's type must be an integer type, not ${describe(t)}`, d.type.loc);
      }
    }
  }
  for (const slot of ctx.slots) {
    const t = ctx.slotType(slot);
    if (!t) continue;
    const s = strip(t);
    const bare = innermost(t);
    if (slot.kind === 'return' && s.k === 'void') continue;
    if (bare.k === 'void')
      ctx.error('bad-void', `${slotWhat(slot)} cannot have type void; use a pointer or remove it`, slotLoc(slot));
    else if (bare.k === 'interface')
      ctx.error('interface-by-value', `ops table '${bare.decl.name.value}' can only be used through a pointer: write '${bare.decl.name.value} *'`, slot.type.loc);
    else if (bare.k === 'struct' && bare.decl.fields === null)
      ctx.error('incomplete-type', `struct '${bare.decl.name.value}' is only declared, so ${slotWhat(slot)} cannot hold one by value`, slot.type.loc);
  }
}

export type { A };
