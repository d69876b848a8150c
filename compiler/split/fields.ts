// Naming what the IR addresses by index: an LLVM struct field is a byte offset in the x86-64 layout,
// and the debug info says which C member (or bitfields, or union members) live at that offset.
import type { DiMember } from './ll-metadata.js';
import type { LlModule } from './ll-reader.js';
import type { LType } from './ll-types.js';
import type { Program } from './program.js';

/** `%struct.net_device_ops` → `struct.net_device_ops` as the debug-info index knows it. */
export function diKey(llName: string): string | null {
  const m = /^%"?(struct|union)\.(.+?)"?$/.exec(llName);
  if (!m) return null;
  // clang renames a second type of the same name `name.N`; anonymous ones are `anon`/`anon.N`.
  const base = m[2]!.replace(/\.\d+$/, '');
  if (base === 'anon') return null;
  return `${m[1]}.${base}`;
}

/** The C name of an LLVM struct type: `net_device_ops`, or null when anonymous. */
export function cName(llName: string): string | null {
  const k = diKey(llName);
  return k ? k.slice(k.indexOf('.') + 1) : null;
}

export interface FieldRef {
  /** The C struct or union (tag) that holds the member. */
  owner: string;
  /** DI composite node, for following paths further. */
  composite: number;
  members: DiMember[];
  /** Byte offset of the field inside `owner`. */
  offset: number;
  /** The LLVM type of the field. */
  type: LType;
}

/** The member(s) at LLVM field `index` of the named struct `llName`, with a byte offset base for anonymous chains. */
export function fieldAt(p: Program, m: LlModule, llType: LType, index: number, owner: { composite: number; owner: string; base: number } | null): FieldRef | null {
  const layouts = p.layouts.get(m)!;
  const body = layouts.body(llType);
  if (!body || body.k !== 'struct') return null;
  const l = layouts.of(body);
  const offset = l.offsets?.[index];
  const ftype = body.fields[index];
  if (offset === undefined || !ftype) return null;
  let comp: number | undefined;
  let ownerName: string | null = null;
  let base = 0;
  if (llType.k === 'named') {
    const key = diKey(llType.name);
    comp = key ? m.debug.compositesByName.get(key) : undefined;
    ownerName = key ? key.slice(key.indexOf('.') + 1) : null;
  }
  if (comp === undefined && owner) {
    comp = owner.composite;
    ownerName = owner.owner;
    base = owner.base;
  }
  if (comp === undefined || ownerName === null) return null;
  const size = layouts.of(ftype).size;
  const members = m.debug.membersAt(comp, base + offset, size);
  return { owner: ownerName, composite: comp, members, offset: base + offset, type: ftype };
}
