// [container(T, field)] points at `field` inside an enclosing T; the receiver rebuilds the pointer
// from T's object and the field offset, so T must have that field, holding the pointee by value.
// The field may be a member path `a.b.c` (Linux's `&adapter->watchdog_task.work`): every step but
// the last must be an embedded struct, since the offset is fixed only through values, not through
// pointers or array indexes, and each step is checked where it is written.
import type * as A from '../../ast.js';
import { slotWhat } from '../classify.js';
import type { CheckContext, Slot } from '../context.js';
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
    const alternatives = memberAlternatives(fArg);
    if (!alternatives) continue;
    const outer = ctx.named(tArg.name);
    if (!outer) continue;
    const os = strip(outer);
    if (os.k !== 'struct' || os.decl.fields === null) {
      ctx.error('bad-container', `[container(T, field)] needs a defined struct T; '${tArg.name.value}' is ${describe(outer)}`, tArg.loc);
      continue;
    }
    if (alternatives.length > MAX_CONTAINER_ALTERNATIVES) {
      ctx.error('bad-container', `[container] lists ${alternatives.length} members; at most ${MAX_CONTAINER_ALTERNATIVES} are allowed`, fArg!.loc);
      continue;
    }
    const seen = new Set<string>();
    for (const steps of alternatives) {
      const path = steps.map((n) => n.value).join('.');
      if (seen.has(path)) {
        ctx.error('bad-container', `member '${path}' is listed twice in [container(${tArg.name.value}, ...)]`, span(steps));
        continue;
      }
      seen.add(path);
      checkPath(ctx, slot, s.to, os.decl, steps);
    }
  }
}

/** One member path of a [container], each step checked where it is written. */
function checkPath(ctx: CheckContext, slot: Slot, pointee: Ty, root: A.StructDecl, steps: A.Name[]): void {
  let decl = root;
  let walked = decl.name.value;
  for (let i = 0; i < steps.length; i++) {
    const step = steps[i]!;
    const field = decl.fields!.find((f) => f.name.value === step.value);
    if (!field) {
      ctx.error('bad-container', `struct '${decl.name.value}' has no field '${step.value}'${i ? ` (in ${walked})` : ''}`, step.loc);
      return;
    }
    walked += `.${step.value}`;
    const ft = ctx.typeOf(field.type, field.dims, field);
    if (!ft) return;
    if (i === steps.length - 1) {
      if (!sameType(ft, pointee))
        ctx.error('bad-container', `'${walked}' has type ${describe(ft)}, but ${slotWhat(slot)} points to ${describe(pointee)}`, step.loc);
      return;
    }
    const fs = strip(ft);
    if (fs.k !== 'struct' || fs.decl.fields === null) {
      const why = fs.k === 'pointer' ? 'a pointer' : fs.k === 'array' ? 'an array' : fs.k === 'struct' ? `${describe(ft)}, declared without fields` : describe(ft);
      ctx.error('bad-container', `'${walked}' is ${why}, not an embedded struct; a member path goes through embedded structs only`, step.loc);
      return;
    }
    decl = fs.decl;
  }
}

/** The source range of a member path's names. */
function span(steps: A.Name[]): A.Loc {
  const a = steps[0]!.loc;
  const b = steps[steps.length - 1]!.loc;
  return { ...a, endOffset: b.endOffset, endLine: b.endLine, endColumn: b.endColumn };
}

/**
 * Members one [container] may choose from (`a | b.c | ...`): a pointer is one of them, and crosses
 * with the index of the one it is. Enough for every work item of a driver's private struct; the
 * sender tries each in turn.
 */
export const MAX_CONTAINER_ALTERNATIVES = 64;

/** The names of a [container] field argument: one field, or the steps of a member path. */
export function memberSteps(arg: A.Expr | undefined): A.Name[] | null {
  if (arg?.kind === 'NameRef') return [arg.name];
  if (arg?.kind === 'MemberPath') return arg.names;
  return null;
}

/** The member paths of a [container] field argument, in the order written: one, or a choice. */
export function memberAlternatives(arg: A.Expr | undefined): A.Name[][] | null {
  if (arg?.kind !== 'MemberChoice') {
    const one = memberSteps(arg);
    return one ? [one] : null;
  }
  const out: A.Name[][] = [];
  for (const p of arg.paths) out.push(memberSteps(p)!);
  return out;
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
