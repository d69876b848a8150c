// The codec: calls and replies to and from bytes, driven by the generated plan. Encoding walks
// the access-set selections from the arguments to find the objects that cross; decoding stages
// everything (new shadows, field values, frees) and applies it to live objects only once the whole
// message has validated, so hostile bytes change nothing (docs/wire-format.md).
import { WireError } from './errors.js';
import {
  decodeErrorPayload,
  decodeHeader,
  DEFAULT_LIMITS,
  encodeErrorPayload,
  encodeHeader,
  finishHeader,
  MessageKind,
  type HeaderLimits,
} from './header.js';
import type { AnyFunction, ObjectTable } from './object-table.js';
import { accessFields, type Plan, type PlanExpr, type PlanFunction, type PlanInterface, type PlanSelection, type PlanType, type PlanValue } from './plan.js';
import type { Box, Interior } from './values.js';
import { WireReader } from './wire-reader.js';
import { WireWriter } from './wire-writer.js';

type Obj = Record<string, unknown>;
type StructPlan = Extract<PlanType, { kind: 'struct' }>;
type UnionPlan = Extract<PlanType, { kind: 'union' }>;

/** How a callback id of the peer becomes a callable function (the channel provides it). */
export type StubFactory = (typeId: number, id: number) => AnyFunction;

export interface DecodedCall {
  iface: PlanInterface;
  fn: PlanFunction;
  callId: number;
  nested: boolean;
  args: unknown[];
}

interface Outgoing {
  obj: Obj;
  id: number;
  type: StructPlan;
  all: boolean;
  fields: Set<number>;
}

interface StagedObject {
  obj: Obj;
  type: StructPlan;
  values: Map<number, unknown>;
}

const NO_STUBS: StubFactory = () => () => {
  throw new Error('this codec has no channel to call a peer callback through');
};

export class Codec {
  private readonly types = new Map<number, PlanType>();
  private readonly ifaces = new Map<number, PlanInterface>();
  // Where an array or an embedded struct lives, so interior and container pointers can name it.
  private readonly arrayHome = new WeakMap<object, { owner: Obj; ownerType: number; field: number }>();
  private readonly embedHome = new WeakMap<object, { owner: Obj; field: number }>();

  constructor(
    readonly plan: Plan,
    readonly tables: ObjectTable,
    private readonly stubs: StubFactory = NO_STUBS,
    readonly limits: HeaderLimits = DEFAULT_LIMITS,
  ) {
    for (const t of plan.types) this.types.set(t.id, t);
    for (const i of plan.interfaces) this.ifaces.set(i.id, i);
  }

  private readonly callbackCalls = new Map<string, { iface: PlanInterface; fn: PlanFunction }>();

  /**
   * A call through a function pointer: the callback type stands in for the interface (its id is
   * the header's interface id) and the function-pointer id for the function. No access sets: tracked
   * arguments cross as identities. Null when `typeId` is no callback type of this plan.
   */
  callbackCall(typeId: number, fnId: number): { iface: PlanInterface; fn: PlanFunction } | null {
    const key = `${typeId}:${fnId}`;
    const known = this.callbackCalls.get(key);
    if (known) return known;
    const t = this.types.get(typeId);
    if (!t || t.kind !== 'callback') return null;
    const fn: PlanFunction = { id: fnId, name: t.name, role: 'upcall', params: t.params, returns: t.returns, reads: [], writes: [] };
    const call = { iface: { id: t.id, name: t.name, functions: [fn] }, fn };
    this.callbackCalls.set(key, call);
    return call;
  }

  interfaceNamed(name: string): PlanInterface {
    const i = this.plan.interfaces.find((x) => x.name === name);
    if (!i) throw new Error(`no interface '${name}' in module ${this.plan.module}`);
    return i;
  }

  // ---- encoding ----------------------------------------------------------------------------

  /** A call: the objects the function reads, then the arguments. Returns the message bytes. */
  encodeCall(w: WireWriter, iface: PlanInterface, fn: PlanFunction, args: readonly unknown[], callId: number, nested = false): Uint8Array {
    return this.encode(w, MessageKind.Call, iface, fn, callId, nested ? 1 : 0, fn.reads, args, (w2) => {
      fn.params.forEach((p, i) => this.writeValue(w2, p.value, p.dir === 'out' ? outShell(p.value, args[i]) : args[i], args));
    });
  }

  /** A reply: the objects the function writes, the return value, then out and inout parameters. */
  encodeReply(w: WireWriter, iface: PlanInterface, fn: PlanFunction, args: readonly unknown[], result: unknown, callId: number): Uint8Array {
    return this.encode(w, MessageKind.Reply, iface, fn, callId, 0, fn.writes, args, (w2) => {
      if (fn.returns) this.writeValue(w2, fn.returns, result, args);
      fn.params.forEach((p, i) => {
        if (p.dir !== 'in' && !isIdentity(p.value)) this.writeValue(w2, p.value, args[i], args);
      });
    });
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
    body: (w: WireWriter) => void,
  ): Uint8Array {
    const out = new Map<Obj, Outgoing>();
    for (const [param, sel] of selections) {
      const p = fn.params[param];
      const v = args[param];
      if (!p || v === null || v === undefined) continue;
      const target = p.value.k === 'tracked' ? p.value.type : 0;
      if (target) this.collect(v as Obj, target, sel, out);
    }
    w.reset();
    const at = encodeHeader(w, {
      moduleVersion: this.plan.version,
      kind,
      flags,
      interfaceId: iface.id,
      functionId: fn.id,
      callId,
      payloadLength: 0,
      objectCount: 0,
    });
    for (const o of out.values()) this.writeObject(w, o);
    body(w);
    finishHeader(w, at, out.size);
    return w.written();
  }

  private struct(typeId: number): StructPlan {
    const t = this.types.get(typeId);
    if (!t || t.kind !== 'struct') throw new Error(`type ${typeId} is not a struct this plan knows`);
    return t;
  }

  /** Gathers the objects a selection reaches from `obj`, each once, with the union of its fields. */
  private collect(obj: Obj, typeId: number, sel: PlanSelection | 'deep', out: Map<Obj, Outgoing>): void {
    const type = this.struct(typeId);
    let o = out.get(obj);
    const fresh = !o;
    if (!o) {
      o = { obj, id: this.tables.idOf(obj, typeId), type, all: false, fields: new Set() };
      out.set(obj, o);
    }
    const named: PlanSelection | null = sel === 'deep' ? null : sel;
    const deep = named === null || named.all === 2;
    if (deep && !fresh && o.all) return; // already sent whole and deep: cycles end here
    const all = deep || named?.all === 1;
    if (all) o.all = true;
    type.fields.forEach((f, i) => {
      const chosen = all || (named?.fields.some(([idx]) => idx === i) ?? false);
      if (!chosen || f.value.k === 'skip') return;
      o.fields.add(i);
      const next: PlanSelection | 'deep' | null = deep ? 'deep' : (named?.fields.find(([idx]) => idx === i)?.[1] ?? null);
      this.collectValue(f.value, obj[f.name], next, out);
    });
  }

  private collectValue(v: PlanValue, x: unknown, next: PlanSelection | 'deep' | null, out: Map<Obj, Outgoing>): void {
    if (x === null || x === undefined) return;
    switch (v.k) {
      case 'tracked':
        if (next) this.collect(x as Obj, v.type, next, out);
        else this.tables.idOf(x as Obj, v.type);
        return;
      case 'counted':
      case 'array':
        if (next && (v.of.k === 'tracked' || v.of.k === 'embed')) for (const e of x as unknown[]) this.collectValue(v.of, e, next, out);
        return;
      case 'embed':
        if (next) {
          const t = this.struct(v.type);
          t.fields.forEach((f) => this.collectValue(f.value, (x as Obj)[f.name], next === 'deep' ? 'deep' : null, out));
        }
        return;
      default:
        return;
    }
  }

  private writeObject(w: WireWriter, o: Outgoing): void {
    w.align(8);
    w.u32(o.id);
    w.u32(o.type.id);
    const lengthAt = w.reserve(4);
    w.u32(0);
    const start = w.position;
    const words = Math.ceil(o.type.fields.length / 64);
    for (let k = 0; k < words; k++) {
      let word = 0n;
      for (let i = k * 64; i < Math.min(o.type.fields.length, k * 64 + 64); i++) if (o.fields.has(i)) word |= 1n << BigInt(i - k * 64);
      w.u64(word);
    }
    const siblings = o.type.fields.map((f) => o.obj[f.name]);
    o.type.fields.forEach((f, i) => {
      if (o.fields.has(i)) this.writeValue(w, f.value, o.obj[f.name], siblings, o.obj, i, o.type.id);
    });
    w.align(8);
    w.patchU32(lengthAt, w.position - start);
  }

  private writeValue(
    w: WireWriter,
    v: PlanValue,
    x: unknown,
    siblings: readonly unknown[],
    owner?: Obj,
    field?: number,
    ownerType = 0,
  ): void {
    switch (v.k) {
      case 'skip':
        return;
      case 'int':
        return writeInt(w, v.bits, v.signed, x);
      case 'bool':
        return w.bool(Boolean(x));
      case 'char':
        return w.char(Number(x ?? 0));
      case 'array': {
        if (v.string) {
          const bytes = new TextEncoder().encode(String(x ?? ''));
          if (bytes.length >= v.length) throw new WireError(`string of ${bytes.length} bytes does not fit char[${v.length}]`);
          const padded = new Uint8Array(v.length);
          padded.set(bytes);
          w.bytes(padded);
          return;
        }
        const items = x as ArrayLike<unknown>;
        if (!items || items.length !== v.length) throw new WireError(`array of ${items?.length ?? 0} elements where ${v.length} are declared`);
        if (owner && field !== undefined && ownerType) this.arrayHome.set(items as object, { owner, ownerType, field });
        for (let i = 0; i < v.length; i++) this.writeValue(w, v.of, items[i], siblings);
        return;
      }
      case 'embed': {
        const t = this.struct(v.type);
        const obj = (x ?? {}) as Obj;
        if (owner && field !== undefined && x) this.embedHome.set(x as object, { owner, field });
        const inner = t.fields.map((f) => obj[f.name]);
        t.fields.forEach((f, i) => this.writeValue(w, f.value, obj[f.name], inner, obj, i));
        return;
      }
      case 'union': {
        const u = this.types.get(v.type) as UnionPlan;
        const val = x as { arm: string; value: unknown };
        const arm = u.arms.findIndex((a) => a.field.name === val?.arm);
        if (arm < 0) throw new WireError(`union ${u.name} value names no arm (${String(val?.arm)})`);
        w.u32(arm);
        this.writeValue(w, u.arms[arm]!.field.value, val.value, siblings);
        return;
      }
      case 'tracked':
        if ((x === null || x === undefined) && v.nonNull) throw new WireError('a [ref] pointer is NULL');
        return w.u32(this.tables.idOf((x ?? null) as Obj | null, v.type));
      case 'ops':
        return w.u32(this.tables.handles.handleOf(x ?? null, v.iface));
      case 'opaque':
        return w.u32(this.tables.handles.handleOf(x ?? null, v.type));
      case 'callback':
        return w.u32(this.tables.functions.functionIdOf((x ?? null) as AnyFunction | null, v.type));
      case 'string':
        return w.string((x ?? null) as string | null, v.max ?? undefined);
      case 'box': {
        const box = x as Box<unknown> | null;
        w.u32(box ? 1 : 0);
        if (box) this.writeValue(w, v.of, box.value, siblings);
        return;
      }
      case 'counted': {
        const items = (x ?? null) as ArrayLike<unknown> | null;
        const want = evalCount(v.count, siblings);
        if (items && want !== null && items.length !== want) throw new WireError(`counted array of ${items.length} elements where its count says ${want}`);
        if (!items && want !== null && want > 0) throw new WireError(`a NULL array whose count says ${want}`);
        if (items && v.max !== null && items.length > v.max) throw new WireError(`counted array of ${items.length} elements exceeds max(${v.max})`);
        w.countedStart(items ? items.length : null);
        if (items && owner && field !== undefined && ownerType) this.arrayHome.set(items as object, { owner, ownerType, field });
        if (items) for (let i = 0; i < items.length; i++) this.writeValue(w, v.of, items[i], siblings);
        return;
      }
      case 'interior': {
        const ip = x as Interior<unknown> | null;
        const home = ip ? this.arrayHome.get(ip.base as object) : null;
        if (ip && !home) throw new WireError('interior pointer into an array that never crossed');
        w.u32(home ? this.tables.idOf(home.owner, home.ownerType) : 0);
        w.u32(home ? home.ownerType : 0);
        w.u32(home ? home.field : 0);
        w.u32(ip ? ip.index : 0);
        return;
      }
      case 'container': {
        if (x === null || x === undefined) return w.u32(0);
        const home = this.embedHome.get(x as object);
        if (!home || home.field !== v.field) throw new WireError('container pointer to a struct that is not the declared field of an object that crossed');
        return w.u32(this.tables.idOf(home.owner, v.type));
      }
    }
  }

  // ---- decoding ----------------------------------------------------------------------------

  /** Decodes a call; nothing is applied to live objects until `apply()` is called (after which the args are live). */
  decodeCall(bytes: Uint8Array): { call: DecodedCall; apply: () => void; discard: () => void } {
    const r = new WireReader(bytes.buffer as ArrayBuffer, bytes.byteOffset, bytes.byteLength);
    const h = decodeHeader(r, this.limits);
    if (h.kind !== MessageKind.Call) throw new WireError(`expected a call, got message kind ${h.kind}`, 8);
    const direct = this.ifaces.get(h.interfaceId);
    const viaPointer = direct ? null : this.callbackCall(h.interfaceId, h.functionId);
    const iface = direct ?? viaPointer?.iface;
    const fn = direct ? direct.functions.find((f) => f.id === h.functionId) : viaPointer?.fn;
    if (!iface || !fn) throw new WireError(`unknown interface ${h.interfaceId} or function ${h.functionId}`, 12);
    if (h.moduleVersion !== this.plan.version) throw new WireError(`module version ${h.moduleVersion}, this side has ${this.plan.version}`, 6);
    return this.decodeStaged(r, h.objectCount, this.allowedFields(fn, 'reads'), (stage) => {
      const args: unknown[] = [];
      this.deferChecks(() => {
        for (const p of fn.params) args.push(this.readValue(r, p.value, args, stage));
      });
      r.expectEnd();
      return { iface, fn, callId: h.callId, nested: (h.flags & 1) === 1, args };
    });
  }

  /**
   * Decodes the reply to a call made with `args`: the written fields go into the live objects,
   * out parameters into the caller's boxes and buffers. Returns the return value. An error reply
   * comes back as { errno, message }.
   */
  decodeReply(bytes: Uint8Array, fn: PlanFunction, callId: number, args: unknown[]): { value: unknown } | { errno: number; message: string } {
    const r = new WireReader(bytes.buffer as ArrayBuffer, bytes.byteOffset, bytes.byteLength);
    const h = decodeHeader(r, this.limits);
    if (h.callId !== callId || h.functionId !== fn.id) throw new WireError(`reply to call ${h.callId} of function ${h.functionId}, expected ${callId} of ${fn.id}`, 16);
    if (h.kind === MessageKind.Error) return decodeErrorPayload(r);
    if (h.kind !== MessageKind.Reply) throw new WireError(`expected a reply, got message kind ${h.kind}`, 8);
    const staged = this.decodeStaged(r, h.objectCount, this.allowedFields(fn, 'writes'), (stage) => {
      const result = fn.returns ? this.readValue(r, fn.returns, args, stage) : undefined;
      const outs: [number, unknown][] = [];
      fn.params.forEach((p, i) => {
        if (p.dir !== 'in' && !isIdentity(p.value)) outs.push([i, this.readValue(r, p.value, args, stage)]);
      });
      r.expectEnd();
      return { result, outs };
    });
    staged.apply();
    for (const [i, v] of staged.call.outs) args[i] = mergeOut(args[i], v);
    return { value: staged.call.result };
  }

  private decodeStaged<T>(
    r: WireReader,
    objectCount: number,
    allowed: Map<number, Set<number>>,
    rest: (stage: StagedObject[]) => T,
  ): { call: T; apply: () => void; discard: () => void } {
    this.tables.beginStaging();
    let done = false;
    try {
      const stage: StagedObject[] = [];
      const seen = new Set<number>();
      for (let n = 0; n < objectCount; n++) this.readObject(r, stage, seen, allowed);
      const call = rest(stage);
      const finish = (keep: boolean): void => {
        if (done) return;
        done = true;
        if (!keep) {
          this.tables.rollback();
          return;
        }
        this.tables.commit();
        for (const s of stage) for (const [i, v] of s.values) this.applyField(s.obj, s.type.fields[i]!, v);
      };
      return { call, apply: () => finish(true), discard: () => finish(false) };
    } catch (e) {
      if (!done) this.tables.rollback();
      done = true;
      throw e;
    }
  }

  /**
   * Writes a staged value into a live object. An embedded struct is updated in place, so pointers
   * into it ([container]) stay valid; everything else, tracked pointers included, is assigned.
   */
  private applyField(obj: Obj, field: { name: string; value: PlanValue }, v: unknown): void {
    const cur = obj[field.name];
    if (field.value.k === 'embed' && cur && typeof cur === 'object' && v && typeof v === 'object') {
      const t = this.struct(field.value.type);
      for (const f of t.fields) if (f.value.k !== 'skip' && f.name in (v as Obj)) this.applyField(cur as Obj, f, (v as Obj)[f.name]);
      return;
    }
    obj[field.name] = v;
  }

  private readonly allowedCache = new WeakMap<PlanFunction['reads'], Map<number, Set<number>>>();

  /** The fields of each type a call (reads) or its reply (writes) may carry. */
  private allowedFields(fn: PlanFunction, which: 'reads' | 'writes'): Map<number, Set<number>> {
    const selections = fn[which];
    let m = this.allowedCache.get(selections);
    if (!m) {
      m = new Map(accessFields(this.plan.types, selections, fn.params).map(([t, f]) => [t, new Set(f)]));
      this.allowedCache.set(selections, m);
    }
    return m;
  }

  private readObject(r: WireReader, stage: StagedObject[], seen: Set<number>, allowed: Map<number, Set<number>>): void {
    r.align(8);
    const at = r.position;
    const id = r.u32();
    const typeId = r.u32();
    const length = r.u32();
    const flags = r.u32();
    if (length % 8 !== 0) throw new WireError(`object entry length ${length} is not a multiple of 8`, at + 8);
    if (seen.has(id)) throw new WireError(`object ${id} appears twice in one message`, at);
    seen.add(id);
    if (flags & ~1) throw new WireError(`object entry flags 0x${flags.toString(16)} use reserved bits`, at + 12);
    if (flags & 1) {
      if (length !== 0) throw new WireError('a freed object entry carries data', at + 8);
      this.tables.freeByPeer(id, typeId, at);
      return;
    }
    const t = this.types.get(typeId);
    if (!t || t.kind !== 'struct') throw new WireError(`object ${id} has type ${typeId}, which is not a struct of this interface`, at + 4);
    const body = r.sub(length);
    const obj = this.tables.resolve<Obj>(id, typeId, () => ({}), at);
    const words = Math.ceil(t.fields.length / 64);
    const present: number[] = [];
    for (let k = 0; k < words; k++) {
      const word = body.u64();
      for (let b = 0; b < 64; b++) {
        if (!((word >> BigInt(b)) & 1n)) continue;
        const i = k * 64 + b;
        if (i >= t.fields.length) throw new WireError(`object ${id}: mask bit ${i} beyond the ${t.fields.length} fields of ${t.name}`, at + 16);
        if (t.fields[i]!.value.k === 'skip') throw new WireError(`object ${id}: field ${t.fields[i]!.name} never crosses`, at + 16);
        if (!allowed.get(typeId)?.has(i)) throw new WireError(`object ${id}: field ${t.fields[i]!.name} is outside the call's access set`, at + 16);
        present.push(i);
      }
    }
    const values = new Map<number, unknown>();
    // Counts and discriminants are read from what arrives, falling back on the live object.
    const siblings = t.fields.map((f) => obj[f.name]);
    const s: StagedObject = { obj, type: t, values };
    // Staged before its fields are read: an interior pointer may name an array of this very object.
    stage.push(s);
    this.deferChecks(() => {
      for (const i of present) {
        const v = this.readValue(body, t.fields[i]!.value, siblings, stage, obj, i, t.id);
        values.set(i, v);
        siblings[i] = v;
      }
    });
    body.align(8);
    body.expectEnd();
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

  private readValue(r: WireReader, v: PlanValue, siblings: unknown[], stage: StagedObject[], owner?: Obj, field?: number, ownerType = 0): unknown {
    const at = r.position;
    switch (v.k) {
      case 'skip':
        return undefined;
      case 'int':
        return readInt(r, v.bits, v.signed);
      case 'bool':
        return r.bool();
      case 'char':
        return r.char();
      case 'array': {
        if (v.string) {
          const bytes = r.bytes(v.length);
          const nul = bytes.indexOf(0);
          if (nul < 0) throw new WireError(`char[${v.length}] string is not NUL-terminated`, at);
          return decodeUtf8(bytes.subarray(0, nul), at);
        }
        const out: unknown[] = [];
        for (let i = 0; i < v.length; i++) out.push(this.readValue(r, v.of, siblings, stage));
        const typed = toTyped(v.of, out);
        if (owner && field !== undefined && ownerType) this.arrayHome.set(typed as object, { owner, ownerType, field });
        return typed;
      }
      case 'embed': {
        const t = this.struct(v.type);
        const obj: Obj = {};
        const inner: unknown[] = t.fields.map(() => undefined);
        this.deferChecks(() =>
          t.fields.forEach((f, i) => {
            const x = this.readValue(r, f.value, inner, stage, obj, i);
            inner[i] = x;
            if (f.value.k !== 'skip') obj[f.name] = x;
          }),
        );
        if (owner && field !== undefined) this.embedHome.set(obj, { owner, field });
        return obj;
      }
      case 'union': {
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
        return { arm: a.field.name, value: this.readValue(r, a.field.value, siblings, stage) };
      }
      case 'tracked': {
        const id = r.u32();
        if (id === 0) {
          if (v.nonNull) throw new WireError('a [ref] pointer arrived NULL', at);
          return null;
        }
        return this.tables.resolve<Obj>(id, v.type, () => ({}), at);
      }
      case 'ops':
      case 'opaque': {
        const id = r.u32();
        if (id === 0) {
          if (v.nonNull) throw new WireError('a [ref] handle arrived NULL', at);
          return null;
        }
        return this.tables.handles.resolve(id, v.k === 'ops' ? v.iface : v.type, at);
      }
      case 'callback': {
        const id = r.u32();
        if (id === 0) return null;
        return this.tables.functions.resolve(id, v.type, () => this.stubs(v.type, id), at);
      }
      case 'string': {
        const s = r.string(v.max ?? undefined);
        if (s === null && v.nonNull) throw new WireError('a [ref] string arrived NULL', at);
        return s;
      }
      case 'box': {
        const flag = r.u32();
        if (flag > 1) throw new WireError(`pointer presence ${flag} is neither 0 nor 1`, at);
        if (flag === 0) return null;
        return { value: this.readValue(r, v.of, siblings, stage) };
      }
      case 'counted': {
        const n = r.counted(v.max ?? 0xfffffffe, minSize(v.of));
        this.check(() => {
          const want = evalCount(v.count, siblings);
          // The receiver would index a NULL array its own count says is there.
          if (n === null && want !== null && want > 0) throw new WireError(`a NULL array whose count says ${want}`, at);
          if (n !== null && want !== null && want !== n) throw new WireError(`counted array of ${n} elements where its count says ${want}`, at);
        });
        if (n === null) return null;
        const out: unknown[] = [];
        for (let i = 0; i < n; i++) out.push(this.readValue(r, v.of, siblings, stage));
        const typed = toTyped(v.of, out);
        if (owner && field !== undefined && ownerType) this.arrayHome.set(typed as object, { owner, ownerType, field });
        return typed;
      }
      case 'interior': {
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
        const ownerObj = this.tables.resolve<Obj>(ownerId, ownerTypeId, () => ({}), at);
        const staged = stage.find((s) => s.obj === ownerObj)?.values.get(f);
        const base = (staged ?? ownerObj[fieldPlan.name]) as ArrayLike<unknown> | null | undefined;
        if (!base) throw new WireError(`interior pointer into ${t.name}.${fieldPlan.name}, which this side does not hold`, at);
        if (index > base.length) throw new WireError(`interior pointer to element ${index} of ${base.length}`, at);
        return { base, index } satisfies Interior<unknown>;
      }
      case 'container': {
        const id = r.u32();
        if (id === 0) return null;
        const outer = this.tables.resolve<Obj>(id, v.type, () => ({}), at);
        const t = this.struct(v.type);
        const f = t.fields[v.field];
        if (!f) throw new WireError(`container field ${v.field} of ${t.name}`, at);
        const staged = stage.find((s) => s.obj === outer)?.values.get(v.field);
        return staged ?? outer[f.name] ?? null;
      }
    }
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

function writeInt(w: WireWriter, bits: number, signed: boolean, x: unknown): void {
  const n = x ?? 0;
  switch (bits) {
    case 8:
      return signed ? w.s8(Number(n)) : w.u8(Number(n));
    case 16:
      return signed ? w.s16(Number(n)) : w.u16(Number(n));
    case 32:
      return signed ? w.s32(Number(n)) : w.u32(Number(n));
    default:
      return signed ? w.s64(BigInt(n as bigint | number)) : w.u64(BigInt(n as bigint | number));
  }
}

function readInt(r: WireReader, bits: number, signed: boolean): number | bigint {
  switch (bits) {
    case 8:
      return signed ? r.s8() : r.u8();
    case 16:
      return signed ? r.s16() : r.u16();
    case 32:
      return signed ? r.s32() : r.u32();
    default:
      return signed ? r.s64() : r.u64();
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

function toTyped(of: PlanValue, items: unknown[]): unknown {
  if (of.k === 'char') return Uint8Array.from(items as number[]);
  if (of.k !== 'int') return items;
  switch (`${of.signed ? 's' : 'u'}${of.bits}`) {
    case 'u8':
      return Uint8Array.from(items as number[]);
    case 'u16':
      return Uint16Array.from(items as number[]);
    case 'u32':
      return Uint32Array.from(items as number[]);
    case 's8':
      return Int8Array.from(items as number[]);
    case 's16':
      return Int16Array.from(items as number[]);
    case 's32':
      return Int32Array.from(items as number[]);
    case 'u64':
      return BigUint64Array.from(items as bigint[]);
    default:
      return BigInt64Array.from(items as bigint[]);
  }
}

function decodeUtf8(bytes: Uint8Array, at: number): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new WireError('string is not valid UTF-8', at);
  }
}


