// The e1000's k-driver: what stays in the kernel. The interrupt handler, transmit and the NAPI
// poll (transmit cleanup, receive, and the refill of receive buffers) run on the kernel thread
// against the simulated 82540EM and never cross; the kernel services, the descriptor rings (kernel
// memory) and register access the u-driver calls (downcalls) are implemented here too, with the
// kernel glue (the PCI core's probe, dev_open/dev_close).
import { sim } from 'mdidl/runtime';
import { onCriticalPath } from '../common/critical.js';
import type { KernelImplementation } from './generated/ts/e1000.stubs.js';
import type { e1000_adapter, e1000_rx_ring, e1000_tx_ring, net_device, pci_dev, pci_device_id } from './generated/ts/e1000.types.js';
import {
  E1000,
  E1000_DESC_SIZE,
  E1000_ICR,
  E1000_RXBUFFER_2048,
  E1000_RXD,
  E1000_RXD_ERR_FRAME_ERR_MASK,
  E1000_TXD,
  ENOMEM,
  ETH_FCS_LEN,
  IFF_UP,
  IMS_ENABLE_MASK,
  NAPI_WEIGHT,
  TX_WAKE_THRESHOLD,
  __E1000_DOWN,
} from './consts.js';

export type Stack = (frame: Uint8Array) => void;

interface Ring {
  desc: sim.DmaRegion;
  bufs: sim.DmaRegion[];
}

const emptyTxRing = (): e1000_tx_ring => ({ desc: null, dma: 0n, size: 0, count: 0, next_to_use: 0, next_to_clean: 0, buffer_info: null, tdh: 0, tdt: 0, last_tx_tso: false });
const emptyRxRing = (): e1000_rx_ring => ({ desc: null, dma: 0n, size: 0, count: 0, next_to_use: 0, next_to_clean: 0, buffer_info: null, rx_skb_top: null, cpu: 0, rdh: 0, rdt: 0 });

export class E1000KDriver {
  readonly adapter: e1000_adapter;
  readonly dev: net_device;
  readonly pdev: pci_dev;
  readonly ent: pci_device_id = { vendor: 0x8086, device: 0x100e, driver_data: 0n };
  readonly napi: sim.SimNapi;
  running = false;
  queueStopped = true;
  carrier = false;
  registered = false;
  private mapped = false;
  private tx: Ring | null = null;
  private rx: Ring | null = null;

  constructor(
    readonly kernel: sim.SimKernel,
    readonly chip: sim.SimE1000,
    private readonly stack: Stack,
  ) {
    const z = 0n;
    this.adapter = {
      bd_number: 0, rx_buffer_len: 0, wol: 0, link_speed: 0, link_duplex: 0, stats_lock: { raw_lock: 0 },
      total_tx_bytes: 0, total_tx_packets: 0, total_rx_bytes: 0, total_rx_packets: 0, itr: 0, itr_setting: 0,
      tx_ring: emptyTxRing(), restart_queue: 0, txd_cmd: 0, tx_timeout_count: 0,
      rx_ring: emptyRxRing(), napi: null, num_tx_queues: 0, num_rx_queues: 0, alloc_rx_buff_failed: 0, rx_csum: false,
      netdev: null, pdev: null,
      hw: {
        hw_addr: null, mac_type: 0, media_type: 0, back: null, fc: 0,
        eeprom: { type: 0, word_size: 0, opcode_bits: 0, address_bits: 0, delay_usec: 0, page_size: 0 },
        phy_id: 0, max_frame_size: 0, min_frame_size: 0, device_id: 0, vendor_id: 0, subsystem_id: 0, subsystem_vendor_id: 0,
        revision_id: 0, autoneg: 0, mac_addr: new Uint8Array(6), perm_mac_addr: new Uint8Array(6), get_link_status: false,
      },
      stats: { crcerrs: z, algnerrc: z, symerrs: z, rxerrc: z, mpc: z, gprc: z, gptc: z, gorcl: z, gotcl: z, rnbc: z, tpr: z, tpt: z },
      msg_enable: 0, flags: __E1000_DOWN, watchdog_task: null,
    };
    this.dev = {
      name: 'eth%d', flags: 0, mtu: 1500, dev_addr: new Uint8Array(6), irq: 0,
      stats: { rx_packets: z, tx_packets: z, rx_bytes: z, tx_bytes: z, rx_errors: z, tx_errors: z, rx_crc_errors: z, rx_missed_errors: z, rx_frame_errors: z },
      priv: this.adapter,
    };
    this.pdev = { vendor: 0x8086, device: 0x100e, subsystem_vendor: 0x8086, subsystem_device: 0x001e, revision: 2, irq: chip.irq, driver_data: this.dev };
    this.napi = new sim.SimNapi(kernel, 'e1000', (budget) => this.clean(budget), NAPI_WEIGHT);
  }

  private er32(reg: number): number {
    return this.chip.read32(reg);
  }
  private ew32(reg: number, v: number): void {
    this.chip.write32(reg, v);
  }

  // ---- the critical path ------------------------------------------------------------------

  /** e1000_xmit_frame: one descriptor per frame here (no fragments, no offloads). */
  startXmit(frame: Uint8Array): 'ok' | 'busy' {
    return onCriticalPath(() => {
      const ring = this.adapter.tx_ring!;
      if (this.queueStopped || !this.tx) return 'busy';
      if (unused(ring) < 1 + 2) {
        this.queueStopped = true; // e1000_maybe_stop_tx
        return 'busy';
      }
      const i = ring.next_to_use;
      // dma_map_single: the simulated device reads kernel DMA memory, so the frame is copied there.
      this.tx.bufs[i]!.bytes.set(frame);
      const d = this.tx.desc.view;
      const o = i * E1000_DESC_SIZE;
      d.setBigUint64(o, BigInt(this.tx.bufs[i]!.bus), true);
      d.setUint32(o + 8, this.adapter.txd_cmd | E1000_TXD.CMD_EOP | E1000_TXD.CMD_RS | frame.length, true);
      d.setUint32(o + 12, 0, true);
      ring.next_to_use = (i + 1) % ring.count;
      this.ew32(E1000.TDT, ring.next_to_use);
      if (unused(ring) < 1 + 2) this.queueStopped = true;
      return 'ok';
    });
  }

  /** e1000_intr: hardirq. Reading ICR clears it; the poll does the work with interrupts off. */
  private intr(): 'handled' | 'none' {
    return onCriticalPath(() => {
      const icr = this.er32(E1000.ICR);
      if (!icr) return 'none';
      if (this.adapter.flags & __E1000_DOWN) return 'handled';
      if (icr & (E1000_ICR.RXSEQ | E1000_ICR.LSC)) this.adapter.hw.get_link_status = true; // the watchdog reads the link
      this.ew32(E1000.IMC, 0xffffffff);
      if (this.napi.schedule()) {
        this.adapter.total_tx_bytes = 0;
        this.adapter.total_tx_packets = 0;
        this.adapter.total_rx_bytes = 0;
        this.adapter.total_rx_packets = 0;
      } else {
        this.ew32(E1000.IMS, IMS_ENABLE_MASK);
      }
      return 'handled';
    });
  }

  /** e1000_clean: NAPI poll, softirq. */
  private clean(budget: number): number {
    return onCriticalPath(() => {
      const txDone = this.cleanTx();
      const work = this.cleanRx(budget);
      if (!txDone) return budget;
      if (work < budget && !(this.adapter.flags & __E1000_DOWN)) this.ew32(E1000.IMS, IMS_ENABLE_MASK); // napi_complete_done + e1000_irq_enable
      return work;
    });
  }

  private cleanTx(): boolean {
    const ring = this.adapter.tx_ring!;
    const tx = this.tx;
    if (!tx) return true;
    let i = ring.next_to_clean;
    let count = 0;
    while (i !== ring.next_to_use && tx.desc.view.getUint8(i * E1000_DESC_SIZE + 12) & E1000_TXD.STAT_DD) {
      const len = tx.desc.view.getUint32(i * E1000_DESC_SIZE + 8, true) & 0xffff;
      tx.desc.view.setUint32(i * E1000_DESC_SIZE + 12, 0, true);
      this.adapter.total_tx_packets++;
      this.adapter.total_tx_bytes += len;
      this.dev.stats.tx_packets++;
      this.dev.stats.tx_bytes += BigInt(len);
      i = (i + 1) % ring.count;
      if (++count >= ring.count) break;
    }
    ring.next_to_clean = i;
    if (count && this.queueStopped && this.running && unused(ring) >= TX_WAKE_THRESHOLD) {
      this.queueStopped = false; // netif_wake_queue
      this.adapter.restart_queue++;
    }
    return count < ring.count;
  }

  /** e1000_clean_rx_irq: frames with DD set, in ring order; bad frames are dropped and their buffer reused. */
  private cleanRx(budget: number): number {
    const ring = this.adapter.rx_ring!;
    const rx = this.rx;
    if (!rx) return 0;
    const d = rx.desc.view;
    let i = ring.next_to_clean;
    let work = 0;
    let cleaned = 0;
    while (work < budget && d.getUint8(i * E1000_DESC_SIZE + 12) & E1000_RXD.STAT_DD) {
      const o = i * E1000_DESC_SIZE;
      const length = d.getUint16(o + 8, true);
      const status = d.getUint8(o + 12);
      const errors = d.getUint8(o + 13);
      work++;
      cleaned++;
      if (!(status & E1000_RXD.STAT_EOP) || errors & E1000_RXD_ERR_FRAME_ERR_MASK) {
        // Dropped here; the statistics registers count it, and the watchdog reads them.
      } else {
        const len = length - ETH_FCS_LEN;
        this.stack(rx.bufs[i]!.bytes.slice(0, len));
        this.adapter.total_rx_packets++;
        this.adapter.total_rx_bytes += len;
        this.dev.stats.rx_packets++;
        this.dev.stats.rx_bytes += BigInt(len);
      }
      d.setUint8(o + 12, 0);
      i = (i + 1) % ring.count;
    }
    ring.next_to_clean = i;
    if (cleaned) this.allocRxBuffers(cleaned);
    return work;
  }

  /** e1000_alloc_rx_buffers: hand `n` descriptors back to the chip, then move RDT to the last one given. */
  private allocRxBuffers(n: number): void {
    const ring = this.adapter.rx_ring!;
    const rx = this.rx!;
    let i = ring.next_to_use;
    for (let k = 0; k < n; k++) {
      const o = i * E1000_DESC_SIZE;
      rx.desc.view.setBigUint64(o, BigInt(rx.bufs[i]!.bus), true);
      rx.desc.view.setUint8(o + 12, 0);
      i = (i + 1) % ring.count;
    }
    if (ring.next_to_use !== i) {
      ring.next_to_use = i;
      this.ew32(E1000.RDT, i === 0 ? ring.count - 1 : i - 1);
    }
  }

  // ---- the kernel glue -------------------------------------------------------------------

  async devOpen(open: (dev: net_device) => Promise<number>): Promise<number> {
    this.running = true;
    const rc = await open(this.dev);
    if (rc === 0) this.dev.flags |= IFF_UP;
    else this.running = false;
    return rc;
  }

  async devClose(stop: (dev: net_device) => Promise<number>): Promise<number> {
    this.running = false;
    const rc = await stop(this.dev);
    this.dev.flags &= ~IFF_UP;
    return rc;
  }

  // ---- kernel services the u-driver calls -------------------------------------------------

  readonly downcalls: KernelImplementation = {
    kernel: {
      e1000_read_reg: (_hw, reg) => (this.mapped ? this.er32(reg) : 0xffffffff),
      e1000_write_reg: (_hw, reg, v) => {
        if (this.mapped) this.ew32(reg, v);
      },
      pci_enable_device: () => 0,
      pci_disable_device: () => {},
      pci_set_master: () => {},
      pci_ioremap_bar: () => {
        this.mapped = true;
        return 0;
      },
      register_netdev: (dev) => {
        if (this.registered) return -17;
        this.registered = true;
        this.dev.name = 'eth1';
        if (dev) dev.name = this.dev.name;
        return 0;
      },
      unregister_netdev: () => {
        this.registered = false;
      },
      request_irq: (irq) => this.kernel.requestIrq(irq, () => this.intr(), 'e1000', this.dev),
      free_irq: (irq) => this.kernel.freeIrq(irq, this.dev),
      e1000_setup_all_tx_resources: (adapter) => {
        const ring = this.adapter.tx_ring!;
        const count = ring.count;
        if (count < 8 || count > 4096 || count % 8) return -22;
        try {
          this.tx ??= { desc: this.kernel.dmaAlloc(count * E1000_DESC_SIZE), bufs: Array.from({ length: count }, () => this.kernel.dmaAlloc(E1000_RXBUFFER_2048)) };
        } catch {
          return ENOMEM;
        }
        this.tx.desc.bytes.fill(0);
        Object.assign(ring, { dma: BigInt(this.tx.desc.bus), size: count * E1000_DESC_SIZE, next_to_use: 0, next_to_clean: 0, tdh: E1000.TDH, tdt: E1000.TDT });
        if (adapter?.tx_ring && adapter.tx_ring !== ring) Object.assign(adapter.tx_ring, ring);
        return 0;
      },
      e1000_setup_all_rx_resources: (adapter) => {
        const ring = this.adapter.rx_ring!;
        const count = ring.count;
        if (count < 8 || count > 4096 || count % 8) return -22;
        try {
          this.rx ??= { desc: this.kernel.dmaAlloc(count * E1000_DESC_SIZE), bufs: Array.from({ length: count }, () => this.kernel.dmaAlloc(E1000_RXBUFFER_2048)) };
        } catch {
          return ENOMEM;
        }
        this.rx.desc.bytes.fill(0);
        Object.assign(ring, { dma: BigInt(this.rx.desc.bus), size: count * E1000_DESC_SIZE, next_to_use: 0, next_to_clean: 0, rdh: E1000.RDH, rdt: E1000.RDT });
        if (adapter?.rx_ring && adapter.rx_ring !== ring) Object.assign(adapter.rx_ring, ring);
        return 0;
      },
      e1000_free_all_tx_resources: () => {
        this.adapter.tx_ring!.dma = 0n;
      },
      e1000_free_all_rx_resources: () => {
        this.adapter.rx_ring!.dma = 0n;
      },
      e1000_alloc_rx_buffers: (adapter) => {
        const ring = this.adapter.rx_ring!;
        this.allocRxBuffers(unused(ring));
        this.adapter.flags &= ~__E1000_DOWN;
        if (adapter?.rx_ring && adapter.rx_ring !== ring) adapter.rx_ring.next_to_use = ring.next_to_use;
      },
      e1000_clean_all_rings: () => {
        this.adapter.flags |= __E1000_DOWN;
        const tx = this.adapter.tx_ring!;
        const rx = this.adapter.rx_ring!;
        tx.next_to_use = tx.next_to_clean = 0;
        rx.next_to_use = rx.next_to_clean = 0;
        this.tx?.desc.bytes.fill(0);
        this.rx?.desc.bytes.fill(0);
      },
      e1000_update_netdev_errors: (_dev, rxErrors, crc, frame, missed) => {
        const s = this.dev.stats;
        s.rx_errors = rxErrors;
        s.rx_crc_errors = crc;
        s.rx_frame_errors = frame;
        s.rx_missed_errors = missed;
      },
      napi_enable: () => this.napi.enable(),
      napi_disable: () => this.napi.disable(),
      netif_start_queue: () => {
        this.queueStopped = false;
      },
      netif_stop_queue: () => {
        this.queueStopped = true;
      },
      netif_carrier_on: () => {
        this.carrier = true;
      },
      netif_carrier_off: () => {
        this.carrier = false;
      },
    },
  };
}

/** E1000_DESC_UNUSED: descriptors free to use, keeping one empty so head == tail means empty. */
function unused(r: { next_to_use: number; next_to_clean: number; count: number }): number {
  return (r.next_to_clean > r.next_to_use ? 0 : r.count) + r.next_to_clean - r.next_to_use - 1;
}
