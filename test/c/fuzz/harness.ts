// libFuzzer harnesses for the k-driver side of a generated module: the C file that feeds arbitrary
// bytes to the kernel-side unmarshaler of one interface, and a seed corpus of valid messages for
// it (made by the TypeScript runtime, which produces the same bytes as C).
//
// One harness per interface. Its input is a selector byte, then a message:
//
//   selector bits 0-5  which function of the interface (modulo their number: downcalls first,
//                      then upcalls)
//   selector bit 6     start this input on a fresh channel (ids from 1 again: reproducible, and
//                      what the upcall seeds assume); otherwise one channel is kept across inputs,
//                      so ids accumulate as they would in a long-running driver, and it is
//                      re-created every FUZZ_RESET_EVERY inputs so that memory stays bounded
//   selector bit 7     leave the header's payload length as the fuzzer wrote it (otherwise it is
//                      patched to the real length, so that most inputs get past the header)
//
// A downcall: the message is a call of the picked function (its interface and function ids are
// patched in when the message has a header), served by mdl_chan_serve() with no-op
// implementations that touch every pointer argument they get, so that ASan sees dangling or short
// buffers. An upcall: the harness calls the generated kernel-side stub with fresh heap objects,
// and the transport hands the message back as the reply (kind, ids and call id patched), so the
// reply decoder applies it to live kernel objects; afterwards the harness touches those objects'
// pointers (what their tracked fields point to included: they live for this input only, so a
// dangling one is the message's doing), forgets them (mdl_chan_forget) and frees them.
//
// Seeds: per function, a few whole messages, then one per field of each object parameter with
// only that field (changed) selected, whatever the access sets say (a count without its array, a
// discriminant without its union), and for pointer fields once more with the new object freed
// later in the same message. MDL_FUZZ_VERBOSE=1 prints how each input ended.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CTypes } from '../../../compiler/backends/c/ctypes.js';
import { buildPlan } from '../../../compiler/backends/ts/plan.js';
import type { IrCallback, IrField, IrFunction, IrInterface, IrProgram, IrStruct, IrType } from '../../../compiler/ir/types.js';
import { stubName } from '../../../idl/checker/c-names.js';
import { Codec, evalCount } from '../../../runtime/ts/codec.js';
import { ObjectTable } from '../../../runtime/ts/object-table.js';
import type { Plan, PlanExpr, PlanFunction, PlanType, PlanValue } from '../../../runtime/ts/plan.js';
import { WireWriter } from '../../../runtime/ts/wire-writer.js';

type StructPlan = Extract<PlanType, { kind: 'struct' }>;
type UnionPlan = Extract<PlanType, { kind: 'union' }>;

/** The value the harness gives integer arguments of upcalls (counts included). */
const INT_ARG = 4;
/** Selector bits (see the top of this file). */
export const SEL_FRESH = 0x40;
export const SEL_RAW_LENGTH = 0x80;
const SEL_FUNCTION = 0x3f;

export interface FuzzTarget {
  /** The module prefix of the generated C (the input module's name). */
  prefix: string;
  iface: IrInterface;
  downcalls: IrFunction[];
  upcalls: IrFunction[];
}

function inputModule(ir: IrProgram): { name: string; version: number } {
  const m = ir.modules.find((x) => x.input) ?? ir.modules[0];
  return m ? { name: m.name, version: m.version } : { name: 'mdl', version: 1 };
}

/** Every interface of the program with functions that cross, in IR order. */
export function fuzzTargets(ir: IrProgram): FuzzTarget[] {
  const prefix = inputModule(ir).name;
  return ir.interfaces
    .map((iface) => ({
      prefix,
      iface,
      downcalls: iface.functions.filter((f) => f.role === 'downcall'),
      upcalls: iface.functions.filter((f) => f.role === 'upcall'),
    }))
    .filter((t) => t.downcalls.length + t.upcalls.length > 0);
}

function targetOf(ir: IrProgram, ifaceName: string): FuzzTarget {
  const t = fuzzTargets(ir).find((x) => x.iface.name === ifaceName);
  if (!t) throw new Error(`interface ${ifaceName} has no crossing functions (or does not exist)`);
  if (t.downcalls.length + t.upcalls.length > SEL_FUNCTION + 1) throw new Error(`interface ${ifaceName}: more functions than the selector byte can pick`);
  return t;
}

/** The functions in selector order: downcalls, then upcalls. */
function selectorOrder(t: FuzzTarget): IrFunction[] {
  return [...t.downcalls, ...t.upcalls];
}

// ---- the shape of the kernel objects an upcall sends -------------------------------------------------
//
// What a k-driver's objects look like, mirrored by the C harness (fuzz_fill_*) and by the seed
// maker (kernelObject), which must issue ids in the same order: a [ref] pointer points to an
// object, and so does every tracked pointer of a top-level object (depth 0); a counted array whose
// count is a sibling field holds KERNEL_COUNT elements (the field says so), one with a constant
// count that many; strings are KERNEL_STRING; boxes point to a zeroed element; a union's
// discriminant selects an arm; other integers are 0; handles and callbacks are NULL unless [ref].

const KERNEL_COUNT = 2;
const KERNEL_STRING = 'k';

/** Fields that count a counted array of the struct by themselves (`[count(n)]`, n an integer field wide enough). */
function countSlots(sp: StructPlan): number[] {
  const out = new Set<number>();
  for (const f of sp.fields) {
    if (f.value.k !== 'counted' || typeof f.value.count !== 'object' || !('slot' in f.value.count)) continue;
    const slot = f.value.count.slot;
    const target = sp.fields[slot]?.value;
    if (target?.k === 'int' && target.bits >= 8 && (f.value.max === null || f.value.max >= KERNEL_COUNT)) out.add(slot);
  }
  return [...out];
}

/** The length a kernel object's counted array gets, or null for a NULL array. */
function countedLength(sp: StructPlan, v: Extract<PlanValue, { k: 'counted' }>): number | null {
  if (typeof v.count === 'number') return v.count >= 0 && (v.max === null || v.count <= v.max) ? v.count : null;
  if ('slot' in v.count && countSlots(sp).includes(v.count.slot) && (v.max === null || v.max >= KERNEL_COUNT)) return KERNEL_COUNT;
  return null;
}

// ---- the C harness ---------------------------------------------------------------------------------

class HarnessWriter {
  private readonly t: CTypes;
  private readonly plan: Plan;
  private readonly planTypes = new Map<number, PlanType>();
  private readonly structs: IrStruct[];
  private readonly prefix: string;

  constructor(private readonly ir: IrProgram) {
    this.t = new CTypes(ir);
    const m = inputModule(ir);
    this.prefix = m.name;
    this.plan = buildPlan(ir, m.name, m.version);
    for (const p of this.plan.types) this.planTypes.set(p.id, p);
    this.structs = ir.types.filter((d): d is IrStruct => d.kind === 'struct' && d.complete);
  }

  private structPlan(id: number): StructPlan {
    const p = this.planTypes.get(id);
    if (!p || p.kind !== 'struct') throw new Error(`type ${id} is not a struct`);
    return p;
  }

  private structName(id: number): string {
    const p = this.planTypes.get(id);
    if (!p) throw new Error(`no type ${id}`);
    return p.name;
  }

  private planFunction(iface: IrInterface, fn: IrFunction): PlanFunction {
    const pi = this.plan.interfaces.find((i) => i.id === iface.id)!;
    return pi.functions.find((f) => f.id === fn.id)!;
  }

  /** A count expression as C (s64), slots through `slot`; null when a slot is unknown. */
  private count(e: PlanExpr, slot: (i: number) => string | null): string | null {
    if (typeof e === 'number') return `${e}LL`;
    if ('slot' in e) {
      const v = slot(e.slot);
      return v === null ? null : `(s64)(${v})`;
    }
    if ('neg' in e) {
      const x = this.count(e.neg, slot);
      return x === null ? null : `(-${x})`;
    }
    const l = this.count(e.l, slot);
    const r = this.count(e.r, slot);
    if (l === null || r === null) return null;
    return e.op === '/' ? `(${r} ? ${l} / ${r} : -1LL)` : `(${l} ${e.op} ${r})`;
  }

  /** The discriminant value that selects a union's first arm, or null when 0 selects some arm. */
  private discriminant(unionId: number): bigint | null {
    const u = this.planTypes.get(unionId) as UnionPlan;
    if (u.arms.some((a) => a.isDefault || a.cases.includes(0n))) return null;
    const first = u.arms.find((a) => a.cases.length);
    return first ? first.cases[0]! : null;
  }

  private cLiteral(v: bigint, type: IrType): string {
    return `(${this.t.name(type)})${v < 0n ? `(${v}LL)` : `${v}ULL`}`;
  }

  /** The pointee of a pointer type, as C. */
  private pointee(type: IrType): IrType | null {
    const s = this.t.strip(type);
    return s.kind === 'pointer' ? s.to : null;
  }

  private isStruct(type: IrType | null): string | null {
    if (!type) return null;
    const s = this.t.strip(type);
    if (s.kind !== 'struct') return null;
    const d = this.t.decl(s.name);
    return d && d.kind === 'struct' && d.complete ? s.name : null;
  }

  // -- struct helpers: fill (make a kernel object the stubs can send) and touch (read its pointers)

  /**
   * Statements giving field f (plan v) of a kernel object the shape kernel objects have (see
   * objectShape): [ref] pointers set, arrays allocated with their counts, strings, locks.
   */
  private fillField(s: IrStruct, f: IrField, v: PlanValue, x: string): string[] {
    if (f.marshal.mode === 'combolock') return [`mdl_combolock_init(&${x});`];
    switch (v.k) {
      case 'tracked':
        return [
          `if (${v.nonNull ? '1' : 'depth == 0'})`,
          `\t${x} = (${this.t.name(f.type)})(uintptr_t)fuzz_new_${this.structName(v.type)}(depth + 1);`,
        ];
      case 'opaque':
      case 'ops':
        return v.nonNull ? [`${x} = (${this.t.name(f.type)})(uintptr_t)&fuzz_dummy;`] : [];
      case 'callback':
        return v.nonNull ? [`${x} = fuzz_cb_${this.structName(v.type)};`] : [];
      case 'string':
        return [`${x} = fuzz_strdup("${KERNEL_STRING}");`];
      case 'box':
        return [`${x} = fuzz_alloc(sizeof(*${x}));`, ...this.fillValue(v.of, this.pointee(f.type), `(*${x})`)];
      case 'counted': {
        const n = countedLength(this.structPlan(s.id), v);
        if (n === null) return [];
        const inner = this.fillValue(v.of, this.pointee(f.type), `${x}[k]`);
        return [
          `${x} = fuzz_alloc(${n} * sizeof(*${x}));`,
          ...(inner.length ? [`for (u32 k = 0; k < ${n}; k++) {`, ...inner.map((l) => '\t' + l), '}'] : []),
        ];
      }
      case 'embed':
        return [`fuzz_fill_${this.structName(v.type)}(&${x}, depth);`];
      case 'array': {
        const inner = this.fillValue(v.of, this.elem(f.type), `${x}[k]`);
        return inner.length ? [`for (u32 k = 0; k < ${v.length}; k++) {`, ...inner.map((l) => '\t' + l), '}'] : [];
      }
      default:
        return [];
    }
  }

  private elem(type: IrType): IrType | null {
    const s = this.t.strip(type);
    return s.kind === 'array' ? s.of : s.kind === 'pointer' ? s.to : null;
  }

  /** Statements making a value (an element, a boxed value) sendable. */
  private fillValue(v: PlanValue, type: IrType | null, x: string): string[] {
    if (v.k === 'embed') return [`fuzz_fill_${this.structName(v.type)}(&${x}, depth);`];
    if (v.k === 'array' && type) {
      const inner = this.fillValue(v.of, this.elem(type), `${x}[k${x.length}]`);
      return inner.length ? [`for (u32 k${x.length} = 0; k${x.length} < ${v.length}; k${x.length}++) {`, ...inner.map((l) => '\t' + l), '}'] : [];
    }
    return [];
  }

  private fillStruct(s: IrStruct): string[] {
    const sp = this.structPlan(s.id);
    const body: string[] = [];
    // Counts first: the arrays they count are allocated with that many elements.
    for (const i of countSlots(sp)) body.push(`o->${s.fields[i]!.name} = ${KERNEL_COUNT};`);
    s.fields.forEach((f, i) => {
      const v = sp.fields[i]!.value;
      body.push(...this.fillField(s, f, v, `o->${f.name}`));
      if (v.k === 'union' && v.switchOn >= 0) {
        const d = this.discriminant(v.type);
        const disc = s.fields[v.switchOn];
        if (d !== null && disc) body.push(`o->${disc.name} = ${this.cLiteral(d, disc.type)};`);
      }
    });
    return [
      `static MDL_UNUSED void fuzz_fill_${s.name}(struct ${s.name} *o, int depth)`,
      '{',
      '\t(void)o;',
      '\t(void)depth;',
      ...body.map((l) => '\t' + l),
      '}',
    ];
  }

  /** Statements reading what field f points to (one level: a tracked pointee, not its pointees). */
  private touchField(s: IrStruct, f: IrField, v: PlanValue, x: string): string[] {
    switch (v.k) {
      case 'tracked':
        // Only the objects an upcall made (fuzz_links): a shadow may point to another shadow
        // the peer frees in a later message, which no decoder can prevent (see the report).
        return [`if (fuzz_links)`, `\tfuzz_touch((const void *)(uintptr_t)${x}, sizeof(struct ${this.structName(v.type)}));`];
      case 'string':
        return [`if (${x})`, `\tfuzz_sink ^= (u8)strlen(${x});`];
      case 'array':
        if (v.string) return [`fuzz_sink ^= (u8)strlen(${x});`];
        if (v.of.k === 'embed') return [`for (u32 k = 0; k < ${v.length}; k++)`, `\tfuzz_fields_${this.structName(v.of.type)}(&${x}[k]);`];
        return [];
      case 'box':
        return [`if (${x})`, `\tfuzz_touch(${x}, sizeof(*${x}));`];
      case 'counted': {
        const c = this.count(v.count, (i) => (s.fields[i] ? `o->${s.fields[i]!.name}` : null));
        if (!c) return [`if (${x})`, `\tfuzz_touch(${x}, sizeof(*${x}));`];
        return ['{', `\ts64 n = ${c};`, '', `\tif (${x} && n > 0)`, `\t\tfuzz_touch(${x}, (size_t)n * sizeof(*${x}));`, '}'];
      }
      case 'embed':
        return [`fuzz_fields_${this.structName(v.type)}(&${x});`];
      default:
        // opaque and ops handles, callbacks: never dereferenced; interior pointers may point
        // one past the end of their array; container pointers point into a struct touched whole.
        return [];
    }
  }

  private touchStruct(s: IrStruct): string[] {
    const sp = this.structPlan(s.id);
    const body = s.fields.flatMap((f, i) => this.touchField(s, f, sp.fields[i]!.value, `o->${f.name}`));
    return [
      `static MDL_UNUSED void fuzz_fields_${s.name}(const struct ${s.name} *o)`,
      '{',
      '\t(void)o;',
      ...body.map((l) => '\t' + l),
      '}',
      '',
      `static MDL_UNUSED void fuzz_touch_${s.name}(const struct ${s.name} *o)`,
      '{',
      '\tif (!o)',
      '\t\treturn;',
      '\tfuzz_touch(o, sizeof(*o));',
      `\tfuzz_fields_${s.name}(o);`,
      '}',
      '',
      `static MDL_UNUSED struct ${s.name} *fuzz_new_${s.name}(int depth)`,
      '{',
      `\tstruct ${s.name} *o;`,
      '',
      '\tif (depth > 4)',
      '\t\treturn NULL;',
      `\to = calloc(1, sizeof(*o));`,
      '\tif (!o)',
      '\t\tabort();',
      `\tfuzz_own(o, ${s.id}u);`,
      `\tfuzz_fill_${s.name}(o, depth);`,
      '\treturn o;',
      '}',
    ];
  }

  // -- callbacks the harness can hand out (kernel functions of each callback type)

  private callbackFunction(cb: IrCallback): string[] {
    const ps = cb.params.map((p, i) => this.t.declare(p.type, `c${i}`));
    const ret = this.t.strip(cb.returns.type).kind === 'void' ? null : this.t.name(cb.returns.type);
    return [
      `static MDL_UNUSED ${ret ?? 'void'} fuzz_cb_${cb.name}(${ps.length ? ps.join(', ') : 'void'})`,
      '{',
      ...cb.params.map((_, i) => `\t(void)c${i};`),
      ...(ret ? [`\t${ret} r;`, '', '\tmemset(&r, 0, sizeof(r));', '\treturn r;'] : []),
      '}',
    ];
  }

  // -- downcalls: the implementations this side serves

  private impl(iface: IrInterface, fn: IrFunction): string[] {
    const pf = this.planFunction(iface, fn);
    const name = (i: number): string => `a${i}`;
    const slot = (i: number): string | null => (fn.params[i] ? name(i) : null);
    const body: string[] = [];
    fn.params.forEach((p, i) => {
      const v = pf.params[i]!.value;
      const x = name(i);
      const out = p.direction !== 'in';
      switch (v.k) {
        case 'tracked':
          body.push(`fuzz_touch_${this.structName(v.type)}((const struct ${this.structName(v.type)} *)(uintptr_t)${x});`);
          break;
        case 'container':
          body.push(`fuzz_touch(${x}, sizeof(*${x}));`);
          break;
        case 'string':
          body.push(`if (${x})`, `\tfuzz_sink ^= (u8)strlen(${x});`);
          // An [out] string has room for its max and the NUL: the implementation may fill it.
          if (out) body.push(`if (${x})`, `\tfuzz_poke(${x}, (size_t)${v.max ?? 'MDL_STRING_MAX_DEFAULT'} + 1);`);
          break;
        case 'box':
          body.push(`${out ? 'fuzz_poke' : 'fuzz_touch'}(${x}, sizeof(*${x}));`);
          break;
        case 'counted': {
          const c = this.count(v.count, slot);
          body.push('{', `\ts64 n = ${c ?? '1LL'};`, '', `\tif (${x} && n > 0)`, `\t\t${out ? 'fuzz_poke' : 'fuzz_touch'}((void *)(uintptr_t)${x}, (size_t)n * sizeof(*${x}));`, '}');
          break;
        }
        case 'array':
          body.push(`${out ? 'fuzz_poke' : 'fuzz_touch'}((void *)(uintptr_t)${x}, ${v.length} * sizeof(*${x}));`);
          break;
        default:
          body.push(`(void)${x};`);
      }
    });
    const ret = this.t.strip(fn.returns.type).kind === 'void' ? null : this.t.name(fn.returns.type);
    if (ret) body.push(`{`, `\t${ret} r;`, '', '\tmemset(&r, 0, sizeof(r));', '\treturn r;', '}');
    const ps = fn.params.map((p, i) => this.t.declare(p.type, name(i)));
    return [`static ${ret ?? 'void'} fuzz_impl_${iface.name}_${fn.name}(${ps.length ? ps.join(', ') : 'void'})`, '{', ...body.map((l) => '\t' + l), '}'];
  }

  // -- upcalls: call the stub with fresh arguments

  private upcall(iface: IrInterface, fn: IrFunction, index: number): string[] {
    const pf = this.planFunction(iface, fn);
    const name = (i: number): string => `a${i}`;
    const decls: string[] = [];
    const first: string[] = [];
    const counted: string[] = [];
    const after: string[] = [];
    // Discriminants of union arguments select the union's first arm.
    const discs = new Map<number, bigint>();
    pf.params.forEach((pp) => {
      if (pp.value.k === 'union' && pp.value.switchOn >= 0) {
        const d = this.discriminant(pp.value.type);
        if (d !== null) discs.set(pp.value.switchOn, d);
      }
    });
    fn.params.forEach((p, i) => {
      const v = pf.params[i]!.value;
      const x = name(i);
      const ct = this.t.name(p.type);
      const st = this.t.strip(p.type);
      decls.push(`${this.t.declare(st.kind === 'array' ? st : p.type, x)};`);
      if (st.kind !== 'array') first.push(`memset(&${x}, 0, sizeof(${x}));`);
      switch (v.k) {
        case 'int':
          first.push(`${x} = ${discs.has(i) ? this.cLiteral(discs.get(i)!, p.type) : `(${ct})${INT_ARG}`};`);
          break;
        case 'bool':
          first.push(`${x} = true;`);
          break;
        case 'char':
          first.push(`${x} = 'f';`);
          break;
        case 'tracked':
          first.push(`${x} = (${ct})(uintptr_t)fuzz_new_${this.structName(v.type)}(0);`);
          break;
        case 'container': {
          const outer = this.structName(v.type);
          const names: string[] = [];
          let t = v.type;
          for (const i of v.path) {
            const f = this.structPlan(t).fields[i]!;
            names.push(f.name);
            if (f.value.k === 'embed') t = f.value.type;
          }
          const field = names.join('.');
          first.push('{', `\tstruct ${outer} *c = fuzz_new_${outer}(0);`, '', `\t${x} = c ? &c->${field} : NULL;`, '}');
          break;
        }
        case 'opaque':
        case 'ops':
          if (v.nonNull) first.push(`${x} = (${ct})(uintptr_t)&fuzz_dummy;`);
          break;
        case 'callback':
          first.push(`${x} = fuzz_cb_${this.structName(v.type)};`);
          break;
        case 'string':
          if (p.direction === 'out') first.push(`${x} = fuzz_alloc((size_t)${v.max ?? 'MDL_STRING_MAX_DEFAULT'} + 1);`);
          else first.push(`${x} = fuzz_strdup("fuzz");`);
          after.push(`if (${x})`, `\tfuzz_sink ^= (u8)strlen(${x});`);
          break;
        case 'box': {
          const et = this.pointee(p.type);
          first.push(`${x} = fuzz_alloc(sizeof(*${x}));`);
          if (this.isStruct(et)) first.push(`fuzz_fill_${this.isStruct(et)}((void *)(uintptr_t)${x}, 0);`);
          after.push(`fuzz_touch(${x}, sizeof(*${x}));`);
          break;
        }
        case 'counted': {
          const c = this.count(v.count, (k) => (fn.params[k] ? name(k) : null)) ?? '1LL';
          const n = `n${i}`;
          decls.push(`s64 ${n};`);
          counted.push(`${n} = ${c};`, `${x} = fuzz_alloc((size_t)(${n} > 0 ? ${n} : 1) * sizeof(*${x}));`);
          const et = this.pointee(p.type);
          if (this.isStruct(et)) counted.push(`for (s64 k = 0; k < ${n}; k++)`, `\tfuzz_fill_${this.isStruct(et)}((void *)(uintptr_t)&${x}[k], 0);`);
          after.push(`if (${n} > 0)`, `\tfuzz_touch(${x}, (size_t)${n} * sizeof(*${x}));`);
          break;
        }
        case 'array':
          first.push(`memset(${x}, 0, sizeof(${x}));`);
          if (v.of.k === 'embed') first.push(`for (u32 k = 0; k < ${v.length}; k++)`, `\tfuzz_fill_${this.structName(v.of.type)}(&${x}[k], 0);`);
          break;
        case 'embed':
          first.push(`fuzz_fill_${this.structName(v.type)}(&${x}, 0);`);
          break;
        default:
          // union by value (zeroed: its first arm's discriminant is set above), interior (NULL)
          break;
      }
    });
    const stub = stubName(this.prefix, iface.name, fn.name);
    const args = fn.params.map((_, i) => name(i)).join(', ');
    const rp = pf.returns;
    const keeps = rp && (rp.k === 'string' || rp.k === 'counted' || rp.k === 'box');
    const ret = this.t.strip(fn.returns.type).kind === 'void' ? null : this.t.name(fn.returns.type);
    const callLines = keeps && ret ? ['{', `\t${ret} r = ${stub}(${args});`, '', '\tmdl_release((void *)(uintptr_t)r);', '}'] : [`${ret ? '(void)' : ''}${stub}(${args});`];
    return [
      `/* ${index}: upcall ${iface.name}.${fn.name} */`,
      `static void fuzz_upcall_${index}(void)`,
      '{',
      ...decls.map((l) => '\t' + l),
      '',
      ...[...first, ...counted].map((l) => '\t' + l),
      '\tfuzz_reply_pending = true;',
      ...callLines.map((l) => '\t' + l),
      '\tfuzz_reply_pending = false;',
      ...after.map((l) => '\t' + l),
      '}',
    ];
  }

  harness(ifaceName: string): string {
    const target = targetOf(this.ir, ifaceName);
    const p = this.prefix;
    const order = selectorOrder(target);
    const allDown = this.ir.interfaces.flatMap((i) => i.functions.filter((f) => f.role === 'downcall').map((f) => ({ iface: i, fn: f })));
    const callbacks = this.ir.types.filter((d): d is IrCallback => d.kind === 'callback');
    const out: string[] = [
      `/* Generated by test/c/fuzz/harness.ts: libFuzzer harness of interface ${target.iface.name} of module ${p} (k-driver side). */`,
      '#include <stdint.h>',
      '#include <stdio.h>',
      '#include <stdlib.h>',
      '#include <string.h>',
      `#include "${p}.h"`,
      '',
      '/* Smaller than the 1 MiB default: every message buffer is this big, and inputs are far smaller. */',
      '#define FUZZ_MAX_PAYLOAD (64u * 1024u)',
      '#define FUZZ_RESET_EVERY 500u',
      `#define FUZZ_NFUNCTIONS ${order.length}u`,
      '',
      'static struct mdl_chan fuzz_chan;',
      'static bool fuzz_open;',
      'static unsigned fuzz_inputs, fuzz_reset_every = FUZZ_RESET_EVERY;',
      'static bool fuzz_verbose;',
      'static volatile u8 fuzz_sink;',
      '/* Touch what tracked fields point to (the objects an upcall made: they live for one input). */',
      'static bool fuzz_links;',
      'static MDL_UNUSED u8 fuzz_dummy;',
      '',
      '/* The reply an upcall stub receives: the fuzz input, patched to answer the call it sent. */',
      'static const u8 *fuzz_reply;',
      'static size_t fuzz_reply_len;',
      'static bool fuzz_reply_pending, fuzz_fix_length;',
      'static u32 fuzz_call_iface, fuzz_call_fn, fuzz_call_id;',
      '',
      '/* What one input allocated: kernel objects (type id) and plain buffers (0). */',
      'struct fuzz_alloc { void *p; u32 type; };',
      'static struct fuzz_alloc *fuzz_allocs;',
      'static size_t fuzz_nallocs, fuzz_allocs_cap;',
      '',
      'static void fuzz_own(void *p, u32 type)',
      '{',
      '\tif (fuzz_nallocs == fuzz_allocs_cap) {',
      '\t\tfuzz_allocs_cap = fuzz_allocs_cap ? fuzz_allocs_cap * 2 : 32;',
      '\t\tfuzz_allocs = realloc(fuzz_allocs, fuzz_allocs_cap * sizeof(*fuzz_allocs));',
      '\t\tif (!fuzz_allocs)',
      '\t\t\tabort();',
      '\t}',
      '\tfuzz_allocs[fuzz_nallocs].p = p;',
      '\tfuzz_allocs[fuzz_nallocs].type = type;',
      '\tfuzz_nallocs++;',
      '}',
      '',
      'static void *fuzz_alloc(size_t n)',
      '{',
      '\tvoid *p = calloc(1, n ? n : 1);',
      '',
      '\tif (!p)',
      '\t\tabort();',
      '\tfuzz_own(p, 0);',
      '\treturn p;',
      '}',
      '',
      'static MDL_UNUSED char *fuzz_strdup(const char *s)',
      '{',
      '\tchar *p = fuzz_alloc(strlen(s) + 1);',
      '',
      '\tmemcpy(p, s, strlen(s) + 1);',
      '\treturn p;',
      '}',
      '',
      '/* Reads the first and last byte: ASan reports a pointer that dangles or a buffer too short. */',
      'static MDL_UNUSED void fuzz_touch(const void *p, size_t n)',
      '{',
      '\tif (!p || !n)',
      '\t\treturn;',
      '\tfuzz_sink ^= ((const volatile u8 *)p)[0];',
      '\tfuzz_sink ^= ((const volatile u8 *)p)[n - 1];',
      '}',
      '',
      '/* Writes them (with their own values): an [out] buffer the implementation fills. */',
      'static MDL_UNUSED void fuzz_poke(void *p, size_t n)',
      '{',
      '\tvolatile u8 *b = p;',
      '',
      '\tif (!p || !n)',
      '\t\treturn;',
      '\tb[0] = b[0];',
      '\tb[n - 1] = b[n - 1];',
      '}',
      '',
    ];
    for (const cb of callbacks) out.push(...this.callbackFunction(cb), '');
    for (const s of this.structs) out.push(`static void fuzz_fill_${s.name}(struct ${s.name} *o, int depth);`, `static void fuzz_fields_${s.name}(const struct ${s.name} *o);`);
    out.push('');
    for (const s of this.structs) out.push(...this.touchStruct(s), '');
    for (const s of this.structs) out.push(...this.fillStruct(s), '');
    // Every downcall of the program gets an implementation (the channel serves all of them).
    for (const { iface, fn } of allDown) out.push(...this.impl(iface, fn), '');
    const withDown = this.ir.interfaces.filter((i) => i.functions.some((f) => f.role === 'downcall'));
    for (const iface of withDown) {
      out.push(`static const struct ${iface.name} fuzz_${iface.name}_impl = {`);
      for (const f of iface.functions.filter((x) => x.role === 'downcall')) out.push(`\t.${f.name} = fuzz_impl_${iface.name}_${f.name},`);
      out.push('};', '');
    }
    out.push(`static const struct ${p}_impls fuzz_impls = {`, ...withDown.map((i) => `\t.${i.name} = &fuzz_${i.name}_impl,`), '};', '');
    order.forEach((fn, i) => {
      if (fn.role === 'upcall') out.push(...this.upcall(target.iface, fn, i), '');
    });
    const ids = order.map((fn) => `\t{ ${target.iface.id}u, ${fn.id}u, ${fn.role === 'upcall' ? `fuzz_upcall_${order.indexOf(fn)}` : 'NULL'} },\t/* ${fn.role} ${fn.name} */`);
    out.push(
      'static const struct { u32 iface, fn; void (*upcall)(void); } fuzz_functions[FUZZ_NFUNCTIONS] = {',
      ...ids,
      '};',
      '',
      '/* Sends: checked (the length is what the header says, within the limit) and dropped. */',
      'static int fuzz_send(struct mdl_transport *t, const void *msg, size_t len)',
      '{',
      '\tconst u8 *b = msg;',
      '',
      '\t(void)t;',
      '\tif (len < MDL_HEADER_SIZE || len > (size_t)FUZZ_MAX_PAYLOAD + MDL_HEADER_SIZE ||',
      '\t    mdl_load_le32(b + MDL_HEADER_PAYLOAD_LENGTH_AT) != len - MDL_HEADER_SIZE ||',
      '\t    mdl_load_le32(b) != MDL_MAGIC) {',
      '\t\tfprintf(stderr, "fuzz: the channel sent a malformed message of %zu bytes\\n", len);',
      '\t\tabort();',
      '\t}',
      '\tif (fuzz_verbose && b[8] == MDL_KIND_ERROR && len >= MDL_HEADER_SIZE + 8)',
      '\t\tfprintf(stderr, "fuzz: error reply %u: %.*s\\n", mdl_load_le32(b + 32), (int)(len - MDL_HEADER_SIZE - 8), (const char *)b + 40);',
      '\tif (b[8] == MDL_KIND_CALL) {',
      '\t\tfuzz_call_iface = mdl_load_le32(b + 12);',
      '\t\tfuzz_call_fn = mdl_load_le32(b + 16);',
      '\t\tfuzz_call_id = mdl_load_le32(b + 20);',
      '\t}',
      '\treturn 0;',
      '}',
      '',
      '/* Receives: the fuzz input as the reply to the call just sent (once per call), else the peer is gone. */',
      'static long fuzz_recv(struct mdl_transport *t, void *buf, size_t cap)',
      '{',
      '\tu8 *b = buf;',
      '\tsize_t n = fuzz_reply_len;',
      '',
      '\t(void)t;',
      '\tif (!fuzz_reply_pending)',
      '\t\treturn -ESHUTDOWN;',
      '\tfuzz_reply_pending = false;',
      '\tif (n > cap)',
      '\t\treturn -EMSGSIZE;',
      '\tif (n)',
      '\t\tmemcpy(b, fuzz_reply, n);',
      '\tif (n >= 24) {',
      '\t\tb[8] = MDL_KIND_REPLY;',
      '\t\tmdl_store_le32(b + 12, fuzz_call_iface);',
      '\t\tmdl_store_le32(b + 16, fuzz_call_fn);',
      '\t\tmdl_store_le32(b + 20, fuzz_call_id);',
      '\t}',
      '\tif (n >= MDL_HEADER_SIZE && fuzz_fix_length)',
      '\t\tmdl_store_le32(b + MDL_HEADER_PAYLOAD_LENGTH_AT, (u32)(n - MDL_HEADER_SIZE));',
      '\treturn (long)n;',
      '}',
      '',
      'static struct mdl_transport fuzz_transport = { fuzz_send, fuzz_recv };',
      '',
      'static void fuzz_reopen(void)',
      '{',
      '\tif (fuzz_open)',
      `\t\t${p}_kernel_close(&fuzz_chan);`,
      `\tif (${p}_kernel_open(&fuzz_chan, &fuzz_transport, FUZZ_MAX_PAYLOAD, &fuzz_impls))`,
      '\t\tabort();',
      '\tfuzz_open = true;',
      '\tfuzz_inputs = 0;',
      '}',
      '',
      '/* Touches the objects an upcall used (what the reply applied), forgets and frees them. */',
      'static void fuzz_release(void)',
      '{',
      '\tsize_t i;',
      '',
      '\tfuzz_links = true;',
      '\tfor (i = 0; i < fuzz_nallocs; i++) {',
      '\t\tswitch (fuzz_allocs[i].type) {',
      ...this.structs.map((s) => `\t\tcase ${s.id}u:\n\t\t\tfuzz_touch_${s.name}(fuzz_allocs[i].p);\n\t\t\tbreak;`),
      '\t\tdefault:',
      '\t\t\tbreak;',
      '\t\t}',
      '\t}',
      '\tfuzz_links = false;',
      '\tfor (i = 0; i < fuzz_nallocs; i++) {',
      '\t\tif (fuzz_allocs[i].type)',
      '\t\t\tmdl_chan_forget(&fuzz_chan, fuzz_allocs[i].p, fuzz_allocs[i].type);',
      '\t\tfree(fuzz_allocs[i].p);',
      '\t}',
      '\tfuzz_nallocs = 0;',
      '}',
      '',
      'int LLVMFuzzerInitialize(int *argc, char ***argv)',
      '{',
      '\tconst char *every = getenv("MDL_FUZZ_RESET_EVERY");',
      '',
      '\t(void)argc;',
      '\t(void)argv;',
      '\t/* MDL_FUZZ_RESET_EVERY=1: a fresh channel for every input (to reproduce a finding alone). */',
      '\tif (every && atoi(every) > 0)',
      '\t\tfuzz_reset_every = (unsigned)atoi(every);',
      '\t/* MDL_FUZZ_VERBOSE=1: how each input ended (0: decoded and applied), to check the seeds. */',
      '\tfuzz_verbose = getenv("MDL_FUZZ_VERBOSE") != NULL;',
      '\treturn 0;',
      '}',
      '',
      'int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)',
      '{',
      '\tunsigned sel;',
      '\tsize_t len;',
      '\tu8 *msg;',
      '\tint rc;',
      '',
      '\tif (!size)',
      '\t\treturn 0;',
      '#ifdef FUZZ_PLANTED_BUG',
      '\t/* The test\'s self-check: "BUG!" after the selector overflows a heap buffer. */',
      '\tif (size >= 5 && !memcmp(data + 1, "BUG!", 4)) {',
      '\t\tvolatile char *bug = malloc(4);',
      '',
      '\t\tbug[4] = 1;',
      '\t\tfree((void *)bug);',
      '\t}',
      '#endif',
      '\tsel = data[0];',
      `\tif (!fuzz_open || (sel & 0x${SEL_FRESH.toString(16)}) || ++fuzz_inputs >= fuzz_reset_every)`,
      '\t\tfuzz_reopen();',
      `\tfuzz_fix_length = !(sel & 0x${SEL_RAW_LENGTH.toString(16)});`,
      `\tsel = (sel & 0x${SEL_FUNCTION.toString(16)}) % FUZZ_NFUNCTIONS;`,
      '\tlen = size - 1;',
      '\t/* A copy of exactly the message: ASan sees any read past its end. */',
      '\tmsg = malloc(len ? len : 1);',
      '\tif (!msg)',
      '\t\tabort();',
      '\tif (len)',
      '\t\tmemcpy(msg, data + 1, len);',
      '\tif (fuzz_functions[sel].upcall) {',
      '\t\tfuzz_reply = msg;',
      '\t\tfuzz_reply_len = len;',
      '\t\tfuzz_chan.last_error = 0;',
      '\t\tfuzz_functions[sel].upcall();',
      '\t\tif (fuzz_verbose)',
      '\t\t\tfprintf(stderr, "fuzz: upcall %u: %d\\n", sel, fuzz_chan.last_error);',
      '\t\tfuzz_release();',
      '\t} else {',
      '\t\tif (len >= MDL_HEADER_SIZE) {',
      '\t\t\tmdl_store_le32(msg + 12, fuzz_functions[sel].iface);',
      '\t\t\tmdl_store_le32(msg + 16, fuzz_functions[sel].fn);',
      '\t\t\tif (fuzz_fix_length)',
      '\t\t\t\tmdl_store_le32(msg + MDL_HEADER_PAYLOAD_LENGTH_AT, (u32)(len - MDL_HEADER_SIZE));',
      '\t\t}',
      '\t\trc = mdl_chan_serve(&fuzz_chan, msg, len);',
      '\t\tif (fuzz_verbose)',
      '\t\t\tfprintf(stderr, "fuzz: downcall %u: %d\\n", sel, rc);',
      '\t\tif (rc > 0 || rc < -4095) {',
      '\t\t\tfprintf(stderr, "fuzz: mdl_chan_serve returned %d\\n", rc);',
      '\t\t\tabort();',
      '\t\t}',
      '\t}',
      '\tfree(msg);',
      '\treturn 0;',
      '}',
      '',
    );
    return out.join('\n');
  }
}

/** The C source of the harness of one interface (include the generated `<m>.h`). */
export function harnessC(ir: IrProgram, ifaceName: string): string {
  return new HarnessWriter(ir).harness(ifaceName);
}

// ---- seeds ------------------------------------------------------------------------------------------

type Obj = Record<string, unknown>;

/** Makes plain JS values of plan values: what the TypeScript runtime encodes. */
class Values {
  private readonly types = new Map<number, PlanType>();

  constructor(
    private readonly plan: Plan,
    /** 0: like the C harness's kernel objects (zeros, the first union arm); 1, 2: richer. */
    private readonly variant: number,
  ) {
    for (const t of plan.types) this.types.set(t.id, t);
  }

  private int(bits: number): number | bigint {
    const n = this.variant === 0 ? 0 : this.variant + 1;
    return bits > 32 ? BigInt(n) : n;
  }

  private armOf(unionId: number): { index: number } {
    const u = this.types.get(unionId) as UnionPlan;
    return { index: this.variant % u.arms.length };
  }

  /** Values of a sibling list (fields or parameters): scalars, then arrays sized by their counts. */
  list(plans: { value: PlanValue; dir?: string }[], depth: number, intValue?: number): unknown[] {
    const vals: unknown[] = plans.map(() => undefined);
    plans.forEach((p, i) => {
      if (p.value.k === 'counted') return;
      vals[i] = this.value(p.value, depth, vals, intValue);
    });
    // Discriminants agree with their unions' arms.
    plans.forEach((p, i) => {
      if (p.value.k !== 'union' || p.value.switchOn < 0) return;
      const u = this.types.get(p.value.type) as UnionPlan;
      const arm = u.arms.findIndex((a) => a.field.name === (vals[i] as { arm: string }).arm);
      const a = u.arms[arm]!;
      const disc = a.cases[0] ?? this.notACase(u);
      const cur = vals[p.value.switchOn];
      vals[p.value.switchOn] = typeof cur === 'bigint' ? disc : Number(disc);
    });
    plans.forEach((p, i) => {
      if (p.value.k !== 'counted') return;
      const n = evalCount(p.value.count, vals);
      if (n === null || n < 0 || (p.value.max !== null && n > p.value.max)) {
        vals[i] = null;
        return;
      }
      const of = p.value.of;
      vals[i] = Array.from({ length: n }, () => this.value(of, depth + 1, []));
    });
    return vals;
  }

  /** A discriminant value no case names (selects the default arm). */
  private notACase(u: UnionPlan): bigint {
    const all = new Set(u.arms.flatMap((a) => a.cases));
    let d = 0n;
    while (all.has(d)) d++;
    return d;
  }

  value(v: PlanValue, depth: number, siblings: unknown[], intValue?: number): unknown {
    switch (v.k) {
      case 'skip':
        return undefined;
      case 'int':
        return intValue !== undefined ? (v.bits > 32 ? BigInt(intValue) : intValue) : this.int(v.bits);
      case 'bool':
        return this.variant % 2 === 1;
      case 'char':
        return 0x66;
      case 'array':
        if (v.string) return this.variant === 0 ? '' : 'eth0'.slice(0, Math.max(0, v.length - 1));
        return Array.from({ length: v.length }, () => this.value(v.of, depth + 1, []));
      case 'embed':
        return this.object(v.type, depth + 1);
      case 'union': {
        const u = this.types.get(v.type) as UnionPlan;
        const { index } = this.armOf(v.type);
        const a = u.arms[index]!;
        return { arm: a.field.name, value: this.value(a.field.value, depth + 1, siblings) };
      }
      case 'tracked':
        if (v.nonNull || (this.variant > 0 && depth < 2)) return depth < 4 ? this.object(v.type, depth + 1) : null;
        return null;
      case 'ops':
      case 'opaque':
        return v.nonNull || this.variant > 0 ? { handle: depth } : null;
      case 'callback':
        return v.nonNull || this.variant > 0 ? () => 0 : null;
      case 'string':
        return v.nonNull || this.variant > 0 ? 'fuzz'.slice(0, v.max ?? 4) : null;
      case 'box':
        return v.nonNull || this.variant > 0 ? { value: this.value(v.of, depth + 1, siblings) } : null;
      case 'counted':
        return null; // sized by list()
      case 'interior':
      case 'container':
        if (v.nonNull) throw new Error('no seed for a [ref] interior or container pointer');
        return null;
    }
  }

  object(typeId: number, depth: number): Obj {
    const t = this.types.get(typeId);
    if (!t || t.kind !== 'struct') throw new Error(`type ${typeId} is not a struct`);
    const vals = this.list(t.fields, depth);
    const o: Obj = {};
    t.fields.forEach((f, i) => {
      if (f.value.k !== 'skip') o[f.name] = vals[i] ?? null;
    });
    return o;
  }

  /** Fills the fields a shadow lacks (the call did not carry them) so a reply can write them. */
  complete(o: Obj, typeId: number, seen = new Set<Obj>()): void {
    const t = this.types.get(typeId);
    if (!t || t.kind !== 'struct' || seen.has(o)) return;
    seen.add(o);
    const missing = t.fields.some((f) => f.value.k !== 'skip' && o[f.name] === undefined);
    if (missing) {
      const fresh = this.object(typeId, 3);
      for (const f of t.fields) if (f.value.k !== 'skip' && o[f.name] === undefined) o[f.name] = fresh[f.name];
    }
    t.fields.forEach((f) => {
      if (f.value.k === 'tracked' && o[f.name]) this.complete(o[f.name] as Obj, f.value.type, seen);
    });
  }
}


/** The kernel objects and upcall arguments of the C harness, as JS values (see objectShape above). */
class KernelShape {
  private readonly types = new Map<number, PlanType>();

  constructor(plan: Plan) {
    for (const t of plan.types) this.types.set(t.id, t);
  }

  /** The discriminant the harness gives a union's switch (0 when 0 selects some arm). */
  private disc(unionId: number): bigint {
    const u = this.types.get(unionId) as UnionPlan;
    if (u.arms.some((a) => a.isDefault || a.cases.includes(0n))) return 0n;
    return u.arms.find((a) => a.cases.length)?.cases[0] ?? 0n;
  }

  private union(unionId: number, disc: bigint, depth: number): unknown {
    const u = this.types.get(unionId) as UnionPlan;
    const arm = u.arms.find((a) => a.cases.includes(disc)) ?? u.arms.find((a) => a.isDefault);
    return arm ? { arm: arm.field.name, value: this.zero(arm.field.value, depth) } : null;
  }

  /** A zeroed value (arrays and embedded structs as fuzz_fill_* leaves them). */
  zero(v: PlanValue, depth: number): unknown {
    switch (v.k) {
      case 'int':
        return v.bits > 32 ? 0n : 0;
      case 'bool':
        return false;
      case 'char':
        return 0;
      case 'array':
        return v.string ? '' : Array.from({ length: v.length }, () => this.zero(v.of, depth));
      case 'embed':
        return this.fields(v.type, depth);
      default:
        return null;
    }
  }

  object(typeId: number, depth: number): Obj | null {
    return depth > 4 ? null : this.fields(typeId, depth);
  }

  private fields(typeId: number, depth: number): Obj {
    const sp = this.types.get(typeId) as StructPlan;
    const slots = countSlots(sp);
    const o: Obj = {};
    sp.fields.forEach((f, i) => {
      const v = f.value;
      let x: unknown;
      switch (v.k) {
        case 'skip':
          return;
        case 'tracked':
          x = v.nonNull || depth === 0 ? this.object(v.type, depth + 1) : null;
          break;
        case 'opaque':
        case 'ops':
          x = v.nonNull ? { handle: i } : null;
          break;
        case 'callback':
          x = v.nonNull ? () => 0 : null;
          break;
        case 'string':
          x = KERNEL_STRING;
          break;
        case 'box':
          x = { value: this.zero(v.of, depth) };
          break;
        case 'counted': {
          const n = countedLength(sp, v);
          x = n === null ? null : Array.from({ length: n }, () => this.zero(v.of, depth));
          break;
        }
        case 'union':
          x = this.union(v.type, this.disc(v.type), depth);
          break;
        default:
          x = slots.includes(i) ? KERNEL_COUNT : this.zero(v, depth);
      }
      o[f.name] = x;
    });
    sp.fields.forEach((f) => {
      if (f.value.k !== 'union' || f.value.switchOn < 0) return;
      const d = sp.fields[f.value.switchOn];
      if (d && d.value.k === 'int') o[d.name] = d.value.bits > 32 ? this.disc(f.value.type) : Number(this.disc(f.value.type));
    });
    return o;
  }

  /** The arguments the C harness passes to an upcall stub. */
  args(pf: PlanFunction): unknown[] {
    const discs = new Map<number, bigint>();
    for (const p of pf.params) if (p.value.k === 'union' && p.value.switchOn >= 0) discs.set(p.value.switchOn, this.disc(p.value.type));
    const args: unknown[] = pf.params.map((p, i) => {
      const v = p.value;
      switch (v.k) {
        case 'int': {
          const n = discs.get(i) ?? BigInt(INT_ARG);
          return v.bits > 32 ? n : Number(n);
        }
        case 'bool':
          return true;
        case 'char':
          return 0x66;
        case 'tracked':
          return this.object(v.type, 0);
        case 'opaque':
        case 'ops':
          return v.nonNull ? { handle: -1 - i } : null;
        case 'callback':
          return () => 0;
        case 'string':
          return p.dir === 'out' ? '' : 'fuzz';
        case 'box':
          return { value: this.zero(v.of, 0) };
        case 'union':
          return this.union(v.type, discs.get(v.switchOn) ?? 0n, 0);
        default:
          return this.zero(v, 0);
      }
    });
    pf.params.forEach((p, i) => {
      if (p.value.k !== 'counted') return;
      const n = evalCount(p.value.count, args);
      const of = p.value.of;
      args[i] = n === null || n < 0 ? null : Array.from({ length: Math.max(n, 0) }, () => this.zero(of, 0));
    });
    return args;
  }
}

export interface Seed {
  name: string;
  bytes: Uint8Array;
}

/**
 * Valid messages for every function of the interface, each behind its selector byte: calls for
 * downcalls (made by the user side), replies for upcalls (the user side answering the call the
 * kernel side's codec made with the harness's arguments, on fresh tables, so that the kernel ids
 * in the reply are the ones the C harness issues on a fresh channel). A shape the seed maker
 * cannot build is skipped: seeds only help the fuzzer start.
 */
export function seedMessages(ir: IrProgram, ifaceName: string): Seed[] {
  const target = targetOf(ir, ifaceName);
  const m = inputModule(ir);
  const plan = buildPlan(ir, m.name, m.version);
  const piface = plan.interfaces.find((i) => i.id === target.iface.id)!;
  const types = new Map(plan.types.map((t) => [t.id, t]));
  const seeds: Seed[] = [];
  const add = (name: string, sel: number, make: () => Uint8Array): void => {
    try {
      const bytes = make();
      const seed = new Uint8Array(bytes.length + 1);
      seed[0] = sel;
      seed.set(bytes, 1);
      seeds.push({ name, bytes: seed });
    } catch (e) {
      // a shape the seed maker does not build: no seed for it
      if (process.env['MDL_FUZZ_VERBOSE']) console.log(`no seed ${name}: ${(e as Error).message}`);
    }
  };
  selectorOrder(target).forEach((fn, index) => {
    const pf = piface.functions.find((f) => f.id === fn.id)!;
    // Fresh channel: the ids in the seed are the first of their sessions.
    const sel = index | SEL_FRESH;
    for (let variant = 0; variant < 3; variant++) add(`${fn.role}-${fn.name}-${variant}`, sel, () => message(plan, piface, pf, variant, null).bytes);
    // One field of one object at a time (the selection the function declares set aside): what
    // a peer may send whatever the access sets say, such as a count without its array. For a
    // field holding a pointer to a new object of the peer, once more with that object freed
    // after it in the same message.
    pf.params.forEach((p, pi) => {
      if (p.value.k !== 'tracked') return;
      const t = types.get(p.value.type);
      if (!t || t.kind !== 'struct') return;
      t.fields.forEach((f, fi) => {
        if (f.value.k === 'skip') return;
        const name = `${fn.role}-${fn.name}-${p.name}.${f.name}`;
        // Downcalls without the fresh bit: they update the shadows earlier inputs made.
        const fsel = fn.role === 'downcall' ? index : sel;
        add(name, fsel, () => message(plan, piface, pf, 1, [pi, fi]).bytes);
        if (f.value.k === 'tracked') {
          add(`${name}-freed`, sel, () => {
            const msg = message(plan, piface, pf, 1, [pi, fi]);
            const target2 = msg.peerObject(pi, fi);
            if (!target2) throw new Error('no object of the peer there');
            return withFree(msg.bytes, target2.id, target2.type);
          });
        }
      });
    });
  });
  return seeds;
}

interface Message {
  bytes: Uint8Array;
  /** The id and type of the peer's object field fi of parameter pi points to, if any. */
  peerObject(pi: number, fi: number): { id: number; type: number } | null;
}

/**
 * A call (downcall: the user side's) or a reply (upcall: the user side's answer to the call the
 * kernel side makes with the harness's arguments). `only` replaces the function's selections
 * by one field of one parameter.
 */
function message(plan: Plan, piface: Plan['interfaces'][number], pf0: PlanFunction, variant: number, only: [number, number] | null): Message {
  const values = new Values(plan, variant);
  const w = new WireWriter(new ArrayBuffer(1 << 20));
  const single = only ? ([[only[0], { all: 0, fields: [[only[1], null]] }]] as PlanFunction['reads']) : null;
  const pf: PlanFunction = single ? { ...pf0, reads: pf0.role === 'downcall' ? single : pf0.reads, writes: pf0.role === 'upcall' ? single : pf0.writes } : pf0;
  const userTable = new ObjectTable('user');
  const user = new Codec(plan, userTable);
  let args: unknown[];
  let bytes: Uint8Array;
  if (pf.role === 'downcall') {
    args = values.list(pf.params, 0);
    bytes = user.encodeCall(w, piface, pf, args, 1 + variant).slice();
  } else {
    const kernel = new Codec(plan, new ObjectTable('kernel'));
    const call = kernel.encodeCall(w, piface, pf0, new KernelShape(plan).args(pf0), 1).slice();
    const got = user.decodeCall(call);
    got.apply();
    args = got.call.args;
    for (const [pi] of pf.writes) {
      const pv = pf.params[pi]!.value;
      if (pv.k === 'tracked' && args[pi]) values.complete(args[pi] as Obj, pv.type);
    }
    if (only) {
      const pv = pf.params[only[0]]!.value;
      if (pv.k === 'tracked') perturb(plan, values, args[only[0]] as Obj | null, pv.type, only[1]);
    }
    const replyVals = values.list(pf.params, 0);
    pf.params.forEach((p, i) => {
      if (p.dir === 'in') return;
      const v = p.value;
      if (v.k === 'tracked' || v.k === 'opaque' || v.k === 'ops' || v.k === 'callback' || v.k === 'container') return;
      if (v.k === 'string') args[i] = 'eth0'.slice(0, v.max ?? 4);
      else if (v.k === 'counted') {
        // Sized by the call's own arguments, which the reply must agree with.
        const n = evalCount(v.count, args);
        args[i] = n === null || n < 0 ? null : Array.from({ length: n }, () => values.value(v.of, 1, []));
      } else args[i] = replyVals[i];
    });
    const result = pf.returns ? values.value(pf.returns, 0, args) : undefined;
    bytes = user.encodeReply(w, piface, pf, args, result, 1).slice();
  }
  return {
    bytes,
    peerObject: (pi, fi) => {
      const pv = pf.params[pi]!.value;
      if (pv.k !== 'tracked') return null;
      const t = plan.types.find((x) => x.id === pv.type);
      const fv = t?.kind === 'struct' ? t.fields[fi]?.value : undefined;
      const x = (args[pi] as Obj | null)?.[t?.kind === 'struct' ? t.fields[fi]!.name : ''];
      if (!fv || fv.k !== 'tracked' || !x) return null;
      const id = userTable.idOf(x as Obj, fv.type);
      return userTable.isOwn(id) ? { id, type: fv.type } : null;
    },
  };
}

/**
 * A single-field reply changes the field: an integer by 3 (a discriminant to another arm's
 * case), a tracked pointer to a new object of the peer.
 */
function perturb(plan: Plan, values: Values, o: Obj | null, typeId: number, fi: number): void {
  const sp = plan.types.find((x) => x.id === typeId);
  if (!o || !sp || sp.kind !== 'struct') return;
  const f = sp.fields[fi]!;
  const v = f.value;
  if (v.k === 'tracked') o[f.name] = values.object(v.type, 3);
  else if (v.k === 'int') {
    const cur = o[f.name];
    const now = BigInt((cur as number | bigint | undefined) ?? 0);
    let next = now + 3n;
    const union = sp.fields.map((u) => u.value).find((u) => u.k === 'union' && u.switchOn === fi);
    if (union && union.k === 'union') {
      const u = plan.types.find((x) => x.id === union.type) as UnionPlan;
      const other = u.arms.find((a) => a.cases.length && !a.cases.includes(now));
      if (other) next = other.cases[0]!;
    }
    o[f.name] = typeof cur === 'bigint' || v.bits > 32 ? next : Number(next);
  }
}

/** The message with a free entry for (id, type) after its other object entries. */
function withFree(msg: Uint8Array, id: number, type: number): Uint8Array {
  const view = new DataView(msg.buffer, msg.byteOffset, msg.byteLength);
  const count = view.getUint32(28, true);
  let at = 32;
  for (let k = 0; k < count; k++) {
    at = (at + 7) & ~7;
    at += 16 + view.getUint32(at + 8, true);
  }
  at = (at + 7) & ~7;
  const out = new Uint8Array(msg.length + 16);
  out.set(msg.subarray(0, at), 0);
  out.set(msg.subarray(at), at + 16);
  const o = new DataView(out.buffer);
  o.setUint32(at, id, true);
  o.setUint32(at + 4, type, true);
  o.setUint32(at + 8, 0, true);
  o.setUint32(at + 12, 1, true); // freed
  o.setUint32(24, o.getUint32(24, true) + 16, true);
  o.setUint32(28, count + 1, true);
  return out;
}

/** A libFuzzer dictionary: the ids the messages of this program use, and a free entry per type. */
export function dictionary(ir: IrProgram): string {
  const le = (n: number): string => [0, 8, 16, 24].map((s) => `\\x${((n >>> s) & 0xff).toString(16).padStart(2, '0')}`).join('');
  const words = new Set<string>();
  const ids = [...ir.types.filter((d) => d.kind !== 'typedef').map((d) => (d as { id: number }).id), ...ir.interfaces.map((i) => i.id)];
  for (const id of ids) words.add(le(id));
  for (const id of [1, 2, 3, 0x80000001, 0x80000002, 0x80000003, 0xffffffff]) words.add(le(id));
  for (const d of ir.types) {
    if (d.kind !== 'struct' || !d.complete) continue;
    words.add(le(0x80000001) + le(d.id) + le(0) + le(1));
  }
  return [...words].map((w, i) => `w${i}="${w}"`).join('\n') + '\n';
}

/** Writes the seeds into dir (created); returns how many. */
export function writeSeeds(ir: IrProgram, ifaceName: string, dir: string): number {
  fs.mkdirSync(dir, { recursive: true });
  for (const f of fs.readdirSync(dir)) fs.rmSync(path.join(dir, f));
  const seeds = seedMessages(ir, ifaceName);
  for (const s of seeds) fs.writeFileSync(path.join(dir, s.name), s.bytes);
  return seeds.length;
}

