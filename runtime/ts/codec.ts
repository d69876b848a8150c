// The codec: calls and replies to and from bytes, driven by the generated plan. Encoding walks
// the access-set selections from the arguments to find the objects that cross; decoding stages
// everything (new shadows, field values, frees) and applies it to live objects only once the whole
// message has validated, so hostile bytes change nothing (docs/wire-format.md).
import { generatedArgs, type GenArgs } from './codec-gen-args.js';
import { generatedStruct, maskHalves, StagingScratch, type GenStruct } from './codec-gen.js';
import { WireError } from './errors.js';
import {
  decodeErrorPayload,
  decodeHeader,
  DEFAULT_LIMITS,
  encodeErrorPayload,
  encodeHeader,
  finishHeader,
  HEADER_SIZE,
  MessageKind,
  type HeaderLimits,
  type MessageHeader,
} from './header.js';
import type { AnyFunction, ObjectEntry, ObjectTable } from './object-table.js';
import { accessFields, accessMerges, crossesAsCount, type Plan, type PlanMerge, type PlanExpr, type PlanFunction, type PlanInterface, type PlanSelection, type PlanType, type PlanValue } from './plan.js';
import type { Box, Interior } from './values.js';
import { WireReader } from './wire-reader.js';
import { WireWriter } from './wire-writer.js';

type Obj = Record<string, unknown>;
type StructPlan = Extract<PlanType, { kind: 'struct' }>;
type UnionPlan = Extract<PlanType, { kind: 'union' }>;

/** How a callback id of the peer becomes a callable function (the channel provides it). */
export type StubFactory = (typeId: number, id: number) => AnyFunction;

export interface CodecOptions {
  /**
   * Straight-line code per struct type (codec-gen.ts), default true; false interprets the plan for
   * every struct, which gives the same bytes and the same results (the tests hold the two together).
   */
  generate?: boolean;
}

export interface DecodedCall {
  iface: PlanInterface;
  fn: PlanFunction;
  callId: number;
  nested: boolean;
  args: unknown[];
}

/** What a pooled record holds between messages. */
const NO_OBJ: Obj = Object.freeze({}) as Obj;

interface Outgoing {
  obj: Obj;
  id: number;
  info: StructInfo;
  all: boolean;
  /** 1 for each field that crosses. */
  fields: Uint8Array;
  /** What generated code keeps from the last message it wrote with this record (`GenMemo`). */
  memo: unknown;
}

/**
 * The objects of the message being encoded, in the order they are written. Which objects it
 * already has is kept on their table entries (`ObjectEntry.mark`/`rec`), under `mark`, a number no
 * other message of any codec has; or, for a message encoded while another is (a getter that
 * encodes, on any codec), in `byObj`, so that it leaves the outer message's marks alone.
 */
interface Collected {
  /** The first `n` are this message's (a reused list keeps the records of an earlier, longer one after them). */
  readonly list: Outgoing[];
  n: number;
  readonly mark: number;
  readonly byObj: Map<Obj, Outgoing> | null;
}
let lastMark = 0;
/** The last number a decoded message marked its entries with (`Codec.seenMark`). */
let lastSeenMark = 0;
/** Whether some codec is encoding with marks now. */
let marking = false;

/**
 * The collector's stack of steps, as three parallel arrays (no object per step), `n` deep: visit
 * an object of a type with a selection, or (selection null) only give it an id. The arrays never
 * shrink (a reused walk would otherwise grow them again, message after message); a step taken is
 * cleared, so they hold no object of an earlier message.
 */
interface Walk {
  objs: (Obj | undefined)[];
  types: number[];
  sels: (PlanSelection | 'deep' | null)[];
  n: number;
  /**
   * The message's mark when it keeps its records on the table entries (-1 otherwise): generated
   * code's deep walk pushes no step for an object whose entry carries it as `whole` (the step
   * would end at once, as in `collect`).
   */
  mark: number;
}

function pushStep(walk: Walk, obj: Obj, type: number, sel: PlanSelection | 'deep' | null): void {
  const k = walk.n++;
  walk.objs[k] = obj;
  walk.types[k] = type;
  walk.sels[k] = sel;
}

/** The steps pushed from `base` on went on in field order; reversed, the first is taken first (preorder). */
function reverseSteps(walk: Walk, base: number): void {
  const { objs, types, sels } = walk;
  for (let i = base, j = walk.n - 1; i < j; i++, j--) {
    const o = objs[i]!;
    objs[i] = objs[j]!;
    objs[j] = o;
    const t = types[i]!;
    types[i] = types[j]!;
    types[j] = t;
    const x = sels[i]!;
    sels[i] = sels[j]!;
    sels[j] = x;
  }
}

/** What a deep selection of a struct without embedded structs takes: every field, and every pointer it holds. */
interface DeepPlan {
  /** 1 for each field that crosses. */
  mask: Uint8Array;
  /** The pointer fields to follow, in field order: name, pointed-to type, and whether it is an array of pointers. */
  names: string[];
  types: number[];
  arrays: boolean[];
}

/** What the codec works out once per struct type. */
interface StructInfo {
  plan: StructPlan;
  names: string[];
  /** u64 words of its present-field mask. */
  words: number;
  /** Each field's writer and reader, filled in on first use (a field's may need another struct's info). */
  writers: ValueWriter[] | null;
  readers: ValueReader[] | null;
  /** Its straight-line code (codec-gen.ts): undefined until first asked for, null where the plan is interpreted. */
  gen: GenStruct | null | undefined;
  /** How a deep selection walks it: undefined until first asked for, null where `visit` interprets it. */
  deep: DeepPlan | null | undefined;
  /** The last access set's mask of this type that generated code checked an entry against. */
  lastAllowed: Map<number, Uint8Array> | null;
  lastHalves: number[] | null;
}

interface StagedObject {
  obj: Obj;
  type: StructPlan;
  /** The fields that arrived, in order, and their values by field index. */
  present: number[];
  values: unknown[];
}

/** The objects a message stages, in order, and by object for interior and container pointers. */
interface Stage {
  /** The objects the interpreter staged (null until the first). */
  list: StagedObject[] | null;
  /** The private copy of the message, and the objects staged by generated code (null for a message without objects). */
  scratch: StagingScratch | null;
  byObj: Map<Obj, StagedObject>;
  /** How the message's function merges embedded structs, by type and field (`mergesOf`). */
  merges: Map<number, Map<number, PlanMerge>> | null;
}

/**
 * A decoded message waiting to be applied or dropped, and the stage its objects were read into:
 * one object per message (not a set of closures).
 */
class StagedMessage<T> implements Stage {
  call: T = undefined as T;
  list: StagedObject[] | null = null;
  done = false;
  constructor(
    private readonly codec: Codec,
    readonly scratch: StagingScratch | null,
    readonly byObj: Map<Obj, StagedObject>,
    readonly merges: Map<number, Map<number, PlanMerge>> | null,
  ) {}

  apply(): void {
    this.codec.finishStaged(this, true);
  }

  discard(): void {
    this.codec.finishStaged(this, false);
  }
}

type ValueWriter = (w: WireWriter, x: unknown, siblings: readonly unknown[], owner: Obj | undefined, field: number, ownerType: number) => void;
type ValueReader = (r: WireReader, siblings: unknown[], stage: Stage, owner: Obj | undefined, field: number, ownerType: number) => unknown;

const NO_STUBS: StubFactory = () => () => {
  throw new Error('this codec has no channel to call a peer callback through');
};

export class Codec {
  private readonly types = new Map<number, PlanType>();
  private readonly ifaces = new Map<number, PlanInterface>();
  // Where an array or an embedded struct lives, so interior and container pointers can name it.
  private readonly arrayHome = new WeakMap<object, { owner: Obj; ownerType: number; field: number }>();
  private readonly embedHome = new WeakMap<object, { owner: Obj; field: number }>();
  // Only a plan with interior (container) pointers needs to know where arrays (embedded structs) live.
  private readonly tracksArrays: boolean;
  private readonly tracksEmbeds: boolean;

  constructor(
    readonly plan: Plan,
    readonly tables: ObjectTable,
    private readonly stubs: StubFactory = NO_STUBS,
    readonly limits: HeaderLimits = DEFAULT_LIMITS,
    options: CodecOptions = {},
  ) {
    for (const t of plan.types) this.types.set(t.id, t);
    for (const i of plan.interfaces) this.ifaces.set(i.id, i);
    const kinds = planValueKinds(plan);
    this.tracksArrays = kinds.has('interior');
    this.tracksEmbeds = kinds.has('container');
    this.generates = (options.generate ?? true) && !this.tracksArrays && !this.tracksEmbeds;
  }

  // Generated code does not record where arrays and embedded structs live, which interior and
  // container pointers need: a plan with those is interpreted throughout.
  private readonly generates: boolean;
  private genSlots = 0;

  /** The straight-line code of a struct, made on first use; null when the plan is interpreted for it. */
  private genOf(info: StructInfo): GenStruct | null {
    if (info.gen !== undefined) return info.gen;
    if (!this.generates) return (info.gen = null);
    const fields = info.plan.fields;
    const of = (i: number): PlanValue => {
      const v = fields[i]!.value;
      return v.k === 'counted' || v.k === 'array' ? v.of : v;
    };
    info.gen = generatedStruct(info.plan, {
      tables: this.tables,
      callback: (type, id, at) => this.tables.functions.resolve(id, type, () => this.stubs(type, id), at),
      fieldWriter: (i) => this.writer(fields[i]!.value),
      fieldReader: (i) => this.reader(fields[i]!.value) as never,
      elementWriter: (i) => this.writer(of(i)),
      elementReader: (i) => this.reader(of(i)) as never,
      evalCount,
      toTyped,
      slot: this.genSlots++,
      applyEmbed: (obj, i, v, merge) => this.applyField(obj, fields[i]!, v, (merge as Map<number, PlanMerge> | undefined)?.get(i)),
      collectEmbed: (i, x, walk) => this.collectValue(fields[i]!.value, x, 'deep', walk as Walk),
    });
    return info.gen;
  }

  // By parameter list (a callback type's calls share theirs); null where they are interpreted.
  private readonly genArgs = new WeakMap<PlanFunction['params'], GenArgs | null>();

  /** The straight-line code of a function's arguments and reply values, made on first use; null when they are interpreted. */
  private argsOf(fn: PlanFunction): GenArgs | null {
    if (!this.generates) return null;
    // Calls of one function in a row ask the same.
    if (fn === this.lastArgsFn) return this.lastArgs;
    let g = this.genArgs.get(fn.params);
    if (g === undefined || (g !== null && this.genArgsReturns.get(g) !== fn.returns)) {
      g = generatedArgs(fn, {
        tables: this.tables,
        callback: (type, id, at) => this.tables.functions.resolve(id, type, () => this.stubs(type, id), at),
        valueWriter: (v) => this.writer(v),
        valueReader: (v) => this.reader(v) as never,
        evalCount,
        toTyped,
        zeroArray: (of, n) => this.zeroArray(of, n),
        limit: this.limits.maxPayload,
      });
      this.genArgs.set(fn.params, g);
      if (g) this.genArgsReturns.set(g, fn.returns);
    }
    this.lastArgsFn = fn;
    this.lastArgs = g;
    return g;
  }

  private lastArgsFn: PlanFunction | null = null;
  private lastArgs: GenArgs | null = null;

  private readonly genArgsReturns = new WeakMap<GenArgs, PlanValue | null>();

  private readonly callbackCalls = new Map<number, Map<number, { iface: PlanInterface; fn: PlanFunction }>>();

  /**
   * A call through a function pointer: the callback type stands in for the interface (its id is
   * the header's interface id) and the function-pointer id for the function. No access sets: tracked
   * arguments cross as identities. Null when `typeId` is no callback type of this plan.
   */
  callbackCall(typeId: number, fnId: number): { iface: PlanInterface; fn: PlanFunction } | null {
    const t = this.types.get(typeId);
    if (!t || t.kind !== 'callback') return null;
    let byFn = this.callbackCalls.get(typeId);
    if (!byFn) this.callbackCalls.set(typeId, (byFn = new Map()));
    const known = byFn.get(fnId);
    if (known) return known;
    const fn: PlanFunction = { id: fnId, name: t.name, role: 'upcall', params: t.params, returns: t.returns, reads: [], writes: [] };
    const call = { iface: { id: t.id, name: t.name, functions: [fn] }, fn };
    // The function id comes off the wire before it is checked: a peer naming ids at random must
    // not grow the cache without bound.
    if (byFn.size < CALLBACK_CACHE) byFn.set(fnId, call);
    return call;
  }

  // Objects of ours this side forgot, to tell the peer in the next message (freed entries).
  private pendingFrees: [id: number, typeId: number][] = [];

  /**
   * Drops an object of ours from the table (it was only lent to one call: an [out] parameter),
   * and, with `tellPeer`, has the next message carry a freed entry so the peer drops its shadow
   * too. `tellPeer` only when the peer is known to hold the shadow: it refuses a free of an id it
   * does not know.
   */
  forget(obj: object, typeId: number, tellPeer: boolean): void {
    const id = this.tables.knownId(obj);
    if (!id || !this.tables.isOwn(id) || !this.tables.free(id)) return;
    if (tellPeer) this.pendingFrees.push([id, typeId]);
  }

  /** A new peer knows none of the ids the last one was to be told about. */
  dropPendingFrees(): void {
    this.pendingFrees = [];
  }

  // The reader of the last buffer decoded from: a channel decodes every message from the same
  // scratch buffer, so one reader, rewound, serves them all (decoding is never re-entered).
  private lastReader: WireReader | null = null;
  private lastBuffer: ArrayBufferLike | null = null;
  private lastOffset = -1;
  private lastBytes: Uint8Array | null = null;
  // The function of the last call decoded, by the header's ids, and what its access set lets a call carry.
  private lastCall: {
    ifaceId: number;
    fnId: number;
    iface: PlanInterface;
    fn: PlanFunction;
    allowed: Map<number, Uint8Array>;
    merges: Map<number, Map<number, PlanMerge>> | null;
  } | null = null;

  /** A reader over `bytes`, reusing the last one when `bytes` starts where its buffer did. */
  readerFor(bytes: Uint8Array): WireReader {
    // The very view of last time (a channel's mailbox keeps one per length): its buffer and offset
    // cannot have changed, and asking a view for its buffer is a call. (Its length as `length`,
    // which for bytes is the byte length: V8 reads that inline, where `byteLength` is a call.)
    const n = bytes.length;
    if (bytes === this.lastBytes && this.lastReader !== null && n <= this.lastReader.region) {
      this.lastReader.reset(n);
      return this.lastReader;
    }
    this.lastBytes = bytes;
    if (this.lastReader && this.lastBuffer === bytes.buffer && this.lastOffset === bytes.byteOffset && n <= this.lastReader.region) {
      this.lastReader.reset(n);
      return this.lastReader;
    }
    const r = new WireReader(bytes.buffer as ArrayBuffer, bytes.byteOffset, bytes.buffer.byteLength - bytes.byteOffset);
    this.lastReader = r;
    this.lastBuffer = bytes.buffer;
    this.lastOffset = bytes.byteOffset;
    r.reset(n);
    return r;
  }

  /** The interface and function of the plan with these ids (not callback calls), or null. */
  functionOf(interfaceId: number, functionId: number): Readonly<{ iface: PlanInterface; fn: PlanFunction }> | null {
    const iface = this.ifaces.get(interfaceId);
    if (!iface) return null;
    let fns = this.fnById.get(iface);
    if (!fns) this.fnById.set(iface, (fns = new Map(iface.functions.map((f) => [f.id, Object.freeze({ iface, fn: f })]))));
    return fns.get(functionId) ?? null;
  }

  // The (interface, function) pairs by function id, made once each.
  private readonly fnById = new Map<PlanInterface, Map<number, Readonly<{ iface: PlanInterface; fn: PlanFunction }>>>();

  interfaceNamed(name: string): PlanInterface {
    const i = this.plan.interfaces.find((x) => x.name === name);
    if (!i) throw new Error(`no interface '${name}' in module ${this.plan.module}`);
    return i;
  }

  // ---- encoding ----------------------------------------------------------------------------

  /** A call: the objects the function reads, then the arguments. Returns the message bytes. */
  encodeCall(w: WireWriter, iface: PlanInterface, fn: PlanFunction, args: readonly unknown[], callId: number, nested = false): Uint8Array {
    return this.encode(w, MessageKind.Call, iface, fn, callId, nested ? 1 : 0, fn.reads, args, undefined);
  }

  /** A reply: the objects the function writes, the return value, then out and inout parameters. */
  encodeReply(w: WireWriter, iface: PlanInterface, fn: PlanFunction, args: readonly unknown[], result: unknown, callId: number): Uint8Array {
    return this.encode(w, MessageKind.Reply, iface, fn, callId, 0, fn.writes, args, result);
  }

  /**
   * The payload after the objects: a call's arguments, or a reply's return value and out and
   * inout parameters. A method rather than a closure per message (a closure made per call is an
   * allocation, and a first call through a lazy-compile stub, each time).
   */
  private writeBody(w: WireWriter, kind: MessageKind, fn: PlanFunction, args: readonly unknown[], result: unknown): void {
    const gen = this.argsOf(fn);
    if (kind === MessageKind.Call) {
      if (gen) return gen.writeCall(w, args);
      // An [out] array: checked as the array would be, then its count alone (`crossesAsCount`).
      fn.params.forEach((p, i) => (crossesAsCount(p) ? writeCountedHead(w, p.value as Counted, (args[i] ?? null) as ArrayLike<unknown> | null, args) : this.writeValue(w, p.value, p.dir === 'out' ? outShell(p.value, args[i]) : args[i], args)));
      return;
    }
    if (gen) return gen.writeReply(w, args, result);
    if (fn.returns) this.writeValue(w, fn.returns, result, args);
    fn.params.forEach((p, i) => {
      if (p.dir !== 'in' && !isIdentity(p.value)) this.writeValue(w, p.value, args[i], args);
    });
  }

  /** What an [out] array's call carries (`writeCountedHead` alone), as the zeroed array the callee fills: at most as many elements as a reply can carry back. */
  private readCount(r: WireReader, v: Counted, siblings: unknown[]): unknown {
    const at = r.position;
    const n = r.countOnly(v.max ?? 0xfffffffe, minSize(v.of), this.limits.maxPayload);
    this.check(() => checkCountArrived(v, n, siblings, at));
    return n === null ? null : this.zeroArray(v.of, n);
  }

  /** n zeroed elements, what C's zeroed memory holds: numbers in a typed array, bools false, pointers and strings null, structs of zeros. */
  private zeroArray(of: PlanValue, n: number): unknown {
    const t = typedOf(of);
    if (t) return new t(n);
    const out = new Array<unknown>(n);
    for (let i = 0; i < n; i++) out[i] = this.zeroValue(of);
    return out;
  }

  // Nests as deep as the plan's embedded structs and fixed arrays, which the IDL fixes.
  private zeroValue(v: PlanValue): unknown {
    switch (v.k) {
      case 'int':
        return v.bits > 32 ? 0n : 0;
      case 'bool':
        return false;
      case 'char':
        return 0;
      case 'skip':
        return undefined;
      case 'array':
        return v.string ? '' : this.zeroArray(v.of, v.length);
      case 'embed': {
        const obj: Obj = {};
        for (const f of this.structInfo(v.type).plan.fields) if (f.value.k !== 'skip') obj[f.name] = this.zeroValue(f.value);
        return obj;
      }
      default:
        // A pointer of any kind (a string, a box, an array, an object, a handle, a callback): NULL.
        return null;
    }
  }

  /** An error reply: the peer's call failed here. */
  encodeError(w: WireWriter, iface: PlanInterface, fn: PlanFunction, callId: number, errno: number, message: string): Uint8Array {
    w.reset();
    const at = encodeHeader(w, {
      moduleVersion: this.plan.version,
      kind: MessageKind.Error,
      flags: 0,
      interfaceId: iface.id,
      functionId: fn.id,
      callId,
      payloadLength: 0,
      objectCount: 0,
    });
    encodeErrorPayload(w, errno, message.slice(0, 1024));
    finishHeader(w, at, 0);
    return w.written();
  }

  private encode(
    w: WireWriter,
    kind: MessageKind,
    iface: PlanInterface,
    fn: PlanFunction,
    callId: number,
    flags: number,
    selections: PlanFunction['reads'],
    args: readonly unknown[],
    result: unknown,
  ): Uint8Array {
    const marks = !marking;
    // The records of the last message are reused (a getter that encodes on this codec meanwhile gets new ones).
    const pooled = !this.encoding;
    const out: Collected = { list: pooled ? this.pooledList : [], n: 0, mark: ++lastMark, byObj: marks ? null : new Map() };
    this.encoding = true;
    marking = true;
    try {
      return this.encodeWith(w, kind, iface, fn, callId, flags, selections, args, result, out, pooled);
    } finally {
      if (marks) marking = false;
      if (pooled) {
        this.encoding = false;
        for (let i = 0; i < this.poolUsed; i++) this.pool[i]!.obj = NO_OBJ;
        this.poolUsed = 0;
      }
    }
  }

  // The list of objects and the walk's stack of the message being encoded, reused by the next
  // one (a message encoded meanwhile by a getter gets new ones).
  private readonly pooledList: Outgoing[] = [];
  private readonly pooledWalk: Walk = { objs: [], types: [], sels: [], n: 0, mark: -1 };

  private encoding = false;
  private readonly outHeader: MessageHeader = { moduleVersion: 0, kind: MessageKind.Call, flags: 0, interfaceId: 0, functionId: 0, callId: 0, payloadLength: 0, objectCount: 0 };
  private readonly pool: Outgoing[] = [];
  private poolUsed = 0;

  /** An object's record in the message being encoded: one of the last message's when it can be. */
  private outgoing(obj: Obj, id: number, info: StructInfo, pooled: boolean, clear: boolean): Outgoing {
    const n = info.plan.fields.length;
    if (!pooled) return { obj, id, info, all: false, fields: new Uint8Array(n), memo: null };
    let o = this.pool[this.poolUsed];
    if (o === undefined) this.pool.push((o = { obj, id, info, all: false, fields: new Uint8Array(n), memo: null }));
    else {
      o.obj = obj;
      o.id = id;
      o.info = info;
      o.all = false;
      // A record written whole (`clear` false: generated code's writeRun) never reads its fields,
      // so they are not even looked at (one load fewer per object); a record read by field
      // gets them cleared, or made anew for another length.
      if (clear) {
        const f = o.fields;
        if (f.length !== n) o.fields = new Uint8Array(n);
        else if (n > 32) f.fill(0);
        else for (let i = 0; i < n; i++) f[i] = 0;
      }
    }
    this.poolUsed++;
    return o;
  }

  private encodeWith(
    w: WireWriter,
    kind: MessageKind,
    iface: PlanInterface,
    fn: PlanFunction,
    callId: number,
    flags: number,
    selections: PlanFunction['reads'],
    args: readonly unknown[],
    result: unknown,
    out: Collected,
    pooled: boolean,
  ): Uint8Array {
    this.collect(selections, fn, args, out, pooled);
    w.reset();
    // One header record per codec, filled for each message (encodeHeader only reads it).
    const h = this.outHeader;
    h.moduleVersion = this.plan.version;
    h.kind = kind;
    h.flags = flags;
    h.interfaceId = iface.id;
    h.functionId = fn.id;
    h.callId = callId;
    const at = encodeHeader(w, h);
    const frees = this.pendingFrees;
    for (let i = 0; i < frees.length; i++) {
      const [id, typeId] = frees[i]!;
      w.align(8);
      w.u32(id);
      w.u32(typeId);
      w.u32(0);
      w.u32(1); // freed
    }
    const list = out.list;
    for (let i = 0; i < out.n; ) {
      const o = list[i]!;
      const gen = o.info.gen === undefined ? this.genOf(o.info) : o.info.gen;
      // Whole records of one generated type in a row are written in one call.
      if (gen !== null && o.all) i = gen.writeRun(w, list, i, out.n, o.info);
      else {
        this.writeObject(w, o);
        i++;
      }
    }
    this.writeBody(w, kind, fn, args, result);
    finishHeader(w, at, frees.length + out.n);
    // Told only once the message is whole: a message that failed to encode is never sent.
    if (frees.length) this.pendingFrees = [];
    return w.written();
  }

  /**
   * The object holding `member` at `path` (a [container] pointer's enclosing object), up the member
   * path: each embedded struct knows the struct (embedded or the object) and the field it crossed
   * as. Null when `member` is not that member of an object that crossed.
   */
  private containerOwner(member: object, path: readonly number[]): Obj | null {
    let at: object = member;
    for (let i = path.length - 1; i >= 0; i--) {
      const home = this.embedHome.get(at);
      if (!home || home.field !== path[i]) return null;
      at = home.owner;
    }
    return at as Obj;
  }

  private struct(typeId: number): StructPlan {
    const t = this.types.get(typeId);
    if (!t || t.kind !== 'struct') throw new Error(`type ${typeId} is not a struct this plan knows`);
    return t;
  }

  private readonly structInfos = new Map<number, StructInfo>();
  private lastInfo: StructInfo | null = null;

  private structInfo(typeId: number): StructInfo {
    // Graphs are mostly of one type: the last answer first.
    const last = this.lastInfo;
    if (last !== null && last.plan.id === typeId) return last;
    let info = this.structInfos.get(typeId);
    if (!info) {
      const plan = this.struct(typeId);
      info = { plan, names: plan.fields.map((f) => f.name), words: Math.ceil(plan.fields.length / 64), writers: null, readers: null, gen: undefined, deep: undefined, lastAllowed: null, lastHalves: null };
      this.structInfos.set(typeId, info);
    }
    this.lastInfo = info;
    return info;
  }

  /**
   * Gathers the objects the selections reach from the arguments, each once, with the union of
   * its fields. The graph is the caller's, but it may hang off objects a peer built (a reply can
   * attach a chain of any length), so the walk keeps its stack on the heap: it visits in the
   * preorder a recursive walk would (the order ids are issued and objects are written in, which
   * the vectors fix), and no length of chain can overflow the JS stack.
   */
  private collect(selections: PlanFunction['reads'], fn: PlanFunction, args: readonly unknown[], out: Collected, pooled: boolean): void {
    const walk: Walk = pooled ? this.pooledWalk : { objs: [], types: [], sels: [], n: 0, mark: -1 };
    walk.mark = out.byObj === null ? out.mark : -1;
    const { objs, types, sels } = walk;
    // A walk that threw left steps behind.
    for (let i = 0; i < walk.n; i++) objs[i] = undefined;
    walk.n = 0;
    // The arguments the selections start from, the first on top.
    for (let i = selections.length - 1; i >= 0; i--) {
      const [param, sel] = selections[i]!;
      const p = fn.params[param];
      const v = args[param];
      if (!p || v === null || v === undefined) continue;
      // A [container] argument's selection is rooted at its enclosing object (the argument's own
      // encoding refuses one that has none).
      if (p.value.k === 'container') {
        // A choice of members has no selection (the checker refuses one): only `path` roots one.
        const at = this.containerOwner(v as object, p.value.path);
        if (at) pushStep(walk, at, p.value.type, sel);
        continue;
      }
      // An [out] or [inout] T ** hands back the object its box holds.
      if (p.value.k === 'box' && p.value.of.k === 'tracked') {
        const o = (v as Box<unknown>).value;
        if (o !== null && o !== undefined && p.value.of.type) pushStep(walk, o as Obj, p.value.of.type, sel);
        continue;
      }
      if (p.value.k !== 'tracked' || !p.value.type) continue;
      pushStep(walk, v as Obj, p.value.type, sel);
    }
    while (walk.n > 0) {
      const k = --walk.n;
      const obj = objs[k]!;
      const type = types[k]!;
      const sel = sels[k]!;
      objs[k] = undefined;
      if (sel === null) {
        this.tables.idOf(obj, type);
        continue;
      }
      // An object the message already has whole and deep ends a deep step here (every node of a
      // ring is reached twice), without a visit. A selection that says deep (`all: 2`, an
      // argument's) is a deep step as well: `visit` does the same for it.
      let entry: ObjectEntry | null = null;
      if ((sel === 'deep' || sel.all === 2) && out.byObj === null) {
        const info = this.structInfo(type);
        entry = this.tables.entryOf(obj, type);
        if (entry.whole === out.mark) continue;
        if (entry.mark !== out.mark && info.gen) {
          // New to the message, whole and deep, with generated code: what `visit` would do, without
          // its tests (its record is written whole, so it is not cleared first).
          const o = this.outgoing(obj, entry.id, info, pooled, false);
          entry.mark = out.mark;
          entry.rec = o;
          out.list[out.n++] = o;
          o.all = true;
          entry.whole = out.mark;
          const base = walk.n;
          info.gen.deep(obj, walk);
          if (!info.gen.stacked) reverseSteps(walk, base);
          continue;
        }
      }
      const base = walk.n;
      this.visit(obj, type, sel, out, walk, pooled, entry);
      reverseSteps(walk, base);
    }
  }

  /** The deep walk of a struct without embedded structs (or arrays of them); null otherwise. */
  private deepPlan(info: StructInfo): DeepPlan | null {
    const fields = info.plan.fields;
    const d: DeepPlan = { mask: new Uint8Array(fields.length), names: [], types: [], arrays: [] };
    for (let i = 0; i < fields.length; i++) {
      const v = fields[i]!.value;
      if (v.k === 'skip') continue;
      d.mask[i] = 1;
      const inner = v.k === 'counted' || v.k === 'array' ? v.of : v;
      if (inner.k === 'embed') return null;
      if (inner.k !== 'tracked') continue;
      d.names.push(fields[i]!.name);
      d.types.push(inner.type);
      d.arrays.push(inner !== v);
    }
    return d;
  }

  /** One object of the walk: selects its fields, and lists what it reaches in field order. */
  private visit(obj: Obj, typeId: number, sel: PlanSelection | 'deep', out: Collected, children: Walk, pooled: boolean, known: ObjectEntry | null): void {
    const info = this.structInfo(typeId);
    const type = info.plan;
    const entry = known ?? this.tables.entryOf(obj, typeId);
    const byObj = out.byObj;
    let o = byObj !== null ? byObj.get(obj) : entry.mark === out.mark ? (entry.rec as Outgoing) : undefined;
    const fresh = !o;
    if (!o) {
      // A record that generated code will write whole (`writeAll`) is not read by field: it need not be cleared.
      o = this.outgoing(obj, entry.id, info, pooled, !(sel === 'deep' && info.gen));
      if (byObj !== null) byObj.set(obj, o);
      else {
        entry.mark = out.mark;
        entry.rec = o;
      }
      out.list[out.n++] = o;
    }
    const named: PlanSelection | null = sel === 'deep' ? null : sel;
    const deep = named === null || named.all === 2;
    if (deep && !fresh && o.all) return; // already sent whole and deep: cycles end here
    const all = deep || named.all === 1;
    if (all) {
      o.all = true;
      if (byObj === null) entry.whole = out.mark;
    }
    if (deep) {
      const gen = info.gen === undefined ? this.genOf(info) : info.gen;
      if (gen) {
        const base = children.n;
        gen.deep(obj, children);
        // The caller reverses what a visit pushed: steps pushed in pop order are put in field order first.
        if (gen.stacked) reverseSteps(children, base);
        return;
      }
      const d = info.deep === undefined ? (info.deep = this.deepPlan(info)) : info.deep;
      if (d) {
        o.fields.set(d.mask);
        for (let k = 0; k < d.names.length; k++) {
          const x = obj[d.names[k]!];
          if (x === null || x === undefined) continue;
          if (!d.arrays[k]) {
            pushStep(children, x as Obj, d.types[k]!, 'deep');
            continue;
          }
          const items = x as ArrayLike<unknown>;
          for (let j = 0; j < items.length; j++) {
            const item = items[j];
            if (item === null || item === undefined) continue;
            pushStep(children, item as Obj, d.types[k]!, 'deep');
          }
        }
        return;
      }
    }
    const chosen = named && !deep ? selectionIndex(named) : null;
    const fields = type.fields;
    for (let i = 0; i < fields.length; i++) {
      const f = fields[i]!;
      const pick = chosen ? chosen[i] : undefined;
      if (!(all || pick !== undefined) || f.value.k === 'skip') continue;
      o.fields[i] = 1;
      const next: PlanSelection | 'deep' | null = deep ? 'deep' : (pick ?? null);
      this.collectValue(f.value, obj[f.name], next, children);
    }
  }

  private collectValue(v: PlanValue, x: unknown, next: PlanSelection | 'deep' | null, children: Walk): void {
    if (x === null || x === undefined) return;
    switch (v.k) {
      case 'tracked':
        pushStep(children, x as Obj, v.type, next);
        return;
      case 'counted':
      case 'array':
        if (next && (v.of.k === 'tracked' || v.of.k === 'embed')) {
          const items = x as ArrayLike<unknown>;
          for (let i = 0; i < items.length; i++) this.collectValue(v.of, items[i], next, children);
        }
        return;
      case 'embed':
        if (next) {
          const t = this.struct(v.type);
          // A path through an embedded struct goes on through the pointers it names.
          const inner = next === 'deep' || next.all === 2 ? null : selectionIndex(next);
          for (let j = 0; j < t.fields.length; j++) {
            const f = t.fields[j]!;
            this.collectValue(f.value, (x as Obj)[f.name], inner ? (inner[j] ?? null) : 'deep', children);
          }
        }
        return;
      default:
        return;
    }
  }

  private writeObject(w: WireWriter, o: Outgoing): void {
    const info = o.info;
    const gen = info.gen === undefined ? this.genOf(info) : info.gen;
    if (gen) return o.all ? gen.writeAll(w, o.obj, o.id, o) : gen.write(w, o.obj, o.id, o.fields, o);
    const fields = info.plan.fields;
    w.align(8);
    w.u32(o.id);
    w.u32(info.plan.id);
    const lengthAt = w.reserve(4);
    w.u32(0);
    const start = w.position;
    // The mask as two u32 halves per word, which is the u64's little-endian bytes.
    for (let k = 0; k < info.words; k++) {
      let lo = 0;
      let hi = 0;
      const end = Math.min(fields.length, k * 64 + 64);
      for (let i = k * 64; i < end; i++) {
        if (!o.fields[i]) continue;
        const b = i - k * 64;
        if (b < 32) lo |= 1 << b;
        else hi |= 1 << (b - 32);
      }
      w.align(8);
      w.u32(lo >>> 0);
      w.u32(hi >>> 0);
    }
    const obj = o.obj;
    const siblings: unknown[] = new Array(fields.length);
    for (let i = 0; i < fields.length; i++) siblings[i] = obj[info.names[i]!];
    for (let i = 0; i < fields.length; i++) {
      if (o.fields[i]) (info.writers ??= fields.map((f) => this.writer(f.value)))[i]!(w, siblings[i], siblings, obj, i, info.plan.id);
    }
    w.align(8);
    w.patchU32(lengthAt, w.position - start);
  }

  private writeValue(w: WireWriter, v: PlanValue, x: unknown, siblings: readonly unknown[]): void {
    this.writer(v)(w, x, siblings, undefined, -1, 0);
  }

  private readonly writers = new Map<PlanValue, ValueWriter>();

  /** The writer of one plan value, compiled once: the plan is interpreted when a codec first meets a value, not per message. */
  private writer(v: PlanValue): ValueWriter {
    let f = this.writers.get(v);
    if (!f) {
      f = this.compileWriter(v);
      this.writers.set(v, f);
    }
    return f;
  }

  private compileWriter(v: PlanValue): ValueWriter {
    switch (v.k) {
      case 'skip':
        return () => {};
      case 'int':
        return intWriter(v.bits, v.signed);
      case 'bool':
        return (w, x) => w.bool(Boolean(x));
      case 'char':
        return (w, x) => w.char(Number(x ?? 0));
      case 'array': {
        if (v.string) {
          const padded = new Uint8Array(v.length);
          return (w, x) => {
            const bytes = utf8Encoder.encode(String(x ?? ''));
            if (bytes.length >= v.length) throw new WireError(`string of ${bytes.length} bytes does not fit char[${v.length}]`);
            padded.fill(0);
            padded.set(bytes);
            w.bytes(padded);
          };
        }
        const bulk = bulkKind(v.of);
        return (w, x, siblings, owner, field, ownerType) => {
          const items = x as ArrayLike<unknown>;
          if (!items || items.length !== v.length) throw new WireError(`array of ${items?.length ?? 0} elements where ${v.length} are declared`);
          if (this.tracksArrays && owner && field >= 0 && ownerType) this.arrayHome.set(items as object, { owner, ownerType, field });
          if (bulk && items instanceof bulk.ctor) return writeBulk(w, items as unknown as ArrayBufferView, bulk.size);
          const of = this.writer(v.of);
          for (let i = 0; i < v.length; i++) of(w, items[i], siblings, undefined, -1, 0);
        };
      }
      case 'embed':
        return (w, x, _siblings, owner, field) => {
          const info = this.structInfo(v.type);
          const fields = info.plan.fields;
          const obj = (x ?? {}) as Obj;
          if (this.tracksEmbeds && owner && field >= 0 && x) this.embedHome.set(x as object, { owner, field });
          const inner: unknown[] = new Array(fields.length);
          for (let i = 0; i < fields.length; i++) inner[i] = obj[info.names[i]!];
          const writers = (info.writers ??= fields.map((f) => this.writer(f.value)));
          for (let i = 0; i < fields.length; i++) writers[i]!(w, inner[i], inner, obj, i, 0);
        };
      case 'union':
        return (w, x, siblings) => {
          const u = this.types.get(v.type) as UnionPlan;
          const val = x as { arm: string; value: unknown };
          const arm = u.arms.findIndex((a) => a.field.name === val?.arm);
          if (arm < 0) throw new WireError(`union ${u.name} value names no arm (${String(val?.arm)})`);
          w.u32(arm);
          this.writer(u.arms[arm]!.field.value)(w, val.value, siblings, undefined, -1, 0);
        };
      case 'tracked':
        return (w, x) => {
          if ((x === null || x === undefined) && v.nonNull) throw new WireError('a [ref] pointer is NULL');
          w.u32(this.tables.idOf((x ?? null) as Obj | null, v.type));
        };
      case 'ops':
        return (w, x) => w.u32(this.tables.handles.handleOf(x ?? null, v.iface));
      case 'opaque':
        return (w, x) => w.u32(this.tables.handles.handleOf(x ?? null, v.type));
      case 'callback':
        return (w, x) => w.u32(this.tables.functions.functionIdOf((x ?? null) as AnyFunction | null, v.type));
      case 'string':
        return (w, x) => w.string((x ?? null) as string | null, v.max ?? undefined);
      case 'box':
        return (w, x, siblings) => {
          const box = x as Box<unknown> | null;
          w.u32(box ? 1 : 0);
          if (box) this.writer(v.of)(w, box.value, siblings, undefined, -1, 0);
        };
      case 'counted': {
        const bulk = bulkKind(v.of);
        return (w, x, siblings, owner, field, ownerType) => {
          const items = (x ?? null) as ArrayLike<unknown> | null;
          writeCountedHead(w, v, items, siblings);
          if (!items) return;
          if (this.tracksArrays && owner && field >= 0 && ownerType) this.arrayHome.set(items as object, { owner, ownerType, field });
          if (bulk && items instanceof bulk.ctor) return writeBulk(w, items as unknown as ArrayBufferView, bulk.size);
          const of = this.writer(v.of);
          for (let i = 0; i < items.length; i++) of(w, items[i], siblings, undefined, -1, 0);
        };
      }
      case 'interior':
        return (w, x) => {
          const ip = x as Interior<unknown> | null;
          const home = ip ? this.arrayHome.get(ip.base as object) : null;
          if (ip && !home) throw new WireError('interior pointer into an array that never crossed');
          w.u32(home ? this.tables.idOf(home.owner, home.ownerType) : 0);
          w.u32(home ? home.ownerType : 0);
          w.u32(home ? home.field : 0);
          w.u32(ip ? ip.index : 0);
        };
      case 'container': {
        const alts = v.alts;
        if (alts)
          // The member is the embedded value itself, which knows where it crossed: the first
          // member path that leads up from it to an object names the member.
          return (w, x) => {
            if (x === null || x === undefined) {
              w.u32(0);
              return w.u32(0);
            }
            for (let i = 0; i < alts.length; i++) {
              const at = this.containerOwner(x as object, alts[i]!);
              if (!at) continue;
              w.u32(this.tables.idOf(at, v.type));
              return w.u32(i);
            }
            throw new WireError('container pointer to a struct that is none of the declared members of an object that crossed');
          };
        return (w, x) => {
          if (x === null || x === undefined) return w.u32(0);
          const at = this.containerOwner(x as object, v.path);
          if (!at) throw new WireError('container pointer to a struct that is not the declared member of an object that crossed');
          w.u32(this.tables.idOf(at, v.type));
        };
      }
    }
  }

  // ---- decoding ----------------------------------------------------------------------------

  /** Decodes a call; nothing is applied to live objects until `apply()` is called (after which the args are live). */
  decodeCall(bytes: Uint8Array, header?: MessageHeader): { call: DecodedCall; apply: () => void; discard: () => void } {
    const { r, h } = this.open(bytes, header);
    if (h.kind !== MessageKind.Call) throw new WireError(`expected a call, got message kind ${h.kind}`, 8);
    // Calls of one function in a row find it, and what it may carry, without a map lookup.
    const last = this.lastCall;
    let iface: PlanInterface | undefined;
    let fn: PlanFunction | undefined;
    if (last !== null && last.ifaceId === h.interfaceId && last.fnId === h.functionId) {
      iface = last.iface;
      fn = last.fn;
    } else {
      const direct = this.ifaces.get(h.interfaceId);
      const viaPointer = direct ? null : this.callbackCall(h.interfaceId, h.functionId);
      iface = direct ?? viaPointer?.iface;
      fn = direct ? this.functionOf(h.interfaceId, h.functionId)?.fn : viaPointer?.fn;
      if (!iface || !fn) throw new WireError(`unknown interface ${h.interfaceId} or function ${h.functionId}`, 12);
      this.lastCall = { ifaceId: h.interfaceId, fnId: h.functionId, iface, fn, allowed: this.allowedFields(fn, 'reads'), merges: this.mergesOf(fn, 'reads') };
    }
    if (h.moduleVersion !== this.plan.version) throw new WireError(`module version ${h.moduleVersion}, this side has ${this.plan.version}`, 6);
    const known = this.lastCall!;
    return this.decodeStaged(bytes, r, h.objectCount, known.allowed, known.merges, iface, fn, h, null) as StagedMessage<DecodedCall>;
  }

  /** A call's arguments, after its objects (`decodeStaged`'s last step for a call). */
  private readCallRest(stage: Stage, r: WireReader, iface: PlanInterface, fn: PlanFunction, h: MessageHeader): DecodedCall {
    const gen = this.argsOf(fn);
    let args: unknown[] = [];
    if (gen) args = gen.readCall(r, stage);
    else
      this.deferChecks(() => {
        for (const p of fn.params) args.push(crossesAsCount(p) ? this.readCount(r, p.value as Counted, args) : this.readValue(r, p.value, args, stage));
      });
    r.expectEnd();
    return { iface, fn, callId: h.callId, nested: (h.flags & 1) === 1, args };
  }

  /** A reply's return value and out and inout parameters, after its objects (`decodeStaged`'s last step for a reply to a call made with `args`). */
  private readReplyRest(stage: Stage, r: WireReader, fn: PlanFunction, args: unknown[]): { result: unknown; outs: [number, unknown][] } {
    const gen = this.argsOf(fn);
    if (gen) {
      const got = gen.readReply(r, args, stage);
      r.expectEnd();
      return got;
    }
    const result = fn.returns ? this.readValue(r, fn.returns, args, stage) : undefined;
    const outs: [number, unknown][] = [];
    fn.params.forEach((p, i) => {
      if (p.dir !== 'in' && !isIdentity(p.value)) outs.push([i, this.readValue(r, p.value, args, stage)]);
    });
    r.expectEnd();
    return { result, outs };
  }

  /**
   * Decodes the reply to a call made with `args`: the written fields go into the live objects,
   * out parameters into the caller's boxes and buffers. Returns the return value. An error reply
   * comes back as { errno, message }.
   */
  decodeReply(bytes: Uint8Array, fn: PlanFunction, callId: number, args: unknown[], header?: MessageHeader): { value: unknown } | { errno: number; message: string } {
    const { r, h } = this.open(bytes, header);
    if (h.callId !== callId || h.functionId !== fn.id) throw new WireError(`reply to call ${h.callId} of function ${h.functionId}, expected ${callId} of ${fn.id}`, 16);
    if (h.moduleVersion !== this.plan.version) throw new WireError(`module version ${h.moduleVersion}, this side has ${this.plan.version}`, 6);
    if (h.kind === MessageKind.Error) return decodeErrorPayload(r);
    if (h.kind !== MessageKind.Reply) throw new WireError(`expected a reply, got message kind ${h.kind}`, 8);
    const staged = this.decodeStaged(bytes, r, h.objectCount, this.allowedFields(fn, 'writes'), this.mergesOf(fn, 'writes'), null, fn, h, args) as StagedMessage<{
      result: unknown;
      outs: [number, unknown][];
    }>;
    staged.apply();
    for (const [i, v] of staged.call.outs) args[i] = mergeOut(args[i], v);
    return { value: staged.call.result };
  }

  /**
   * A reader at the payload of `bytes`, and its header: decoded here, or the one the caller
   * already decoded from these same bytes (a private copy, never shared memory), which is then
   * not decoded twice.
   */
  private open(bytes: Uint8Array, header: MessageHeader | undefined): { r: WireReader; h: MessageHeader } {
    const r = this.readerFor(bytes);
    const o = this.opened;
    o.r = r;
    // Into one header record per codec: decoding is never re-entered, and a header is read from it
    // only until the message is decoded.
    if (!header) o.h = decodeHeader(r, this.limits, this.inHeader);
    else {
      r.skip(HEADER_SIZE);
      o.h = header;
    }
    return o;
  }

  private readonly inHeader = {} as MessageHeader;
  private readonly opened: { r: WireReader; h: MessageHeader } = { r: null as unknown as WireReader, h: this.inHeader };

  /**
   * A message with objects is read from a private copy of `bytes` (the scratch's): what is
   * checked is then what gets applied, however long the caller waits to apply it and whatever
   * happens to `bytes` meanwhile. The rest of the payload is then read as a call's arguments
   * (`replyArgs` null: `iface`, `fn` and its header `h`) or as the reply to a call made with
   * `replyArgs`: methods, not a closure per message.
   */
  private decodeStaged(
    bytes: Uint8Array,
    r: WireReader,
    objectCount: number,
    allowed: Map<number, Uint8Array>,
    merges: Map<number, Map<number, PlanMerge>> | null,
    iface: PlanInterface | null,
    fn: PlanFunction,
    h: MessageHeader,
    replyArgs: unknown[] | null,
  ): StagedMessage<unknown> {
    this.tables.beginStaging();
    // The scratch goes back to the codec once this message is applied or dropped; a message
    // decoded while another is still staged gets its own.
    const scratch = objectCount ? (this.freeScratch ?? new StagingScratch()) : null;
    this.freeScratch = null;
    const stage = new StagedMessage<unknown>(this, scratch, this.generates || !objectCount ? NO_OBJECTS_BY_OBJ : new Map(), merges);
    try {
      if (scratch) r = scratch.own(bytes, r.position);
      // Reading is never re-entered: one set serves every message.
      const seen = this.seen;
      seen.clear();
      this.seenMark = ++lastSeenMark;
      for (let n = 0; n < objectCount; ) {
        // A run of entries of the last struct type read, each of an object in the table, through
        // its generated code; the entry that ends it (and any other) through readObject.
        const info = this.lastInfo;
        if (scratch !== null && info !== null && info.gen) {
          const k = info.gen.readRun(r, objectCount - n, this.seenMark, this.permittedHalves(allowed, info), stage);
          n += k;
          if (n === objectCount) break;
        }
        this.readObject(r, stage, seen, allowed);
        n++;
      }
      stage.call = replyArgs === null ? this.readCallRest(stage, r, iface!, fn, h) : this.readReplyRest(stage, r, fn, replyArgs);
      return stage;
    } catch (e) {
      this.finishStaged(stage, false);
      throw e;
    }
  }

  /**
   * Applies a staged message to the live objects (`keep`), or drops it; once. Called by the
   * message's `apply()` and `discard()`.
   * @internal
   */
  finishStaged(stage: StagedMessage<unknown>, keep: boolean): void {
    if (stage.done) return;
    stage.done = true;
    const scratch = stage.scratch;
    if (!keep) this.tables.rollback();
    else {
      this.tables.commit();
      if (stage.list !== null) {
        const merges = stage.merges;
        for (const s of stage.list) {
          const partial = merges?.get(s.type.id);
          for (const i of s.present) this.applyField(s.obj, s.type.fields[i]!, s.values[i], partial?.get(i));
        }
      }
      if (scratch) for (let i = 0, gen = scratch.gen; i < scratch.genN; i++) gen[i]!.apply(scratch);
    }
    if (scratch) {
      scratch.reset(keep);
      this.freeScratch = scratch;
    }
  }

  /**
   * Writes a staged value into a live object. An embedded struct is updated in place, so pointers
   * into it ([container]) stay valid; everything else, tracked pointers included, is assigned.
   */
  private applyField(obj: Obj, field: { name: string; value: PlanValue }, v: unknown, merge?: PlanMerge): void {
    if (field.value.k !== 'embed') {
      obj[field.name] = v;
      return;
    }
    const cur = obj[field.name];
    const t = this.struct(field.value.type);
    if (cur && typeof cur === 'object' && v && typeof v === 'object') {
      if (merge) {
        // Only the fields the access set selects inside it: the rest of the value is the sender's
        // copy of fields it was never given (or that changed here meanwhile).
        for (const [j, sub] of merge) {
          const f = t.fields[j]!;
          if (f.name in (v as Obj)) this.applyField(cur as Obj, f, (v as Obj)[f.name], sub ?? undefined);
        }
        return;
      }
      for (const f of t.fields) if (f.value.k !== 'skip' && f.name in (v as Obj)) this.applyField(cur as Obj, f, (v as Obj)[f.name]);
      return;
    }
    // No live value to keep (a new shadow, or one that never received this struct): the value is
    // taken whole, so that the struct can be encoded whole again (C's zeroed shadow has that anyway).
    obj[field.name] = v;
  }

  private readonly mergeCache = new WeakMap<PlanFunction['reads'], Map<number, Map<number, PlanMerge>> | null>();

  /** The embedded fields a call (reads) or its reply (writes) merges only in part, by type and field; null when none. */
  private mergesOf(fn: PlanFunction, which: 'reads' | 'writes'): Map<number, Map<number, PlanMerge>> | null {
    const selections = fn[which];
    let m = this.mergeCache.get(selections);
    if (m === undefined) {
      const list = accessMerges(this.plan.types, selections, fn.params);
      m = list.length ? new Map(list.map(([t, fields]) => [t, new Map(fields)])) : null;
      this.mergeCache.set(selections, m);
    }
    return m;
  }

  private readonly allowedCache = new WeakMap<PlanFunction['reads'], Map<number, Uint8Array>>();

  /** The fields of each type a call (reads) or its reply (writes) may carry: 1 by field index. */
  private allowedFields(fn: PlanFunction, which: 'reads' | 'writes'): Map<number, Uint8Array> {
    const selections = fn[which];
    let m = this.allowedCache.get(selections);
    if (!m) {
      m = new Map(
        accessFields(this.plan.types, selections, fn.params).map(([t, f]) => {
          const bits = new Uint8Array(Math.max(0, ...f) + 1);
          for (const i of f) bits[i] = 1;
          return [t, bits];
        }),
      );
      this.allowedCache.set(selections, m);
    }
    return m;
  }

  private freeScratch: StagingScratch | null = null;
  /** The ids of the object entries of the message being read. */
  private readonly seen = new IdSet();
  /** The number of the message being read, which its entries already in the table are marked with (`ObjectTable.peek`). */
  private seenMark = 0;

  private readonly halvesCache = new WeakMap<Map<number, Uint8Array>, Map<number, number[]>>();

  /** The fields of a struct a call (or reply) may carry, as the u32 halves of its mask (what generated code tests). */
  private permittedHalves(allowed: Map<number, Uint8Array>, info: StructInfo): number[] {
    // Messages of one function in a row ask the same for every object of a type.
    if (info.lastAllowed === allowed) return info.lastHalves!;
    info.lastAllowed = allowed;
    return (info.lastHalves = this.findHalves(allowed, info));
  }

  private findHalves(allowed: Map<number, Uint8Array>, info: StructInfo): number[] {
    let byType = this.halvesCache.get(allowed);
    if (!byType) this.halvesCache.set(allowed, (byType = new Map()));
    let h = byType.get(info.plan.id);
    if (!h) {
      const bits = allowed.get(info.plan.id);
      byType.set(info.plan.id, (h = maskHalves(info.plan.fields.length, (i) => bits?.[i] === 1)));
    }
    return h;
  }

  private readObject(r: WireReader, stage: Stage, seen: IdSet, allowed: Map<number, Uint8Array>): void {
    // The entry's head, checked once when its padding and 16 bytes surely fit (the WireReader
    // calls otherwise, for their errors).
    let at: number, id: number, typeId: number, length: number, flags: number;
    if (r.pos + 23 <= r.end) {
      at = r.pos + (-r.pos & 7);
      const v = r.view;
      id = v.getUint32(at, true);
      typeId = v.getUint32(at + 4, true);
      length = v.getUint32(at + 8, true);
      flags = v.getUint32(at + 12, true);
      r.pos = at + 16;
    } else {
      r.align(8);
      at = r.position;
      id = r.u32();
      typeId = r.u32();
      length = r.u32();
      flags = r.u32();
    }
    if (length % 8 !== 0) throw new WireError(`object entry length ${length} is not a multiple of 8`, at + 8);
    // An id may come once. One already in the table is known again by the message's mark on its
    // entry (found once, and used below for the object too); any other by the message's set of ids.
    const tables = this.tables;
    const mark = this.seenMark;
    const known = tables.peek(id);
    if (known !== undefined) {
      if (known.seen === mark) throw new WireError(`object ${id} appears twice in one message`, at);
      known.seen = mark;
    } else if (!seen.add(id)) throw new WireError(`object ${id} appears twice in one message`, at);
    if (flags & ~1) throw new WireError(`object entry flags 0x${flags.toString(16)} use reserved bits`, at + 12);
    if (flags & 1) {
      if (length !== 0) throw new WireError('a freed object entry carries data', at + 8);
      this.tables.freeByPeer(id, typeId, at);
      return;
    }
    // Entries mostly follow one of the same type: the last type's info first (a type id is often
    // past the small integers, and a map lookup of one costs more).
    const last = this.lastInfo;
    const t = last !== null && last.plan.id === typeId ? last.plan : this.types.get(typeId);
    if (!t || t.kind !== 'struct') throw new WireError(`object ${id} has type ${typeId}, which is not a struct of this interface`, at + 4);
    const outer = r.enter(length);
    const body = r;
    let obj: Obj;
    if (known !== undefined && known.kind === 'object' && known.typeId === typeId && !tables.freedHere(id)) obj = known.value as Obj;
    else {
      obj = tables.resolve<Obj>(id, typeId, newShadow, at);
      // A shadow made just now is marked too: the id may come once more, and then be in the table.
      if (known === undefined) tables.peek(id)!.seen = mark;
    }
    const info = last !== null && last.plan === t ? last : this.structInfo(typeId);
    const gen = info.gen === undefined ? this.genOf(info) : info.gen;
    if (gen) {
      const sc = stage.scratch!;
      sc.gen[sc.genN++] = gen.read(body, obj, id, at, this.permittedHalves(allowed, info), stage);
      body.align(8);
      body.expectEnd();
      r.leave(outer);
      return;
    }
    const fields = t.fields;
    const permitted = allowed.get(typeId);
    const present: number[] = [];
    for (let k = 0; k < info.words; k++) {
      // Bits lowest first, as numbers: the checks run in field order, as they always have.
      for (let half = 0, word = body.u64Halves(), high = body.high; half < 2; half++, word = high) {
        while (word !== 0) {
          const low = word & -word;
          word ^= low;
          const i = k * 64 + half * 32 + (31 - Math.clz32(low));
          if (i >= fields.length) throw new WireError(`object ${id}: mask bit ${i} beyond the ${fields.length} fields of ${t.name}`, at + 16);
          if (fields[i]!.value.k === 'skip') throw new WireError(`object ${id}: field ${fields[i]!.name} never crosses`, at + 16);
          if (!permitted?.[i]) throw new WireError(`object ${id}: field ${fields[i]!.name} is outside the call's access set`, at + 16);
          present.push(i);
        }
      }
    }
    const values: unknown[] = new Array(fields.length);
    // Counts and discriminants are read from what arrives, falling back on the live object.
    const siblings: unknown[] = new Array(fields.length);
    for (let i = 0; i < fields.length; i++) siblings[i] = obj[info.names[i]!];
    const s: StagedObject = { obj, type: t, present, values };
    // Staged before its fields are read: an interior pointer may name an array of this very object.
    (stage.list ??= []).push(s);
    if (!this.generates && !stage.byObj.has(obj)) stage.byObj.set(obj, s);
    // deferChecks, inline: this runs once per object of every message.
    const readers = (info.readers ??= fields.map((f) => this.reader(f.value)));
    const deferredOuter = this.deferred;
    const checks: (() => void)[] = [];
    this.deferred = checks;
    try {
      for (const i of present) {
        const v = readers[i]!(body, siblings, stage, obj, i, typeId);
        values[i] = v;
        siblings[i] = v;
      }
    } finally {
      this.deferred = deferredOuter;
    }
    for (const c of checks) c();
    body.align(8);
    body.expectEnd();
    r.leave(outer);
  }

  // Counts and discriminants may come after what they describe (C's `write(buf, count)`): while
  // an object entry, an argument list or an embedded value is read, their checks wait here and
  // run against the final values once it is complete.
  private deferred: (() => void)[] | null = null;

  private check(c: () => void): void {
    if (this.deferred) this.deferred.push(c);
    else c();
  }

  private deferChecks<T>(read: () => T): T {
    const outer = this.deferred;
    const list: (() => void)[] = [];
    this.deferred = list;
    try {
      const value = read();
      this.deferred = outer;
      for (const c of list) c();
      return value;
    } finally {
      this.deferred = outer;
    }
  }

  private readValue(r: WireReader, v: PlanValue, siblings: unknown[], stage: Stage): unknown {
    return this.reader(v)(r, siblings, stage, undefined, -1, 0);
  }

  private readonly readers = new Map<PlanValue, ValueReader>();

  /** The reader of one plan value, compiled once (see `writer`). */
  private reader(v: PlanValue): ValueReader {
    let f = this.readers.get(v);
    if (!f) {
      f = this.compileReader(v);
      this.readers.set(v, f);
    }
    return f;
  }

  private compileReader(v: PlanValue): ValueReader {
    switch (v.k) {
      case 'skip':
        return () => undefined;
      case 'int':
        return intReader(v.bits, v.signed);
      case 'bool':
        return (r) => r.bool();
      case 'char':
        return (r) => r.char();
      case 'array': {
        if (v.string) {
          return (r) => {
            const at = r.position;
            const bytes = r.bytes(v.length);
            const nul = bytes.indexOf(0);
            if (nul < 0) throw new WireError(`char[${v.length}] string is not NUL-terminated`, at);
            return decodeUtf8(bytes.subarray(0, nul), at);
          };
        }
        const bulk = bulkKind(v.of);
        return (r, siblings, stage, owner, field, ownerType) => {
          let typed: unknown;
          // In one copy when every element is there; element by element otherwise, so a short
          // message fails on the element it cuts, as it always has.
          if (bulk && v.length > 0 && (-r.position & (bulk.size - 1)) + v.length * bulk.size <= r.remaining) typed = readBulk(r, bulk, v.length);
          else {
            const of = this.reader(v.of);
            const out: unknown[] = [];
            for (let i = 0; i < v.length; i++) out.push(of(r, siblings, stage, undefined, -1, 0));
            typed = toTyped(v.of, out);
          }
          if (this.tracksArrays && owner && field >= 0 && ownerType) this.arrayHome.set(typed as object, { owner, ownerType, field });
          return typed;
        };
      }
      case 'embed':
        return (r, _siblings, stage, owner, field) => {
          const info = this.structInfo(v.type);
          const fields = info.plan.fields;
          const obj: Obj = {};
          const inner: unknown[] = new Array(fields.length).fill(undefined);
          this.deferChecks(() => {
            for (let i = 0; i < fields.length; i++) {
              const f = fields[i]!;
              const x = this.reader(f.value)(r, inner, stage, obj, i, 0);
              inner[i] = x;
              if (f.value.k !== 'skip') obj[f.name] = x;
            }
          });
          if (this.tracksEmbeds && owner && field >= 0) this.embedHome.set(obj, { owner, field });
          return obj;
        };
      case 'union':
        return (r, siblings, stage) => {
          const at = r.position;
          const u = this.types.get(v.type);
          if (!u || u.kind !== 'union') throw new WireError(`type ${v.type} is not a union`, at);
          const arm = r.u32();
          const a = u.arms[arm];
          if (!a) throw new WireError(`union ${u.name}: arm ${arm} of ${u.arms.length}`, at);
          this.check(() => {
            const disc = siblings[v.switchOn];
            if (disc === undefined || disc === null) return;
            const d = BigInt(disc as number | bigint);
            const selected = u.arms.findIndex((x) => x.cases.includes(d));
            const expected = selected >= 0 ? selected : u.arms.findIndex((x) => x.isDefault);
            if (expected !== arm) throw new WireError(`union ${u.name}: arm ${a.field.name} does not match discriminant ${d}`, at);
          });
          return { arm: a.field.name, value: this.reader(a.field.value)(r, siblings, stage, undefined, -1, 0) };
        };
      case 'tracked':
        return (r) => {
          const at = r.position;
          const id = r.u32();
          if (id === 0) {
            if (v.nonNull) throw new WireError('a [ref] pointer arrived NULL', at);
            return null;
          }
          return this.tables.resolve<Obj>(id, v.type, newShadow, at);
        };
      case 'ops':
      case 'opaque': {
        const typeId = v.k === 'ops' ? v.iface : v.type;
        return (r) => {
          const at = r.position;
          const id = r.u32();
          if (id === 0) {
            if (v.nonNull) throw new WireError('a [ref] handle arrived NULL', at);
            return null;
          }
          return this.tables.handles.resolve(id, typeId, at);
        };
      }
      case 'callback':
        return (r) => {
          const at = r.position;
          const id = r.u32();
          if (id === 0) return null;
          return this.tables.functions.resolve(id, v.type, () => this.stubs(v.type, id), at);
        };
      case 'string':
        return (r) => {
          const at = r.position;
          const s = r.string(v.max ?? undefined);
          if (s === null && v.nonNull) throw new WireError('a [ref] string arrived NULL', at);
          return s;
        };
      case 'box':
        return (r, siblings, stage) => {
          const at = r.position;
          const flag = r.u32();
          if (flag > 1) throw new WireError(`pointer presence ${flag} is neither 0 nor 1`, at);
          if (flag === 0) return null;
          return { value: this.reader(v.of)(r, siblings, stage, undefined, -1, 0) };
        };
      case 'counted': {
        const bulk = bulkKind(v.of);
        const elemSize = minSize(v.of);
        return (r, siblings, stage, owner, field, ownerType) => {
          const at = r.position;
          const n = r.counted(v.max ?? 0xfffffffe, elemSize);
          this.check(() => checkCountArrived(v, n, siblings, at));
          if (n === null) return null;
          let typed: unknown;
          // `counted` checked that n elements of this size are there, and left us 8-aligned.
          if (bulk) typed = readBulk(r, bulk, n);
          else {
            const of = this.reader(v.of);
            const out: unknown[] = [];
            for (let i = 0; i < n; i++) out.push(of(r, siblings, stage, undefined, -1, 0));
            typed = toTyped(v.of, out);
          }
          if (this.tracksArrays && owner && field >= 0 && ownerType) this.arrayHome.set(typed as object, { owner, ownerType, field });
          return typed;
        };
      }
      case 'interior':
        return (r, _siblings, stage) => {
          const at = r.position;
          const ownerId = r.u32();
          const ownerTypeId = r.u32();
          const f = r.u32();
          const index = r.u32();
          if (ownerId === 0) return null;
          const t = this.types.get(ownerTypeId);
          if (!t || t.kind !== 'struct') throw new WireError(`interior pointer into type ${ownerTypeId}, which is not a struct`, at);
          const fieldPlan = t.fields[f];
          if (!fieldPlan || (fieldPlan.value.k !== 'counted' && fieldPlan.value.k !== 'array'))
            throw new WireError(`interior pointer into field ${f} of ${t.name}, which is not an array`, at);
          // The array must be one this side holds: in the owner as staged by this message, or live.
          const ownerObj = this.tables.resolve<Obj>(ownerId, ownerTypeId, newShadow, at);
          const staged = stage.byObj.get(ownerObj)?.values[f];
          const base = (staged ?? ownerObj[fieldPlan.name]) as ArrayLike<unknown> | null | undefined;
          if (!base) throw new WireError(`interior pointer into ${t.name}.${fieldPlan.name}, which this side does not hold`, at);
          if (index > base.length) throw new WireError(`interior pointer to element ${index} of ${base.length}`, at);
          return { base, index } satisfies Interior<unknown>;
        };
      case 'container':
        return (r, _siblings, stage) => {
          const at = r.position;
          const id = r.u32();
          // With a choice of members, the index of the one in the order written follows the id.
          const alt = v.alts ? r.u32() : 0;
          if (v.alts && alt >= (id === 0 ? 1 : v.alts.length))
            throw new WireError(id === 0 ? `NULL container pointer with member index ${alt}` : `container member index ${alt} of ${v.alts.length}`, at);
          if (id === 0) return null;
          const path = v.alts ? v.alts[alt]! : v.path;
          const outer = this.tables.resolve<Obj>(id, v.type, newShadow, at);
          // Down the member path, in the live object and in what this message stages for it: a
          // staged embedded struct is merged into the live one in place, so the live member is
          // the one that lasts; a staged one becomes live whole where there is none.
          let t: PlanType | undefined = this.struct(v.type);
          let live: unknown = outer;
          let staged: unknown = undefined;
          let walked = t.name;
          for (let i = 0; i < path.length; i++) {
            const f = t?.kind === 'struct' ? t.fields[path[i]!] : undefined;
            if (!f || (i < path.length - 1 && f.value.k !== 'embed')) throw new WireError(`container path step ${path[i]} of ${walked}`, at);
            walked += `.${f.name}`;
            staged = i === 0 ? stage.byObj.get(outer)?.values[path[0]!] : isObject(staged) ? staged[f.name] : undefined;
            live = isObject(live) ? live[f.name] : undefined;
            if (f.value.k === 'embed') t = this.types.get(f.value.type);
          }
          const member = isObject(live) ? live : isObject(staged) ? staged : null;
          if (!member) throw new WireError(`container pointer into ${walked}, which this side does not hold`, at);
          return member;
        };
    }
  }
}

const utf8Encoder = new TextEncoder();

const isObject = (x: unknown): x is Obj => typeof x === 'object' && x !== null;

/** The stage of a message without objects: nothing is ever added to it. */
/** The `byObj` of a stage that never records objects by object (generated code, or no objects). */
const NO_OBJECTS_BY_OBJ = new Map<Obj, StagedObject>();

/**
 * The ids of one message's object entries, to refuse an id that comes twice: open addressing over
 * typed arrays, emptied by moving to the next generation (a `Set` costs more per entry, and a
 * message may carry thousands). It grows with what arrives, never with what the header claims.
 */
class IdSet {
  private keys = new Uint32Array(IDSET_MIN);
  private gens = new Uint32Array(IDSET_MIN);
  private gen = 1;
  private count = 0;
  /** 32 - log2 of the slots: the slot is the top bits of the product. */
  private shift = 32 - Math.log2(IDSET_MIN);

  clear(): void {
    this.count = 0;
    if (this.keys.length > IDSET_KEEP) this.empty(IDSET_MIN);
    else if (++this.gen === 0xffffffff) {
      this.gens.fill(0);
      this.gen = 1;
    }
  }

  /** Adds `id` (a u32); false when it is there already. */
  add(id: number): boolean {
    const keys = this.keys;
    const gens = this.gens;
    const gen = this.gen;
    const mask = keys.length - 1;
    // Multiply-shift with a multiplier drawn per process: a peer cannot pick ids that collide.
    for (let i = Math.imul(id, IDSET_SEED) >>> this.shift; ; i = (i + 1) & mask) {
      if (gens[i] !== gen) {
        gens[i] = gen;
        keys[i] = id;
        if (++this.count * 2 > keys.length) this.grow();
        return true;
      }
      if (keys[i] === id) return false;
    }
  }

  private empty(size: number): void {
    this.keys = new Uint32Array(size);
    this.gens = new Uint32Array(size);
    this.gen = 1;
    this.count = 0;
    this.shift = 32 - Math.log2(size);
  }

  private grow(): void {
    const { keys, gens, gen } = this;
    this.empty(keys.length * 2);
    for (let i = 0; i < keys.length; i++) if (gens[i] === gen) this.add(keys[i]!);
  }
}
/** Odd, so that multiplying by it is a bijection of the u32s. */
const IDSET_SEED = ((Math.random() * 0x100000000) | 1) >>> 0;
const IDSET_MIN = 64;
/** Slots an IdSet keeps between messages; a larger one (a message of thousands of objects) is let go. */
const IDSET_KEEP = 1 << 14;

/** A shadow as the codec first makes it (one function, not a closure per lookup). */
const newShadow = (): Obj => ({});

/** Calls through function pointers remembered per callback type. */
const CALLBACK_CACHE = 256;

/** Every kind of value a plan uses, anywhere. */
function planValueKinds(plan: Plan): Set<PlanValue['k']> {
  const kinds = new Set<PlanValue['k']>();
  const todo: PlanValue[] = [];
  for (const t of plan.types) {
    if (t.kind === 'struct') for (const f of t.fields) todo.push(f.value);
    else if (t.kind === 'union') for (const a of t.arms) todo.push(a.field.value);
    else if (t.kind === 'callback') {
      for (const p of t.params) todo.push(p.value);
      if (t.returns) todo.push(t.returns);
    }
  }
  for (const i of plan.interfaces)
    for (const fn of i.functions) {
      for (const p of fn.params) todo.push(p.value);
      if (fn.returns) todo.push(fn.returns);
    }
  while (todo.length) {
    const v = todo.pop()!;
    kinds.add(v.k);
    if (v.k === 'array' || v.k === 'counted' || v.k === 'box' || v.k === 'interior') todo.push(v.of);
  }
  return kinds;
}

/** For each field index of a named selection, the selection to go on with (null: the field alone); undefined when not chosen. */
const selectionIndexes = new WeakMap<PlanSelection, (PlanSelection | null | undefined)[]>();

function selectionIndex(sel: PlanSelection): (PlanSelection | null | undefined)[] {
  let ix = selectionIndexes.get(sel);
  if (!ix) {
    ix = [];
    for (const [i, next] of sel.fields) if (ix[i] === undefined) ix[i] = next ?? null;
    selectionIndexes.set(sel, ix);
  }
  return ix;
}

type TypedCtor =
  | Uint8ArrayConstructor
  | Int8ArrayConstructor
  | Uint16ArrayConstructor
  | Int16ArrayConstructor
  | Uint32ArrayConstructor
  | Int32ArrayConstructor
  | BigUint64ArrayConstructor
  | BigInt64ArrayConstructor;

/** Elements that cross as their little-endian bytes back to back: a typed array's memory on this (little-endian) host. */
interface BulkKind {
  ctor: TypedCtor;
  size: number;
  /** `new ctor(n)`, written out per type: a constructor call through a variable is megamorphic and slow. */
  make: (n: number) => Uint8Array | Int8Array | Uint16Array | Int16Array | Uint32Array | Int32Array | BigUint64Array | BigInt64Array;
}

const BULK = {
  u8: { ctor: Uint8Array, size: 1, make: (n: number) => new Uint8Array(n) },
  s8: { ctor: Int8Array, size: 1, make: (n: number) => new Int8Array(n) },
  u16: { ctor: Uint16Array, size: 2, make: (n: number) => new Uint16Array(n) },
  s16: { ctor: Int16Array, size: 2, make: (n: number) => new Int16Array(n) },
  u32: { ctor: Uint32Array, size: 4, make: (n: number) => new Uint32Array(n) },
  s32: { ctor: Int32Array, size: 4, make: (n: number) => new Int32Array(n) },
  u64: { ctor: BigUint64Array, size: 8, make: (n: number) => new BigUint64Array(n) },
  s64: { ctor: BigInt64Array, size: 8, make: (n: number) => new BigInt64Array(n) },
} satisfies Record<string, BulkKind>;

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

type Counted = Extract<PlanValue, { k: 'counted' }>;

/** The count that arrived at `at` (null: NULL) against its count expression over the siblings. */
function checkCountArrived(v: Counted, n: number | null, siblings: readonly unknown[], at: number): void {
  const want = evalCount(v.count, siblings);
  // The receiver would index a NULL array its own count says is there.
  if (n === null && want !== null && want > 0) throw new WireError(`a NULL array whose count says ${want}`, at);
  if (n !== null && want !== null && want !== n) throw new WireError(`counted array of ${n} elements where its count says ${want}`, at);
}

/** A counted array's length checked against its count expression and max, then its count word. */
function writeCountedHead(w: WireWriter, v: Counted, items: ArrayLike<unknown> | null, siblings: readonly unknown[]): void {
  const want = evalCount(v.count, siblings);
  if (items && want !== null && items.length !== want) throw new WireError(`counted array of ${items.length} elements where its count says ${want}`);
  if (!items && want !== null && want > 0) throw new WireError(`a NULL array whose count says ${want}`);
  if (items && v.max !== null && items.length > v.max) throw new WireError(`counted array of ${items.length} elements exceeds max(${v.max})`);
  w.countedStart(items ? items.length : null);
}

function bulkKind(of: PlanValue): BulkKind | null {
  if (!LITTLE_ENDIAN) return null;
  if (of.k === 'char') return BULK.u8;
  if (of.k !== 'int') return null;
  switch (of.bits) {
    case 8:
      return of.signed ? BULK.s8 : BULK.u8;
    case 16:
      return of.signed ? BULK.s16 : BULK.u16;
    case 32:
      return of.signed ? BULK.s32 : BULK.u32;
    default:
      return of.signed ? BULK.s64 : BULK.u64;
  }
}

/** The elements of a typed array of exactly the element's type: in range by construction, so copied, not checked one by one. */
function writeBulk(w: WireWriter, items: ArrayBufferView, _size: number): void {
  w.typedArray(items as Parameters<WireWriter['typedArray']>[0]);
}

/** n elements the caller checked are there: one copy into a fresh typed array (never a view of the message). */
function readBulk(r: WireReader, kind: BulkKind, n: number): unknown {
  const out = kind.make(n);
  if (n > 0) r.typedInto(out);
  return out;
}

function intWriter(bits: number, signed: boolean): ValueWriter {
  switch (bits) {
    case 8:
      return signed ? (w, x) => w.s8(Number(x ?? 0)) : (w, x) => w.u8(Number(x ?? 0));
    case 16:
      return signed ? (w, x) => w.s16(Number(x ?? 0)) : (w, x) => w.u16(Number(x ?? 0));
    case 32:
      return signed ? (w, x) => w.s32(Number(x ?? 0)) : (w, x) => w.u32(Number(x ?? 0));
    default:
      return signed ? (w, x) => w.s64(BigInt((x ?? 0) as bigint | number)) : (w, x) => w.u64(BigInt((x ?? 0) as bigint | number));
  }
}

function intReader(bits: number, signed: boolean): ValueReader {
  switch (bits) {
    case 8:
      return signed ? (r) => r.s8() : (r) => r.u8();
    case 16:
      return signed ? (r) => r.s16() : (r) => r.u16();
    case 32:
      return signed ? (r) => r.s32() : (r) => r.u32();
    default:
      return signed ? (r) => r.s64() : (r) => r.u64();
  }
}

function isIdentity(v: PlanValue): boolean {
  return v.k === 'tracked' || v.k === 'opaque' || v.k === 'ops' || v.k === 'callback' || v.k === 'container';
}

/** What an [out] parameter sends in the call: its identity and shape, not its contents. */
function outShell(v: PlanValue, x: unknown): unknown {
  switch (v.k) {
    case 'box':
      return x ? { value: zeroOf(v.of) } : null;
    case 'string':
      return x === null ? null : '';
    default:
      return x;
  }
}

function zeroOf(v: PlanValue): unknown {
  if (v.k === 'int') return v.bits > 32 ? 0n : 0;
  if (v.k === 'bool') return false;
  if (v.k === 'char') return 0;
  return null;
}

function mergeOut(target: unknown, v: unknown): unknown {
  if (target && typeof target === 'object' && v && typeof v === 'object' && 'value' in target && 'value' in v) {
    (target as Box<unknown>).value = (v as Box<unknown>).value;
    return target;
  }
  if (ArrayBuffer.isView(target) && ArrayBuffer.isView(v)) {
    const t = target as unknown as { set(a: ArrayLike<unknown>): void; length: number };
    const s = v as unknown as ArrayLike<unknown>;
    if (t.length === s.length) {
      t.set(s);
      return target;
    }
  }
  return v;
}


/** A count expression over sibling values (fields or parameters); null when one is unknown or it divides by 0. */
export function evalCount(e: PlanExpr, siblings: readonly unknown[]): number | null {
  if (typeof e === 'number') return e;
  if ('slot' in e) {
    const v = siblings[e.slot];
    if (v === undefined || v === null) return null;
    return Number(v);
  }
  if ('neg' in e) {
    const x = evalCount(e.neg, siblings);
    return x === null ? null : -x;
  }
  const l = evalCount(e.l, siblings);
  const r = evalCount(e.r, siblings);
  if (l === null || r === null) return null;
  switch (e.op) {
    case '+':
      return l + r;
    case '-':
      return l - r;
    case '*':
      return l * r;
    case '/':
      return r === 0 ? null : Math.trunc(l / r);
  }
}

function minSize(v: PlanValue): number {
  switch (v.k) {
    case 'int':
      return v.bits / 8;
    case 'bool':
    case 'char':
      return 1;
    case 'array':
      return v.length * minSize(v.of);
    default:
      return 4;
  }
}

// The typed array of each integer element (a char is a byte), by sign and width.
const TYPED = { u8: Uint8Array, u16: Uint16Array, u32: Uint32Array, u64: BigUint64Array, s8: Int8Array, s16: Int16Array, s32: Int32Array, s64: BigInt64Array } as const;
type Typed = { from(items: unknown[]): unknown; new (n: number): unknown };

function typedOf(of: PlanValue): Typed | null {
  if (of.k === 'char') return TYPED.u8 as unknown as Typed;
  if (of.k !== 'int') return null;
  return TYPED[`${of.signed ? 's' : 'u'}${of.bits}`] as unknown as Typed;
}

function toTyped(of: PlanValue, items: unknown[]): unknown {
  const t = typedOf(of);
  return t ? t.from(items) : items;
}


function decodeUtf8(bytes: Uint8Array, at: number): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new WireError('string is not valid UTF-8', at);
  }
}


