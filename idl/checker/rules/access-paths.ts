// reads(...) and writes(...) name the fields that cross for a call: the paper's key optimization.
// Each path starts at a parameter and follows fields through tracked pointers and arrays; it cannot
// look through a handle, a string or a skipped field, and cannot write through const.
import type * as A from '../../ast.js';
import { pointerMode } from '../classify.js';
import { type CheckContext, type ResolvedPath, type Slot } from '../context.js';
import { describe, innermost, strip, type Ty } from '../types.js';

export function checkAccessPaths(ctx: CheckContext): void {
  for (const doc of ctx.program.documents)
    for (const d of doc.decls) if (d.kind === 'Interface') for (const fn of d.functions) checkFunction(ctx, fn);
}

function checkFunction(ctx: CheckContext, fn: A.FunctionDecl): void {
  if (fn.role === 'critical' && (fn.reads?.length || fn.writes?.length)) {
    ctx.warn('access-on-critical', `'${fn.name.value}' is critical and never crosses, so its reads/writes have no effect`, fn.name.loc);
  }
  const params = (ctx.slotsOf.get(fn) ?? []).filter((s) => s.kind === 'param');
  for (const [clause, paths] of [
    ['reads', fn.reads],
    ['writes', fn.writes],
  ] as const) {
    const seen = new Set<string>();
    for (const p of paths ?? []) {
      const key = [p.root.value, ...p.fields.map((f) => f.value), p.wildcard].join('.');
      if (seen.has(key)) ctx.warn('duplicate-path', `'${pathText(p)}' is listed twice in ${clause}(...)`, p.loc);
      seen.add(key);
      const r = resolvePath(ctx, fn, params, p, clause === 'writes');
      if (r) {
        ctx.paths.set(p, r);
        const param = params[r.param]!;
        if (clause === 'reads' && ctx.has(param.attrs, 'out'))
          ctx.error('read-of-out', `'${param.name}' is [out]: the callee does not read it, so it has no place in reads(...)`, p.root.loc);
        if (r.steps.length === 0 && r.wildcard === 'none')
          ctx.warn('bare-root', `'${p.root.value}' itself always crosses; name its fields, or '${p.root.value}.*' for all of them`, p.loc);
      }
    }
  }
  checkRefsSent(ctx, fn);
  checkOutWritten(ctx, fn, params);
}

/** An [out] object is filled by the callee; a writes(...) that brings none of it back loses that. */
function checkOutWritten(ctx: CheckContext, fn: A.FunctionDecl, params: Slot[]): void {
  if (fn.writes === null || fn.role === 'critical') return;
  for (const p of params) {
    const dir = ctx.attr(p.attrs, 'out') ?? ctx.attr(p.attrs, 'inout');
    const t = ctx.slotType(p);
    if (!dir || !t || pointerMode(ctx, p, t) !== 'tracked') continue;
    if (fn.writes.some((w) => w.root.value === p.name)) continue;
    ctx.error(
      'out-not-written',
      `'${p.name}' is [${dir.name.value}], but writes(...) brings none of its fields back: add '${p.name}.*' or the fields the callee fills`,
      (p.node as A.Param).name.loc,
    );
  }
}

export function pathText(p: A.AccessPath): string {
  return [p.root.value, ...p.fields.map((f) => f.value)].join('.') + (p.wildcard === 'shallow' ? '.*' : p.wildcard === 'deep' ? '.**' : '');
}

function resolvePath(ctx: CheckContext, fn: A.FunctionDecl, params: Slot[], p: A.AccessPath, writing: boolean): ResolvedPath | null {
  const index = params.findIndex((s) => s.name === p.root.value);
  if (index < 0) {
    const hint = ctx.nearest(p.root.value, params.map((s) => s.name));
    ctx.error('unknown-path-root', `'${fn.name.value}' has no parameter '${p.root.value}'${hint ? ` (did you mean '${hint}'?)` : ''}`, p.root.loc);
    return null;
  }
  let slot = params[index]!;
  let t = ctx.slotType(slot);
  if (!t) return null;
  if (writing && strip(t).k !== 'pointer' && (p.fields.length || p.wildcard !== 'none')) {
    ctx.error('write-by-value', `'${slot.name}' is passed by value: writes to it cannot come back to the caller`, p.root.loc);
    return null;
  }
  const steps: ResolvedPath['steps'] = [];
  const segments: (A.Name | null)[] = [...p.fields, ...(p.wildcard === 'none' ? [] : [null])];
  let label = slot.name;
  for (const seg of segments) {
    const at = seg?.loc ?? p.loc;
    const agg = enterAggregate(ctx, slot, t!, label, at, writing);
    if (!agg) return null;
    if (seg === null) break;
    const fields = agg.kind === 'Struct' ? (agg.fields ?? []) : agg.arms.map((a) => a.field);
    const i = fields.findIndex((f) => f.name.value === seg.value);
    if (i < 0) {
      const hint = ctx.nearest(seg.value, fields.map((f) => f.name.value));
      ctx.error(
        'unknown-field',
        `${agg.kind === 'Struct' ? 'struct' : 'union'} '${agg.name.value}' has no field '${seg.value}'${hint ? ` (did you mean '${hint}'?)` : ''}`,
        seg.loc,
      );
      return null;
    }
    const field = fields[i]!;
    const next = ctx.slotOf.get(field);
    if (!next) return null;
    if (ctx.has(next.attrs, 'skip') || ctx.has(next.attrs, 'combolock')) {
      ctx.error('skipped-in-path', `'${agg.name.value}.${seg.value}' is [${ctx.has(next.attrs, 'skip') ? 'skip' : 'combolock'}] and never crosses`, seg.loc);
      return null;
    }
    steps.push({ owner: agg, index: i, field });
    slot = next;
    t = ctx.slotType(slot);
    if (!t) return null;
    label = `${label}.${seg.value}`;
  }
  return { param: index, steps, wildcard: p.wildcard };
}

/** Follows pointers and arrays from a slot to the struct or union whose fields the path names. */
function enterAggregate(
  ctx: CheckContext,
  slot: Slot,
  t: Ty,
  label: string,
  at: A.Loc,
  writing: boolean,
): A.StructDecl | A.UnionDecl | null {
  let s = innermost(t);
  if (s.k === 'pointer') {
    const mode = pointerMode(ctx, slot, t);
    if (mode === 'opaque') {
      ctx.error('opaque-in-path', `'${label}' is an [opaque] handle: its fields never cross`, at);
      return null;
    }
    if (mode === 'ops') {
      ctx.error('ops-in-path', `'${label}' is an ops table: it crosses as a table id, not as fields`, at);
      return null;
    }
    // Which member's fields would cross depends on the pointer, which the selection cannot know.
    if (mode === 'container' && ctx.attr(slot.attrs, 'container')!.args[1]?.kind === 'MemberChoice') {
      ctx.error('choice-in-path', `'${label}' is a [container] pointer to one of several members: its fields cannot be in reads(...) or writes(...)`, at);
      return null;
    }
    if (writing && s.isConst) {
      ctx.error('write-through-const', `'${label}' points to const data, so it cannot be in writes(...)`, at);
      return null;
    }
    if (mode === 'tracked' && ctx.has(slot.attrs, 'as')) {
      const arg = ctx.attr(slot.attrs, 'as')!.args[0];
      const target = arg?.kind === 'NameRef' ? ctx.named(arg.name) : null;
      s = target ? strip(target) : s;
    } else s = strip(s.to);
    // An [out] T ** hands back a tracked object: the path continues at that object.
    if (s.k === 'pointer') s = strip(s.to);
  } else if (s.k === 'int' && ctx.has(slot.attrs, 'as')) {
    const arg = ctx.attr(slot.attrs, 'as')!.args[0];
    const target = arg?.kind === 'NameRef' ? ctx.named(arg.name) : null;
    if (target) s = strip(target);
  }
  s = innermost(s);
  if (s.k === 'struct' && s.decl.fields !== null) return s.decl;
  if (s.k === 'union') return s.decl;
  ctx.error('not-an-aggregate', `'${label}' has type ${describe(t)}, which has no fields`, at);
  return null;
}

/**
 * A struct that crosses with an explicit field list but without one of its [ref] fields would
 * arrive on the other side, the first time, with that pointer NULL.
 */
function checkRefsSent(ctx: CheckContext, fn: A.FunctionDecl): void {
  if (fn.role === 'critical') return;
  const selected = new Map<A.StructDecl | A.UnionDecl, Set<number>>();
  const whole = new Set<A.StructDecl | A.UnionDecl>();
  if (fn.reads === null && fn.writes === null) return; // the default sets send everything
  // Every tracked object a parameter points to crosses, if only as its identity.
  for (const slot of ctx.slotsOf.get(fn) ?? []) {
    if (slot.kind !== 'param') continue;
    const t = ctx.slotType(slot);
    if (!t || pointerMode(ctx, slot, t) !== 'tracked') continue;
    let s = strip(t);
    if (s.k === 'pointer') s = strip(s.to);
    if (s.k === 'struct' && !selected.has(s.decl)) selected.set(s.decl, new Set());
  }
  for (const p of [...(fn.reads ?? []), ...(fn.writes ?? [])]) {
    const r = ctx.paths.get(p);
    if (!r) continue;
    for (const st of r.steps) {
      const set = selected.get(st.owner) ?? new Set<number>();
      set.add(st.index);
      selected.set(st.owner, set);
    }
    if (r.wildcard !== 'none') {
      const last = r.steps[r.steps.length - 1];
      const lastSlot = last ? ctx.slotOf.get(last.field) : (ctx.slotsOf.get(fn) ?? []).find((s) => s.kind === 'param' && s.name === p.root.value);
      const lt = lastSlot ? ctx.slotType(lastSlot) : null;
      let s = lt ? strip(lt) : null;
      if (s?.k === 'pointer') s = strip(s.to);
      if (s) s = innermost(s);
      if (s && (s.k === 'struct' || s.k === 'union')) whole.add(s.decl);
    }
  }
  for (const [owner, set] of selected) {
    if (whole.has(owner) || owner.kind !== 'Struct') continue;
    (owner.fields ?? []).forEach((f, i) => {
      if (set.has(i)) return;
      const ref = ctx.attr(f.attrs, 'ref');
      if (ref)
        ctx.error(
          'ref-may-be-null',
          `'${fn.name.value}' sends struct '${owner.name.value}' without its [ref] field '${f.name.value}': a new copy on the other side would hold NULL; add '${f.name.value}' to the access set or drop [ref]`,
          fn.name.loc,
          [{ message: `'${f.name.value}' is declared [ref] here`, loc: ref.loc }],
        );
    });
  }
}
