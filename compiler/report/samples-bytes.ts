// Bytes per management call for a sample, from its checked IR, under the same model as the split's
// report (compiler/split/wire-size.ts, docs/report.md): two 32-byte headers, the arguments (a
// pointer is a u32 id), and one object entry per object in the selection (16-byte entry header,
// the present-field mask, the present fields each aligned to its natural alignment capped at 8,
// padded to 8). A pointer field is a u32 id; anything else its C size (embedded structs and arrays
// whole). Pruned: the call carries the upcall's read set, the reply its write set, each object once
// with only the selected fields. Everything reachable: call and reply both carry every field of
// every struct or union the parameters reach through pointers, each type once.
import type { IrFunction, IrProgram, IrSelection, IrStruct, IrType, IrUnion } from '../ir/types.js';

const HEADER = 32;
const ENTRY = 16;

export interface CallBytes {
  fn: string;
  pruned: number;
  full: number;
}

type Aggregate = IrStruct | IrUnion;
interface Member {
  name: string;
  type: IrType;
  size: number;
}

export function sampleCallBytes(ir: IrProgram, f: IrFunction): CallBytes {
  const decls = new Map<string, Aggregate>();
  const enums = new Map<string, number>();
  for (const t of ir.types) {
    if ((t.kind === 'struct' && t.complete) || t.kind === 'union') decls.set(t.name, t);
    else if (t.kind === 'enum') enums.set(t.name, t.size);
  }
  const resolve = (t: IrType): IrType => {
    let x = t;
    // Alias chains are finite (the checker rejects cycles); the loop is explicit all the same.
    while (x.kind === 'alias') x = x.target;
    return x;
  };
  const members = (a: Aggregate): Member[] =>
    a.kind === 'struct' ? a.fields.map((m) => ({ name: m.name, type: m.type, size: m.size })) : a.arms.map((arm) => ({ name: arm.field.name, type: arm.field.type, size: arm.field.size }));
  /** The struct or union a pointer leads to, if the IDL knows its fields. */
  const pointee = (t: IrType): Aggregate | undefined => {
    const r = resolve(t);
    if (r.kind !== 'pointer') return undefined;
    const to = resolve(r.to);
    return to.kind === 'struct' || to.kind === 'union' ? decls.get(to.name) : undefined;
  };
  const embedded = (t: IrType): Aggregate | undefined => {
    const r = resolve(t);
    return r.kind === 'struct' || r.kind === 'union' ? decls.get(r.name) : undefined;
  };
  const align = (t: IrType): number => {
    // Iterative over arrays of arrays; an aggregate carries its own alignment.
    let r = resolve(t);
    while (r.kind === 'array') r = resolve(r.of);
    if (r.kind === 'pointer') return 4;
    if (r.kind === 'int') return Math.max(1, r.bits / 8);
    if (r.kind === 'enum') return enums.get(r.name) ?? 4;
    if (r.kind === 'struct' || r.kind === 'union') return decls.get(r.name)?.align ?? 1;
    return 1;
  };
  const fieldBytes = (m: Member): { size: number; align: number } =>
    resolve(m.type).kind === 'pointer' ? { size: 4, align: 4 } : { size: Math.max(1, m.size), align: Math.min(8, align(m.type)) };
  const objectBytes = (a: Aggregate, present: Set<number>): number => {
    const all = members(a);
    let off = 0;
    all.forEach((m, i) => {
      if (!present.has(i)) return;
      const b = fieldBytes(m);
      off = Math.ceil(off / b.align) * b.align + b.size;
    });
    return ENTRY + 8 * Math.ceil(all.length / 64) + Math.ceil(off / 8) * 8;
  };

  // Arguments, packed in order; what they point to travels as objects.
  let args = 0;
  for (const p of f.params) {
    const r = resolve(p.type);
    const size = r.kind === 'pointer' ? 4 : r.kind === 'array' ? 4 : Math.max(1, fieldOrTypeSize(r));
    const a = r.kind === 'pointer' || r.kind === 'array' ? 4 : Math.min(8, align(r));
    args = Math.ceil(args / a) * a + size;
  }
  function fieldOrTypeSize(r: IrType): number {
    if (r.kind === 'int') return r.bits / 8;
    if (r.kind === 'bool' || r.kind === 'char') return 1;
    if (r.kind === 'enum') return enums.get(r.name) ?? 4;
    if (r.kind === 'struct' || r.kind === 'union') return decls.get(r.name)?.size ?? 0;
    return 0;
  }

  /** The objects one access list selects: type name to the indices of its present fields. */
  const selected = (accesses: IrFunction['reads']): number => {
    const objects = new Map<string, { decl: Aggregate; present: Set<number> }>();
    const work: { decl: Aggregate; select: IrSelection; object: Aggregate }[] = [];
    const objectOf = (decl: Aggregate): Set<number> => {
      let o = objects.get(decl.name);
      if (!o) objects.set(decl.name, (o = { decl, present: new Set() }));
      return o.present;
    };
    for (const acc of accesses) {
      const param = f.params[acc.index];
      const target = param ? pointee(param.type) : undefined;
      if (target) work.push({ decl: target, select: acc.select, object: target });
    }
    const deepSeen = new Set<string>();
    for (let w = 0; w < work.length; w++) {
      const { decl, select, object } = work[w]!;
      const present = objectOf(object);
      const all = members(decl);
      if (select.all !== 'none') {
        // An embedded aggregate (decl !== object) travels whole inside its container's field.
        if (decl === object) all.forEach((_, i) => present.add(i));
        if (select.all === 'deep') {
          if (deepSeen.has(decl.name)) continue;
          deepSeen.add(decl.name);
          for (const m of all) {
            const to = pointee(m.type);
            const emb = embedded(m.type);
            if (to) work.push({ decl: to, select: { all: 'deep', fields: [] }, object: to });
            else if (emb) work.push({ decl: emb, select: { all: 'deep', fields: [] }, object });
          }
        }
      }
      for (const sel of select.fields) {
        if (decl === object) present.add(sel.index);
        const m = all[sel.index];
        if (!m || !sel.select) continue;
        const to = pointee(m.type);
        const emb = embedded(m.type);
        if (to) work.push({ decl: to, select: sel.select, object: to });
        else if (emb) work.push({ decl: emb, select: sel.select, object });
      }
    }
    let n = 0;
    for (const o of objects.values()) if (o.present.size) n += objectBytes(o.decl, o.present);
    return n;
  };

  // Everything the pointer parameters reach, through pointers and embedded aggregates, each type once.
  const reach = new Map<string, Aggregate>();
  const seenEmbedded = new Set<string>();
  const queue: { decl: Aggregate; object: boolean }[] = [];
  for (const p of f.params) {
    const to = pointee(p.type);
    if (to) queue.push({ decl: to, object: true });
  }
  for (let q = 0; q < queue.length; q++) {
    const { decl, object } = queue[q]!;
    if (object) {
      if (reach.has(decl.name)) continue;
      reach.set(decl.name, decl);
    } else {
      if (seenEmbedded.has(decl.name)) continue;
      seenEmbedded.add(decl.name);
    }
    for (const m of members(decl)) {
      const to = pointee(m.type);
      const emb = embedded(m.type);
      if (to) queue.push({ decl: to, object: true });
      else if (emb) queue.push({ decl: emb, object: false });
    }
  }
  let everything = 0;
  for (const d of reach.values()) everything += objectBytes(d, new Set(members(d).map((_, i) => i)));
  return {
    fn: f.name,
    pruned: 2 * HEADER + args + selected(f.reads) + selected(f.writes),
    full: 2 * HEADER + args + 2 * everything,
  };
}
