// The ES1371's k-driver: what stays in the kernel. The interrupt handler and the PCM trigger and
// pointer callbacks run on the kernel thread against the simulated chip and never cross; so does
// the part of the ALSA core they serve (snd_pcm_period_elapsed: the hardware pointer, xrun
// detection, and the copy between the application and the DMA buffer). The kernel services and
// port access the u-driver calls (downcalls) are implemented here too.
import { sim } from 'mdidl/runtime';
import { onCriticalPath } from '../common/critical.js';
import type { KernelImplementation } from './generated/ts/ens1371.stubs.js';
import type { ensoniq, pci_dev, pci_device_id, snd_ac97, snd_card, snd_pcm_substream } from './generated/ts/ens1371.types.js';
import { ES, ES_CTRL, ES_PAGE, ES_SCTRL, ES_STAT, ENOMEM, SNDRV_PCM_STREAM_PLAYBACK, SNDRV_PCM_TRIGGER_START, SNDRV_PCM_TRIGGER_STOP } from './consts.js';

/** The application side of one stream: what snd_pcm_lib_write/read would move. */
export interface PcmApp {
  /** Playback: the next period's bytes to write. */
  produce?: () => Uint8Array;
  /** Capture: one period's bytes, read. */
  consume?: (bytes: Uint8Array) => void;
}

/** The ALSA core's state of a stream (struct snd_pcm_runtime's status and control). */
export class PcmStream {
  state: 'open' | 'setup' | 'prepared' | 'running' | 'xrun' = 'open';
  hwPtr = 0;
  applPtr = 0;
  lastPos = 0;
  lastClock = 0;
  xruns = 0;
  periodsElapsed = 0;
  dma: sim.DmaRegion | null = null;
  constructor(
    readonly sub: snd_pcm_substream,
    readonly app: PcmApp,
  ) {}
  get bufferFrames(): number {
    return Number(this.sub.runtime!.buffer_size);
  }
  get periodFrames(): number {
    return Number(this.sub.runtime!.period_size);
  }
}

export class Ens1371KDriver {
  readonly ac97: snd_ac97 = { id: 0, caps: 0, ext_id: 0, regs: new Uint16Array(64), private_data: null };
  mixerRegistered = false;
  readonly chip_: ensoniq;
  readonly card: snd_card;
  readonly pdev: pci_dev;
  readonly ent: pci_device_id = { vendor: 0x1274, device: 0x1371, driver_data: 0n };
  readonly playback: PcmStream;
  readonly capture: PcmStream;
  readonly lock = new sim.SpinLock('ensoniq.reg_lock');
  registered = false;
  private enabled = false;

  constructor(
    readonly kernel: sim.SimKernel,
    readonly chip: sim.SimEs1371,
    apps: { playback: PcmApp; capture: PcmApp },
  ) {
    this.chip_ = {
      reg_lock: { raw_lock: 0 }, src_mutex: null, irq: -1, playback1size: 0n, playback2size: 0n, capture3size: 0n,
      port: 0n, mode: 0, uartm: 0, ctrl: 0, sctrl: 0, cssr: 0, uartc: 0, rev: 0, u: { ac97: this.ac97 },
      pci: null, card: null, pcm1: null, pcm2: null, playback1_substream: null, playback2_substream: null, capture_substream: null,
      p1_dma_size: 0, p2_dma_size: 0, c_dma_size: 0, p1_period_size: 0, p2_period_size: 0, c_period_size: 0,
      rmidi: null, midi_input: null, midi_output: null, spdif: 0, spdif_default: 0, spdif_stream: 0,
    };
    this.ac97.private_data = this.chip_;
    this.card = { number: 0, id: '', driver: '', shortname: '', longname: '', private_data: this.chip_ };
    this.pdev = { vendor: 0x1274, device: 0x1371, revision: chip.revision, irq: chip.irq, port: 0xe000n, driver_data: this.card };
    const substream = (stream: number): snd_pcm_substream => ({
      stream, number: 0, private_data: this.chip_,
      runtime: { rate: 0, channels: 0, format: 0, period_size: 0n, buffer_size: 0n, periods: 0, dma_area: null, dma_addr: 0n, dma_bytes: 0n },
    });
    this.playback = new PcmStream(substream(0), apps.playback);
    this.capture = new PcmStream(substream(1), apps.capture);
  }

  get ensoniq(): ensoniq {
    return this.chip_;
  }

  private streamOf(sub: snd_pcm_substream | null): PcmStream {
    return sub?.stream === SNDRV_PCM_STREAM_PLAYBACK ? this.playback : this.capture;
  }

  // ---- the critical path ------------------------------------------------------------------

  /** snd_audiopci_interrupt: acknowledge by toggling the interrupt enables, then the periods. */
  private interrupt(): 'handled' | 'none' {
    return onCriticalPath(() => {
      const e = this.chip_;
      const status = this.chip.inl(ES.STATUS);
      if (!(status & ES_STAT.INTR)) return 'none';
      this.lock.with(() => {
        let sctrl = e.sctrl;
        if (status & ES_STAT.DAC2) sctrl &= ~ES_SCTRL.P2_INT_EN;
        if (status & ES_STAT.ADC) sctrl &= ~ES_SCTRL.R1_INT_EN;
        this.chip.outl(ES.SERIAL, sctrl);
        this.chip.outl(ES.SERIAL, e.sctrl);
      });
      if (status & ES_STAT.DAC2 && e.playback2_substream) this.periodElapsed(this.playback);
      if (status & ES_STAT.ADC && e.capture_substream) this.periodElapsed(this.capture);
      return 'handled';
    });
  }

  /** snd_ensoniq_trigger, START and STOP: one enable bit per channel, under reg_lock. */
  trigger(sub: snd_pcm_substream, cmd: number): number {
    return onCriticalPath(() => {
      const what = sub.stream === SNDRV_PCM_STREAM_PLAYBACK ? ES_CTRL.DAC2_EN : ES_CTRL.ADC_EN;
      const s = this.streamOf(sub);
      return this.lock.with(() => {
        if (cmd === SNDRV_PCM_TRIGGER_START) {
          this.chip_.ctrl |= what;
          s.state = 'running';
          s.lastClock = this.chip.clock;
        } else if (cmd === SNDRV_PCM_TRIGGER_STOP) {
          this.chip_.ctrl &= ~what;
        } else {
          return -22;
        }
        this.chip.outl(ES.CONTROL, this.chip_.ctrl);
        return 0;
      });
    });
  }

  /** snd_ensoniq_playback2_pointer / capture_pointer: the frame the channel is at. */
  pointer(sub: snd_pcm_substream): number {
    return onCriticalPath(() =>
      this.lock.with(() => {
        const playback = sub.stream === SNDRV_PCM_STREAM_PLAYBACK;
        if (!(this.chip.inl(ES.CONTROL) & (playback ? ES_CTRL.DAC2_EN : ES_CTRL.ADC_EN))) return 0;
        this.chip.outl(ES.MEM_PAGE, playback ? ES_PAGE.DAC : ES_PAGE.ADC);
        const dwords = this.chip.inl(playback ? ES.PAGED_3C : ES.PAGED_34) >>> 16;
        return dwords; // 16-bit stereo: one frame per dword
      }),
    );
  }

  /**
   * snd_pcm_period_elapsed: move the hardware pointer (by the clock when the interrupt came so
   * late the position wrapped, as ALSA does with jiffies), stop the stream on an xrun, otherwise
   * let the application move its data.
   */
  private periodElapsed(s: PcmStream): void {
    if (s.state !== 'running') return;
    const buffer = s.bufferFrames;
    const period = s.periodFrames;
    const pos = this.pointer(s.sub);
    let delta = (pos - s.lastPos + buffer) % buffer;
    const elapsed = this.chip.clock - s.lastClock;
    if (elapsed >= buffer) delta += Math.floor((elapsed - delta + period / 2) / buffer) * buffer;
    s.lastPos = pos;
    s.lastClock = this.chip.clock;
    s.hwPtr += delta;
    s.periodsElapsed += Math.round(delta / period);
    const playback = s.sub.stream === SNDRV_PCM_STREAM_PLAYBACK;
    if (playback ? s.hwPtr > s.applPtr : s.hwPtr - s.applPtr > buffer) {
      s.xruns++;
      this.trigger(s.sub, SNDRV_PCM_TRIGGER_STOP);
      s.state = 'xrun';
      return;
    }
    this.moveData(s);
  }

  /** The application's side: playback fills free periods, capture takes full ones. */
  private moveData(s: PcmStream): void {
    const buffer = s.bufferFrames;
    const period = s.periodFrames;
    const area = s.dma!.bytes;
    if (s.sub.stream === SNDRV_PCM_STREAM_PLAYBACK) {
      while (s.applPtr - s.hwPtr + period <= buffer && s.app.produce) {
        area.set(s.app.produce(), (s.applPtr % buffer) * 4);
        s.applPtr += period;
      }
    } else {
      while (s.hwPtr - s.applPtr >= period && s.app.consume) {
        const at = (s.applPtr % buffer) * 4;
        s.app.consume(area.slice(at, at + period * 4));
        s.applPtr += period;
      }
    }
  }

  // ---- the kernel glue: when ALSA calls the driver ---------------------------------------------

  /** snd_pcm_prepare's core part, after the driver's prepare callback: pointers to zero. */
  afterPrepare(s: PcmStream): void {
    s.hwPtr = 0;
    s.applPtr = 0;
    s.lastPos = 0;
    s.state = 'prepared';
  }

  /** snd_pcm_start: playback starts with a full buffer, as start_threshold = buffer_size would. */
  start(s: PcmStream): number {
    if (s.state !== 'prepared') return -77; // -EBADFD
    if (s.sub.stream === SNDRV_PCM_STREAM_PLAYBACK) this.moveData(s);
    return this.trigger(s.sub, SNDRV_PCM_TRIGGER_START);
  }

  stop(s: PcmStream): number {
    const rc = this.trigger(s.sub, SNDRV_PCM_TRIGGER_STOP);
    s.state = 'setup';
    return rc;
  }

  // ---- kernel services the u-driver calls -------------------------------------------------

  readonly downcalls: KernelImplementation = {
    kernel: {
      es_inl: (_e, reg) => (this.enabled ? this.chip.inl(reg) : 0xffffffff),
      es_outl: (_e, reg, v) => {
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
      request_irq: (irq) => this.kernel.requestIrq(irq, () => this.interrupt(), 'ens1371', this.chip_),
      free_irq: (irq) => this.kernel.freeIrq(irq, this.chip_),
      snd_card_register: () => {
        if (this.registered) return -16;
        this.registered = true;
        return 0;
      },
      snd_card_disconnect: () => {
        this.registered = false;
        this.mixerRegistered = false;
      },
      snd_ac97_mixer: (ac97) => {
        if (ac97 !== this.ac97) return -22; // the codec object the card was created with
        this.mixerRegistered = true;
        return 0;
      },
      snd_pcm_lib_malloc_pages: (sub, size) => {
        const s = this.streamOf(sub);
        const bytes = Number(size);
        if (bytes <= 0 || bytes > 0x40000) return -22;
        try {
          if (!s.dma || s.dma.bytes.length < bytes) s.dma = this.kernel.dmaAlloc(bytes);
        } catch {
          return ENOMEM;
        }
        const rt = s.sub.runtime!;
        rt.dma_addr = BigInt(s.dma.bus);
        rt.dma_bytes = BigInt(bytes);
        if (sub?.runtime && sub.runtime !== rt) {
          sub.runtime.dma_addr = rt.dma_addr;
          sub.runtime.dma_bytes = rt.dma_bytes;
        }
        s.state = 'setup';
        return 0;
      },
      snd_pcm_lib_free_pages: (sub) => {
        const s = this.streamOf(sub);
        s.sub.runtime!.dma_addr = 0n;
        s.sub.runtime!.dma_bytes = 0n;
        s.state = 'open';
        return 0;
      },
    },
  };
}
