// The k-driver: what stays in the kernel. Its critical path (transmit, the interrupt handler,
// receive) runs on the kernel thread against the simulated NIC and never crosses; the kernel
// services the u-driver calls (downcalls) are implemented here too.
import { sim } from 'mdidl/runtime';
import type { net_device, nic_priv } from './generated/ts/nic.types.js';
import type { KernelImplementation } from './generated/ts/nic.stubs.js';

const { DESC_EOP, DESC_OWN, DESC_SIZE, INT_RX, INT_TX, REG, readReg, writeReg } = sim;
const BUF = 2048;

export class NicKDriver {
  readonly priv: nic_priv = { msg_enable: 7, rx_ring_size: 0, tx_ring_size: 0, rx_packets: 0n, tx_packets: 0n, rx_missed: 0n, tx_next: 0, rx_next: 0 };
  readonly dev: net_device = { name: 'eth0', flags: 0, mtu: 1500, dev_addr: new Uint8Array(6), irq: 0, priv: this.priv };
  readonly lock = new sim.SpinLock('nic_priv.lock');
  /** Frames the stack received (what netif_receive_skb would hand up). */
  readonly delivered: Uint8Array[] = [];
  queueStopped = true;
  carrier = false;
  private rx: { ring: sim.DmaRegion; bufs: sim.DmaRegion[] } | null = null;
  private tx: { ring: sim.DmaRegion; bufs: sim.DmaRegion[] } | null = null;

  constructor(
    readonly kernel: sim.SimKernel,
    readonly nic: sim.SimNic,
  ) {
    this.dev.irq = nic.irq;
  }

  // ---- the critical path ------------------------------------------------------------------

  /** ndo_start_xmit: critical, so it never leaves the kernel and never waits for the u-driver. */
  startXmit(frame: Uint8Array): 'ok' | 'busy' {
    return this.lock.with(() => {
      if (this.queueStopped || !this.tx) return 'busy';
      const i = this.priv.tx_next;
      const d = desc(this.tx.ring, i);
      if (d.getUint16(10, true) & DESC_OWN) return 'busy';
      this.tx.bufs[i]!.bytes.set(frame.subarray(0, BUF));
      d.setBigUint64(0, BigInt(this.tx.bufs[i]!.bus), true);
      d.setUint16(8, Math.min(frame.length, BUF), true);
      d.setUint16(10, DESC_OWN, true);
      this.priv.tx_next = (i + 1) % this.priv.tx_ring_size;
      writeReg(this.nic, REG.TX_TAIL, this.priv.tx_next);
      return 'ok';
    });
  }

  private interrupt(): 'handled' | 'none' {
    const isr = readReg(this.nic, REG.ISR);
    if (!isr) return 'none';
    writeReg(this.nic, REG.ISR, 0);
    this.lock.with(() => {
      if (isr & INT_RX && this.rx) this.receive(this.rx);
      if (isr & INT_TX && this.tx) this.reclaimTx(this.tx);
    });
    return 'handled';
  }

  private receive(rx: { ring: sim.DmaRegion; bufs: sim.DmaRegion[] }): void {
    for (;;) {
      const i = this.priv.rx_next;
      const d = desc(rx.ring, i);
      const status = d.getUint16(10, true);
      if (status & DESC_OWN || !(status & DESC_EOP)) return;
      this.delivered.push(rx.bufs[i]!.bytes.slice(0, d.getUint16(8, true)));
      this.priv.rx_packets += 1n;
      this.giveRx(rx, i);
      writeReg(this.nic, REG.RX_TAIL, i);
      this.priv.rx_next = (i + 1) % this.priv.rx_ring_size;
    }
  }

  /** Counts the frames the device finished sending (OWN cleared) since the last interrupt. */
  private reclaimTx(tx: { ring: sim.DmaRegion; bufs: sim.DmaRegion[] }): void {
    while (this.txClean !== this.priv.tx_next) {
      const d = desc(tx.ring, this.txClean);
      if (d.getUint16(10, true) & DESC_OWN) return;
      this.priv.tx_packets += 1n;
      this.txClean = (this.txClean + 1) % this.priv.tx_ring_size;
    }
  }
  private txClean = 0;

  private giveRx(rx: { ring: sim.DmaRegion; bufs: sim.DmaRegion[] }, i: number): void {
    const d = desc(rx.ring, i);
    d.setBigUint64(0, BigInt(rx.bufs[i]!.bus), true);
    d.setUint16(8, BUF, true);
    d.setUint16(10, DESC_OWN, true);
  }

  // ---- kernel services the u-driver calls -------------------------------------------------

  readonly downcalls: KernelImplementation = {
    kernel: {
      request_irq: (irq, _name, dev) => this.kernel.requestIrq(irq, () => this.interrupt(), 'nic', dev),
      free_irq: (irq, dev) => this.kernel.freeIrq(irq, dev),
      nic_setup_rings: (_dev, rxSize, txSize) => {
        if (rxSize < 2 || txSize < 2 || rxSize > 256 || txSize > 256) return -22;
        const alloc = (n: number): { ring: sim.DmaRegion; bufs: sim.DmaRegion[] } => ({
          ring: this.kernel.dmaAlloc(n * DESC_SIZE),
          bufs: Array.from({ length: n }, () => this.kernel.dmaAlloc(BUF)),
        });
        this.rx = alloc(rxSize);
        this.tx = alloc(txSize);
        for (let i = 0; i < rxSize; i++) this.giveRx(this.rx, i);
        this.priv.rx_next = 0;
        this.priv.tx_next = 0;
        this.txClean = 0;
        this.priv.rx_ring_size = rxSize;
        this.priv.tx_ring_size = txSize;
        writeReg(this.nic, REG.RX_RING, this.rx.ring.bus);
        writeReg(this.nic, REG.RX_COUNT, rxSize);
        writeReg(this.nic, REG.RX_TAIL, rxSize - 1);
        writeReg(this.nic, REG.TX_RING, this.tx.ring.bus);
        writeReg(this.nic, REG.TX_COUNT, txSize);
        return 0;
      },
      nic_read_mac: (_dev, mac) => {
        const lo = readReg(this.nic, REG.MAC_LO) >>> 0;
        const hi = readReg(this.nic, REG.MAC_HI) >>> 0;
        mac.set([lo & 0xff, (lo >>> 8) & 0xff, (lo >>> 16) & 0xff, lo >>> 24, hi & 0xff, (hi >>> 8) & 0xff]);
      },
      nic_enable: (_dev, on) => {
        writeReg(this.nic, REG.IMR, on ? INT_RX | INT_TX : 0);
        writeReg(this.nic, REG.CTRL, on ? 3 : 0);
      },
      netif_carrier_on: () => {
        this.carrier = true;
      },
      netif_start_queue: () => {
        this.queueStopped = false;
      },
      netif_stop_queue: () => {
        this.queueStopped = true;
      },
    },
  };
}

function desc(ring: sim.DmaRegion, i: number): DataView {
  return new DataView(ring.bytes.buffer, ring.bytes.byteOffset + i * DESC_SIZE, DESC_SIZE);
}
