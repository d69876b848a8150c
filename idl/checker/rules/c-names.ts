// Two declarations must not give the generated C one name: calling stubs, stub tables and wire-id
// macros are global C identifiers, composed by ../c-names.ts (which the C backends use too), so a
// collision is reported here, at the declaration, rather than as a C compiler error.
import type * as A from '../../ast.js';
import { functionIdMacro, stubName, stubTableName, typeIdMacro } from '../c-names.js';
import type { CheckContext } from '../context.js';

interface Owner {
  /** The declaration the name comes from; a second declaration of it is duplicate-name's to report. */
  key: string;
  what: string;
  loc: A.Loc;
}

export function checkCNames(ctx: CheckContext): void {
  const docs = ctx.program.documents;
  // The C backends prefix every name with the first input module (by name), as the IR orders them.
  const inputs = docs.filter((d) => ctx.program.inputs.includes(d.file)).map((d) => d.module?.name.value ?? '');
  const prefix = [...inputs].sort()[0] || docs[0]?.module?.name.value || 'mdl';
  const owners = new Map<string, Owner>();
  const claim = (name: string, key: string, what: string, loc: A.Loc): void => {
    const first = owners.get(name);
    if (!first) {
      owners.set(name, { key, what, loc });
      return;
    }
    if (first.key === key) return;
    ctx.error('c-name-collision', `the generated C name '${name}' of ${what} is also that of ${first.what} (${first.loc.file}:${first.loc.line}); rename one`, loc);
  };
  for (const doc of docs)
    for (const d of doc.decls) {
      if (d.kind === 'Const' || d.kind === 'Typedef') continue;
      claim(typeIdMacro(prefix, d.name.value), d.name.value, `the wire-id macro of ${d.name.value}`, d.name.loc);
      if (d.kind !== 'Interface') continue;
      for (const side of ['kernel', 'user'] as const) {
        const calls = side === 'kernel' ? 'upcall' : 'downcall';
        if (d.functions.some((f) => f.role === calls)) claim(stubTableName(prefix, side, d.name.value), d.name.value, `the ${side} stub table of ${d.name.value}`, d.name.loc);
      }
      for (const f of d.functions) {
        claim(functionIdMacro(prefix, d.name.value, f.name.value), `${d.name.value}.${f.name.value}`, `the wire-id macro of ${d.name.value}.${f.name.value}`, f.name.loc);
        if (f.role !== 'critical') claim(stubName(prefix, d.name.value, f.name.value), `${d.name.value}.${f.name.value}`, `the calling stub of ${d.name.value}.${f.name.value}`, f.name.loc);
      }
    }
}
