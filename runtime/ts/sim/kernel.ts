// A small simulated kernel for the k-driver: interrupt lines, timers, deferred work, spinlocks
// and DMA-able memory. It runs on the kernel thread's event loop; the device writes the shared
// memory and raises interrupts, the handlers run in atomic context, deferred work in process
// context (where upcalls are allowed).
import { atomic } from './context.js';

export type IrqHandler = (irq: number, devId: unknown) => 'handled' | 'none';

export interface DmaRegion {
  /** The bus address the device is told (never a host pointer). */
  readonly bus: number;
  readonly bytes: Uint8Array;
  readonly view: DataView;
}

export class SpinLock {
  private held = false;
  constructor(readonly name: string) {}
  /** Runs `fn` holding the lock, in atomic context. Re-taking a held lock is a deadlock here. */
  with<T>(fn: () => T): T {
    if (this.held) throw new Error(`BUG: spinlock ${this.name} taken recursively (deadlock)`);
    this.held = true;
    try {
      return atomic(`spinlock ${this.name}`, fn);
    } finally {
      this.held = false;
    }
  }
  get locked(): boolean {
    return this.held;
  }
}

export class SimKernel {
  private readonly irqs = new Map<number, { handler: IrqHandler; devId: unknown; name: string; count: number }>();
  private readonly pending = new Set<number>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly dma: SharedArrayBuffer;
  private dmaNext = 0x1000;
  private stopped = false;
  /** Interrupts that arrived with no handler: the kernel logs "nobody cared". */
  spurious = 0;
  /** What a real kernel would print: oopses, warnings, nobody-cared. Tests assert it stays empty. */
  readonly log: string[] = [];

  constructor(dmaBytes = 1 << 20) {
    this.dma = new SharedArrayBuffer(dmaBytes);
  }

  /** The memory devices reach by bus address. */
  get dmaBuffer(): SharedArrayBuffer {
    return this.dma;
  }

  requestIrq(irq: number, handler: IrqHandler, name: string, devId: unknown): number {
    if (this.irqs.has(irq)) return -16; // -EBUSY
    this.irqs.set(irq, { handler, devId, name, count: 0 });
    return 0;
  }

  freeIrq(irq: number, devId: unknown): void {
    const h = this.irqs.get(irq);
    if (!h || h.devId !== devId) {
      this.log.push(`WARNING: trying to free already-free IRQ ${irq}`);
      return;
    }
    this.irqs.delete(irq);
  }

  irqCount(irq: number): number {
    return this.irqs.get(irq)?.count ?? 0;
  }

  /** The device raises a line; the handler runs soon, in hardirq (atomic) context. Coalesced like a level-triggered line. */
  raiseIrq(irq: number): void {
    if (this.stopped || this.pending.has(irq)) return;
    this.pending.add(irq);
    setImmediate(() => {
      this.pending.delete(irq);
      const h = this.irqs.get(irq);
      if (!h) {
        this.spurious++;
        return;
      }
      h.count++;
      try {
        const r = atomic('hardirq', () => h.handler(irq, h.devId));
        if (r === 'none') this.spurious++;
      } catch (e) {
        this.log.push(`BUG: exception in interrupt handler ${h.name}: ${(e as Error).message}`);
      }
    });
  }

  /** A timer: `fn` runs in softirq (atomic) context after `ms`. */
  addTimer(ms: number, fn: () => void): () => void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      try {
        atomic('timer', fn);
      } catch (e) {
        this.log.push(`BUG: exception in timer: ${(e as Error).message}`);
      }
    }, ms);
    this.timers.add(t);
    return () => {
      clearTimeout(t);
      this.timers.delete(t);
    };
  }

  /** Deferred work: `fn` runs soon in process context, where it may sleep (and make upcalls). */
  queueWork(fn: () => void | Promise<void>): void {
    setImmediate(() => {
      Promise.resolve()
        .then(fn)
        .catch((e: unknown) => this.log.push(`BUG: exception in work item: ${(e as Error).message}`));
    });
  }

  /** Coherent DMA memory, as dma_alloc_coherent gives: aligned to 64 bytes. */
  dmaAlloc(size: number): DmaRegion {
    const start = (this.dmaNext + 63) & ~63;
    if (start + size > this.dma.byteLength) throw new Error('out of simulated DMA memory');
    this.dmaNext = start + size;
    return { bus: start, bytes: new Uint8Array(this.dma, start, size), view: new DataView(this.dma, start, size) };
  }

  /** The bytes at a bus address, as the device sees them; bounds-checked like an IOMMU would. */
  dmaView(bus: number, size: number): Uint8Array {
    if (bus < 0 || size < 0 || bus + size > this.dma.byteLength) throw new Error(`DMA to bus address 0x${bus.toString(16)}+${size} outside memory`);
    return new Uint8Array(this.dma, bus, size);
  }

  stop(): void {
    this.stopped = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }
}
