// [header("path")] names the C header that defines a type, to be written as `#include <path>` (or
// "path") by the kernel C. The path is what an include directive would say: relative, forward
// slashes, no escapes, nothing that would end the directive or climb out of an include folder.
// A second string is the C name of a struct, union or enum its header declares without a tag.
import type { CheckContext } from '../context.js';

export function checkHeaders(ctx: CheckContext): void {
  for (const doc of ctx.program.documents)
    for (const d of doc.decls) {
      const a = ctx.attr(d.attrs, 'header');
      const arg = a?.args[0];
      if (arg?.kind !== 'StringLiteral') continue;
      const why = badHeaderPath(arg.value);
      if (why) ctx.error('bad-header', `[header("${arg.value}")]: ${why}`, arg.loc);
      const spelling = a?.args[1];
      if (spelling?.kind !== 'StringLiteral') continue;
      if (d.kind !== 'Struct' && d.kind !== 'Union' && d.kind !== 'Enum')
        ctx.error('bad-header', `[header]'s second argument spells a struct, union or enum without a tag; ${d.name.value} is not one`, spelling.loc);
      else if (!/^(?:[A-Za-z_]\w*|__typeof__\(\(\((?:struct |union )?[A-Za-z_][\w ()*>.-]*\*\)0\)->[A-Za-z_]\w*\))$/.test(spelling.value))
        ctx.error('bad-header', `[header]'s second argument is the C name of the type: a typedef name, or __typeof__(((struct outer *)0)->member)`, spelling.loc);
    }
}

/** Why a header path cannot be included as written, or null when it can. */
export function badHeaderPath(p: string): string | null {
  if (p === '') return 'the header path is empty';
  if (p.includes('\\')) return 'a header path takes no escapes or backslashes; use forward slashes';
  if (/[<>"\s]/.test(p)) return "a header path has no spaces, quotes or angle brackets (mdidl writes the #include's delimiters)";
  if (p.startsWith('/')) return 'the header path must be relative to an include folder, not absolute';
  const parts = p.split('/');
  if (parts.some((x) => x === '' || x === '.' || x === '..')) return "the header path has an empty, '.' or '..' component";
  if (!/\.h$/.test(p)) return 'a header path names a .h file';
  return null;
}
