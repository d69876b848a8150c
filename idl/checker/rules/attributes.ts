// Attributes are known, in a place they mean something, with the right arguments, once, and
// without contradicting each other.
import type * as A from '../../ast.js';
import { ATTRIBUTES, CONFLICTS, type Place } from '../attribute-table.js';
import { closest, type CheckContext } from '../context.js';

export function checkAttributes(ctx: CheckContext): void {
  for (const doc of ctx.program.documents) {
    for (const d of doc.decls) {
      const place: Place = (
        { Const: 'const', Enum: 'enum', Struct: 'struct', Union: 'union', Typedef: 'typedef', Callback: 'callback', Interface: 'interface' } as const
      )[d.kind];
      checkList(ctx, d.attrs, place);
      if (d.kind === 'Enum') for (const m of d.members) checkList(ctx, m.attrs, 'enumMember');
      if (d.kind === 'Struct') for (const f of d.fields ?? []) checkList(ctx, f.attrs, 'field');
      if (d.kind === 'Union') for (const a of d.arms) checkList(ctx, a.field.attrs, 'field');
      if (d.kind === 'Callback') {
        checkList(ctx, d.returnAttrs, 'return');
        for (const p of d.params) checkList(ctx, p.attrs, 'param');
      }
      if (d.kind === 'Interface') {
        for (const f of d.functions) {
          checkList(ctx, f.attrs, 'function');
          checkList(ctx, f.returnAttrs, 'return');
          for (const p of f.params) checkList(ctx, p.attrs, 'param');
        }
      }
    }
  }
}

const PLACE_NOUN: Record<Place, string> = {
  field: 'a field',
  param: 'a parameter',
  return: 'a return value',
  function: 'a function',
  interface: 'an interface',
  struct: 'a struct',
  union: 'a union',
  enum: 'an enum',
  callback: 'a callback type',
  typedef: 'a typedef',
  const: 'a constant',
  enumMember: 'an enum member',
};

function checkList(ctx: CheckContext, attrs: A.Attribute[], place: Place): void {
  // Most lists of a large program are empty: no map and no walk over CONFLICTS for them.
  if (!attrs.length) return;
  const seen = new Map<string, A.Attribute>();
  for (const a of attrs) {
    const name = a.name.value;
    const spec = ATTRIBUTES[name];
    if (!spec) {
      const hint = closest(name, Object.keys(ATTRIBUTES));
      ctx.error('unknown-attribute', `unknown attribute '${name}'${hint ? ` (did you mean '${hint}'?)` : ''}`, a.name.loc);
      continue;
    }
    if (!spec.on.includes(place)) {
      const where = spec.on.map((p) => PLACE_NOUN[p]).join(', ');
      ctx.error('misplaced-attribute', `[${name}] does not apply to ${PLACE_NOUN[place]}; it goes on ${where}`, a.name.loc);
      continue;
    }
    if (seen.has(name)) {
      ctx.error('duplicate-attribute', `[${name}] is given twice`, a.name.loc);
      continue;
    }
    seen.set(name, a);
    if (a.args.length < spec.args || a.args.length > (spec.maxArgs ?? spec.args)) {
      const count = (n: number): string => (n === 0 ? 'no arguments' : n === 1 ? 'one argument' : `${n} arguments`);
      const want = spec.maxArgs ? `${count(spec.args)} or ${spec.maxArgs}` : count(spec.args);
      ctx.error('attribute-arguments', `[${name}] takes ${want}, got ${a.args.length}`, a.loc);
      continue;
    }
    if (spec.nameArgs) {
      a.args.forEach((arg, i) => {
        if ((arg.kind === 'MemberPath' || arg.kind === 'MemberChoice') && i !== spec.pathArg)
          ctx.error('attribute-arguments', `[${name}] takes a name here, not a member path (only the field of [container] may be one)`, arg.loc);
        else if (arg.kind !== 'NameRef' && arg.kind !== 'MemberPath' && arg.kind !== 'MemberChoice')
          ctx.error('attribute-arguments', `the arguments of [${name}] are names, not expressions`, arg.loc);
      });
    } else if (spec.stringArgs) {
      for (const arg of a.args)
        if (arg.kind !== 'StringLiteral') ctx.error('attribute-arguments', `the arguments of [${name}] are strings ("...")`, arg.loc);
    } else {
      for (const arg of a.args)
        if (arg.kind === 'StringLiteral') ctx.error('attribute-arguments', `the arguments of [${name}] are not strings`, arg.loc);
    }
  }
  // A conflict takes two attributes.
  if (seen.size < 2) return;
  for (const [x, y, why] of CONFLICTS) {
    const ax = seen.get(x);
    const ay = seen.get(y);
    if (ax && ay) ctx.error('conflicting-attributes', `[${x}] and [${y}] conflict: ${why}`, (ax.loc.offset > ay.loc.offset ? ax : ay).loc);
  }
}
