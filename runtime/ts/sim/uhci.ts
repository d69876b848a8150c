// A simulated UHCI host controller (Intel PIIX) with one full-speed bulk device on port 1, as the
// driver sees it (register offsets and bits from uhci-hcd.h). The schedule lives in DMA memory: a
// 1024-entry frame list (FLBASEADD), queue heads (head link, element link) and transfer descriptors
// (link, control/status, token, buffer), linked by pointers whose bit 0 terminates, bit 1 names a
// QH and bit 2 asks for depth first. Each frame (`runFrames`) the controller takes the frame
// list entry at FRNUM and walks it: per QH it executes the TD its element points at, moves the
// element on when the TD completes, and goes on to the next QH when the device NAKs. A transaction
// damaged on the wire is retried while the TD's error counter lasts; when it runs out the TD is
// retired with CRC/timeout and the queue stops there. A short IN packet with SPD stops the queue
// too. Completion with IOC sets USBINT, an error USBERRINT; either interrupts if USBINTR allows.
import type { SimKernel } from './kernel.js';

export const UHCI = { USBCMD: 0, USBSTS: 2, USBINTR: 4, USBFRNUM: 6, USBFLBASEADD: 8, USBSOF: 12, USBPORTSC1: 16, USBPORTSC2: 18 } as const;
export const UHCI_CMD = { RS: 0x01, HCRESET: 0x02, GRESET: 0x04, EGSM: 0x08, FGR: 0x10, CF: 0x40, MAXP: 0x80 } as const;
export const UHCI_STS = { USBINT: 0x01, ERROR: 0x02, RD: 0x04, HSE: 0x08, HCPE: 0x10, HCH: 0x20 } as const;
export const UHCI_INTR = { TIMEOUT: 0x01, RESUME: 0x02, IOC: 0x04, SP: 0x08 } as const;
export const UHCI_PORTSC = { CCS: 0x0001, CSC: 0x0002, PE: 0x0004, PEC: 0x0008, RD: 0x0040, RES1: 0x0080, LSDA: 0x0100, PR: 0x0200, SUSP: 0x1000 } as const;
export const UHCI_PTR = { TERM: 0x1, QH: 0x2, DEPTH: 0x4 } as const;
export const TD_CTRL = { SPD: 1 << 29, C_ERR_SHIFT: 27, IOC: 1 << 24, ACTIVE: 1 << 23, STALLED: 1 << 22, DBUFERR: 1 << 21, BABBLE: 1 << 20, NAK: 1 << 19, CRCTIMEO: 1 << 18, ACTLEN_MASK: 0x7ff } as const;
export const USB_PID = { IN: 0x69, OUT: 0xe1, SETUP: 0x2d } as const;
export const UHCI_NUMFRAMES = 1024;

/** The bulk device on port 1: endpoint 1 IN streams messages, endpoint 2 OUT takes them. */
export class SimBulkDevice {
  /** Messages the device has to send, as packets still to go (the FIFO). */
  private readonly fifo: Uint8Array[] = [];
  private inOffset = 0;
  private inToggle = 0;
  private outToggle = 0;
  private outMessage: number[] = [];
  /** Messages produced, dropped because the FIFO was full (the device's overrun), and received. */
  produced = 0;
  readonly dropped: number[] = [];
  readonly received: Uint8Array[] = [];

  constructor(readonly fifoSize: number) {}

  /** The device has a message to send; false (and counted) when its FIFO is full. */
  offer(message: Uint8Array, seq: number): boolean {
    this.produced++;
    if (this.fifo.length >= this.fifoSize) {
      this.dropped.push(seq);
      return false;
    }
    this.fifo.push(message);
    return true;
  }

  get pending(): number {
    return this.fifo.length;
  }

  /** An IN token: the next packet (at most maxLen bytes; a short one ends a message), or null: NAK. */
  in(maxLen: number, toggle: number): Uint8Array | null | 'toggle' {
    const m = this.fifo[0];
    if (!m) return null;
    if (toggle !== this.inToggle) return 'toggle';
    return m.subarray(this.inOffset, Math.min(m.length, this.inOffset + maxLen));
  }

  /** The host acknowledged the IN packet the device sent. */
  inAcked(maxLen: number): void {
    const m = this.fifo[0]!;
    const sent = Math.min(m.length - this.inOffset, maxLen);
    this.inOffset += sent;
    this.inToggle ^= 1;
    if (sent < maxLen) {
      this.fifo.shift();
      this.inOffset = 0;
    }
  }

  /** An OUT packet; a short one ends a message. Returns false on a toggle mismatch (a resend, ignored). */
  out(data: Uint8Array, maxLen: number, toggle: number): boolean {
    if (toggle !== this.outToggle) return false;
    this.outToggle ^= 1;
    for (const b of data) this.outMessage.push(b);
    if (data.length < maxLen) {
      this.received.push(Uint8Array.from(this.outMessage));
      this.outMessage = [];
    }
    return true;
  }
}

export class SimUhci {
  private readonly io = new DataView(new SharedArrayBuffer(32));
  /** Transactions damaged on the wire: the generator says which (a number of consecutive ones). */
  damage: () => number = () => 0;
  private damageLeft = 0;
  /** Packets the controller may move per frame (full speed: about 19 of 64 bytes). */
  readonly packetsPerFrame = 16;
  retries = 0;
  tdErrors = 0;
  frames = 0;
  /** Times FRNUM went round the frame list. */
  wraps = 0;
  readonly device: SimBulkDevice;

  constructor(
    private readonly kernel: SimKernel,
    readonly irq: number,
    fifoSize = 16,
  ) {
    this.device = new SimBulkDevice(fifoSize);
    this.reset();
  }

  private reset(): void {
    new Uint8Array(this.io.buffer).fill(0);
    this.io.setUint16(UHCI.USBSTS, UHCI_STS.HCH, true);
    this.io.setUint8(UHCI.USBSOF, 64);
    for (const p of [UHCI.USBPORTSC1, UHCI.USBPORTSC2]) this.io.setUint16(p, UHCI_PORTSC.RES1, true);
  }

  inw(reg: number): number {
    if (reg < 0 || reg > 18 || reg % 2) throw new RangeError(`uhci: no register at 0x${reg.toString(16)}`);
    return this.io.getUint16(reg, true);
  }
  inl(reg: number): number {
    if (reg !== UHCI.USBFLBASEADD) throw new RangeError(`uhci: no 32-bit register at 0x${reg.toString(16)}`);
    return this.io.getUint32(reg, true);
  }

  outw(reg: number, v: number): void {
    if (reg < 0 || reg > 18 || reg % 2) throw new RangeError(`uhci: no register at 0x${reg.toString(16)}`);
    v &= 0xffff;
    switch (reg) {
      case UHCI.USBCMD:
        if (v & (UHCI_CMD.HCRESET | UHCI_CMD.GRESET)) {
          const ports = [this.io.getUint16(UHCI.USBPORTSC1, true), this.io.getUint16(UHCI.USBPORTSC2, true)];
          this.reset();
          // A host controller reset keeps what is plugged in; the ports come back disabled.
          ports.forEach((p, i) => this.io.setUint16(UHCI.USBPORTSC1 + 2 * i, UHCI_PORTSC.RES1 | (p & UHCI_PORTSC.CCS) | (p & UHCI_PORTSC.CCS ? UHCI_PORTSC.CSC : 0), true));
          return;
        }
        this.io.setUint16(reg, v, true);
        this.setStatusBit(UHCI_STS.HCH, !(v & UHCI_CMD.RS));
        return;
      case UHCI.USBSTS: // write 1 to clear
        this.io.setUint16(reg, this.inw(reg) & ~(v & 0x3f & ~UHCI_STS.HCH), true);
        return;
      case UHCI.USBPORTSC1:
      case UHCI.USBPORTSC2: {
        const cur = this.inw(reg);
        let next = (cur & (UHCI_PORTSC.CCS | UHCI_PORTSC.LSDA)) | UHCI_PORTSC.RES1;
        next |= cur & (UHCI_PORTSC.CSC | UHCI_PORTSC.PEC) & ~v; // change bits clear on a 1
        if (v & UHCI_PORTSC.PR) next |= UHCI_PORTSC.PR;
        else if (cur & UHCI_PORTSC.PR && cur & UHCI_PORTSC.CCS) next |= UHCI_PORTSC.PE; // end of reset: enabled
        else next |= v & UHCI_PORTSC.PE & (cur & UHCI_PORTSC.CCS ? 0xffff : 0);
        next |= v & UHCI_PORTSC.SUSP;
        this.io.setUint16(reg, next, true);
        return;
      }
      default:
        this.io.setUint16(reg, v, true);
    }
  }

  outl(reg: number, v: number): void {
    if (reg !== UHCI.USBFLBASEADD) throw new RangeError(`uhci: no 32-bit register at 0x${reg.toString(16)}`);
    this.io.setUint32(reg, (v & ~0xfff) >>> 0, true);
  }

  private setStatusBit(bit: number, on: boolean): void {
    const s = this.io.getUint16(UHCI.USBSTS, true);
    this.io.setUint16(UHCI.USBSTS, on ? s | bit : s & ~bit, true);
  }

  /** The device is plugged into port `n` (1 or 2): connect status and its change bit. */
  plug(n: number): void {
    const reg = UHCI.USBPORTSC1 + 2 * (n - 1);
    this.io.setUint16(reg, this.inw(reg) | UHCI_PORTSC.CCS | UHCI_PORTSC.CSC, true);
  }

  // ---- the schedule ------------------------------------------------------------------------

  private u32(bus: number): DataView {
    const b = this.kernel.dmaView(bus, 16);
    return new DataView(b.buffer, b.byteOffset, 16);
  }

  /** Runs `n` frames (milliseconds) of the schedule. */
  runFrames(n: number): void {
    for (let f = 0; f < n; f++) {
      if (!(this.inw(UHCI.USBCMD) & UHCI_CMD.RS)) return;
      this.frame();
      const fr = (this.inw(UHCI.USBFRNUM) + 1) & 0x7ff;
      if ((fr & 0x3ff) === 0) this.wraps++;
      this.io.setUint16(UHCI.USBFRNUM, fr, true);
      this.frames++;
    }
  }

  private frame(): void {
    const base = this.inl(UHCI.USBFLBASEADD);
    let link = this.u32(base + (this.inw(UHCI.USBFRNUM) & 0x3ff) * 4).getUint32(0, true);
    let budget = this.packetsPerFrame;
    let status = 0;
    for (let hops = 0; !(link & UHCI_PTR.TERM) && hops < 64 && budget > 0; hops++) {
      if (!(link & UHCI_PTR.QH)) break; // this schedule has TDs only under QHs
      const qhBus = link & ~0xf;
      const qh = this.u32(qhBus);
      // Depth first within a queue, while the TDs complete and the frame has room.
      for (;;) {
        const el = qh.getUint32(4, true);
        if (el & UHCI_PTR.TERM || el & UHCI_PTR.QH || budget === 0) break;
        const td = this.u32(el & ~0xf);
        const r = this.execute(td);
        if (r === 'nak') break;
        budget--;
        if (r === 'retry') continue;
        status |= r.status;
        if (r.halt) break; // the queue stops at an error or a short packet
        qh.setUint32(4, td.getUint32(0, true), true); // the element moves on
      }
      link = qh.getUint32(0, true);
    }
    if (status) {
      this.setStatusBit(status, true);
      const intr = this.inw(UHCI.USBINTR);
      if ((status & UHCI_STS.USBINT && intr & UHCI_INTR.IOC) || (status & UHCI_STS.ERROR && intr & UHCI_INTR.TIMEOUT)) this.kernel.raiseIrq(this.irq);
    }
  }

  /** One transaction of a TD. */
  private execute(td: DataView): 'nak' | 'retry' | { status: number; halt: boolean } {
    const ctrl = td.getUint32(4, true);
    if (!(ctrl & TD_CTRL.ACTIVE)) return { status: 0, halt: true };
    const token = td.getUint32(8, true);
    const pid = token & 0xff;
    const toggle = (token >>> 19) & 1;
    const maxLen = ((token >>> 21) + 1) & 0x7ff; // 0x7ff encodes zero
    const buf = td.getUint32(12, true);
    const dev = this.device;
    if (pid === USB_PID.IN && !dev.pending) return this.finish(td, ctrl | TD_CTRL.NAK, 'nak');
    if (this.damageLeft === 0) this.damageLeft = this.damage();
    if (this.damageLeft > 0) {
      // A damaged packet: no handshake. The error counter decides: retry, or retire the TD.
      this.damageLeft--;
      const cerr = (ctrl >>> TD_CTRL.C_ERR_SHIFT) & 3;
      if (cerr > 1 || cerr === 0) {
        this.retries++;
        td.setUint32(4, ((ctrl & ~(3 << TD_CTRL.C_ERR_SHIFT)) | ((cerr === 0 ? 0 : cerr - 1) << TD_CTRL.C_ERR_SHIFT)) >>> 0, true);
        return 'retry';
      }
      this.tdErrors++;
      td.setUint32(4, ((ctrl & ~TD_CTRL.ACTIVE & ~(3 << TD_CTRL.C_ERR_SHIFT)) | TD_CTRL.CRCTIMEO) >>> 0, true);
      return { status: UHCI_STS.ERROR | (ctrl & TD_CTRL.IOC ? UHCI_STS.USBINT : 0), halt: true };
    }
    let actual: number;
    if (pid === USB_PID.IN) {
      const data = dev.in(maxLen, toggle);
      if (data === 'toggle') return { status: 0, halt: true };
      if (data === null) return 'nak';
      this.kernel.dmaView(buf, data.length).set(data);
      dev.inAcked(maxLen);
      actual = data.length;
    } else if (pid === USB_PID.OUT) {
      const data = maxLen ? this.kernel.dmaView(buf, maxLen).slice() : new Uint8Array(0);
      dev.out(data, 64, toggle);
      actual = data.length;
    } else {
      td.setUint32(4, ((ctrl & ~TD_CTRL.ACTIVE) | TD_CTRL.STALLED) >>> 0, true);
      return { status: UHCI_STS.ERROR, halt: true };
    }
    const short = pid === USB_PID.IN && actual < maxLen;
    td.setUint32(4, ((ctrl & ~TD_CTRL.ACTIVE & ~TD_CTRL.NAK & ~TD_CTRL.ACTLEN_MASK) | ((actual - 1) & TD_CTRL.ACTLEN_MASK)) >>> 0, true);
    return { status: ctrl & TD_CTRL.IOC || (short && ctrl & TD_CTRL.SPD) ? UHCI_STS.USBINT : 0, halt: short && (ctrl & TD_CTRL.SPD) !== 0 };
  }

  private finish(td: DataView, ctrl: number, r: 'nak'): 'nak' {
    td.setUint32(4, ctrl >>> 0, true);
    return r;
  }
}
