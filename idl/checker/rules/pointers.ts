// Pointer attributes sit on pointers, and every pointer says how it crosses: a void * or a pointer
// to an incomplete type cannot be marshaled unless it is a handle or says what it points to.
import type * as A from '../../ast.js';
import { slotLoc, slotWhat } from '../classify.js';
import type { CheckContext } from '../context.js';
import { describe, innermost, strip } from '../types.js';

const POINTER_ONLY = ['ref', 'opaque', 'count', 'interior', 'container', 'recursive', 'string'] as const;

export function checkPointers(ctx: CheckContext): void {
  for (const slot of ctx.slots) {
    const t = ctx.slotType(slot);
    if (!t) continue;
    const s = strip(t);
    // Attributes on an array of pointers apply to each element.
    const elem = innermost(s);
    const isPtr = elem.k === 'pointer';
    // Most slots of a large program have no attributes at all: nothing to look up for them.
    for (let k = 0; slot.attrs.length && k < POINTER_ONLY.length; k++) {
      const name = POINTER_ONLY[k]!;
      const a = ctx.attr(slot.attrs, name);
      if (!a || isPtr) continue;
      if (name === 'string' && s.k === 'array') continue;
      if (name === 'ref' && elem.k === 'callback') continue;
      if (name === 'count' && s.k === 'array') {
        ctx.error('misplaced-attribute', `[count] sizes a pointer; ${slotWhat(slot)} is a fixed array whose size is ${s.length}`, a.loc);
        continue;
      }
      ctx.error('not-a-pointer', `[${name}] applies to pointers, but ${slotWhat(slot)} has type ${describe(t)}`, a.loc);
    }
    const as = ctx.attr(slot.attrs, 'as');
    if (as) checkAs(ctx, as, elem, slotWhat(slot));
    if (elem.k !== 'pointer') continue;
    if (ctx.has(slot.attrs, 'opaque') || ctx.has(slot.attrs, 'as') || ctx.has(slot.attrs, 'interior')) continue;
    // Kernel-only state never crosses, so how it would cross does not matter.
    if (ctx.has(slot.attrs, 'skip') || ctx.has(slot.attrs, 'combolock')) continue;
    const to = strip(elem.to);
    if (to.k === 'pointer') {
      const inner = strip(to.to);
      const returnsObject =
        slot.kind === 'param' && (ctx.has(slot.attrs, 'out') || ctx.has(slot.attrs, 'inout')) && (inner.k === 'struct' || inner.k === 'union') && s.k === 'pointer';
      if (!returnsObject)
        ctx.error(
          'pointer-to-pointer',
          `${slotWhat(slot)} is a pointer to a pointer: only an [out] parameter can hand back a tracked object this way (T **); mark it [opaque] if it is only passed back`,
          slotLoc(slot),
        );
    } else if (to.k === 'void') {
      // [count(n)] on a void * counts bytes, as memcpy's length does: it crosses as n u8.
      if (!ctx.has(slot.attrs, 'count'))
        ctx.error(
          'untyped-pointer',
          `${slotWhat(slot)} is a void pointer: mark it [opaque] if the other side only passes it back, [as(T)] if it points to a T, or [count(n)] if it points to n bytes`,
          slotLoc(slot),
        );
    } else if (to.k === 'struct' && to.decl.fields === null)
      ctx.error(
        'incomplete-pointee',
        `struct '${to.decl.name.value}' is only declared, so ${slotWhat(slot)} cannot be marshaled: mark it [opaque] or define the struct`,
        slotLoc(slot),
      );
    else if (to.k === 'union' && to.decl.switchType === null)
      ctx.error(
        'undiscriminated-union',
        `union '${to.decl.name.value}' has no discriminant, so ${slotWhat(slot)} cannot be marshaled: mark it [opaque] or give the union 'switch (T)'`,
        slotLoc(slot),
      );
    else if (to.k === 'char' && elem.to.k !== 'alias' && !ctx.has(slot.attrs, 'count') && !ctx.has(slot.attrs, 'string'))
      ctx.warn('char-pointer', `${slotWhat(slot)} is a char pointer without [string] or [count]: it crosses as one character`, slotLoc(slot));
  }
}

/** [as(T)] turns a void * or a pointer-sized integer into a tracked pointer to struct or union T. */
function checkAs(ctx: CheckContext, a: A.Attribute, t: import('../types.js').Ty, what: string): void {
  const s = strip(t);
  const okCarrier =
    (s.k === 'pointer' && strip(s.to).k === 'void') || (s.k === 'int' && !s.signed && s.bits === ctx.pointerBits);
  if (!okCarrier) {
    ctx.error('bad-as', `[as(T)] applies to a void * or an unsigned integer as wide as a pointer (ulong; u64 on lp64, u32 on ilp32), but ${what} has type ${describe(t)}`, a.loc);
    return;
  }
  const arg = a.args[0];
  if (arg?.kind !== 'NameRef') return;
  const target = ctx.named(arg.name);
  if (!target) return;
  const ts = strip(target);
  if (ts.k !== 'struct' && ts.k !== 'union')
    ctx.error('bad-as', `[as(T)] names the struct or union the pointer really points to; '${arg.name.value}' is ${describe(target)}`, arg.loc);
  else if (ts.k === 'struct' && ts.decl.fields === null)
    ctx.error('bad-as', `struct '${ts.decl.name.value}' is only declared; [as(T)] needs a complete type`, arg.loc);
}
