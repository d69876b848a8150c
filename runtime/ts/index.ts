// The runtime's public entry point (`mdidl/runtime`).
export * from './channel.js';
export * from './codec.js';
export * from './errors.js';
export * from './header.js';
export * from './object-table.js';
export * from './wire-reader.js';
export * from './wire-writer.js';
export * from './user-worker.js';
export * as sim from './sim/index.js';
export type { Box, Handle, Interior } from './values.js';
export type { Plan, PlanExpr, PlanField, PlanFunction, PlanInterface, PlanSelection, PlanType, PlanValue } from './plan.js';
export * as probe from './probe/index.js';
