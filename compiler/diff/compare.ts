// Old IR against new IR: every difference, classified by what it does to a peer built from the
// other version (wire-breaking), to C code written against the other version (source-breaking), or
// to neither (compatible). The rules, and why each is where it is, are in docs/diff.md; the wire
// facts they rest on (what crosses, how) come from wire.ts, which reads docs/wire-format.md's model.
import type {
  IrCallback,
  IrEnum,
  IrField,
  IrFunction,
  IrInterface,
  IrParam,
  IrProgram,
  IrSource,
  IrStruct,
  IrTypeDecl,
  IrUnion,
} from '../ir/types.js';
import { uncovered, type SideMap } from './access.js';
import type { Change, ChangeClass } from './change.js';
import { marshalDeltas, NameMap, sameType, spelledDifferently } from './equal.js';
import { type Aggregate, fieldsOf, list, marshaled, Model, typeText, typeTextFull } from './model.js';
import {
  match,
  sameArmAt,
  sameFieldAt,
  sameFunctionNames,
  sameId,
  sameMemberAt,
  sameSignatureAt,
  sameTypeDecl,
} from './renames.js';
import { analyzeWire, onWire, sendersOf, sentAsObjectField, type WireUse } from './wire.js';

export function compareIr(oldIr: IrProgram, newIr: IrProgram): Change[] {
  return new Comparer(oldIr, newIr).run();
}

const WB: ChangeClass = 'wire-breaking';
const SB: ChangeClass = 'source-breaking';
const OK: ChangeClass = 'compatible';
const COSMETIC: ChangeClass = 'cosmetic';

type Sig = { params: IrParam[]; returns: IrFunction['returns']; source: IrSource };

class Comparer {
  private readonly o: Model;
  private readonly n: Model;
  private readonly uo: WireUse;
  private readonly un: WireUse;
  private readonly names = new NameMap();
  private readonly changes: Change[] = [];
  /** Field index maps of matched aggregates, both ways, keyed by the aggregate's name on the from-side. */
  private readonly fieldsN2O = new Map<string, Map<number, number>>();
  private readonly fieldsO2N = new Map<string, Map<number, number>>();

  constructor(oldIr: IrProgram, newIr: IrProgram) {
    this.o = new Model(oldIr);
    this.n = new Model(newIr);
    this.uo = analyzeWire(this.o);
    this.un = analyzeWire(this.n);
  }

  run(): Change[] {
    this.modules();
    // Types and interfaces share one namespace and refer to each other (ops pointers), so all
    // renames are settled before anything is compared.
    const types = match(this.o.ir.types, this.n.ir.types, (t) => t.name, [sameId, sameTypeDecl(this.names)], (o, n) => this.names.set(o.name, n.name));
    const ifaces = match(this.o.ir.interfaces, this.n.ir.interfaces, (i) => i.name, [sameId, sameFunctionNames], (o, n) =>
      this.names.set(o.name, n.name),
    );
    for (const [o, n] of [...types.same, ...types.renamed]) this.mapFields(o, n);
    this.constants();
    const renamedTypes = new Set(types.renamed.map(([, n]) => n));
    for (const [o, n] of this.inNewOrder([...types.same, ...types.renamed], this.n.ir.types)) this.typePair(o, n, renamedTypes.has(n));
    for (const n of types.added) this.emit(OK, 'type-added', declSubject(n), `new ${n.kind}`, undefined, n.source);
    for (const o of types.removed)
      this.emit(SB, 'type-removed', declSubject(o), `removed; C code naming it no longer compiles${this.crossNote(this.uo, o.name)}`, o.source);
    const renamedIfaces = new Set(ifaces.renamed.map(([, n]) => n));
    for (const [o, n] of this.inNewOrder([...ifaces.same, ...ifaces.renamed], this.n.ir.interfaces)) this.interfacePair(o, n, renamedIfaces.has(n));
    for (const n of ifaces.added) this.emit(OK, 'interface-added', `interface ${n.name}`, `new interface (${plural(n.functions.length, 'function')})`, undefined, n.source);
    for (const o of ifaces.removed) {
      const crossed = this.ifaceCrosses(this.uo, o.name);
      this.emit(
        crossed ? WB : SB,
        'interface-removed',
        `interface ${o.name}`,
        crossed
          ? `removed; peers built from the old interface still call its functions (${list(o.functions.filter((f) => f.role !== 'critical').map((f) => f.name), 4)})`
          : 'removed; none of its functions crossed, but C code naming its ops table no longer compiles',
        o.source,
      );
    }
    this.moved([...types.same, ...types.renamed], [...ifaces.same, ...ifaces.renamed]);
    return this.changes;
  }

  private emit(cls: ChangeClass, kind: string, subject: string, message: string, old?: IrSource, nu?: IrSource): void {
    const c: Change = { class: cls, kind, subject, message };
    if (old) c.old = old;
    if (nu) c.new = nu;
    this.changes.push(c);
  }

  private inNewOrder<T>(pairs: [T, T][], order: readonly T[]): [T, T][] {
    const at = new Map<T, number>();
    order.forEach((x, i) => at.set(x, i));
    return [...pairs].sort((a, b) => at.get(a[1])! - at.get(b[1])!);
  }

  // ---- modules, constants, moves ----------------------------------------------------------------

  private modules(): void {
    for (const n of this.n.ir.modules) {
      const o = this.o.modules.get(n.name);
      if (!o) {
        this.emit(OK, 'module-added', `module ${n.name}`, `new module (${n.file})`);
        continue;
      }
      if (o.version !== n.version) {
        const declares = this.n.ir.interfaces.filter((i) => i.module === n.name && this.un.interfaces.has(i.name)).map((i) => i.name);
        this.emit(
          OK,
          'module-version-changed',
          `module ${n.name}`,
          `version ${o.version} -> ${n.version}` +
            (declares.length
              ? `; messages of ${list(declares, 4)} carry it, and a peer of the other version answers them with EINVAL`
              : '; no crossing interface is declared in it') +
            ' (reported for information: the version does not decide the class of any change)',
        );
      }
    }
    for (const o of this.o.ir.modules)
      if (!this.n.modules.has(o.name)) this.emit(OK, 'module-removed', `module ${o.name}`, `module no longer part of the program (${o.file})`);
  }

  private constants(): void {
    for (const n of this.n.ir.constants) {
      const o = this.o.constants.get(n.name);
      if (!o) {
        this.emit(OK, 'constant-added', `const ${n.name}`, `new constant = ${n.value}`, undefined, n.source);
        continue;
      }
      if (o.value !== n.value) {
        const uses = [...(this.uo.countConstants.get(o.name) ?? []), ...(this.un.countConstants.get(n.name) ?? [])];
        const uniq = [...new Set(uses)].sort();
        this.emit(
          uniq.length ? WB : SB,
          'constant-changed',
          `const ${n.name}`,
          `${o.value} -> ${n.value}` +
            (uniq.length
              ? `; it sizes counts that cross (${list(uniq, 3)}), so the two sides would expect different element counts`
              : '; it sizes no count that crosses (array lengths it gives are reported at their fields), but C code built with the old value disagrees with the new'),
          o.source,
          n.source,
        );
      }
      const ot = o.type ? typeText(o.type) : '(untyped)';
      const nt = n.type ? typeText(n.type) : '(untyped)';
      if (ot !== nt) this.emit(SB, 'constant-type-changed', `const ${n.name}`, `type ${ot} -> ${nt}`, o.source, n.source);
    }
    for (const o of this.o.ir.constants)
      if (!this.n.constants.has(o.name)) this.emit(SB, 'constant-removed', `const ${o.name}`, 'removed; C code naming it no longer compiles', o.source);
  }

  /** Declarations that changed file: invisible to both the wire and C, except for the version in an interface's messages. */
  private moved(types: [IrTypeDecl, IrTypeDecl][], ifaces: [IrInterface, IrInterface][]): void {
    for (const [o, n] of this.inNewOrder(types, this.n.ir.types))
      if (o.module !== n.module)
        this.emit(COSMETIC, 'declaration-moved', declSubject(n), `moved from module ${o.module} to ${n.module}`, o.source, n.source);
    for (const [o, n] of this.inNewOrder(ifaces, this.n.ir.interfaces)) {
      if (o.module === n.module) continue;
      const ov = this.o.modules.get(o.module)?.version;
      const nv = this.n.modules.get(n.module)?.version;
      const crosses = this.ifaceCrosses(this.uo, o.name) || this.ifaceCrosses(this.un, n.name);
      if (ov !== nv && crosses)
        this.emit(
          OK,
          'declaration-moved',
          `interface ${n.name}`,
          `moved from module ${o.module} (version ${ov}) to ${n.module} (version ${nv}); its messages now carry version ${nv} (reported for information, as a version change)`,
          o.source,
          n.source,
        );
      else this.emit(COSMETIC, 'declaration-moved', `interface ${n.name}`, `moved from module ${o.module} to ${n.module}`, o.source, n.source);
    }
    for (const n of this.n.ir.constants) {
      const o = this.o.constants.get(n.name);
      if (o && o.module !== n.module) this.emit(COSMETIC, 'declaration-moved', `const ${n.name}`, `moved from module ${o.module} to ${n.module}`, o.source, n.source);
    }
  }

  // ---- types ------------------------------------------------------------------------------------

  private mapFields(o: IrTypeDecl, n: IrTypeDecl): void {
    if ((o.kind !== 'struct' && o.kind !== 'union') || o.kind !== n.kind) return;
    const of = fieldsOf(o);
    const nf = fieldsOf(n as Aggregate);
    const m = match(of, nf, (f) => f.name, [sameFieldAt(of, nf, this.names)]);
    const n2o = new Map<number, number>();
    const o2n = new Map<number, number>();
    for (const [a, b] of [...m.same, ...m.renamed]) {
      n2o.set(nf.indexOf(b), of.indexOf(a));
      o2n.set(of.indexOf(a), nf.indexOf(b));
    }
    this.fieldsN2O.set(n.name, n2o);
    this.fieldsO2N.set(o.name, o2n);
  }

  private typePair(o: IrTypeDecl, n: IrTypeDecl, renamed: boolean): void {
    const subject = declSubject(n);
    if (o.kind !== n.kind) {
      const crossed = this.typeCrosses(this.uo, o.name) || this.typeCrosses(this.un, n.name);
      this.emit(crossed ? WB : SB, 'type-kind-changed', subject, `${o.kind} -> ${n.kind}${this.crossNote(this.uo, o.name) || this.crossNote(this.un, n.name)}`, o.source, n.source);
      return;
    }
    if (renamed) this.typeRenamed(o, n);
    else if ('id' in o && 'id' in n && o.id !== n.id) {
      const onWire = this.idOnWire(this.uo, o) || this.idOnWire(this.un, n);
      this.emit(
        onWire ? WB : OK,
        'type-id-changed',
        subject,
        `wire id ${o.id} -> ${n.id}` + (onWire ? `; the id travels with it (${list(this.whereIdTravels(o, n), 3)})` : `; ${this.idOffWireReason(n)}`),
        o.source,
        n.source,
      );
    }
    // Which C header defines the type decides whether the kernel C defines it or includes it.
    if (o.header !== n.header)
      this.emit(SB, 'type-header-changed', subject, `[header] ${o.header === null ? 'none' : `"${o.header}"`} -> ${n.header === null ? 'none' : `"${n.header}"`}; the kernel C ${n.header === null ? 'now defines the type itself' : `now includes "${n.header}" for it`}`, o.source, n.source);
    switch (o.kind) {
      case 'struct':
        return this.struct(o, n as IrStruct);
      case 'union':
        return this.union(o, n as IrUnion);
      case 'enum':
        return this.enum(o, n as IrEnum);
      case 'typedef': {
        const nt = (n as typeof o).target;
        if (!sameType(o.target, nt, this.names, 'c'))
          this.emit(SB, 'typedef-changed', subject, `${typeText(o.target)} -> ${typeText(nt)}; fields and parameters of this type are reported on their own`, o.source, n.source);
        else if (spelledDifferently(o.target, nt, this.names))
          this.emit(OK, 'type-respelled', subject, `${typeText(o.target)} -> ${typeText(nt)} (the same type)`, o.source, n.source);
        return;
      }
      case 'callback': {
        const crosses = this.un.callbacks.has(n.name) || this.uo.callbacks.has(o.name);
        const where = [...new Set([...(this.uo.callbacks.get(o.name) ?? []), ...(this.un.callbacks.get(n.name) ?? [])])].sort();
        this.signature(subject, o, n as IrCallback, crosses, crosses ? `; the callback crosses (${list(where, 3)})` : '');
        return;
      }
    }
  }

  private typeRenamed(o: IrTypeDecl, n: IrTypeDecl): void {
    const subject = `${n.kind} ${o.name} -> ${n.name}`;
    const sameIdKept = !('id' in o) || !('id' in n) || o.id === n.id;
    if (sameIdKept) {
      this.emit(
        SB,
        'rename',
        subject,
        `renamed` + ('id' in o ? ` with its wire id kept (${o.id})` : '') + `; the wire is unchanged, but C code naming ${o.name} no longer compiles`,
        o.source,
        n.source,
      );
      return;
    }
    const onWire = this.idOnWire(this.uo, o) || this.idOnWire(this.un, n);
    this.emit(
      onWire ? WB : SB,
      'rename',
      subject,
      `renamed, and its wire id changed with the name (${(o as { id: number }).id} -> ${(n as { id: number }).id})` +
        (onWire
          ? `; the id travels with it (${list(this.whereIdTravels(o, n), 3)}): pin the old one with [id(${(o as { id: number }).id})] to keep the wire`
          : `; ${this.idOffWireReason(n)}, but C code naming ${o.name} no longer compiles`),
      o.source,
      n.source,
    );
  }

  private struct(o: IrStruct, n: IrStruct): void {
    const m = match(o.fields, n.fields, (f) => f.name, [sameFieldAt(o.fields, n.fields, this.names)]);
    const oSent = (i: number): boolean => onWire(this.uo, o.name, i, o.fields[i]!.marshal);
    const nSent = (j: number): boolean => onWire(this.un, n.name, j, n.fields[j]!.marshal);
    const renamed = new Set(m.renamed.map(([, b]) => b));
    for (const [fo, fn] of this.inNewOrder([...m.same, ...m.renamed], n.fields)) {
      const i = o.fields.indexOf(fo);
      const j = n.fields.indexOf(fn);
      if (renamed.has(fn))
        this.emit(
          SB,
          'rename',
          `struct ${n.name}.${fo.name} -> ${fn.name}`,
          'field renamed in place (same position, type and marshaling), so the wire is unchanged; C code naming the field no longer compiles',
          fo.source,
          fn.source,
        );
      this.field(`struct ${n.name}.${fn.name}`, fo, fn, oSent(i) || nSent(j), () => this.senders(o.name, fo, i, n.name, fn, j));
    }
    for (const fn of m.added) {
      const j = n.fields.indexOf(fn);
      const atEnd = n.fields.slice(j + 1).every((f) => m.added.includes(f));
      if (nSent(j))
        this.emit(
          WB,
          'field-added-sent',
          `struct ${n.name}.${fn.name}`,
          `new field, and it crosses (${list(sendersOf(this.un, n.name, j, fn.marshal), 3)}); a peer built from the old interface neither sends nor accepts it`,
          undefined,
          fn.source,
        );
      else
        this.emit(
          OK,
          'field-added-unsent',
          `struct ${n.name}.${fn.name}`,
          `new field that never crosses (${this.whyUnsent(fn)})` + (atEnd ? '' : '; it is not at the end, so the fields after it move (see layout)'),
          undefined,
          fn.source,
        );
    }
    for (const fo of m.removed) {
      const i = o.fields.indexOf(fo);
      if (oSent(i))
        this.emit(
          WB,
          'field-removed',
          `struct ${o.name}.${fo.name}`,
          `removed, but it crossed (${list(sendersOf(this.uo, o.name, i, fo.marshal), 3)}); a peer built from the old interface still sends or expects it`,
          fo.source,
        );
      else this.emit(SB, 'field-removed', `struct ${o.name}.${fo.name}`, `removed (it never crossed: ${this.whyUnsent(fo)}); C code naming it no longer compiles`, fo.source);
    }
    const pairs = this.inNewOrder([...m.same, ...m.renamed], n.fields);
    this.fieldOrder(o, n, pairs);
    if (o.complete && n.complete) this.layout(o, n, pairs);
  }

  /** Field indexes are present-mask bits of objects; declaration order is the encoding order of values. */
  private fieldOrder(o: IrStruct, n: IrStruct, pairs: [IrField, IrField][]): void {
    const asObject = this.uo.objects.has(o.name) || this.un.objects.has(n.name);
    const byValue = this.uo.values.has(o.name) || this.un.values.has(n.name);
    const moved: string[] = [];
    if (asObject) {
      for (const [fo, fn] of pairs) {
        const i = o.fields.indexOf(fo);
        const j = n.fields.indexOf(fn);
        const sent = sentAsObjectField(this.uo, o.name, i, fo.marshal) || sentAsObjectField(this.un, n.name, j, fn.marshal);
        if (i !== j && sent) moved.push(`${fn.name} ${i} -> ${j}`);
      }
    }
    let reordered = false;
    if (byValue) {
      const order = pairs
        .filter(([fo, fn]) => marshaled(fo.marshal) && marshaled(fn.marshal))
        .map(([fo, fn]) => [o.fields.indexOf(fo), n.fields.indexOf(fn)] as const)
        .sort((a, b) => a[0] - b[0]);
      reordered = order.some((p, k) => k > 0 && p[1] < order[k - 1]![1]);
    }
    const parts: string[] = [];
    if (moved.length)
      parts.push(`sent fields change their present-mask index: ${list(moved, 6)} (objects of ${n.name} cross: ${list(this.crossing(o.name, n.name, 'objects'), 2)})`);
    if (reordered) parts.push(`its fields are encoded in declaration order wherever it crosses by value (${list(this.crossing(o.name, n.name, 'values'), 2)}), and that order changed`);
    if (parts.length) this.emit(WB, 'field-order-changed', `struct ${n.name}`, parts.join('; '), o.source, n.source);
    const oWords = Math.ceil(o.fields.length / 64);
    const nWords = Math.ceil(n.fields.length / 64);
    if (asObject && oWords !== nWords)
      this.emit(
        WB,
        'present-mask-resized',
        `struct ${n.name}`,
        `${o.fields.length} -> ${n.fields.length} fields: the present mask of its objects grows from ${oWords} to ${nWords} words, which a peer built from the old interface cannot read`,
        o.source,
        n.source,
      );
  }

  private layout(o: IrStruct, n: IrStruct, pairs: [IrField, IrField][]): void {
    const moved: string[] = [];
    for (const [fo, fn] of pairs) {
      if (fo.offset !== fn.offset) moved.push(`${fn.name} ${fo.offset} -> ${fn.offset}`);
      else if (fo.bitOffset !== fn.bitOffset) moved.push(`${fn.name} bit ${fo.bitOffset ?? '-'} -> ${fn.bitOffset ?? '-'}`);
    }
    const oOrder = pairs.map(([fo]) => o.fields.indexOf(fo));
    const reordered = oOrder.some((x, k) => k > 0 && x < oOrder[k - 1]!);
    if (!moved.length && !reordered) return;
    const what = [moved.length ? `offsets ${list(moved, 6)}` : '', reordered ? 'fields reordered' : ''].filter(Boolean).join('; ');
    this.emit(
      SB,
      'layout-changed',
      `struct ${n.name}`,
      `C layout changed${o.size !== n.size ? ` (size ${o.size} -> ${n.size})` : ''}: ${what}; C code built against the old declaration must be rebuilt`,
      o.source,
      n.source,
    );
  }

  private union(o: IrUnion, n: IrUnion): void {
    const crossing = this.aggCrosses(this.uo, o.name) || this.aggCrosses(this.un, n.name);
    const where = crossing ? ` (it crosses: ${list(this.crossing(o.name, n.name, 'any'), 2)})` : '';
    const subject = `union ${n.name}`;
    const od = o.discriminant ? typeText(o.discriminant) : '(none)';
    const nd = n.discriminant ? typeText(n.discriminant) : '(none)';
    if ((o.discriminant === null) !== (n.discriminant === null) || (o.discriminant && n.discriminant && !sameType(o.discriminant, n.discriminant, this.names, 'wire')))
      this.emit(crossing ? WB : OK, 'union-discriminant-changed', subject, `discriminant ${od} -> ${nd}${where}`, o.source, n.source);
    const oArms = o.arms;
    const nArms = n.arms;
    const m = match(oArms, nArms, (a) => a.field.name, [sameArmAt(oArms, nArms, this.names)]);
    const renamed = new Set(m.renamed.map(([, b]) => b));
    const pairs = this.inNewOrder([...m.same, ...m.renamed], nArms);
    const cases = (a: IrUnion['arms'][number]): string => [...a.cases, ...(a.isDefault ? ['default'] : [])].join(', ');
    for (const [ao, an] of pairs) {
      const armSubject = `union ${n.name}.${an.field.name}`;
      if (renamed.has(an))
        this.emit(
          SB,
          'rename',
          `union ${n.name}.${ao.field.name} -> ${an.field.name}`,
          'member renamed in place (same position, cases and type), so the wire is unchanged; C code naming the member no longer compiles',
          ao.field.source,
          an.field.source,
        );
      if (cases(ao) !== cases(an))
        this.emit(
          crossing ? WB : OK,
          'union-case-changed',
          armSubject,
          `case ${cases(ao)} -> ${cases(an)}${crossing ? `; the discriminant selects a different member for some values${where}` : ' (the union never crosses)'}`,
          ao.field.source,
          an.field.source,
        );
      this.field(armSubject, ao.field, an.field, crossing, () => this.crossing(o.name, n.name, 'any'));
    }
    const armIndexMoved = pairs.filter(([ao, an]) => oArms.indexOf(ao) !== nArms.indexOf(an)).map(([ao, an]) => `${an.field.name} ${oArms.indexOf(ao)} -> ${nArms.indexOf(an)}`);
    if (armIndexMoved.length && crossing)
      this.emit(WB, 'union-arm-order-changed', subject, `the arm index sent before each value changes: ${list(armIndexMoved, 6)}${where}`, o.source, n.source);
    for (const an of m.added)
      this.emit(
        crossing ? WB : OK,
        'union-arm-added',
        `union ${n.name}.${an.field.name}`,
        `new member for case ${cases(an)}` + (crossing ? `; a peer built from the old interface cannot decode it${where}` : ' (the union never crosses)'),
        undefined,
        an.field.source,
      );
    for (const ao of m.removed)
      this.emit(
        crossing ? WB : SB,
        'union-arm-removed',
        `union ${o.name}.${ao.field.name}`,
        `member for case ${cases(ao)} removed` + (crossing ? `; a peer built from the old interface may still send it${where}` : '; C code naming it no longer compiles'),
        ao.field.source,
      );
  }

  private enum(o: IrEnum, n: IrEnum): void {
    const crossing = this.uo.enums.has(o.name) || this.un.enums.has(n.name);
    const where = crossing ? `its values cross (${list([...new Set([...(this.uo.enums.get(o.name) ?? []), ...(this.un.enums.get(n.name) ?? [])])].sort(), 2)})` : 'its values never cross';
    const subject = `enum ${n.name}`;
    if (!sameType(o.base, n.base, this.names, 'c'))
      this.emit(crossing ? WB : SB, 'enum-base-changed', subject, `stored as ${typeText(o.base)} -> ${typeText(n.base)}; ${where}`, o.source, n.source);
    const m = match(o.members, n.members, (x) => x.name, [sameMemberAt(o.members, n.members)]);
    for (const [mo, mn] of m.renamed)
      this.emit(SB, 'rename', `enum ${n.name}.${mo.name} -> ${mn.name}`, `member renamed, value ${mn.value} kept; C code naming ${mo.name} no longer compiles`, o.source, n.source);
    for (const [mo, mn] of this.inNewOrder(m.same, n.members))
      if (mo.value !== mn.value)
        this.emit(
          crossing ? WB : SB,
          'enum-value-renumbered',
          `enum ${n.name}.${mn.name}`,
          `${mo.value} -> ${mn.value}; ${where}` + (crossing ? ', so the two sides would read the other\'s values wrongly' : ', but C code built with the old value disagrees'),
          o.source,
          n.source,
        );
    for (const mn of m.added) {
      const clash = o.members.find((x) => x.value === mn.value);
      this.emit(
        OK,
        'enum-value-added',
        `enum ${n.name}.${mn.name}`,
        `new member = ${mn.value}` + (clash && !n.members.some((x) => x.name === clash.name) ? ` (the value of the removed ${clash.name})` : ''),
        undefined,
        n.source,
      );
    }
    for (const mo of m.removed)
      this.emit(
        crossing ? WB : SB,
        'enum-value-removed',
        `enum ${o.name}.${mo.name}`,
        `member = ${mo.value} removed; ${where}` + (crossing ? ', and a peer built from the old interface may still send it' : '; C code naming it no longer compiles'),
        o.source,
        n.source,
      );
  }

  /** One field of a matched struct (or member of a union): type, width and marshaling. */
  /** `senders` is only asked for when the field crosses: listing them is the expensive part. */
  private field(subject: string, fo: IrField, fn: IrField, crosses: boolean, senders: () => string[]): void {
    let memo: string | null = null;
    const whyOf = (): string => (memo ??= crosses ? `; it crosses (${list(senders(), 3)})` : '; it never crosses');
    const changed =
      !sameType(fo.type, fn.type, this.names, 'c') ||
      spelledDifferently(fo.type, fn.type, this.names) ||
      fo.bitWidth !== fn.bitWidth ||
      marshalDeltas(fo.marshal, fn.marshal, (name) => this.n.constants.get(name)?.value ?? null, this.names).length > 0;
    if (!changed) return;
    const why = whyOf();
    if (!sameType(fo.type, fn.type, this.names, 'wire'))
      this.emit(crosses ? WB : SB, 'field-type-changed', subject, `${typeTextFull(fo.type)} -> ${typeTextFull(fn.type)}${why}`, fo.source, fn.source);
    else if (!sameType(fo.type, fn.type, this.names, 'c'))
      this.emit(SB, 'field-type-changed', subject, `${typeTextFull(fo.type)} -> ${typeTextFull(fn.type)}; the same on the wire, but a different C type`, fo.source, fn.source);
    else if (spelledDifferently(fo.type, fn.type, this.names))
      this.emit(OK, 'type-respelled', subject, `${typeText(fo.type)} -> ${typeText(fn.type)} (the same type)`, fo.source, fn.source);
    if (fo.bitWidth !== fn.bitWidth)
      this.emit(
        crosses ? WB : SB,
        'field-width-changed',
        subject,
        `${fo.bitWidth === null ? 'not a bitfield' : `${fo.bitWidth} bits`} -> ${fn.bitWidth === null ? 'not a bitfield' : `${fn.bitWidth} bits`}${why}`,
        fo.source,
        fn.source,
      );
    this.marshal(subject, fo.marshal, fn.marshal, crosses, why, fo.source, fn.source, 'field');
  }

  private marshal(
    subject: string,
    mo: IrField['marshal'],
    mn: IrField['marshal'],
    crosses: boolean,
    why: string,
    so: IrSource | undefined,
    sn: IrSource | undefined,
    what: 'field' | 'param' | 'return',
  ): void {
    const deltas = marshalDeltas(mo, mn, (name) => this.n.constants.get(name)?.value ?? null, this.names);
    const count = deltas.filter((d) => d.count);
    const rest = deltas.filter((d) => !d.count);
    if (count.length) this.emit(crosses ? WB : OK, `${what}-count-changed`, subject, `${count.map((d) => d.text).join('; ')}${why}`, so, sn);
    if (rest.length) {
      const wire = crosses && rest.some((d) => d.wire);
      const note = rest.every((d) => !d.wire) ? '; only a note for the backends, the encoding is the same' : why;
      this.emit(wire ? WB : OK, `${what}-marshal-changed`, subject, `${rest.map((d) => d.text).join('; ')}${note}`, so, sn);
    }
  }

  // ---- interfaces and functions -----------------------------------------------------------------

  private interfacePair(o: IrInterface, n: IrInterface, renamed: boolean): void {
    const crosses = this.ifaceCrosses(this.uo, o.name) || this.ifaceCrosses(this.un, n.name);
    if (o.header !== n.header)
      this.emit(SB, 'type-header-changed', `interface ${n.name}`, `[header] ${o.header === null ? 'none' : `"${o.header}"`} -> ${n.header === null ? 'none' : `"${n.header}"`}; the kernel C ${n.header === null ? 'now defines the ops table itself' : `now uses the ops table of "${n.header}"`}`, o.source, n.source);
    if (renamed) {
      if (o.id === n.id)
        this.emit(SB, 'rename', `interface ${o.name} -> ${n.name}`, `renamed with its wire id kept (${o.id}); the wire is unchanged, but C code naming the ops table no longer compiles`, o.source, n.source);
      else
        this.emit(
          crosses ? WB : SB,
          'rename',
          `interface ${o.name} -> ${n.name}`,
          `renamed, and its wire id changed with the name (${o.id} -> ${n.id})` +
            (crosses ? `; every message names the interface by id: pin the old one with [id(${o.id})] to keep the wire` : '; none of its functions crosses, but C code naming it no longer compiles'),
          o.source,
          n.source,
        );
    } else if (o.id !== n.id)
      this.emit(
        crosses ? WB : OK,
        'interface-id-changed',
        `interface ${n.name}`,
        `wire id ${o.id} -> ${n.id}` + (crosses ? '; every message names the interface by id' : '; none of its functions crosses'),
        o.source,
        n.source,
      );
    const ops = [...(this.uo.ops.get(o.name) ?? []), ...(this.un.ops.get(n.name) ?? [])];
    const opsWhere = [...new Set(ops)].sort();
    const m = match(o.functions, n.functions, (f) => f.name, [sameId, sameSignatureAt(o.functions, n.functions, this.names)]);
    const renamedFns = new Set(m.renamed.map(([, b]) => b));
    const pairs = this.inNewOrder([...m.same, ...m.renamed], n.functions);
    for (const [fo, fn] of pairs) this.functionPair(n.name, fo, fn, renamedFns.has(fn));
    for (const fn of m.added) {
      const subject = `interface ${n.name}.${fn.name}`;
      if (opsWhere.length)
        this.emit(
          WB,
          'function-added',
          subject,
          `new ${fn.role} function; ${n.name} crosses as an ops table (${list(opsWhere, 2)}) with one present-mask bit per function, and a peer built from the old interface rejects the new bit`,
          undefined,
          fn.source,
        );
      else
        this.emit(
          OK,
          'function-added',
          subject,
          `new ${fn.role} function` + (fn.role === 'critical' ? '' : `; peers built from the old interface never call it (a new caller gets ENOSYS from an old ${fn.role === 'upcall' ? 'u-driver' : 'kernel'})`),
          undefined,
          fn.source,
        );
    }
    for (const fo of m.removed) {
      const subject = `interface ${o.name}.${fo.name}`;
      if (fo.role !== 'critical')
        this.emit(WB, 'function-removed', subject, `${fo.role} removed; ${callerOf(fo.role)} built from the old interface still calls it and gets ENOSYS`, fo.source);
      else if (opsWhere.length)
        this.emit(WB, 'function-removed', subject, `critical function removed; it was a member of the ops table that crosses (${list(opsWhere, 2)}), whose present-mask bits move`, fo.source);
      else this.emit(SB, 'function-removed', subject, 'critical function removed (it never crossed); the C ops table loses a member', fo.source);
    }
    const moved = pairs.filter(([fo, fn]) => o.functions.indexOf(fo) !== n.functions.indexOf(fn)).map(([fo, fn]) => `${fn.name} ${o.functions.indexOf(fo)} -> ${n.functions.indexOf(fn)}`);
    if (moved.length)
      this.emit(
        opsWhere.length ? WB : SB,
        'function-order-changed',
        `interface ${n.name}`,
        `function positions ${list(moved, 6)}` +
          (opsWhere.length
            ? `; the interface crosses as an ops table (${list(opsWhere, 2)}) whose present-mask bits follow function order`
            : '; the members of its C ops table move (the wire names functions by id, so it is unaffected)'),
        o.source,
        n.source,
      );
  }

  private functionPair(iface: string, fo: IrFunction, fn: IrFunction, renamed: boolean): void {
    const subject = `interface ${iface}.${fn.name}`;
    const crosses = fo.role !== 'critical' || fn.role !== 'critical';
    if (renamed) {
      const s = `interface ${iface}.${fo.name} -> ${fn.name}`;
      if (fo.id === fn.id)
        this.emit(SB, 'rename', s, `renamed with its wire id kept (${fo.id}); the wire is unchanged, but C code naming the function no longer compiles`, fo.source, fn.source);
      else if (crosses)
        this.emit(WB, 'rename', s, `renamed, and its wire id changed with the name (${fo.id} -> ${fn.id}); pin the old one with [id(${fo.id})] to keep the wire`, fo.source, fn.source);
      else this.emit(SB, 'rename', s, 'critical function renamed (it never crosses); C code naming it no longer compiles', fo.source, fn.source);
    } else if (fo.id !== fn.id)
      this.emit(
        crosses ? WB : OK,
        'function-id-changed',
        subject,
        `wire id ${fo.id} -> ${fn.id}` + (crosses ? '; every call names the function by id' : '; it never crosses'),
        fo.source,
        fn.source,
      );
    if (fo.role !== fn.role) {
      const cls = fo.role === 'critical' ? OK : WB;
      const why =
        fo.role === 'critical'
          ? `it now crosses; peers built from the old interface never call it across`
          : fn.role === 'critical'
            ? `it no longer crosses; ${callerOf(fo.role)} built from the old interface still calls it across`
            : `the implementation moves to the other side; peers built from the old interface call it in the wrong direction`;
      this.emit(cls, 'function-role-changed', subject, `${fo.role} -> ${fn.role}; ${why}`, fo.source, fn.source);
    }
    this.signature(subject, fo, fn, crosses);
    if (fo.role === fn.role && fo.role !== 'critical') this.accessSets(subject, fo, fn);
  }

  /** Parameters and result of a function or callback. `crosses`: judged for the wire, else for C only. */
  private signature(subject: string, o: Sig, n: Sig, crosses: boolean, crossNote = ''): void {
    const why = crosses ? crossNote : '; it never crosses';
    const ro = o.returns;
    const rn = n.returns;
    if (!sameType(ro.type, rn.type, this.names, 'wire'))
      this.emit(crosses ? WB : SB, 'return-type-changed', subject, `returns ${typeTextFull(ro.type)} -> ${typeTextFull(rn.type)}${why}`, o.source, n.source);
    else if (!sameType(ro.type, rn.type, this.names, 'c'))
      this.emit(
        SB,
        'return-type-changed',
        subject,
        `returns ${typeTextFull(ro.type)} -> ${typeTextFull(rn.type)}; the same on the wire, but a different C type`,
        o.source,
        n.source,
      );
    this.marshal(subject, ro.marshal, rn.marshal, crosses, why, o.source, n.source, 'return');
    if (o.params.length !== n.params.length) {
      this.emit(
        crosses ? WB : SB,
        'params-changed',
        subject,
        `parameters (${o.params.map(paramText).join(', ')}) -> (${n.params.map(paramText).join(', ')})${why}`,
        o.source,
        n.source,
      );
      return;
    }
    o.params.forEach((po, k) => {
      const pn = n.params[k]!;
      const ps = `${subject}(${pn.name})`;
      if (po.name !== pn.name)
        this.emit(OK, 'rename', `${subject}(${po.name} -> ${pn.name})`, 'parameter renamed; neither the wire nor a C caller sees parameter names', po.source, pn.source);
      if (!sameType(po.type, pn.type, this.names, 'wire'))
        this.emit(crosses ? WB : SB, 'param-type-changed', ps, `${typeTextFull(po.type)} -> ${typeTextFull(pn.type)}${why}`, po.source, pn.source);
      else if (!sameType(po.type, pn.type, this.names, 'c'))
        this.emit(SB, 'param-type-changed', ps, `${typeTextFull(po.type)} -> ${typeTextFull(pn.type)}; the same on the wire, but a different C type`, po.source, pn.source);
      if (po.direction !== pn.direction)
        this.emit(
          crosses ? WB : OK,
          'param-direction-changed',
          ps,
          `[${po.direction}] -> [${pn.direction}]` + (crosses ? '; it changes which message carries the value' : why),
          po.source,
          pn.source,
        );
      this.marshal(ps, po.marshal, pn.marshal, crosses, why, po.source, pn.source, 'param');
    });
  }

  /**
   * Reads are sent by the caller with the call, writes by the callee with the reply. An access set
   * describes what the callee's code touches, so a change to it is judged for the pairing in which
   * the callee follows the new interface and the caller is still built from the old one.
   */
  private accessSets(subject: string, fo: IrFunction, fn: IrFunction): void {
    const caller = fn.role === 'upcall' ? 'the kernel' : 'the u-driver';
    const callee = fn.role === 'upcall' ? 'the u-driver' : 'the kernel';
    const toOld: SideMap = {
      typeName: (n) => this.names.toOld(n),
      fieldIndex: (agg, j) => this.fieldsN2O.get(agg)?.get(j) ?? null,
    };
    const toNew: SideMap = {
      typeName: (o) => this.names.toNew(o),
      fieldIndex: (agg, i) => this.fieldsO2N.get(agg)?.get(i) ?? null,
    };
    for (const dir of ['reads', 'writes'] as const) {
      const a = { model: this.o, params: fo.params, accesses: fo[dir] };
      const b = { model: this.n, params: fn.params, accesses: fn[dir] };
      const grew = uncovered(a, b, toOld);
      const shrank = uncovered(b, a, toNew);
      if (grew.length) {
        if (dir === 'reads')
          this.emit(
            WB,
            'access-set-grew',
            subject,
            `reads now include ${list(grew, 6)}: ${caller} (the caller of this ${fn.role}) built from the old interface does not send them, so ${callee} would work on stale or zero values`,
            fo.source,
            fn.source,
          );
        else
          this.emit(
            OK,
            'access-set-grew',
            subject,
            `writes now include ${list(grew, 6)}: ${callee} sends them back with the reply, and ${caller} built from the old interface applies any field of an object it knows`,
            fo.source,
            fn.source,
          );
      }
      if (shrank.length) {
        if (dir === 'reads')
          this.emit(
            OK,
            'access-set-shrank',
            subject,
            `reads no longer include ${list(shrank, 6)}: ${caller} built from the old interface still sends them, and ${callee} ignores them`,
            fo.source,
            fn.source,
          );
        else
          this.emit(
            OK,
            'access-set-shrank',
            subject,
            `writes no longer include ${list(shrank, 6)}: ${callee} no longer changes them, so ${caller}'s copy stays right without them`,
            fo.source,
            fn.source,
          );
      }
    }
  }

  // ---- what crosses -----------------------------------------------------------------------------

  private senders(oName: string, fo: IrField, i: number, nName: string, fn: IrField, j: number): string[] {
    return [...new Set([...sendersOf(this.uo, oName, i, fo.marshal), ...sendersOf(this.un, nName, j, fn.marshal)])].sort();
  }

  private crossing(oName: string, nName: string, how: 'objects' | 'values' | 'any'): string[] {
    const pick = (u: WireUse, name: string): string[] =>
      how === 'objects' ? (u.objects.get(name) ?? []) : how === 'values' ? (u.values.get(name) ?? []) : [...(u.objects.get(name) ?? []), ...(u.values.get(name) ?? [])];
    return [...new Set([...pick(this.uo, oName), ...pick(this.un, nName)])].sort();
  }

  private aggCrosses(u: WireUse, name: string): boolean {
    return u.objects.has(name) || u.values.has(name);
  }

  private typeCrosses(u: WireUse, name: string): boolean {
    return u.objects.has(name) || u.values.has(name) || u.handles.has(name) || u.callbacks.has(name) || u.enums.has(name);
  }

  private ifaceCrosses(u: WireUse, name: string): boolean {
    return u.interfaces.has(name) || u.ops.has(name);
  }

  /** Type ids are on the wire for objects, handles and function-table entries; enums travel as their base type. */
  private idOnWire(u: WireUse, d: IrTypeDecl): boolean {
    if (d.kind === 'struct' || d.kind === 'union') return u.objects.has(d.name) || u.handles.has(d.name);
    if (d.kind === 'callback') return u.callbacks.has(d.name) || u.handles.has(d.name);
    return false;
  }

  private whereIdTravels(o: IrTypeDecl, n: IrTypeDecl): string[] {
    const get = (u: WireUse, name: string): string[] => [...(u.objects.get(name) ?? []), ...(u.handles.get(name) ?? []), ...(u.callbacks.get(name) ?? [])];
    return [...new Set([...get(this.uo, o.name), ...get(this.un, n.name)])].sort();
  }

  private idOffWireReason(d: IrTypeDecl): string {
    return d.kind === 'enum' ? 'enum values travel as their base type, so the id is not on the wire' : 'it never crosses as an object, handle or callback, so the id is not on the wire';
  }

  private crossNote(u: WireUse, name: string): string {
    return this.typeCrosses(u, name) ? ' (it crossed; every field and parameter that used it is reported on its own)' : '';
  }

  private whyUnsent(f: IrField): string {
    if (f.marshal.mode === 'skip') return '[skip]';
    if (f.marshal.mode === 'combolock') return '[combolock]';
    return 'no access set sends it';
  }
}

function declSubject(d: IrTypeDecl): string {
  return `${d.kind} ${d.name}`;
}

function callerOf(role: IrFunction['role']): string {
  return role === 'upcall' ? 'a kernel' : 'a u-driver';
}

function paramText(p: IrParam): string {
  const t = typeText(p.type);
  return `${p.direction === 'in' ? '' : `[${p.direction}] `}${t}${t.endsWith('*') ? '' : ' '}${p.name}`;
}

function plural(n: number, one: string): string {
  return `${n} ${n === 1 ? one : `${one}s`}`;
}
