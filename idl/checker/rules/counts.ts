// [count(expr)] and [max(n)]: a count names integer fields beside the pointer (or parameters
// beside it), constants and sizeof, joined by + - * /. The receiver evaluates it before it reads a
// single element, so anything else would leave the backend unable to size the array.
import type * as A from '../../ast.js';
import { isUnmarshaled, slotWhat } from '../classify.js';
import type { CheckContext, Slot } from '../context.js';
import { describe, isCountable, strip } from '../types.js';

export function checkCounts(ctx: CheckContext): void {
  for (const slot of ctx.slots) {
    const count = ctx.attr(slot.attrs, 'count');
    const max = ctx.attr(slot.attrs, 'max');
    if (count?.args[0]) checkCountExpr(ctx, slot, count.args[0]);
    if (max) {
      if (!ctx.has(slot.attrs, 'count') && !ctx.has(slot.attrs, 'string'))
        ctx.error('max-without-size', `[max(n)] bounds a [string] or [count]; ${slotWhat(slot)} has neither`, max.loc);
      const arg = max.args[0];
      if (arg) {
        const v = ctx.evalConst(arg);
        if (v !== null && (v <= 0n || v > 1n << 31n))
          ctx.error('bad-max', `[max(n)] must be within 1..2^31, got ${v}`, arg.loc);
      }
    }
  }
}

function checkCountExpr(ctx: CheckContext, slot: Slot, e: A.Expr): void {
  const scopeNoun = slot.kind === 'field' ? 'field' : 'parameter';
  const scope = slot.arm ? [] : slot.scope();
  let constant = true;
  const walk = (x: A.Expr): boolean => {
    switch (x.kind) {
      case 'IntLiteral':
        return true;
      case 'StringLiteral':
        ctx.error('bad-count', 'a count is a number, not a string', x.loc);
        return false;
      case 'MemberPath':
      case 'MemberChoice':
        ctx.error('bad-count', 'a count is a number, not a member path', x.loc);
        return false;
      case 'Sizeof':
        return ctx.typeOf(x.type) !== null && ctx.sizeAlign(ctx.typeOf(x.type)!, x.type.loc) !== null;
      case 'Unary':
        if (x.op === '~') {
          ctx.error('bad-count', `a count uses + - * / only, not '~'`, x.loc);
          return false;
        }
        return walk(x.operand);
      case 'Binary':
        if (!['+', '-', '*', '/'].includes(x.op)) {
          ctx.error('bad-count', `a count uses + - * / only, not '${x.op}'`, x.loc);
          return false;
        }
        return walk(x.left) && walk(x.right);
      case 'NameRef': {
        const target = scope.find((s) => s.name === x.name.value && s.kind !== 'return');
        if (target) {
          constant = false;
          return countTarget(ctx, slot, target, x.name);
        }
        const sym = ctx.symbols.get(x.name.value);
        if (sym && sym.kind !== 'type') return ctx.constValue(sym.decl) !== null;
        const owner = 'name' in slot.owner ? slot.owner.name.value : '';
        ctx.error(
          'bad-count',
          slot.arm
            ? `a count inside a union arm may use constants only; '${x.name.value}' is not a constant`
            : `count of ${slotWhat(slot)} names '${x.name.value}', which is neither a ${scopeNoun} of '${owner}' nor a constant`,
          x.name.loc,
        );
        return false;
      }
    }
  };
  if (!walk(e) || !constant) return;
  const v = ctx.evalConst(e);
  if (v !== null && v < 0n) ctx.error('bad-count', `count of ${slotWhat(slot)} is negative (${v})`, e.loc);
}

function countTarget(ctx: CheckContext, slot: Slot, target: Slot, at: A.Name): boolean {
  if (target === slot) {
    ctx.error('bad-count', `the count of ${slotWhat(slot)} cannot be the pointer itself`, at.loc);
    return false;
  }
  const t = ctx.slotType(target);
  if (!t) return false;
  if (!isCountable(t) || strip(t).k === 'array') {
    ctx.error('bad-count', `count names ${slotWhat(target)} of type ${describe(t)}; a count must be an integer`, at.loc);
    return false;
  }
  if (isUnmarshaled(ctx, target)) {
    ctx.error('bad-count', `count names ${slotWhat(target)}, which is [skip] and never crosses`, at.loc);
    return false;
  }
  return true;
}
