// Names must be usable verbatim in generated C, and unique where C needs them unique.
import type * as A from '../../ast.js';
import { declaredNames } from '../collect.js';
import type { CheckContext } from '../context.js';
import { C_KEYWORDS } from '../types.js';

export function checkIdentifiers(ctx: CheckContext): void {
  for (const { name, what } of declaredNames(ctx)) {
    if (C_KEYWORDS.has(name.value))
      ctx.error('reserved-name', `'${name.value}' is a C keyword and cannot name a ${what}`, name.loc);
    else if (/^(mdl_|__mdl|MDL_)/.test(name.value))
      ctx.error('reserved-name', `names starting with '${name.value.match(/^(mdl_|__mdl|MDL_)/)![0]}' are reserved for generated code`, name.loc);
  }
  for (const doc of ctx.program.documents) {
    for (const d of doc.decls) {
      if (d.kind === 'Struct' && d.fields) unique(ctx, d.fields.map((f) => f.name), 'field', d.name.value);
      if (d.kind === 'Union') unique(ctx, d.arms.map((a) => a.field.name), 'member', d.name.value);
      if (d.kind === 'Callback') unique(ctx, d.params.map((p) => p.name), 'parameter', d.name.value);
      if (d.kind === 'Interface') {
        unique(ctx, d.functions.map((f) => f.name), 'function', d.name.value);
        for (const f of d.functions) unique(ctx, f.params.map((p) => p.name), 'parameter', f.name.value);
      }
    }
  }
}

function unique(ctx: CheckContext, names: A.Name[], what: string, owner: string): void {
  const seen = new Map<string, A.Name>();
  for (const n of names) {
    const prev = seen.get(n.value);
    if (prev)
      ctx.error('duplicate-member', `${what} '${n.value}' is declared twice in '${owner}'`, n.loc, [
        { message: 'first declared here', loc: prev.loc },
      ]);
    else seen.set(n.value, n);
  }
}
