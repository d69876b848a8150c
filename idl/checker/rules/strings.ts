// [string] marks NUL-terminated character data: a char pointer or a char array.
import { slotWhat } from '../classify.js';
import type { CheckContext } from '../context.js';
import { describe, strip } from '../types.js';

export function checkStrings(ctx: CheckContext): void {
  for (const slot of ctx.slots) {
    const a = ctx.attr(slot.attrs, 'string');
    if (!a) continue;
    const t = ctx.slotType(slot);
    if (!t) continue;
    const s = strip(t);
    const elem = s.k === 'pointer' ? strip(s.to) : s.k === 'array' ? strip(s.of) : null;
    if (!elem) continue; // reported by the pointer rule
    const isChar = elem.k === 'char' || (elem.k === 'int' && elem.bits === 8);
    if (!isChar)
      ctx.error('bad-string', `[string] applies to char pointers and char arrays, but ${slotWhat(slot)} has type ${describe(t)}`, a.loc);
  }
}
