// Every complete struct and union has a finite size: computing the layout finds embedded cycles
// (a struct containing itself by value) and types too large to marshal.
import type { CheckContext } from '../context.js';

export function checkLayout(ctx: CheckContext): void {
  for (const doc of ctx.program.documents)
    for (const d of doc.decls)
      if ((d.kind === 'Struct' && d.fields) || d.kind === 'Union') ctx.layout(d, d.name.loc);
}
