// The C marshaling code: statements that put a value on the wire and get it back, for every
// encoding of docs/wire-format.md. Wire semantics come from the same plan the ts backend emits
// (compiler/backends/ts/plan.ts), so both backends agree by construction; the IR supplies the C
// types. Every get checks what the runtime does not: counts against their expressions,
// discriminants against union arms, bitfield ranges, [string] arrays terminated.
import type { IrType } from '../../ir/types.js';
import type { PlanExpr, PlanValue } from '../../../runtime/ts/plan.js';
import type { CTypes } from './ctypes.js';

/** How a count or discriminant reaches its siblings (fields of the struct, or parameters). */
export interface Siblings {
  /** The C expression of slot i, or null when it is not known at that point of the decode. */
  value(i: number): string | null;
  /** A C condition that holds when value(i) may be read ('1': always). */
  known(i: number): string;
  /**
   * When decoding: counts and discriminants are checked once the whole entry, argument list or
   * value has arrived (a count may come after its array), through these.
   */
  defer?: Deferred;
}

/** Checks a decoder makes at its end, against the final values of the siblings. */
export interface Deferred {
  /** A local that receives what arrived for a counted value: -2 nothing, -1 NULL, else the count. */
  counted(count: PlanExpr, what: string): string;
  /** A local that receives the arm index that arrived for a union (0xffffffff: nothing). */
  arm(unionType: number, switchOn: number, what: string): string;
}

/** What to do with each tracked pointer a value holds, and with an embedded struct that holds some. */
export interface PointerVisit {
  pointer(p: string, desc: string): string[];
  embed(type: string, x: string): string[];
}

export interface CodecNames {
  /** The C identifier prefix of this module's generated symbols (the module name). */
  prefix: string;
  /** The descriptor of a tracked struct, by type id. */
  desc(typeId: number): string;
  /** The struct or union name of a type id. */
  typeName(typeId: number): string;
  /** A field name of a struct by type id and index. */
  fieldName(typeId: number, index: number): string;
  /** A wire id as C: the header's macro for it. */
  id(id: number): string;
}

// Printed per value of every field, parameter and element: an array literal, not a spread of a
// shared tail, and a loop, not map with a closure (both were visible in a large program's profile).
function call(expr: string): string[] {
  return [`err = ${expr};`, 'if (err)', '\treturn err;'];
}

function indent(lines: string[], by = '\t'): string[] {
  const out: string[] = new Array(lines.length);
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i]!;
    out[i] = l ? by + l : l;
  }
  return out;
}

/** The wire size lower bound of one element (as the TypeScript reader's minSize). */
export function wireMin(v: PlanValue): number {
  switch (v.k) {
    case 'int':
      return v.bits / 8;
    case 'bool':
    case 'char':
      return 1;
    case 'array':
      return v.length * wireMin(v.of);
    default:
      return 4;
  }
}

function u64Literal(v: bigint): string {
  return `0x${BigInt.asUintN(64, v).toString(16)}ULL`;
}

export class CodecPrinter {
  private depth = 0;
  /**
   * Set while printing the decoders of a kernel struct the kernel's own header defines (a view):
   * its fields have the kernel's C types (`unsigned long`, an enum, `const unsigned char *`), not
   * the IDL's, so every value is decoded into a temporary of the wire type and converted to the
   * field's own type (`__typeof__`) on assignment.
   */
  loose = false;

  /** The C type a decoded value is converted to before it is stored in x. */
  private into(x: string, ct: string, bitWidth: number | null = null): string {
    // typeof of a bitfield is an error; the IDL's type is the field's there (lower copies bitfields).
    return this.loose && bitWidth === null ? `__typeof__(${x})` : ct;
  }

  constructor(
    private readonly types: CTypes,
    private readonly n: CodecNames,
  ) {}

  /** A count expression as C (s64), or null when a slot it reads is not known. */
  count(e: PlanExpr, sib: Siblings): { expr: string; known: string[] } | null {
    if (typeof e === 'number') return { expr: `${e}LL`, known: [] };
    if ('slot' in e) {
      const v = sib.value(e.slot);
      if (v === null) return null;
      const k = sib.known(e.slot);
      return { expr: `(s64)(${v})`, known: k === '1' ? [] : [k] };
    }
    if ('neg' in e) {
      const x = this.count(e.neg, sib);
      return x && { expr: `(-${x.expr})`, known: x.known };
    }
    const l = this.count(e.l, sib);
    const r = this.count(e.r, sib);
    if (!l || !r) return null;
    const expr = e.op === '/' ? `(${r.expr} ? ${l.expr} / ${r.expr} : -1LL)` : `(${l.expr} ${e.op} ${r.expr})`;
    return { expr, known: [...new Set([...l.known, ...r.known])] };
  }

  private wantExpr(e: PlanExpr, sib: Siblings): string {
    const c = this.count(e, sib);
    if (!c) return '-1LL';
    return c.known.length ? `(${c.known.join(' && ')}) ? ${c.expr} : -1LL` : c.expr;
  }

  private elemType(t: IrType): IrType {
    const s = this.types.strip(t);
    if (s.kind === 'array') return s.of;
    // A counted void * is decoded as the bytes it counts.
    if (s.kind === 'pointer') return this.types.strip(s.to).kind === 'void' ? U8 : s.to;
    return s;
  }

  private loopVar(): string {
    return `i${this.depth}`;
  }

  // ---- put ------------------------------------------------------------------------------------

  /** Statements writing value x (a C lvalue of IR type t) encoded as v. */
  put(v: PlanValue, t: IrType, x: string, sib: Siblings): string[] {
    switch (v.k) {
      case 'skip':
        return [];
      case 'int':
        return call(`mdl_put_${v.signed ? 's' : 'u'}${v.bits}(&m->w, (${v.signed ? 's' : 'u'}${v.bits})(${x}))`);
      case 'bool':
        return call(`mdl_put_bool(&m->w, ${x})`);
      case 'char':
        return call(`mdl_put_char(&m->w, ${x})`);
      case 'array': {
        if (v.string) return call(`mdl_out_char_array(m, ${x}, ${v.length})`);
        if (isByte(v.of)) return call(`mdl_put_bytes(&m->w, ${x}, ${v.length})`);
        return this.loop(String(v.length), (i) => this.put(v.of, this.elemType(t), `${x}[${i}]`, sib));
      }
      case 'embed':
        return call(`${this.n.prefix}_put_${this.n.typeName(v.type)}(m, &${x})`);
      case 'union': {
        const d = sib.value(v.switchOn);
        if (d === null) return call(`mdl_out_fail(m, "union ${this.n.typeName(v.type)} has no discriminant here", -EINVAL)`);
        return call(`${this.n.prefix}_put_${this.n.typeName(v.type)}(m, &${x}, (u64)(${d}))`);
      }
      case 'tracked':
        return call(`mdl_out_ref(m, (const void *)(uintptr_t)(${x}), &${this.n.desc(v.type)}, ${v.nonNull})`);
      case 'ops':
      case 'opaque':
        return call(`mdl_out_handle(m, ${x}, ${this.n.id(v.k === 'ops' ? v.iface : v.type)}, ${v.nonNull})`);
      case 'callback':
        return call(`mdl_out_function(m, (void (*)(void))(${x}), ${this.n.id(v.type)}, ${v.nonNull})`);
      case 'string':
        return [
          ...(v.nonNull ? [`if (!(${x}))`, `\treturn mdl_out_fail(m, "a [ref] string is NULL", -EINVAL);`] : []),
          ...call(`mdl_put_str(&m->w, ${x}, ${v.max ?? 'MDL_STRING_MAX_DEFAULT'})`),
        ];
      case 'box': {
        const inner = this.put(v.of, this.elemType(t), `(*(${x}))`, sib);
        return [
          ...(v.nonNull ? [`if (!(${x}))`, `\treturn mdl_out_fail(m, "a [ref] pointer is NULL", -EINVAL);`] : []),
          ...call(`mdl_put_u32(&m->w, (${x}) ? 1 : 0)`),
          `if (${x}) {`,
          ...indent(inner),
          '}',
        ];
      }
      case 'counted': {
        const { n, lines } = this.countedHead(v, x, sib);
        this.depth++;
        const body = isByte(v.of)
          ? call(`mdl_put_bytes(&m->w, ${x}, (size_t)${n})`)
          : this.loop(`(u32)${n}`, (i) => this.put(v.of, this.elemType(t), `(${x})[${i}]`, sib));
        this.depth--;
        lines.push(`\tif (${x}) {`, ...indent(body, '\t\t'), '\t}', '}');
        return lines;
      }
      case 'interior':
        return call(`mdl_out_interior(m, ${x}, ${v.nonNull})`);
      case 'container': {
        const outer = this.n.typeName(v.type);
        if (v.alts)
          return this.members(v.type, v.alts, (table) => `mdl_out_container_choice(m, ${x}, &${this.n.desc(v.type)}, ${table}, ${v.alts!.length}, ${v.nonNull})`);
        return call(`mdl_out_container(m, ${x}, &${this.n.desc(v.type)}, offsetof(${this.types.spell(outer)}, ${this.member(v.type, v.path)}), ${v.nonNull})`);
      }
    }
  }

  /**
   * A block holding the offsets of a [container] choice's members in T, in the order written (the
   * index that crosses is into this table, on both sides), around the call that takes it.
   */
  private members(typeId: number, alts: number[][], fetch: (table: string) => string, decl: string[] = []): string[] {
    const outer = this.n.typeName(typeId);
    const spelled = this.types.spell(outer);
    const table = `${outer}_members`;
    return [
      '{',
      ...decl.map((d) => `\t${d}`),
      `\tstatic const size_t ${table}[] = {`,
      ...alts.map((path) => `\t\toffsetof(${spelled}, ${this.member(typeId, path)}),`),
      '\t};',
      '',
      ...indent(call(fetch(table))),
      '}',
    ];
  }

  /** offsetof's member designator of a [container] path: `watchdog_task.work` through embedded structs. */
  member(typeId: number, path: number[]): string {
    const names: string[] = [];
    let t = typeId;
    for (const i of path) {
      names.push(this.n.fieldName(t, i));
      const pv = this.planOf(t, i);
      if (pv.k === 'embed') t = pv.type;
    }
    return names.join('.');
  }

  private loop(count: string, body: (i: string) => string[]): string[] {
    const i = this.loopVar();
    this.depth++;
    const inner = body(i);
    this.depth--;
    return [`for (u32 ${i} = 0; ${i} < ${count}; ${i}++) {`, ...indent(inner), '}'];
  }

  // ---- get ------------------------------------------------------------------------------------

  /**
   * Statements reading a value encoded as v into x (a C lvalue of IR type t). Bitfields go
   * through a temporary and are range-checked.
   */
  get(v: PlanValue, t: IrType, x: string, sib: Siblings, bitWidth: number | null = null): string[] {
    const ct = this.types.name(t);
    switch (v.k) {
      case 'skip':
        return [];
      case 'int':
      case 'bool':
      case 'char': {
        const wt = v.k === 'int' ? `${v.signed ? 's' : 'u'}${v.bits}` : v.k;
        const fn = v.k === 'int' ? `mdl_get_${wt}` : `mdl_get_${v.k}`;
        // Straight into the field when its C type is the wire type; a temporary otherwise.
        if (bitWidth === null && ct === wt && !this.loose) return call(`${fn}(r, &${x})`);
        const range =
          bitWidth !== null && v.k === 'int'
            ? v.signed
              ? [`if (t < -(1LL << ${bitWidth - 1}) || t >= (1LL << ${bitWidth - 1}))`, `\treturn mdl_in_fail(m, r, "value does not fit its bitfield");`]
              : [`if ((u64)t >> ${bitWidth})`, `\treturn mdl_in_fail(m, r, "value does not fit its bitfield");`]
            : [];
        return ['{', `\t${wt} t;`, '', ...indent(call(`${fn}(r, &t)`)), ...indent(range), `\t${x} = (${this.into(x, ct, bitWidth)})t;`, '}'];
      }
      case 'array': {
        if (v.string) return call(`mdl_in_char_array(m, r, ${x}, ${v.length})`);
        if (isByte(v.of)) return call(`mdl_get_bytes(r, ${x}, ${v.length})`);
        return this.loop(String(v.length), (i) => this.get(v.of, this.elemType(t), `${x}[${i}]`, sib));
      }
      case 'embed':
        return call(`${this.n.prefix}_get_${this.n.typeName(v.type)}(m, r, &${x})`);
      case 'union': {
        if (sib.defer) {
          const got = sib.defer.arm(v.type, v.switchOn, x.replace(/^.*(->|\.)/, ''));
          return call(`${this.n.prefix}_get_${this.n.typeName(v.type)}(m, r, &${x}, false, 0, &${got})`);
        }
        const d = sib.value(v.switchOn);
        const known = d === null ? 'false' : sib.known(v.switchOn) === '1' ? 'true' : `(${sib.known(v.switchOn)})`;
        return call(`${this.n.prefix}_get_${this.n.typeName(v.type)}(m, r, &${x}, ${known}, ${d === null ? '0' : `${known} ? (u64)(${d}) : 0`}, NULL)`);
      }
      case 'tracked':
        return this.viaPointer(`mdl_in_ref(m, r, &${this.n.desc(v.type)}, ${v.nonNull}, &p)`, x, ct);
      case 'ops':
      case 'opaque':
        return this.viaPointer(`mdl_in_handle(m, r, ${this.n.id(v.k === 'ops' ? v.iface : v.type)}, ${v.k === 'ops'}, ${v.nonNull}, &p)`, x, ct);
      case 'interior':
        return this.viaPointer(`mdl_in_interior(m, r, ${v.nonNull}, &p)`, x, ct);
      case 'container': {
        const outer = this.n.typeName(v.type);
        if (v.alts) {
          const lines = this.members(v.type, v.alts, (table) => `mdl_in_container_choice(m, r, &${this.n.desc(v.type)}, ${table}, ${v.alts!.length}, ${v.nonNull}, &p)`, ['void *p;']);
          return [...lines.slice(0, -1), `\t${x} = (${this.into(x, ct)})(uintptr_t)p;`, '}'];
        }
        return this.viaPointer(
          `mdl_in_container(m, r, &${this.n.desc(v.type)}, offsetof(${this.types.spell(outer)}, ${this.member(v.type, v.path)}), ${v.nonNull}, &p)`,
          x,
          ct,
        );
      }
      case 'callback':
        return ['{', '\tvoid (*f)(void);', '', ...indent(call(`mdl_in_function(m, r, ${this.n.id(v.type)}, ${v.nonNull}, &f)`)), `\t${x} = (${this.into(x, ct)})f;`, '}'];
      case 'string':
        return ['{', '\tchar *s;', '', ...indent(call(`mdl_in_string(m, r, ${v.max ?? 'MDL_STRING_MAX_DEFAULT'}, 0, ${v.nonNull}, &s)`)), this.loose ? `\t${x} = (${this.into(x, ct)})s;` : `\t${x} = s;`, '}'];
      case 'box': {
        const et = this.elemType(t);
        // A box in a box (an [out] T ** parameter): the inner pointer needs its own name, or it
        // shadows the outer one it is stored through.
        const levels = [...x.matchAll(/\(\*e(\d*)\)/g)].map((mm) => (mm[1] ? Number(mm[1]) : 0));
        const e = levels.length ? `e${Math.max(...levels) + 1}` : 'e';
        const inner = this.get(v.of, et, `(*${e})`, sib);
        return [
          '{',
          `\t${this.types.declare(et, `*${e}`)};`,
          '\tvoid *p;',
          '',
          ...indent(call(`mdl_in_box(m, r, sizeof(*${e}), ${v.nonNull}, &p)`)),
          `\t${e} = p;`,
          `\tif (${e}) {`,
          ...indent(inner, '\t\t'),
          '\t}',
          this.loose ? `\t${x} = (${this.into(x, ct)})${e};` : `\t${x} = ${e};`,
          '}',
        ];
      }
      case 'counted': {
        const et = this.elemType(t);
        const n = `n${this.depth}`;
        const got = sib.defer ? sib.defer.counted(v.count, x.replace(/^.*(->|\.)/, '')) : null;
        const lines = [
          '{',
          `\t${this.types.declare(et, '*e')};`,
          '\tvoid *p;',
          `\tu32 ${n};`,
          '',
          ...indent(
            call(`mdl_in_counted(m, r, ${v.max ?? 0xfffffffe}u, ${wireMin(v.of)}, sizeof(*e), ${got ? '-1LL' : this.wantExpr(v.count, sib)}, ${v.nonNull}, &${n}, &p)`),
          ),
          ...(got ? [`\t${got} = ${n} == MDL_NULL ? -1 : (s64)${n};`] : []),
          '\te = p;',
        ];
        this.depth++;
        const body = isByte(v.of) ? call(`mdl_get_bytes(r, e, ${n})`) : this.loop(n, (i) => this.get(v.of, et, `e[${i}]`, sib));
        this.depth--;
        lines.push('\tif (e) {', ...indent(body, '\t\t'), '\t}', this.loose ? `\t${x} = (${this.into(x, ct)})e;` : `\t${x} = e;`, '}');
        return lines;
      }
    }
  }

  /** The checks of a counted array's count and the count's word, in an open block declaring the count `n`. */
  private countedHead(v: Extract<PlanValue, { k: 'counted' }>, x: string, sib: Siblings): { n: string; lines: string[] } {
    const c = this.count(v.count, sib);
    const n = `n${this.depth}`;
    const lines = [
      '{',
      `\ts64 ${n} = ${c ? c.expr : '-1LL'};`,
      '',
      `\tif ((${x}) && (${n} < 0 || ${n} > ${v.max ?? 0xfffffffe}LL))`,
      `\t\treturn mdl_out_fail(m, "counted array size outside its bounds", -EINVAL);`,
      `\tif (!(${x}) && ${n} > 0)`,
      `\t\treturn mdl_out_fail(m, "a NULL array whose count is not 0", -EINVAL);`,
      ...(v.nonNull ? [`\tif (!(${x}))`, `\t\treturn mdl_out_fail(m, "a [ref] array is NULL", -EINVAL);`] : []),
      ...indent(call(`mdl_put_counted(&m->w, (${x}) ? (u32)${n} : MDL_NULL)`)),
    ];
    return { n, lines };
  }

  /** An [out] array in its call: its count alone, checked as the array's would be (`crossesAsCount`). */
  putCount(v: Extract<PlanValue, { k: 'counted' }>, x: string, sib: Siblings): string[] {
    return [...this.countedHead(v, x, sib).lines, '}'];
  }

  /**
   * What putCount sent, for a served call: x points at as many zeroed elements as arrived
   * (mdl_in_counted_out), which the implementation fills and the reply carries back.
   */
  getCount(v: Extract<PlanValue, { k: 'counted' }>, t: IrType, x: string, sib: Siblings): string[] {
    const n = `n${this.depth}`;
    const got = sib.defer ? sib.defer.counted(v.count, x.replace(/^.*(->|\.)/, '')) : null;
    return [
      '{',
      `\t${this.types.declare(this.elemType(t), '*e')};`,
      '\tvoid *p;',
      `\tu32 ${n};`,
      '',
      ...indent(call(`mdl_in_counted_out(m, r, ${v.max ?? 0xfffffffe}u, ${wireMin(v.of)}, sizeof(*e), ${got ? '-1LL' : this.wantExpr(v.count, sib)}, ${v.nonNull}, &${n}, &p)`)),
      ...(got ? [`\t${got} = ${n} == MDL_NULL ? -1 : (s64)${n};`] : []),
      '\te = p;',
      this.loose ? `\t${x} = (${this.into(x, this.types.name(t))})e;` : `\t${x} = e;`,
      '}',
    ];
  }

  /**
   * Statements pointing x (an [in] parameter to const) at a counted array's bytes inside the
   * received message, for a served call (mdl_in_counted_view), or null when the value cannot be
   * read in place: only elements of one byte on the wire and in memory are, so that neither byte
   * order nor alignment can differ; the message outlives the implementation (docs/c-api.md).
   */
  view(v: PlanValue, t: IrType, x: string, sib: Siblings): string[] | null {
    if (v.k !== 'counted' || !isByte(v.of)) return null;
    const s = this.types.strip(t);
    if (s.kind !== 'pointer' || !s.isConst) return null;
    const et = this.types.strip(this.elemType(t));
    if (!((et.kind === 'int' && et.bits === 8) || et.kind === 'char')) return null;
    const n = `n${this.depth}`;
    const got = sib.defer ? sib.defer.counted(v.count, x.replace(/^.*(->|\.)/, '')) : null;
    return [
      '{',
      '\tconst void *p;',
      `\tu32 ${n};`,
      '',
      ...indent(call(`mdl_in_counted_view(m, r, ${v.max ?? 0xfffffffe}u, ${got ? '-1LL' : this.wantExpr(v.count, sib)}, ${v.nonNull}, &${n}, &p)`)),
      ...(got ? [`\t${got} = ${n} == MDL_NULL ? -1 : (s64)${n};`] : []),
      this.loose ? `\t${x} = (${this.into(x, this.types.name(t))})p;` : `\t${x} = p;`,
      '}',
    ];
  }

  private viaPointer(fetch: string, x: string, ct: string): string[] {
    return ['{', '\tvoid *p;', '', ...indent(call(fetch)), `\t${x} = (${this.into(x, ct)})(uintptr_t)p;`, '}'];
  }

  // ---- deep walks and selections ---------------------------------------------------------------

  /** Statements listing the tracked pointers a value holds, for a deep walk (mdl_out_child). */
  children(v: PlanValue, t: IrType, x: string, sib: Siblings, visit: PointerVisit = this.deepVisit): string[] {
    switch (v.k) {
      case 'tracked':
        return visit.pointer(`(const void *)(uintptr_t)(${x})`, this.n.desc(v.type));
      case 'embed':
        return this.n.prefix && this.embedHasPointers(v.type) ? visit.embed(this.n.typeName(v.type), x) : [];
      case 'array':
        if (!deepElement(v.of) || (v.of.k === 'embed' && !this.embedHasPointers(v.of.type))) return [];
        return this.loop(String(v.length), (i) => this.children(v.of, this.elemType(t), `${x}[${i}]`, sib, visit));
      case 'counted': {
        if (!deepElement(v.of) || (v.of.k === 'embed' && !this.embedHasPointers(v.of.type))) return [];
        const c = this.count(v.count, sib);
        if (!c) return [];
        return [`if (${x}) {`, ...indent(this.loop(`(u32)${c.expr}`, (i) => this.children(v.of, this.elemType(t), `(${x})[${i}]`, sib, visit))), '}'];
      }
      default:
        return [];
    }
  }

  /** A deep walk: every tracked pointer becomes the next child of the walk. */
  readonly deepVisit: PointerVisit = {
    pointer: (p, desc) => call(`mdl_out_child(m, ${p}, &${desc})`),
    embed: (type, x) => call(`${this.n.prefix}_kids_${type}(m, &${x})`),
  };

  /**
   * Answers of embedHasPointers by type: asked for every embedded field of every struct the deep
   * walks and points-to tests print, and the plan it reads never changes.
   */
  private readonly hasPointers = new Map<number, boolean>();

  /** Whether an embedded struct holds tracked pointers a deep walk must enter. */
  embedHasPointers(typeId: number): boolean {
    let known = this.hasPointers.get(typeId);
    if (known === undefined) this.hasPointers.set(typeId, (known = this.holdsPointers(typeId, new Set<number>())));
    return known;
  }

  private holdsPointers(typeId: number, seen: Set<number>): boolean {
    if (seen.has(typeId)) return false;
    seen.add(typeId);
    const s = this.types.struct(this.n.typeName(typeId));
    for (let i = 0; i < s.fields.length; i++) if (holdsTracked(this.planOf(typeId, i), (id) => this.holdsPointers(id, seen))) return true;
    return false;
  }

  /** Set by the view: the plan value of field `index` of struct `typeId`. */
  planOf: (typeId: number, index: number) => PlanValue = () => ({ k: 'skip' });
}

const U8: IrType = { kind: 'int', name: 'u8', bits: 8, signed: false };

function isByte(v: PlanValue): boolean {
  return (v.k === 'int' && v.bits === 8) || v.k === 'char';
}

function deepElement(v: PlanValue): boolean {
  return v.k === 'tracked' || v.k === 'embed';
}

function holdsTracked(v: PlanValue, embed: (id: number) => boolean): boolean {
  switch (v.k) {
    case 'tracked':
      return true;
    case 'embed':
      return embed(v.type);
    case 'array':
    case 'counted':
      return deepElement(v.of) && holdsTracked(v.of, embed);
    default:
      return false;
  }
}

export { u64Literal, indent, call };
