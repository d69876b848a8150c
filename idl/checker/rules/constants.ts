// Constants and enum values evaluate, and fit the type they are declared with.
import type { CheckContext } from '../context.js';
import { describe, intRange, strip } from '../types.js';

export function checkConstants(ctx: CheckContext): void {
  const base = (e: import('../../ast.js').EnumDecl) => ctx.enumBase(e);
  for (const doc of ctx.program.documents) {
    for (const d of doc.decls) {
      if (d.kind === 'Const') {
        const v = ctx.constValue(d);
        const t = d.type ? ctx.typeOf(d.type) : null;
        if (v !== null && t && strip(t).k === 'int') {
          const r = intRange(t, base)!;
          if (v < r.min || v > r.max)
            ctx.error('const-out-of-range', `${v} does not fit ${describe(t)} (${r.min}..${r.max})`, d.value.loc);
        }
      } else if (d.kind === 'Enum') {
        const r = intRange(ctx.enumBase(d), base)!;
        if (d.members.length === 0) ctx.error('empty-enum', `enum '${d.name.value}' has no members`, d.name.loc);
        for (const m of d.members) {
          const v = ctx.constValue(m);
          if (v !== null && (v < r.min || v > r.max))
            ctx.error(
              'enum-out-of-range',
              `enum member '${m.name.value}' = ${v} does not fit ${describe(ctx.enumBase(d))} (${r.min}..${r.max})`,
              (m.value ?? m.name).loc,
            );
        }
      }
    }
  }
}
