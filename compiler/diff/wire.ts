// What of a program actually crosses, per docs/wire-format.md. A change to something that never
// crosses cannot break a peer, so every wire judgement in the diff asks this analysis first.
//
// Roots are the parameters and results of upcalls and downcalls (critical functions never cross).
// Structs and unions reached through a tracked pointer travel as objects (type id, present mask,
// only the fields some access set selects); those embedded in a crossing value, or elements of a
// counted pointer or array, are encoded in place with every marshaled field and no mask.
import type { IrAccess, IrMarshal, IrSelection, IrType } from '../ir/types.js';
import { elementType, fieldsOf, marshaled, type Model, strip } from './model.js';

export interface WireUse {
  /** Structs and unions that travel in the object section: their type id and field indexes are on the wire. */
  objects: Map<string, string[]>;
  /** Structs and unions encoded in place: every marshaled field, in order. */
  values: Map<string, string[]>;
  /** Types named by `[opaque]` handles: the handle table records their type id. */
  handles: Map<string, string[]>;
  /** Callback types whose values cross (function table ids carry the type). */
  callbacks: Map<string, string[]>;
  /** Interfaces that cross as ops tables: one present-mask bit per function, in order. */
  ops: Map<string, string[]>;
  /** Interfaces with at least one upcall or downcall: their id is in every message header. */
  interfaces: Set<string>;
  /** Enums whose values cross. */
  enums: Map<string, string[]>;
  /** Object fields an access set names (explicitly, by `.*`, or implicitly): aggregate, field index, who sends it. */
  sentBy: Map<string, Map<number, Set<string>>>;
  /**
   * Deep sets (`p.**`, the default set) send every marshaled field of every aggregate they reach.
   * Kept per root rather than per field: a large program has hundreds of default sets reaching
   * thousands of structs, and expanding each one per field is quadratic.
   */
  deepRoots: Map<string, Set<string>>;
  /** Aggregate -> the deep roots that reach it. */
  deepReached: Map<string, Set<string>>;
  /** Constants that size a marshaled `[count]`, and where. */
  countConstants: Map<string, string[]>;
}

export function analyzeWire(model: Model): WireUse {
  return new Analyzer(model).run();
}

/** Whether an access set sends field `index` of `aggregate` as an object field. */
export function sentAsObjectField(use: WireUse, aggregate: string, index: number, m: IrMarshal): boolean {
  return marshaled(m) && ((use.sentBy.get(aggregate)?.has(index) ?? false) || use.deepReached.has(aggregate));
}

/** Whether the field is on the wire at all: sent as an object field, or its aggregate crosses by value. */
export function onWire(use: WireUse, aggregate: string, index: number, m: IrMarshal): boolean {
  return marshaled(m) && (use.values.has(aggregate) || sentAsObjectField(use, aggregate, index, m));
}

/** "sent by X" for a field: who sends it as an object field, and where its struct is encoded in place. */
export function sendersOf(use: WireUse, aggregate: string, index: number, m: IrMarshal): string[] {
  if (!marshaled(m)) return [];
  const out = new Set<string>(use.sentBy.get(aggregate)?.get(index) ?? []);
  for (const root of use.deepReached.get(aggregate) ?? []) for (const s of use.deepRoots.get(root) ?? []) out.add(s);
  for (const w of use.values.get(aggregate) ?? []) out.add(`encoded in place in ${w}`);
  return [...out].sort();
}

function add(map: Map<string, string[]>, key: string, where: string): boolean {
  const list = map.get(key);
  if (!list) {
    map.set(key, [where]);
    return true;
  }
  if (!list.includes(where)) list.push(where);
  return false;
}

class Analyzer {
  private readonly use: WireUse = {
    objects: new Map(),
    values: new Map(),
    handles: new Map(),
    callbacks: new Map(),
    ops: new Map(),
    interfaces: new Set(),
    enums: new Map(),
    sentBy: new Map(),
    deepRoots: new Map(),
    deepReached: new Map(),
    countConstants: new Map(),
  };
  /** Aggregates whose fields a deep set has walked (what they put on the wire does not depend on who sends them). */
  private readonly deepWalked = new Set<string>();

  constructor(private readonly model: Model) {}

  run(): WireUse {
    for (const iface of this.model.ir.interfaces) {
      for (const fn of iface.functions) {
        if (fn.role === 'critical') continue;
        this.use.interfaces.add(iface.name);
        const label = `${fn.role} ${iface.name}.${fn.name}`;
        for (const p of fn.params) this.slot(p.type, p.marshal, `${label}(${p.name})`);
        this.slot(fn.returns.type, fn.returns.marshal, `the result of ${label}`);
        this.accesses(fn.reads, fn.params, `reads of ${iface.name}.${fn.name}`);
        this.accesses(fn.writes, fn.params, `writes of ${iface.name}.${fn.name}`);
      }
    }
    // Stable order for messages: the walk's order depends on declaration order only, but sorting
    // makes each list read the same whatever path reached it first.
    for (const m of [this.use.objects, this.use.values, this.use.handles, this.use.callbacks, this.use.ops, this.use.enums, this.use.countConstants])
      for (const l of m.values()) l.sort();
    return this.use;
  }

  private accesses(list: IrAccess[], params: { type: IrType; marshal: IrMarshal }[], sender: string): void {
    for (const a of list) {
      const p = params[a.index];
      const agg = p ? this.model.behind(p) : null;
      if (agg) this.select(agg.name, a.select, sender);
    }
  }

  /** One crossing slot: what its type and mode put on the wire. */
  private slot(type: IrType, m: IrMarshal, where: string): void {
    if (m.count) this.countNames(m.count, where);
    const el = elementType(type);
    switch (m.mode) {
      case 'skip':
      case 'combolock':
      case 'string':
      case 'interior':
        return;
      case 'callback':
        if (el.kind === 'callback') this.callback(el.name, where);
        return;
      case 'opaque':
        if (el.kind === 'struct' || el.kind === 'union' || el.kind === 'enum' || el.kind === 'callback') add(this.use.handles, el.name, where);
        return;
      case 'ops':
        if (el.kind === 'interface') add(this.use.ops, el.name, where);
        return;
      case 'tracked': {
        const agg = m.asType ? this.model.aggregate(m.asType) : el.kind === 'struct' || el.kind === 'union' ? this.model.aggregate(el.name) : null;
        if (agg) add(this.use.objects, agg.name, where);
        return;
      }
      case 'container':
        if (m.container) {
          const agg = this.model.aggregate(m.container.type);
          if (agg) add(this.use.objects, agg.name, where);
        }
        return;
      case 'counted':
      case 'value':
        this.value(type, where);
        return;
    }
  }

  /** A value encoded in place: scalars, arrays, embedded structs and unions (all their marshaled fields). */
  private value(type: IrType, where: string): void {
    const el = elementType(type);
    if (el.kind === 'enum') add(this.use.enums, el.name, where);
    if (el.kind !== 'struct' && el.kind !== 'union') return;
    const agg = this.model.aggregate(el.name);
    if (!agg) return;
    if (!add(this.use.values, agg.name, where)) return;
    if (agg.kind === 'union' && agg.discriminant) {
      const d = strip(agg.discriminant);
      if (d.kind === 'enum') add(this.use.enums, d.name, `the discriminant of union ${agg.name}`);
    }
    for (const f of fieldsOf(agg)) this.slot(f.type, f.marshal, `${agg.name}.${f.name}`);
  }

  private callback(name: string, where: string): void {
    if (!add(this.use.callbacks, name, where)) return;
    const cb = this.model.callbackOf(name);
    if (!cb) return;
    const label = `callback ${name}`;
    // Callbacks have no access sets in the IR; a tracked parameter is taken to send everything it reaches.
    for (const p of cb.params) {
      this.slot(p.type, p.marshal, `${label}(${p.name})`);
      const agg = p.marshal.mode === 'tracked' ? this.model.behind(p) : null;
      if (agg) this.deep(agg.name, `${label}(${p.name})`);
    }
    this.slot(cb.returns.type, cb.returns.marshal, `the result of ${label}`);
  }

  private select(aggName: string, sel: IrSelection, sender: string): void {
    const agg = this.model.aggregate(aggName);
    if (!agg) return;
    if (sel.all === 'deep') return this.deep(agg.name, sender);
    const fields = fieldsOf(agg);
    if (sel.all === 'shallow') fields.forEach((_, i) => this.sent(agg.name, i, sender));
    for (const entry of sel.fields) {
      this.sent(agg.name, entry.index, sender);
      const f = fields[entry.index];
      const sub = f && entry.select ? this.model.behind(f) : null;
      if (sub && entry.select) this.select(sub.name, entry.select, sender);
    }
  }

  private deep(aggName: string, sender: string): void {
    const root = this.model.aggregate(aggName);
    if (!root) return;
    let senders = this.use.deepRoots.get(root.name);
    if (senders) {
      senders.add(sender);
      return;
    }
    this.use.deepRoots.set(root.name, (senders = new Set([sender])));
    const queue = [root];
    const reached = new Set<string>([root.name]);
    while (queue.length) {
      const agg = queue.shift()!;
      let roots = this.use.deepReached.get(agg.name);
      if (!roots) this.use.deepReached.set(agg.name, (roots = new Set()));
      roots.add(root.name);
      const walk = !this.deepWalked.has(agg.name);
      this.deepWalked.add(agg.name);
      for (const f of fieldsOf(agg)) {
        if (!marshaled(f.marshal)) continue;
        if (walk) this.slot(f.type, f.marshal, `${agg.name}.${f.name}`);
        if (walk && agg.kind === 'union' && agg.discriminant) {
          const d = strip(agg.discriminant);
          if (d.kind === 'enum') add(this.use.enums, d.name, `the discriminant of union ${agg.name}`);
        }
        const sub = f.marshal.mode === 'ops' ? null : this.model.behind(f);
        if (sub && !reached.has(sub.name)) {
          reached.add(sub.name);
          queue.push(sub);
        }
      }
    }
  }

  private sent(aggName: string, index: number, sender: string): void {
    const agg = this.model.aggregate(aggName);
    const f = agg ? fieldsOf(agg)[index] : undefined;
    if (!agg || !f || !marshaled(f.marshal)) return;
    let per = this.use.sentBy.get(agg.name);
    if (!per) this.use.sentBy.set(agg.name, (per = new Map()));
    let senders = per.get(index);
    if (!senders) per.set(index, (senders = new Set()));
    if (senders.has(sender)) return;
    senders.add(sender);
    if (agg.kind === 'union' && agg.discriminant) {
      const d = strip(agg.discriminant);
      if (d.kind === 'enum') add(this.use.enums, d.name, `the discriminant of union ${agg.name}`);
    }
    this.slot(f.type, f.marshal, `${agg.name}.${f.name}`);
  }

  private countNames(e: NonNullable<IrMarshal['count']>, where: string): void {
    switch (e.kind) {
      case 'constant':
        add(this.use.countConstants, e.name, where);
        return;
      case 'unary':
        return this.countNames(e.operand, where);
      case 'binary':
        this.countNames(e.left, where);
        this.countNames(e.right, where);
        return;
      default:
        return;
    }
  }
}
