// What both halves of the ES1371 driver know: the chip's ports and bits (from the simulated
// device's definitions) and the driver's own constants, as ens1370.c defines them.
import { sim } from 'mdidl/runtime';

export const { ES, ES_CTRL, ES_STAT, ES_SCTRL, ES_PAGE, ES_CODEC, ES_SRC } = sim;

export const SNDRV_PCM_STREAM_PLAYBACK = 0;
export const SNDRV_PCM_STREAM_CAPTURE = 1;
export const SNDRV_PCM_TRIGGER_STOP = 0;
export const SNDRV_PCM_TRIGGER_START = 1;
export const SNDRV_PCM_FORMAT_S16_LE = 2;
export const ES_MODE_PLAY2 = 0x0002;
export const ES_MODE_CAPTURE = 0x0004;
export const ES_SMPREG_DAC2 = 0x74;
export const ES_SMPREG_ADC = 0x78;
export const ES_SMPREG_INT_REGS = 0x01;
export const ES_SMPREG_VFREQ_FRAC = 0x03;
/** AC'97 registers. */
export const AC97_RESET = 0x00;
export const AC97_MASTER = 0x02;
export const AC97_PCM = 0x18;
export const AC97_POWERDOWN = 0x26;
export const AC97_VENDOR_ID1 = 0x7c;
export const AC97_VENDOR_ID2 = 0x7e;

export const EINVAL = -22;
export const EBUSY = -16;
export const EIO = -5;
export const ENODEV = -19;
export const ENOMEM = -12;
