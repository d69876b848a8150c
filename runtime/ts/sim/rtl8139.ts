// A simulated RealTek RTL8139C as its driver sees it (register offsets and bits from the RTL8139
// datasheet, as 8139too.c names them). Receive: one ring buffer in DMA memory that the chip fills
// with [u16 status][u16 length incl. CRC][frame][CRC], each record 4-byte aligned; the chip's
// write pointer (RxBufAddr) chases the driver's read pointer (RxBufPtr + 16), and with RxNoWrap a
// record that crosses the end is written on past it (the driver's buffer has room), the pointer
// then wrapping modulo the ring length. A frame that does not fit is missed: RxMissed counts it and
// RxOverflow is raised. Frames with a bad CRC are dropped unless RxConfig accepts errors.
// Transmit: four slots, each a buffer address (TxAddrN) and a status register (TxStatusN) whose
// write starts the transfer; the chip sets TxHostOwns and TxStatOK when done and raises TxOK.
import type { SimKernel } from './kernel.js';

export const RTL = {
  MAC0: 0x00,
  MAR0: 0x08,
  TxStatus0: 0x10,
  TxAddr0: 0x20,
  RxBuf: 0x30,
  ChipCmd: 0x37,
  RxBufPtr: 0x38,
  RxBufAddr: 0x3a,
  IntrMask: 0x3c,
  IntrStatus: 0x3e,
  TxConfig: 0x40,
  RxConfig: 0x44,
  RxMissed: 0x4c,
  Cfg9346: 0x50,
  Config1: 0x52,
  MediaStatus: 0x58,
  Config3: 0x59,
  HltClk: 0x5b,
  MultiIntr: 0x5c,
  BasicModeCtrl: 0x62,
  BasicModeStatus: 0x64,
  NWayAdvert: 0x66,
  NWayLPAR: 0x68,
} as const;

export const RTL_CMD = { Reset: 0x10, RxEnb: 0x08, TxEnb: 0x04, RxBufEmpty: 0x01 } as const;
export const RTL_INT = { PCIErr: 0x8000, PCSTimeout: 0x4000, RxFIFOOver: 0x40, RxUnderrun: 0x20, RxOverflow: 0x10, TxErr: 0x08, TxOK: 0x04, RxErr: 0x02, RxOK: 0x01 } as const;
export const RTL_RX = { BadSymbol: 0x20, Runt: 0x10, TooLong: 0x08, CRCErr: 0x04, BadAlign: 0x02, StatusOK: 0x01 } as const;
export const RTL_TX = { HostOwns: 0x2000, Underrun: 0x4000, StatOK: 0x8000, Aborted: 0x40000000 } as const;
export const RTL_RXCFG = { AcceptErr: 0x20, AcceptRunt: 0x10, AcceptBroadcast: 0x08, AcceptMulticast: 0x04, AcceptMyPhys: 0x02, AcceptAllPhys: 0x01, NoWrap: 0x80 } as const;
/** TxConfig's hardware revision bits of an RTL-8139C. */
export const RTL8139C_REVID = 0x74000000;
const HW_REVID_MASK = 0x7cc00000;

export class SimRtl8139 {
  /** The register window the driver maps (256 bytes of I/O space). */
  readonly regs = new DataView(new SharedArrayBuffer(256));
  /** Frames put on the wire, in order. */
  readonly wire: Uint8Array[] = [];
  /** Frames dropped for want of room in the ring (what RxMissed counted), and bad frames the chip refused. */
  missed = 0;
  refused = 0;
  /** Times the chip's write pointer wrapped to the start of the ring. */
  wraps = 0;
  private rxWrite = 0;

  constructor(
    private readonly kernel: SimKernel,
    readonly irq: number,
    mac: Uint8Array,
  ) {
    for (let i = 0; i < 6; i++) this.regs.setUint8(RTL.MAC0 + i, mac[i]!);
    this.reset();
  }

  private reset(): void {
    this.regs.setUint16(RTL.IntrMask, 0, true);
    this.regs.setUint16(RTL.IntrStatus, 0, true);
    this.regs.setUint8(RTL.ChipCmd, 0);
    this.regs.setUint16(RTL.RxBufPtr, 0xfff0, true);
    this.rxWrite = 0;
    this.regs.setUint16(RTL.RxBufAddr, 0, true);
    this.regs.setUint32(RTL.TxConfig, RTL8139C_REVID, true);
    for (let i = 0; i < 4; i++) this.regs.setUint32(RTL.TxStatus0 + 4 * i, RTL_TX.HostOwns, true);
    this.regs.setUint16(RTL.BasicModeStatus, 0x782d, true); // 10/100 capable, autoneg done, link up
    this.regs.setUint16(RTL.NWayLPAR, 0x45e1, true); // link partner: 100baseTx-FD
    this.regs.setUint8(RTL.MediaStatus, 0x00); // link ok, 100 Mb/s
  }

  // ---- the bus: what ioread/iowrite reach --------------------------------------------------

  read8(off: number): number {
    if (off === RTL.ChipCmd) {
      const v = this.regs.getUint8(off) & ~RTL_CMD.RxBufEmpty;
      return this.rxPending() ? v : v | RTL_CMD.RxBufEmpty;
    }
    return this.regs.getUint8(off);
  }
  read16(off: number): number {
    return this.regs.getUint16(off, true);
  }
  read32(off: number): number {
    return this.regs.getUint32(off, true);
  }

  write8(off: number, v: number): void {
    if (off === RTL.ChipCmd) {
      if (v & RTL_CMD.Reset) return this.reset(); // the reset bit clears itself when done
      if (!(v & RTL_CMD.RxEnb)) {
        // A stopped receiver starts again at the top of the ring.
        this.rxWrite = 0;
        this.regs.setUint16(RTL.RxBufAddr, 0, true);
        this.regs.setUint16(RTL.RxBufPtr, 0xfff0, true);
      }
      this.regs.setUint8(off, v & (RTL_CMD.RxEnb | RTL_CMD.TxEnb));
      return;
    }
    this.regs.setUint8(off, v);
  }
  write16(off: number, v: number): void {
    if (off === RTL.IntrStatus) {
      // Write 1 to clear; RxOK stays set while records remain in the ring.
      let cleared = this.read16(off) & ~v;
      if (this.rxPending()) cleared |= RTL_INT.RxOK;
      this.regs.setUint16(off, cleared, true);
      return this.update();
    }
    this.regs.setUint16(off, v, true);
    if (off === RTL.IntrMask) this.update();
  }
  write32(off: number, v: number): void {
    if (off === RTL.RxMissed) {
      this.regs.setUint32(off, 0, true);
      return;
    }
    if (off >= RTL.TxStatus0 && off < RTL.TxStatus0 + 16 && off % 4 === 0) return this.transmit((off - RTL.TxStatus0) / 4, v);
    if (off === RTL.TxConfig) v = (v & ~HW_REVID_MASK) | RTL8139C_REVID; // the revision bits are read-only
    this.regs.setUint32(off, v >>> 0, true);
  }

  // ---- receive -----------------------------------------------------------------------------

  private get ringLength(): number {
    return 8192 << ((this.read32(RTL.RxConfig) >>> 11) & 3);
  }
  private get rxRead(): number {
    return (this.read16(RTL.RxBufPtr) + 16) % this.ringLength;
  }
  private rxPending(): boolean {
    return this.rxWrite !== this.rxRead;
  }

  /** A frame arrives from the wire (`crcError`: it was damaged on the way). Returns whether the chip stored it. */
  receive(frame: Uint8Array, crcError = false): boolean {
    if (!(this.regs.getUint8(RTL.ChipCmd) & RTL_CMD.RxEnb)) return false;
    const cfg = this.read32(RTL.RxConfig);
    if (crcError && !(cfg & RTL_RXCFG.AcceptErr)) {
      this.refused++;
      return false;
    }
    const len = this.ringLength;
    const size = frame.length + 4; // the CRC is stored too
    const record = (size + 4 + 3) & ~3;
    const free = (this.rxRead - this.rxWrite - 1 + len) % len;
    if (record > free) {
      this.missed++;
      this.regs.setUint32(RTL.RxMissed, (this.read32(RTL.RxMissed) + 1) & 0xffffff, true);
      return this.raise(RTL_INT.RxOverflow), false;
    }
    const at = this.read32(RTL.RxBuf) + this.rxWrite;
    const noWrap = (cfg & RTL_RXCFG.NoWrap) !== 0;
    const put = (offset: number, bytes: Uint8Array): void => {
      const start = this.rxWrite + offset;
      if (noWrap || start + bytes.length <= len) return this.kernel.dmaView(at + offset, bytes.length).set(bytes);
      // Wrap mode: the part past the end goes to the start of the ring.
      const first = Math.max(0, len - start);
      if (first) this.kernel.dmaView(at + offset, first).set(bytes.subarray(0, first));
      this.kernel.dmaView(this.read32(RTL.RxBuf) + ((start + first) % len), bytes.length - first).set(bytes.subarray(first));
    };
    const header = new Uint8Array(4);
    const status = crcError ? RTL_RX.CRCErr : RTL_RX.StatusOK;
    new DataView(header.buffer).setUint32(0, (status | (size << 16)) >>> 0, true);
    put(0, header);
    put(4, frame);
    put(4 + frame.length, crc32(frame, crcError));
    const next = this.rxWrite + record;
    if (next >= len) this.wraps++;
    this.rxWrite = next % len;
    this.regs.setUint16(RTL.RxBufAddr, this.rxWrite, true);
    this.raise(crcError ? RTL_INT.RxErr : RTL_INT.RxOK);
    return true;
  }

  // ---- transmit ----------------------------------------------------------------------------

  private transmit(slot: number, v: number): void {
    const status = RTL.TxStatus0 + 4 * slot;
    const size = v & 0x1fff;
    if (!(this.regs.getUint8(RTL.ChipCmd) & RTL_CMD.TxEnb) || size === 0) {
      this.regs.setUint32(status, (v & ~RTL_TX.HostOwns) >>> 0, true);
      return;
    }
    this.wire.push(this.kernel.dmaView(this.read32(RTL.TxAddr0 + 4 * slot), size).slice());
    this.regs.setUint32(status, (size | RTL_TX.HostOwns | RTL_TX.StatOK) >>> 0, true);
    this.raise(RTL_INT.TxOK);
  }

  // ---- interrupts --------------------------------------------------------------------------

  private raise(bits: number): void {
    this.regs.setUint16(RTL.IntrStatus, this.read16(RTL.IntrStatus) | bits, true);
    this.update();
  }

  private update(): void {
    if (this.read16(RTL.IntrStatus) & this.read16(RTL.IntrMask)) this.kernel.raiseIrq(this.irq);
  }

  /** The link partner goes away or comes back: BMSR's link bit, MediaStatus, RxUnderrun (link change). */
  setLink(up: boolean): void {
    const bmsr = this.read16(RTL.BasicModeStatus);
    this.regs.setUint16(RTL.BasicModeStatus, up ? bmsr | 0x0004 : bmsr & ~0x0004, true);
    this.regs.setUint8(RTL.MediaStatus, up ? 0x00 : 0x04);
    this.raise(RTL_INT.RxUnderrun);
  }
}

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/** The Ethernet FCS of `frame` (inverted when the frame was damaged). */
function crc32(frame: Uint8Array, damaged: boolean): Uint8Array {
  let c = 0xffffffff;
  for (let i = 0; i < frame.length; i++) c = CRC_TABLE[(c ^ frame[i]!) & 0xff]! ^ (c >>> 8);
  c = (c ^ 0xffffffff) >>> 0;
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, damaged ? ~c >>> 0 : c, true);
  return out;
}
