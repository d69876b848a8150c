// The other end of bench/sections/ts-channel.ts's floors: a SharedArrayBuffer ping-pong (spin,
// then Atomics.wait, as the channel's worker side waits) and a postMessage echo.
//   ctrl[0] main's ping, ctrl[1] this worker's answer (main-initiated rounds);
//   ctrl[2] this worker's ping, ctrl[3] main's answer (worker-initiated rounds).
import { performance } from 'node:perf_hooks';
import { parentPort, workerData } from 'node:worker_threads';

const ctrl = new Int32Array(workerData.sab as SharedArrayBuffer);
const spin = workerData.spin as number;

function waitWhile(i: number, old: number): void {
  for (let s = 0; s < spin; s++) if (Atomics.load(ctrl, i) !== old) return;
  while (Atomics.load(ctrl, i) === old) Atomics.wait(ctrl, i, old);
}

parentPort!.on('message', (m: { kind: 'echo' } | { kind: 'serve'; n: number; from: number } | { kind: 'ping'; n: number }) => {
  if (m.kind === 'echo') {
    parentPort!.postMessage(m);
  } else if (m.kind === 'serve') {
    let last = m.from;
    for (let k = 0; k < m.n; k++) {
      waitWhile(0, last);
      last = Atomics.load(ctrl, 0);
      Atomics.store(ctrl, 1, last);
      Atomics.notify(ctrl, 1);
    }
  } else {
    const us = new Float64Array(m.n);
    for (let k = 0; k < m.n; k++) {
      const t0 = performance.now();
      const seq = Atomics.add(ctrl, 2, 1) + 1;
      Atomics.notify(ctrl, 2);
      for (let cur = Atomics.load(ctrl, 3); cur !== seq; cur = Atomics.load(ctrl, 3)) waitWhile(3, cur);
      us[k] = (performance.now() - t0) * 1000;
    }
    parentPort!.postMessage({ kind: 'pinged', us });
  }
});
