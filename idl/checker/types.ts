// Resolved types: what a TypeRef (plus its array dims) means once names are looked up and
// typedefs are seen through. The checker computes them once; the IR builder reads them.
import type * as A from '../ast.js';

export type IntName = 'u8' | 'u16' | 'u32' | 'u64' | 's8' | 's16' | 's32' | 's64' | 'ulong' | 'slong';

export type Ty =
  | { k: 'int'; name: IntName; signed: boolean; bits: number }
  | { k: 'bool' }
  | { k: 'char' }
  | { k: 'void' }
  | { k: 'enum'; decl: A.EnumDecl }
  | { k: 'struct'; decl: A.StructDecl }
  | { k: 'union'; decl: A.UnionDecl }
  | { k: 'callback'; decl: A.CallbackDecl }
  | { k: 'interface'; decl: A.InterfaceDecl }
  | { k: 'pointer'; to: Ty; isConst: boolean }
  | { k: 'array'; of: Ty; length: bigint }
  /** A typedef name: kept so generated C can keep the author's spelling; `target` is what it means. */
  | { k: 'alias'; decl: A.TypedefDecl; target: Ty };

export type Abi = 'lp64' | 'ilp32';

export const BUILTIN_NAMES = [
  'u8', 'u16', 'u32', 'u64', 's8', 's16', 's32', 's64', 'ulong', 'slong', 'bool', 'char', 'void',
] as const;

export function builtinType(name: string, abi: Abi): Ty | null {
  switch (name) {
    case 'u8':
    case 'u16':
    case 'u32':
    case 'u64':
      return { k: 'int', name, signed: false, bits: Number(name.slice(1)) };
    case 's8':
    case 's16':
    case 's32':
    case 's64':
      return { k: 'int', name, signed: true, bits: Number(name.slice(1)) };
    case 'ulong':
      return { k: 'int', name, signed: false, bits: abi === 'lp64' ? 64 : 32 };
    case 'slong':
      return { k: 'int', name, signed: true, bits: abi === 'lp64' ? 64 : 32 };
    case 'bool':
      return { k: 'bool' };
    case 'char':
      return { k: 'char' };
    case 'void':
      return { k: 'void' };
    default:
      return null;
  }
}

/** Sees through typedefs. */
export function strip(t: Ty): Exclude<Ty, { k: 'alias' }> {
  let cur = t;
  while (cur.k === 'alias') cur = cur.target;
  return cur;
}

/** The element type of (nested) arrays, typedefs seen through; any other type, stripped. */
export function innermost(t: Ty): Exclude<Ty, { k: 'alias' }> {
  let cur = strip(t);
  while (cur.k === 'array') cur = strip(cur.of);
  return cur;
}

export function isInteger(t: Ty): boolean {
  const s = strip(t);
  return s.k === 'int' || s.k === 'char' || s.k === 'bool' || s.k === 'enum';
}

/** Integer types usable as counts and discriminants: plain integers and enums (not bool or char). */
export function isCountable(t: Ty): boolean {
  const s = strip(t);
  return s.k === 'int' || s.k === 'enum';
}

export function describe(t: Ty): string {
  switch (t.k) {
    case 'int':
      return t.name;
    case 'bool':
    case 'char':
    case 'void':
      return t.k;
    case 'enum':
    case 'struct':
    case 'union':
    case 'callback':
    case 'interface':
      return `${t.k} ${t.decl.name.value}`;
    case 'alias':
      return t.decl.name.value;
    case 'pointer':
      return t.to.k === 'pointer' ? `${describe(t.to)}*` : `${t.isConst ? 'const ' : ''}${describe(t.to)} *`;
    case 'array': {
      // C order: `char[4][16]` is 4 arrays of 16.
      const dims: bigint[] = [];
      let cur: Ty = t;
      while (cur.k === 'array') {
        dims.push(cur.length);
        cur = cur.of;
      }
      return `${describe(cur)}${dims.map((d) => `[${d}]`).join('')}`;
    }
  }
}

/** Integer range of a scalar type, for checking constants and case labels. */
export function intRange(t: Ty, enumBase: (e: A.EnumDecl) => Ty): { min: bigint; max: bigint } | null {
  const s = strip(t);
  if (s.k === 'bool') return { min: 0n, max: 1n };
  if (s.k === 'char') return { min: -128n, max: 255n };
  if (s.k === 'enum') return intRange(enumBase(s.decl), enumBase);
  if (s.k !== 'int') return null;
  const b = BigInt(s.bits);
  return s.signed ? { min: -(1n << (b - 1n)), max: (1n << (b - 1n)) - 1n } : { min: 0n, max: (1n << b) - 1n };
}

/** C keywords (C11 and GNU): names the C backends cannot emit as identifiers. */
export const C_KEYWORDS = new Set([
  'auto', 'break', 'case', 'char', 'const', 'continue', 'default', 'do', 'double', 'else', 'enum', 'extern',
  'float', 'for', 'goto', 'if', 'inline', 'int', 'long', 'register', 'restrict', 'return', 'short', 'signed',
  'sizeof', 'static', 'struct', 'switch', 'typedef', 'union', 'unsigned', 'void', 'volatile', 'while',
  '_Alignas', '_Alignof', '_Atomic', '_Bool', '_Complex', '_Generic', '_Imaginary', '_Noreturn',
  '_Static_assert', '_Thread_local', 'asm', 'typeof', '__attribute__', '__typeof__', '__asm__', '__inline__',
]);
