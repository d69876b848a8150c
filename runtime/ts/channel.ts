// The kernel end of the channel (../shared/DESIGN.md, "The simulated split driver"). The kernel
// runs on the main thread, the u-driver in a worker_threads Worker; messages cross through the
// two mailboxes of mailbox.ts. Everything here is asynchronous, because the kernel's event loop is
// where its critical path (interrupts, transmit, receive) runs, and that must keep turning while
// an upcall is outstanding: the kernel never blocks on the u-driver.
//
// Nesting: the u-driver is a synchronous stack (an upcall it serves may block in a downcall, which
// may be interrupted by a nested upcall, ...). The kernel keeps one receive loop per worker that
// takes every message from the user: replies settle the upcall waiting on their call id, and calls
// (downcalls) are served concurrently, each in its own async context. An upcall made from inside a
// downcall's implementation is nested: it goes out at once, flagged, because the u-driver is
// blocked in that downcall and will serve it. Any other upcall is top-level and waits its turn:
// one top-level upcall at a time, as a single-threaded u-driver can only serve one.
import { atomic as simAtomic, inAtomic } from './sim/context.js';
import { AsyncLocalStorage } from 'node:async_hooks';
import { Worker, type WorkerOptions } from 'node:worker_threads';
import {
  classify,
  checkArity,
  describe,
  replyWriter,
  HANDSHAKE_KEY,
  lentObjects,
  lookupFunction,
  releaseLent,
  refusalReply,
  settleReply,
  type ConnectMessage,
  type Implementations,
  type IncomingCall,
  type WorkerReport,
} from './channel-core.js';
import { Codec } from './codec.js';
import { PeerGoneError, TimeoutError, WireError } from './errors.js';
import { DEFAULT_MAX_PAYLOAD, type HeaderLimits } from './header.js';
import { createChannelBuffer, EMPTY, FULL, mailboxes, type ChannelBufferInfo, type Mailbox } from './mailbox.js';
import { ObjectTable, type AnyFunction } from './object-table.js';
import type { Plan, PlanFunction, PlanInterface } from './plan.js';
import type { WireWriter } from './wire-writer.js';

export { UserChannel, type UserChannelOptions } from './user-channel.js';
export { EIO, type Implementations } from './channel-core.js';

export interface KernelChannelOptions {
  plan: Plan;
  /** The u-driver's entry module (it calls `UserChannel.connect` or `runUserDriver`). */
  workerUrl: URL | string;
  /** Handed to the worker untouched, as `workerData`. */
  workerData?: unknown;
  /** How long an upcall may take, queueing included, before it fails with TimeoutError. Default 5000. */
  timeoutMs?: number;
  /** How long `start()` waits for the worker to connect. Default: the larger of 10 s and `timeoutMs`. */
  connectTimeoutMs?: number;
  /** The downcalls this side serves: `{ [interface]: { [function]: (...args) => result } }`; a result may be a promise. */
  implementation?: Implementations;
  /** The largest payload one message may carry (each mailbox holds one). Default 1 MiB. */
  maxPayload?: number;
  /** Polls of the inbox before parking on it; kept short, it runs on the kernel's event loop. Default 64. */
  spin?: number;
  /** Entries of the u-driver's (shadows, tokens, stubs) the kernel's table holds at most. Default 65536, as in the C runtime. */
  maxPeerEntries?: number;
  /** Other Worker options (resourceLimits, execArgv, stdout, ...). */
  workerOptions?: Omit<WorkerOptions, 'workerData'>;
}

/** Park at most this long, then look again (notify wakes us sooner; this bounds a lost wake-up). */
const POLL_MS = 250;
/** Messages handled back to back before the receive loop yields to the rest of the event loop. */
const BATCH = 32;

// ---- atomic context --------------------------------------------------------------------------

// The one atomic context of the simulated kernel (sim/context.ts): per thread, not per channel,
// since an interrupt handler or a spinlock holder may not sleep on any channel. Synchronous only,
// like the contexts it models.

/** Runs `fn` as atomic context (spinlock held, interrupt handler): upcalls inside it throw. */
export function atomic<T>(fn: () => T): T {
  return simAtomic('atomic context', fn);
}

/** True inside atomic context: `atomic(...)`, an interrupt handler, a timer or a held spinlock. */
export function inAtomicContext(): boolean {
  return inAtomic();
}

// ---- internals -------------------------------------------------------------------------------

/** A FIFO lock whose holder releases it by calling what `acquire` gave. */
class Mutex {
  private tail: Promise<void> = Promise.resolve();
  acquire(): Promise<() => void> {
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const before = this.tail;
    this.tail = before.then(() => held);
    return before.then(() => release);
  }
}

interface PendingUpcall {
  iface: PlanInterface;
  fn: PlanFunction;
  args: unknown[];
  callId: number;
  /** [out] objects this call was the first to send: forgotten when it ends. */
  lent: [object, number][] | null;
  settled: boolean;
  release: (() => void) | null;
  timer: ReturnType<typeof setTimeout> | null;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

/** A downcall being served: upcalls its implementation makes are nested in it. */
interface Frame {
  session: Session;
  lock: Mutex;
  done: boolean;
}

/** One incarnation of the u-driver: a worker, its buffer, and the calls in flight with it. */
class Session {
  readonly inbox: Mailbox;
  readonly outbox: Mailbox;
  readonly scratch: Uint8Array;
  readonly topLock = new Mutex();
  /** Upcalls not yet settled, sent or still queued. */
  readonly calls = new Set<PendingUpcall>();
  /** Sent upcalls by call id, for their replies. */
  readonly pending = new Map<number, PendingUpcall>();
  dead: PeerGoneError | null = null;
  stopping = false;
  readonly exited: Promise<void>;
  private markExited!: () => void;
  private lastCallId = 0;

  constructor(
    readonly worker: Worker,
    info: ChannelBufferInfo,
  ) {
    ({ inbox: this.inbox, outbox: this.outbox } = mailboxes(info, 'kernel'));
    this.scratch = new Uint8Array(info.capacity);
    this.exited = new Promise((r) => (this.markExited = r));
  }

  nextCallId(): number {
    // u32, never 0; a wrap after 2^32-1 calls cannot collide with a call still in flight.
    this.lastCallId = this.lastCallId >= 0xffffffff ? 1 : this.lastCallId + 1;
    return this.lastCallId;
  }

  onExit(): void {
    this.markExited();
  }
}

// ---- the kernel end ----------------------------------------------------------------------------

export class KernelChannel {
  /** The kernel's object table; it outlives u-driver restarts (which drop the peer's entries). */
  readonly tables: ObjectTable;
  readonly codec: Codec;
  readonly plan: Plan;
  readonly timeoutMs: number;
  private readonly limits: HeaderLimits;
  private readonly implementation: Implementations;
  private readonly frames = new AsyncLocalStorage<Frame>();
  private session: Session | null = null;

  constructor(private readonly options: KernelChannelOptions) {
    this.plan = options.plan;
    this.tables = new ObjectTable('kernel', options.maxPeerEntries !== undefined ? { maxPeerEntries: options.maxPeerEntries } : {});
    this.timeoutMs = options.timeoutMs ?? 5000;
    this.limits = { maxPayload: options.maxPayload ?? DEFAULT_MAX_PAYLOAD };
    this.implementation = options.implementation ?? {};
    this.codec = new Codec(options.plan, this.tables, (typeId, id) => this.callbackStub(typeId, id), this.limits);
  }

  /** The current u-driver's Worker (null before `start`); tests use it to kill the peer. */
  get worker(): Worker | null {
    return this.session?.worker ?? null;
  }

  /** True while a u-driver is connected and alive. */
  get running(): boolean {
    return this.session !== null && this.session.dead === null;
  }

  /** Starts the u-driver worker (again, after a stop or a crash) and waits until it has connected. */
  async start(): Promise<void> {
    if (this.running) throw new Error('KernelChannel.start: the u-driver is already running');
    // A new u-driver's serials start at 1 again: ids the last one issued must not name its shadows.
    if (this.session) {
      this.tables.clear();
      this.codec.dropPendingFrees();
    }
    const info = createChannelBuffer(this.limits.maxPayload);
    const worker = new Worker(this.options.workerUrl, { ...this.options.workerOptions, workerData: this.options.workerData });
    const s = new Session(worker, info);
    this.session = s;

    let connected: (report: WorkerReport | PeerGoneError) => void = () => {};
    const handshake = new Promise<WorkerReport | PeerGoneError>((r) => (connected = r));
    const onMessage = (m: unknown): void => {
      if (m && typeof m === 'object' && HANDSHAKE_KEY in m) connected(m as WorkerReport);
    };
    worker.on('message', onMessage);
    // 'error' (an uncaught exception) comes before 'exit'; the first one names the cause.
    worker.on('error', (e) => this.peerGone(s, `the u-driver crashed: ${describe(e)}`));
    worker.on('exit', (code) => {
      this.peerGone(s, s.stopping ? 'the u-driver was stopped' : `the u-driver exited with code ${code}`);
      s.onExit();
    });
    s.exited.then(() => connected(s.dead ?? new PeerGoneError('the u-driver exited')));

    const hello: ConnectMessage = {
      [HANDSHAKE_KEY]: 'connect',
      buffer: info.buffer,
      capacity: info.capacity,
      maxPayload: this.limits.maxPayload,
      module: this.plan.module,
      version: this.plan.version,
    };
    worker.postMessage(hello);
    void this.receive(s);

    const connectMs = this.options.connectTimeoutMs ?? Math.max(10_000, this.timeoutMs);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<'timeout'>((r) => (timer = setTimeout(() => r('timeout'), connectMs)));
    const outcome = await Promise.race([handshake, timeout]);
    clearTimeout(timer);
    worker.off('message', onMessage);
    if (outcome !== 'timeout' && !(outcome instanceof PeerGoneError) && outcome[HANDSHAKE_KEY] === 'ready' && !s.dead) return;

    const why =
      outcome === 'timeout'
        ? `the u-driver did not connect within ${connectMs} ms`
        : outcome instanceof PeerGoneError
          ? outcome.detail
          : outcome[HANDSHAKE_KEY] === 'refused'
            ? `the u-driver refused to connect: ${outcome.message}`
            : 'the u-driver died while connecting';
    s.stopping = true;
    this.peerGone(s, why);
    await worker.terminate();
    await s.exited;
    throw s.dead ?? new PeerGoneError(why);
  }

  /** Terminates the u-driver: outstanding and later upcalls fail with PeerGoneError. */
  async stop(): Promise<void> {
    const s = this.session;
    if (!s) return;
    s.stopping = true;
    this.peerGone(s, 'the u-driver was stopped');
    await s.worker.terminate();
    await s.exited;
  }

  /**
   * Stops the u-driver and starts a fresh worker; `start` forgets every id the old one issued
   * (`tables.clear()`: the kernel's own objects keep theirs), and the new one builds its shadows
   * anew from the next calls.
   */
  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }

  /** Runs `fn` as atomic context: an upcall inside it throws, as `might_sleep` would. */
  atomic<T>(fn: () => T): T {
    return atomic(fn);
  }

  /**
   * Calls `ifaceName.fnName` in the u-driver. Resolves with the return value once the reply has
   * been applied: the fields the function writes land in the live objects of `args`, and out
   * parameters in their boxes and buffers. Rejects with RemoteError (the u-driver answered with
   * an error), TimeoutError (no answer within `timeoutMs`), PeerGoneError (no u-driver) or
   * WireError (a bad reply, or arguments that cannot be encoded). Throws synchronously from atomic
   * context and for a name or arity the plan does not have.
   */
  upcall(ifaceName: string, fnName: string, args: unknown[]): Promise<unknown> {
    if (inAtomic()) throw new Error(`upcall ${fnName} from atomic context (might_sleep)`);
    const { iface, fn } = lookupFunction(this.codec, ifaceName, fnName, 'upcall');
    checkArity(fn, args);
    return this.call(iface, fn, args);
  }

  /** A u-driver function the kernel was handed as a callback: calling it is an upcall (a promise). */
  private callbackStub(typeId: number, id: number): AnyFunction {
    return (...args: unknown[]) => {
      const call = this.codec.callbackCall(typeId, id);
      if (!call) throw new Error(`callback type ${typeId} is not in this plan`);
      if (inAtomic()) throw new Error(`upcall ${call.fn.name} from atomic context (might_sleep)`);
      checkArity(call.fn, args);
      return this.call(call.iface, call.fn, args);
    };
  }

  private call(iface: PlanInterface, fn: PlanFunction, args: unknown[]): Promise<unknown> {
    const s = this.session;
    if (!s || s.dead) return Promise.reject(new PeerGoneError(s?.dead?.detail ?? 'the u-driver is not started', iface.name, fn.name));
    const frame = this.frames.getStore();
    const nested = frame !== undefined && frame.session === s && !frame.done;
    const lock = nested ? frame.lock : s.topLock;
    return new Promise((resolve, reject) => {
      const p: PendingUpcall = { iface, fn, args, callId: 0, lent: null, settled: false, release: null, timer: null, resolve, reject };
      s.calls.add(p);
      p.timer = setTimeout(() => this.settle(s, p, new TimeoutError(iface.name, fn.name, this.timeoutMs)), this.timeoutMs);
      void (async () => {
        const release = await lock.acquire();
        if (p.settled) return release();
        p.release = release;
        p.callId = s.nextCallId();
        s.pending.set(p.callId, p);
        await this.send(
          s,
          (w) => {
            p.lent = lentObjects(this.codec, fn, args);
            return this.codec.encodeCall(w, iface, fn, args, p.callId, nested).byteLength;
          },
          () => p.settled,
        );
      })().catch((e: unknown) => this.settle(s, p, e));
    });
  }

  private settle(s: Session, p: PendingUpcall, error: unknown, value?: unknown): void {
    if (p.settled) return;
    p.settled = true;
    if (p.timer) clearTimeout(p.timer);
    s.calls.delete(p);
    if (p.callId) s.pending.delete(p.callId);
    releaseLent(this.codec, p.lent, error === null);
    // A timed-out upcall lets the next one go: the u-driver may just be slow, and the late reply
    // is dropped by its call id. One that is truly hung makes the next time out too; restart().
    p.release?.();
    if (error !== null) p.reject(error);
    else p.resolve(value);
  }

  private peerGone(s: Session, detail: string): void {
    if (s.dead) return;
    s.dead = new PeerGoneError(detail);
    for (const p of [...s.calls]) this.settle(s, p, new PeerGoneError(detail, p.iface.name, p.fn.name));
    // End this session's wait loops now rather than at their next poll.
    s.inbox.wake();
    s.outbox.wake();
  }

  /**
   * Writes one message once the outbox is free. The check and the write are one synchronous step,
   * so kernel tasks racing to send cannot interleave; waiting for the slot is asynchronous.
   */
  private async send(s: Session, encode: (w: WireWriter) => number, abandoned: () => boolean = () => false): Promise<void> {
    for (;;) {
      if (s.dead) throw s.dead;
      if (abandoned()) return;
      if (!s.outbox.full) {
        const length = encode(s.outbox.writer);
        s.outbox.publish(length);
        return;
      }
      await s.outbox.waitAsync(FULL, 0, POLL_MS);
    }
  }

  /** Takes every message the u-driver sends, for the life of its worker. */
  private async receive(s: Session): Promise<void> {
    const spin = this.options.spin ?? 64;
    let batch = 0;
    while (!s.dead) {
      if (!s.inbox.full) {
        batch = 0;
        await s.inbox.waitAsync(EMPTY, spin, POLL_MS);
        continue;
      }
      if (++batch > BATCH) {
        // A u-driver that floods us must not starve the critical path.
        batch = 0;
        await new Promise<void>((r) => setImmediate(r));
        continue;
      }
      try {
        this.handle(s, s.inbox.take(s.scratch));
      } catch (e) {
        this.protocolError(s, e instanceof WireError ? e : new WireError(describe(e)), null);
      }
    }
  }

  private handle(s: Session, bytes: Uint8Array): void {
    const m = classify(this.codec, this.limits, bytes, 'downcall', this.implementation);
    switch (m.kind) {
      case 'call':
        void this.serve(s, m);
        return;
      case 'refuse':
        this.send(s, (w) => refusalReply(w, m)).catch(() => {});
        return;
      case 'garbage':
        return this.protocolError(s, m.error, m.callId);
      case 'reply': {
        const p = s.pending.get(m.header.callId);
        if (!p) return; // the reply to an upcall that already timed out
        let value: unknown;
        try {
          value = settleReply(this.codec, this.limits, bytes, m.header, p.iface, p.fn, p.callId, p.args);
        } catch (e) {
          return this.settle(s, p, e);
        }
        return this.settle(s, p, null, value);
      }
    }
  }

  /** Bytes that are not a message: the upcall they claim to answer fails with EPROTO. */
  private protocolError(s: Session, error: WireError, callId: number | null): void {
    const p = callId !== null ? s.pending.get(callId) : undefined;
    if (p) this.settle(s, p, error);
  }

  /** Serves one downcall; upcalls its implementation makes are nested in it. */
  private async serve(s: Session, c: IncomingCall): Promise<void> {
    const frame: Frame = { session: s, lock: new Mutex(), done: false };
    const version = this.plan.version;
    let reply: (w: WireWriter) => number;
    try {
      const result = await this.frames.run(frame, () => c.impl.apply(c.self, c.args));
      reply = replyWriter(this.codec, version, c, { ok: true, result });
    } catch (e) {
      reply = replyWriter(this.codec, version, c, { ok: false, error: e });
    } finally {
      frame.done = true;
    }
    // A u-driver that died meanwhile has nobody left to answer.
    await this.send(s, reply).catch(() => {});
  }
}
