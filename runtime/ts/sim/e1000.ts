// A simulated Intel 82540EM (e1000) as its driver sees it (register offsets and bits from the
// 8254x manual, named as e1000_hw.h names them). Receive and transmit use rings of 16-byte legacy
// descriptors in DMA memory. The chip owns the receive descriptors from RDH up to (not including)
// RDT: it writes a frame into the buffer of descriptor RDH, sets DD and EOP, advances RDH and
// raises RXT0; with RDH == RDT it has nowhere to put a frame and misses it (MPC, RNBC, RXO). A
// frame with a bad CRC is dropped and counted in CRCERRS unless RCTL.SBP stores bad packets.
// Transmit: the driver fills descriptors and moves TDT; the chip sends from TDH to TDT, sets DD
// on descriptors with RS, and raises TXDW. ICR is read-to-clear, the statistics registers too.
import type { SimKernel } from './kernel.js';

export const E1000 = {
  CTRL: 0x0000,
  STATUS: 0x0008,
  EECD: 0x0010,
  EERD: 0x0014,
  ICR: 0x00c0,
  ITR: 0x00c4,
  ICS: 0x00c8,
  IMS: 0x00d0,
  IMC: 0x00d8,
  RCTL: 0x0100,
  TCTL: 0x0400,
  TIPG: 0x0410,
  RDBAL: 0x2800,
  RDBAH: 0x2804,
  RDLEN: 0x2808,
  RDH: 0x2810,
  RDT: 0x2818,
  RDTR: 0x2820,
  TDBAL: 0x3800,
  TDBAH: 0x3804,
  TDLEN: 0x3808,
  TDH: 0x3810,
  TDT: 0x3818,
  CRCERRS: 0x4000,
  ALGNERRC: 0x4004,
  SYMERRS: 0x4008,
  RXERRC: 0x400c,
  MPC: 0x4010,
  GPRC: 0x4074,
  GPTC: 0x4080,
  GORCL: 0x4088,
  GORCH: 0x408c,
  GOTCL: 0x4090,
  GOTCH: 0x4094,
  RNBC: 0x40a0,
  TPR: 0x40d0,
  TPT: 0x40d4,
  RAL0: 0x5400,
  RAH0: 0x5404,
} as const;

export const E1000_ICR = { TXDW: 0x01, TXQE: 0x02, LSC: 0x04, RXSEQ: 0x08, RXDMT0: 0x10, RXO: 0x40, RXT0: 0x80 } as const;
export const E1000_RCTL = { EN: 0x02, SBP: 0x04, UPE: 0x08, MPE: 0x10, BAM: 0x8000, SECRC: 0x04000000 } as const;
export const E1000_TCTL = { EN: 0x02, PSP: 0x08 } as const;
export const E1000_CTRL = { FD: 0x01, SLU: 0x40, RST: 0x04000000 } as const;
export const E1000_STATUS = { FD: 0x01, LU: 0x02, SPEED_1000: 0x80 } as const;
export const E1000_RXD = { STAT_DD: 0x01, STAT_EOP: 0x02, ERR_CE: 0x01 } as const;
export const E1000_TXD = { CMD_EOP: 0x01000000, CMD_IFCS: 0x02000000, CMD_RS: 0x08000000, STAT_DD: 0x01 } as const;
export const E1000_EERD = { START: 0x01, DONE: 0x10, ADDR_SHIFT: 8, DATA_SHIFT: 16 } as const;
export const E1000_DESC_SIZE = 16;
/** The receive buffer size RCTL's BSIZE field selects by default (2048). */
export const E1000_RXBUFFER_2048 = 2048;

/** Statistics registers that clear when read. */
const CLEAR_ON_READ = new Set<number>([E1000.CRCERRS, E1000.ALGNERRC, E1000.SYMERRS, E1000.RXERRC, E1000.MPC, E1000.GPRC, E1000.GPTC, E1000.GORCL, E1000.GORCH, E1000.GOTCL, E1000.GOTCH, E1000.RNBC, E1000.TPR, E1000.TPT]);

export class SimE1000 {
  readonly regs = new DataView(new SharedArrayBuffer(0x6000));
  /** Frames put on the wire, in order. */
  readonly wire: Uint8Array[] = [];
  /** The 64-word EEPROM: the address in words 0-2, a checksum in word 0x3f. */
  readonly eeprom = new Uint16Array(64);
  /** Frames missed for want of a descriptor, and frames dropped for a bad CRC. */
  missed = 0;
  crcDropped = 0;
  /** Times RDH went round the receive ring. */
  wraps = 0;

  constructor(
    private readonly kernel: SimKernel,
    readonly irq: number,
    mac: Uint8Array,
  ) {
    for (let i = 0; i < 3; i++) this.eeprom[i] = mac[2 * i]! | (mac[2 * i + 1]! << 8);
    this.eeprom[0x0a] = 0x4008; // init control 1
    this.eeprom[0x0d] = 0x100e; // device id 82540EM
    let sum = 0;
    for (let i = 0; i < 0x3f; i++) sum = (sum + this.eeprom[i]!) & 0xffff;
    this.eeprom[0x3f] = (0xbaba - sum) & 0xffff;
    this.reset();
  }

  private reset(): void {
    new Uint8Array(this.regs.buffer).fill(0);
    this.set(E1000.STATUS, E1000_STATUS.FD | E1000_STATUS.LU | E1000_STATUS.SPEED_1000);
    this.set(E1000.CTRL, E1000_CTRL.FD);
  }

  private get(r: number): number {
    return this.regs.getUint32(r, true);
  }
  private set(r: number, v: number): void {
    this.regs.setUint32(r, v >>> 0, true);
  }
  private add(r: number, n: number): void {
    this.set(r, this.get(r) + n);
  }

  // ---- the bus -----------------------------------------------------------------------------

  read32(r: number): number {
    if (r < 0 || r + 4 > this.regs.byteLength || r % 4) throw new RangeError(`e1000: no register at 0x${r.toString(16)}`);
    const v = this.get(r);
    if (r === E1000.ICR) {
      this.set(E1000.ICR, 0);
    } else if (CLEAR_ON_READ.has(r)) {
      this.set(r, 0);
    }
    return v;
  }

  write32(r: number, v: number): void {
    if (r < 0 || r + 4 > this.regs.byteLength || r % 4) throw new RangeError(`e1000: no register at 0x${r.toString(16)}`);
    switch (r) {
      case E1000.CTRL:
        if (v & E1000_CTRL.RST) return this.reset();
        return this.set(r, v);
      case E1000.EERD: {
        if (!(v & E1000_EERD.START)) return this.set(r, v);
        const addr = (v >>> E1000_EERD.ADDR_SHIFT) & 0xff;
        return this.set(r, ((this.eeprom[addr] ?? 0xffff) << E1000_EERD.DATA_SHIFT) | (addr << E1000_EERD.ADDR_SHIFT) | E1000_EERD.DONE);
      }
      case E1000.ICR: // write 1 to clear
        this.set(r, this.get(r) & ~v);
        return this.update();
      case E1000.ICS:
        return this.raise(v);
      case E1000.IMS:
        this.set(E1000.IMS, this.get(E1000.IMS) | v);
        return this.update();
      case E1000.IMC:
        this.set(E1000.IMS, this.get(E1000.IMS) & ~v);
        return;
      case E1000.TDT:
        this.set(r, v);
        return this.transmit();
      default:
        if (CLEAR_ON_READ.has(r) || r === E1000.STATUS) return; // read-only
        return this.set(r, v);
    }
  }

  // ---- receive -----------------------------------------------------------------------------

  /** A frame arrives from the wire. Returns whether the chip stored it in the ring. */
  receive(frame: Uint8Array, crcError = false): boolean {
    const rctl = this.get(E1000.RCTL);
    if (!(rctl & E1000_RCTL.EN)) return false;
    this.add(E1000.TPR, 1);
    if (crcError && !(rctl & E1000_RCTL.SBP)) {
      this.crcDropped++;
      this.add(E1000.CRCERRS, 1);
      return false;
    }
    const count = this.get(E1000.RDLEN) / E1000_DESC_SIZE;
    const head = this.get(E1000.RDH);
    if (count === 0 || head === this.get(E1000.RDT)) {
      this.missed++;
      this.add(E1000.MPC, 1);
      this.add(E1000.RNBC, 1);
      this.raise(E1000_ICR.RXO);
      return false;
    }
    const d = this.desc(E1000.RDBAL, head);
    const length = frame.length + (rctl & E1000_RCTL.SECRC ? 0 : 4); // the CRC stays unless stripped
    if (length > E1000_RXBUFFER_2048) throw new Error(`e1000: a ${length}-byte frame does not fit a 2048-byte buffer`);
    const buf = this.kernel.dmaView(Number(d.getBigUint64(0, true)), length);
    buf.set(frame);
    if (length > frame.length) buf.fill(0xfc, frame.length); // the FCS bytes (their value is not checked)
    d.setUint16(8, length, true);
    d.setUint8(12, E1000_RXD.STAT_DD | E1000_RXD.STAT_EOP);
    d.setUint8(13, crcError ? E1000_RXD.ERR_CE : 0);
    const next = (head + 1) % count;
    if (next === 0) this.wraps++;
    this.set(E1000.RDH, next);
    this.add(E1000.GPRC, crcError ? 0 : 1);
    this.add(E1000.GORCL, crcError ? 0 : length);
    this.raise(E1000_ICR.RXT0);
    return true;
  }

  // ---- transmit ----------------------------------------------------------------------------

  private transmit(): void {
    if (!(this.get(E1000.TCTL) & E1000_TCTL.EN)) return;
    const count = this.get(E1000.TDLEN) / E1000_DESC_SIZE;
    let sent = 0;
    while (count > 0 && this.get(E1000.TDH) !== this.get(E1000.TDT) % count) {
      const head = this.get(E1000.TDH);
      const d = this.desc(E1000.TDBAL, head);
      const lower = d.getUint32(8, true);
      const len = lower & 0xffff;
      this.wire.push(this.kernel.dmaView(Number(d.getBigUint64(0, true)), len).slice());
      if (lower & E1000_TXD.CMD_RS) d.setUint8(12, d.getUint8(12) | E1000_TXD.STAT_DD);
      this.set(E1000.TDH, (head + 1) % count);
      this.add(E1000.GPTC, 1);
      this.add(E1000.TPT, 1);
      this.add(E1000.GOTCL, len + 4);
      sent++;
    }
    if (sent) this.raise(E1000_ICR.TXDW | E1000_ICR.TXQE);
  }

  private desc(base: number, i: number): DataView {
    const bus = this.get(base) + i * E1000_DESC_SIZE;
    const b = this.kernel.dmaView(bus, E1000_DESC_SIZE);
    return new DataView(b.buffer, b.byteOffset, E1000_DESC_SIZE);
  }

  // ---- interrupts --------------------------------------------------------------------------

  private raise(bits: number): void {
    this.set(E1000.ICR, this.get(E1000.ICR) | bits);
    this.update();
  }

  private update(): void {
    if (this.get(E1000.ICR) & this.get(E1000.IMS)) this.kernel.raiseIrq(this.irq);
  }

  /** The link goes down or comes back: STATUS.LU and a link-status-change interrupt. */
  setLink(up: boolean): void {
    const s = this.get(E1000.STATUS);
    this.set(E1000.STATUS, up ? s | E1000_STATUS.LU : s & ~E1000_STATUS.LU);
    this.raise(E1000_ICR.LSC);
  }
}
