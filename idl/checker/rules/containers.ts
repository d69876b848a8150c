// [container(T, field)] points at `field` inside an enclosing T; the receiver rebuilds the pointer
// from T's object and the field offset, so T must have that field, holding the pointee by value.
// The field may be a member path `a.b.c` (Linux's `&adapter->watchdog_task.work`): every step but
// the last must be an embedded struct, since the offset is fixed only through values, not through
// pointers or array indexes, and each step is checked where it is written.
import type * as A from '../../ast.js';
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
    if (tArg?.kind !== 'NameRef') continue;
    const steps = memberSteps(fArg);
    if (!steps) continue;
    const outer = ctx.named(tArg.name);
    if (!outer) continue;
    const os = strip(outer);
    if (os.k !== 'struct' || os.decl.fields === null) {
      ctx.error('bad-container', `[container(T, field)] needs a defined struct T; '${tArg.name.value}' is ${describe(outer)}`, tArg.loc);
      continue;
    }
    let decl = os.decl;
    let walked = decl.name.value;
    for (let i = 0; i < steps.length; i++) {
      const step = steps[i]!;
      const field = decl.fields!.find((f) => f.name.value === step.value);
      if (!field) {
        ctx.error('bad-container', `struct '${decl.name.value}' has no field '${step.value}'${i ? ` (in ${walked})` : ''}`, step.loc);
        break;
      }
      walked += `.${step.value}`;
      const ft = ctx.typeOf(field.type, field.dims, field);
      if (!ft) break;
      if (i === steps.length - 1) {
        if (!sameType(ft, s.to))
          ctx.error('bad-container', `'${walked}' has type ${describe(ft)}, but ${slotWhat(slot)} points to ${describe(s.to)}`, step.loc);
        break;
      }
      const fs = strip(ft);
      if (fs.k !== 'struct' || fs.decl.fields === null) {
        const why = fs.k === 'pointer' ? 'a pointer' : fs.k === 'array' ? 'an array' : fs.k === 'struct' ? `${describe(ft)}, declared without fields` : describe(ft);
        ctx.error(
          'bad-container',
          `'${walked}' is ${why}, not an embedded struct; a member path goes through embedded structs only`,
          step.loc,
        );
        break;
      }
      decl = fs.decl;
    }
  }
}

/** The names of a [container] field argument: one field, or the steps of a member path. */
export function memberSteps(arg: A.Expr | undefined): A.Name[] | null {
  if (arg?.kind === 'NameRef') return [arg.name];
  if (arg?.kind === 'MemberPath') return arg.names;
  return null;
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
