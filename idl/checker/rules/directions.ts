// [in], [out] and [inout] describe data behind a pointer parameter; a value parameter has no way
// back, and an [out] buffer must say how big it is.
import type * as A from '../../ast.js';
import { pointerMode, slotWhat } from '../classify.js';
import type { CheckContext } from '../context.js';
import { describe, strip } from '../types.js';

export function checkDirections(ctx: CheckContext): void {
  for (const slot of ctx.slots) {
    if (slot.kind !== 'param') continue;
    const dir = ctx.attr(slot.attrs, 'out') ?? ctx.attr(slot.attrs, 'inout');
    if (!dir) continue;
    const t = ctx.slotType(slot);
    if (!t) continue;
    const s = strip(t);
    if (s.k !== 'pointer') {
      ctx.error('bad-direction', `[${dir.name.value}] needs a pointer: ${slotWhat(slot)} is passed by value (${describe(t)}), so nothing can come back`, dir.loc);
      continue;
    }
    const mode = pointerMode(ctx, slot, t);
    if (mode === 'opaque') {
      ctx.error('bad-direction', `[${dir.name.value}] on a handle: an [opaque] pointer is never dereferenced`, dir.loc);
      continue;
    }
    if (s.isConst) {
      ctx.error('bad-direction', `[${dir.name.value}] writes through ${slotWhat(slot)}, which points to const data`, dir.loc);
      continue;
    }
    if (mode === 'string' && !ctx.has(slot.attrs, 'max'))
      ctx.error('unbounded-out', `an [${dir.name.value}] string needs [max(n)]: the caller's buffer size`, dir.loc);
    const fn = slot.owner as A.FunctionDecl | A.CallbackDecl;
    if (fn.kind === 'Function' && fn.role === 'critical')
      ctx.warn('direction-on-critical', `'${fn.name.value}' is critical and never crosses, so [${dir.name.value}] has no effect`, dir.loc);
  }
}
