// Typed errors of the runtime. Each carries the symbolic code and the Linux errno of
// docs/wire-format.md ("Error codes"), so an error that crosses the boundary (as an error reply)
// and one raised locally are told apart by class, not by parsing messages.

/** The errnos of docs/wire-format.md, the only ones the runtime itself raises. */
export const ERRNO = {
  EIO: 5,
  EINVAL: 22,
  ENOSYS: 38,
  EPROTO: 71,
  ESHUTDOWN: 108,
  ETIMEDOUT: 110,
} as const;

export type ErrnoName = keyof typeof ERRNO;

/** 'EPROTO' for 71 and so on; 'EUNKNOWN' for an errno outside the table (a C peer may send any). */
export function errnoName(errno: number): ErrnoName | 'EUNKNOWN' {
  for (const name of Object.keys(ERRNO) as ErrnoName[]) if (ERRNO[name] === errno) return name;
  return 'EUNKNOWN';
}

function hex32(n: number): string {
  return '0x' + (n >>> 0).toString(16).padStart(8, '0');
}

/** Base of every runtime error: `code` is symbolic ('EPROTO'), `errno` numeric (71). */
export class MdidlError extends Error {
  readonly code: string;
  readonly errno: number;
  constructor(code: string, errno: number, message: string) {
    super(message);
    this.name = new.target.name;
    this.code = code;
    this.errno = errno;
  }
}

/**
 * A malformed or hostile message (EPROTO). `offset` is the byte, counted from the start of the
 * reader's or writer's region (the message start), where the fault was found; null when the
 * thrower had no position (an object-table lookup called without one).
 */
export class WireError extends MdidlError {
  readonly reason: string;
  readonly offset: number | null;
  constructor(reason: string, offset: number | null = null) {
    super('EPROTO', ERRNO.EPROTO, offset === null ? `malformed message: ${reason}` : `malformed message at byte ${offset}: ${reason}`);
    this.reason = reason;
    this.offset = offset;
  }
}

/**
 * The peer answered a call with an error reply. `code`/`errno` are the peer's, so a caller can
 * tell "the peer could not parse my message" (EPROTO) from "the peer lacks the function" (ENOSYS).
 */
export class RemoteError extends MdidlError {
  readonly remoteMessage: string;
  readonly interfaceName: string;
  readonly functionName: string;
  constructor(errno: number, remoteMessage: string, interfaceName: string, functionName: string) {
    const code = errnoName(errno);
    super(code, errno, `${interfaceName}.${functionName}: the peer answered ${code} (${errno})${remoteMessage ? ': ' + remoteMessage : ''}`);
    this.remoteMessage = remoteMessage;
    this.interfaceName = interfaceName;
    this.functionName = functionName;
  }
}

/** The peer did not answer in time; raised locally, never sent. */
export class TimeoutError extends MdidlError {
  readonly interfaceName: string;
  readonly functionName: string;
  readonly timeoutMs: number;
  constructor(interfaceName: string, functionName: string, timeoutMs: number) {
    super('ETIMEDOUT', ERRNO.ETIMEDOUT, `${interfaceName}.${functionName}: no answer within ${timeoutMs} ms`);
    this.interfaceName = interfaceName;
    this.functionName = functionName;
    this.timeoutMs = timeoutMs;
  }
}

/** The peer is gone (a crashed or stopped u-driver); `detail` says how we found out. */
export class PeerGoneError extends MdidlError {
  readonly detail: string;
  readonly interfaceName: string | null;
  readonly functionName: string | null;
  constructor(detail: string, interfaceName: string | null = null, functionName: string | null = null) {
    const where = interfaceName !== null && functionName !== null ? `${interfaceName}.${functionName}: ` : '';
    super('ESHUTDOWN', ERRNO.ESHUTDOWN, `${where}the peer is gone: ${detail}`);
    this.detail = detail;
    this.interfaceName = interfaceName;
    this.functionName = functionName;
  }
}

/** The module version in a header is not the one this side was compiled from. */
export class VersionError extends MdidlError {
  readonly interfaceName: string;
  readonly expected: number;
  readonly received: number;
  constructor(interfaceName: string, expected: number, received: number) {
    super('EINVAL', ERRNO.EINVAL, `${interfaceName}: module version ${received} received, this side has version ${expected}`);
    this.interfaceName = interfaceName;
    this.expected = expected;
    this.received = received;
  }
}

/** An interface or function id this side does not know or does not implement. */
export class UnknownFunctionError extends MdidlError {
  readonly interfaceId: number;
  readonly functionId: number;
  readonly detail: string;
  constructor(interfaceId: number, functionId: number, detail = 'unknown interface or function') {
    super('ENOSYS', ERRNO.ENOSYS, `interface ${hex32(interfaceId)} function ${hex32(functionId)}: ${detail}`);
    this.interfaceId = interfaceId;
    this.functionId = functionId;
    this.detail = detail;
  }
}
