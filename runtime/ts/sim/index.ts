// The simulated kernel and devices.
export * from './context.js';
export * from './kernel.js';
export * from './nic.js';
export * from './softirq.js';
export * from './rtl8139.js';
export * from './e1000.js';
export * from './es1371.js';
export * from './uhci.js';
