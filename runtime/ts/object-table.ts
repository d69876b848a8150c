// One side's object table (docs/runtime.md): the ids that stand for objects,
// opaque handles and callback functions across the boundary.
//
// An id is a u32: bit 31 is the home side (0 kernel, 1 user), bits 0-30 a serial the home side
// issued. One serial counter per side covers objects, handles and functions, so an id names one
// entry of one kind, and an object id presented as a handle (or the reverse) is caught as such
// instead of perhaps matching an unrelated entry of the other kind.
//
// Ids of our own side must have been issued by us: that is what keeps a hostile u-driver from
// naming kernel objects it was never given. Ids of the peer's side are the peer's to invent; the
// first time one arrives we make a shadow (or a handle token, or a calling stub) for it.
//
// Errors: input that came off the wire (ids, type ids from a message) fails with WireError;
// misuse by local code (registering one object under two types) with TypeError or RangeError.
import { types as utilTypes } from 'node:util';
import { WireError } from './errors.js';

export type Side = 'kernel' | 'user';
export type EntryKind = 'object' | 'handle' | 'function';

/** Bit 31 of an id: set when the user side is its home. */
export const USER_HOME_BIT = 0x80000000;
/**
 * Bit 30 of an id: a function both sides bound by name at channel open (the C runtime's
 * mdl_chan_bind_function, docs/wire-format.md), never issued. This runtime binds none.
 */
export const BOUND_BIT = 0x40000000;
/** The largest serial (below BOUND_BIT); a side that has issued it can issue no more ids this session. */
export const MAX_SERIAL = 0x3fffffff;

export function homeOf(id: number): Side {
  return id >>> 31 === 1 ? 'user' : 'kernel';
}

export function serialOf(id: number): number {
  return id & MAX_SERIAL;
}

export function makeId(home: Side, serial: number): number {
  return ((home === 'user' ? USER_HOME_BIT : 0) | serial) >>> 0;
}

/**
 * The id of a bound function, from its name alone (the C runtime's mdl_bound_id): BOUND_BIT | the
 * 32-bit FNV-1a hash of the name's UTF-8 bytes, its top two bits xor-folded into bits 0-29.
 */
export function boundId(name: string): number {
  let h = 0x811c9dc5;
  for (const b of new TextEncoder().encode(name)) h = Math.imul(h ^ b, 0x01000193) >>> 0;
  return (BOUND_BIT | ((h ^ (h >>> 30)) & MAX_SERIAL)) >>> 0;
}

export function formatId(id: number): string {
  return '0x' + (id >>> 0).toString(16).padStart(8, '0');
}

/**
 * What the receiving side holds for an opaque handle of the peer's side: only its id and type.
 * One token per id, so a handle passed back and forth keeps its identity. (Same shape as the
 * `Handle` the generated declarations use.)
 */
export class PeerHandle {
  readonly handleId: number;
  readonly typeId: number;
  constructor(handleId: number, typeId: number) {
    this.handleId = handleId;
    this.typeId = typeId;
    Object.freeze(this);
  }
  toString(): string {
    return `handle ${formatId(this.handleId)}`;
  }
}

export type AnyFunction = (...args: never[]) => unknown;

export interface TableEntry {
  id: number;
  kind: EntryKind;
  typeId: number;
  /** True when this side issued the id; false for a shadow, token or stub of a peer id. */
  own: boolean;
  value: unknown;
}

/** Opaque handles: any local value, of which the peer only ever sees the id. */
export interface HandleTable {
  /** The id for a local value (issued on first use) or for a peer token; 0 for null/undefined. */
  handleOf(value: unknown, typeId: number): number;
  /** The local value of a handle id this side issued. */
  valueOf<T = unknown>(id: number, typeId: number, at?: number | null): T;
  /** The token standing for a handle id of the peer's side, made on first sight. */
  tokenFor(id: number, typeId: number, at?: number | null): PeerHandle;
  /** `valueOf` for an id of our side, `tokenFor` for one of the peer's. */
  resolve(id: number, typeId: number, at?: number | null): unknown;
}

/** Callback function ids. `typeId` is the IR id of the callback type (0 when untyped). */
export interface FunctionTable {
  /** The id for a local function (issued on first use) or for a peer stub; 0 for null/undefined. */
  functionIdOf(fn: AnyFunction | null | undefined, typeId?: number): number;
  /** The local function of a function id this side issued. */
  functionFor<F extends AnyFunction = AnyFunction>(id: number, typeId?: number, at?: number | null): F;
  /** The calling stub for a function id of the peer's side, made by `create` on first sight. */
  stubFor<F extends AnyFunction>(id: number, typeId: number, create: () => F, at?: number | null): F;
  /** `functionFor` for an id of our side, `stubFor` for one of the peer's. */
  resolve<F extends AnyFunction>(id: number, typeId: number, create: () => F, at?: number | null): F;
}

export interface ObjectTableOptions {
  /** Lower the serial limit (tests of exhaustion); at most MAX_SERIAL. */
  maxSerial?: number;
  /** Entries of the peer's side (shadows, tokens, stubs) the table holds at most. Default DEFAULT_MAX_PEER_ENTRIES. */
  maxPeerEntries?: number;
}

/** The peer's entries a table holds at most unless told otherwise: the C runtime's MDL_MAX_PEER_ENTRIES. */
export const DEFAULT_MAX_PEER_ENTRIES = 65536;

/**
 * An object's entry as `entryOf` gives it to the codec: its id, and three slots the table never
 * reads, where the codec keeps the object's record in the message it is encoding (`rec`, valid
 * while `mark` is that message's number) and whether that record is whole (`whole`: the message's
 * number once it is). One lookup per object then finds both its id and whether the message already
 * has it, instead of a table lookup and a per-message map; and whether the message has it whole
 * is known from the entry alone, without loading the record.
 */
export interface ObjectEntry {
  readonly id: number;
  mark: number;
  rec: unknown;
  whole: number;
}

/**
 * An entry as `peek` gives it to the codec's entry reader: what it is, and a slot the table never
 * reads (`seen`), where the reader marks the entry with the number of the message that named it.
 */
export interface PeekedEntry {
  readonly kind: EntryKind;
  readonly typeId: number;
  readonly value: unknown;
  seen: number;
}

interface Entry extends ObjectEntry, PeekedEntry {
  readonly kind: EntryKind;
  readonly typeId: number;
  readonly own: boolean;
  readonly value: unknown;
  /** The table while the entry is live (null once dropped): what a slot's entry is checked against. */
  table: ObjectTable | null;
  /** `typeId` for an object entry, -1 for any other kind: `resolve`'s kind and type in one test. */
  readonly objectType: number;
}

/**
 * The hidden-class slot of an object entry: a non-enumerable symbol property on the object itself
 * holds its entry of the table that last took it in, so that finding an object's entry is one
 * property load instead of a map lookup by object (docs/runtime.md, "Generated codec code"). The
 * map stays the truth: the slot is only believed when its entry is live in this very table and
 * names this very object (not a prototype's entry), and an object that cannot take the property
 * (frozen, sealed, a proxy, one whose slot another table holds) is found through the map.
 */
const SLOT: unique symbol = Symbol('mdidl.objectEntry');
type Slotted = { [SLOT]?: Entry };

/** Puts `e` in its object's slot, when the object can take it (see SLOT). */
function takeSlot(obj: object, e: Entry): void {
  if (typeof obj !== 'object' || utilTypes.isProxy(obj)) return;
  const d = Object.getOwnPropertyDescriptor(obj, SLOT);
  if (d === undefined) {
    if (Object.isExtensible(obj)) Object.defineProperty(obj, SLOT, { value: e, writable: true, enumerable: false, configurable: true });
  } else if (d.writable === true && d.enumerable === false) (obj as Slotted)[SLOT] = e;
}

/** Empties the slot of a dropped entry's object (a frozen one keeps it, and the dead entry fails the check). */
function leaveSlot(obj: object, e: Entry): void {
  if (typeof obj !== 'object' || utilTypes.isProxy(obj)) return;
  const d = Object.getOwnPropertyDescriptor(obj, SLOT);
  if (d !== undefined && d.value === e && d.writable === true) (obj as Slotted)[SLOT] = undefined;
}

/**
 * `peek`'s cache of recent ids: 512 slots, by the id's low 8 bits and its home bit (`peek` masks
 * with literals). Serials are issued in sequence, so the ids of up to 256 consecutive serials of
 * each side never share a slot. A peer that picks colliding ids only makes its own lookups miss:
 * a miss is the map lookup the cache spares, so no choice of ids costs more than having no cache
 * (a multiplier drawn per process, as before, made about two pairs of a 32-node message collide on
 * average, each a map lookup per mention, and made the cost vary from process to process).
 */
const RECENT_SLOTS = 512;

function a(kind: EntryKind): string {
  return kind === 'object' ? 'an object' : `a ${kind}`;
}

function checkTypeId(typeId: number): void {
  if (typeId >>> 0 !== typeId) throw new TypeError(`type id ${String(typeId)} is not a u32`);
}

export class ObjectTable {
  readonly side: Side;
  readonly peer: Side;
  readonly handles: HandleTable;
  readonly functions: FunctionTable;

  private readonly homeBit: number;
  /** `homeBit` as bit 31 alone: 1 for the user side, 0 for the kernel. */
  private readonly homeTop: number;
  private readonly maxSerial: number;
  readonly maxPeerEntries: number;
  private peerEntries = 0;
  private lastSerial = 0;
  private readonly byId = new Map<number, Entry>();
  /**
   * A direct-mapped cache of `byId` for `peek` (see RECENT_SLOTS), whose entry is believed only
   * while live in this table (a dropped entry's `table` is null; ids are never reused).
   */
  private readonly recent: (Entry | undefined)[] = new Array<Entry | undefined>(RECENT_SLOTS).fill(undefined);
  // Reverse maps. Objects have one type each (a JS object is one struct); a handle value or a
  // function may cross under several types (C passes the same pointer as `void *` and as
  // `struct pci_dev *`), each with its own id, so those maps are keyed by type first.
  private readonly objectIds = new Map<object, Entry>();
  private readonly handleIds = new Map<number, Map<unknown, Entry>>();
  private readonly functionIds = new Map<number, Map<unknown, Entry>>();

  // Staging: entries made while staging go in as usual (later references in the same message
  // must find them) and are listed for rollback; frees are only recorded, and applied at commit.
  private staging = false;
  private serialAtBegin = 0;
  private readonly created: number[] = [];
  private readonly pendingFree = new Set<number>();

  constructor(side: Side, options: ObjectTableOptions = {}) {
    this.side = side;
    this.peer = side === 'kernel' ? 'user' : 'kernel';
    this.homeBit = side === 'user' ? USER_HOME_BIT : 0;
    this.homeTop = side === 'user' ? 1 : 0;
    const max = options.maxSerial ?? MAX_SERIAL;
    if (!Number.isSafeInteger(max) || max < 1 || max > MAX_SERIAL) throw new RangeError(`maxSerial ${max} is not in 1..${MAX_SERIAL}`);
    this.maxSerial = max;
    const peerMax = options.maxPeerEntries ?? DEFAULT_MAX_PEER_ENTRIES;
    if (!Number.isSafeInteger(peerMax) || peerMax < 0) throw new RangeError(`maxPeerEntries ${peerMax} is not a count`);
    this.maxPeerEntries = peerMax;

    this.handles = {
      handleOf: (value, typeId) => {
        if (value === null || value === undefined) return 0;
        checkTypeId(typeId);
        const known = this.handleIds.get(typeId)?.get(value);
        if (known) return known.id;
        if (value instanceof PeerHandle) {
          throw new TypeError(`${value} of type ${formatId(value.typeId)} is not in this table as type ${formatId(typeId)} (a token from an earlier session, or another type)`);
        }
        return this.issue('handle', typeId, value, this.reverseFor(this.handleIds, typeId));
      },
      valueOf: <T>(id: number, typeId: number, at: number | null = null) => this.lookup(id, 'handle', typeId, at).value as T,
      tokenFor: (id, typeId, at = null) => this.shadow(id, 'handle', typeId, () => new PeerHandle(id, typeId), at) as PeerHandle,
      resolve: (id, typeId, at = null) => (this.isOwn(id) ? this.handles.valueOf(id, typeId, at) : this.handles.tokenFor(id, typeId, at)),
    };

    this.functions = {
      functionIdOf: (fn, typeId = 0) => {
        if (fn === null || fn === undefined) return 0;
        checkTypeId(typeId);
        const known = this.functionIds.get(typeId)?.get(fn);
        if (known) return known.id;
        return this.issue('function', typeId, fn, this.reverseFor(this.functionIds, typeId));
      },
      functionFor: <F extends AnyFunction>(id: number, typeId = 0, at: number | null = null) => this.lookup(id, 'function', typeId, at).value as F,
      stubFor: <F extends AnyFunction>(id: number, typeId: number, create: () => F, at: number | null = null) => this.shadow(id, 'function', typeId, create, at) as F,
      resolve: <F extends AnyFunction>(id: number, typeId: number, create: () => F, at: number | null = null) =>
        this.isOwn(id) ? this.functions.functionFor<F>(id, typeId, at) : this.functions.stubFor(id, typeId, create, at),
    };
  }

  /** Live entries of every kind (those pending a staged free included). */
  get size(): number {
    return this.byId.size;
  }

  /** Live entries of the peer's side (bounded by `maxPeerEntries`). */
  get peerSize(): number {
    return this.peerEntries;
  }

  get isStaging(): boolean {
    return this.staging;
  }

  /** Whether `id` is of this side (its home is us). */
  isOwn(id: number): boolean {
    // Bit 31 as 0 or 1 (a small integer), where the bit in place is 2^31, a double.
    return id >>> 31 === this.homeTop;
  }

  /**
   * The id of a local object or of a shadow, issuing one of our side on first use; the same
   * object always gets the same id until it is freed. 0 for null. An object already in the table
   * under another type is a TypeError.
   */
  idOf(obj: object | null | undefined, typeId: number): number {
    if (obj === null || obj === undefined) return 0;
    const slot = (obj as Slotted)[SLOT];
    if (slot !== undefined && slot.table === this && slot.value === obj && slot.typeId === typeId) return slot.id;
    checkTypeId(typeId);
    const known = this.objectIds.get(obj);
    if (known) {
      if (known.typeId !== typeId) throw new TypeError(`object ${formatId(known.id)} is of type ${formatId(known.typeId)}, not ${formatId(typeId)}`);
      return known.id;
    }
    return this.issue('object', typeId, obj, this.objectIds);
  }

  /** `idOf` for an object (not null), as its entry: the same checks, the same id issued on first use. */
  entryOf(obj: object, typeId: number): ObjectEntry {
    const slot = (obj as Slotted)[SLOT];
    if (slot !== undefined && slot.table === this && slot.value === obj && slot.typeId === typeId) return slot;
    const known = this.objectIds.get(obj);
    if (known !== undefined && known.typeId === typeId) return known;
    this.idOf(obj, typeId);
    return this.objectIds.get(obj)!;
  }

  /**
   * The entry of an object of that type as its slot holds it, or undefined (the slot is empty, of
   * another table, or the object is in the table only through the map): issues nothing, checks
   * nothing more. For the codec's generated walk, which only ever skips work with it.
   */
  slotEntry(obj: object, typeId: number): ObjectEntry | undefined {
    const slot = (obj as Slotted)[SLOT];
    return slot !== undefined && slot.table === this && slot.value === obj && slot.typeId === typeId ? slot : undefined;
  }

  /** The id an object already has in this table (ours or a shadow), or 0: issues nothing. */
  knownId(obj: object): number {
    return this.objectIds.get(obj)?.id ?? 0;
  }

  /**
   * The object an id names: one we issued, or a shadow of a peer id we have seen. WireError for
   * id 0, an id of ours we never issued (forged), one issued for another type or kind (mistyped),
   * a freed one, or a peer id we do not know. `at` is the id's byte offset, for the error.
   */
  get<T extends object = object>(id: number, typeId: number, at: number | null = null): T {
    return this.lookup(id, 'object', typeId, at).value as T;
  }

  /** `get`, but id 0 (NULL) gives null: for pointers that may be NULL. */
  getNullable<T extends object = object>(id: number, typeId: number, at: number | null = null): T | null {
    return id === 0 ? null : this.get<T>(id, typeId, at);
  }

  /**
   * The shadow of an object id of the peer's side: made by `create` the first time (and recorded
   * both ways), the same object afterwards. WireError for id 0, an id of our own side, a type
   * other than the one the id first came with, or an id freed earlier in the staged message.
   */
  shadowFor<T extends object>(id: number, typeId: number, create: () => T, at: number | null = null): T {
    return this.shadow(id, 'object', typeId, create, at) as T;
  }

  /**
   * The live entry of `id`, of any kind, or undefined: from the cache of recent ids or one map
   * lookup, with no check of the id (an id that is a key is valid) and nothing made. For the codec's
   * entry reader, which then checks kind, type and `freedHere` itself, or goes through `resolve`.
   */
  peek(id: number): PeekedEntry | undefined {
    // One of RECENT_SLOTS: the serial's low 8 bits, and the home bit (bit 31) as bit 8 (literals,
    // where a module constant is a context load and a hole check).
    const h = (id & 0xff) | ((id >>> 23) & 0x100);
    // The slot's entry is believed when it is of this id (its own, never reissued) and live here.
    let e = this.recent[h];
    if (e === undefined || e.id !== id || e.table !== this) {
      e = this.byId.get(id);
      if (e !== undefined) this.recent[h] = e;
    }
    return e;
  }

  /** Whether the message being staged freed `id` (it may not be named again in it). */
  freedHere(id: number): boolean {
    return this.pendingFree.size !== 0 && this.pendingFree.has(id);
  }

  /** What a decoder calls for an object id off the wire: `get` for ours, `shadowFor` for the peer's. */
  resolve<T extends object>(id: number, typeId: number, create: () => T, at: number | null = null): T {
    // The common case first: a live object entry of that type, not freed in this message (a key of
    // byId is a valid id, so the checks of the id itself have passed), found in the cache of
    // recent ids or else in one map lookup.
    const e = this.peek(id) as Entry | undefined;
    if (e !== undefined && e.objectType === typeId && (this.pendingFree.size === 0 || !this.pendingFree.has(id))) return e.value as T;
    return this.isOwn(id) ? this.get<T>(id, typeId, at) : this.shadowFor(id, typeId, create, at);
  }

  /**
   * Drops an entry of any kind, both directions (its home side freed the object, or its shadow
   * is no longer wanted); the id is never issued again. While staging, recorded and applied at
   * commit. Returns false when the id was not live.
   */
  free(id: number): boolean {
    const e = this.byId.get(id);
    if (e === undefined || this.pendingFree.has(id)) return false;
    if (this.staging) this.pendingFree.add(id);
    else this.drop(e);
    return true;
  }

  /**
   * A free that arrived in a message (an object entry with the freed flag): only the home side
   * frees, so the id must be a live object of the peer's side with that type; WireError otherwise.
   */
  freeByPeer(id: number, typeId: number, at: number | null = null): void {
    if (id !== 0 && this.isOwn(id)) {
      throw new WireError(`the ${this.peer} side may not free ${formatId(id)}, an object of the ${this.side} side`, at);
    }
    this.lookup(id, 'object', typeId, at);
    this.free(id);
  }

  /**
   * Drops every entry whose home is the peer (shadows, tokens, stubs) and keeps our own: what the
   * kernel side does when it restarts a crashed u-driver, whose ids then start afresh.
   */
  clear(): void {
    if (this.staging) throw new Error('ObjectTable.clear while staging');
    for (const e of this.byId.values()) if (!e.own) this.drop(e);
  }

  /** From here on, new entries can be rolled back and frees wait for `commit`. */
  beginStaging(): void {
    if (this.staging) throw new Error('ObjectTable.beginStaging: already staging');
    this.staging = true;
    this.serialAtBegin = this.lastSerial;
  }

  /** Keeps what was staged and applies the recorded frees. */
  commit(): void {
    if (!this.staging) throw new Error('ObjectTable.commit without beginStaging');
    if (this.pendingFree.size !== 0) {
      for (const id of this.pendingFree) {
        const e = this.byId.get(id);
        if (e) this.drop(e);
      }
    }
    this.endStaging();
  }

  /** Leaves the table exactly as it was at `beginStaging`, serial counter included. */
  rollback(): void {
    if (!this.staging) throw new Error('ObjectTable.rollback without beginStaging');
    for (let i = this.created.length - 1; i >= 0; i--) {
      const e = this.byId.get(this.created[i]!);
      if (e) this.drop(e);
    }
    this.lastSerial = this.serialAtBegin;
    this.endStaging();
  }

  /** A copy of the live entries, for diagnostics and tests. */
  entries(): TableEntry[] {
    return [...this.byId.values()].map((e) => ({ id: e.id, kind: e.kind, typeId: e.typeId, own: e.own, value: e.value }));
  }

  private endStaging(): void {
    this.staging = false;
    if (this.created.length) this.created.length = 0;
    if (this.pendingFree.size) this.pendingFree.clear();
  }

  private issue(kind: EntryKind, typeId: number, value: unknown, reverse: Map<unknown, Entry>): number {
    if (this.lastSerial >= this.maxSerial) {
      throw new RangeError(`the ${this.side} side has issued all ${this.maxSerial} ids of this session; ids are never reused`);
    }
    const id = (this.homeBit | ++this.lastSerial) >>> 0;
    this.insert({ id, kind, typeId, own: true, value, mark: 0, rec: null, whole: 0, table: this, seen: 0, objectType: kind === 'object' ? typeId : -1 }, reverse);
    return id;
  }

  private shadow(id: number, kind: EntryKind, typeId: number, create: () => unknown, at: number | null): unknown {
    this.checkWireId(id, kind, at);
    if (this.isOwn(id)) {
      throw new WireError(`${kind} id ${formatId(id)} is of the ${this.side} side where an id of the ${this.peer} side was expected`, at);
    }
    if (this.byId.has(id)) return this.lookup(id, kind, typeId, at).value;
    // A hostile peer could otherwise grow our table without bound, one new id at a time.
    if (this.peerEntries >= this.maxPeerEntries) {
      throw new WireError(`the ${this.peer} side already has ${this.peerEntries} entries in the ${this.side} side's table, as many as it may`, at);
    }
    const value = create();
    const reverse = kind === 'object' ? (this.objectIds as Map<unknown, Entry>) : this.reverseFor(kind === 'handle' ? this.handleIds : this.functionIds, typeId);
    if (reverse.has(value)) throw new TypeError(`create() for ${formatId(id)} returned a value already in the table`);
    this.insert({ id, kind, typeId, own: false, value, mark: 0, rec: null, whole: 0, table: this, seen: 0, objectType: kind === 'object' ? typeId : -1 }, reverse);
    return value;
  }

  private insert(e: Entry, reverse: Map<unknown, Entry>): void {
    this.byId.set(e.id, e);
    reverse.set(e.value, e);
    if (e.kind === 'object') takeSlot(e.value as object, e);
    if (!e.own) this.peerEntries++;
    if (this.staging) this.created.push(e.id);
  }

  private drop(e: Entry): void {
    this.byId.delete(e.id);
    e.table = null;
    if (e.kind === 'object') leaveSlot(e.value as object, e);
    if (!e.own) this.peerEntries--;
    if (e.kind === 'object') this.objectIds.delete(e.value as object);
    else (e.kind === 'handle' ? this.handleIds : this.functionIds).get(e.typeId)?.delete(e.value);
  }

  private reverseFor(maps: Map<number, Map<unknown, Entry>>, typeId: number): Map<unknown, Entry> {
    let m = maps.get(typeId);
    if (m === undefined) maps.set(typeId, (m = new Map()));
    return m;
  }

  /** The live entry for a wire id of the given kind and type, or the WireError saying why not. */
  private lookup(id: number, kind: EntryKind, typeId: number, at: number | null): Entry {
    this.checkWireId(id, kind, at);
    const e = this.byId.get(id);
    if (e === undefined) throw new WireError(this.whyUnknown(id, kind), at);
    if (e.kind !== kind) throw new WireError(`id ${formatId(id)} names ${a(e.kind)}, not ${a(kind)}`, at);
    if (e.typeId !== typeId) throw new WireError(`mistyped id ${formatId(id)}: ${a(kind)} of type ${formatId(e.typeId)}, not ${formatId(typeId)}`, at);
    if (this.pendingFree.has(id)) throw new WireError(`${kind} id ${formatId(id)} was freed earlier in this message`, at);
    return e;
  }

  private checkWireId(id: number, kind: EntryKind, at: number | null): void {
    if (id === 0) throw new WireError(`NULL ${kind} id where one is required`, at);
    if (id >>> 0 !== id) throw new WireError(`${kind} id ${String(id)} is not a u32`, at);
    if (id & BOUND_BIT) throw new WireError(`${kind} id ${formatId(id)} is a bound function's, and this side binds none`, at);
    if (serialOf(id) === 0) throw new WireError(`${kind} id ${formatId(id)} has serial 0, which is never issued`, at);
  }

  private whyUnknown(id: number, kind: EntryKind): string {
    if (!this.isOwn(id)) return `unknown ${kind} id ${formatId(id)} of the ${this.peer} side`;
    if (serialOf(id) > this.lastSerial) return `forged ${kind} id ${formatId(id)}: the ${this.side} side never issued it`;
    return `${kind} id ${formatId(id)} was freed`;
  }
}
