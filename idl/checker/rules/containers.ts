// [container(T, field)] points at `field` inside an enclosing T; the receiver rebuilds the pointer
// from T's object and the field offset, so T must have that field, holding the pointee by value.
import { slotWhat } from '../classify.js';
import type { CheckContext } from '../context.js';
import { describe, strip, type Ty } from '../types.js';

export function checkContainers(ctx: CheckContext): void {
  for (const slot of ctx.slots) {
    const c = ctx.attr(slot.attrs, 'container');
    const t = ctx.slotType(slot);
    if (!t) continue;
    const s = strip(t);
    const interior = ctx.attr(slot.attrs, 'interior');
    if (interior && s.k === 'pointer' && strip(s.to).k === 'void')
      ctx.error('bad-interior', `[interior] needs the element type; ${slotWhat(slot)} is a void pointer`, interior.loc);
    if (!c || s.k !== 'pointer') continue;
    const [tArg, fArg] = c.args;
    if (tArg?.kind !== 'NameRef' || fArg?.kind !== 'NameRef') continue;
    const outer = ctx.named(tArg.name);
    if (!outer) continue;
    const os = strip(outer);
    if (os.k !== 'struct' || os.decl.fields === null) {
      ctx.error('bad-container', `[container(T, field)] needs a defined struct T; '${tArg.name.value}' is ${describe(outer)}`, tArg.loc);
      continue;
    }
    const field = os.decl.fields.find((f) => f.name.value === fArg.name.value);
    if (!field) {
      ctx.error('bad-container', `struct '${os.decl.name.value}' has no field '${fArg.name.value}'`, fArg.loc);
      continue;
    }
    const ft = ctx.typeOf(field.type, field.dims, field);
    if (!ft) continue;
    if (!sameType(ft, s.to))
      ctx.error(
        'bad-container',
        `'${os.decl.name.value}.${field.name.value}' has type ${describe(ft)}, but ${slotWhat(slot)} points to ${describe(s.to)}`,
        fArg.loc,
      );
  }
}

export function sameType(a: Ty, b: Ty): boolean {
  const x = strip(a);
  const y = strip(b);
  if (x.k !== y.k) return false;
  switch (x.k) {
    case 'int':
      return y.k === 'int' && x.name === y.name;
    case 'pointer':
      return y.k === 'pointer' && sameType(x.to, y.to);
    case 'array':
      return y.k === 'array' && x.length === y.length && sameType(x.of, y.of);
    case 'enum':
    case 'struct':
    case 'union':
    case 'callback':
    case 'interface':
      return 'decl' in y && x.decl === y.decl;
    default:
      return true;
  }
}
