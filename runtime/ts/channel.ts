// The kernel end of the channel (docs/runtime.md, the simulated split driver). The kernel
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
import { atomic as simAtomic, atomicEntries, inAtomic } from './sim/context.js';
import { performance } from 'node:perf_hooks';
import { AsyncLocalStorage } from 'node:async_hooks';
import { Worker, type WorkerOptions } from 'node:worker_threads';
import {
  classify,
  checkArity,
  describe,
  replyWriter,
  HANDSHAKE_KEY,
  isThenable,
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
import { AdaptiveSpin } from './spin.js';
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
  /**
   * How long, in microseconds, the kernel thread may wait synchronously for the reply to an
   * upcall it just sent, while the critical path is idle (see "Sharing the kernel thread"). 0
   * turns it off. Default 20.
   */
  spinUs?: number;
  /**
   * The share of the kernel thread the channel's own work (encoding, decoding, settling upcalls)
   * may take while the critical path is running: past it, messages from the u-driver wait. Default 0.01.
   */
  managementShare?: number;
  /** Entries of the u-driver's (shadows, tokens, stubs) the kernel's table holds at most. Default 65536, as in the C runtime. */
  maxPeerEntries?: number;
  /** Other Worker options (resourceLimits, execArgv, stdout, ...). */
  workerOptions?: Omit<WorkerOptions, 'workerData'>;
}

/** Park at most this long, then look again (notify wakes us sooner; this bounds a lost wake-up). */
const POLL_MS = 250;
/** Messages handled back to back before the receive loop yields to the rest of the event loop. */
const BATCH = 32;
/** After the channel was last busy, the inbox is polled once per turn of the event loop at most this long (adaptive) before the receive loop parks. */
const HOT_MS = 1;
/**
 * Polling paid only if it found the message within this long (ms): about what waking a parked
 * receive loop costs. A message that took longer (both threads fighting for the cores of a loaded
 * machine, say) would have come as fast to a parked loop, without the polling taking a core.
 */
const HOT_PAYS_MS = 0.05;
/** Synchronous waits for replies take at most this much of one turn of the event loop. */
const SPIN_PER_TURN_US = 200;
/** The critical path counts as running for this long after it last entered atomic context. */
const CRITICAL_RECENT_MS = 5;
/**
 * The most credit (µs of kernel-thread time) the channel's work saves up while the critical path is
 * busy, and the most debt: at least one message's largest charge, or the debt would forgive part
 * of what a message cost.
 */
const CREDIT_CAP_US = 1000;
/**
 * The most one message is charged (see `charge`). Measured while the critical path runs (samples/nic,
 * 2-core VM), a management message costs the kernel thread 50–300 µs, not the microseconds it takes
 * in a loop: its code and data are cold after the critical path's bursts, and waking a parked
 * u-driver is a futex syscall that costs tens of µs on a VM. Longer than this is preemption.
 */
const MAX_CHARGE_US = 1000;
/** How long no downcall has been served before the async context that tracks them is switched off. */
const CONTEXT_IDLE_MS = 5;

const immediate = (): Promise<void> => new Promise((r) => setImmediate(r));

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

/**
 * A FIFO lock taken with a callback: the holder runs at once when it is free (no promise, no turn
 * of the event loop), otherwise when the one before leaves.
 */
class Turnstile {
  private held = false;
  private readonly waiting: (() => void)[] = [];
  enter(go: () => void): void {
    if (this.held) this.waiting.push(go);
    else {
      this.held = true;
      go();
    }
  }
  /** Takes the lock if it is free, without a callback. */
  tryEnter(): boolean {
    if (this.held) return false;
    this.held = true;
    return true;
  }
  leave(): void {
    const next = this.waiting.shift();
    if (next) queueMicrotask(next);
    else this.held = false;
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
  /** The lock it holds while in flight. */
  holds: Turnstile | null;
  /** performance.now() past which it fails with TimeoutError. */
  deadline: number;
  /** Null while the call is sent at once and its reply awaited on this thread (`callNow`): settling then records the outcome. */
  resolve: ((value: unknown) => void) | null;
  reject: ((error: unknown) => void) | null;
  /** The outcome, when it settled before it had a promise. */
  error: unknown;
  value: unknown;
}

/** A downcall being served: upcalls its implementation makes are nested in it. */
interface Frame {
  session: Session;
  lock: Turnstile;
  done: boolean;
}

/** One incarnation of the u-driver: a worker, its buffer, and the calls in flight with it. */
class Session {
  readonly inbox: Mailbox;
  readonly outbox: Mailbox;
  readonly scratch: Uint8Array;
  readonly topLock = new Turnstile();
  /** Upcalls not yet settled, sent or still queued. */
  readonly calls = new Set<PendingUpcall>();
  /** Sent upcalls by call id, for their replies. */
  readonly pending = new Map<number, PendingUpcall>();
  dead: PeerGoneError | null = null;
  stopping = false;
  /**
   * Top-level upcalls made before the u-driver reported ready (its init has run): they queue here
   * and go out once it has, or fail with the session. Null once ready.
   */
  notReady: (() => void)[] | null = [];
  /** The receive loop polls every turn until then (performance.now()), and parks after. */
  hotUntil = 0;
  /** When the current hot window opened. */
  hotSince = 0;
  /** How long to stay hot, adapted to whether polling finds messages. */
  readonly hot = new AdaptiveSpin(HOT_MS);
  /** Whether the receive loop is in a hot window that has not yet found a message. */
  hotPending = false;
  /** The receive loop is parked on the inbox (not polling). */
  parked = false;
  /**
   * The one timer of the session: it fires at the oldest call's deadline, or earlier. It outlives
   * the calls (unref'd while there are none) so that back-to-back calls do not each create and
   * clear a timer: one set at an older call's deadline fires early, finds nothing due, and re-arms.
   */
  timer: ReturnType<typeof setTimeout> | null = null;
  timerAt = Infinity;
  timerRefed = false;
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

  /** Lets the upcalls held until ready go, in the order they were made (at most once). */
  release(): void {
    const held = this.notReady;
    this.notReady = null;
    if (held) for (const go of held) go();
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
  /**
   * Downcalls being served (frames not done). With none, no upcall can be nested, so the frame
   * is not looked up; and once there has been none for CONTEXT_IDLE_MS the AsyncLocalStorage is
   * disabled: while one is enabled, Node runs a hook on every promise of the thread (ours, and
   * the critical path's), which a stream of upcalls would pay for nothing. Serving the next
   * downcall enables it again (a few microseconds, once per quiet spell).
   */
  private liveFrames = 0;
  private framesOn = false;
  private framesIdleSince = 0;
  private session: Session | null = null;

  constructor(private readonly options: KernelChannelOptions) {
    this.plan = options.plan;
    this.replySpin = new AdaptiveSpin(options.spinUs ?? 20);
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
    if (outcome !== 'timeout' && !(outcome instanceof PeerGoneError) && outcome[HANDSHAKE_KEY] === 'ready' && !s.dead) {
      s.release();
      return;
    }

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
    // Upcalls made meanwhile, even while the old worker is still being stopped, wait for the new
    // one (and then for its ready signal, as in start), or fail with it.
    const gate: (() => void)[] = [];
    this.awaitingRestart = gate;
    try {
      await this.stop();
      await this.start();
    } finally {
      if (this.awaitingRestart === gate) this.awaitingRestart = null;
      for (const go of gate) go();
    }
  }

  /** Upcalls waiting for `restart` to have a new session (null when not restarting). */
  private awaitingRestart: (() => void)[] | null = null;

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
    const frame = this.currentFrame();
    const gate = this.awaitingRestart;
    if (gate && (!s || s.dead) && frame === undefined) return new Promise<void>((r) => gate.push(r)).then(() => this.call(iface, fn, args));
    if (!s || s.dead) return Promise.reject(new PeerGoneError(s?.dead?.detail ?? 'the u-driver is not started', iface.name, fn.name));
    const nested = frame !== undefined && frame.session === s && !frame.done;
    const lock = nested ? frame.lock : s.topLock;
    if ((nested || s.notReady === null) && !s.outbox.full && lock.tryEnter()) return this.callNow(s, lock, iface, fn, args, nested);
    return new Promise((resolve, reject) => {
      const p: PendingUpcall = { iface, fn, args, callId: 0, lent: null, settled: false, holds: null, deadline: performance.now() + this.timeoutMs, resolve, reject, error: null, value: undefined };
      s.calls.add(p);
      this.armTimer(s);
      const send = (): void =>
        lock.enter(() => {
          if (p.settled) return lock.leave();
          p.holds = lock;
          p.callId = s.nextCallId();
          s.pending.set(p.callId, p);
          const encode = (w: WireWriter): number => {
            p.lent = lentObjects(this.codec, fn, args);
            return this.codec.encodeCall(w, iface, fn, args, p.callId, nested).byteLength;
          };
          try {
            if (this.post(s, encode, () => p.settled, (e) => this.settle(s, p, e))) this.awaitReply(s, p);
          } catch (e) {
            this.settle(s, p, e);
          }
        });
      // A new worker serves whatever reaches it as soon as it connects, even from inside its init
      // (while blocked in a downcall): a top-level upcall must wait until init has run. One nested
      // in a downcall that init makes cannot wait: init is blocked on it.
      if (!nested && s.notReady) s.notReady.push(send);
      else send();
    });
  }

  /**
   * The common case: the lock is free and so is the outbox, so the call goes out now, and a reply
   * the spin catches (`awaitReply`) settles it before any promise, timer or closure is made for
   * it. Only a call whose reply has not come by then gets a promise and the session's timer, and
   * its reply is taken by the receive loop as before.
   */
  private callNow(s: Session, lock: Turnstile, iface: PlanInterface, fn: PlanFunction, args: unknown[], nested: boolean): Promise<unknown> {
    const callId = s.nextCallId();
    const t0 = performance.now();
    const p: PendingUpcall = { iface, fn, args, callId, lent: null, settled: false, holds: lock, deadline: t0 + this.timeoutMs, resolve: null, reject: null, error: null, value: undefined };
    s.calls.add(p);
    s.pending.set(callId, p);
    try {
      p.lent = lentObjects(this.codec, fn, args);
      s.outbox.publish(this.codec.encodeCall(s.outbox.writer, iface, fn, args, callId, nested).byteLength);
    } catch (e) {
      this.settle(s, p, e);
      return Promise.reject(p.error);
    }
    this.postedAt = this.chargeSince(t0);
    this.awaitReply(s, p);
    if (p.settled) return p.error !== null ? Promise.reject(p.error) : Promise.resolve(p.value);
    return new Promise((resolve, reject) => {
      p.resolve = resolve;
      p.reject = reject;
      this.armTimer(s);
    });
  }

  // ---- sharing the kernel thread -------------------------------------------------------------

  /** How long to wait for a reply right after an upcall (µs), adapted to whether it pays. */
  private readonly replySpin: AdaptiveSpin;

  /** Opens a hot window: the receive loop polls every turn for as long as polling has lately paid. */
  private heat(s: Session, now: number): void {
    s.hotSince = now;
    s.hotUntil = now + s.hot.next();
    s.hotPending = true;
  }

  /** When post() last sent a message at once (performance.now()). */
  private postedAt = 0;
  private lastEntries = -1;
  private lastCritical = -Infinity;
  private spinTurnUs = 0;
  private spinTurnArmed = false;
  private credit = CREDIT_CAP_US;
  private creditAt = 0;

  /** Whether the critical path ran lately (it enters atomic context: interrupt handlers, spinlocks, timers). */
  private criticalBusy(now: number): boolean {
    const e = atomicEntries();
    if (e !== this.lastEntries) {
      this.lastEntries = e;
      this.lastCritical = now;
    }
    return now - this.lastCritical < CRITICAL_RECENT_MS;
  }

  /**
   * Charges the work since `t0` while the critical path runs (its share is all that is held; while
   * it is idle the credit saves up); returns the time it was charged at, or `t0` if it was not.
   */
  private chargeSince(t0: number): number {
    if (!this.criticalBusy(t0)) return t0;
    const t1 = performance.now();
    this.charge((t1 - t0) * 1000);
    return t1;
  }

  /**
   * Counts `us` of the channel's own work against its share of the kernel thread. Wall-clock
   * time, the only clock a thread has here: anything longer than MAX_CHARGE_US (the thread
   * preempted) is counted as that, and the debt never exceeds CREDIT_CAP_US.
   */
  private charge(us: number): void {
    this.credit = Math.max(-CREDIT_CAP_US, this.credit - Math.min(us, MAX_CHARGE_US));
  }

  /** Microseconds to wait before the channel may work again (0: now), while the critical path runs. */
  private owed(now: number): number {
    const share = this.options.managementShare ?? 0.01;
    this.credit = Math.min(CREDIT_CAP_US, this.credit + (now - this.creditAt) * 1000 * share);
    this.creditAt = now;
    if (this.credit >= 0 || !this.criticalBusy(now)) return 0;
    return -this.credit / share;
  }

  /**
   * Right after an upcall went out, waits for its reply on this thread for a few microseconds
   * (`spinUs`), when nothing else wants the thread: the critical path is idle and this turn of
   * the event loop has not spun long already. A u-driver that answers at once is then answered
   * without a trip through the event loop; otherwise the receive loop, polling every turn, takes
   * the reply.
   */
  private awaitReply(s: Session, p: PendingUpcall): void {
    const t0 = this.postedAt; // post() has just sent p's call
    this.heat(s, t0);
    if (this.criticalBusy(t0)) return;
    if (s.parked && s.hotUntil > t0) s.inbox.wake(); // a parked receive loop goes polling, if polling pays
    const spinUs = this.replySpin.next();
    if (spinUs <= 0 || inAtomic() || this.spinTurnUs >= SPIN_PER_TURN_US) return;
    if (!this.spinTurnArmed) {
      this.spinTurnArmed = true;
      setImmediate(() => {
        this.spinTurnArmed = false;
        this.spinTurnUs = 0;
      });
    }
    const limit = t0 + Math.min(spinUs, SPIN_PER_TURN_US - this.spinTurnUs) / 1000;
    for (let i = 0; !s.inbox.full; i++) {
      if ((i & 63) === 63 && performance.now() >= limit) break;
    }
    const t1 = performance.now();
    this.spinTurnUs += (t1 - t0) * 1000;
    if (s.inbox.full) this.replySpin.hit();
    else this.replySpin.miss();
    // Only the reply is taken here: anything else (a downcall) is served by the receive loop, never
    // inside the kernel code that called upcall().
    if (!p.settled && !s.dead && s.inbox.looksLikeReplyTo(p.callId)) {
      this.takeOne(s, t1);
      s.hotPending = false; // the window was for this reply: it teaches the receive loop nothing
    }
  }

  private armTimer(s: Session): void {
    const first = s.calls.values().next();
    if (first.done) return;
    const at = first.value.deadline;
    if (s.timer && s.timerAt <= at) {
      if (!s.timerRefed) {
        s.timer.ref();
        s.timerRefed = true;
      }
      return;
    }
    if (s.timer) clearTimeout(s.timer);
    s.timerAt = at;
    s.timer = setTimeout(() => this.expire(s), Math.max(0, at - performance.now()));
    s.timerRefed = true;
  }

  /** Fails the calls past their deadline (the oldest come first: every call has the same timeout). */
  private expire(s: Session): void {
    s.timer = null;
    s.timerAt = Infinity;
    const now = performance.now();
    for (const p of s.calls) {
      if (p.deadline > now) break;
      this.settle(s, p, new TimeoutError(p.iface.name, p.fn.name, this.timeoutMs));
    }
    this.armTimer(s);
  }

  private settle(s: Session, p: PendingUpcall, error: unknown, value?: unknown): void {
    if (p.settled) return;
    p.settled = true;
    s.calls.delete(p);
    if (s.calls.size === 0 && s.timer && s.timerRefed) {
      // Kept for the next call, but it must not keep the process alive on its own.
      s.timer.unref();
      s.timerRefed = false;
    }
    if (p.callId) s.pending.delete(p.callId);
    releaseLent(this.codec, p.lent, error === null);
    // A timed-out upcall lets the next one go: the u-driver may just be slow, and the late reply
    // is dropped by its call id. One that is truly hung makes the next time out too; restart().
    p.holds?.leave();
    if (p.resolve === null) {
      p.error = error;
      p.value = value;
    } else if (error !== null) p.reject!(error);
    else p.resolve(value);
  }

  private peerGone(s: Session, detail: string): void {
    if (s.dead) return;
    // A message the u-driver published before it died still counts: the news of its death (a
    // port message) may overtake the reply in the mailbox, which the receive loop polls later.
    if (s.inbox.full) this.takeOne(s);
    if (s.dead) return;
    s.dead = new PeerGoneError(detail);
    for (const p of [...s.calls]) this.settle(s, p, new PeerGoneError(detail, p.iface.name, p.fn.name));
    s.release(); // every held upcall is settled now: each only passes through its lock
    if (s.timer) clearTimeout(s.timer);
    s.timer = null;
    // End this session's wait loops now rather than at their next poll.
    s.inbox.wake();
    s.outbox.wake();
  }

  /**
   * Writes one message: at once when the outbox is free (true), else once the u-driver has
   * taken the one before (false; `failed` hears of an error then). The check and the write are
   * one synchronous step, so kernel tasks racing to send cannot interleave.
   */
  private post(s: Session, encode: (w: WireWriter) => number, abandoned: () => boolean, failed: (e: unknown) => void): boolean {
    if (s.dead) throw s.dead;
    if (!s.outbox.full) {
      const t0 = performance.now();
      s.outbox.publish(encode(s.outbox.writer));
      this.postedAt = this.chargeSince(t0);
      return true;
    }
    void (async () => {
      for (;;) {
        await s.outbox.waitAsync(FULL, 0, POLL_MS);
        if (s.dead) throw s.dead;
        if (abandoned()) return;
        if (!s.outbox.full) {
          s.outbox.publish(encode(s.outbox.writer));
          this.heat(s, performance.now());
          return;
        }
      }
    })().catch(failed);
    return false;
  }

  /**
   * Takes every message the u-driver sends, for the life of its worker: polling once per turn of
   * the event loop while the channel is busy (hot), parked on the inbox otherwise; and while the
   * critical path runs, only as fast as the channel's share of the thread allows.
   */
  private async receive(s: Session): Promise<void> {
    const spin = this.options.spin ?? 64;
    let batch = 0;
    while (!s.dead) {
      if (!s.inbox.full) {
        batch = 0;
        const now = performance.now();
        // Polling costs a turn of the event loop each time: only while the critical path is idle.
        // While it runs, the u-driver's notify wakes us as one more task between its bursts.
        if (now < s.hotUntil && !this.criticalBusy(now)) await immediate();
        else {
          if (s.hotPending) {
            s.hotPending = false;
            s.hot.miss();
          }
          s.parked = true;
          await s.inbox.waitAsync(EMPTY, spin, POLL_MS);
          s.parked = false;
        }
        continue;
      }
      if (++batch > BATCH) {
        // A u-driver that floods us must not starve the critical path.
        batch = 0;
        await immediate();
        continue;
      }
      const wait = this.owed(performance.now());
      if (wait > 0) {
        batch = 0;
        await new Promise<void>((r) => setTimeout(r, Math.max(1, Math.ceil(wait / 1000))));
        continue;
      }
      if (s.hotPending) {
        const now = performance.now();
        if (now < s.hotUntil) {
          if (now - s.hotSince <= HOT_PAYS_MS) s.hot.hit();
          else s.hot.miss();
        }
      }
      this.takeOne(s);
      this.heat(s, performance.now());
    }
  }

  /** Takes and handles the message in the inbox, charging its cost to the channel's share. */
  private takeOne(s: Session, t0 = performance.now()): void {
    try {
      this.handle(s, s.inbox.take(s.scratch));
    } catch (e) {
      this.protocolError(s, e instanceof WireError ? e : new WireError(describe(e)), null);
    }
    this.chargeSince(t0);
  }

  private handle(s: Session, bytes: Uint8Array): void {
    const m = classify(this.codec, this.limits, bytes, 'downcall', this.implementation);
    switch (m.kind) {
      case 'call':
        return this.serve(s, m);
      case 'refuse':
        return this.reply(s, (w) => refusalReply(w, m));
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

  private reply(s: Session, encode: (w: WireWriter) => number): void {
    try {
      this.post(s, encode, () => false, () => {});
    } catch {
      // A u-driver that died meanwhile has nobody left to answer.
    }
  }

  /** Bytes that are not a message: the upcall they claim to answer fails with EPROTO. */
  private protocolError(s: Session, error: WireError, callId: number | null): void {
    const p = callId !== null ? s.pending.get(callId) : undefined;
    if (p) this.settle(s, p, error);
  }

  /**
   * Serves one downcall; upcalls its implementation makes are nested in it. An implementation
   * that returns a value is answered at once; one that returns a promise, when it settles.
   */
  private serve(s: Session, c: IncomingCall): void {
    const frame: Frame = { session: s, lock: new Turnstile(), done: false };
    const version = this.plan.version;
    let result: unknown;
    this.liveFrames++;
    this.framesOn = true;
    try {
      result = this.frames.run(frame, () => c.impl.apply(c.self, c.args));
    } catch (e) {
      this.endFrame(frame);
      return this.reply(s, replyWriter(this.codec, version, c, { ok: false, error: e }));
    }
    if (!isThenable(result)) {
      this.endFrame(frame);
      return this.reply(s, replyWriter(this.codec, version, c, { ok: true, result }));
    }
    Promise.resolve(result).then(
      (value) => {
        this.endFrame(frame);
        this.reply(s, replyWriter(this.codec, version, c, { ok: true, result: value }));
      },
      (error: unknown) => {
        this.endFrame(frame);
        this.reply(s, replyWriter(this.codec, version, c, { ok: false, error }));
      },
    );
  }

  private endFrame(frame: Frame): void {
    if (frame.done) return;
    frame.done = true;
    if (--this.liveFrames === 0) {
      this.framesIdleSince = performance.now();
      this.armFramesOff(CONTEXT_IDLE_MS);
    }
  }

  private framesOffTimer: ReturnType<typeof setTimeout> | null = null;

  /**
   * Switches the async context off once downcalls have been quiet for CONTEXT_IDLE_MS even if no
   * upcall comes to notice (`currentFrame`): a driver opened with downcalls and then left to its
   * critical path would otherwise pay the promise hook on every promise of that path.
   */
  private armFramesOff(ms: number): void {
    if (this.framesOffTimer) return;
    this.framesOffTimer = setTimeout(() => {
      this.framesOffTimer = null;
      if (this.liveFrames > 0) return;
      this.currentFrame(); // switches the context off if downcalls have been quiet long enough
      if (this.framesOn) this.armFramesOff(CONTEXT_IDLE_MS - (performance.now() - this.framesIdleSince) + 1);
    }, ms);
    this.framesOffTimer.unref();
  }

  /** The downcall the running code serves, if any (see `liveFrames`). */
  private currentFrame(): Frame | undefined {
    if (this.liveFrames > 0) return this.frames.getStore();
    if (this.framesOn && performance.now() - this.framesIdleSince > CONTEXT_IDLE_MS) {
      this.frames.disable();
      this.framesOn = false;
    }
    return undefined;
  }
}
