// The view model of the C backends: the module header (types, ops tables, the API of both sides)
// and one side's source (type descriptors, marshaling, stubs, dispatchers, trampolines). The
// printing of statements is codec.ts's; this file decides what exists and what it is called.
import type { IrCallback, IrField, IrFunction, IrInterface, IrParam, IrProgram, IrStruct, IrType, IrTypeDecl, IrUnion } from '../../ir/types.js';
import { accessSets, crossesAsCount, type Plan, type PlanMerge, type PlanExpr, type PlanFunction, type PlanSelection, type PlanType, type PlanValue } from '../../../runtime/ts/plan.js';
import { planOf } from '../ts/plan.js';
import { call, CodecPrinter, indent, u64Literal, type Deferred, type Siblings } from './codec.js';
import { BlockChunks } from './chunks.js';
import { CTypes } from './ctypes.js';
import { cName, functionIdMacro, stubName, stubTableName, typeIdMacro } from '../../../idl/checker/c-names.js';

export type Side = 'kernel' | 'user';

/**
 * Whose layout the user side's types have: `idl`, the IDL's own definitions (views of the kernel's
 * structs, only the crossing fields); `kernel`, the kernel's, as a u-driver built from kbuild's
 * preprocessed units sees them (config `userLayout`). The kernel side always has the kernel's.
 */
export type UserLayout = 'idl' | 'kernel';

type StructPlan = Extract<PlanType, { kind: 'struct' }>;
type UnionPlan = Extract<PlanType, { kind: 'union' }>;
type CallbackPlan = Extract<PlanType, { kind: 'callback' }>;

/** Locals of a stub: an IDL parameter of the same name is renamed with a trailing underscore. */
const STUB_LOCALS = new Set(['chan', 'call_out', 'call_in', 'result', 'rc']);

const ALL_FIELDS: Siblings = { value: () => null, known: () => '1' };

export interface HeaderView {
  license: string;
  banner: string[];
  /** `#include <linux/netdevice.h>` lines: the kernel's own definitions of [header] types (kernel side only). */
  includes: string[];
  guard: string;
  prefix: string;
  version: number;
  versionMacro: string;
  combolock: boolean;
  constants: { name: string; value: string }[];
  typeIds: { name: string; value: number }[];
  forward: string[];
  enums: { name: string; members: { name: string; value: string }[] }[];
  typedefs: string[];
  definitions: { text: string[] }[];
  sizeChecks: { type: string; size: number }[];
  lp64: boolean;
  ops: { name: string; members: string[] }[];
  impls: string[];
  kernelApi: string[];
  userApi: string[];
}

export interface SourceView {
  license: string;
  banner: string[];
  prefix: string;
  side: Side;
  header: string;
  blocks: { text: string[] }[];
}

/**
 * The checks a decoder makes once everything it decodes has arrived: each counted value against
 * its count expression, each union's arm against its discriminant, evaluated over the final
 * values (`final`), so a count or discriminant may come before or after what it describes.
 */
class DeferredChecks implements Deferred {
  readonly locals: string[] = [];
  readonly checks: string[] = [];
  private n = 0;

  constructor(
    private readonly printer: CodecPrinter,
    private readonly prefix: string,
    private readonly unionName: (id: number) => string,
    private readonly final: Siblings,
  ) {}

  counted(count: PlanExpr, what: string): string {
    const got = `got${this.n++}`;
    this.locals.push(`s64 ${got} = -2;`);
    const c = this.printer.count(count, this.final);
    if (!c) return got;
    const when = [`${got} != -2`, ...c.known].join(' && ');
    this.checks.push(
      `if (${when}) {`,
      `\ts64 want = ${c.expr};`,
      '',
      `\tif (${got} == -1 ? want > 0 : want != ${got})`,
      `\t\treturn mdl_in_fail(m, r, "${what}: the count that arrived is not what its count expression says");`,
      '}',
    );
    return got;
  }

  arm(unionType: number, switchOn: number, what: string): string {
    const got = `arm${this.n++}`;
    this.locals.push(`u32 ${got} = 0xffffffffu;`);
    const d = this.final.value(switchOn);
    if (d === null) return got;
    const known = this.final.known(switchOn);
    const when = [`${got} != 0xffffffffu`, ...(known === '1' ? [] : [known])].join(' && ');
    this.checks.push(
      `if (${when} && ${this.prefix}_arm_${this.unionName(unionType)}((u64)(${d})) != ${got})`,
      `\treturn mdl_in_fail(m, r, "${what}: the arm that arrived is not the one its discriminant selects");`,
    );
    return got;
  }
}

/** A type's code as the source prints it: prototypes of its value helpers, then their blocks and the object functions' blocks. */
interface FieldCode {
  s: IrStruct;
  put: string[][];
  kids: string[][];
  points: string[][];
}

/**
 * A field inside an embedded struct an access set merges in part (CModel.embeddedSteps): the
 * struct that holds it, its index and encoding, its path from the object (`dev.kobj.name`), and
 * whether the receiver merges it, the sender leaves it out (NULL) or sends it to be ignored.
 */
interface EmbeddedStep {
  s: IrStruct;
  i: number;
  v: PlanValue;
  path: string;
  how: 'merged' | 'left' | 'sent';
}

interface TypeCode {
  protos: string[];
  values: string[][];
  objects: string[][];
}

/** Every type's code as the source prints it: the prototypes as one block, then the blocks of the value helpers, then of the object functions. */
interface TypeBlocks {
  protos: string;
  values: string[];
  objects: string[];
}

export class CModel {
  readonly types: CTypes;
  readonly plan: Plan;
  readonly prefix: string;
  readonly version: number;
  private readonly printer: CodecPrinter;
  private readonly planTypes = new Map<number, PlanType>();
  private readonly idOf = new Map<string, number>();
  /** Wire id -> the macro the header defines for it. */
  private readonly idMacros = new Map<number, string>();
  /**
   * Whether both sides print every type alike: only a [header] type or interface (the kernel's
   * own definition) makes the kernel side differ. Then code printed for one side serves both.
   */
  private readonly sideBlind: boolean;
  private typeBlocksCache: TypeBlocks | null = null;
  /**
   * accessOf's answers by selection list: both sides print a function's reads and writes (the
   * caller's encoder and the callee's table), and the walk depends on the plan alone, not the side.
   */
  private readonly accessCache = new Map<PlanFunction['reads'], { params: PlanFunction['params']; access: Map<number, { mask: bigint[]; merge: [number, PlanMerge][] | null }> }>();

  constructor(readonly ir: IrProgram) {
    this.types = new CTypes(ir);
    const first = ir.modules.find((m) => m.input) ?? ir.modules[0];
    this.prefix = first ? first.name : 'mdl';
    this.version = first ? first.version : 1;
    this.plan = planOf(ir, this.prefix, this.version);
    for (const t of this.plan.types) this.planTypes.set(t.id, t);
    for (const d of ir.types) if (d.kind !== 'typedef') this.idOf.set(d.name, d.id);
    for (const d of [...ir.types, ...ir.interfaces]) if (!('kind' in d) || d.kind !== 'typedef') this.idMacros.set((d as { id: number }).id, typeIdMacro(this.prefix, d.name));
    this.printer = new CodecPrinter(this.types, {
      prefix: this.prefix,
      desc: (id) => `${this.prefix}_desc_${this.typeName(id)}`,
      typeName: (id) => this.typeName(id),
      fieldName: (id, i) => this.structPlan(id).fields[i]?.name ?? `field${i}`,
      id: (id) => this.idMacro(id),
    });
    this.printer.planOf = (id, i) => this.structPlan(id).fields[i]?.value ?? { k: 'skip' };
    this.sideBlind = !ir.types.some((d) => d.header !== null) && !ir.interfaces.some((i) => i.header !== null);
  }

  private deferred(final: Siblings): DeferredChecks {
    return new DeferredChecks(this.printer, this.prefix, (id) => this.typeName(id), final);
  }

  /** A type's or interface's wire id as the header's macro (a literal for ids without one). */
  idMacro(id: number): string {
    return this.idMacros.get(id) ?? String(id);
  }

  typeName(id: number): string {
    const t = this.planTypes.get(id);
    if (t) return t.name;
    const i = this.ir.interfaces.find((x) => x.id === id);
    return i ? i.name : `type${id}`;
  }

  private structPlan(id: number): StructPlan {
    const t = this.planTypes.get(id);
    if (!t || t.kind !== 'struct') throw new Error(`type ${id} is not a struct`);
    return t;
  }

  private completeStructs(): IrStruct[] {
    return this.ir.types.filter((d): d is IrStruct => d.kind === 'struct' && d.complete);
  }

  private unions(): IrUnion[] {
    return this.ir.types.filter((d): d is IrUnion => d.kind === 'union');
  }

  private callbacks(): IrCallback[] {
    return this.ir.types.filter((d): d is IrCallback => d.kind === 'callback');
  }

  /** The function's C prototype, with parameters renamed where they would shadow stub locals. */
  private prototype(name: string, returns: IrType, params: IrParam[]): string {
    const ps = params.map((p) => this.types.declare(p.type, stubParam(p.name)));
    const ret = this.types.name(returns);
    return `${ret}${ret.endsWith('*') ? '' : ' '}${name}(${ps.length ? ps.join(', ') : 'void'})`;
  }

  private crossing(side: Side, served: boolean): { iface: IrInterface; fn: IrFunction; plan: PlanFunction }[] {
    const out: { iface: IrInterface; fn: IrFunction; plan: PlanFunction }[] = [];
    // The kernel calls upcalls and serves downcalls; the user side the reverse.
    const calls = side === 'kernel' ? 'upcall' : 'downcall';
    for (const iface of this.ir.interfaces) {
      const pi = this.plan.interfaces.find((x) => x.id === iface.id)!;
      // By id through a map: a search per function was quadratic in the functions of an interface.
      const plans = new Map(pi.functions.map((f) => [f.id, f]));
      for (const fn of iface.functions) {
        if (fn.role === 'critical') continue;
        if ((fn.role === calls) !== served) out.push({ iface, fn, plan: plans.get(fn.id)! });
      }
    }
    return out;
  }

  // ---- the header -----------------------------------------------------------------------------

  /**
   * The module header. On the kernel side a type with [header("...")] is the kernel's (or the
   * driver's) own: the header includes that file and never defines the type, its typedef or its
   * enum, and checks no layout that holds it.
   */
  header(banner: string[], side: Side, opts: { license: string; kernelIncludes: string[]; userLayout?: UserLayout }): HeaderView {
    // With the kernel's layout the user side prints the kernel side's header, byte for byte.
    const kernel = side === 'kernel' || opts.userLayout === 'kernel';
    const defined = (d: IrTypeDecl): boolean => !kernel || d.header === null;
    // Both sides declare the same types unless a [header] type is the kernel's own.
    const cached = this.sideBlind ? this.headerCache : null;
    if (cached) return { ...cached, license: opts.license, banner, includes: kernel ? this.includes(opts.kernelIncludes) : [] };
    this.types.kernel = kernel;
    try {
      const view = this.headerView(banner, kernel, defined, opts);
      if (this.sideBlind) this.headerCache = view;
      return view;
    } finally {
      this.types.kernel = false;
    }
  }

  private headerCache: HeaderView | null = null;

  private headerView(banner: string[], kernel: boolean, defined: (d: IrTypeDecl) => boolean, opts: { license: string; kernelIncludes: string[] }): HeaderView {
    const t = this.types;
    const structs = this.ir.types.filter((d): d is IrStruct => d.kind === 'struct');
    const forward = [
      // A type its header declares without a tag has no tag to declare.
      ...structs.filter((s) => !(kernel && s.header !== null && s.cSpelling !== null)).map((s) => `struct ${s.name};`),
      ...this.unions().filter((u) => !(kernel && u.header !== null && u.cSpelling !== null)).map((u) => `union ${u.name};`),
      ...this.ir.interfaces.map((i) => `struct ${i.name};`),
    ];
    const named: { name: string; text: string }[] = [];
    for (const d of this.ir.types) {
      if (!defined(d)) continue;
      if (d.kind === 'typedef') named.push({ name: d.name, text: `typedef ${t.declare(d.target, d.name)};` });
      if (d.kind === 'callback') {
        const ps = d.params.map((p) => t.declare(p.type, p.name));
        named.push({ name: d.name, text: `typedef ${t.name(d.returns.type)} (*${d.name})(${ps.length ? ps.join(', ') : 'void'});` });
      }
    }
    const typedefs = typedefOrder(named);
    const order = this.definitionOrder();
    const definitions = order.filter(defined).map((d) => ({ text: this.definition(d) }));
    const sizeChecks = order
      .filter((d) => defined(d) && !t.hasCombolock(d.name) && !(kernel && t.embedsHeader(d.name)))
      .map((d) => ({ type: `${d.kind} ${d.name}`, size: d.size }));
    // An ops table the kernel's header defines (net_device_ops) is the kernel's own on that side.
    const ops = this.ir.interfaces.filter((i) => !kernel || i.header === null).map((i) => ({
      name: i.name,
      members: i.functions.map((f) => {
        const ps = f.params.map((p) => t.declare(p.type, p.name));
        return `${t.name(f.returns.type)} (*${f.name})(${ps.length ? ps.join(', ') : 'void'});`;
      }),
    }));
    const api = (side: Side): string[] => {
      const lines = [
        `extern const struct mdl_module ${this.prefix}_${side}_module;`,
        `int ${this.prefix}_${side}_open(struct mdl_chan *c, struct mdl_transport *tr, u32 max_payload,`,
        `\t\tconst struct ${this.prefix}_impls *impls);`,
        `void ${this.prefix}_${side}_close(struct mdl_chan *c);`,
      ];
      for (const { iface, fn } of this.crossing(side, false)) lines.push(`${this.prototype(stubName(this.prefix, iface.name, fn.name), fn.returns.type, fn.params)};`);
      for (const iface of this.stubTables(side)) lines.push(`extern const struct ${iface.name} ${stubTableName(this.prefix, side, iface.name)};`);
      return lines;
    };
    return {
      license: opts.license,
      banner,
      includes: kernel ? this.includes(opts.kernelIncludes) : [],
      guard: `MDIDL_GEN_${this.prefix.toUpperCase()}_H`,
      prefix: this.prefix,
      version: this.version,
      versionMacro: `${this.prefix.toUpperCase()}_VERSION`,
      combolock: this.ir.types.some((d) => d.kind === 'struct' && d.complete && d.fields.some((f) => f.marshal.mode === 'combolock')),
      constants: this.ir.constants.map((c) => ({ name: c.name, value: cLiteral(c.value) })),
      typeIds: [
        ...[...this.ir.types.filter((d) => d.kind !== 'typedef'), ...this.ir.interfaces].map((d) => ({ name: typeIdMacro(this.prefix, d.name), value: (d as { id: number }).id })),
        ...flatMapped(this.ir.interfaces, (i) => i.functions.map((f) => ({ name: functionIdMacro(this.prefix, i.name, f.name), value: f.id }))),
      ],
      forward,
      enums: this.ir.types
        .filter((d) => d.kind === 'enum' && defined(d))
        .map((d) => ({ name: d.name, members: (d as Extract<IrTypeDecl, { kind: 'enum' }>).members.map((m) => ({ name: m.name, value: cLiteral(m.value) })) })),
      typedefs,
      definitions,
      sizeChecks,
      lp64: this.ir.abi === 'lp64',
      ops,
      impls: this.ir.interfaces.map((i) => `const struct ${i.name} *${i.name};`),
      kernelApi: api('kernel'),
      userApi: api('user'),
    };
  }

  /**
   * The kernel side's includes: the config's first (in its order), then every [header] once,
   * the kernel's (`<linux/x.h>`, a path with a folder) before the driver's own (`"drv.h"`).
   */
  private includes(first: string[]): string[] {
    const named = [...new Set([...this.ir.types, ...this.ir.interfaces].map((d) => d.header).filter((h): h is string => h !== null))].filter((h) => !first.includes(h));
    const angle = named.filter((h) => h.includes('/')).sort();
    const quote = named.filter((h) => !h.includes('/')).sort();
    return [...first, ...angle, ...quote].map((h) => (h.includes('/') ? `#include <${h}>` : `#include "${h}"`));
  }

  /** Whether this struct's decoders write into the kernel's own definition of it (see CodecPrinter.loose). */
  private kernelsOwn(name: string): boolean {
    return this.kernelLayout && this.types.header(name) !== null;
  }

  /** Prints a decoder of the named type, loosely typed when it writes into the kernel's own definition. */
  private decoding<T>(name: string, print: () => T): T {
    this.printer.loose = this.kernelsOwn(name);
    try {
      return print();
    } finally {
      this.printer.loose = false;
    }
  }

  private refuseConst(s: IrStruct | IrUnion, f: IrField): string {
    return `return mdl_in_fail(m, r, "${s.name}.${f.name} is const in the kernel's definition: only the k-driver sets it");`;
  }

  /**
   * A pointer-to-const field of the kernel's own struct: the k-driver's to set, never the peer's.
   * Only the kernel side refuses one: on the user side (kernel layout) it is the k-driver's value
   * arriving, news for the u-driver's copy, as any field the k-driver sends.
   */
  private readOnly(s: IrStruct | IrUnion, f: IrField): boolean {
    const t = this.types.strip(f.type);
    return this.side === 'kernel' && this.kernelsOwn(s.name) && t.kind === 'pointer' && t.isConst;
  }

  /**
   * A pointer-to-const field inside an embedded value: refused, unless it is one the object
   * entry's access set leaves out of its merge (mdl_in_unmerged), which the sender sends as NULL
   * and the receiver never applies (docs/c-api.md). Then it must arrive NULL: anything else is a
   * new value for it. Its count or arm is not checked: it is never used.
   */
  private constInValue(s: IrStruct, f: IrField, v: PlanValue): string[] {
    if (!leavable(v)) return [this.refuseConst(s, f)];
    return [
      `if (!mdl_in_unmerged(m, &o->${f.name}))`,
      `\t${this.refuseConst(s, f)}`,
      ...this.decoding(s.name, () => this.printer.get(v, f.type, `o->${f.name}`, { value: () => null, known: () => '1' }, f.bitWidth)),
      `if (o->${f.name})`,
      `\t${this.refuseConst(s, f)}`,
    ];
  }

  /**
   * A [trailing] field where the struct is the kernel's own (the kernel side, or the user side with
   * the kernel's layout): the struct has no such member, the area is where its accessor says
   * (docs/idl.md, 5.11). It is read through the accessor and never stored.
   */
  private trailing(s: IrStruct, f: IrField): boolean {
    return this.kernelsOwn(s.name) && f.marshal.trailing !== null;
  }

  /** Field f of the object `o` points to, as C: a trailing area is what its accessor returns. */
  private member(s: IrStruct, f: IrField, o: string): string {
    if (!this.trailing(s, f)) return `${o}->${f.name}`;
    return `${f.marshal.trailing}((${this.types.spell(s.name)} *)(uintptr_t)(${o}))`;
  }

  /**
   * Decodes a trailing area's pointer: the area is the owner's, so the peer may name the object
   * there (with the id either side issued first: the u-driver may name the kernel's area before
   * the kernel ever sent it) but never put another object there or move it (mdl_in_area). On the
   * user side a new shadow's area object is placed in it; the kernel never makes a shadow of an
   * owner (its type's descriptor is home_only), so its areas are always its live objects'.
   */
  private trailingGet(v: PlanValue): string[] {
    if (v.k !== 'tracked') return [];
    const desc = `${this.prefix}_desc_${this.typeName(v.type)}`;
    return ['{', '\tvoid *p;', '', ...indent(call(`mdl_in_area(m, r, &${desc}, ${v.nonNull}, &p)`)), '}'];
  }

  /** Interfaces this side calls: an ops handle of the peer becomes this table of stubs. */
  private stubTables(side: Side): IrInterface[] {
    const calls = side === 'kernel' ? 'upcall' : 'downcall';
    return this.ir.interfaces.filter((i) => i.functions.some((f) => f.role === calls));
  }

  /** Complete structs and unions, each after the aggregates it holds by value. */
  private definitionOrder(): (IrStruct | IrUnion)[] {
    const all = new Map<string, IrStruct | IrUnion>();
    for (const d of this.ir.types) if ((d.kind === 'struct' && d.complete) || d.kind === 'union') all.set(d.name, d);
    const out: (IrStruct | IrUnion)[] = [];
    const done = new Set<string>();
    const visit = (name: string, stack: Set<string>): void => {
      const d = all.get(name);
      if (!d || done.has(name) || stack.has(name)) return;
      stack.add(name);
      const fields = d.kind === 'struct' ? d.fields : d.arms.map((a) => a.field);
      for (const f of fields) if (f.marshal.mode !== 'combolock') for (const n of this.types.embeds(f.type)) visit(n, stack);
      stack.delete(name);
      done.add(name);
      out.push(d);
    };
    for (const name of all.keys()) visit(name, new Set());
    return out;
  }

  private definition(d: IrStruct | IrUnion): string[] {
    const fields = d.kind === 'struct' ? d.fields : d.arms.map((a) => a.field);
    return [`${d.kind} ${d.name} {`, ...fields.map((f) => `\t${this.types.field(f)};`), '};'];
  }

  // ---- the source -----------------------------------------------------------------------------

  private side: Side | null = null;

  source(side: Side, banner: string[], header: string, license: string, userLayout: UserLayout = 'idl'): SourceView {
    this.side = side;
    this.kernelLayout = side === 'kernel' || userLayout === 'kernel';
    this.types.kernel = this.kernelLayout;
    try {
      return this.sourceView(side, banner, header, license);
    } finally {
      this.side = null;
      this.kernelLayout = false;
      this.types.kernel = false;
    }
  }

  /** Whether the side being printed has the kernel's definitions of [header] types. */
  private kernelLayout = false;

  private sourceView(side: Side, banner: string[], header: string, license: string): SourceView {
    // Each block's lines joined into a large string soon after they are printed (chunks.ts): they
    // die young instead of living (and being copied by every young-generation collection) until the
    // whole source has been printed, and the block is a slice of that string.
    const blocks = new BlockChunks();
    const add = (b: string[] | string): void => blocks.add(b);
    const addAll = (bs: readonly (string[] | string)[]): void => {
      for (const b of bs) add(b);
    };
    const p = this.prefix;
    const structs = this.completeStructs();
    add([
      `static struct mdl_chan *${p}_chan;`,
      `static struct ${p}_impls ${p}_impl;`,
      '',
      ...structs.map((s) => `static const struct mdl_type_desc ${p}_desc_${s.name};`),
    ]);
    // A pointer to a union crosses by identity only (no access set reaches into a union).
    for (const u of this.unions())
      add([
        `static MDL_UNUSED const struct mdl_type_desc ${p}_desc_${u.name} = {`,
        `\t.id = ${this.idMacro(u.id)},`,
        `\t.name = "${u.name}",`,
        `\t.size = sizeof(${this.types.spell(u.name)}),`,
        '};',
      ]);
    // Value helpers call each other in any order (a union arm embeds a struct, a struct a union).
    const code = this.typeBlocks(structs);
    add(code.protos);
    blocks.addSliced(code.values);
    blocks.addSliced(code.objects);
    const served = this.crossing(side, true);
    const calling = this.crossing(side, false);
    for (const c of calling) addAll(this.stub(c.iface, c.fn, c.plan));
    for (const c of served) addAll(this.serve(c.iface, c.fn, c.plan));
    const cbs = this.callbacks();
    cbs.forEach((cb, index) => addAll(this.callback(cb, index)));
    addAll(this.moduleTables(side, served, cbs));
    // Each block as one string: the template prints it as it printed its lines, without a
    // template step and a live string per line of a large program.
    return { license, banner, prefix: p, side, header, blocks: blocks.blocks().map((b) => ({ text: [b] })) };
  }

  /**
   * Every union's and complete struct's code, the blocks as slices of large strings (chunks.ts).
   * Printed once per model when no [header] type makes the sides differ: the C backends share the
   * model of an IR (index.ts), and this is most of what both sources print.
   */
  private typeBlocks(structs: IrStruct[]): TypeBlocks {
    if (this.typeBlocksCache) return this.typeBlocksCache;
    const protos: string[] = [];
    const values = new BlockChunks();
    const objects = new BlockChunks();
    for (const d of [...this.unions(), ...structs]) {
      const c = this.typeCode(d);
      for (const l of c.protos) protos.push(l);
      for (const b of c.values) values.add(b);
      for (const b of c.objects) objects.add(b);
    }
    const out = { protos: joinLines(protos), values: values.blocks(), objects: objects.blocks() };
    if (this.sideBlind) this.typeBlocksCache = out;
    return out;
  }

  /** A struct's or union's code (value helpers, object functions), each block already one string. */
  private typeCode(d: IrStruct | IrUnion): TypeCode {
    const values: string[][] = [];
    let objects: string[][] = [];
    if (d.kind === 'union') values.push(this.unionPut(d), this.unionGet(d), this.unionArm(d));
    else {
      this.current = this.fieldCode(d);
      try {
        values.push(this.valuePut(d), this.valueGet(d), this.valueKids(d), this.valuePoints(d));
        if (this.types.hasSkipped(d.name)) values.push(this.valueCopy(d));
        objects = this.objectFunctions(d);
      } finally {
        this.current = null;
      }
    }
    const defined = values.filter((b) => b.length);
    const code: TypeCode = {
      protos: defined.map((b) => `${b.slice(0, b.indexOf('{')).join('\n')};`),
      values: defined,
      objects: objects.filter((b) => b.length),
    };
    return code;
  }

  private sibsOf(s: IrStruct, access: (name: string) => string): Siblings {
    return { value: (i) => (s.fields[i] ? access(s.fields[i]!.name) : null), known: () => '1' };
  }

  private unionArmIndex(u: UnionPlan): { cases: string[]; arm: number }[] {
    return u.arms.map((a, arm) => ({ cases: a.cases.map((c) => u64Literal(c)), arm }));
  }

  /** The arm a discriminant selects, or 0xffffffff for none (objects check updates with it). */
  private unionArm(u: IrUnion): string[] {
    if (u.discriminant === null) return [];
    const up = this.planTypes.get(u.id) as UnionPlan;
    const def = up.arms.findIndex((a) => a.isDefault);
    const lines = [`static MDL_UNUSED u32 ${this.prefix}_arm_${u.name}(u64 disc)`, '{', '\tswitch (disc) {'];
    for (const { cases, arm } of this.unionArmIndex(up)) {
      if (!cases.length) continue;
      for (const c of cases) lines.push(`\tcase ${c}:`);
      lines.push(`\t\treturn ${arm};`);
    }
    lines.push('\tdefault:', `\t\treturn ${def >= 0 ? def : '0xffffffffu'};`, '\t}', '}');
    return lines;
  }

  private unionPut(u: IrUnion): string[] {
    const up = this.planTypes.get(u.id) as UnionPlan;
    // A plain C union (no discriminant) is kernel-only state: the checker keeps it off the wire.
    if (u.discriminant === null)
      return [`static MDL_UNUSED int ${this.prefix}_put_${u.name}(struct mdl_out *m, const ${this.types.spell(u.name)} *o, u64 disc)`, '{', '\t(void)o;', '\t(void)disc;', `\treturn mdl_out_fail(m, "union ${u.name} has no discriminant", -EINVAL);`, '}'];
    const lines = [`static MDL_UNUSED int ${this.prefix}_put_${u.name}(struct mdl_out *m, const ${this.types.spell(u.name)} *o, u64 disc)`, '{', '\tint err;', '', '\tswitch (disc) {'];
    let hasDefault = false;
    up.arms.forEach((a, arm) => {
      if (a.isDefault) {
        hasDefault = true;
        lines.push('\tdefault:');
      }
      for (const c of a.cases) lines.push(`\tcase ${u64Literal(c)}:`);
      const f = u.arms[arm]!.field;
      lines.push(...indent(call(`mdl_put_u32(&m->w, ${arm})`), '\t\t'));
      lines.push(...indent(this.printer.put(a.field.value, f.type, `o->${f.name}`, ALL_FIELDS), '\t\t'), '\t\treturn 0;');
    });
    if (!hasDefault) lines.push('\tdefault:', `\t\treturn mdl_out_fail(m, "discriminant selects no arm of ${u.name}", -EINVAL);`);
    lines.push('\t}', '}');
    return uses(lines, 'err');
  }

  private unionGet(u: IrUnion): string[] {
    const up = this.planTypes.get(u.id) as UnionPlan;
    if (u.discriminant === null)
      return [
        `static MDL_UNUSED int ${this.prefix}_get_${u.name}(struct mdl_in *m, struct mdl_reader *r, ${this.types.spell(u.name)} *o, bool known,`,
        '\t\t\t\tu64 disc, u32 *arm_out)',
        '{',
        '\t(void)o;',
        '\t(void)known;',
        '\t(void)disc;',
        '\t(void)arm_out;',
        `\treturn mdl_in_fail(m, r, "union ${u.name} has no discriminant");`,
        '}',
      ];
    const lines = [
      `static MDL_UNUSED int ${this.prefix}_get_${u.name}(struct mdl_in *m, struct mdl_reader *r, ${this.types.spell(u.name)} *o, bool known,`,
      '\t\t\t\tu64 disc, u32 *arm_out)',
      '{',
      '\tu32 arm;',
      '\tint err;',
      '',
      ...indent(call('mdl_get_u32(r, &arm)')),
      `\tif (arm >= ${up.arms.length})`,
      `\t\treturn mdl_in_fail(m, r, "no such arm of ${u.name}");`,
      '\tif (arm_out)',
      '\t\t*arm_out = arm;',
      `\tif (known && ${this.prefix}_arm_${u.name}(disc) != arm)`,
      `\t\treturn mdl_in_fail(m, r, "arm of ${u.name} does not match its discriminant");`,
      '\tswitch (arm) {',
    ];
    up.arms.forEach((a, arm) => {
      const f = u.arms[arm]!.field;
      const get = this.readOnly(u, f)
        ? [this.refuseConst(u, f)]
        : this.decoding(u.name, () => this.printer.get(a.field.value, f.type, `o->${f.name}`, ALL_FIELDS, f.bitWidth));
      lines.push(`\tcase ${arm}:`, ...indent(get, '\t\t'), '\t\treturn 0;');
    });
    lines.push('\t}', '\treturn 0;', '}');
    return uses(lines, 'err');
  }

  /** The struct whose code typeCode prints, with what its value helpers and object functions print alike. */
  private current: FieldCode | null = null;

  /** Per field: its put, its deep-walk children and its points-to test (all over `o->field`). */
  private fieldCode(s: IrStruct): FieldCode {
    const sp = this.structPlan(s.id);
    const sib = this.sibsOf(s, (n) => `o->${n}`);
    const code: FieldCode = { s, put: [], kids: [], points: [] };
    s.fields.forEach((f, i) => {
      const v = sp.fields[i]!.value;
      const o = this.member(s, f, 'o');
      code.put.push(this.printer.put(v, f.type, o, sib));
      code.kids.push(this.printer.children(v, f.type, o, sib));
      code.points.push(this.printer.children(v, f.type, o, sib, this.pointsVisit));
    });
    return code;
  }

  private fieldsOf(s: IrStruct): FieldCode {
    return this.current?.s === s ? this.current : this.fieldCode(s);
  }

  private valuePut(s: IrStruct): string[] {
    const body = flat(this.fieldsOf(s).put);
    return func(`static MDL_UNUSED int ${this.prefix}_put_${s.name}(struct mdl_out *m, const ${this.types.spell(s.name)} *o)`, [], body, ['m', 'o']);
  }

  /** An embedded value: counts and discriminants are checked once all its fields arrived. */
  private valueGet(s: IrStruct): string[] {
    const sp = this.structPlan(s.id);
    const defer = this.deferred(this.sibsOf(s, (n) => `o->${n}`));
    const sib: Siblings = { value: () => null, known: () => '1', defer };
    const body = flatMapped(s.fields, (f, cur) =>
      this.trailing(s, f)
        ? [`return mdl_in_fail(m, r, "${s.name} carries a trailing area: a copy of it has none");`]
        : this.readOnly(s, f) && sp.fields[cur]!.value.k !== 'skip'
        ? this.constInValue(s, f, sp.fields[cur]!.value)
        : this.decoding(s.name, () => this.printer.get(sp.fields[cur]!.value, f.type, `o->${f.name}`, sib, f.bitWidth)),
    );
    return func(`static MDL_UNUSED int ${this.prefix}_get_${s.name}(struct mdl_in *m, struct mdl_reader *r, ${this.types.spell(s.name)} *o)`, defer.locals, [...body, ...defer.checks], ['m', 'r', 'o']);
  }

  /** Whether a value of the struct holds a tracked pointer to target (for frees: see mdl_in_end). */
  private valuePoints(s: IrStruct): string[] {
    const body = flat(this.fieldsOf(s).points);
    if (!body.length) return [];
    return [`static MDL_UNUSED bool ${this.prefix}_points_${s.name}(const ${this.types.spell(s.name)} *o, const void *target)`, '{', ...indentedText([...body, 'return false;']), '}'];
  }

  private readonly pointsVisit = {
    pointer: (p: string) => [`if (${p} == target)`, '\treturn true;'],
    embed: (type: string, x: string) => [`if (${this.prefix}_points_${type}(&${x}, target))`, '\treturn true;'],
  };

  private valueKids(s: IrStruct): string[] {
    const body = flat(this.fieldsOf(s).kids);
    if (!body.length) return [];
    return func(`static MDL_UNUSED int ${this.prefix}_kids_${s.name}(struct mdl_out *m, const ${this.types.spell(s.name)} *o)`, [], body, ['m', 'o']);
  }

  private copyStmt(t: IrType, to: string, from: string): string[] {
    const st = this.types.strip(t);
    if (st.kind === 'struct' && this.types.hasSkipped(st.name)) return [`${this.prefix}_copy_${st.name}(&${to}, &${from});`];
    if (st.kind === 'array') {
      const inner = this.types.embeds(st.of).some((n) => this.types.hasSkipped(n));
      if (inner) return [`for (u32 k = 0; k < ${st.length}; k++) {`, ...indent(this.copyStmt(st.of, `${to}[k]`, `${from}[k]`)), '}'];
      return [`memcpy(${to}, ${from}, sizeof(${to}));`];
    }
    return [`${to} = ${from};`];
  }

  private valueCopy(s: IrStruct): string[] {
    const sp = this.structPlan(s.id);
    const body = flatMapped(s.fields, (f, i) => (sp.fields[i]!.value.k === 'skip' || this.trailing(s, f) ? [] : this.copyStmt(f.type, `to->${f.name}`, `from->${f.name}`)));
    return [`static MDL_UNUSED void ${this.prefix}_copy_${s.name}(${this.types.spell(s.name)} *to, const ${this.types.spell(s.name)} *from)`, '{', ...indentedText(body), '}'];
  }

  private objectFunctions(s: IrStruct): string[][] {
    const p = this.prefix;
    const sp = this.structPlan(s.id);
    const blocks: string[][] = [];

    const fc = this.fieldsOf(s);
    const putBody = flatMapped(s.fields, (_f, i) => fieldIf(i, fc.put[i]!));
    blocks.push(func(`static int ${p}_obj_put_${s.name}(struct mdl_out *m, const void *obj, const u64 *mask)`, [`const ${this.types.spell(s.name)} *o = obj;`], putBody, ['m', 'obj', 'mask']));

    // Counts and discriminants are checked against the object as it will be: what the message
    // carries, else the live value (none for a new shadow: nothing to check against).
    const defer = this.deferred({
      value: (i) => (s.fields[i] ? `(mdl_bit(mask, ${i}) ? st->${s.fields[i]!.name} : lv->${s.fields[i]!.name})` : null),
      known: (i) => `(mdl_bit(mask, ${i}) || lv)`,
    });
    const getBody = flatMapped(s.fields, (f, cur) => {
      const sibs: Siblings = { value: () => null, known: () => '1', defer };
      if (this.trailing(s, f)) return fieldIf(cur, this.trailingGet(sp.fields[cur]!.value));
      if (this.readOnly(s, f) && sp.fields[cur]!.value.k !== 'skip') return fieldIf(cur, [this.refuseConst(s, f)]);
      const code = this.decoding(s.name, () => this.printer.get(sp.fields[cur]!.value, f.type, `st->${f.name}`, sibs, f.bitWidth));
      return fieldIf(cur, code.length && needsOwner(sp.fields[cur]!.value) ? [`mdl_in_field(m, ${cur});`, ...code] : code);
    });
    getBody.push(...defer.checks, ...this.updateChecks(s, sp));
    blocks.push(
      func(
        `static int ${p}_obj_get_${s.name}(struct mdl_in *m, struct mdl_reader *r, void *staged, const void *live,\n\t\t\tconst u64 *mask)`,
        [`${this.types.spell(s.name)} *st = staged;`, `const ${this.types.spell(s.name)} *lv = live;`, ...defer.locals],
        getBody,
        ['m', 'r', 'staged', 'live', 'mask'],
      ),
    );

    const applyBody = flatMapped(s.fields, (f, i) => {
      if (sp.fields[i]!.value.k === 'skip' || this.readOnly(s, f) || this.trailing(s, f)) return [];
      const stmts = this.copyStmt(f.type, `lv->${f.name}`, `st->${f.name}`);
      return stmts.length === 1 ? [`if (mdl_bit(mask, ${i}))`, `\t${stmts[0]}`] : [`if (mdl_bit(mask, ${i})) {`, ...indent(stmts), '}'];
    });
    blocks.push(
      func(
        `static void ${p}_obj_apply_${s.name}(void *live, const void *staged, const u64 *mask)`,
        [`${this.types.spell(s.name)} *lv = live;`, `const ${this.types.spell(s.name)} *st = staged;`],
        applyBody,
        ['live', 'staged', 'mask'],
        false,
      ),
    );

    const kids = flat(fc.kids);
    blocks.push(func(`static int ${p}_obj_kids_${s.name}(struct mdl_out *m, const void *obj)`, [`const ${this.types.spell(s.name)} *o = obj;`], kids, ['m', 'obj']));
    // Fields in `fields` (all when NULL; the others when `others`) that point at target.
    const points = flatMapped(s.fields, (_f, i) => {
      const code = fc.points[i]!;
      return code.length ? [`if (!fields || mdl_bit(fields, ${i}) != others) {`, ...indent(code), '}'] : [];
    });
    const hasPoints = points.length > 0;
    if (hasPoints)
      blocks.push([
        `static bool ${p}_obj_points_${s.name}(const void *obj, const u64 *fields, bool others, const void *target)`,
        '{',
        `\tconst ${this.types.spell(s.name)} *o = obj;`,
        '',
        ...indentedText([...points, 'return false;']),
        '}',
      ]);

    const arrays = s.fields.map((f, i) => ({ f, i, v: sp.fields[i]!.value })).filter((x) => x.v.k === 'array' || x.v.k === 'counted');
    if (arrays.length) {
      blocks.push(this.locate(s, arrays), this.element(s, arrays), this.spans(s, arrays));
    }
    const area = this.areaFunction(s);
    if (area.length) blocks.push(area);
    const sendable = [0n, 0n, 0n, 0n];
    sp.fields.forEach((f, i) => {
      // Past the mask's 256 bits the _Static_assert above stops the build.
      if (f.value.k !== 'skip' && i < 256) sendable[Math.floor(i / 64)]! |= 1n << BigInt(i % 64);
    });
    blocks.push([
      `_Static_assert(${s.fields.length} <= MDL_MAX_FIELDS, "struct ${s.name}: more fields than a present-field mask holds");`,
      '',
      `static const struct mdl_type_desc ${p}_desc_${s.name} = {`,
      `\t.id = ${this.idMacro(s.id)},`,
      `\t.nfields = ${s.fields.length},`,
      `\t.name = "${s.name}",`,
      `\t.size = sizeof(${this.types.spell(s.name)}),`,
      `\t.sendable = { ${sendable.map((w) => `0x${w.toString(16)}ULL`).join(', ')} },`,
      `\t.put = ${p}_obj_put_${s.name},`,
      `\t.get = ${p}_obj_get_${s.name},`,
      `\t.apply = ${p}_obj_apply_${s.name},`,
      `\t.children = ${p}_obj_kids_${s.name},`,
      `\t.locate = ${arrays.length ? `${p}_locate_${s.name}` : 'NULL'},`,
      `\t.element = ${arrays.length ? `${p}_element_${s.name}` : 'NULL'},`,
      `\t.points_to = ${hasPoints ? `${p}_obj_points_${s.name}` : 'NULL'},`,
      `\t.nspans = ${arrays.length},`,
      `\t.spans = ${arrays.length ? `${p}_spans_${s.name}` : 'NULL'},`,
      ...this.areaRows(s),
      '};',
    ]);
    return blocks;
  }

  /**
   * How the descriptor of a struct with a [trailing] area says so. The kernel side never makes a
   * shadow of one (home_only: the peer's would have no area). The user side with the kernel's
   * layout makes shadows of the kernel's, with the area after them, as alloc_etherdev allocates
   * (docs/c-api.md, "userLayout").
   */
  private areaRows(s: IrStruct): string[] {
    const f = s.fields.find((x) => this.trailing(s, x));
    if (!f) return [];
    const t = this.types.strip(f.type);
    const to = t.kind === 'pointer' ? this.types.strip(t.to) : t;
    if (to.kind !== 'struct') throw new Error(`${s.name}.${f.name}: a [trailing] field is a pointer to a struct`);
    // Both sides find the area of a live owner (mdl_in_area); only the user side makes shadows.
    return [...(this.side === 'kernel' ? ['\t.home_only = true,'] : []), `\t.area = ${this.prefix}_area_${s.name},`, `\t.area_size = sizeof(${this.types.spell(to.name)}),`];
  }

  /** The area accessor of a [trailing] field, as the descriptor's area(). */
  private areaFunction(s: IrStruct): string[] {
    const f = s.fields.find((x) => this.trailing(s, x));
    if (!f) return [];
    return [`static void *${this.prefix}_area_${s.name}(void *obj)`, '{', `\treturn (void *)(uintptr_t)${this.member(s, f, 'obj')};`, '}'];
  }

  /**
   * An update of a live object that carries a count but not the array it counts, or a
   * discriminant but not its union, would leave the object inconsistent: more elements counted
   * than the array holds (the k-driver and the next message it sends index past its end), or a
   * union read as an arm it does not hold (a number taken for a pointer). A count may shrink; a
   * discriminant may change to another case of the same arm. (Found by test/c/fuzz.)
   */
  private updateChecks(s: IrStruct, sp: StructPlan): string[] {
    const out: string[] = [];
    const now: Siblings = { value: (i) => (s.fields[i] ? `(mdl_bit(mask, ${i}) ? st->${s.fields[i]!.name} : lv->${s.fields[i]!.name})` : null), known: () => '1' };
    const was: Siblings = { value: (i) => (s.fields[i] ? `lv->${s.fields[i]!.name}` : null), known: () => '1' };
    sp.fields.forEach((f, i) => {
      const v = f.value;
      if (v.k === 'counted') {
        const a = this.printer.count(v.count, now);
        const b = this.printer.count(v.count, was);
        if (!a || !b || a.expr === b.expr) return;
        out.push(`if (lv && !mdl_bit(mask, ${i}) && ${a.expr} > ${b.expr})`, `\treturn mdl_in_fail(m, r, "the count of ${f.name} grows without the array");`);
      } else if (v.k === 'union' && v.switchOn >= 0 && s.fields[v.switchOn]) {
        const d = s.fields[v.switchOn]!.name;
        const arm = `${this.prefix}_arm_${this.typeName(v.type)}`;
        out.push(
          `if (lv && !mdl_bit(mask, ${i}) && mdl_bit(mask, ${v.switchOn}) && ${arm}((u64)(st->${d})) != ${arm}((u64)(lv->${d})))`,
          `\treturn mdl_in_fail(m, r, "${d} selects another arm of ${f.name} without the union");`,
        );
      }
    });
    return out;
  }

  /** The size of one element of array field `f` of `*obj`: a counted void * counts bytes. */
  private elemSize(f: IrStruct['fields'][number], obj: string): string {
    const t = this.types.strip(f.type);
    return t.kind === 'pointer' && this.types.strip(t.to).kind === 'void' ? '1' : `sizeof(${obj}->${f.name}[0])`;
  }

  private locate(s: IrStruct, arrays: { f: IrStruct['fields'][number]; i: number; v: PlanValue }[]): string[] {
    const sib = this.sibsOf(s, (n) => `o->${n}`);
    const body: string[] = [`const ${this.types.spell(s.name)} *o = obj;`, 'uintptr_t q = (uintptr_t)p, base;', 's64 n;', ''];
    for (const { f, i, v } of arrays) {
      if (v.k === 'array') {
        body.push(`base = (uintptr_t)o->${f.name};`, `n = ${v.length};`);
      } else if (v.k === 'counted') {
        const c = this.printer.count(v.count, sib);
        body.push(`base = (uintptr_t)o->${f.name};`, `n = ${c ? c.expr : '-1LL'};`);
      }
      body.push(
        `if (base && n >= 0 && q >= base && q <= base + (u64)n * ${this.elemSize(f, 'o')} &&`,
        `    (q - base) % ${this.elemSize(f, 'o')} == 0) {`,
        `\t*field = ${i};`,
        `\t*index = (u32)((q - base) / ${this.elemSize(f, 'o')});`,
        '\treturn true;',
        '}',
      );
    }
    body.push('return false;');
    return [`static bool ${this.prefix}_locate_${s.name}(const void *obj, const void *p, u32 *field, u32 *index)`, '{', ...indentedText(body), '}'];
  }

  /** Where the object's arrays are now, for the channel's range table. */
  private spans(s: IrStruct, arrays: { f: IrStruct['fields'][number]; i: number; v: PlanValue }[]): string[] {
    const sib = this.sibsOf(s, (n) => `o->${n}`);
    const body: string[] = [`const ${this.types.spell(s.name)} *o = obj;`, 'u32 n = 0;', ''];
    for (const { f, i, v } of arrays) {
      const bytes = `sizeof(o->${f.name})`;
      if (v.k === 'counted') {
        const c = this.printer.count(v.count, sib);
        body.push(
          '{',
          `\ts64 count = ${c ? c.expr : '-1LL'};`,
          '',
          `\tif (o->${f.name} && count >= 0)`,
          `\t\tout[n++] = (struct mdl_span){ ${i}, (uintptr_t)o->${f.name}, (size_t)count * ${this.elemSize(f, 'o')} };`,
          '}',
        );
      } else {
        body.push(`out[n++] = (struct mdl_span){ ${i}, (uintptr_t)o->${f.name}, ${bytes} };`);
      }
    }
    body.push('return n;');
    return [`static u32 ${this.prefix}_spans_${s.name}(const void *obj, struct mdl_span *out)`, '{', ...indentedText(body), '}'];
  }

  private element(s: IrStruct, arrays: { f: IrStruct['fields'][number]; i: number; v: PlanValue }[]): string[] {
    const body: string[] = ['switch (field) {'];
    // The staged value when the message carries the field, else the live one.
    const pick = (i: number): string => {
      const g = s.fields[i]!;
      return `(st && mdl_bit(smask, ${i}) ? st->${g.name} : lv->${g.name})`;
    };
    for (const { f, i, v } of arrays) {
      body.push(`case ${i}:`);
      if (v.k === 'array') {
        body.push(`\treturn index <= ${v.length} ? (void *)(lv->${f.name} + index) : NULL;`);
      } else if (v.k === 'counted') {
        const c = this.printer.count(v.count, { value: (k) => (s.fields[k] ? pick(k) : null), known: () => '1' });
        body.push(
          '\t{',
          `\t\tuintptr_t base = (uintptr_t)${pick(i)};`,
          `\t\ts64 n = ${c ? c.expr : '-1LL'};`,
          '',
          `\t\tif (!base || n < 0 || index > n)`,
          '\t\t\treturn NULL;',
          `\t\treturn (void *)(base + index * ${this.elemSize(f, 'lv')});`,
          '\t}',
        );
      }
    }
    body.push('}', 'return NULL;');
    return func(
      `static void *${this.prefix}_element_${s.name}(void *live, const void *staged, const u64 *smask, u32 field,\n\t\t\t\tu32 index)`,
      [`${this.types.spell(s.name)} *lv = live;`, `const ${this.types.spell(s.name)} *st = staged;`],
      body,
      ['live', 'staged', 'smask', 'field', 'index'],
      false,
    );
  }

  // ---- selections -----------------------------------------------------------------------------

  /** Statements selecting what `sel` reaches from x (a tracked pointer to typeId). */
  private select(typeId: number, sel: PlanSelection | 'deep', x: string, name: string, out: string[][]): string[] {
    const desc = `&${this.prefix}_desc_${this.typeName(typeId)}`;
    if (sel === 'deep' || sel.all === 2) return call(`mdl_out_deep(m, (const void *)(uintptr_t)(${x}), ${desc})`);
    const s = this.types.struct(this.typeName(typeId));
    const sp = this.structPlan(typeId);
    const body: string[] = [
      `const ${this.types.spell(s.name)} *o = obj;`,
      'u32 ix;',
      'bool walk;',
      'int err;',
      '',
      'if (!o)',
      '\treturn 0;',
      ...call(`mdl_out_select(m, o, ${desc}, ${sel.all === 1}, false, &ix, &walk)`),
    ];
    const put = this.partialPuts?.get(typeId);
    if (put) body.push(`mdl_out_put_with(m, ix, ${put});`);
    const named = new Map(sel.fields.map(([i, next]) => [i, next]));
    let child = 0;
    const sib = this.sibsOf(s, (n) => `o->${n}`);
    sp.fields.forEach((f, i) => {
      const chosen = sel.all === 1 || named.has(i);
      if (!chosen || f.value.k === 'skip') return;
      if (sel.all !== 1) body.push(`mdl_out_mark(m, ix, ${i});`);
      const next = named.get(i) ?? null;
      body.push(...this.collectValue(f.value, s.fields[i]!.type, this.member(s, s.fields[i]!, 'o'), next, `${name}_${child++}`, out, sib));
    });
    body.push('return 0;');
    out.push([`static int ${name}(struct mdl_out *m, const void *obj)`, '{', ...indentedText(body), '}']);
    return call(`${name}(m, (const void *)(uintptr_t)(${x}))`);
  }

  private collectValue(v: PlanValue, t: IrType, x: string, next: PlanSelection | 'deep' | null, name: string, out: string[][], sib: Siblings): string[] {
    switch (v.k) {
      case 'tracked':
        if (!next) return call(`mdl_out_touch(m, (const void *)(uintptr_t)(${x}), &${this.prefix}_desc_${this.typeName(v.type)})`);
        return this.select(v.type, next, x, name, out);
      case 'array':
      case 'counted': {
        if (!next || (v.of.k !== 'tracked' && v.of.k !== 'embed')) return [];
        const st = this.types.strip(t);
        const et = st.kind === 'array' ? st.of : st.kind === 'pointer' ? st.to : st;
        const inner = this.collectValue(v.of, et, `(${x})[k]`, next, name, out, sib);
        if (v.k === 'array') return [`for (u32 k = 0; k < ${v.length}; k++) {`, ...indent(inner), '}'];
        const c = this.printer.count(v.count, sib);
        if (!c) return [];
        return [`if (${x}) {`, `\tfor (u32 k = 0; k < (u32)${c.expr}; k++) {`, ...indent(inner, '\t\t'), '\t}', '}'];
      }
      case 'embed': {
        if (!next) return [];
        const s = this.types.struct(this.typeName(v.type));
        const sp = this.structPlan(v.type);
        const inner = this.sibsOf(s, (n) => `(${x}).${n}`);
        // A path through an embedded struct goes on through the pointers it names.
        const picks = next === 'deep' || next.all === 2 ? null : new Map(next.fields.map(([i, sub]) => [i, sub]));
        return flatMapped(sp.fields, (f, i) =>
          this.collectValue(f.value, s.fields[i]!.type, `(${x}).${s.fields[i]!.name}`, picks ? (picks.get(i) ?? null) : 'deep', `${name}_${i}`, out, inner),
        );
      }
      default:
        return [];
    }
  }

  /** While a call's or reply's selections print: the objects whose types have a partial put. */
  private partialPuts: Map<number, string> | null = null;

  /**
   * Runs print with the partial puts of these selections in place: for each type whose embedded
   * structs the access set merges only in part, and which has a pointer there the receiver will
   * not merge, a put (printed into out) that sends that pointer as NULL.
   */
  private selecting(name: string, selections: PlanFunction['reads'], params: PlanFunction['params'], out: string[][], print: () => void): void {
    const puts = new Map<number, string>();
    for (const [type, { merge }] of this.accessOf(selections, params)) {
      if (!merge) continue;
      const steps = merge.map(([i, tree]) => ({ i, steps: this.embeddedSteps(type, [[i, tree]]) }));
      if (!steps.some((x) => x.steps.some((st) => st.how === 'left'))) continue;
      const fn = `${name}_put_${this.typeName(type)}`;
      out.push(this.partialPut(fn, type, new Map(steps.map((x) => [x.i, x.steps]))));
      puts.set(type, fn);
    }
    this.partialPuts = puts;
    try {
      print();
    } finally {
      this.partialPuts = null;
    }
  }

  /**
   * The fields inside the embedded fields `merge` names of a struct, in wire order, each with
   * how it crosses: `merged` (the receiver takes it), `left` (a pointer it will not merge: sent
   * as NULL), `sent` (not merged, but a value whose form its siblings constrain, such as a
   * count's array or a discriminant's union: sent as it is, and ignored). An explicit stack: the
   * nesting is the IDL's.
   */
  private embeddedSteps(typeId: number, merge: [number, PlanMerge][]): EmbeddedStep[] {
    const out: EmbeddedStep[] = [];
    const top = this.types.struct(this.typeName(typeId));
    type Frame = { type: number; path: string; tree: Map<number, PlanMerge | null> | null; next: number };
    // Pushed in reverse, the first comes off first; a frame's own fields go in order, each
    // embedded struct's before the next field (a frame on top of its parent's).
    const work: Frame[] = [];
    for (const [i, tree] of [...merge].reverse()) {
      const pv = this.structPlan(typeId).fields[i]!.value;
      if (pv.k === 'embed') work.push({ type: pv.type, path: top.fields[i]!.name, tree: new Map(tree), next: 0 });
    }
    while (work.length) {
      const fr = work[work.length - 1]!;
      const s = this.types.struct(this.typeName(fr.type));
      const sp = this.structPlan(fr.type);
      if (fr.next >= s.fields.length) {
        work.pop();
        continue;
      }
      const i = fr.next++;
      const v = sp.fields[i]!.value;
      if (v.k === 'skip') continue;
      const path = `${fr.path}.${s.fields[i]!.name}`;
      const inTree = fr.tree ? fr.tree.has(i) : false;
      const sub = fr.tree?.get(i) ?? null;
      if (inTree && sub === null) {
        out.push({ s, i, v, path, how: 'merged' });
      } else if (v.k === 'embed') {
        work.push({ type: v.type, path, tree: inTree && sub ? new Map(sub) : null, next: 0 });
      } else {
        out.push({ s, i, v, path, how: leavable(v) ? 'left' : 'sent' });
      }
    }
    return out;
  }

  /**
   * An object's put for a call or reply that merges some of its embedded structs in part: those
   * go field by field (embeddedSteps), the runs of fields between them through the type's own
   * put, on the mask cut to the run. The wire is the same; only the values the receiver ignores
   * differ.
   */
  private partialPut(name: string, typeId: number, parts: Map<number, EmbeddedStep[]>): string[] {
    const s = this.types.struct(this.typeName(typeId));
    const body: string[] = [];
    const run = (lo: number, hi: number): void => {
      if (lo < hi) body.push(`mdl_mask_range(part, mask, ${lo}, ${hi});`, ...call(`${this.prefix}_obj_put_${s.name}(m, obj, part)`));
    };
    let from = 0;
    for (const i of [...parts.keys()].sort((a, b) => a - b)) {
      run(from, i);
      from = i + 1;
      const lines = flatMapped(parts.get(i)!, (st) => {
        const owner = st.path.slice(0, st.path.lastIndexOf('.'));
        const f = st.s.fields[st.i]!;
        if (st.how === 'left') return st.v.k === 'box' ? call('mdl_put_u32(&m->w, 0)') : this.printer.put(st.v, f.type, 'NULL', ALL_FIELDS);
        const sib = this.sibsOf(st.s, (n) => `o->${owner}.${n}`);
        return this.printer.put(st.v, f.type, this.trailing(st.s, f) ? this.member(st.s, f, `(&o->${owner})`) : `o->${st.path}`, sib);
      });
      body.push(...fieldIf(i, lines));
    }
    run(from, s.fields.length);
    return func(`static int ${name}(struct mdl_out *m, const void *obj, const u64 *mask)`, [`const ${this.types.spell(s.name)} *o = obj;`, 'u64 part[MDL_MASK_WORDS];'], body, ['m', 'obj', 'mask']);
  }

  // ---- access sets --------------------------------------------------------------------------------

  /**
   * What a call (reads) or its reply (writes) may carry, as present-field masks per type, and how
   * the receiver merges the embedded structs it takes only in part (accessMerges).
   */
  private accessOf(selections: PlanFunction['reads'], params: PlanFunction['params']): Map<number, { mask: bigint[]; merge: [number, PlanMerge][] | null }> {
    const cached = this.accessCache.get(selections);
    if (cached && cached.params === params) return cached.access;
    const out = new Map<number, { mask: bigint[]; merge: [number, PlanMerge][] | null }>();
    const sets = accessSets(this.plan.types, selections, params);
    const merges = new Map(sets.merges);
    for (const [type, list] of sets.fields) {
      const m = [0n, 0n, 0n, 0n];
      for (const i of list) if (i < 256) m[i >> 6]! |= 1n << BigInt(i & 63);
      out.set(type, { mask: m, merge: merges.get(type) ?? null });
    }
    this.accessCache.set(selections, { params, access: out });
    return out;
  }

  /**
   * The access set as a C table, or null when the message may carry no object; a type with
   * embedded structs merged in part gets its own apply function, printed into `out`.
   */
  private accessTable(name: string, access: Map<number, { mask: bigint[]; merge: [number, PlanMerge][] | null }>, out: string[][]): string[] | null {
    if (!access.size) return null;
    const rows = [...access.entries()]
      .sort(([a], [b]) => a - b)
      .map(([type, { mask, merge }]) => {
        const fn = merge ? `${name}_merge_${this.typeName(type)}` : 'NULL';
        if (merge) out.push(this.mergeFunction(fn, type, merge));
        // The const fields the merge leaves out, which arrive NULL (kernel side only: readOnly).
        const spelled = this.types.spell(this.typeName(type));
        const unmerged = merge ? this.embeddedSteps(type, merge).filter((st) => st.how === 'left' && this.readOnly(st.s, st.s.fields[st.i]!)) : [];
        const list = unmerged.length ? `${name}_unmerged_${this.typeName(type)}` : 'NULL';
        if (unmerged.length) out.push([`static const u32 ${list}[] = {`, ...unmerged.map((st) => `\toffsetof(${spelled}, ${st.path}),`), '};']);
        return `\t{ ${this.idMacro(type)}, { ${mask.map((w) => `0x${w.toString(16)}ULL`).join(', ')} }, ${fn}, ${list}, ${unmerged.length} },`;
      });
    return [`static const struct mdl_access ${name}[] = {`, ...rows, '};'];
  }

  /**
   * Applies a staged object like its type's apply function, except that the embedded structs in
   * `merge` take only the fields selected inside them: the sender's copy of the rest is not news.
   */
  private mergeFunction(name: string, typeId: number, merge: [number, PlanMerge][]): string[] {
    const s = this.types.struct(this.typeName(typeId));
    const sp = this.structPlan(typeId);
    const partial = new Map(merge);
    const copyInto = (t: IrType, to: string, from: string, tree: PlanMerge | null): string[] => {
      if (!tree) return this.copyStmt(t, to, from);
      const st = this.types.strip(t);
      if (st.kind !== 'struct') return this.copyStmt(t, to, from);
      const inner = this.types.struct(st.name);
      return flatMapped(tree, ([j, sub]) => copyInto(inner.fields[j]!.type, `${to}.${inner.fields[j]!.name}`, `${from}.${inner.fields[j]!.name}`, sub));
    };
    const body = flatMapped(s.fields, (f, i) => {
      if (sp.fields[i]!.value.k === 'skip' || this.trailing(s, f)) return [];
      const stmts = copyInto(f.type, `lv->${f.name}`, `st->${f.name}`, partial.get(i) ?? null);
      return stmts.length === 1 ? [`if (mdl_bit(mask, ${i}))`, `\t${stmts[0]}`] : [`if (mdl_bit(mask, ${i})) {`, ...indent(stmts), '}'];
    });
    return func(
      `static void ${name}(void *live, const void *staged, const u64 *mask)`,
      [`struct ${s.name} *lv = live;`, `const struct ${s.name} *st = staged;`],
      body,
      ['live', 'staged', 'mask'],
      false,
    );
  }

  // ---- calls ------------------------------------------------------------------------------------

  private paramSibs(params: IrParam[], prefix: string, upTo: number | null): Siblings {
    return { value: (i) => (params[i] && (upTo === null || i < upTo) ? `${prefix}${params[i]!.name}` : null), known: () => '1' };
  }

  /**
   * The object a parameter's selection starts from: the pointee of a tracked pointer, or the
   * enclosing object of a [container] pointer (its selection is rooted there), NULL kept NULL.
   */
  private selectionRoot(pv: PlanValue, x: string): { type: number; expr: string } | null {
    if (pv.k === 'tracked') return { type: pv.type, expr: x };
    // An [out] or [inout] T **: the object the box holds.
    if (pv.k === 'box' && pv.of.k === 'tracked') return { type: pv.of.type, expr: `(${x} ? *(${x}) : NULL)` };
    if (pv.k !== 'container') return null;
    const outer = this.types.spell(this.typeName(pv.type));
    const member = this.printer.member(pv.type, pv.path);
    return { type: pv.type, expr: `(${x} ? (const ${outer} *)((const u8 *)${x} - offsetof(${outer}, ${member})) : NULL)` };
  }

  /** The encoder of a call's arguments (also used for calls through callbacks: no selections). */
  private argsFunction(name: string, params: IrParam[], plans: PlanFunction['params'], reads: PlanFunction['reads'], extra: string[][]): string[] {
    const sib = this.paramSibs(params, 'a_', null);
    const body: string[] = [];
    this.selecting(name, reads, plans, extra, () =>
      reads.forEach(([pi, sel], k) => {
        const x = this.selectionRoot(plans[pi]!.value, `a_${params[pi]!.name}`);
        if (x) body.push(...this.select(x.type, sel, x.expr, `${name}_sel${k}`, extra));
      }),
    );
    body.push(...call('mdl_out_objects(m)'));
    params.forEach((p, i) => {
      const pv = plans[i]!.value;
      const x = `a_${p.name}`;
      if (p.direction !== 'out') return body.push(...this.printer.put(pv, p.type, x, sib));
      // An [out] parameter sends its shape, not its contents (the TypeScript runtime's outShell).
      if (pv.k === 'box') {
        const st = this.types.strip(p.type);
        const et = st.kind === 'pointer' ? st.to : p.type;
        body.push(...call(`mdl_put_u32(&m->w, ${x} ? 1 : 0)`));
        body.push(`if (${x}) {`, `\tstatic const ${this.types.declare(et, 'zero')};`, '', ...indent(this.printer.put(pv.of, et, 'zero', sib)), '}');
      } else if (pv.k === 'string') {
        body.push(...call(`mdl_put_str(&m->w, ${x} ? "" : NULL, ${pv.max ?? 'MDL_STRING_MAX_DEFAULT'})`));
      } else if (pv.k === 'counted' && crossesAsCount({ value: pv, dir: p.direction })) {
        // An array: its count alone, never the caller's elements (crossesAsCount).
        body.push(...this.printer.putCount(pv, x, sib));
      } else {
        body.push(...this.printer.put(pv, p.type, x, sib));
      }
    });
    const ps = ['struct mdl_out *m', ...params.map((p) => this.types.declare(p.type, `a_${p.name}`))];
    return func(`static int ${name}(${ps.join(', ')})`, [], body, ['m', ...params.map((p) => `a_${p.name}`)]);
  }

  /** The decoder of a reply on the caller's side: return value and out parameters, then commit. */
  private resultsFunction(name: string, returns: IrType, retPlan: PlanValue | null, params: IrParam[], plans: PlanFunction['params']): string[] {
    const sib = this.paramSibs(params, 'a_', null);
    const decls: string[] = [];
    const body: string[] = [];
    const after: string[] = [];
    if (retPlan) {
      decls.push(`${this.types.declare(returns, 'rv')};`);
      body.push(`memset(&rv, 0, sizeof(rv));`, ...this.printer.get(retPlan, returns, 'rv', sib));
      after.push(keepsAllocation(retPlan) ? '*ret = mdl_in_keep(m, (void *)(uintptr_t)rv);' : '*ret = rv;');
    }
    params.forEach((p, i) => {
      const pv = plans[i]!.value;
      if (p.direction === 'in' || isIdentity(pv)) return;
      const tmp = `o_${p.name}`;
      const x = `a_${p.name}`;
      decls.push(`${this.types.declare(p.type, tmp)};`);
      body.push(`memset(&${tmp}, 0, sizeof(${tmp}));`, ...this.printer.get(pv, p.type, tmp, sib));
      if (pv.k === 'box') after.push(`if (${x} && ${tmp})`, `\t*${x} = *${tmp};`);
      else if (pv.k === 'counted') {
        const c = this.printer.count(pv.count, sib);
        after.push(`if (${x} && ${tmp})`, `\tmemcpy((void *)${x}, ${tmp}, (size_t)(${c ? c.expr : 0}) * sizeof(*${tmp}));`);
      } else if (pv.k === 'string') after.push(`if (${x} && ${tmp})`, `\tmemcpy((void *)${x}, ${tmp}, strlen(${tmp}) + 1);`);
      else after.push(`${x} = ${tmp};`);
    });
    const ps = ['struct mdl_in *m', ...(retPlan ? [`${this.types.declare(returns, '*ret')}`] : []), ...params.map((p) => this.types.declare(p.type, `a_${p.name}`))];
    return func(
      `static int ${name}(${ps.join(', ')})`,
      ['struct mdl_reader *r = &m->r;', ...decls],
      [...body, ...call('mdl_in_end(m)'), ...after],
      ['m', ...(retPlan ? ['ret'] : []), ...params.map((p) => `a_${p.name}`)],
    );
  }

  private stubBody(params: IrParam[], returns: IrType, begin: string, argsName: string, resultsName: string, hasReturn: boolean, replies: { name: string; count: number } | null = null): string[] {
    const names = params.map((p) => stubParam(p.name));
    const rt = this.types.strip(returns);
    const errValue = rt.kind === 'int' && rt.signed && rt.bits >= 32 ? 'rc' : rt.kind === 'void' ? '' : null;
    const lines = ['struct mdl_chan *chan = ' + this.prefix + '_chan;', 'struct mdl_out call_out;', 'struct mdl_in call_in;'];
    if (hasReturn) lines.push(`${this.types.declare(returns, 'result')};`);
    lines.push('int rc;', '');
    if (hasReturn) lines.push('memset(&result, 0, sizeof(result));');
    lines.push('if (!chan)', `\treturn${errValue === null ? ' result' : errValue ? ' -ENOTCONN' : ''};`);
    lines.push(`rc = ${begin};`);
    // What the reply may write back: nothing else is accepted.
    if (replies) lines.push(`call_out.replies = ${replies.name};`, `call_out.nreplies = ${replies.count};`);
    lines.push('if (!rc)', `\trc = ${argsName}(&call_out${names.map((n) => ', ' + n).join('')});`);
    lines.push('if (!rc)', '\trc = mdl_call_send(chan, &call_out, &call_in);');
    lines.push('if (!rc)', `\trc = ${resultsName}(&call_in${hasReturn ? ', &result' : ''}${names.map((n) => ', ' + n).join('')});`);
    lines.push('mdl_call_end(chan, &call_out, &call_in);');
    lines.push('if (rc) {', '\tchan->last_error = rc;', `\treturn${errValue === null ? ' result' : errValue ? ' rc' : ''};`, '}');
    if (hasReturn) lines.push('return result;');
    return lines;
  }

  private stub(iface: IrInterface, fn: IrFunction, plan: PlanFunction): string[][] {
    const base = stubName(this.prefix, iface.name, fn.name);
    const extra: string[][] = [];
    const args = this.argsFunction(`${base}_args`, fn.params, plan.params, plan.reads, extra);
    const results = this.resultsFunction(`${base}_results`, fn.returns.type, plan.returns, fn.params, plan.params);
    const writes = this.accessOf(plan.writes, plan.params);
    const table = this.accessTable(`${base}_writes`, writes, extra);
    if (table) extra.push(table);
    const body = this.stubBody(
      fn.params,
      fn.returns.type,
      `mdl_call_begin(chan, &call_out, &call_in, ${this.idMacro(iface.id)}, ${functionIdMacro(this.prefix, iface.name, fn.name)})`,
      `${base}_args`,
      `${base}_results`,
      plan.returns !== null,
      table ? { name: `${base}_writes`, count: writes.size } : null,
    );
    return [...extra, args, results, [this.prototype(base, fn.returns.type, fn.params), '{', ...indentedText(body), '}']];
  }

  /** The reply encoder on the callee's side: written objects, return value, out parameters. */
  private replyFunction(name: string, returns: IrType, retPlan: PlanValue | null, params: IrParam[], plans: PlanFunction['params'], writes: PlanFunction['writes'], extra: string[][]): string[] {
    const sib = this.paramSibs(params, 'a_', null);
    const body: string[] = [];
    this.selecting(name, writes, plans, extra, () =>
      writes.forEach(([pi, sel], k) => {
        const x = this.selectionRoot(plans[pi]!.value, `a_${params[pi]!.name}`);
        if (x) body.push(...this.select(x.type, sel, x.expr, `${name}_sel${k}`, extra));
      }),
    );
    body.push(...call('mdl_out_objects(m)'));
    if (retPlan) body.push(...this.printer.put(retPlan, returns, 'rv', sib));
    params.forEach((p, i) => {
      const pv = plans[i]!.value;
      if (p.direction !== 'in' && !isIdentity(pv)) body.push(...this.printer.put(pv, p.type, `a_${p.name}`, sib));
    });
    const ps = ['struct mdl_out *m', ...(retPlan ? [this.types.declare(returns, 'rv')] : []), ...params.map((p) => this.types.declare(p.type, `a_${p.name}`))];
    return func(`static int ${name}(${ps.join(', ')})`, [], body, ['m', ...(retPlan ? ['rv'] : []), ...params.map((p) => `a_${p.name}`)]);
  }

  /** Decodes the arguments (a parameter's count or discriminant must come before it), runs impl. */
  private serveBody(params: IrParam[], plans: PlanFunction['params'], returns: IrType, retPlan: PlanValue | null, invoke: string, replyName: string, guard: string[]): { locals: string[]; body: string[] } {
    const decls = params.map((p) => `${this.types.declare(p.type, `a_${p.name}`)};`);
    // A parameter may count or switch one before it: checked once all have arrived.
    const defer = this.deferred(this.paramSibs(params, 'a_', null));
    const gets = flatMapped(params, (p, i) => {
      const pv = plans[i]!.value;
      const sib = { value: () => null, known: () => '1', defer };
      if (pv.k === 'counted' && crossesAsCount({ value: pv, dir: p.direction })) return this.printer.getCount(pv, p.type, `a_${p.name}`, sib);
      // An array the implementation only reads is read where it arrived: no copy.
      const code = (p.direction === 'in' ? this.printer.view(pv, p.type, `a_${p.name}`, sib) : null) ?? this.printer.get(pv, p.type, `a_${p.name}`, sib);
      // An [out] string gets room for the longest reply, which the implementation fills.
      if (p.direction === 'out' && pv.k === 'string') return code.map((l) => l.replace(/mdl_in_string\(m, r, ([^,]+), 0,/, 'mdl_in_string(m, r, $1, (size_t)$1 + 1,'));
      return code;
    });
    return {
      locals: ['struct mdl_reader *r = &m->r;', ...decls, ...(retPlan ? [`${this.types.declare(returns, 'rv')};`] : []), ...defer.locals],
      body: [
        ...guard,
        ...params.map((p) => `memset(&a_${p.name}, 0, sizeof(a_${p.name}));`),
        ...gets,
        ...defer.checks,
        ...call('mdl_in_end(m)'),
        `${retPlan ? 'rv = ' : ''}${invoke}(${params.map((p) => `a_${p.name}`).join(', ')});`,
        ...call('mdl_reply_start(out)'),
        `return ${replyName}(out${retPlan ? ', rv' : ''}${params.map((p) => `, a_${p.name}`).join('')});`,
      ],
    };
  }

  private serve(iface: IrInterface, fn: IrFunction, plan: PlanFunction): string[][] {
    const base = stubName(this.prefix, iface.name, fn.name);
    const extra: string[][] = [];
    const reply = this.replyFunction(`${base}_reply`, fn.returns.type, plan.returns, fn.params, plan.params, plan.writes, extra);
    const impl = `${this.prefix}_impl.${iface.name}`;
    const body = this.serveBody(fn.params, plan.params, fn.returns.type, plan.returns, `${impl}->${fn.name}`, `${base}_reply`, [`if (!${impl} || !${impl}->${fn.name})`, '\treturn -ENOSYS;']);
    return [...extra, reply, func(`static int ${base}_serve(struct mdl_chan *c, struct mdl_in *m, struct mdl_out *out)`, body.locals, body.body, ['c', 'm', 'out'], false)];
  }

  /** A callback type: calls through a peer's pointer (trampolines) and through ours (serve). */
  private callback(cb: IrCallback, index: number): string[][] {
    const p = this.prefix;
    const plan = this.planTypes.get(cb.id) as CallbackPlan;
    const base = `${p}_cb_${cb.name}`;
    const extra: string[][] = [];
    const args = this.argsFunction(`${base}_args`, cb.params, plan.params, [], extra);
    const results = this.resultsFunction(`${base}_results`, cb.returns.type, plan.returns, cb.params, plan.params);
    const slotParam: IrParam = { name: 'slot', type: { kind: 'int', name: 'u32', bits: 32, signed: false }, direction: 'in', marshal: cb.params[0]?.marshal ?? ({} as IrParam['marshal']), source: cb.source };
    const body = this.stubBody(
      cb.params,
      cb.returns.type,
      `mdl_call_begin_fn(chan, &call_out, &call_in, ${this.idMacro(cb.id)}, mdl_chan_slot(chan, ${index}, slot))`,
      `${base}_args`,
      `${base}_results`,
      plan.returns !== null,
    );
    const blocks: string[][] = [...extra, args, results, [`static ${this.prototype(`${base}_call`, cb.returns.type, [slotParam, ...cb.params])}`, '{', ...indentedText(body), '}']];
    const tramps: string[] = [];
    const names = cb.params.map((x) => stubParam(x.name));
    for (let k = 0; k < TRAMPOLINES; k++) {
      const call2 = `${base}_call(${[String(k), ...names].join(', ')})`;
      tramps.push(`static ${this.prototype(`${base}_${k}`, cb.returns.type, cb.params)}`, '{', `\t${plan.returns ? 'return ' : ''}${call2};`, '}', '');
    }
    tramps.push(`static void (*const ${base}_trampolines[MDL_TRAMPOLINES])(void) = {`);
    for (let k = 0; k < TRAMPOLINES; k++) tramps.push(`\t(void (*)(void))${base}_${k},`);
    tramps.push('};');
    blocks.push(tramps);
    const reply = this.replyFunction(`${base}_reply`, cb.returns.type, plan.returns, cb.params, plan.params, [], blocks);
    blocks.push(reply);
    const serve = this.serveBody(cb.params, plan.params, cb.returns.type, plan.returns, `((${cb.name})fn)`, `${base}_reply`, []);
    blocks.push(func(`static int ${base}_serve(struct mdl_chan *c, struct mdl_in *m, struct mdl_out *out, void (*fn)(void))`, serve.locals, serve.body, ['c', 'm', 'out', 'fn'], false));
    return blocks;
  }

  private moduleTables(side: Side, served: { iface: IrInterface; fn: IrFunction; plan: PlanFunction }[], cbs: IrCallback[]): string[][] {
    const p = this.prefix;
    const blocks: string[][] = [];
    const stubTables = this.stubTables(side);
    const calls = side === 'kernel' ? 'upcall' : 'downcall';
    for (const iface of stubTables) {
      blocks.push([
        `const struct ${iface.name} ${stubTableName(p, side, iface.name)} = {`,
        ...iface.functions.filter((f) => f.role === calls).map((f) => `\t.${f.name} = ${stubName(p, iface.name, f.name)},`),
        '};',
      ]);
    }
    const ifaceRows: string[] = [];
    for (const iface of this.ir.interfaces) {
      const fns = served.filter((s) => s.iface === iface);
      const stubs = stubTables.includes(iface) ? `&${stubTableName(p, side, iface.name)}` : 'NULL';
      const fnTable = cName(p, iface.name, 'functions');
      if (!fns.length && stubs === 'NULL') continue;
      if (fns.length) {
        const rows = fns.map((s) => {
          const plan = s.plan;
          const reads = this.accessOf(plan.reads, plan.params);
          const base = stubName(p, iface.name, s.fn.name);
          const name = `${base}_reads`;
          const table = this.accessTable(name, reads, blocks);
          if (table) blocks.push(table);
          return `\t{ ${functionIdMacro(p, iface.name, s.fn.name)}, "${s.fn.name}", ${base}_serve, ${reads.size}, ${table ? name : 'NULL'} },`;
        });
        blocks.push([`static const struct mdl_function ${fnTable}[] = {`, ...rows, '};']);
      }
      ifaceRows.push(`\t{ ${this.idMacro(iface.id)}, "${iface.name}", ${fns.length}, ${fns.length ? fnTable : 'NULL'}, ${stubs} },`);
    }
    if (ifaceRows.length) blocks.push([`static const struct mdl_iface ${p}_${side}_ifaces[] = {`, ...ifaceRows, '};']);
    const structs = this.completeStructs();
    if (structs.length) blocks.push([`static const struct mdl_type_desc *const ${p}_types[] = {`, ...structs.map((s) => `\t&${p}_desc_${s.name},`), '};']);
    if (cbs.length) blocks.push([`static const struct mdl_callback ${p}_callbacks[] = {`, ...cbs.map((c) => `\t{ ${this.idMacro(c.id)}, "${c.name}", MDL_TRAMPOLINES, ${p}_cb_${c.name}_trampolines, ${p}_cb_${c.name}_serve },`), '};']);
    blocks.push([
      `const struct mdl_module ${p}_${side}_module = {`,
      `\t.name = "${p}",`,
      `\t.version = ${this.version},`,
      `\t.user_side = ${side === 'user'},`,
      `\t.ntypes = ${structs.length},`,
      `\t.types = ${structs.length ? `${p}_types` : 'NULL'},`,
      `\t.nifaces = ${ifaceRows.length},`,
      `\t.ifaces = ${ifaceRows.length ? `${p}_${side}_ifaces` : 'NULL'},`,
      `\t.ncallbacks = ${cbs.length},`,
      `\t.callbacks = ${cbs.length ? `${p}_callbacks` : 'NULL'},`,
      '};',
    ]);
    blocks.push([
      `int ${p}_${side}_open(struct mdl_chan *c, struct mdl_transport *tr, u32 max_payload,`,
      `\t\tconst struct ${p}_impls *impls)`,
      '{',
      `\tint err = mdl_chan_init(c, &${p}_${side}_module, tr, max_payload);`,
      '',
      '\tif (err)',
      '\t\treturn err;',
      '\tif (impls)',
      `\t\t${p}_impl = *impls;`,
      `\t${p}_chan = c;`,
      '\treturn 0;',
      '}',
    ]);
    blocks.push([`void ${p}_${side}_close(struct mdl_chan *c)`, '{', `\tif (${p}_chan == c)`, `\t\t${p}_chan = NULL;`, '\tmdl_chan_destroy(c);', '}']);
    return blocks;
  }
}

/**
 * One array of the arrays a function returns per element. Array.prototype.flatMap and flat are
 * generic and many times slower than pushing: they were a large part of printing a big program.
 */
function flatMapped<T, U>(xs: readonly T[], f: (x: T, i: number) => readonly U[]): U[] {
  const out: U[] = [];
  for (let i = 0; i < xs.length; i++) for (const y of f(xs[i]!, i)) out.push(y);
  return out;
}

function flat<U>(parts: readonly (readonly U[])[]): U[] {
  const out: U[] = [];
  for (const p of parts) for (const y of p) out.push(y);
  return out;
}

const TRAMPOLINES = 8;

/** Field i's statements under its present-field bit. A body that is one block already gets the if's braces, not a second pair. */
function fieldIf(i: number, body: string[]): string[] {
  if (!body.length) return [];
  const out = [`if (mdl_bit(mask, ${i})) {`];
  if (body[0] === '{' && body[body.length - 1] === '}' && body.indexOf('}') === body.length - 1) {
    // The block's own lines, one tab in already: unindented and indented again is the same line.
    for (let k = 1; k < body.length - 1; k++) {
      const l = body[k]!;
      out.push(!l || l[0] === '\t' ? l : '\t' + l);
    }
  } else for (const l of body) out.push(l ? '\t' + l : l);
  out.push('}');
  return out;
}

/**
 * A value a sender may leave out of an embedded struct the receiver merges only in part, sending
 * NULL in its place: a pointer of any kind that may be NULL and whose form no sibling constrains
 * (a counted array's NULL must agree with its count).
 */
function leavable(v: PlanValue): boolean {
  switch (v.k) {
    case 'tracked':
    case 'string':
    case 'opaque':
    case 'ops':
    case 'callback':
    case 'interior':
    case 'container':
    case 'box':
      return !v.nonNull;
    default:
      return false;
  }
}

function stubParam(name: string): string {
  return STUB_LOCALS.has(name) ? `${name}_` : name;
}

function isIdentity(v: PlanValue): boolean {
  return v.k === 'tracked' || v.k === 'opaque' || v.k === 'ops' || v.k === 'callback' || v.k === 'container';
}

function keepsAllocation(v: PlanValue): boolean {
  return v.k === 'string' || v.k === 'counted' || v.k === 'box';
}

function needsOwner(v: PlanValue): boolean {
  return v.k === 'string' || v.k === 'counted' || v.k === 'box' || v.k === 'embed' || v.k === 'union' || v.k === 'array';
}

function cLiteral(v: string): string {
  const n = BigInt(v);
  if (n > 0x7fffffffn || n < -0x80000000n) return n < 0n ? `(${n}LL)` : `${n}ULL`;
  return n < 0n ? `(${n})` : `${n}`;
}

/** Drops a local declaration the body never uses (-Wunused-variable). */
function uses(lines: string[], ident: string): string[] {
  const decl = new RegExp(`^\\s*(int|struct mdl_reader \\*) ${ident}( = [^;]+)?;$`);
  const used = lines.some((l) => !decl.test(l) && new RegExp(`\\b${ident}\\b`).test(l));
  return used ? lines : lines.filter((l) => !decl.test(l));
}

/** Whether the UTF-16 code unit c is a regular expression's \w: [A-Za-z0-9_]. */
function isWord(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95;
}

/**
 * Whether identifier id occurs in text as a whole word. A search, not a regular expression per
 * identifier (building those was most of the C backends' time on a large program); the neighbours
 * are tested as code units (a one-character string per test was most of the search).
 */
function mentions(id: string, text: string): boolean {
  for (let at = text.indexOf(id); at >= 0; at = text.indexOf(id, at + 1)) {
    if ((at === 0 || !isWord(text.charCodeAt(at - 1))) && (at + id.length === text.length || !isWord(text.charCodeAt(at + id.length)))) return true;
  }
  return false;
}

/**
 * A generated function: the locals the body reads, `int err` when it uses it, `(void)x` for
 * parameters it does not need (a descriptor's signature is fixed), then the body.
 */
function func(signature: string, locals: string[], body: string[], params: string[], returns = true): string[] {
  // Searched indented: a tab after a newline makes or breaks no word boundary.
  const text = indentJoin(body);
  const kept = locals.filter((l) => mentions(localName(l), text));
  const unused = params.filter((p) => !mentions(p, text) && !kept.some((l) => mentions(p, l)));
  const hasErr = mentions('err', text);
  // Built in place: a function's body is most of the C a large program prints.
  const out = [signature, '{'];
  for (const l of kept) out.push('\t' + l);
  if (hasErr) out.push('\tint err;');
  if (kept.length || hasErr) out.push('');
  for (const p of unused) out.push(`\t(void)${p};`);
  // The body as one indented string: the block is printed whole.
  if (body.length) out.push(text);
  if (returns) out.push('\treturn 0;');
  out.push('}');
  return out;
}

/**
 * Lines joined, each but an empty one after a tab, into one flat string. Joined, not concatenated:
 * a concatenation is a tree of V8 string pieces, one or more per line, that lives as long as the
 * text does (until the file is written), and the garbage collector copied those millions of small
 * objects at every young-generation collection of a large compile. A join copies each line once
 * into one string; the lines themselves die young. No line holds a newline of its own (only
 * signatures do, never indented).
 */
function indentJoin(lines: string[]): string {
  const t: string[] = new Array(lines.length);
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i]!;
    t[i] = l ? '\t' + l : '';
  }
  return t.join('\n');
}

/** A block's lines as one flat string (see indentJoin). */
function joinLines(lines: string[]): string {
  return lines.join('\n');
}

/** A function body's lines indented one tab, as one string (blank lines stay blank). */
function indentedText(lines: string[]): string[] {
  if (!lines.length) return [];
  return [indentJoin(lines)];
}

/**
 * The name a local's declaration declares (`u32 n;`, `s64 got0 = -2;`, `char buf[16];`): the
 * first word followed by array dimensions, then ` = ` and the rest or the final `;`. What
 * /(\w+)(\[[^\]]*\])*( = .*)?;$/ finds, scanned by hand: the expression, run from every position of
 * every local, was a visible part of printing a large program.
 */
function localName(l: string): string {
  const last = l.length - 1;
  for (let i = 0; i < l.length; ) {
    if (!isWord(l.charCodeAt(i))) {
      i++;
      continue;
    }
    let e = i;
    while (e < l.length && isWord(l.charCodeAt(e))) e++;
    let k = e;
    while (l.charCodeAt(k) === 91) {
      const close = l.indexOf(']', k + 1);
      if (close < 0) break;
      k = close + 1;
    }
    if (l.charCodeAt(last) === 59 && (k === last || (k + 3 <= last && l.startsWith(' = ', k) && !LINE_BREAK.test(l.slice(k + 3, last))))) return l.slice(i, e);
    i = e;
  }
  throw new Error(`internal: '${l}' declares no local`);
}

/** What `.` in a regular expression does not match. */
const LINE_BREAK = /[\n\r\u2028\u2029]/;

/**
 * Typedefs in the IR's order, except that one naming another typedef comes after it (a callback
 * returning `irqreturn_t` after `typedef s32 irqreturn_t`). An explicit stack: the chain is the IR's.
 */
function typedefOrder(named: { name: string; text: string }[]): string[] {
  const byName = new Map(named.map((n) => [n.name, n]));
  const deps = (n: { name: string; text: string }): string[] => (n.text.match(/\b\w+\b/g) ?? []).filter((w) => w !== n.name && byName.has(w));
  const done = new Set<string>();
  const out: string[] = [];
  for (const start of named) {
    if (done.has(start.name)) continue;
    const stack: { n: { name: string; text: string }; next: string[] }[] = [{ n: start, next: deps(start) }];
    const open = new Set([start.name]);
    while (stack.length) {
      const top = stack[stack.length - 1]!;
      const dep = top.next.shift();
      if (dep === undefined) {
        stack.pop();
        open.delete(top.n.name);
        done.add(top.n.name);
        out.push(top.n.text);
        continue;
      }
      // A cycle cannot be written in C typedefs either; keep the IR's order for it.
      if (done.has(dep) || open.has(dep)) continue;
      const n = byName.get(dep)!;
      open.add(dep);
      stack.push({ n, next: deps(n) });
    }
  }
  return out;
}
