// What both halves of the 8139 driver know: register offsets and bits (the chip's, from the
// simulated device's definitions), and the driver's own constants, as 8139too.c defines them.
import { sim } from 'mdidl/runtime';

export const { RTL, RTL_CMD, RTL_INT, RTL_RX, RTL_TX, RTL_RXCFG } = sim;

export const NUM_TX_DESC = 4;
export const RX_BUF_LEN = 8192;
export const RX_BUF_PAD = 16;
export const RX_BUF_WRAP_PAD = 2048;
export const RX_BUF_TOT_LEN = RX_BUF_LEN + RX_BUF_PAD + RX_BUF_WRAP_PAD;
export const MAX_ETH_FRAME_SIZE = 1792;
export const TX_BUF_SIZE = MAX_ETH_FRAME_SIZE;
export const ETH_ZLEN = 60;
export const NAPI_WEIGHT = 64;

export const rtl8139_intr_mask =
  RTL_INT.PCIErr | RTL_INT.PCSTimeout | RTL_INT.RxUnderrun | RTL_INT.RxOverflow | RTL_INT.RxFIFOOver | RTL_INT.TxErr | RTL_INT.TxOK | RTL_INT.RxErr | RTL_INT.RxOK;
export const rtl8139_norx_intr_mask = RTL_INT.PCIErr | RTL_INT.PCSTimeout | RTL_INT.RxUnderrun | RTL_INT.TxErr | RTL_INT.TxOK | RTL_INT.RxErr;
export const RxAckBits = RTL_INT.RxFIFOOver | RTL_INT.RxOverflow | RTL_INT.RxOK;

// RxConfig: 8K ring, no wrap, FIFO threshold 7 (none), DMA burst 7 (unlimited).
export const rtl8139_rx_config = (0 << 11) | RTL_RXCFG.NoWrap | (7 << 13) | (7 << 8);
// TxConfig: standard interframe gap, DMA burst 6 (1024 bytes), 8 retries.
export const rtl8139_tx_config = (3 << 24) | (6 << 8) | (8 << 4);

export const IFF_UP = 0x1;
export const NETIF_F_SG = 1n << 0n;
export const NETIF_F_HW_CSUM = 1n << 3n;
export const NETIF_F_HIGHDMA = 1n << 5n;
export const NETIF_F_RXFCS = 1n << 38n;
export const NETIF_F_RXALL = 1n << 39n;

export const EINVAL = -22;
export const EIO = -5;
export const ENOMEM = -12;
export const ENODEV = -19;
