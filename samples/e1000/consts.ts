// What both halves of the e1000 driver know: the chip's registers and bits (from the simulated
// device's definitions) and the driver's own constants, as e1000.h and e1000_main.c define them.
import { sim } from 'mdidl/runtime';

export const { E1000, E1000_ICR, E1000_RCTL, E1000_TCTL, E1000_CTRL, E1000_STATUS, E1000_RXD, E1000_TXD, E1000_EERD, E1000_DESC_SIZE } = sim;

export const E1000_DEFAULT_TXD = 256;
export const E1000_DEFAULT_RXD = 256;
export const E1000_RXBUFFER_2048 = 2048;
export const TX_WAKE_THRESHOLD = 32;
export const NAPI_WEIGHT = 64;
export const IMS_ENABLE_MASK = E1000_ICR.RXT0 | E1000_ICR.TXDW | E1000_ICR.RXDMT0 | E1000_ICR.RXSEQ | E1000_ICR.LSC;
export const E1000_RXD_ERR_FRAME_ERR_MASK = 0x01 | 0x02 | 0x04 | 0x08 | 0x80; // CE, SE, SEQ, CXE, RXE
export const EEPROM_CHECKSUM_REG = 0x3f;
export const EEPROM_SUM = 0xbaba;
export const ETH_FCS_LEN = 4;
export const IFF_UP = 0x1;
export const __E1000_DOWN = 1n << 3n;

export const EINVAL = -22;
export const EIO = -5;
export const ENOMEM = -12;
export const ENODEV = -19;
