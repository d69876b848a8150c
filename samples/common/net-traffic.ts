// Sustained traffic through a simulated NIC and its k-driver: frames arrive from the wire in
// bursts (now and then a storm bigger than the receive ring, which the chip must miss, and now
// and then a frame damaged on the way), and the stack transmits as many, retrying while the
// driver's queue is stopped. After each burst the wire waits until the driver has caught up, so a
// run is the same every time and in either mode. Every frame carries a self-checking payload.
import { InOrder, makePayload, Rng } from './payload.js';
import { tick } from './scenario.js';

export interface NetPort {
  /** The chip receives a frame from the wire; false if it did not store it. */
  receive(frame: Uint8Array, damaged: boolean): boolean;
  /** ndo_start_xmit, as the stack calls it. */
  xmit(frame: Uint8Array): 'ok' | 'busy';
  /** Frames the chip put on the wire since the last call (the caller empties it). */
  takeWire(): Uint8Array[];
  /** True when the driver has taken every stored frame and reclaimed every sent one. */
  idle(): boolean;
  /** What the driver and chip look like, for a stall report. */
  describe?(): string;
}

export interface NetTrafficOptions {
  frames: number;
  seed: number;
  /** Frames per storm (more than the ring holds). */
  storm: number;
  /** One burst in `stormEvery` is a storm; one frame in `damageEvery` is damaged. */
  stormEvery: number;
  damageEvery: number;
  /** Whether the chip hands damaged frames to the driver (which then delivers them, as sent). */
  damagedDelivered: boolean;
  progress?: (done: number) => void;
  /**
   * Called between bursts with the number of frames received so far (management calls go here);
   * the wire holds until a promise it returns settles.
   */
  between?: (done: number) => void | Promise<void>;
}

export class NetTraffic {
  readonly rx = new InOrder();
  readonly tx = new InOrder();
  stored = 0;
  damagedStored = 0;
  damagedSent = 0;
  notStored = 0;
  storms = 0;
  rxDone = 0;

  constructor(
    private readonly port: NetPort,
    private readonly o: NetTrafficOptions,
  ) {}

  /** The stack's receive path (netif_receive_skb) for the k-driver. */
  readonly deliver = (frame: Uint8Array): void => this.rx.arrive(frame);

  async run(): Promise<void> {
    const { o, port } = this;
    const rng = new Rng(o.seed);
    const txQueue: Uint8Array[] = [];
    let txHead = 0;
    let txSeq = 0;
    const pump = (): void => {
      while (txHead < txQueue.length && port.xmit(txQueue[txHead]!) === 'ok') txHead++;
      if (txHead === txQueue.length) {
        txQueue.length = 0;
        txHead = 0;
      }
      for (const f of port.takeWire()) this.tx.arrive(f);
    };
    let lastProgress = 0;
    while (this.rxDone < o.frames || txSeq < o.frames || txQueue.length) {
      const storm = rng.oneIn(o.stormEvery);
      if (storm) this.storms++;
      const burst = storm ? o.storm : rng.int(1, 6);
      for (let i = 0; i < burst && this.rxDone < o.frames; i++) {
        const seq = this.rxDone++;
        const frame = makePayload(seq, storm ? 1514 : rng.int(60, 300));
        const damaged = rng.oneIn(o.damageEvery);
        if (damaged) frame[frame.length - 1]! ^= 0x5a;
        if (damaged) this.damagedSent++;
        if (port.receive(frame, damaged)) {
          this.stored++;
          if (damaged) {
            this.damagedStored++;
            if (o.damagedDelivered) this.rx.expectDamaged();
          } else {
            this.rx.expect(seq);
          }
        } else {
          this.notStored++;
        }
      }
      for (let i = 0; i < burst && txSeq < o.frames; i++) {
        const seq = txSeq++;
        txQueue.push(makePayload(seq, rng.int(60, 300)));
        this.tx.expect(seq);
      }
      pump();
      for (let spins = 0; ; spins++) {
        await tick();
        pump();
        if (txQueue.length === 0 && port.idle()) break;
        if (spins > 100_000) throw new Error(`the critical path stalled at frame ${this.rxDone} (not idle: ${port.describe?.() ?? ''})`);
      }
      const held = o.between?.(this.rxDone);
      if (held) await held;
      if (this.rxDone - lastProgress >= 2000 || this.rxDone === o.frames) {
        lastProgress = this.rxDone;
        o.progress?.(this.rxDone);
      }
    }
  }
}
