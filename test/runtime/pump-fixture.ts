// The plan of the pump test (test/runtime/pump.test.ts): one upcall that returns a u32.
import type { Plan } from '../../runtime/ts/plan.js';

export const pumpPlan: Plan = {
  module: 'pump',
  version: 1,
  types: [],
  interfaces: [
    {
      id: 0x70756d70,
      name: 'pump',
      functions: [{ id: 1, name: 'ticks', role: 'upcall', params: [], returns: { k: 'int', bits: 32, signed: false }, reads: [], writes: [] }],
    },
  ],
};
