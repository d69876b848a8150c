// The e1000's u-driver: probe (EEPROM, MAC type, adapter defaults), open and close (ring set-up
// through downcalls, the chip's transmit and receive units), remove, ethtool, and the watchdog that
// reads the link and the statistics registers. Written like C over the downcalls `k`: generated
// stubs in the split driver, the k-driver's functions in the monolithic one.
import type { Downcalls, UserImplementation } from './generated/ts/e1000.stubs.js';
import type { e1000_adapter, e1000_hw, net_device } from './generated/ts/e1000.types.js';
import {
  E1000,
  E1000_CTRL,
  E1000_DEFAULT_RXD,
  E1000_DEFAULT_TXD,
  E1000_EERD,
  E1000_RCTL,
  E1000_RXBUFFER_2048,
  E1000_STATUS,
  E1000_TCTL,
  E1000_TXD,
  EEPROM_CHECKSUM_REG,
  EEPROM_SUM,
  EINVAL,
  EIO,
  ENODEV,
  IMS_ENABLE_MASK,
} from './consts.js';

const DRV_NAME = 'e1000';
const DRV_VERSION = '7.3.21-k8-NAPI';
const E1000_EEPROM_WORDS = 64;
const E1000_MAC_82540 = 5;
const SPEED_1000 = 1000;
const FULL_DUPLEX = 2;

export function e1000UserDriver(k: Downcalls): UserImplementation {
  const K = (): Downcalls['kernel'] => k.kernel;
  const er32 = (hw: e1000_hw, reg: number): number => K().e1000_read_reg(hw, reg);
  const ew32 = (hw: e1000_hw, reg: number, v: number): void => K().e1000_write_reg(hw, reg, v >>> 0);

  /** e1000_read_eeprom through EERD: start a read of word `addr`, poll DONE, take the data. */
  function readEeprom(hw: e1000_hw, addr: number): number {
    ew32(hw, E1000.EERD, (addr << E1000_EERD.ADDR_SHIFT) | E1000_EERD.START);
    for (let i = 0; i < 100; i++) {
      const v = er32(hw, E1000.EERD);
      if (v & E1000_EERD.DONE) return v >>> E1000_EERD.DATA_SHIFT;
    }
    return -1;
  }

  /** e1000_check_for_link + the watchdog's link report. */
  function checkLink(dev: net_device, adapter: e1000_adapter): void {
    const status = er32(adapter.hw, E1000.STATUS);
    if (status & E1000_STATUS.LU) {
      adapter.link_speed = status & E1000_STATUS.SPEED_1000 ? SPEED_1000 : 100;
      adapter.link_duplex = status & E1000_STATUS.FD ? FULL_DUPLEX : 1;
      K().netif_carrier_on(dev);
    } else {
      adapter.link_speed = 0;
      adapter.link_duplex = 0;
      K().netif_carrier_off(dev);
    }
    adapter.hw.get_link_status = false;
  }

  const adapterOf = (dev: net_device | null): e1000_adapter | null => dev?.priv ?? null;

  return {
    pci_driver: {
      /** e1000_probe: map the BAR, reset the MAC, validate the EEPROM, read the address, register. */
      probe(pdev, ent) {
        const dev = pdev?.driver_data;
        const adapter = adapterOf(dev ?? null);
        if (!pdev || !dev || !adapter || !ent) return EINVAL;
        if (pdev.vendor !== 0x8086 || pdev.device !== ent.device) return ENODEV;
        let rc = K().pci_enable_device(pdev);
        if (rc) return rc;
        K().pci_set_master(pdev);
        const hw: e1000_hw = {
          hw_addr: null, mac_type: E1000_MAC_82540, media_type: 0, back: null, fc: 3,
          eeprom: { type: 2, word_size: E1000_EEPROM_WORDS, opcode_bits: 0, address_bits: 6, delay_usec: 50, page_size: 0 },
          phy_id: 0x02a80380, max_frame_size: 1500 + 14 + 4, min_frame_size: 64, device_id: pdev.device, vendor_id: pdev.vendor,
          subsystem_id: pdev.subsystem_device, subsystem_vendor_id: pdev.subsystem_vendor, revision_id: pdev.revision, autoneg: 1,
          mac_addr: new Uint8Array(6), perm_mac_addr: new Uint8Array(6), get_link_status: true,
        };
        adapter.hw = hw;
        rc = K().pci_ioremap_bar(pdev, hw);
        if (rc) return rc;
        if (er32(hw, E1000.STATUS) === 0xffffffff) return EIO;
        ew32(hw, E1000.CTRL, E1000_CTRL.RST); // e1000_reset_hw
        let sum = 0;
        for (let i = 0; i <= EEPROM_CHECKSUM_REG; i++) {
          const w = readEeprom(hw, i);
          if (w < 0) return EIO;
          sum = (sum + w) & 0xffff;
        }
        if (sum !== EEPROM_SUM) return EIO; // "The EEPROM Checksum Is Not Valid"
        const mac = new Uint8Array(6);
        for (let i = 0; i < 3; i++) {
          const w = readEeprom(hw, i);
          mac[2 * i] = w & 0xff;
          mac[2 * i + 1] = w >>> 8;
        }
        hw.perm_mac_addr = mac.slice();
        hw.mac_addr = mac.slice();
        dev.dev_addr = mac;
        dev.irq = pdev.irq;
        dev.mtu = 1500;
        adapter.rx_buffer_len = E1000_RXBUFFER_2048;
        adapter.itr_setting = 3; // dynamic conservative
        adapter.num_tx_queues = 1;
        adapter.num_rx_queues = 1;
        adapter.rx_csum = true;
        adapter.msg_enable = 0x7;
        adapter.tx_ring ??= {} as NonNullable<e1000_adapter['tx_ring']>;
        adapter.rx_ring ??= {} as NonNullable<e1000_adapter['rx_ring']>;
        adapter.tx_ring.count = E1000_DEFAULT_TXD;
        adapter.rx_ring.count = E1000_DEFAULT_RXD;
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
      /** e1000_open: rings, e1000_configure (tx unit, rx unit, buffers), interrupts on. */
      ndo_open(dev) {
        const adapter = adapterOf(dev);
        if (!dev || !adapter || !adapter.tx_ring || !adapter.rx_ring) return EINVAL;
        const hw = adapter.hw;
        let rc = K().e1000_setup_all_tx_resources(adapter);
        if (rc) return rc;
        rc = K().e1000_setup_all_rx_resources(adapter);
        if (rc) {
          K().e1000_free_all_tx_resources(adapter);
          return rc;
        }
        // e1000_configure_tx
        const tx = adapter.tx_ring;
        ew32(hw, E1000.TDBAL, Number(tx.dma & 0xffffffffn));
        ew32(hw, E1000.TDBAH, Number(tx.dma >> 32n));
        ew32(hw, E1000.TDLEN, tx.count * 16);
        ew32(hw, E1000.TDH, 0);
        ew32(hw, E1000.TDT, 0);
        ew32(hw, E1000.TIPG, (8 << 20) | (8 << 10) | 10);
        adapter.txd_cmd = E1000_TXD.CMD_IFCS;
        ew32(hw, E1000.TCTL, E1000_TCTL.EN | E1000_TCTL.PSP | (0x0f << 4) | (0x40 << 12));
        // e1000_configure_rx
        const rx = adapter.rx_ring;
        ew32(hw, E1000.RDBAL, Number(rx.dma & 0xffffffffn));
        ew32(hw, E1000.RDBAH, Number(rx.dma >> 32n));
        ew32(hw, E1000.RDLEN, rx.count * 16);
        ew32(hw, E1000.RDH, 0);
        ew32(hw, E1000.RDT, 0);
        ew32(hw, E1000.RDTR, 0);
        // The receive address, then receive on: broadcast, no bad packets stored.
        const a = dev.dev_addr;
        ew32(hw, E1000.RAL0, a[0]! | (a[1]! << 8) | (a[2]! << 16) | (a[3]! << 24));
        ew32(hw, E1000.RAH0, a[4]! | (a[5]! << 8) | 0x80000000);
        ew32(hw, E1000.RCTL, E1000_RCTL.EN | E1000_RCTL.BAM);
        K().e1000_alloc_rx_buffers(adapter);
        rc = K().request_irq(dev.irq, dev.name, dev);
        if (rc) {
          K().e1000_clean_all_rings(adapter);
          K().e1000_free_all_rx_resources(adapter);
          K().e1000_free_all_tx_resources(adapter);
          return rc;
        }
        K().napi_enable(adapter);
        adapter.itr = 20000;
        ew32(hw, E1000.IMS, IMS_ENABLE_MASK); // e1000_irq_enable
        checkLink(dev, adapter);
        K().netif_start_queue(dev);
        return 0;
      },
      /** e1000_close: e1000_down (units off, interrupts off, rings cleaned), then free everything. */
      ndo_stop(dev) {
        const adapter = adapterOf(dev);
        if (!dev || !adapter) return EINVAL;
        const hw = adapter.hw ?? ({} as e1000_hw);
        ew32(hw, E1000.RCTL, er32(hw, E1000.RCTL) & ~E1000_RCTL.EN);
        K().netif_stop_queue(dev);
        ew32(hw, E1000.TCTL, er32(hw, E1000.TCTL) & ~E1000_TCTL.EN);
        K().napi_disable(adapter);
        ew32(hw, E1000.IMC, 0xffffffff);
        K().netif_carrier_off(dev);
        K().e1000_clean_all_rings(adapter);
        K().free_irq(dev.irq, dev);
        K().e1000_free_all_tx_resources(adapter);
        K().e1000_free_all_rx_resources(adapter);
        return 0;
      },
    },
    ethtool_ops: {
      get_drvinfo(_dev, info) {
        info.driver = DRV_NAME;
        info.version = DRV_VERSION;
        info.fw_version = '';
        info.bus_info = '0000:00:04.0';
        info.n_stats = 10;
        info.eedump_len = E1000_EEPROM_WORDS * 2;
      },
      get_link(dev) {
        const adapter = adapterOf(dev);
        return adapter && er32(adapter.hw, E1000.STATUS) & E1000_STATUS.LU ? 1 : 0;
      },
      get_ringparam(dev, ring) {
        const a = adapterOf(dev);
        ring.rx_max_pending = 4096;
        ring.tx_max_pending = 4096;
        ring.rx_pending = a?.rx_ring?.count ?? 0;
        ring.tx_pending = a?.tx_ring?.count ?? 0;
      },
      get_msglevel(dev) {
        return adapterOf(dev)?.msg_enable ?? 0;
      },
      set_msglevel(dev, data) {
        const a = adapterOf(dev);
        if (a) a.msg_enable = data;
      },
      get_eeprom_len(dev) {
        return (adapterOf(dev)?.hw.eeprom.word_size ?? 0) * 2;
      },
      /** e1000_get_eeprom: words through EERD, bytes out little-endian. */
      get_eeprom(dev, eeprom, bytes) {
        const a = adapterOf(dev);
        if (!a || !bytes) return EINVAL;
        const size = a.hw.eeprom.word_size * 2;
        if (eeprom.len === 0 || eeprom.offset + eeprom.len > size || eeprom.len > bytes.length) return EINVAL;
        eeprom.magic = a.hw.vendor_id | (a.hw.device_id << 16);
        const first = eeprom.offset >> 1;
        const last = (eeprom.offset + eeprom.len - 1) >> 1;
        let out = 0;
        for (let w = first; w <= last; w++) {
          const v = readEeprom(a.hw, w);
          if (v < 0) return EIO;
          for (const [b, byte] of [[0, v & 0xff], [1, v >>> 8]] as const) {
            const at = w * 2 + b;
            if (at >= eeprom.offset && at < eeprom.offset + eeprom.len) bytes[out++] = byte;
          }
        }
        eeprom.len = out;
        return 0;
      },
      get_ethtool_stats(dev, data) {
        const a = adapterOf(dev);
        if (!dev || !a) return;
        const s = a.stats;
        const values = [dev.stats.rx_packets, dev.stats.tx_packets, dev.stats.rx_bytes, dev.stats.tx_bytes, s.crcerrs, s.mpc, s.rnbc, s.gprc, s.gptc, s.tpr];
        values.forEach((v, i) => (data[i] = v));
      },
    },
    kernel: {
      /** e1000_watchdog: the link, then e1000_update_stats: the clear-on-read registers, accumulated. */
      e1000_watchdog(netdev) {
        const a = adapterOf(netdev);
        if (!netdev || !a) return;
        const hw = a.hw;
        checkLink(netdev, a);
        const s = a.stats;
        s.crcerrs += BigInt(er32(hw, E1000.CRCERRS));
        s.algnerrc += BigInt(er32(hw, E1000.ALGNERRC));
        s.symerrs += BigInt(er32(hw, E1000.SYMERRS));
        s.rxerrc += BigInt(er32(hw, E1000.RXERRC));
        s.mpc += BigInt(er32(hw, E1000.MPC));
        s.gprc += BigInt(er32(hw, E1000.GPRC));
        s.gptc += BigInt(er32(hw, E1000.GPTC));
        s.gorcl += BigInt(er32(hw, E1000.GORCL));
        er32(hw, E1000.GORCH);
        s.gotcl += BigInt(er32(hw, E1000.GOTCL));
        er32(hw, E1000.GOTCH);
        s.rnbc += BigInt(er32(hw, E1000.RNBC));
        s.tpr += BigInt(er32(hw, E1000.TPR));
        s.tpt += BigInt(er32(hw, E1000.TPT));
        // The netdev's error counters come from the hardware's; the kernel owns netdev->stats.
        K().e1000_update_netdev_errors(netdev, s.rxerrc + s.crcerrs + s.algnerrc + s.symerrs, s.crcerrs, s.algnerrc, s.mpc);
      },
    },
  };
}
