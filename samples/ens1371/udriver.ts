// The ES1371's u-driver: probe (chip revision, codec reset and identification, the sample rate
// converter, card names), remove, the PCM open/close/hw_params/hw_free/prepare callbacks and the
// AC'97 mixer. Written like C over the downcalls `k`: generated stubs in the split driver, the
// k-driver's functions in the monolithic one.
import type { Downcalls, UserImplementation } from './generated/ts/ens1371.stubs.js';
import type { ensoniq, snd_pcm_substream } from './generated/ts/ens1371.types.js';
import {
  AC97_MASTER,
  AC97_PCM,
  AC97_POWERDOWN,
  AC97_RESET,
  AC97_VENDOR_ID1,
  AC97_VENDOR_ID2,
  EBUSY,
  EINVAL,
  EIO,
  ENODEV,
  ES,
  ES_CODEC,
  ES_CTRL,
  ES_PAGE,
  ES_SCTRL,
  ES_SMPREG_ADC,
  ES_SMPREG_DAC2,
  ES_SMPREG_INT_REGS,
  ES_SMPREG_VFREQ_FRAC,
  ES_SRC,
  ES_MODE_CAPTURE,
  ES_MODE_PLAY2,
  SNDRV_PCM_FORMAT_S16_LE,
  SNDRV_PCM_STREAM_PLAYBACK,
} from './consts.js';

const POLL_COUNT = 0xa000;
/** snd_ensoniq_sample_shift: bytes per frame, as a shift, by mode (16-bit stereo = 2). */
const SAMPLE_SHIFT = [0, 1, 1, 2];
/** The mixer registers a control may name (snd_ac97's volume controls used here). */
const MIXER_REGS = new Set([AC97_MASTER, AC97_PCM, 0x04, 0x0e, 0x10, 0x1c]);

export function ens1371UserDriver(k: Downcalls): UserImplementation {
  const K = (): Downcalls['kernel'] => k.kernel;
  const inl = (e: ensoniq, reg: number): number => K().es_inl(e, reg) >>> 0;
  const outl = (e: ensoniq, reg: number, v: number): void => K().es_outl(e, reg, v >>> 0);

  /** snd_es1371_codec_read: wait until the codec is idle, ask, wait for the answer. */
  function codecRead(e: ensoniq, reg: number): number {
    for (let t = 0; t < POLL_COUNT; t++) if (!(inl(e, ES.CODEC) & ES_CODEC.WIP)) break;
    outl(e, ES.CODEC, ((reg & 0x7f) << 16) | ES_CODEC.PIRD);
    for (let t = 0; t < POLL_COUNT; t++) {
      const v = inl(e, ES.CODEC);
      if (v & ES_CODEC.RDY) return v & 0xffff;
    }
    return -1;
  }

  function codecWrite(e: ensoniq, reg: number, value: number): void {
    for (let t = 0; t < POLL_COUNT; t++) if (!(inl(e, ES.CODEC) & ES_CODEC.WIP)) break;
    outl(e, ES.CODEC, ((reg & 0x7f) << 16) | (value & 0xffff));
  }

  function srcWrite(e: ensoniq, reg: number, data: number): void {
    for (let t = 0; t < POLL_COUNT; t++) if (!(inl(e, ES.SMPRATE) & ES_SRC.BUSY)) break;
    outl(e, ES.SMPRATE, ((reg & 0x7f) << 25) | ES_SRC.WE | (data & 0xffff));
  }

  /** snd_es1371_dac2_rate / adc_rate: the converter's increment for the rate. */
  function setRate(e: ensoniq, base: number, rate: number): void {
    const freq = Math.round((rate * 32768) / 3000);
    srcWrite(e, base + ES_SMPREG_INT_REGS, (freq >> 5) & 0xfc00);
    srcWrite(e, base + ES_SMPREG_VFREQ_FRAC, freq & 0x7fff);
  }

  const chipOf = (s: snd_pcm_substream | null): ensoniq | null => s?.private_data ?? null;

  return {
    pci_driver: {
      /** snd_audiopci_probe + snd_ensoniq_create + snd_ensoniq_1371_mixer. */
      probe(pdev, ent) {
        const card = pdev?.driver_data;
        const e = card?.private_data;
        if (!pdev || !card || !e || !ent) return EINVAL;
        if (pdev.vendor !== 0x1274 || pdev.device !== ent.device) return ENODEV;
        const rc = K().pci_enable_device(pdev);
        if (rc) return rc;
        K().pci_set_master(pdev);
        e.port = pdev.port;
        e.irq = pdev.irq;
        e.rev = pdev.revision;
        e.ctrl = 0;
        e.sctrl = 0;
        e.cssr = 0;
        // snd_ensoniq_chip_init: codec reset (warm), sample rate converter cleared.
        outl(e, ES.CONTROL, e.ctrl);
        outl(e, ES.SERIAL, e.sctrl);
        outl(e, ES.SMPRATE, ES_SRC.DISABLE);
        for (let i = 0; i < 0x80; i++) srcWrite(e, i, 0);
        setRate(e, ES_SMPREG_DAC2, 48000);
        setRate(e, ES_SMPREG_ADC, 48000);
        outl(e, ES.SMPRATE, 0);
        codecWrite(e, AC97_RESET, 0);
        if ((codecRead(e, AC97_POWERDOWN) & 0x0f) !== 0x0f) return EIO; // the codec never came up
        const ac97 = e.u?.ac97;
        if (!ac97) return EINVAL;
        ac97.id = ((codecRead(e, AC97_VENDOR_ID1) << 16) | codecRead(e, AC97_VENDOR_ID2)) >>> 0;
        ac97.caps = codecRead(e, AC97_RESET);
        ac97.ext_id = 0;
        ac97.regs = new Uint16Array(64);
        for (const r of MIXER_REGS) ac97.regs[r >> 1] = codecRead(e, r);
        ac97.private_data = e;
        const mixer = K().snd_ac97_mixer(ac97);
        if (mixer) return mixer;
        const irq = K().request_irq(pdev.irq, 'ENS1371', e);
        if (irq) return irq;
        card.id = 'AudioPCI';
        card.driver = 'ENS1371';
        card.shortname = 'Ensoniq AudioPCI';
        card.longname = `Ensoniq AudioPCI ENS1371 at 0x${pdev.port.toString(16)}, irq ${pdev.irq}`;
        return K().snd_card_register(card);
      },
      remove(pdev) {
        const card = pdev?.driver_data;
        if (!pdev || !card) return;
        K().snd_card_disconnect(card);
        if (card.private_data) K().free_irq(pdev.irq, card.private_data);
        K().pci_disable_device(pdev);
      },
    },
    snd_pcm_ops: {
      /** snd_ensoniq_playback2_open / capture_open: one stream of each at a time. */
      open(sub) {
        const e = chipOf(sub);
        if (!sub || !e) return EINVAL;
        const mode = sub.stream === SNDRV_PCM_STREAM_PLAYBACK ? ES_MODE_PLAY2 : ES_MODE_CAPTURE;
        if (e.mode & mode) return EBUSY;
        e.mode |= mode;
        if (sub.stream === SNDRV_PCM_STREAM_PLAYBACK) e.playback2_substream = sub;
        else e.capture_substream = sub;
        // The runtime is the ALSA core's (kernel memory): fill in the hardware's constraints.
        if (!sub.runtime) return EINVAL;
        Object.assign(sub.runtime, { rate: 48000, channels: 2, format: SNDRV_PCM_FORMAT_S16_LE, period_size: 0n, buffer_size: 0n, periods: 0, dma_area: null, dma_addr: 0n, dma_bytes: 0n });
        return 0;
      },
      close(sub) {
        const e = chipOf(sub);
        if (!sub || !e) return EINVAL;
        if (sub.stream === SNDRV_PCM_STREAM_PLAYBACK) {
          e.mode &= ~ES_MODE_PLAY2;
          e.playback2_substream = null;
        } else {
          e.mode &= ~ES_MODE_CAPTURE;
          e.capture_substream = null;
        }
        return 0;
      },
      hw_params(sub, rate, channels, periodSize, periods) {
        const rt = sub?.runtime;
        if (!sub || !rt) return EINVAL;
        if (channels !== 2 || rate < 4000 || rate > 48000 || periods < 2 || periods > 64 || periodSize < 16n || periodSize > 4096n) return EINVAL;
        rt.rate = rate;
        rt.channels = channels;
        rt.format = SNDRV_PCM_FORMAT_S16_LE;
        rt.period_size = periodSize;
        rt.periods = periods;
        rt.buffer_size = periodSize * BigInt(periods);
        return K().snd_pcm_lib_malloc_pages(sub, rt.buffer_size * 4n);
      },
      hw_free(sub) {
        return sub ? K().snd_pcm_lib_free_pages(sub) : EINVAL;
      },
      /** snd_ensoniq_playback2_prepare / capture_prepare: the channel's frame, size, mode and count. */
      prepare(sub) {
        const e = chipOf(sub);
        const rt = sub?.runtime;
        if (!sub || !e || !rt) return EINVAL;
        const mode = 0x03; // 16-bit stereo
        const dmaSize = Number(rt.buffer_size) * 4;
        const periodBytes = Number(rt.period_size) * 4;
        if (sub.stream === SNDRV_PCM_STREAM_PLAYBACK) {
          e.p2_dma_size = dmaSize;
          e.p2_period_size = periodBytes;
          e.ctrl &= ~ES_CTRL.DAC2_EN;
          outl(e, ES.CONTROL, e.ctrl);
          outl(e, ES.MEM_PAGE, ES_PAGE.DAC);
          outl(e, ES.PAGED_38, Number(rt.dma_addr));
          outl(e, ES.PAGED_3C, (dmaSize >> 2) - 1);
          e.sctrl &= ~(ES_SCTRL.P2_PAUSE | (1 << 14) | (1 << 6) | (7 << 19) | (7 << 16) | (3 << 2));
          e.sctrl |= ES_SCTRL.P2_INT_EN | (mode << 2) | (2 << 19);
          outl(e, ES.SERIAL, e.sctrl);
          outl(e, ES.DAC2_COUNT, (periodBytes >> SAMPLE_SHIFT[mode]!) - 1);
          outl(e, ES.CONTROL, e.ctrl);
          setRate(e, ES_SMPREG_DAC2, rt.rate);
        } else {
          e.c_dma_size = dmaSize;
          e.c_period_size = periodBytes;
          e.ctrl &= ~ES_CTRL.ADC_EN;
          outl(e, ES.CONTROL, e.ctrl);
          outl(e, ES.MEM_PAGE, ES_PAGE.ADC);
          outl(e, ES.PAGED_30, Number(rt.dma_addr));
          outl(e, ES.PAGED_34, (dmaSize >> 2) - 1);
          e.sctrl &= ~((1 << 15) | (3 << 4));
          e.sctrl |= ES_SCTRL.R1_INT_EN | (mode << 4);
          outl(e, ES.SERIAL, e.sctrl);
          outl(e, ES.ADC_COUNT, (periodBytes >> SAMPLE_SHIFT[mode]!) - 1);
          outl(e, ES.CONTROL, e.ctrl);
          setRate(e, ES_SMPREG_ADC, rt.rate);
        }
        return 0;
      },
    },
    snd_ac97_mixer_ops: {
      get(ac97, reg, value) {
        const e = ac97?.private_data;
        if (!e || !MIXER_REGS.has(reg)) return EINVAL;
        const v = codecRead(e, reg);
        if (v < 0) return EIO;
        value.value = v;
        return 0;
      },
      /** snd_ac97_update: write the codec, keep the register cache. */
      put(ac97, reg, value) {
        const e = ac97?.private_data;
        if (!ac97 || !e || !MIXER_REGS.has(reg)) return EINVAL;
        codecWrite(e, reg, value);
        ac97.regs[reg >> 1] = value;
        return 0;
      },
    },
  };
}
