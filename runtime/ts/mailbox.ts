// The two one-message mailboxes the kernel and user threads talk through, in one SharedArrayBuffer.
//
// Layout (byte offsets):
//   0    k2u control: i32 state, i32 length, i32 sleepers   (kernel -> user: upcalls, replies to downcalls)
//   64   u2k control: i32 state, i32 length, i32 sleepers   (user -> kernel: downcalls, replies to upcalls)
//   128  k2u data, `capacity` bytes (8-aligned)
//   128 + capacity  u2k data, `capacity` bytes
// The control words sit on separate cache lines so that one side polling its inbox does not
// contend with the other side's outbox.
//
// Protocol of one mailbox, which has exactly one writer thread and one reader thread:
//   EMPTY --writer: copy message into data, store length, store FULL, notify--> FULL
//   FULL  --reader: load length, copy message out, store EMPTY, notify-------> EMPTY
// The writer touches data and length only while the state is EMPTY, the reader only while it is
// FULL; the seq-cst store of the state publishes the plain writes before it. Both waits (the
// reader's for FULL, the writer's for EMPTY) are on the state word, so one notify wakes either.
//
// A notify costs even when nobody sleeps, and most hand-offs find the peer polling: so a side
// counts itself in `sleepers` before it parks, checks the state again, and only then waits; the
// other side notifies only when it sees a sleeper after its store of the state. Both are seq-cst,
// so either the sleeper sees the new state or the storer sees the sleeper (and Atomics.wait
// re-checks the value itself). A peer that forges the count only delays its own messages: a
// parked kernel looks again after POLL_MS whatever it says.
import { performance } from 'node:perf_hooks';
import { WireError } from './errors.js';
import { HEADER_SIZE, DEFAULT_MAX_PAYLOAD } from './header.js';
import { WireWriter } from './wire-writer.js';

export const EMPTY = 0;
export const FULL = 1;

const CONTROL_BYTES = 128;
/** Messages up to this many bytes are copied out byte by byte (see `take`). */
const SMALL_COPY = 256;
/** Views of a reader's buffer kept, one per length modulo this (a power of two). */
const VIEW_SLOTS = 64;
const K2U_CONTROL = 0; // i32 index
const U2K_CONTROL = 16; // i32 index (byte 64)

export type Direction = 'k2u' | 'u2k';

/** What the kernel hands the worker so both build the same view of the buffer. */
export interface ChannelBufferInfo {
  buffer: SharedArrayBuffer;
  capacity: number;
}

/** A buffer for two mailboxes that each hold one message of up to `maxPayload` payload bytes. */
export function createChannelBuffer(maxPayload = DEFAULT_MAX_PAYLOAD): ChannelBufferInfo {
  const capacity = (HEADER_SIZE + maxPayload + 7) & ~7;
  return { buffer: new SharedArrayBuffer(CONTROL_BYTES + 2 * capacity), capacity };
}

type WaitAsyncResult = { async: false; value: 'not-equal' | 'timed-out' } | { async: true; value: Promise<'ok' | 'timed-out'> };
type WaitAsync = (ta: Int32Array, index: number, value: number, timeoutMs?: number) => WaitAsyncResult;
// Typed by hand: the ES2022 lib the project compiles against predates Atomics.waitAsync.
const waitAsync: WaitAsync | undefined = (Atomics as unknown as { waitAsync?: WaitAsync }).waitAsync?.bind(Atomics);

export class Mailbox {
  readonly ctrl: Int32Array;
  readonly stateAt: number;
  readonly lengthAt: number;
  readonly sleepersAt: number;
  readonly capacity: number;
  /** Encodes straight into the mailbox: valid only while the state is EMPTY and we are its writer. */
  readonly writer: WireWriter;
  private readonly data: Uint8Array;

  constructor(info: ChannelBufferInfo, readonly direction: Direction) {
    this.ctrl = new Int32Array(info.buffer, 0, CONTROL_BYTES / 4);
    const base = direction === 'k2u' ? K2U_CONTROL : U2K_CONTROL;
    this.stateAt = base;
    this.lengthAt = base + 1;
    this.sleepersAt = base + 2;
    this.capacity = info.capacity;
    const dataAt = CONTROL_BYTES + (direction === 'k2u' ? 0 : info.capacity);
    this.data = new Uint8Array(info.buffer, dataAt, info.capacity);
    this.writer = new WireWriter(info.buffer, dataAt, info.capacity);
  }

  get full(): boolean {
    return Atomics.load(this.ctrl, this.stateAt) === FULL;
  }

  /** Writer: the message of `length` bytes now in `writer` is handed over. */
  publish(length: number): void {
    Atomics.store(this.ctrl, this.lengthAt, length);
    Atomics.store(this.ctrl, this.stateAt, FULL);
    if (Atomics.load(this.ctrl, this.sleepersAt) !== 0) Atomics.notify(this.ctrl, this.stateAt);
  }

  /**
   * Reader: copies the message into `into` and frees the mailbox. The copy comes first because
   * the peer may rewrite shared memory while we decode; a length the peer forged is a WireError
   * (the mailbox is freed all the same, so the conversation can go on).
   */
  take(into: Uint8Array): Uint8Array {
    const length = Atomics.load(this.ctrl, this.lengthAt);
    try {
      if (length < 0 || length > this.capacity || length > into.length) {
        throw new WireError(`mailbox ${this.direction} announces ${length} bytes, more than its ${this.capacity}`);
      }
      // Small messages (null calls, most replies) are copied without making a view of the
      // buffer, and handed out in a view kept from the last message of that length: a view is an
      // allocation, and a crossing is a few microseconds.
      if (length <= SMALL_COPY) {
        const data = this.data;
        for (let i = 0; i < length; i++) into[i] = data[i]!;
      } else {
        into.set(this.data.subarray(0, length));
      }
      return this.viewOf(into, length);
    } finally {
      Atomics.store(this.ctrl, this.stateAt, EMPTY);
      if (Atomics.load(this.ctrl, this.sleepersAt) !== 0) Atomics.notify(this.ctrl, this.stateAt);
    }
  }

  private views: Uint8Array[] = [];
  private viewsOf: Uint8Array | null = null;

  /** `into.subarray(0, length)`, kept per length for the `into` last used. */
  private viewOf(into: Uint8Array, length: number): Uint8Array {
    if (this.viewsOf !== into) {
      this.viewsOf = into;
      this.views = [];
    }
    const slot = length & (VIEW_SLOTS - 1);
    const v = this.views[slot];
    if (v !== undefined && v.length === length) return v;
    return (this.views[slot] = into.subarray(0, length));
  }

  /**
   * Reader, a hint only: whether the message waiting looks like the reply (or error reply) to
   * call `callId`, read straight from shared memory. Whatever it says, the message is decoded
   * from a copy (`take`) and checked in full.
   */
  looksLikeReplyTo(callId: number): boolean {
    if (Atomics.load(this.ctrl, this.stateAt) !== FULL || Atomics.load(this.ctrl, this.lengthAt) < HEADER_SIZE) return false;
    const kind = this.data[8];
    return (kind === 2 || kind === 3) && (this.data[20]! | (this.data[21]! << 8) | (this.data[22]! << 16) | (this.data[23]! << 24)) >>> 0 === callId;
  }

  /** Wakes whoever waits on this mailbox (a closing side uses it to end its own wait loops). */
  wake(): void {
    Atomics.notify(this.ctrl, this.stateAt);
  }

  // ---- blocking waits (the worker: a u-driver blocks like C) --------------------------------

  /** Spins `spin` times, then parks until the state is not `whileState`; false on timeout. */
  waitSync(whileState: number, spin: number, timeoutMs = Infinity): boolean {
    for (let i = 0; i < spin; i++) if (Atomics.load(this.ctrl, this.stateAt) !== whileState) return true;
    // performance.now(), not Date.now(): a wall clock stepped back must not stretch a short park.
    const deadline = timeoutMs === Infinity ? Infinity : performance.now() + timeoutMs;
    for (;;) {
      if (Atomics.load(this.ctrl, this.stateAt) !== whileState) return true;
      const left = deadline - performance.now();
      if (left <= 0) return false;
      Atomics.add(this.ctrl, this.sleepersAt, 1);
      try {
        if (Atomics.load(this.ctrl, this.stateAt) === whileState) Atomics.wait(this.ctrl, this.stateAt, whileState, left);
      } finally {
        Atomics.sub(this.ctrl, this.sleepersAt, 1);
      }
    }
  }

  // ---- non-blocking waits (the kernel thread, whose event loop must keep turning) ------------

  /**
   * Resolves once the state may no longer be `whileState`, or after `pollMs`: callers re-check in
   * a loop. A short spin first catches a peer that answers within microseconds without a trip
   * through the event loop.
   */
  async waitAsync(whileState: number, spin: number, pollMs: number): Promise<void> {
    for (let i = 0; i < spin; i++) if (Atomics.load(this.ctrl, this.stateAt) !== whileState) return;
    if (waitAsync) {
      Atomics.add(this.ctrl, this.sleepersAt, 1);
      try {
        if (Atomics.load(this.ctrl, this.stateAt) !== whileState) return;
        const r = waitAsync(this.ctrl, this.stateAt, whileState, pollMs);
        if (r.async) await r.value;
      } finally {
        Atomics.sub(this.ctrl, this.sleepersAt, 1);
      }
      return;
    }
    // No Atomics.waitAsync: poll, backing off so an idle channel does not burn a core.
    await new Promise<void>((resolve) => setTimeout(resolve, Math.min(pollMs, 1)));
  }
}

/** The pair of mailboxes as one side sees them: where it reads and where it writes. */
export function mailboxes(info: ChannelBufferInfo, side: 'kernel' | 'user'): { inbox: Mailbox; outbox: Mailbox } {
  const k2u = new Mailbox(info, 'k2u');
  const u2k = new Mailbox(info, 'u2k');
  return side === 'kernel' ? { inbox: u2k, outbox: k2u } : { inbox: k2u, outbox: u2k };
}
