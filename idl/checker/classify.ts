// How a slot's value crosses the boundary. Rules validate the attributes first; this reads them.
import type * as A from '../ast.js';
import type { CheckContext, Slot } from './context.js';
import { innermost, strip, type Ty } from './types.js';

export type PointerMode =
  | 'tracked' // object table: identity kept, nullable (or not, with [ref])
  | 'ops' // pointer to an ops table: crosses as its id, the receiver installs stubs
  | 'opaque' // handle only
  | 'counted' // [count(n)] elements
  | 'string' // NUL-terminated
  | 'interior' // into an array the tables know
  | 'container' // at a field inside an enclosing struct
  | 'value'; // one element, copied

export function pointerMode(ctx: CheckContext, slot: Slot, t: Ty): PointerMode | null {
  // For an array of pointers the mode describes each element.
  const s = innermost(t);
  const has = (n: string): boolean => ctx.has(slot.attrs, n);
  if (s.k !== 'pointer') return has('as') && s.k === 'int' ? 'tracked' : null;
  if (has('opaque')) return 'opaque';
  if (has('string')) return 'string';
  if (has('count')) return 'counted';
  if (has('interior')) return 'interior';
  if (has('container')) return 'container';
  if (has('as')) return 'tracked';
  const to = strip(s.to);
  if (to.k === 'interface') return 'ops';
  if (to.k === 'struct' || to.k === 'union') return 'tracked';
  return 'value';
}

export function slotLoc(slot: Slot): A.Loc {
  if (slot.kind === 'return') return (slot.node as A.FunctionDecl).returnType.loc;
  return (slot.node as A.Field | A.Param).name.loc;
}

export function slotWhat(slot: Slot): string {
  if (slot.kind === 'return') return `the return value of '${(slot.owner as A.FunctionDecl).name.value}'`;
  return `${slot.kind} '${slot.name}'`;
}

/** True when a field never crosses: kernel-only state. */
export function isUnmarshaled(ctx: CheckContext, slot: Slot): boolean {
  return ctx.has(slot.attrs, 'skip') || ctx.has(slot.attrs, 'combolock');
}
