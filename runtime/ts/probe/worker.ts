// The probe's u-driver: serves the probe upcalls, and on request makes null downcalls back to
// back and reports how long each took (a downcall blocks the worker, so it is timed here).
import { parentPort } from 'node:worker_threads';
import { performance } from 'node:perf_hooks';
import { runUserDriver } from '../user-worker.js';
import { PROBE_RUN_KEY, probePlan, type ProbeNode } from './plan.js';



const u = await runUserDriver({
  plan: probePlan,
  implementation: {
    probe: {
      null_up: () => undefined,
      ring: (head: ProbeNode | null) => {
        if (head) head.value += 1;
        return 0;
      },
    },
  },
});

parentPort!.on('message', (m: unknown) => {
  if (!m || typeof m !== 'object' || !(PROBE_RUN_KEY in m)) return;
  const n = (m as Record<string, number>)[PROBE_RUN_KEY]!;
  const us = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    u.downcall('probe', 'null_down', []);
    us[i] = (performance.now() - t0) * 1000;
  }
  parentPort!.postMessage({ [PROBE_RUN_KEY]: us });
});
