// The user end of the channel, in the u-driver's worker. The u-driver is written like C: its
// upcall implementations are synchronous, and a downcall blocks the worker (Atomics.wait) until
// the kernel answers. While blocked, it serves the upcalls the kernel nests inside that downcall,
// on the same stack, so upcall -> downcall -> upcall -> ... unwinds in order. Between calls the
// worker is idle in its event loop, parked on the inbox with Atomics.waitAsync, so the u-driver
// may keep timers of its own and make downcalls from them.
import { performance } from 'node:perf_hooks';
import { parentPort } from 'node:worker_threads';
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
import { WireError } from './errors.js';
import type { HeaderLimits } from './header.js';
import { EMPTY, FULL, mailboxes, type Mailbox } from './mailbox.js';
import { ObjectTable, type AnyFunction } from './object-table.js';
import { AdaptiveSpin } from './spin.js';
import type { Plan, PlanFunction, PlanInterface } from './plan.js';
import type { WireWriter } from './wire-writer.js';

export interface UserChannelOptions {
  plan: Plan;
  /** The upcalls this side serves: synchronous functions, `{ [interface]: { [function]: fn } }`. */
  implementation?: Implementations;
  /** Polls of the inbox before parking in Atomics.wait. Default 2000 (a few microseconds). */
  spin?: number;
  /**
   * How long, at most, in microseconds, the u-driver keeps polling its inbox after a message
   * before it parks (waiting for a reply, or idle after serving an upcall): a kernel that calls
   * again within it is served without a wake-up. Adaptive (spin.ts). Default 50.
   */
  spinUs?: number;
  /** Entries of the kernel's (shadows, tokens, stubs) this side's table holds at most. Default 65536. */
  maxPeerEntries?: number;
  /** Tell the kernel we are ready as soon as we are connected (default); false to call `ready()` later. */
  announce?: boolean;
}

/** An idle u-driver looks at its inbox at least this often, should a wake-up be lost. */
const IDLE_POLL_MS = 1000;
/**
 * After serving an upcall, the u-driver sleeps this long (ms) on its inbox in Atomics.wait before
 * it goes back to its event loop: a kernel that calls again meanwhile wakes it directly, rather
 * than through the event loop (Atomics.waitAsync), which takes far longer on a loaded machine.
 * The u-driver's own timers and port messages wait at most this long.
 */
const PARK_MS = 2;
/** The longest the u-driver serves upcalls back to back before its event loop gets a turn. */
const PUMP_MS = 5;

export class UserChannel {
  readonly tables: ObjectTable;
  readonly codec: Codec;
  private readonly inbox: Mailbox;
  private readonly outbox: Mailbox;
  private readonly scratch: Uint8Array;
  private readonly limits: HeaderLimits;
  private readonly implementation: Implementations;
  private readonly spin: number;
  /** How long to poll the inbox after a message (ms), adapted to whether it pays. */
  private readonly poll: AdaptiveSpin;
  /** Upcalls being served (the kernel is waiting on each): a downcall made now is nested. */
  private serving = 0;
  /** Downcalls waiting for their reply, innermost last. */
  private readonly waiting: number[] = [];
  private lastCallId = 0;
  private armed = false;

  private constructor(options: UserChannelOptions, hello: ConnectMessage) {
    this.limits = { maxPayload: hello.maxPayload };
    this.tables = new ObjectTable('user', options.maxPeerEntries !== undefined ? { maxPeerEntries: options.maxPeerEntries } : {});
    this.implementation = options.implementation ?? {};
    this.spin = options.spin ?? 2000;
    this.poll = new AdaptiveSpin((options.spinUs ?? 50) / 1000);
    this.codec = new Codec(options.plan, this.tables, (typeId, id) => this.callbackStub(typeId, id), this.limits);
    ({ inbox: this.inbox, outbox: this.outbox } = mailboxes({ buffer: hello.buffer, capacity: hello.capacity }, 'user'));
    this.scratch = new Uint8Array(hello.capacity);
  }

  /**
   * Connects to the kernel that started this worker. The shared buffer comes in a handshake on
   * the worker's port, which leaves `workerData` to the u-driver; the port's listener stays, and
   * keeps the worker alive while it idles.
   */
  static connect(options: UserChannelOptions): Promise<UserChannel> {
    const port = parentPort;
    if (!port) return Promise.reject(new Error('UserChannel.connect runs in the worker a KernelChannel started'));
    return new Promise((resolve, reject) => {
      let connected = false;
      port.on('message', (m: unknown) => {
        if (connected || !m || typeof m !== 'object' || (m as Record<string, unknown>)[HANDSHAKE_KEY] !== 'connect') return;
        connected = true;
        const hello = m as ConnectMessage;
        if (hello.module !== options.plan.module || hello.version !== options.plan.version) {
          const message = `the kernel speaks ${hello.module} version ${hello.version}, this u-driver ${options.plan.module} version ${options.plan.version}`;
          port.postMessage({ [HANDSHAKE_KEY]: 'refused', message } satisfies WorkerReport);
          reject(new Error(message));
          return;
        }
        const u = new UserChannel(options, hello);
        if (options.announce !== false) u.ready();
        u.arm();
        resolve(u);
      });
    });
  }

  /** Tells the kernel this u-driver is up (its `start()` resolves); once. */
  ready(): void {
    parentPort?.postMessage({ [HANDSHAKE_KEY]: 'ready' } satisfies WorkerReport);
  }

  /**
   * Calls the kernel's `ifaceName.fnName` and blocks until it answers, serving any upcall the
   * kernel makes meanwhile. Returns the return value, with written fields and out parameters
   * applied to `args`; throws RemoteError when the kernel answers with an error, WireError for a
   * reply that does not decode.
   */
  downcall(ifaceName: string, fnName: string, args: unknown[]): unknown {
    const { iface, fn } = lookupFunction(this.codec, ifaceName, fnName, 'downcall');
    checkArity(fn, args);
    return this.callSync(iface, fn, args);
  }

  /** A kernel function the u-driver was handed as a callback: calling it blocks like a downcall. */
  private callbackStub(typeId: number, id: number): AnyFunction {
    return (...args: unknown[]) => {
      const call = this.codec.callbackCall(typeId, id);
      if (!call) throw new Error(`callback type ${typeId} is not in this plan`);
      checkArity(call.fn, args);
      return this.callSync(call.iface, call.fn, args);
    };
  }

  private callSync(iface: PlanInterface, fn: PlanFunction, args: unknown[]): unknown {
    this.lastCallId = this.lastCallId >= 0xffffffff ? 1 : this.lastCallId + 1;
    const callId = this.lastCallId;
    const nested = this.serving > 0;
    let lent: [object, number][] | null = null;
    let replied = false;
    this.send((w) => {
      lent = lentObjects(this.codec, fn, args);
      return this.codec.encodeCall(w, iface, fn, args, callId, nested).byteLength;
    });
    this.waiting.push(callId);
    try {
      for (;;) {
        if (!this.pollFor()) this.inbox.waitSync(EMPTY, this.spin);
        let bytes: Uint8Array;
        try {
          bytes = this.inbox.take(this.scratch);
        } catch (e) {
          throw e instanceof WireError ? e : new WireError(describe(e));
        }
        const m = classify(this.codec, this.limits, bytes, 'upcall', this.implementation);
        if (m.kind === 'call') this.serve(m);
        else if (m.kind === 'refuse') this.send((w) => refusalReply(w, m));
        else if (m.kind === 'garbage') {
          if (m.callId === callId) throw m.error;
        } else if (m.header.callId === callId) {
          const value = settleReply(this.codec, this.limits, bytes, m.header, iface, fn, callId, args);
          replied = true;
          return value;
        }
        // Anything else answers no call we are waiting on: the stack discipline allows only the
        // innermost to be answered, so it is stale or forged, and dropped.
      }
    } finally {
      this.waiting.pop();
      releaseLent(this.codec, lent, replied);
    }
  }

  /** Writes one message, blocking until the kernel has taken the previous one. */
  private send(encode: (w: WireWriter) => number): void {
    this.outbox.waitSync(FULL, this.spin);
    this.outbox.publish(encode(this.outbox.writer));
  }

  private serve(c: IncomingCall): void {
    const version = this.codec.plan.version;
    let reply: (w: WireWriter) => number;
    this.serving++;
    try {
      const result = c.impl.apply(c.self, c.args);
      if (isThenable(result)) {
        Promise.resolve(result).catch(() => {}); // answered below; its outcome has nowhere to go
        throw new Error(`${c.iface.name}.${c.fn.name} returned a promise: upcall implementations are synchronous, like the C they stand for`);
      }
      reply = replyWriter(this.codec, version, c, { ok: true, result });
    } catch (e) {
      reply = replyWriter(this.codec, version, c, { ok: false, error: e });
    } finally {
      this.serving--;
    }
    this.send(reply);
  }

  /** Idle: wait in the event loop for the next upcall. */
  private arm(): void {
    if (this.armed) return;
    this.armed = true;
    void this.inbox.waitAsync(EMPTY, this.spin, IDLE_POLL_MS).then(() => {
      this.armed = false;
      this.pump();
    });
  }

  /** Polls the inbox for as long as polling has lately paid (at most `spinUs`); true once a message is there. */
  private pollFor(): boolean {
    if (this.inbox.full) return true;
    const ms = this.poll.next();
    if (ms <= 0) return false;
    const limit = performance.now() + ms;
    for (let i = 1; ; i++) {
      if (this.inbox.full) {
        this.poll.hit();
        return true;
      }
      if ((i & 63) === 0 && performance.now() >= limit) {
        this.poll.miss();
        return false;
      }
    }
  }

  private pump(): void {
    // Only reached from the event loop, so no upcall or downcall is on the stack: what arrives
    // now is a top-level upcall (a reply here answers nothing and is dropped). After each, the
    // next is awaited a little while here before going back to the event loop to park. However
    // closely upcalls follow each other, the event loop gets a turn every PUMP_MS, so the
    // u-driver's own timers and port messages are never starved.
    const until = performance.now() + PUMP_MS;
    let busy = false;
    try {
      for (;;) {
        if (performance.now() >= until) {
          busy = true;
          break;
        }
        if (!this.pollFor() && !this.inbox.waitSync(EMPTY, 0, PARK_MS)) break;
        const bytes = this.inbox.take(this.scratch);
        const m = classify(this.codec, this.limits, bytes, 'upcall', this.implementation);
        if (m.kind === 'call') this.serve(m);
        else if (m.kind === 'refuse') this.send((w) => refusalReply(w, m));
      }
    } catch {
      // A forged mailbox length: the mailbox was freed, and the kernel's call, if any, times out.
    } finally {
      // arm() would come straight back here (a promise, not a turn of the event loop) when an
      // upcall is already waiting: after a busy spell, a turn of the event loop comes first.
      if (busy) setImmediate(() => this.arm());
      else this.arm();
    }
  }
}
