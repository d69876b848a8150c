// The UHCI scenario: probe, reset and start the controller through upcalls and downcalls; a bulk
// device is plugged into port 1 and usbcore's hub work (hub_status_data, GetPortStatus, the port
// reset) goes to the u-driver; then a class driver streams messages both ways through the schedule
// (bulk IN and OUT queues, TDs retried on damaged packets and retired when their error count runs
// out, short packets, the frame list wrapping, and bursts that overflow the device's FIFO) while
// hub and frame-number calls cross, the u-driver crashes and restarts mid-stream, then the
// controller stops and the device is removed.
import { sim } from 'mdidl/runtime';
import { monolithicBoundary, splitBoundary, type Boundary } from '../common/boundary.js';
import { Background, CrashDrill } from '../common/lifecycle.js';
import { InOrder, makePayload, Rng } from '../common/payload.js';
import { Recorder, tick, type ScenarioOptions, type ScenarioResult } from '../common/scenario.js';
import type { SampleInfo } from '../common/table.js';
import { ClearPortFeature, EPROTO, GetPortStatus, SetPortFeature, UHCI, UHCI_STS, USB_PORT_FEAT_C_CONNECTION, USB_PORT_FEAT_RESET } from './consts.js';
import { plan } from './generated/ts/uhci.plan.js';
import { upcalls, type Upcalls } from './generated/ts/uhci.stubs.js';
import type { usb_port_status } from './generated/ts/uhci.types.js';
import { UhciKDriver, type Urb } from './kdriver.js';
import { uhciUserDriver } from './udriver.js';

export const info: SampleInfo = {
  name: 'uhci',
  title: 'Intel PIIX UHCI USB host controller (uhci-hcd)',
  unit: 'transfers',
  kernel: ['uhci_urb_enqueue', 'uhci_urb_dequeue', 'uhci_irq', 'uhci_scan_schedule (TDs, toggles, giveback)'],
  user: ['probe', 'reset', 'start', 'stop', 'remove', 'get_frame_number', 'root hub: hub_status_data, hub_control'],
};

const IN_URBS = 4;
const IN_BUFFER = 512;

export async function runUhci(o: ScenarioOptions): Promise<ScenarioResult> {
  const total = o.events ?? 100_000;
  const kernel = new sim.SimKernel(1 << 20);
  const chip = new sim.SimUhci(kernel, 9, 16);
  const k = new UhciKDriver(kernel, chip);
  const b: Boundary<Upcalls> =
    o.mode === 'split'
      ? await splitBoundary({ plan, workerUrl: new URL('./uworker.js', import.meta.url), kernel: k.downcalls, upcalls, timeoutMs: o.timeoutMs ?? 5000 })
      : monolithicBoundary(k.downcalls, uhciUserDriver);
  const up = b.up;
  const r = new Recorder(info.name, info.unit, b);
  const hcd = k.hcd;
  const portStatus = (): Promise<unknown> => {
    const st: usb_port_status = { wPortStatus: 0, wPortChange: 0 };
    return up.hc_driver.hub_control(hcd, GetPortStatus, 0, 1, st).then((rc) => ({ rc, status: st.wPortStatus.toString(16), change: st.wPortChange.toString(16) }));
  };
  const hubStatus = (): Promise<unknown> => {
    const buf = new Uint8Array(1);
    return up.hc_driver.hub_status_data(hcd, buf).then((rc) => ({ rc, mask: buf[0] }));
  };
  try {
    await r.manage('probe', () => up.pci_driver.probe(k.pdev), (rc) => ({ rc, product: hcd.product_desc, irq: hcd.irq }));
    await r.manage('usb_add_hcd (reset, start)', () => k.addHcd(up.hc_driver.reset, up.hc_driver.start), (rc) => ({ rc, ports: k.uhci.rh_numports, state: hcd.state, running: !(chip.inw(UHCI.USBSTS) & UHCI_STS.HCH) }));
    r.same('the controller runs its schedule from the frame list', { base: chip.inl(UHCI.USBFLBASEADD) === Number(k.uhci.frame_dma_handle), ports: k.uhci.rh_numports, registered: k.registered }, { base: true, ports: 2, registered: true });

    // ---- hub work: the device is plugged in ------------------------------------------------
    chip.plug(1);
    await r.manage('hub_status_data (after plug)', hubStatus);
    await r.manage('GetPortStatus (connected)', portStatus);
    await r.manage('ClearPortFeature C_CONNECTION', () => up.hc_driver.hub_control(hcd, ClearPortFeature, USB_PORT_FEAT_C_CONNECTION, 1, { wPortStatus: 0, wPortChange: 0 }));
    await r.manage('SetPortFeature PORT_RESET', () => up.hc_driver.hub_control(hcd, SetPortFeature, USB_PORT_FEAT_RESET, 1, { wPortStatus: 0, wPortChange: 0 }));
    const enabled = (await r.manage('GetPortStatus (enabled)', portStatus)) as { status: string } | undefined;
    r.same('the port is connected, enabled and powered after its reset', enabled?.status, '103');

    // ---- the class driver streams both ways --------------------------------------------------
    const inCheck = new InOrder();
    const outCheck = new InOrder();
    const rng = new Rng(0x7112);
    let inSeq = 0;
    let outSeq = 0;
    let assembling: number[] = [];
    let inFailures = 0;
    let outFailures = 0;
    let submitFailures = 0;
    const submitIn = (): void => {
      const urb: Urb = { pipe: 'in', buffer: new Uint8Array(IN_BUFFER), actual: 0, status: 0, tds: [], slot: 0, complete: inDone };
      if (k.enqueue(0, urb) !== 0) submitFailures++;
    };
    // usb_serial-like reassembly: a message ends with the URB that ended short.
    function inDone(urb: Urb): void {
      for (const byte of urb.buffer) assembling.push(byte);
      if (urb.status === EPROTO) inFailures++;
      else if (urb.status === 0 && urb.actual < IN_BUFFER) {
        inCheck.arrive(Uint8Array.from(assembling));
        assembling = [];
      }
      if (urb.status !== -104) submitIn(); // resubmitted from the completion handler, as drivers do
    }
    const outQueue: Uint8Array[] = [];
    let outBusy = false;
    const sendNext = (): void => {
      const m = outQueue.shift();
      if (!m) return;
      outBusy = true;
      const urb: Urb = {
        pipe: 'out', buffer: m, actual: 0, status: 0, tds: [], slot: 0,
        complete: (u) => {
          outBusy = false;
          if (u.status === EPROTO) {
            outFailures++;
            outQueue.unshift(m.subarray(u.actual)); // the rest of the message goes first
          }
          if (u.status !== -104) sendNext();
        },
      };
      if (k.enqueue(1, urb) !== 0) {
        submitFailures++;
        outBusy = false;
        outQueue.unshift(m);
      }
    };
    for (let i = 0; i < IN_URBS; i++) submitIn();
    chip.damage = () => (rng.oneIn(3000) ? 3 : rng.oneIn(250) ? 1 : 0);
    for (const m of chip.device.received.splice(0)) outCheck.arrive(m);

    const bg = new Background(r);
    const drill = new CrashDrill(r, b as Boundary<unknown>, () => k.urbsGivenBack);
    const at = (f: number): number => Math.floor(total * f);
    const marks = new Set<number>();
    const once = (point: number): boolean => {
      if (k.urbsGivenBack < point || marks.has(point)) return false;
      marks.add(point);
      return true;
    };
    const afterRestart = (): void => {
      bg.launch('GetPortStatus (after restart)', portStatus);
      bg.launch('hub_status_data (after restart)', hubStatus);
    };
    const idle = (): boolean => chip.device.pending === 0 && !outBusy && outQueue.length === 0 && !(chip.inw(UHCI.USBSTS) & (UHCI_STS.USBINT | UHCI_STS.ERROR));
    let overflows = 0;
    const upcallsBefore = b.counts.upcalls;
    const startGiven = k.urbsGivenBack;
    const t0 = performance.now();
    let lastProgress = 0;
    while (k.urbsGivenBack - startGiven < total) {
      const storm = rng.oneIn(300);
      if (storm) overflows++;
      const nIn = storm ? 24 : rng.int(1, 3);
      for (let i = 0; i < nIn; i++) {
        const seq = inSeq++;
        if (chip.device.offer(makePayload(seq, rng.int(8, 300)), seq)) inCheck.expect(seq);
      }
      const nOut = rng.int(1, 3);
      for (let i = 0; i < nOut; i++) {
        outCheck.expect(outSeq);
        outQueue.push(makePayload(outSeq++, rng.int(8, 300)));
      }
      if (!outBusy) sendNext();
      for (let spins = 0; ; spins++) {
        chip.runFrames(1);
        await tick();
        for (const m of chip.device.received.splice(0)) outCheck.arrive(m);
        if (idle()) break;
        if (spins > 10_000) throw new Error(`the schedule stalled after ${k.urbsGivenBack} transfers: device FIFO ${chip.device.pending}, OUT queue ${outQueue.length}, busy ${outBusy}, USBSTS 0x${chip.inw(UHCI.USBSTS).toString(16)}`);
      }
      const done = k.urbsGivenBack - startGiven;
      if (once(at(0.2))) {
        bg.launch('get_frame_number (mid-stream)', () => up.hc_driver.get_frame_number(hcd), undefined, false);
        bg.launch('hub_status_data (mid-stream)', hubStatus);
        bg.launch('GetPortStatus (mid-stream)', portStatus);
      }
      if (once(at(0.35))) bg.launch('GetPortStatus (again)', portStatus);
      // The stream holds until the earlier calls have settled (the crash must hit this one).
      if (once(at(0.5))) await drill.triggerAfter(bg, portStatus);
      if ((b.mode !== 'split' || drill.done) && once(at(0.75))) afterRestart();
      if (done - lastProgress >= 2000 || done >= total) {
        lastProgress = done;
        o.progress?.(Math.min(done, total), total);
      }
    }
    r.seconds = (performance.now() - t0) / 1000;
    r.events = total;
    await drill.finish();
    if (!marks.has(at(0.75))) {
      marks.add(at(0.75));
      afterRestart();
    }
    await bg.settle();
    drill.check();
    r.same('every upcall during the stream was a hub or frame-number call (none from the critical path)', b.counts.upcalls - upcallsBefore, bg.made + drill.upcalls);

    r.check('every IN message the device kept reached the class driver intact and in order', inCheck.ok && inCheck.expectedCount === chip.device.produced - chip.device.dropped.length, inCheck.summary());
    r.check('every OUT message reached the device intact and in order', outCheck.ok && outCheck.received === outSeq, outCheck.summary());
    r.check(
      'damaged packets were retried, TDs that ran out of retries failed their URB (and the data came anyway), the frame list wrapped, the device FIFO overflowed',
      chip.retries > 0 && chip.tdErrors > 0 && inFailures + outFailures === chip.tdErrors && chip.wraps > 0 && chip.device.dropped.length > 0 && submitFailures === 0,
      `${chip.retries} retries, ${chip.tdErrors} TD errors (${inFailures} IN, ${outFailures} OUT URBs failed), ${chip.wraps} frame list wraps, ${chip.device.dropped.length} messages dropped in ${overflows} overflows, ${submitFailures} failed submissions`,
    );
    r.counters['IN messages'] = inCheck.received;
    r.counters['OUT messages'] = outCheck.received;
    r.counters['packets retried (damaged)'] = chip.retries;
    r.counters['URBs failed (-EPROTO), resubmitted'] = inFailures + outFailures;
    r.counters['frame list wraps'] = chip.wraps;
    r.counters['dropped (device FIFO overflow)'] = chip.device.dropped.length;

    await r.manage('get_frame_number (end)', () => up.hc_driver.get_frame_number(hcd), (n) => ({ n, frames: chip.frames, same: (n & 0x7ff) === (chip.frames & 0x7ff) }), { compared: false });

    // ---- stop and remove -------------------------------------------------------------------
    const flushed = k.dequeueAll();
    r.same('stopping flushed the class driver\'s queued URBs', flushed.length, IN_URBS);
    await r.manage('usb_remove_hcd (stop)', () => k.removeHcd(up.hc_driver.stop), () => ({ state: hcd.state, halted: (chip.inw(UHCI.USBSTS) & UHCI_STS.HCH) !== 0 }));
    await r.manage('remove', () => up.pci_driver.remove(k.pdev), () => ({ registered: k.registered }));
    r.same('the controller halted, its line is free', { halted: (chip.inw(UHCI.USBSTS) & UHCI_STS.HCH) !== 0, irqFree: kernel.requestIrq(9, () => 'none', 'probe', null) === 0 }, { halted: true, irqFree: true });
    kernel.freeIrq(9, null);
    return r.result(o.mode, [...kernel.log]);
  } finally {
    await b.stop();
    kernel.stop();
  }
}


