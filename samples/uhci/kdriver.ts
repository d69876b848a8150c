// The UHCI k-driver: what stays in the kernel. URB enqueue and dequeue (class drivers submit from
// atomic context), the interrupt handler and the schedule scan that retires TDs and gives URBs
// back run on the kernel thread against the simulated controller and never cross; so do the DMA
// schedule (frame list, QHs, TD pool) and the port I/O the u-driver reaches through downcalls. The
// kernel glue (usb_add_hcd, usb_remove_hcd) decides when to call the u-driver's reset, start, stop.
import { sim } from 'mdidl/runtime';
import { onCriticalPath } from '../common/critical.js';
import type { KernelImplementation } from './generated/ts/uhci.stubs.js';
import type { pci_dev, uhci_hcd, usb_hcd } from './generated/ts/uhci.types.js';
import { ECONNRESET, ENOMEM, EOVERFLOW, EPIPE, EPROTO, TD_CTRL, UHCI, UHCI_NUMFRAMES, UHCI_PTR, UHCI_STS, USB_PID } from './consts.js';

const TD_SIZE = 32;
const TD_POOL = 512;
const SLOT = 512;
const SLOTS = 64;
const MAXP = 64;

/** A USB request block, as a class driver hands it over. */
export interface Urb {
  pipe: 'in' | 'out';
  /** OUT: the bytes to send; IN: the buffer to fill (its length is the transfer's). */
  buffer: Uint8Array;
  actual: number;
  status: number;
  complete: (urb: Urb) => void;
  /** The HCD's private part (urb->hcpriv). */
  tds: number[];
  slot: number;
}

interface Endpoint {
  address: number;
  pid: number;
  qh: number;
  toggle: number;
  queue: Urb[];
}

export class UhciKDriver {
  readonly uhci: uhci_hcd;
  readonly hcd: usb_hcd;
  readonly pdev: pci_dev;
  readonly lock = new sim.SpinLock('uhci_hcd.lock');
  registered = false;
  private enabled = false;
  private schedule: { region: sim.DmaRegion; frameList: number; skel: number; tds: number; data: number } | null = null;
  private freeTds: number[] = [];
  private freeSlots: number[] = [];
  private readonly eps: Endpoint[] = [];
  urbsGivenBack = 0;

  constructor(
    readonly kernel: sim.SimKernel,
    readonly chip: sim.SimUhci,
  ) {
    this.uhci = {
      io_addr: 0n, regs: null, qh_pool: null, td_pool: null, term_td: null, skelqh: undefined as never, next_qh: null, lock: { raw_lock: 0 },
      frame_dma_handle: 0n, frame: null, frame_cpu: undefined as never, rh_state: 0, auto_stop_time: 0n, frame_number: 0, is_stopped: 0,
      last_iso_frame: 0, cur_iso_frame: 0, scan_in_progress: 0, need_rescan: 0, dead: 0, RD_enable: 0, is_initialized: 0,
      fsbr_is_on: 0, fsbr_is_wanted: 0, fsbr_expiring: 0, oc_low: 0, wait_for_hp: 0, big_endian_mmio: 0, big_endian_desc: 0,
      is_aspeed: 0, port_c_suspend: 0n, resuming_ports: 0n, ports_timeout: 0n, rh_numports: 0, num_waiting: 0, total_load: 0,
      load: new Int16Array(32),
    };
    this.hcd = { product_desc: '', irq: 0, rsrc_start: 0n, state: 0, uses_new_polling: 0, has_tt: 0, hcd_priv: this.uhci };
    this.pdev = { vendor: 0x8086, device: 0x7112, revision: 1, irq: chip.irq, io_start: 0xc000n, driver_data: this.hcd };
  }

  private view(bus: number, size = 16): DataView {
    const b = this.kernel.dmaView(bus, size);
    return new DataView(b.buffer, b.byteOffset, size);
  }

  // ---- the critical path ------------------------------------------------------------------

  /** uhci_urb_enqueue: one TD per packet into the endpoint's queue; the last one interrupts. */
  enqueue(ep: 0 | 1, urb: Urb): number {
    return onCriticalPath(() =>
      this.lock.with(() => {
        const e = this.eps[ep];
        const s = this.schedule;
        if (!e || !s) return -19;
        const len = urb.buffer.length;
        const packets = urb.pipe === 'in' ? Math.ceil(len / MAXP) : Math.floor(len / MAXP) + 1; // OUT ends short (a zero-length packet if need be)
        if (packets > this.freeTds.length || !this.freeSlots.length || len > SLOT) return ENOMEM;
        urb.slot = this.freeSlots.pop()!;
        urb.tds = [];
        urb.actual = 0;
        urb.status = -115; // -EINPROGRESS
        const data = s.data + urb.slot * SLOT;
        if (urb.pipe === 'out') this.kernel.dmaView(data, SLOT).set(urb.buffer);
        for (let i = 0; i < packets; i++) urb.tds.push(this.freeTds.pop()!);
        this.writeTds(e, urb, data);
        // Link behind the queue's last URB, or make it the queue's element if the controller is idle there.
        const qh = this.view(e.qh);
        const first = s.tds + urb.tds[0]! * TD_SIZE;
        const prev = e.queue[e.queue.length - 1];
        if (prev) this.view(s.tds + prev.tds[prev.tds.length - 1]! * TD_SIZE).setUint32(0, first | UHCI_PTR.DEPTH, true);
        if (qh.getUint32(4, true) & UHCI_PTR.TERM) qh.setUint32(4, first, true);
        e.queue.push(urb);
        return 0;
      }),
    );
  }

  /** The TDs of `urb` from its first, with data toggles from the endpoint's. */
  private writeTds(e: Endpoint, urb: Urb, data: number): void {
    const s = this.schedule!;
    const len = urb.buffer.length;
    urb.tds.forEach((t, i) => {
      const td = this.view(s.tds + t * TD_SIZE);
      const last = i === urb.tds.length - 1;
      const size = urb.pipe === 'in' ? MAXP : Math.min(MAXP, len - i * MAXP);
      td.setUint32(0, last ? UHCI_PTR.TERM : (s.tds + urb.tds[i + 1]! * TD_SIZE) | UHCI_PTR.DEPTH, true);
      td.setUint32(4, (TD_CTRL.ACTIVE | (3 << TD_CTRL.C_ERR_SHIFT) | (urb.pipe === 'in' ? TD_CTRL.SPD : 0) | (last ? TD_CTRL.IOC : 0)) >>> 0, true);
      td.setUint32(8, (e.pid | (e.address << 15) | (e.toggle << 19) | (((size - 1) & 0x7ff) << 21)) >>> 0, true);
      td.setUint32(12, data + i * MAXP, true);
      e.toggle ^= 1;
    });
  }

  /** uhci_irq: acknowledge, then scan the schedule. */
  private irq(): 'handled' | 'none' {
    return onCriticalPath(() => {
      const status = this.chip.inw(UHCI.USBSTS);
      if (!(status & ~UHCI_STS.HCH)) return 'none';
      this.chip.outw(UHCI.USBSTS, status);
      if (status & (UHCI_STS.HSE | UHCI_STS.HCPE)) this.kernel.log.push(`uhci: host controller error, status 0x${status.toString(16)}`);
      const done = this.lock.with(() => this.scan());
      // usb_hcd_giveback_urb, outside the lock: completion handlers may submit again.
      for (const urb of done) {
        this.urbsGivenBack++;
        urb.complete(urb);
      }
      return 'handled';
    });
  }

  /** uhci_scan_schedule: give back, in order, the URBs whose TDs the controller has retired. */
  private scan(): Urb[] {
    const s = this.schedule;
    if (!s) return [];
    const done: Urb[] = [];
    for (const e of this.eps) {
      while (e.queue.length) {
        const urb = e.queue[0]!;
        const r = this.result(urb);
        if (!r) break;
        e.queue.shift();
        urb.status = r.status;
        urb.actual = r.actual;
        if (urb.pipe === 'in') urb.buffer = this.kernel.dmaView(s.data + urb.slot * SLOT, r.actual).slice();
        if (r.early) {
          // The queue stopped inside this URB: the next one starts from the toggle it left, and the
          // controller's element must move on to it (uhci_fixup_toggles, uhci_fixup_short_transfer).
          e.toggle = r.toggle;
          for (const next of e.queue) this.writeTds(e, next, s.data + next.slot * SLOT);
          for (let i = 0; i + 1 < e.queue.length; i++) {
            const a = e.queue[i]!;
            this.view(s.tds + a.tds[a.tds.length - 1]! * TD_SIZE).setUint32(0, (s.tds + e.queue[i + 1]!.tds[0]! * TD_SIZE) | UHCI_PTR.DEPTH, true);
          }
          const head = e.queue[0];
          this.view(e.qh).setUint32(4, head ? s.tds + head.tds[0]! * TD_SIZE : UHCI_PTR.TERM, true);
        }
        this.free(urb);
        done.push(urb);
      }
    }
    return done;
  }

  /** What the controller did with `urb`, or null while it is still at work on it. */
  private result(urb: Urb): { status: number; actual: number; early: boolean; toggle: number } | null {
    const s = this.schedule!;
    let actual = 0;
    for (let i = 0; i < urb.tds.length; i++) {
      const td = this.view(s.tds + urb.tds[i]! * TD_SIZE);
      const ctrl = td.getUint32(4, true);
      const token = td.getUint32(8, true);
      const toggle = (token >>> 19) & 1;
      if (ctrl & TD_CTRL.ACTIVE) return null;
      const errors = ctrl & (TD_CTRL.STALLED | TD_CTRL.DBUFERR | TD_CTRL.BABBLE | TD_CTRL.CRCTIMEO | (1 << 17));
      if (errors) {
        const status = ctrl & TD_CTRL.STALLED ? EPIPE : ctrl & TD_CTRL.BABBLE ? EOVERFLOW : EPROTO;
        return { status, actual, early: true, toggle }; // the queue stopped at this TD
      }
      const n = ((ctrl & TD_CTRL.ACTLEN_MASK) + 1) & 0x7ff;
      actual += n;
      const max = (((token >>> 21) + 1) & 0x7ff);
      if (urb.pipe === 'in' && n < max) return { status: 0, actual, early: i < urb.tds.length - 1, toggle: toggle ^ 1 };
    }
    return { status: 0, actual, early: false, toggle: 0 };
  }

  private free(urb: Urb): void {
    this.freeTds.push(...urb.tds);
    this.freeSlots.push(urb.slot);
    urb.tds = [];
  }

  /** uhci_urb_dequeue for every URB of both endpoints (usb_hcd_flush_endpoint at stop). */
  dequeueAll(): Urb[] {
    return onCriticalPath(() =>
      this.lock.with(() => {
        const out: Urb[] = [];
        for (const e of this.eps) {
          this.view(e.qh).setUint32(4, UHCI_PTR.TERM, true);
          for (const urb of e.queue.splice(0)) {
            urb.status = ECONNRESET;
            this.free(urb);
            out.push(urb);
          }
        }
        return out;
      }),
    );
  }

  // ---- the kernel glue -------------------------------------------------------------------

  /** usb_add_hcd: the driver's reset, the interrupt line, the driver's start. */
  async addHcd(reset: (hcd: usb_hcd) => Promise<number>, start: (hcd: usb_hcd) => Promise<number>): Promise<number> {
    let rc = await reset(this.hcd);
    if (rc) return rc;
    rc = this.kernel.requestIrq(this.hcd.irq, () => this.irq(), 'uhci_hcd', this.hcd);
    if (rc) return rc;
    rc = await start(this.hcd);
    if (rc) {
      this.kernel.freeIrq(this.hcd.irq, this.hcd);
      return rc;
    }
    this.registered = true;
    return 0;
  }

  /** usb_remove_hcd: the driver's stop, then the line goes back. */
  async removeHcd(stop: (hcd: usb_hcd) => Promise<void>): Promise<void> {
    this.registered = false;
    await stop(this.hcd);
    this.kernel.freeIrq(this.hcd.irq, this.hcd);
  }

  // ---- kernel services the u-driver calls -------------------------------------------------

  readonly downcalls: KernelImplementation = {
    kernel: {
      uhci_readw: (_u, reg) => (this.enabled ? this.chip.inw(reg) : 0xffff),
      uhci_writew: (_u, v, reg) => {
        if (this.enabled) this.chip.outw(reg, v);
      },
      uhci_readl: (_u, reg) => (this.enabled ? this.chip.inl(reg) : 0xffffffff),
      uhci_writel: (_u, v, reg) => {
        if (this.enabled) this.chip.outl(reg, v);
      },
      pci_enable_device: () => {
        this.enabled = true;
        return 0;
      },
      pci_disable_device: () => {
        this.enabled = false;
      },
      pci_set_master: () => {},
      /** uhci_start's allocations: the frame list (4 KiB aligned), the skeleton, two endpoint QHs, TDs, buffers. */
      uhci_alloc_schedule: (u) => {
        try {
          if (!this.schedule) {
            const size = 4096 + 4096 + 3 * 16 + TD_POOL * TD_SIZE + SLOTS * SLOT;
            const region = this.kernel.dmaAlloc(size);
            const frameList = (region.bus + 4095) & ~4095;
            const skel = frameList + 4096;
            this.schedule = { region, frameList, skel, tds: skel + 3 * 16, data: skel + 3 * 16 + TD_POOL * TD_SIZE };
          }
        } catch {
          return ENOMEM;
        }
        const s = this.schedule;
        const inQh = s.skel + 16;
        const outQh = s.skel + 32;
        // Every frame runs the asynchronous schedule: skeleton QH -> bulk IN QH -> bulk OUT QH.
        this.view(s.skel).setUint32(0, inQh | UHCI_PTR.QH, true);
        this.view(s.skel).setUint32(4, UHCI_PTR.TERM, true);
        this.view(inQh).setUint32(0, outQh | UHCI_PTR.QH, true);
        this.view(inQh).setUint32(4, UHCI_PTR.TERM, true);
        this.view(outQh).setUint32(0, UHCI_PTR.TERM, true);
        this.view(outQh).setUint32(4, UHCI_PTR.TERM, true);
        const fl = this.view(s.frameList, 4096);
        for (let i = 0; i < UHCI_NUMFRAMES; i++) fl.setUint32(i * 4, s.skel | UHCI_PTR.QH, true);
        this.freeTds = Array.from({ length: TD_POOL }, (_, i) => TD_POOL - 1 - i);
        this.freeSlots = Array.from({ length: SLOTS }, (_, i) => SLOTS - 1 - i);
        this.eps.length = 0;
        this.eps.push({ address: 1, pid: USB_PID.IN, qh: inQh, toggle: 0, queue: [] }, { address: 2, pid: USB_PID.OUT, qh: outQh, toggle: 0, queue: [] });
        this.uhci.frame_dma_handle = BigInt(s.frameList);
        if (u && u !== this.uhci) u.frame_dma_handle = this.uhci.frame_dma_handle;
        return 0;
      },
      uhci_free_schedule: (u) => {
        this.uhci.frame_dma_handle = 0n;
        if (u && u !== this.uhci) u.frame_dma_handle = 0n;
        this.eps.length = 0;
      },
      /** Time passes: the controller runs its frames meanwhile. */
      msleep: (ms) => this.chip.runFrames(Math.min(ms, 1000)),
    },
  };
}
