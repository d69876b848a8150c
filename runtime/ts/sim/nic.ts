// A simulated NIC with descriptor rings in DMA memory, like an 8139C+/e1000: the driver fills
// descriptors and rings a doorbell, the device moves packets and raises interrupts. Registers are
// a small MMIO block; descriptors are 16 bytes: u64 buffer bus address, u16 length, u16 status,
// u32 reserved. Status bit 0 OWN (the device owns it), bit 1 EOP, bit 15 error.
import type { SimKernel } from './kernel.js';

export const REG = {
  CTRL: 0, // bit 0 rx enable, bit 1 tx enable, bit 31 reset
  STATUS: 1, // bit 0 link up
  IMR: 2, // interrupt mask: bit 0 rx, bit 1 tx, bit 2 link
  ISR: 3, // interrupt status, write 1 to clear
  RX_RING: 4, // bus address of the rx ring
  RX_COUNT: 5,
  RX_TAIL: 6, // doorbell: descriptors before this index are the device's
  TX_RING: 7,
  TX_COUNT: 8,
  TX_TAIL: 9, // doorbell
  MAC_LO: 10,
  MAC_HI: 11,
} as const;

export const DESC_SIZE = 16;
export const DESC_OWN = 1;
export const DESC_EOP = 2;
export const DESC_ERR = 0x8000;
export const INT_RX = 1;
export const INT_TX = 2;
export const INT_LINK = 4;

export class SimNic {
  /** The register block the driver maps (ioremap). Shared memory, like MMIO. */
  readonly mmio = new Int32Array(new SharedArrayBuffer(64 * 4));
  private rxHead = 0;
  private txHead = 0;
  /** Frames the device put on the wire, in order. */
  readonly sent: Uint8Array[] = [];
  /** Frames dropped because the driver gave no receive descriptor. */
  rxMissed = 0;

  constructor(
    private readonly kernel: SimKernel,
    readonly irq: number,
  ) {}

  private reg(r: number): number {
    return Atomics.load(this.mmio, r);
  }

  private interrupt(bits: number): void {
    Atomics.or(this.mmio, REG.ISR, bits);
    if (this.reg(REG.IMR) & bits) this.kernel.raiseIrq(this.irq);
  }

  /** The driver wrote a doorbell or control register; the device reacts (called by the register write helper). */
  kick(): void {
    if (this.reg(REG.CTRL) & 0x80000000) {
      this.rxHead = 0;
      this.txHead = 0;
      Atomics.store(this.mmio, REG.CTRL, 0);
      return;
    }
    if (this.reg(REG.CTRL) & 2) this.transmit();
  }

  /** A frame arrives from the wire. */
  receive(frame: Uint8Array): boolean {
    if (!(this.reg(REG.CTRL) & 1)) {
      this.rxMissed++;
      return false;
    }
    const count = this.reg(REG.RX_COUNT);
    if (count <= 0 || this.rxHead === this.reg(REG.RX_TAIL) % count) {
      this.rxMissed++;
      return false;
    }
    const desc = this.kernel.dmaView(this.reg(REG.RX_RING) + this.rxHead * DESC_SIZE, DESC_SIZE);
    const d = new DataView(desc.buffer, desc.byteOffset, DESC_SIZE);
    const status = d.getUint16(10, true);
    if (!(status & DESC_OWN)) {
      this.rxMissed++;
      return false;
    }
    const capacity = d.getUint16(8, true);
    const buf = this.kernel.dmaView(Number(d.getBigUint64(0, true)), capacity);
    const n = Math.min(capacity, frame.length);
    buf.set(frame.subarray(0, n));
    d.setUint16(8, n, true);
    d.setUint16(10, DESC_EOP | (n < frame.length ? DESC_ERR : 0), true); // OWN cleared: the driver's now
    this.rxHead = (this.rxHead + 1) % count;
    this.interrupt(INT_RX);
    return true;
  }

  private transmit(): void {
    const count = this.reg(REG.TX_COUNT);
    let sent = 0;
    while (count > 0 && this.txHead !== this.reg(REG.TX_TAIL) % count) {
      const desc = this.kernel.dmaView(this.reg(REG.TX_RING) + this.txHead * DESC_SIZE, DESC_SIZE);
      const d = new DataView(desc.buffer, desc.byteOffset, DESC_SIZE);
      const status = d.getUint16(10, true);
      if (!(status & DESC_OWN)) break;
      const len = d.getUint16(8, true);
      this.sent.push(this.kernel.dmaView(Number(d.getBigUint64(0, true)), len).slice());
      d.setUint16(10, DESC_EOP, true);
      this.txHead = (this.txHead + 1) % count;
      sent++;
    }
    if (sent) this.interrupt(INT_TX);
  }

  setLink(up: boolean): void {
    if (up) Atomics.or(this.mmio, REG.STATUS, 1);
    else Atomics.and(this.mmio, REG.STATUS, ~1);
    this.interrupt(INT_LINK);
  }
}

/** What the driver uses to write a register: the store, then the device reacts (posted write). */
export function writeReg(nic: SimNic, reg: number, value: number): void {
  Atomics.store(nic.mmio, reg, value);
  if (reg === REG.CTRL || reg === REG.TX_TAIL || reg === REG.RX_TAIL) nic.kick();
}

export function readReg(nic: SimNic, reg: number): number {
  return Atomics.load(nic.mmio, reg);
}
