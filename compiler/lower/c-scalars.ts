// C scalar types as the IDL spells them, and C sizes for constant expressions (sizeof in array
// bounds). `long` stays `slong`/`ulong` so the IDL keeps meaning the same on LP64 and ILP32.
import type { CRecord, CTranslationUnit, CType } from './c-ast.js';

export type Abi = 'lp64' | 'ilp32';

const BASE: Record<string, string> = {
  _Bool: 'bool',
  char: 'char',
  'signed char': 's8',
  'unsigned char': 'u8',
  short: 's16',
  'unsigned short': 'u16',
  int: 's32',
  'unsigned int': 'u32',
  long: 'slong',
  'unsigned long': 'ulong',
  'long long': 's64',
  'unsigned long long': 'u64',
  void: 'void',
};

/** Typedef names that already mean an IDL scalar; their C definitions need not be followed. */
const KNOWN_TYPEDEFS: Record<string, string> = {
  bool: 'bool',
  u8: 'u8', u16: 'u16', u32: 'u32', u64: 'u64',
  s8: 's8', s16: 's16', s32: 's32', s64: 's64',
  __u8: 'u8', __u16: 'u16', __u32: 'u32', __u64: 'u64',
  __s8: 's8', __s16: 's16', __s32: 's32', __s64: 's64',
  uint8_t: 'u8', uint16_t: 'u16', uint32_t: 'u32', uint64_t: 'u64',
  int8_t: 's8', int16_t: 's16', int32_t: 's32', int64_t: 's64',
  // Byte-order types cross as raw bits: the wire is little-endian and the value is not converted.
  __le16: 'u16', __le32: 'u32', __le64: 'u64', __be16: 'u16', __be32: 'u32', __be64: 'u64',
  __sum16: 'u16', __wsum: 'u32',
  size_t: 'ulong', ssize_t: 'slong', uintptr_t: 'ulong', intptr_t: 'slong', ptrdiff_t: 'slong',
  // POSIX names the kernel defines otherwise than glibc's <sys/types.h> (dev_t is 32 bits there, an
  // unsigned long here): as typedefs they would clash in user-mode C, which sees both.
  dev_t: 'u32', nlink_t: 'u32', timer_t: 's32', blkcnt_t: 'u64',
};

export function baseScalar(name: string): string | null {
  return BASE[name] ?? null;
}

export function knownTypedef(name: string): string | null {
  return Object.prototype.hasOwnProperty.call(KNOWN_TYPEDEFS, name) ? KNOWN_TYPEDEFS[name]! : null;
}

const BASE_SIZE: Record<string, number> = {
  void: 1,
  _Bool: 1,
  char: 1,
  'signed char': 1,
  'unsigned char': 1,
  short: 2,
  'unsigned short': 2,
  int: 4,
  'unsigned int': 4,
  'long long': 8,
  'unsigned long long': 8,
  float: 4,
  double: 8,
  'long double': 16,
  __int128: 16,
  'unsigned __int128': 16,
};

/** sizeof and _Alignof for the target ABI; null where the type is incomplete or unknown. */
export class CSizes {
  private readonly inProgress = new Set<CRecord>();
  constructor(
    private readonly unit: CTranslationUnit,
    private readonly abi: Abi,
  ) {}

  sizeAlign(t: CType): { size: bigint; align: bigint } | null {
    const ptr = this.abi === 'lp64' ? 8n : 4n;
    switch (t.kind) {
      case 'base': {
        if (t.name === 'long' || t.name === 'unsigned long') return { size: ptr, align: ptr };
        const s = BASE_SIZE[t.name];
        if (s === undefined) return null;
        const size = BigInt(s);
        const align = this.abi === 'ilp32' && size === 8n ? 4n : size > 8n && this.abi === 'ilp32' ? 4n : size;
        return { size, align };
      }
      case 'pointer':
        return { size: ptr, align: ptr };
      case 'typedef': {
        const d = this.unit.typedefs.get(t.name);
        if (!d) {
          const known = knownTypedef(t.name);
          if (!known || known === 'bool') return known ? { size: 1n, align: 1n } : null;
          const bits = known === 'ulong' || known === 'slong' ? ptr * 8n : BigInt(known.slice(1));
          const size = bits / 8n;
          return { size, align: this.abi === 'ilp32' && size === 8n ? 4n : size };
        }
        return this.sizeAlign(d.type);
      }
      case 'enum':
        return { size: 4n, align: 4n };
      case 'array': {
        if (!t.size) return null;
        return null; // array sizes inside sizeof() need evaluation by the caller; rare in bounds
      }
      case 'record': {
        const def = t.record.def ?? (t.record.tag ? this.unit.records.get(t.record.tag) : undefined) ?? null;
        if (!def || def.kind !== t.record.kind) return null;
        return this.recordSize(def);
      }
      default:
        return null;
    }
  }

  /** Plain C layout without bitfield packing subtleties: enough for sizes used in array bounds. */
  private recordSize(r: CRecord): { size: bigint; align: bigint } | null {
    if (this.inProgress.has(r)) return null;
    this.inProgress.add(r);
    let size = 0n;
    let align = 1n;
    let ok = true;
    for (const m of r.members) {
      const sa = this.sizeAlign(m.type);
      if (!sa) {
        ok = false;
        break;
      }
      if (sa.align > align) align = sa.align;
      if (r.kind === 'union') size = sa.size > size ? sa.size : size;
      else size = ((size + sa.align - 1n) / sa.align) * sa.align + sa.size;
    }
    this.inProgress.delete(r);
    if (!ok) return null;
    return { size: ((size + align - 1n) / align) * align, align };
  }
}
