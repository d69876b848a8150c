// The 32-byte message header and the error-reply payload of docs/wire-format.md. Only the checks
// that need no IR are here; the dispatcher that owns the IR checks the interface and function ids
// (ENOSYS) and the module version (EINVAL) against it.
import { WireError } from './errors.js';
import type { WireReader } from './wire-reader.js';
import type { WireWriter } from './wire-writer.js';

/** "MDL1" (4D 44 4C 31) read as a little-endian u32. */
export const MAGIC = 0x314c444d;
export const WIRE_VERSION = 1;
export const HEADER_SIZE = 32;
/** The transport's default payload limit (1 MiB). */
export const DEFAULT_MAX_PAYLOAD = 1 << 20;
/** The smallest object entry (its 16-byte header alone), which bounds a plausible object count. */
export const MIN_OBJECT_ENTRY = 16;

export const MessageKind = { Call: 1, Reply: 2, Error: 3 } as const;
export type MessageKind = (typeof MessageKind)[keyof typeof MessageKind];

/** Flag bit 0: a call nested inside a call the receiver is waiting on. */
export const FLAG_NESTED = 1;

/** Byte offsets of the header fields that are patched after the payload is written. */
export const HEADER_PAYLOAD_LENGTH_AT = 24;
export const HEADER_OBJECT_COUNT_AT = 28;

export interface MessageHeader {
  moduleVersion: number;
  kind: MessageKind;
  flags: number;
  interfaceId: number;
  functionId: number;
  callId: number;
  payloadLength: number;
  objectCount: number;
}

export interface HeaderLimits {
  /** Largest payload accepted, in bytes (the header not included). */
  maxPayload: number;
}

export const DEFAULT_LIMITS: HeaderLimits = Object.freeze({ maxPayload: DEFAULT_MAX_PAYLOAD });

/** The kind/flags/object-count rules both ends apply, so we never send what we would reject. */
function kindProblem(kind: number, flags: number): { reason: string; at: number } | null {
  if (kind !== MessageKind.Call && kind !== MessageKind.Reply && kind !== MessageKind.Error) return { reason: `unknown message kind ${kind}`, at: 8 };
  if ((flags & ~FLAG_NESTED) !== 0) return { reason: `unknown flag bits 0x${(flags & ~FLAG_NESTED).toString(16)}`, at: 9 };
  if ((flags & FLAG_NESTED) !== 0 && kind !== MessageKind.Call) return { reason: 'the nested flag is set on a reply', at: 9 };
  return null;
}

function objectCountProblem(kind: number, objectCount: number, payloadLength: number): string | null {
  if (kind === MessageKind.Error && objectCount !== 0) return `an error reply has ${objectCount} objects (it has no object section)`;
  if (objectCount * MIN_OBJECT_ENTRY > payloadLength) return `object count ${objectCount} cannot fit a payload of ${payloadLength} bytes (each entry is at least ${MIN_OBJECT_ENTRY})`;
  return null;
}

/**
 * Writes a header at the writer's position and returns that position, for `finishHeader`. The
 * position must be 8-aligned (normally 0) so that payload alignment agrees with the writer's.
 */
export function encodeHeader(w: WireWriter, h: MessageHeader): number {
  const at = w.position;
  if ((at & 7) !== 0) throw new RangeError(`encodeHeader at byte ${at}: a header must start 8-aligned`);
  const bad = kindProblem(h.kind, h.flags);
  if (bad) throw new WireError(bad.reason, at + bad.at);
  // Every field in range and the 32 bytes room: one check, straight into the view (the writer's
  // calls otherwise, for their errors).
  if (
    at + HEADER_SIZE <= w.capacity &&
    (h.moduleVersion & 0xffff) === h.moduleVersion &&
    h.interfaceId >>> 0 === h.interfaceId &&
    h.functionId >>> 0 === h.functionId &&
    h.callId >>> 0 === h.callId &&
    h.payloadLength >>> 0 === h.payloadLength &&
    h.objectCount >>> 0 === h.objectCount
  ) {
    const v = w.view;
    v.setUint32(at, MAGIC, true);
    v.setUint16(at + 4, WIRE_VERSION, true);
    v.setUint16(at + 6, h.moduleVersion, true);
    v.setUint8(at + 8, h.kind);
    v.setUint8(at + 9, h.flags);
    v.setUint16(at + 10, 0, true);
    v.setUint32(at + 12, h.interfaceId, true);
    v.setUint32(at + 16, h.functionId, true);
    v.setUint32(at + 20, h.callId, true);
    v.setUint32(at + 24, h.payloadLength, true);
    v.setUint32(at + 28, h.objectCount, true);
    w.pos = at + HEADER_SIZE;
    return at;
  }
  w.u32(MAGIC);
  w.u16(WIRE_VERSION);
  w.u16(h.moduleVersion);
  w.u8(h.kind);
  w.u8(h.flags);
  w.u16(0);
  w.u32(h.interfaceId);
  w.u32(h.functionId);
  w.u32(h.callId);
  w.u32(h.payloadLength);
  w.u32(h.objectCount);
  return at;
}

/**
 * Sets the payload length of the header at `headerAt` to what was written after it and, if
 * given, the object count; call once the payload is complete.
 */
export function finishHeader(w: WireWriter, headerAt: number, objectCount?: number): void {
  const payloadLength = w.position - headerAt - HEADER_SIZE;
  if (payloadLength < 0) throw new RangeError(`finishHeader: no header at byte ${headerAt}`);
  w.patchU32(headerAt + HEADER_PAYLOAD_LENGTH_AT, payloadLength);
  if (objectCount !== undefined) w.patchU32(headerAt + HEADER_OBJECT_COUNT_AT, objectCount);
}

/**
 * Reads and checks a header at the reader's position, which must begin the message: magic, wire
 * version, kind, flags, reserved bytes, payload length equal to the rest of the region and within
 * `limits.maxPayload`, object count plausible. `into` is filled and returned to spare an allocation.
 */
export function decodeHeader(r: WireReader, limits: HeaderLimits = DEFAULT_LIMITS, into?: MessageHeader): MessageHeader {
  const at = r.position;
  if (r.remaining < HEADER_SIZE) throw new WireError(`message of ${r.remaining} bytes is shorter than the ${HEADER_SIZE}-byte header`, at);
  // A header starts 8-aligned (at the region's start): its fields need no padding, and the 32
  // bytes are there, so they are read straight from the view; the checks are the calls' below.
  if ((at & 7) === 0) return checkHeader(r, at, limits, into);
  const magic = r.u32();
  if (magic !== MAGIC) throw new WireError(`bad magic 0x${magic.toString(16).padStart(8, '0')} (bytes 4D 44 4C 31 expected)`, at);
  const version = r.u16();
  if (version !== WIRE_VERSION) throw new WireError(`wire version ${version}, this side speaks ${WIRE_VERSION}`, at + 4);
  const moduleVersion = r.u16();
  const kind = r.u8();
  const flags = r.u8();
  const bad = kindProblem(kind, flags);
  if (bad) throw new WireError(bad.reason, at + bad.at);
  const reserved = r.u16();
  if (reserved !== 0) throw new WireError(`reserved bytes are 0x${reserved.toString(16).padStart(4, '0')}, not 0`, at + 10);
  const interfaceId = r.u32();
  const functionId = r.u32();
  const callId = r.u32();
  const payloadLength = r.u32();
  if (payloadLength > limits.maxPayload) throw new WireError(`payload length ${payloadLength} exceeds the limit of ${limits.maxPayload}`, at + 24);
  const objectCount = r.u32();
  if (payloadLength !== r.remaining) {
    throw new WireError(`payload length ${payloadLength} but ${r.remaining} bytes follow the header`, at + 24);
  }
  const implausible = objectCountProblem(kind, objectCount, payloadLength);
  if (implausible) throw new WireError(implausible, at + 28);
  const h = into ?? ({} as MessageHeader);
  h.moduleVersion = moduleVersion;
  h.kind = kind as MessageKind;
  h.flags = flags;
  h.interfaceId = interfaceId;
  h.functionId = functionId;
  h.callId = callId;
  h.payloadLength = payloadLength;
  h.objectCount = objectCount;
  return h;
}

/** `decodeHeader` of the 32 bytes at `at`, 8-aligned and known to be there: the same checks, in the same order. */
function checkHeader(r: WireReader, at: number, limits: HeaderLimits, into: MessageHeader | undefined): MessageHeader {
  const v = r.view;
  const magic = v.getUint32(at, true);
  if (magic !== MAGIC) throw new WireError(`bad magic 0x${magic.toString(16).padStart(8, '0')} (bytes 4D 44 4C 31 expected)`, at);
  const version = v.getUint16(at + 4, true);
  if (version !== WIRE_VERSION) throw new WireError(`wire version ${version}, this side speaks ${WIRE_VERSION}`, at + 4);
  const moduleVersion = v.getUint16(at + 6, true);
  const kind = v.getUint8(at + 8);
  const flags = v.getUint8(at + 9);
  const bad = kindProblem(kind, flags);
  if (bad) throw new WireError(bad.reason, at + bad.at);
  const reserved = v.getUint16(at + 10, true);
  if (reserved !== 0) throw new WireError(`reserved bytes are 0x${reserved.toString(16).padStart(4, '0')}, not 0`, at + 10);
  const payloadLength = v.getUint32(at + 24, true);
  if (payloadLength > limits.maxPayload) throw new WireError(`payload length ${payloadLength} exceeds the limit of ${limits.maxPayload}`, at + 24);
  r.pos = at + HEADER_SIZE;
  if (payloadLength !== r.remaining) {
    throw new WireError(`payload length ${payloadLength} but ${r.remaining} bytes follow the header`, at + 24);
  }
  const objectCount = v.getUint32(at + 28, true);
  const implausible = objectCountProblem(kind, objectCount, payloadLength);
  if (implausible) throw new WireError(implausible, at + 28);
  const h = into ?? ({} as MessageHeader);
  h.moduleVersion = moduleVersion;
  h.kind = kind as MessageKind;
  h.flags = flags;
  h.interfaceId = v.getUint32(at + 12, true);
  h.functionId = v.getUint32(at + 16, true);
  h.callId = v.getUint32(at + 20, true);
  h.payloadLength = payloadLength;
  h.objectCount = objectCount;
  return h;
}

// ---- error replies ------------------------------------------------------------------------------

export interface ErrorPayload {
  errno: number;
  message: string;
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const utf8Encoder = new TextEncoder();
// With the u flag a surrogate pair is one code point, so only an unpaired half matches.
const LONE_SURROGATE = /[\uD800-\uDFFF]/u;

/** The payload of an error reply: u32 errno, u32 message length, the UTF-8 message (no NUL). */
export function encodeErrorPayload(w: WireWriter, errno: number, message: string): void {
  if (errno === 0 || errno >>> 0 !== errno) throw new WireError(`error code ${errno} is not a nonzero u32`, w.position);
  if (message.includes('\0')) throw new WireError('error message has a NUL', w.position);
  if (LONE_SURROGATE.test(message)) throw new WireError('error message has a lone surrogate', w.position);
  // Error replies are rare: an encoded copy costs nothing that matters here.
  const bytes = utf8Encoder.encode(message);
  w.u32(errno);
  w.u32(bytes.length);
  w.bytes(bytes);
}

/** Reads an error payload, which must fill the rest of the reader's region. */
export function decodeErrorPayload(r: WireReader): ErrorPayload {
  const at = r.position;
  const errno = r.u32();
  if (errno === 0) throw new WireError('error reply with error code 0', at);
  const lengthAt = r.position;
  const length = r.u32();
  if (length !== r.remaining) throw new WireError(`error message length ${length} but ${r.remaining} bytes follow`, lengthAt);
  const bytes = r.bytes(length);
  const nul = bytes.indexOf(0);
  if (nul !== -1) throw new WireError('error message has a NUL', lengthAt + 4 + nul);
  let message: string;
  try {
    message = utf8.decode(bytes);
  } catch {
    throw new WireError('error message is not valid UTF-8', lengthAt + 4);
  }
  return { errno, message };
}
