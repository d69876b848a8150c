// Wire ids. A hash of the name keeps ids stable when declarations are added, removed or reordered;
// [id(n)] pins one so a rename can keep the wire. Collisions are errors, never silent.
import type * as A from '../../ast.js';
import type { CheckContext } from '../context.js';

export const MAX_ID = 0x7fffffff;

/** FNV-1a, 32 bits, folded to 31 so ids are positive in every language; 0 is never an id. */
export function nameId(kind: string, name: string): number {
  let h = 0x811c9dc5;
  const bytes = new TextEncoder().encode(`${kind}:${name}`);
  for (const b of bytes) {
    h ^= b;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  const id = h & MAX_ID;
  return id === 0 ? 1 : id;
}

export function checkIds(ctx: CheckContext): void {
  const types = new Map<number, A.Name>();
  const ifaces = new Map<number, A.Name>();
  for (const doc of ctx.program.documents) {
    for (const d of doc.decls) {
      if (d.kind === 'Struct' || d.kind === 'Union' || d.kind === 'Enum' || d.kind === 'Callback') {
        assign(ctx, d, d.attrs, 'type', d.name, types);
      } else if (d.kind === 'Interface') {
        assign(ctx, d, d.attrs, 'interface', d.name, ifaces);
        const fns = new Map<number, A.Name>();
        for (const f of d.functions) assign(ctx, f, f.attrs, 'function', f.name, fns);
      }
    }
  }
}

function assign(
  ctx: CheckContext,
  node: A.Decl | A.FunctionDecl,
  attrs: A.Attribute[],
  kind: string,
  name: A.Name,
  taken: Map<number, A.Name>,
): void {
  let id = nameId(kind, name.value);
  const pinned = attrs.find((a) => a.name.value === 'id');
  if (pinned?.args[0]) {
    const v = ctx.evalConst(pinned.args[0]);
    if (v === null) return;
    if (v < 1n || v > BigInt(MAX_ID)) {
      ctx.error('bad-id', `[id(n)] must be within 1..${MAX_ID}, got ${v}`, pinned.args[0].loc);
      return;
    }
    id = Number(v);
  }
  const prev = taken.get(id);
  if (prev?.value === name.value) return; // a duplicate declaration, reported by the identifier rule
  if (prev) {
    ctx.error('id-collision', `${kind} '${name.value}' has wire id ${id}, the same as '${prev.value}'; pin one with [id(n)]`, name.loc, [
      { message: `'${prev.value}' has id ${id}`, loc: prev.loc },
    ]);
    return;
  }
  taken.set(id, name);
  ctx.ids.set(node, id);
}
