// Equality of types, expressions and marshal records across two IRs. Names of renamed declarations
// are mapped first, so a renamed struct does not make every field that holds it "changed".
//
// Two equalities: `wire` asks whether the bytes and their meaning are the same (typedef spelling,
// `const` and the C name of a same-width integer do not matter: `ulong` crosses as 8 bytes on
// every ABI); `c` asks whether C code sees the same type (typedefs are still transparent, since a
// C typedef is only another name).
import { BINARY_PRECEDENCE, type BinaryOp } from '../../idl/ast.js';
import type { IrExpr, IrMarshal, IrType } from '../ir/types.js';
import { typeText } from './model.js';

/** Old declaration names to new ones, for declarations matched under a different name. */
export class NameMap {
  private readonly o2n = new Map<string, string>();
  private readonly n2o = new Map<string, string>();

  set(oldName: string, newName: string): void {
    this.o2n.set(oldName, newName);
    this.n2o.set(newName, oldName);
  }
  toNew(oldName: string): string {
    return this.o2n.get(oldName) ?? oldName;
  }
  toOld(newName: string): string {
    return this.n2o.get(newName) ?? newName;
  }
}

export type Equality = 'wire' | 'c';

function wireInt(t: { name: string; bits: number; signed: boolean }): string {
  // ulong/slong are 8 bytes on the wire whatever the ABI (docs/wire-format.md).
  const bits = t.name === 'ulong' || t.name === 'slong' ? 64 : t.bits;
  return `${t.signed ? 's' : 'u'}${bits}`;
}

/** Is old type `a` the same as new type `b`? */
export function sameType(a: IrType, b: IrType, names: NameMap, eq: Equality): boolean {
  while (a.kind === 'alias') a = a.target;
  while (b.kind === 'alias') b = b.target;
  switch (a.kind) {
    case 'int':
      return b.kind === 'int' && (eq === 'wire' ? wireInt(a) === wireInt(b) : a.name === b.name);
    case 'bool':
    case 'char':
    case 'void':
      return b.kind === a.kind;
    case 'struct':
    case 'union':
    case 'enum':
    case 'callback':
    case 'interface':
      return b.kind === a.kind && names.toNew(a.name) === b.name;
    case 'pointer':
      return b.kind === 'pointer' && (eq === 'wire' || a.isConst === b.isConst) && sameType(a.to, b.to, names, eq);
    case 'array':
      return b.kind === 'array' && a.length === b.length && sameType(a.of, b.of, names, eq);
  }
}

/** Does the spelling differ where the meaning does not (`u64` vs `dma_addr_t`)? */
export function spelledDifferently(a: IrType, b: IrType, names: NameMap): boolean {
  return spelling(a, (n) => names.toNew(n)) !== spelling(b, (n) => n);
}

function spelling(t: IrType, rename: (n: string) => string): string {
  switch (t.kind) {
    case 'alias':
      return `alias:${rename(t.name)}`;
    case 'pointer':
      return `${spelling(t.to, rename)}*`;
    case 'array':
      return `${spelling(t.of, rename)}[${t.length}]`;
    case 'struct':
    case 'union':
    case 'enum':
    case 'callback':
    case 'interface':
      return rename(t.name);
    default:
      return typeText(t);
  }
}

// ---- expressions ------------------------------------------------------------------------------

/**
 * A count expression reduced to what the receiver computes: everything but fields and parameters is
 * folded to its value. A constant both versions declare is folded with its new value on both sides,
 * so a change of its value is reported once, at the constant, and not again at every count using it;
 * `[count(6)]` and `[count(ETH_ALEN)]` with `ETH_ALEN = 6` fold to the same thing.
 */
function normalize(e: IrExpr, constValue: (name: string) => string | null): string {
  const hasSlot = (x: IrExpr): boolean =>
    x.kind === 'slot' || (x.kind === 'unary' && hasSlot(x.operand)) || (x.kind === 'binary' && (hasSlot(x.left) || hasSlot(x.right)));
  const withValues = (x: IrExpr): IrExpr => {
    switch (x.kind) {
      case 'constant': {
        const v = constValue(x.name);
        return v === null ? x : { ...x, value: v };
      }
      case 'unary':
        return { ...x, operand: withValues(x.operand) };
      case 'binary':
        return { ...x, left: withValues(x.left), right: withValues(x.right) };
      default:
        return x;
    }
  };
  const go = (x: IrExpr): string => {
    if (!hasSlot(x)) {
      const v = evalExpr(x);
      return v === null ? `?${exprText(x)}` : v.toString();
    }
    switch (x.kind) {
      case 'slot':
        return `#${x.index}`;
      case 'unary':
        return `(${x.op}${go(x.operand)})`;
      case 'binary':
        return `(${go(x.left)}${x.op}${go(x.right)})`;
      default:
        return '?';
    }
  };
  return go(withValues(e));
}

/** `newValue(oldName)`: the new version's value of a constant the old expression names, if it still exists. */
export function sameExpr(a: IrExpr | null, b: IrExpr | null, newValue: (oldName: string) => string | null): boolean {
  if (a === null || b === null) return a === b;
  return normalize(a, newValue) === normalize(b, () => null);
}

export function evalExpr(e: IrExpr): bigint | null {
  switch (e.kind) {
    case 'literal':
      return literalValue(e.value);
    case 'constant':
    case 'sizeof':
      return BigInt(e.value);
    case 'slot':
      return null;
    case 'unary': {
      const v = evalExpr(e.operand);
      if (v === null) return null;
      return e.op === '-' ? -v : e.op === '~' ? ~v : v;
    }
    case 'binary': {
      const l = evalExpr(e.left);
      const r = evalExpr(e.right);
      if (l === null || r === null) return null;
      switch (e.op) {
        case '+':
          return l + r;
        case '-':
          return l - r;
        case '*':
          return l * r;
        case '/':
          return r === 0n ? null : l / r;
        case '%':
          return r === 0n ? null : l % r;
        case '<<':
          return l << r;
        case '>>':
          return l >> r;
        case '&':
          return l & r;
        case '|':
          return l | r;
        case '^':
          return l ^ r;
        default:
          return null;
      }
    }
  }
}

function literalValue(text: string): bigint | null {
  try {
    // The IDL's radix prefixes (0x, 0o, 0b) are JavaScript's.
    return BigInt(text);
  } catch {
    return null;
  }
}

export function exprText(e: IrExpr, parent = 0): string {
  switch (e.kind) {
    case 'literal':
      return e.value;
    case 'constant':
    case 'slot':
      return e.name;
    case 'sizeof':
      return `sizeof(${typeText(e.type)})`;
    case 'unary':
      return `${e.op}${exprText(e.operand, 100)}`;
    case 'binary': {
      const p = BINARY_PRECEDENCE[e.op as BinaryOp] ?? 0;
      const s = `${exprText(e.left, p)} ${e.op} ${exprText(e.right, p + 1)}`;
      return p < parent ? `(${s})` : s;
    }
  }
}

// ---- marshal records --------------------------------------------------------------------------

export interface MarshalDelta {
  /** A phrase for the message: `count len -> len * 2`. */
  text: string;
  /** Whether the bytes or their checks change; `[recursive]` is a note for backends only. */
  wire: boolean;
  /** Only the count expression differs: reported with its own kind. */
  count: boolean;
}

export function marshalDeltas(a: IrMarshal, b: IrMarshal, newValue: (oldName: string) => string | null, names: NameMap): MarshalDelta[] {
  const out: MarshalDelta[] = [];
  const d = (text: string, wire = true, count = false): void => void out.push({ text, wire, count });
  if (a.mode !== b.mode) d(`crosses as ${modeText(a.mode)} -> ${modeText(b.mode)}`);
  if (a.nonNull !== b.nonNull) d(b.nonNull ? 'now never NULL ([ref] or a direction)' : 'may now be NULL');
  if (!sameExpr(a.count, b.count, newValue))
    d(`count ${a.count ? exprText(a.count) : '(none)'} -> ${b.count ? exprText(b.count) : '(none)'}`, true, true);
  if (a.max !== b.max) d(`max ${a.max ?? '(none)'} -> ${b.max ?? '(none)'}`);
  if (a.string !== b.string) d(b.string ? '[string] added' : '[string] removed');
  if ((a.asType === null ? null : names.toNew(a.asType)) !== b.asType) d(`[as] ${a.asType ?? '(none)'} -> ${b.asType ?? '(none)'}`);
  // A choice's members are its wire (the index of one crosses): their list, in order, is what compares.
  const cont = (c: IrMarshal['container'], map: (n: string) => string): string =>
    c ? (c.alternatives ? `${map(c.type)}.(${c.alternatives.join(' | ')})` : `${map(c.type)}.${c.field}`) : '(none)';
  if (cont(a.container, (n) => names.toNew(n)) !== cont(b.container, (n) => n))
    d(`[container] ${cont(a.container, (n) => n)} -> ${cont(b.container, (n) => n)}`);
  if ((a.switchOn?.index ?? -1) !== (b.switchOn?.index ?? -1))
    d(`[switch] ${a.switchOn?.name ?? '(none)'} -> ${b.switchOn?.name ?? '(none)'}`);
  if (a.recursive !== b.recursive) d(b.recursive ? '[recursive] added' : '[recursive] removed', false);
  // The wire is a tracked pointer either way; what changes is where the kernel C finds the object.
  if (a.trailing !== b.trailing) d(`[trailing] ${a.trailing ?? '(none)'} -> ${b.trailing ?? '(none)'}`, false);
  return out;
}

function modeText(mode: IrMarshal['mode']): string {
  switch (mode) {
    case 'skip':
      return '[skip] (never)';
    case 'combolock':
      return '[combolock] (never copied)';
    case 'opaque':
      return 'an opaque handle';
    case 'tracked':
      return 'a tracked object';
    case 'ops':
      return 'an ops table';
    case 'counted':
      return 'a counted array';
    case 'string':
      return 'a string';
    case 'interior':
      return 'an interior pointer';
    case 'container':
      return 'a container pointer';
    case 'callback':
      return 'a callback';
    case 'value':
      return 'a value';
  }
}
