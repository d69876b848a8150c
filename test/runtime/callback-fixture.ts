// The interface of the callback tests: function pointers handed across in both directions.
import { buildPlan } from '../../compiler/backends/ts/plan.js';
import type { Plan } from '../../runtime/ts/plan.js';
import { irOf } from '../helpers.js';

export const CALLBACK_IDL = `
struct counter { u32 hits; }
callback u32 notify_t(u32 code, counter *c);
interface kernel {
    downcall s32 register_notify(notify_t cb);
    downcall u32 fire(u32 code);
}
interface user_ops {
    upcall u32 run_with(notify_t cb, u32 code);
}
`;

export function callbackPlan(): Plan {
  return buildPlan(irOf(CALLBACK_IDL), 'cb', 1);
}
