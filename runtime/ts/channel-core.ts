// What the kernel and user ends of the channel share: sorting an incoming message into a call to
// serve, a reply to settle, or something to refuse; error replies; and the errno of a failure.
// Error replies are encoded and decoded here with header.ts (docs/wire-format.md's layout), not
// with Codec.encodeError/decodeReply, so both ends agree on those bytes with the C backends.
import type { Codec } from './codec.js';
import { ERRNO, MdidlError, RemoteError, WireError } from './errors.js';
import { decodeErrorPayload, decodeHeader, encodeErrorPayload, encodeHeader, finishHeader, HEADER_SIZE, MessageKind, type HeaderLimits, type MessageHeader } from './header.js';
import type { AnyFunction } from './object-table.js';
import type { PlanFunction, PlanInterface } from './plan.js';
import type { WireWriter } from './wire-writer.js';

/** What an implementation that threw answers with when it gives no errno of its own. */
export const EIO = 5;

/** `{ [interfaceName]: { [functionName]: implementation } }`, the functions this side serves. */
export type Implementations = Record<string, Record<string, AnyFunction>>;

/** A call that decoded and validated, with its arguments already applied to live objects. */
export interface IncomingCall {
  kind: 'call';
  iface: PlanInterface;
  fn: PlanFunction;
  callId: number;
  nested: boolean;
  args: unknown[];
  impl: (...args: unknown[]) => unknown;
  /** `this` for the implementation: its interface's table, or undefined for a function pointer. */
  self: object | undefined;
}

/** A call this side will not run: answer it with an error reply. */
export interface Refusal {
  kind: 'refuse';
  moduleVersion: number;
  interfaceId: number;
  functionId: number;
  callId: number;
  errno: number;
  message: string;
}

/** A reply or error reply: the caller waiting on `callId` decodes it with `settleReply`. */
export interface IncomingReply {
  kind: 'reply';
  header: MessageHeader;
}

/** Bytes that cannot be answered (not even their call id can be trusted). */
export interface Garbage {
  kind: 'garbage';
  error: WireError;
  /** The call id the bytes claim, if they are long enough to have one: a waiting caller may own it. */
  callId: number | null;
}

export type Incoming = IncomingCall | Refusal | IncomingReply | Garbage;

/**
 * The errno an exception is answered with: a runtime error's own (a nested call's RemoteError
 * passes the peer's code on), an `errno` property in the Linux range (C-style code throwing
 * `{ errno: 19 }`), else EIO.
 */
export function errnoOf(e: unknown): number {
  if (e instanceof MdidlError) return e.errno > 0 ? e.errno >>> 0 : EIO;
  const n = (e as { errno?: unknown } | null)?.errno;
  if (typeof n === 'number' && Number.isInteger(n) && n > 0 && n < 4096) return n;
  return EIO;
}

/** A message for an error reply: what the wire can carry (no NUL, no lone surrogate), bounded. */
export function describe(e: unknown): string {
  const text = e instanceof Error ? e.message : String(e);
  return text.slice(0, 1024).replace(/\0/g, '\\0').replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD');
}

/** An error reply to a call; returns its length. */
export function encodeErrorReply(
  w: WireWriter,
  moduleVersion: number,
  interfaceId: number,
  functionId: number,
  callId: number,
  errno: number,
  message: string,
): number {
  w.reset();
  const at = encodeHeader(w, { moduleVersion, kind: MessageKind.Error, flags: 0, interfaceId, functionId, callId, payloadLength: 0, objectCount: 0 });
  encodeErrorPayload(w, errno, message);
  finishHeader(w, at, 0);
  return w.position;
}

/** How to answer a served call: its reply, or an error reply when it failed or its reply cannot be encoded. */
export function replyWriter(codec: Codec, version: number, c: IncomingCall, outcome: { ok: true; result: unknown } | { ok: false; error: unknown }): (w: WireWriter) => number {
  if (!outcome.ok) return (w) => encodeErrorReply(w, version, c.iface.id, c.fn.id, c.callId, errnoOf(outcome.error), describe(outcome.error));
  return (w) => {
    try {
      return codec.encodeReply(w, c.iface, c.fn, c.args, outcome.result, c.callId).byteLength;
    } catch (e) {
      return encodeErrorReply(w, version, c.iface.id, c.fn.id, c.callId, errnoOf(e), `${c.fn.name}: the reply cannot be encoded: ${describe(e)}`);
    }
  };
}

export function refusalReply(w: WireWriter, r: Refusal): number {
  return encodeErrorReply(w, r.moduleVersion, r.interfaceId, r.functionId, r.callId, r.errno, r.message);
}

/** The ids of a message whose header did not validate, read raw so the sender can be answered. */
function rawIds(bytes: Uint8Array): { kind: number; interfaceId: number; functionId: number; callId: number } | null {
  if (bytes.length < HEADER_SIZE) return null;
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return { kind: v.getUint8(8), interfaceId: v.getUint32(12, true), functionId: v.getUint32(16, true), callId: v.getUint32(20, true) };
}

/** Per codec, the plan function the last call named directly (see `classify`). */
const lastDirect = new WeakMap<Codec, { interfaceId: number; functionId: number; iface: PlanInterface; fn: PlanFunction }>();

/**
 * Sorts a message this side received. A call is checked (known function, the role this side
 * serves, module version, an implementation) and decoded, and its arguments applied to the live
 * objects, before anything runs; `serves` is the role of the functions the peer may call here, so
 * a u-driver cannot call a kernel function that is not a downcall (a critical one, say).
 */
export function classify(codec: Codec, limits: HeaderLimits, bytes: Uint8Array, serves: 'upcall' | 'downcall', implementation: Implementations): Incoming {
  let header: MessageHeader;
  try {
    header = decodeHeader(codec.readerFor(bytes), limits);
  } catch (e) {
    const error = e instanceof WireError ? e : new WireError(describe(e));
    const raw = rawIds(bytes);
    if (raw && raw.kind === MessageKind.Call) {
      return refuse(raw.interfaceId, raw.functionId, raw.callId, ERRNO.EPROTO, error.message, codec.plan.version);
    }
    return { kind: 'garbage', error, callId: raw ? raw.callId : null };
  }
  if (header.kind !== MessageKind.Call) return { kind: 'reply', header };

  const { interfaceId, functionId, callId } = header;
  // Calls of one function in a row (a management loop, a stream of the same upcall) find it
  // without the lookups: ids that named a plan function, not a callback type, still do.
  const last = lastDirect.get(codec);
  let iface: PlanInterface | undefined;
  let fn: PlanFunction | undefined;
  if (last !== undefined && last.interfaceId === interfaceId && last.functionId === functionId) {
    ({ iface, fn } = last);
  } else {
    const pointer = codec.callbackCall(interfaceId, functionId);
    if (pointer) return classifyCallback(codec, bytes, header, pointer);
    const found = codec.functionOf(interfaceId, functionId);
    iface = found?.iface;
    fn = found?.fn;
    if (iface && fn) lastDirect.set(codec, { interfaceId, functionId, iface, fn });
  }
  if (!iface || !fn) return refuse(interfaceId, functionId, callId, ERRNO.ENOSYS, `unknown interface ${interfaceId} or function ${functionId}`, codec.plan.version);
  if (fn.role !== serves) {
    return refuse(interfaceId, functionId, callId, ERRNO.ENOSYS, `${iface.name}.${fn.name} is ${fn.role === 'upcall' ? 'an' : 'a'} ${fn.role}, not ${serves === 'upcall' ? 'an' : 'a'} ${serves} this side serves`, codec.plan.version);
  }
  if (header.moduleVersion !== codec.plan.version) {
    return refuse(interfaceId, functionId, callId, ERRNO.EINVAL, `${iface.name}: module version ${header.moduleVersion} received, this side has version ${codec.plan.version}`, codec.plan.version);
  }
  const self = implementation[iface.name];
  const impl = self?.[fn.name];
  if (!self || typeof impl !== 'function') {
    return refuse(interfaceId, functionId, callId, ERRNO.ENOSYS, `${iface.name}.${fn.name} is not implemented on this side`, codec.plan.version);
  }
  try {
    const decoded = codec.decodeCall(bytes, header);
    decoded.apply();
    return { kind: 'call', iface, fn, callId, nested: decoded.call.nested, args: decoded.call.args, impl: impl as (...args: unknown[]) => unknown, self };
  } catch (e) {
    return refuse(interfaceId, functionId, callId, errnoOf(e), describe(e), codec.plan.version);
  }
}

/**
 * A call through a function pointer this side handed out: the function id must be one of ours, of
 * that callback type (the peer can only call what it was given), and then that function runs.
 */
function classifyCallback(codec: Codec, bytes: Uint8Array, header: MessageHeader, call: { iface: PlanInterface; fn: PlanFunction }): Incoming {
  const { interfaceId, functionId, callId } = header;
  if (header.moduleVersion !== codec.plan.version) {
    return refuse(interfaceId, functionId, callId, ERRNO.EINVAL, `${call.iface.name}: module version ${header.moduleVersion} received, this side has version ${codec.plan.version}`, codec.plan.version);
  }
  let target: AnyFunction;
  try {
    if (!codec.tables.isOwn(functionId)) throw new WireError(`function pointer ${functionId} is not one this side handed out`, 16);
    target = codec.tables.functions.functionFor(functionId, interfaceId, 16);
    const decoded = codec.decodeCall(bytes, header);
    decoded.apply();
    return { kind: 'call', iface: call.iface, fn: call.fn, callId, nested: decoded.call.nested, args: decoded.call.args, impl: target as (...args: unknown[]) => unknown, self: undefined };
  } catch (e) {
    return refuse(interfaceId, functionId, callId, errnoOf(e), describe(e), codec.plan.version);
  }
}

function refuse(interfaceId: number, functionId: number, callId: number, errno: number, message: string, moduleVersion: number): Refusal {
  return { kind: 'refuse', moduleVersion, interfaceId, functionId, callId, errno, message };
}

/**
 * Decodes the reply to a call this side made: the written fields land in the live `args`, and
 * the return value comes back; an error reply throws RemoteError naming the function, a
 * malformed reply WireError (EPROTO), with nothing applied.
 */
export function settleReply(codec: Codec, limits: HeaderLimits, bytes: Uint8Array, header: MessageHeader, iface: PlanInterface, fn: PlanFunction, callId: number, args: unknown[]): unknown {
  if (header.interfaceId !== iface.id) throw new WireError(`reply names interface ${header.interfaceId}, the call was to ${iface.name} (${iface.id})`, 12);
  if (header.kind === MessageKind.Error) {
    if (header.functionId !== fn.id) throw new WireError(`error reply names function ${header.functionId}, the call was to ${fn.name} (${fn.id})`, 16);
    if (header.moduleVersion !== codec.plan.version) throw new WireError(`module version ${header.moduleVersion}, this side has ${codec.plan.version}`, 6);
    const r = codec.readerFor(bytes);
    decodeHeader(r, limits);
    const { errno, message } = decodeErrorPayload(r);
    throw new RemoteError(errno, message, iface.name, fn.name);
  }
  const result = codec.decodeReply(bytes, fn, callId, args, header);
  if ('errno' in result) throw new RemoteError(result.errno, result.message, iface.name, fn.name);
  return result.value;
}

/**
 * The objects of [out] parameters this call is the first to send: lent to the peer for the call
 * only, so they leave the table when it ends (`releaseLent`), or every stats buffer an ethtool
 * loop passes would keep an entry forever.
 */
export function lentObjects(codec: Codec, fn: PlanFunction, args: readonly unknown[]): [object, number][] | null {
  let lent: [object, number][] | null = null;
  for (let i = 0; i < fn.params.length; i++) {
    const p = fn.params[i]!;
    const x = args[i];
    if (p.dir !== 'out' || p.value.k !== 'tracked' || typeof x !== 'object' || x === null) continue;
    if (codec.tables.knownId(x)) continue;
    (lent ??= []).push([x, p.value.type]);
  }
  return lent;
}

/** Forgets lent objects; the peer is told only after a reply (it decoded the call, so holds the shadows). */
export function releaseLent(codec: Codec, lent: [object, number][] | null, replied: boolean): void {
  if (lent) for (const [obj, typeId] of lent) codec.forget(obj, typeId, replied);
}

/** Name pairs already looked up, per codec and role: every call names its function. */
const named = new WeakMap<Codec, Map<string, Map<string, { iface: PlanInterface; fn: PlanFunction }>>>();

/** The plan's interface and function for a name pair, checked to have the role the caller uses. */
export function lookupFunction(codec: Codec, ifaceName: string, fnName: string, role: 'upcall' | 'downcall'): { iface: PlanInterface; fn: PlanFunction } {
  let byIface = named.get(codec);
  if (!byIface) named.set(codec, (byIface = new Map()));
  const key = role === 'upcall' ? ifaceName : `\0${ifaceName}`; // the role is part of the key: a name is checked against each once
  let byFn = byIface.get(key);
  const hit = byFn?.get(fnName);
  if (hit) return hit;
  const found = lookupFunctionNow(codec, ifaceName, fnName, role);
  if (!byFn) byIface.set(key, (byFn = new Map()));
  byFn.set(fnName, found);
  return found;
}

function lookupFunctionNow(codec: Codec, ifaceName: string, fnName: string, role: 'upcall' | 'downcall'): { iface: PlanInterface; fn: PlanFunction } {
  const iface = codec.interfaceNamed(ifaceName);
  const fn = iface.functions.find((f) => f.name === fnName);
  if (!fn) throw new Error(`no function '${fnName}' in interface '${ifaceName}'`);
  if (fn.role !== role) throw new Error(`${ifaceName}.${fnName} is ${fn.role === 'upcall' ? 'an' : 'a'} ${fn.role}, not ${role === 'upcall' ? 'an' : 'a'} ${role}`);
  return { iface, fn };
}

export function checkArity(fn: PlanFunction, args: readonly unknown[]): void {
  if (!Array.isArray(args) || args.length !== fn.params.length) {
    throw new TypeError(`${fn.name} takes ${fn.params.length} argument${fn.params.length === 1 ? '' : 's'} (${fn.params.map((p) => p.name).join(', ')}), got ${Array.isArray(args) ? args.length : typeof args}`);
  }
}

export function isThenable(x: unknown): x is PromiseLike<unknown> {
  return (typeof x === 'object' || typeof x === 'function') && x !== null && typeof (x as { then?: unknown }).then === 'function';
}

/** Handshake messages on the worker's port (the data path is the shared buffer). */
export const HANDSHAKE_KEY = '__mdidlChannel';
export interface ConnectMessage {
  [HANDSHAKE_KEY]: 'connect';
  buffer: SharedArrayBuffer;
  capacity: number;
  maxPayload: number;
  module: string;
  version: number;
}
export type WorkerReport = { [HANDSHAKE_KEY]: 'ready' } | { [HANDSHAKE_KEY]: 'refused'; message: string };
