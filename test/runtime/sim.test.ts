// The simulated kernel and NIC: a critical path written against them (rings, doorbells,
// interrupts) moves frames both ways, and the context rules hold: no sleeping in hardirq, timer or
// spinlock context; deferred work may sleep.
import { expect } from 'chai';
import { AtomicContextError, inAtomic, mightSleep } from '../../runtime/ts/sim/context.js';
import { SimKernel, SpinLock, type DmaRegion } from '../../runtime/ts/sim/kernel.js';
import { DESC_EOP, DESC_OWN, DESC_SIZE, INT_RX, INT_TX, readReg, REG, SimNic, writeReg } from '../../runtime/ts/sim/nic.js';

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));
async function settle(n = 5): Promise<void> {
  for (let i = 0; i < n; i++) await tick();
}

/** The critical path of a tiny driver: what stays in the kernel in a split driver. */
class CriticalPath {
  readonly rxRing: DmaRegion;
  readonly txRing: DmaRegion;
  readonly rxBufs: DmaRegion[] = [];
  readonly txBufs: DmaRegion[] = [];
  readonly received: Uint8Array[] = [];
  txDone = 0;
  private rxNext = 0;
  private txNext = 0;
  readonly lock = new SpinLock('priv.lock');

  constructor(
    readonly kernel: SimKernel,
    readonly nic: SimNic,
    readonly n = 4,
  ) {
    this.rxRing = kernel.dmaAlloc(n * DESC_SIZE);
    this.txRing = kernel.dmaAlloc(n * DESC_SIZE);
    for (let i = 0; i < n; i++) {
      this.rxBufs.push(kernel.dmaAlloc(256));
      this.txBufs.push(kernel.dmaAlloc(256));
      this.giveRx(i);
    }
    writeReg(nic, REG.RX_RING, this.rxRing.bus);
    writeReg(nic, REG.RX_COUNT, n);
    writeReg(nic, REG.TX_RING, this.txRing.bus);
    writeReg(nic, REG.TX_COUNT, n);
    writeReg(nic, REG.RX_TAIL, n - 1);
    writeReg(nic, REG.IMR, INT_RX | INT_TX);
    kernel.requestIrq(nic.irq, () => this.interrupt(), 'tiny', this);
    writeReg(nic, REG.CTRL, 3);
  }

  private giveRx(i: number): void {
    const d = new DataView(this.rxRing.bytes.buffer, this.rxRing.bytes.byteOffset + i * DESC_SIZE, DESC_SIZE);
    d.setBigUint64(0, BigInt(this.rxBufs[i]!.bus), true);
    d.setUint16(8, 256, true);
    d.setUint16(10, DESC_OWN, true);
  }

  xmit(frame: Uint8Array): void {
    this.lock.with(() => {
      const i = this.txNext;
      this.txBufs[i]!.bytes.set(frame);
      const d = new DataView(this.txRing.bytes.buffer, this.txRing.bytes.byteOffset + i * DESC_SIZE, DESC_SIZE);
      d.setBigUint64(0, BigInt(this.txBufs[i]!.bus), true);
      d.setUint16(8, frame.length, true);
      d.setUint16(10, DESC_OWN, true);
      this.txNext = (i + 1) % this.n;
      writeReg(this.nic, REG.TX_TAIL, this.txNext);
    });
  }

  private interrupt(): 'handled' | 'none' {
    const isr = readReg(this.nic, REG.ISR);
    if (!isr) return 'none';
    writeReg(this.nic, REG.ISR, 0);
    if (isr & INT_RX) {
      for (;;) {
        const i = this.rxNext;
        const d = new DataView(this.rxRing.bytes.buffer, this.rxRing.bytes.byteOffset + i * DESC_SIZE, DESC_SIZE);
        const status = d.getUint16(10, true);
        if (status & DESC_OWN || !(status & DESC_EOP)) break;
        this.received.push(this.rxBufs[i]!.bytes.slice(0, d.getUint16(8, true)));
        this.giveRx(i);
        writeReg(this.nic, REG.RX_TAIL, i);
        this.rxNext = (i + 1) % this.n;
      }
    }
    if (isr & INT_TX) this.txDone++;
    return 'handled';
  }
}

describe('simulated kernel and NIC', () => {
  let kernel: SimKernel;
  beforeEach(() => {
    kernel = new SimKernel();
  });
  afterEach(() => kernel.stop());

  it('moves frames both ways through descriptor rings and interrupts', async () => {
    const nic = new SimNic(kernel, 11);
    const drv = new CriticalPath(kernel, nic);
    for (let i = 0; i < 10; i++) {
      expect(nic.receive(Uint8Array.from([i, i + 1, i + 2]))).to.equal(true);
      await settle();
    }
    expect(drv.received.map((f) => Array.from(f))).to.deep.equal(Array.from({ length: 10 }, (_, i) => [i, i + 1, i + 2]));
    drv.xmit(Uint8Array.from([0xde, 0xad]));
    drv.xmit(Uint8Array.from([0xbe, 0xef]));
    await settle();
    expect(nic.sent.map((f) => Array.from(f))).to.deep.equal([
      [0xde, 0xad],
      [0xbe, 0xef],
    ]);
    expect(drv.txDone).to.be.greaterThan(0);
    expect(kernel.irqCount(11)).to.be.greaterThan(0);
    expect(kernel.log).to.deep.equal([]);
  });

  it('drops frames when the driver gave no buffer, and counts them', async () => {
    const nic = new SimNic(kernel, 12);
    expect(nic.receive(Uint8Array.from([1]))).to.equal(false);
    expect(nic.rxMissed).to.equal(1);
  });

  it('hardirq, timer and spinlock context refuse to sleep; deferred work may', async () => {
    const seen: string[] = [];
    const nic = new SimNic(kernel, 13);
    kernel.requestIrq(13, () => {
      try {
        mightSleep('upcall ndo_open');
      } catch (e) {
        seen.push(e instanceof AtomicContextError ? `irq: ${e.context}` : 'irq: other');
      }
      return 'handled';
    }, 'ctx', null);
    writeReg(nic, REG.IMR, INT_RX);
    Atomics.store(nic.mmio, REG.ISR, 0);
    kernel.raiseIrq(13);
    kernel.addTimer(1, () => {
      try {
        mightSleep('msleep');
      } catch (e) {
        seen.push(`timer: ${(e as AtomicContextError).context}`);
      }
    });
    new SpinLock('l').with(() => {
      try {
        mightSleep('kmalloc(GFP_KERNEL)');
      } catch (e) {
        seen.push(`lock: ${(e as AtomicContextError).context}`);
      }
    });
    kernel.queueWork(() => {
      mightSleep('upcall from work');
      seen.push(`work: atomic=${inAtomic()}`);
    });
    await new Promise((r) => setTimeout(r, 20));
    expect(seen.sort()).to.deep.equal(['irq: hardirq', 'lock: spinlock l', 'timer: timer', 'work: atomic=false']);
    expect(kernel.log).to.deep.equal([]);
  });

  it('a recursive spinlock is reported, not a hang', () => {
    const l = new SpinLock('priv.lock');
    expect(() => l.with(() => l.with(() => 0))).to.throw(/taken recursively/);
    expect(l.locked).to.equal(false);
  });

  it('a device DMA outside memory is refused', () => {
    expect(() => kernel.dmaView(kernel.dmaBuffer.byteLength - 4, 16)).to.throw(/outside memory/);
  });

  it('an exception in an interrupt handler is logged like an oops, and the kernel goes on', async () => {
    kernel.requestIrq(14, () => {
      throw new Error('boom');
    }, 'bad', null);
    kernel.raiseIrq(14);
    await settle();
    expect(kernel.log).to.deep.equal(['BUG: exception in interrupt handler bad: boom']);
  });
});
