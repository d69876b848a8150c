// The runtime's public entry point (`mdidl/runtime`), re-exported as the pieces land.
export type { Box, Handle, Interior } from './values.js';
export type { Plan, PlanExpr, PlanField, PlanFunction, PlanInterface, PlanSelection, PlanType, PlanValue } from './plan.js';
