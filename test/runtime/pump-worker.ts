// The u-driver of the pump test: a timer of its own counts its ticks, and the one upcall answers
// how many there have been, so the kernel can see whether the u-driver's event loop still turns
// while upcalls come back to back.
import { runUserDriver } from '../../runtime/ts/user-worker.js';
import { pumpPlan } from './pump-fixture.js';

let ticks = 0;
setInterval(() => ticks++, 1);

await runUserDriver({ plan: pumpPlan, implementation: { pump: { ticks: () => ticks } } });
