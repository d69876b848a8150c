// A simulated Ensoniq ES1371 (AudioPCI 97) as its driver sees it (register offsets and bits from
// ens1370.c). Two of its DMA channels are modeled: DAC2 (playback) and ADC (capture). Each loops
// over a buffer in DMA memory (frame address, size in dwords minus one, and the current dword in
// the size register's top half: the pointer the driver reads) and counts down a period of
// samples, raising its interrupt (STATUS bit, if enabled in SERIAL) each time it reaches zero.
// The sample clock is driven from outside: `advance(frames)` plays and records that many
// frames. The AC'97 codec sits behind the CODEC register, the sample rate converter's RAM behind
// SMPRATE. 16-bit stereo only: one frame is one dword.
import type { SimKernel } from './kernel.js';

export const ES = {
  CONTROL: 0x00,
  STATUS: 0x04,
  UART_DATA: 0x08,
  MEM_PAGE: 0x0c,
  SMPRATE: 0x10,
  CODEC: 0x14,
  LEGACY: 0x18,
  SERIAL: 0x20,
  DAC1_COUNT: 0x24,
  DAC2_COUNT: 0x28,
  ADC_COUNT: 0x2c,
  /** Paged: DAC2 frame in page 0x0c, ADC frame in page 0x0d. */
  PAGED_30: 0x30,
  PAGED_34: 0x34,
  PAGED_38: 0x38,
  PAGED_3C: 0x3c,
} as const;

export const ES_CTRL = { DAC1_EN: 1 << 6, DAC2_EN: 1 << 5, ADC_EN: 1 << 4 } as const;
export const ES_STAT = { INTR: 1 << 31, DAC1: 1 << 2, DAC2: 1 << 1, ADC: 1 << 0 } as const;
export const ES_SCTRL = { R1_INT_EN: 1 << 10, P2_INT_EN: 1 << 9, P1_INT_EN: 1 << 8, P2_PAUSE: 1 << 12 } as const;
export const ES_PAGE = { DAC: 0x0c, ADC: 0x0d } as const;
export const ES_CODEC = { RDY: 1 << 31, WIP: 1 << 30, PIRD: 1 << 23 } as const;
export const ES_SRC = { WE: 1 << 24, BUSY: 1 << 23, DISABLE: 1 << 22 } as const;

interface Channel {
  enable: number;
  intEnable: number;
  status: number;
  count: number;
  page: number;
  frame: number;
  size: number;
  /** Dwords played or recorded in this buffer pass. */
  pos: number;
  /** Samples left in the current period. */
  left: number;
}

export class SimEs1371 {
  /** The I/O port window (64 bytes), paged registers kept per page. */
  private readonly ports = new DataView(new SharedArrayBuffer(64));
  private readonly pages = new Map<number, DataView>();
  readonly codecRegs = new Uint16Array(0x40);
  readonly srcRam = new Uint16Array(0x80);
  private readonly dac2: Channel = { enable: ES_CTRL.DAC2_EN, intEnable: ES_SCTRL.P2_INT_EN, status: ES_STAT.DAC2, count: ES.DAC2_COUNT, page: ES_PAGE.DAC, frame: ES.PAGED_38, size: ES.PAGED_3C, pos: 0, left: 0 };
  private readonly adc: Channel = { enable: ES_CTRL.ADC_EN, intEnable: ES_SCTRL.R1_INT_EN, status: ES_STAT.ADC, count: ES.ADC_COUNT, page: ES_PAGE.ADC, frame: ES.PAGED_30, size: ES.PAGED_34, pos: 0, left: 0 };
  /** What DAC2 played, as bytes, in order (the caller drains it). */
  readonly played: Uint8Array[] = [];
  /** Where ADC samples come from: `record(n)` returns the next n frames' bytes. */
  source: (bytes: number) => Uint8Array = (n) => new Uint8Array(n);
  /** Frames of sample clock since power-on: the time base the kernel would read as jiffies. */
  clock = 0;
  /** Times each channel went round its buffer. */
  dacWraps = 0;
  adcWraps = 0;

  constructor(
    private readonly kernel: SimKernel,
    readonly irq: number,
    readonly revision = 0x08,
  ) {
    for (const p of [ES_PAGE.DAC, ES_PAGE.ADC, 0x0e, 0x0f]) this.pages.set(p, new DataView(new ArrayBuffer(16)));
    // An AC'97 codec: reset values of the mixer, and its vendor ID (Sigmatel STAC9721).
    this.codecRegs[0x02 >> 1] = 0x8000; // master volume: muted
    this.codecRegs[0x18 >> 1] = 0x8808; // PCM out volume
    this.codecRegs[0x26 >> 1] = 0x000f; // powerdown status: all sections ready
    this.codecRegs[0x7c >> 1] = 0x8384;
    this.codecRegs[0x7e >> 1] = 0x7609;
  }

  private page(): DataView {
    return this.pages.get(this.ports.getUint32(ES.MEM_PAGE, true) & 0x0f) ?? this.pages.get(0x0f)!;
  }

  // ---- the bus (inl/outl) --------------------------------------------------------------------

  inl(port: number): number {
    if (port < 0 || port > 0x3c || port % 4) throw new RangeError(`es1371: no register at 0x${port.toString(16)}`);
    if (port >= 0x30) {
      const ch = [this.dac2, this.adc].find((c) => c.page === (this.ports.getUint32(ES.MEM_PAGE, true) & 0x0f) && c.size === port);
      const v = this.page().getUint32(port - 0x30, true);
      return ch ? ((v & 0xffff) | (ch.pos << 16)) >>> 0 : v;
    }
    if (port === ES.DAC2_COUNT || port === ES.ADC_COUNT) {
      const ch = port === ES.DAC2_COUNT ? this.dac2 : this.adc;
      return ((this.ports.getUint32(port, true) & 0xffff) | (ch.left << 16)) >>> 0;
    }
    return this.ports.getUint32(port, true);
  }

  outl(port: number, v: number): void {
    if (port < 0 || port > 0x3c || port % 4) throw new RangeError(`es1371: no register at 0x${port.toString(16)}`);
    v >>>= 0;
    if (port >= 0x30) {
      this.page().setUint32(port - 0x30, v & 0xffff, true);
      return;
    }
    switch (port) {
      case ES.STATUS:
        return; // read-only
      case ES.CONTROL: {
        const was = this.ports.getUint32(port, true);
        this.ports.setUint32(port, v, true);
        for (const ch of [this.dac2, this.adc]) if (v & ch.enable && !(was & ch.enable)) this.start(ch);
        return;
      }
      case ES.SERIAL: {
        // Clearing a channel's interrupt enable acknowledges its interrupt.
        this.ports.setUint32(port, v, true);
        let st = this.ports.getUint32(ES.STATUS, true);
        for (const ch of [this.dac2, this.adc]) if (!(v & ch.intEnable)) st &= ~ch.status;
        this.setStatus(st);
        return;
      }
      case ES.CODEC: {
        const reg = (v >>> 16) & 0x7f;
        if (v & ES_CODEC.PIRD) this.ports.setUint32(port, (ES_CODEC.RDY | (reg << 16) | (this.codecRegs[reg >> 1] ?? 0)) >>> 0, true);
        else {
          if (reg < 0x7c) this.codecRegs[reg >> 1] = v & 0xffff; // the vendor ID is read-only
          this.ports.setUint32(port, (ES_CODEC.RDY | (v & 0x7fffff)) >>> 0, true);
        }
        return;
      }
      case ES.SMPRATE: {
        const addr = (v >>> 25) & 0x7f;
        if (v & ES_SRC.WE) this.srcRam[addr] = v & 0xffff;
        this.ports.setUint32(port, ((v & ~(ES_SRC.WE | 0xffff)) | this.srcRam[addr]!) >>> 0, true);
        return;
      }
      default:
        this.ports.setUint32(port, v, true);
    }
  }

  private start(ch: Channel): void {
    ch.pos = 0;
    ch.left = (this.ports.getUint32(ch.count, true) & 0xffff) + 1;
  }

  private setStatus(st: number): void {
    st &= ~ES_STAT.INTR;
    if (st & (ES_STAT.DAC1 | ES_STAT.DAC2 | ES_STAT.ADC)) st |= ES_STAT.INTR;
    this.ports.setUint32(ES.STATUS, st >>> 0, true);
    if (st & ES_STAT.INTR) this.kernel.raiseIrq(this.irq);
  }

  // ---- the sample clock ------------------------------------------------------------------------

  /** `frames` sample periods pass: DAC2 plays, ADC records, each counts down its period. */
  advance(frames: number): void {
    const ctrl = this.ports.getUint32(ES.CONTROL, true);
    const sctrl = this.ports.getUint32(ES.SERIAL, true);
    for (let i = 0; i < frames; ) {
      // Run up to the next period boundary of either channel, as one copy.
      const running = [this.dac2, this.adc].filter((c) => ctrl & c.enable && !(c === this.dac2 && sctrl & ES_SCTRL.P2_PAUSE));
      if (!running.length) {
        this.clock += frames - i;
        break;
      }
      const step = Math.min(frames - i, ...running.map((c) => Math.min(c.left, this.dwords(c) - c.pos)));
      for (const ch of running) this.move(ch, step);
      this.clock += step;
      i += step;
    }
  }

  private dwords(ch: Channel): number {
    return (this.pages.get(ch.page)!.getUint32(ch.size - 0x30, true) & 0xffff) + 1;
  }

  private move(ch: Channel, n: number): void {
    const base = this.pages.get(ch.page)!.getUint32(ch.frame - 0x30, true);
    const at = this.kernel.dmaView(base + ch.pos * 4, n * 4);
    if (ch === this.dac2) this.played.push(at.slice());
    else at.set(this.source(n * 4));
    ch.pos += n;
    if (ch.pos >= this.dwords(ch)) {
      ch.pos = 0;
      if (ch === this.dac2) this.dacWraps++;
      else this.adcWraps++;
    }
    ch.left -= n;
    if (ch.left === 0) {
      ch.left = (this.ports.getUint32(ch.count, true) & 0xffff) + 1;
      if (this.ports.getUint32(ES.SERIAL, true) & ch.intEnable) this.setStatus(this.ports.getUint32(ES.STATUS, true) | ch.status);
    }
  }
}
