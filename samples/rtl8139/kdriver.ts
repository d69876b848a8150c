// The 8139's k-driver: what stays in the kernel. The interrupt handler, transmit, the NAPI poll
// (receive from the ring buffer) and transmit completion run on the kernel thread against the
// simulated chip and never cross; the kernel services and register access the u-driver calls
// (downcalls) are implemented here too, as is the kernel glue around the driver (the PCI core's
// probe, dev_open/dev_close) that decides when to call it.
import { sim } from 'mdidl/runtime';
import { onCriticalPath } from '../common/critical.js';
import type { KernelImplementation } from './generated/ts/rtl8139too.stubs.js';
import type { net_device, pci_dev, pci_device_id, rtl8139_private } from './generated/ts/rtl8139too.types.js';
import {
  ETH_ZLEN,
  IFF_UP,
  NAPI_WEIGHT,
  NETIF_F_RXALL,
  NETIF_F_RXFCS,
  NUM_TX_DESC,
  MAX_ETH_FRAME_SIZE,
  RTL,
  RTL_INT,
  RTL_RX,
  RTL_TX,
  RTL_CMD,
  RX_BUF_LEN,
  RX_BUF_TOT_LEN,
  RxAckBits,
  TX_BUF_SIZE,
  rtl8139_intr_mask,
  ENOMEM,
} from './consts.js';

/** Where received frames go: netif_receive_skb. */
export type Stack = (frame: Uint8Array) => void;

const stats = () => ({ packets: 0n, bytes: 0n, syncp: { seq: 0 } });

export class Rtl8139KDriver {
  readonly tp: rtl8139_private;
  readonly dev: net_device;
  readonly pdev: pci_dev;
  readonly ent: pci_device_id = { vendor: 0x10ec, device: 0x8139, driver_data: 0n };
  readonly lock = new sim.SpinLock('rtl8139_private.lock');
  readonly napi: sim.SimNapi;
  /** __LINK_STATE_START: set by dev_open before ndo_open, cleared by dev_close. */
  running = false;
  queueStopped = true;
  carrier = false;
  registered = false;
  private mapped = false;
  private rxRing: sim.DmaRegion | null = null;
  private txBufs: sim.DmaRegion | null = null;

  constructor(
    readonly kernel: sim.SimKernel,
    readonly chip: sim.SimRtl8139,
    private readonly stack: Stack,
  ) {
    // alloc_etherdev(sizeof(*tp)) and pci_set_drvdata: done by the k-driver's probe half, since the
    // critical path works in this memory.
    this.tp = {
      mmio_addr: null, drv_flags: 0, pci_dev: null, msg_enable: 0, napi: null, dev: null,
      rx_ring: null, cur_rx: 0, rx_stats: stats(), rx_ring_dma: 0n,
      tx_flag: 0, cur_tx: 0n, dirty_tx: 0n, tx_stats: stats(), tx_buf: [null, null, null, null], tx_bufs: null, tx_bufs_dma: 0n,
      phys: new Int8Array(4), twistie: 0, twist_row: 0, twist_col: 0, watchdog_fired: 0, default_port: 0, have_thread: 0,
      lock: { raw_lock: 0 }, rx_lock: { raw_lock: 0 }, chipset: 0, rx_config: 0,
      xstats: { early_rx: 0n, tx_buf_mapped: 0n, tx_timeouts: 0n, rx_lost_in_ring: 0n },
      thread: null, mii: { phy_id: 0, advertising: 0, phy_id_mask: 0, reg_num_mask: 0, full_duplex: 0, force_media: 0, supports_gmii: 0 },
      regs_len: 0, fifo_copy_timeout: 0n,
    };
    const z = 0n;
    this.dev = {
      name: 'eth%d', flags: 0, features: 0n, hw_features: 0n, mtu: 1500, dev_addr: new Uint8Array(6), irq: 0,
      stats: { rx_errors: z, tx_errors: z, rx_dropped: z, tx_dropped: z, rx_length_errors: z, rx_crc_errors: z, rx_frame_errors: z, rx_fifo_errors: z,
        rx_missed_errors: z, tx_aborted_errors: z, tx_carrier_errors: z, tx_fifo_errors: z, tx_window_errors: z, collisions: z },
      priv: this.tp,
    };
    this.pdev = { vendor: 0x10ec, device: 0x8139, revision: 0x10, irq: chip.irq, slot_name: '0000:00:03.0', driver_data: this.dev };
    this.napi = new sim.SimNapi(kernel, 'rtl8139', (budget) => this.poll(budget), NAPI_WEIGHT);
  }

  // ---- the critical path ------------------------------------------------------------------

  /** ndo_start_xmit. 'busy' is NETDEV_TX_BUSY: the stack keeps the frame and retries once woken. */
  startXmit(frame: Uint8Array): 'ok' | 'busy' {
    return onCriticalPath(() => {
      if (this.queueStopped || !this.txBufs) return 'busy';
      const tp = this.tp;
      const entry = Number(tp.cur_tx % BigInt(NUM_TX_DESC));
      const len = frame.length;
      if (len >= TX_BUF_SIZE) {
        this.dev.stats.tx_dropped++;
        return 'ok';
      }
      const buf = this.txBufs.bytes.subarray(entry * TX_BUF_SIZE, (entry + 1) * TX_BUF_SIZE);
      if (len < ETH_ZLEN) buf.fill(0, 0, ETH_ZLEN); // the chip doesn't pad
      buf.set(frame);
      return this.lock.with(() => {
        this.chip.write32(RTL.TxStatus0 + entry * 4, tp.tx_flag | Math.max(len, ETH_ZLEN));
        tp.cur_tx++;
        if (tp.cur_tx - BigInt(NUM_TX_DESC) === tp.dirty_tx) this.queueStopped = true; // netif_stop_queue
        return 'ok';
      });
    });
  }

  /** rtl8139_interrupt: runs in hardirq context. */
  private interrupt(): 'handled' | 'none' {
    return onCriticalPath(() =>
      this.lock.with(() => {
        const chip = this.chip;
        const status = chip.read16(RTL.IntrStatus);
        if ((status & rtl8139_intr_mask) === 0) return 'none'; // a shared line: not ours
        if (status === 0xffff) return 'handled'; // the card is gone
        if (!this.running) {
          chip.write16(RTL.IntrMask, 0);
          return 'handled';
        }
        // Receive is acked by the poll, after it has drained the ring.
        const ackstat = status & ~(RxAckBits | RTL_INT.TxErr);
        if (ackstat) chip.write16(RTL.IntrStatus, ackstat);
        if (status & RxAckBits && this.napi.schedule()) chip.write16(RTL.IntrMask, rtl8139_intr_mask & ~RxAckBits);
        if (status & (RTL_INT.PCIErr | RTL_INT.PCSTimeout | RTL_INT.RxUnderrun | RTL_INT.RxErr)) this.weirdInterrupt(status);
        if (status & (RTL_INT.TxOK | RTL_INT.TxErr)) {
          this.txInterrupt();
          if (status & RTL_INT.TxErr) chip.write16(RTL.IntrStatus, RTL_INT.TxErr);
        }
        return 'handled';
      }),
    );
  }

  private weirdInterrupt(status: number): void {
    const s = this.dev.stats;
    s.rx_missed_errors += BigInt(this.chip.read32(RTL.RxMissed));
    this.chip.write32(RTL.RxMissed, 0);
    if (status & (RTL_INT.RxUnderrun | RTL_INT.RxErr)) s.rx_errors++;
    if (status & RTL_INT.PCSTimeout) s.rx_length_errors++;
    if (status & RTL_INT.RxUnderrun) s.rx_fifo_errors++;
    if (status & RTL_INT.PCIErr) this.kernel.log.push('rtl8139: PCI bus error');
  }

  /** rtl8139_tx_interrupt: reclaims the slots the chip has sent. */
  private txInterrupt(): void {
    const tp = this.tp;
    let dirty = tp.dirty_tx;
    while (tp.cur_tx - dirty > 0n) {
      const entry = Number(dirty % BigInt(NUM_TX_DESC));
      const txstatus = this.chip.read32(RTL.TxStatus0 + entry * 4);
      if (!(txstatus & (RTL_TX.StatOK | RTL_TX.Underrun | RTL_TX.Aborted))) break; // not sent yet
      if (txstatus & RTL_TX.Aborted) {
        this.dev.stats.tx_errors++;
        this.dev.stats.tx_aborted_errors++;
      } else {
        if (txstatus & RTL_TX.Underrun) {
          if (tp.tx_flag < 0x00300000) tp.tx_flag += 0x00020000;
          this.dev.stats.tx_fifo_errors++;
        }
        this.dev.stats.collisions += BigInt((txstatus >>> 24) & 15);
        tp.tx_stats.packets++;
        tp.tx_stats.bytes += BigInt(txstatus & 0x7ff);
      }
      dirty++;
    }
    if (tp.dirty_tx !== dirty) {
      tp.dirty_tx = dirty;
      this.queueStopped = false; // netif_wake_queue
    }
  }

  /** rtl8139_poll: NAPI, in softirq context. */
  private poll(budget: number): number {
    return onCriticalPath(() => {
      let done = 0;
      if (this.chip.read16(RTL.IntrStatus) & RxAckBits) done = this.rx(budget);
      if (done < budget) this.lock.with(() => this.chip.write16(RTL.IntrMask, rtl8139_intr_mask)); // napi_complete_done
      return done;
    });
  }

  /** rtl8139_rx: takes the records the chip wrote into the ring buffer, in order. */
  private rx(budget: number): number {
    const tp = this.tp;
    const ring = this.rxRing!;
    const view = ring.view;
    let received = 0;
    let cur = tp.cur_rx;
    while (this.running && received < budget && (this.chip.read8(RTL.ChipCmd) & RTL_CMD.RxBufEmpty) === 0) {
      const offset = cur % RX_BUF_LEN;
      const rxStatus = view.getUint32(offset, true);
      const size = rxStatus >>> 16;
      const pktSize = this.dev.features & NETIF_F_RXFCS ? size : size - 4; // the CRC stays only if asked for
      if (size > MAX_ETH_FRAME_SIZE + 4 || size < 8 || !(rxStatus & RTL_RX.StatusOK)) {
        const keep = (this.dev.features & NETIF_F_RXALL) !== 0n && size <= MAX_ETH_FRAME_SIZE + 4 && size >= 8 && !(rxStatus & RTL_RX.StatusOK);
        if (keep && rxStatus & (RTL_RX.CRCErr | RTL_RX.Runt)) {
          // NETIF_F_RXALL: count it and hand it up anyway.
          this.dev.stats.rx_errors++;
          if (rxStatus & RTL_RX.CRCErr) this.dev.stats.rx_crc_errors++;
          else this.dev.stats.rx_length_errors++;
        } else {
          this.rxErr(rxStatus);
          return received; // the receiver was reset (cur_rx is 0 again): nothing more in this poll
        }
      }
      this.stack(ring.bytes.slice(offset + 4, offset + 4 + pktSize));
      tp.rx_stats.packets++;
      tp.rx_stats.bytes += BigInt(pktSize);
      received++;
      cur = (cur + size + 4 + 3) & ~3;
      this.chip.write16(RTL.RxBufPtr, (cur - 16) & 0xffff);
      this.isrAck();
    }
    if (!received) this.isrAck();
    tp.cur_rx = cur;
    return received;
  }

  private isrAck(): void {
    const status = this.chip.read16(RTL.IntrStatus) & RxAckBits;
    if (!status) return;
    if (status & (RTL_INT.RxFIFOOver | RTL_INT.RxOverflow)) {
      this.dev.stats.rx_errors++;
      if (status & RTL_INT.RxFIFOOver) this.dev.stats.rx_fifo_errors++;
    }
    this.chip.write16(RTL.IntrStatus, RxAckBits);
  }

  /** rtl8139_rx_err: a record the driver cannot read; count it and restart the receiver at the top of the ring. */
  private rxErr(rxStatus: number): void {
    const s = this.dev.stats;
    s.rx_errors++;
    if (!(rxStatus & RTL_RX.StatusOK)) {
      if (rxStatus & (RTL_RX.BadSymbol | RTL_RX.BadAlign)) s.rx_frame_errors++;
      if (rxStatus & (RTL_RX.Runt | RTL_RX.TooLong)) s.rx_length_errors++;
      if (rxStatus & RTL_RX.CRCErr) s.rx_crc_errors++;
    } else {
      this.tp.xstats.rx_lost_in_ring++;
    }
    this.chip.write8(RTL.ChipCmd, RTL_CMD.TxEnb);
    this.chip.write8(RTL.ChipCmd, RTL_CMD.RxEnb | RTL_CMD.TxEnb);
    this.chip.write32(RTL.RxConfig, this.tp.rx_config);
    this.tp.cur_rx = 0;
    this.chip.write16(RTL.IntrStatus, RxAckBits);
  }

  // ---- the kernel glue: when the kernel calls the driver --------------------------------------

  /** dev_open: the link state goes up before ndo_open, so the handler sees a running device. */
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
      rtl_r8: (_tp, reg) => this.io(reg, 1) ?? this.chip.read8(reg),
      rtl_r16: (_tp, reg) => this.io(reg, 2) ?? this.chip.read16(reg),
      rtl_r32: (_tp, reg) => this.io(reg, 4) ?? this.chip.read32(reg),
      rtl_w8: (_tp, reg, v) => void (this.io(reg, 1) ?? this.chip.write8(reg, v)),
      rtl_w16: (_tp, reg, v) => void (this.io(reg, 2) ?? this.chip.write16(reg, v)),
      rtl_w32: (_tp, reg, v) => void (this.io(reg, 4) ?? this.chip.write32(reg, v)),
      pci_enable_device: () => 0,
      pci_disable_device: () => {},
      pci_set_master: () => {},
      pci_iomap: () => {
        this.mapped = true;
        return 0;
      },
      register_netdev: (dev) => {
        if (this.registered) return -17; // -EEXIST
        this.registered = true;
        this.dev.name = 'eth0';
        if (dev) dev.name = this.dev.name;
        return 0;
      },
      unregister_netdev: () => {
        this.registered = false;
      },
      request_irq: (irq) => this.kernel.requestIrq(irq, () => this.interrupt(), 'rtl8139', this.dev),
      free_irq: (irq) => this.kernel.freeIrq(irq, this.dev),
      rtl8139_alloc_rings: (tp) => {
        try {
          // dma_alloc_coherent, once: the simulated kernel's DMA memory is never returned.
          this.rxRing ??= this.kernel.dmaAlloc(RX_BUF_TOT_LEN);
          this.txBufs ??= this.kernel.dmaAlloc(TX_BUF_SIZE * NUM_TX_DESC);
        } catch {
          return ENOMEM;
        }
        this.tp.rx_ring_dma = BigInt(this.rxRing.bus);
        this.tp.tx_bufs_dma = BigInt(this.txBufs.bus);
        if (tp && tp !== this.tp) {
          tp.rx_ring_dma = this.tp.rx_ring_dma;
          tp.tx_bufs_dma = this.tp.tx_bufs_dma;
        }
        return 0;
      },
      rtl8139_free_rings: (tp) => {
        this.tp.rx_ring_dma = 0n;
        this.tp.tx_bufs_dma = 0n;
        if (tp && tp !== this.tp) {
          tp.rx_ring_dma = 0n;
          tp.tx_bufs_dma = 0n;
        }
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
      rtl8139_collect_missed: (dev) => {
        this.lock.with(() => {
          this.dev.stats.rx_missed_errors += BigInt(this.chip.read32(RTL.RxMissed));
          this.chip.write32(RTL.RxMissed, 0);
        });
        if (dev && dev !== this.dev) dev.stats.rx_missed_errors = this.dev.stats.rx_missed_errors;
      },
    },
  };

  /** Register access before pci_iomap fails like a read of unmapped I/O space. */
  private io(reg: number, width: number): number | undefined {
    if (!this.mapped) return width === 4 ? 0xffffffff : width === 2 ? 0xffff : 0xff;
    if (reg < 0 || reg + width > 256) throw new RangeError(`register 0x${reg.toString(16)} outside the 8139's window`);
    return undefined;
  }
}
