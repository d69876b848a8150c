// Bitfields: integer storage, a width that fits it, no pointer attributes, not inside unions.
import type * as A from '../../ast.js';
import type { CheckContext } from '../context.js';
import { describe, strip } from '../types.js';

const WORDY = ['count', 'string', 'opaque', 'ref', 'as', 'container', 'interior', 'switch', 'max'];

export function checkBitfields(ctx: CheckContext): void {
  for (const slot of ctx.slots) {
    if (!slot.bits) continue;
    const f = slot.node as A.Field;
    if (slot.arm) {
      ctx.error('bad-bitfield', `union members cannot be bitfields`, slot.bits.loc);
      continue;
    }
    const t = ctx.slotType(slot);
    if (!t) continue;
    const s = strip(t);
    const bits = s.k === 'int' ? s.bits : s.k === 'bool' ? 1 : s.k === 'char' ? 8 : s.k === 'enum' ? bitsOf(ctx, s.decl) : 0;
    if (!bits) {
      ctx.error('bad-bitfield', `bitfield '${f.name.value}' must have an integer, bool or enum type, not ${describe(t)}`, f.type.loc);
      continue;
    }
    const w = ctx.evalConst(slot.bits);
    if (w !== null && (w < 1n || w > BigInt(bits)))
      ctx.error('bad-bitfield', `bitfield width must be within 1..${bits} for ${describe(t)}, got ${w}`, slot.bits.loc);
    for (const name of WORDY) {
      const a = ctx.attr(slot.attrs, name);
      if (a) ctx.error('bad-bitfield', `[${name}] cannot apply to bitfield '${f.name.value}'`, a.loc);
    }
  }
}

function bitsOf(ctx: CheckContext, e: A.EnumDecl): number {
  const b = strip(ctx.enumBase(e));
  return b.k === 'int' ? b.bits : 32;
}
