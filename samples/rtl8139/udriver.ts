// The 8139's u-driver: probe, open, close, remove, the rx mode and features, ethtool and the
// statistics, moved out of the kernel. Written like C over the downcalls `k`: in the split driver
// they are the generated stubs (the worker blocks until the kernel answers), in the monolithic one
// the k-driver's functions themselves.
import type { Downcalls, UserImplementation } from './generated/ts/rtl8139too.stubs.js';
import type { net_device, rtl8139_private } from './generated/ts/rtl8139too.types.js';
import {
  EINVAL,
  EIO,
  ENODEV,
  IFF_UP,
  NETIF_F_HIGHDMA,
  NETIF_F_HW_CSUM,
  NETIF_F_RXALL,
  NETIF_F_RXFCS,
  NETIF_F_SG,
  NUM_TX_DESC,
  RTL,
  RTL_CMD,
  RTL_RXCFG,
  TX_BUF_SIZE,
  rtl8139_intr_mask,
  rtl8139_rx_config,
  rtl8139_tx_config,
} from './consts.js';

const DRV_NAME = '8139too';
const DRV_VERSION = '0.9.28';
const HW_REVID_MASK = 0x7cc00000;
const HasHltClk = 1;
const HasLWake = 2;
const HAS_MII_XCVR = 0x010000;
const HAS_CHIP_XCVR = 0x020000;
const HAS_LNK_CHNG = 0x040000;
const RTL8139_CAPS = HAS_CHIP_XCVR | HAS_LNK_CHNG;
const TX_FIFO_THRESH = 256;
const RTL_REGS_VER = 1;
const Cfg9346_Lock = 0x00;
const Cfg9346_Unlock = 0xc0;

const revid = (b30: number, b29: number, b28: number, b27: number, b26: number, b23: number, b22: number): number =>
  ((b30 << 30) | (b29 << 29) | (b28 << 28) | (b27 << 27) | (b26 << 26) | (b23 << 23) | (b22 << 22)) >>> 0;

/** rtl_chip_info, indexed by chip_t. */
const CHIPS = [
  { name: 'RTL-8139', version: revid(1, 0, 0, 0, 0, 0, 0), flags: HasHltClk },
  { name: 'RTL-8139 rev K', version: revid(1, 1, 0, 0, 0, 0, 0), flags: HasHltClk },
  { name: 'RTL-8139A', version: revid(1, 1, 1, 0, 0, 0, 0), flags: HasHltClk },
  { name: 'RTL-8139A rev G', version: revid(1, 1, 1, 0, 0, 1, 0), flags: HasHltClk },
  { name: 'RTL-8139B', version: revid(1, 1, 1, 1, 0, 0, 0), flags: HasLWake },
  { name: 'RTL-8130', version: revid(1, 1, 1, 1, 1, 0, 0), flags: HasLWake },
  { name: 'RTL-8139C', version: revid(1, 1, 1, 0, 1, 0, 0), flags: HasLWake },
  { name: 'RTL-8100', version: revid(1, 1, 1, 1, 0, 1, 0), flags: HasLWake },
  { name: 'RTL-8100B/8139D', version: revid(1, 1, 1, 0, 1, 0, 1), flags: HasHltClk | HasLWake },
  { name: 'RTL-8101', version: revid(1, 1, 1, 0, 1, 1, 1), flags: HasLWake },
] as const;
const CH_8139B = 4;

export function rtl8139UserDriver(k: Downcalls): UserImplementation {
  const K = (): Downcalls['kernel'] => k.kernel;

  function chipReset(tp: rtl8139_private): void {
    K().rtl_w8(tp, RTL.ChipCmd, RTL_CMD.Reset);
    for (let i = 1000; i > 0; i--) if ((K().rtl_r8(tp, RTL.ChipCmd) & RTL_CMD.Reset) === 0) break;
  }

  /** rtl_check_media: the link partner's abilities decide duplex; the carrier follows the link. */
  function checkMedia(dev: net_device, tp: rtl8139_private): void {
    const bmsr = K().rtl_r16(tp, RTL.BasicModeStatus);
    const lpar = K().rtl_r16(tp, RTL.NWayLPAR);
    tp.mii.full_duplex = (lpar & 0x0100) === 0x0100 || (lpar & 0x01c0) === 0x0040 ? 1 : 0;
    if (bmsr & 0x0004) K().netif_carrier_on(dev);
    else K().netif_carrier_off(dev);
  }

  /** __set_rx_mode: broadcast and our own address, every multicast, and errors with NETIF_F_RXALL. */
  function setRxMode(dev: net_device, tp: rtl8139_private): void {
    let rxMode = RTL_RXCFG.AcceptBroadcast | RTL_RXCFG.AcceptMulticast | RTL_RXCFG.AcceptMyPhys;
    if (dev.features & NETIF_F_RXALL) rxMode |= RTL_RXCFG.AcceptErr | RTL_RXCFG.AcceptRunt;
    const config = (rtl8139_rx_config | rxMode) >>> 0;
    if (tp.rx_config !== config) {
      tp.rx_config = config;
      K().rtl_w32(tp, RTL.RxConfig, config);
    }
    K().rtl_w32(tp, RTL.MAR0, 0xffffffff);
    K().rtl_w32(tp, RTL.MAR0 + 4, 0xffffffff);
  }

  /** rtl8139_hw_start: program the chip after a reset, then let it interrupt. */
  function hwStart(dev: net_device, tp: rtl8139_private): void {
    if (CHIPS[tp.chipset]!.flags & HasHltClk) K().rtl_w8(tp, RTL.HltClk, 'R'.charCodeAt(0));
    chipReset(tp);
    K().rtl_w8(tp, RTL.Cfg9346, Cfg9346_Unlock);
    const a = dev.dev_addr;
    K().rtl_w32(tp, RTL.MAC0, (a[0]! | (a[1]! << 8) | (a[2]! << 16) | (a[3]! << 24)) >>> 0);
    K().rtl_w32(tp, RTL.MAC0 + 4, a[4]! | (a[5]! << 8));
    tp.cur_rx = 0;
    K().rtl_w32(tp, RTL.RxBuf, Number(tp.rx_ring_dma));
    K().rtl_w8(tp, RTL.ChipCmd, RTL_CMD.RxEnb | RTL_CMD.TxEnb);
    tp.rx_config = (rtl8139_rx_config | RTL_RXCFG.AcceptBroadcast | RTL_RXCFG.AcceptMyPhys) >>> 0;
    K().rtl_w32(tp, RTL.RxConfig, tp.rx_config);
    K().rtl_w32(tp, RTL.TxConfig, rtl8139_tx_config);
    checkMedia(dev, tp);
    if (tp.chipset >= CH_8139B) K().rtl_w8(tp, RTL.Config3, K().rtl_r8(tp, RTL.Config3) & ~0x20);
    K().rtl_w8(tp, RTL.Cfg9346, Cfg9346_Lock);
    for (let i = 0; i < NUM_TX_DESC; i++) K().rtl_w32(tp, RTL.TxAddr0 + i * 4, Number(tp.tx_bufs_dma) + i * TX_BUF_SIZE);
    K().rtl_w32(tp, RTL.RxMissed, 0);
    setRxMode(dev, tp);
    K().rtl_w16(tp, RTL.MultiIntr, K().rtl_r16(tp, RTL.MultiIntr) & 0xf000);
    const cmd = K().rtl_r8(tp, RTL.ChipCmd);
    if (!(cmd & RTL_CMD.RxEnb) || !(cmd & RTL_CMD.TxEnb)) K().rtl_w8(tp, RTL.ChipCmd, RTL_CMD.RxEnb | RTL_CMD.TxEnb);
    K().rtl_w16(tp, RTL.IntrMask, rtl8139_intr_mask);
  }

  const privOf = (dev: net_device | null): rtl8139_private | null => dev?.priv ?? null;

  return {
    pci_driver: {
      /** rtl8139_init_one + rtl8139_init_board: identify the chip, read the address, register. */
      probe(pdev, ent) {
        const dev = pdev?.driver_data;
        const tp = privOf(dev ?? null);
        if (!pdev || !dev || !tp || !ent) return EINVAL;
        if (pdev.vendor !== 0x10ec || pdev.device !== ent.device) return ENODEV;
        let rc = K().pci_enable_device(pdev);
        if (rc) return rc;
        K().pci_set_master(pdev);
        rc = K().pci_iomap(pdev, tp);
        if (rc) return rc;
        if (K().rtl_r32(tp, RTL.TxConfig) === 0xffffffff) return EIO; // nothing answers on the bus
        // Bring old chips out of low-power mode, then identify the chip by its revision bits.
        K().rtl_w8(tp, RTL.HltClk, 'R'.charCodeAt(0));
        const version = K().rtl_r32(tp, RTL.TxConfig) & HW_REVID_MASK;
        const chip = CHIPS.findIndex((c) => c.version === version >>> 0);
        tp.chipset = chip >= 0 ? chip : 0;
        chipReset(tp);
        // The chip loaded its address from the EEPROM at reset.
        const mac = new Uint8Array(6);
        for (let i = 0; i < 6; i++) mac[i] = K().rtl_r8(tp, RTL.MAC0 + i);
        dev.dev_addr = mac;
        dev.irq = pdev.irq;
        dev.features = NETIF_F_SG | NETIF_F_HW_CSUM | NETIF_F_HIGHDMA;
        dev.hw_features = dev.features | NETIF_F_RXALL | NETIF_F_RXFCS;
        tp.drv_flags = RTL8139_CAPS;
        tp.regs_len = 0x100;
        tp.phys = Int8Array.from([32, 0, 0, 0]);
        tp.mii = { phy_id: 32, advertising: 0x01e1, phy_id_mask: 0x3f, reg_num_mask: 0x1f, full_duplex: 0, force_media: 0, supports_gmii: 0 };
        tp.tx_flag = (TX_FIFO_THRESH << 11) & 0x003f0000;
        return K().register_netdev(dev);
      },
      remove(pdev) {
        const dev = pdev?.driver_data;
        if (!pdev || !dev) return;
        K().unregister_netdev(dev);
        K().pci_disable_device(pdev);
      },
    },
    net_device_ops: {
      /** rtl8139_open */
      ndo_open(dev) {
        const tp = privOf(dev);
        if (!dev || !tp) return EINVAL;
        let rc = K().request_irq(dev.irq, dev.name, dev);
        if (rc) return rc;
        rc = K().rtl8139_alloc_rings(tp);
        if (rc) {
          K().free_irq(dev.irq, dev);
          return rc;
        }
        K().napi_enable(tp);
        tp.cur_rx = 0;
        tp.cur_tx = 0n;
        tp.dirty_tx = 0n;
        hwStart(dev, tp);
        K().netif_start_queue(dev);
        return 0;
      },
      /** rtl8139_close */
      ndo_stop(dev) {
        const tp = privOf(dev);
        if (!dev || !tp) return EINVAL;
        K().netif_stop_queue(dev);
        K().napi_disable(tp);
        K().rtl_w16(tp, RTL.IntrMask, 0);
        K().rtl_w8(tp, RTL.ChipCmd, 0);
        K().rtl8139_collect_missed(dev);
        K().free_irq(dev.irq, dev);
        K().rtl8139_free_rings(tp);
        // Green! Put the chip in low-power mode.
        K().rtl_w8(tp, RTL.Cfg9346, Cfg9346_Unlock);
        if (CHIPS[tp.chipset]!.flags & HasHltClk) K().rtl_w8(tp, RTL.HltClk, 'H'.charCodeAt(0));
        dev.flags &= ~IFF_UP;
        return 0;
      },
      /** rtl8139_get_stats64: the missed-frame counter is read (and cleared) in the kernel. */
      ndo_get_stats64(dev, stats) {
        const tp = privOf(dev);
        if (!dev || !tp) return;
        if (dev.flags & IFF_UP) K().rtl8139_collect_missed(dev);
        const s = dev.stats;
        stats.rx_errors = s.rx_errors;
        stats.tx_errors = s.tx_errors;
        stats.rx_dropped = s.rx_dropped;
        stats.tx_dropped = s.tx_dropped;
        stats.collisions = s.collisions;
        stats.rx_length_errors = s.rx_length_errors;
        stats.rx_crc_errors = s.rx_crc_errors;
        stats.rx_fifo_errors = s.rx_fifo_errors;
        stats.rx_missed_errors = s.rx_missed_errors;
        stats.rx_packets = tp.rx_stats.packets;
        stats.rx_bytes = tp.rx_stats.bytes;
        stats.tx_packets = tp.tx_stats.packets;
        stats.tx_bytes = tp.tx_stats.bytes;
      },
      /** rtl8139_set_features: only NETIF_F_RXALL changes the chip (it accepts bad frames). */
      ndo_set_features(dev, features) {
        const tp = privOf(dev);
        if (!dev || !tp) return EINVAL;
        const changed = features ^ dev.features;
        if (changed & NETIF_F_RXALL) {
          let rxMode = tp.rx_config;
          if (features & NETIF_F_RXALL) rxMode |= RTL_RXCFG.AcceptErr | RTL_RXCFG.AcceptRunt;
          else rxMode &= ~(RTL_RXCFG.AcceptErr | RTL_RXCFG.AcceptRunt);
          tp.rx_config = (rtl8139_rx_config | rxMode) >>> 0;
          K().rtl_w32(tp, RTL.RxConfig, tp.rx_config);
        }
        dev.features = features; // what netdev_update_features does once the driver agreed
        return 0;
      },
      ndo_set_mac_address(dev, addr) {
        const tp = privOf(dev);
        if (!dev || !tp || !addr || addr.length !== 6 || addr[0]! & 1) return -99; // -EADDRNOTAVAIL
        dev.dev_addr = Uint8Array.from(addr);
        K().rtl_w8(tp, RTL.Cfg9346, Cfg9346_Unlock);
        K().rtl_w32(tp, RTL.MAC0, (addr[0]! | (addr[1]! << 8) | (addr[2]! << 16) | (addr[3]! << 24)) >>> 0);
        K().rtl_w32(tp, RTL.MAC0 + 4, addr[4]! | (addr[5]! << 8));
        K().rtl_w8(tp, RTL.Cfg9346, Cfg9346_Lock);
        return 0;
      },
    },
    ethtool_ops: {
      get_drvinfo(dev, info) {
        info.driver = DRV_NAME;
        info.version = DRV_VERSION;
        info.bus_info = '0000:00:03.0';
        info.regdump_len = privOf(dev)?.regs_len ?? 0;
      },
      get_regs_len(dev) {
        return privOf(dev)?.regs_len ?? 0;
      },
      get_regs(dev, regs, p) {
        const tp = privOf(dev);
        if (!tp) return;
        regs.version = RTL_REGS_VER;
        regs.len = Math.min(regs.len, tp.regs_len, p.length);
        for (let i = 0; i < regs.len; i += 4) {
          const v = K().rtl_r32(tp, i);
          p[i] = v & 0xff;
          p[i + 1] = (v >>> 8) & 0xff;
          p[i + 2] = (v >>> 16) & 0xff;
          p[i + 3] = v >>> 24;
        }
      },
      /** rtl8139_nway_reset: restart autonegotiation through the BMCR. */
      nway_reset(dev) {
        const tp = privOf(dev);
        if (!tp) return EINVAL;
        K().rtl_w16(tp, RTL.BasicModeCtrl, K().rtl_r16(tp, RTL.BasicModeCtrl) | 0x1200);
        return 0;
      },
      get_link(dev) {
        const tp = privOf(dev);
        return tp && K().rtl_r16(tp, RTL.BasicModeStatus) & 0x0004 ? 1 : 0;
      },
      get_msglevel(dev) {
        return privOf(dev)?.msg_enable ?? 0;
      },
      set_msglevel(dev, datum) {
        const tp = privOf(dev);
        if (tp) tp.msg_enable = datum;
      },
      get_ethtool_stats(dev, data) {
        const x = privOf(dev)?.xstats;
        if (!x) return;
        data[0] = x.early_rx;
        data[1] = x.tx_buf_mapped;
        data[2] = x.tx_timeouts;
        data[3] = x.rx_lost_in_ring;
      },
    },
  };
}
