// [ref] promises a pointer is never NULL. Reject it where NULL is possible by construction: on a
// [skip] field (never sent, so a new shadow holds NULL), and on a pointer counted by a constant 0.
// The access-set rule adds the third case: a struct sent without its [ref] field.
import { slotWhat } from '../classify.js';
import type { CheckContext } from '../context.js';

export function checkReferences(ctx: CheckContext): void {
  for (const slot of ctx.slots) {
    const ref = ctx.attr(slot.attrs, 'ref');
    if (!ref) continue;
    if (ctx.has(slot.attrs, 'skip') || ctx.has(slot.attrs, 'combolock'))
      ctx.error('ref-may-be-null', `${slotWhat(slot)} is never sent, so the other side's copy is NULL: it cannot be [ref]`, ref.loc);
    const count = ctx.attr(slot.attrs, 'count')?.args[0];
    if (count && count.kind === 'IntLiteral' && count.value === '0')
      ctx.error('ref-may-be-null', `${slotWhat(slot)} counts zero elements, so it is NULL: it cannot be [ref]`, ref.loc);
  }
}
