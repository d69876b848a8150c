// Test payloads that prove themselves: each carries its sequence number and a pattern derived from
// it, so the receiver can tell a frame (or period, or transfer) arrived intact and in order.
// A small seeded generator keeps every run the same.

/** xorshift32: deterministic, cheap. */
export class Rng {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0 || 1;
  }
  next(): number {
    let x = this.s;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.s = x >>> 0;
    return this.s;
  }
  /** An integer in [lo, hi]. */
  int(lo: number, hi: number): number {
    return lo + (this.next() % (hi - lo + 1));
  }
  /** True one time in `n`. */
  oneIn(n: number): boolean {
    return this.next() % n === 0;
  }
}

const HEADER = 8;

/** Fills `out` with the payload of sequence number `seq`: u32 seq, u32 length, then a pattern. */
export function fillPayload(out: Uint8Array, seq: number): Uint8Array {
  const v = new DataView(out.buffer, out.byteOffset, out.byteLength);
  v.setUint32(0, seq, true);
  v.setUint32(4, out.length, true);
  let x = (seq * 2654435761) >>> 0;
  for (let i = HEADER; i < out.length; i++) {
    out[i] = x & 0xff;
    x = (x + 0x9e) >>> 0;
  }
  return out;
}

export function makePayload(seq: number, length: number): Uint8Array {
  return fillPayload(new Uint8Array(Math.max(length, HEADER)), seq);
}

/** The sequence number of an intact payload, or -1 if any byte is wrong. */
export function payloadSeq(b: Uint8Array): number {
  if (b.length < HEADER) return -1;
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const seq = v.getUint32(0, true);
  if (v.getUint32(4, true) !== b.length) return -1;
  let x = (seq * 2654435761) >>> 0;
  for (let i = HEADER; i < b.length; i++) {
    if (b[i] !== (x & 0xff)) return -1;
    x = (x + 0x9e) >>> 0;
  }
  return seq;
}

/** What `InOrder.expectDamaged` puts in the expected stream. */
const DAMAGED = -1;

/**
 * Checks a stream of payloads as it arrives: each must carry the next expected sequence number
 * intact (or, where the sender says a damaged one was delivered, fail its own check there).
 */
export class InOrder {
  private readonly expected: number[] = [];
  private head = 0;
  received = 0;
  damaged = 0;
  corrupt = 0;
  outOfOrder = 0;
  firstProblem = '';

  expect(seq: number): void {
    this.expected.push(seq);
  }

  /** A payload damaged on purpose was delivered: it must arrive here, damaged, in its place. */
  expectDamaged(): void {
    this.expected.push(DAMAGED);
  }

  get expectedCount(): number {
    return this.expected.length;
  }

  arrive(b: Uint8Array): void {
    const seq = payloadSeq(b);
    this.received++;
    const want = this.expected[this.head];
    if (seq >= 0 && seq === want) {
      this.head++;
      return;
    }
    if (seq < 0 && want === DAMAGED) {
      this.damaged++;
      this.head++;
      return;
    }
    if (seq < 0) {
      this.corrupt++;
      this.firstProblem ||= `payload #${this.received} is corrupt`;
      return;
    }
    this.outOfOrder++;
    this.firstProblem ||= `payload #${this.received}: seq ${seq}, expected ${want === DAMAGED ? 'a damaged one' : (want ?? 'nothing')}`;
    const at = this.expected.indexOf(seq, this.head);
    if (at >= 0) this.head = at + 1;
  }

  /** Expected payloads that never arrived. */
  get missing(): number {
    return this.expected.length - this.head;
  }

  get ok(): boolean {
    return this.corrupt === 0 && this.outOfOrder === 0 && this.missing === 0;
  }

  summary(): string {
    const damaged = this.damaged ? ` (${this.damaged} of them damaged on the wire, as sent)` : '';
    return this.ok
      ? `${this.received} arrived intact and in order${damaged}`
      : `${this.received} received, ${this.corrupt} corrupt, ${this.outOfOrder} out of order, ${this.missing} missing; ${this.firstProblem}`;
  }
}
