// The debug-info metadata of an LLVM module, the part split needs: subprograms (name, file, line,
// signature), files, composite types and their members (field names and bit offsets), derived types
// (typedefs, pointers, members) and locations (lines of instructions). Anything else is kept as an
// untyped node and ignored.

export interface MetaNode {
  /** `DISubprogram`, `DIFile`, …; `tuple` for `!{...}`. */
  kind: string;
  fields: Map<string, string>;
  /** For tuples: the element references (`!12`) or `null`. */
  elems?: string[];
}

/** Parses one `!N = ...` line; null when the line is not a numbered metadata node. */
export function parseMetaLine(line: string): { id: number; node: MetaNode } | null {
  const m = /^!(\d+) = (?:distinct )?!(\w*)([({])/.exec(line);
  if (!m) return null;
  const id = Number(m[1]);
  const start = m[0].length;
  if (m[3] === '{') {
    const close = line.lastIndexOf('}');
    const body = line.slice(start, close < start ? line.length : close);
    return { id, node: { kind: 'tuple', fields: new Map(), elems: splitTop(body).map((e) => e.trim()) } };
  }
  const close = line.lastIndexOf(')');
  const body = line.slice(start, close < start ? line.length : close);
  const fields = new Map<string, string>();
  for (const part of splitTop(body)) {
    const c = part.indexOf(':');
    if (c < 0) continue;
    fields.set(part.slice(0, c).trim(), part.slice(c + 1).trim());
  }
  return { id, node: { kind: m[2]!, fields } };
}

/** Splits on commas outside strings and brackets (iterative; metadata lines are flat text). */
function splitTop(s: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let inStr = false;
  let last = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (inStr) {
      if (c === '\\') i++;
      else if (c === '"') inStr = false;
      continue;
    }
    if (c === '"') inStr = true;
    else if (c === '(' || c === '{' || c === '[' || c === '<') depth++;
    else if (c === ')' || c === '}' || c === ']' || c === '>') depth--;
    else if (c === ',' && depth === 0) {
      out.push(s.slice(last, i));
      last = i + 1;
    }
  }
  if (s.slice(last).trim()) out.push(s.slice(last));
  return out;
}

/** `"abc"` → `abc` (LLVM escapes bytes as `\XX`). */
export function metaString(v: string | undefined): string | undefined {
  if (v === undefined || !v.startsWith('"')) return undefined;
  return v.slice(1, -1).replace(/\\([0-9A-Fa-f]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16)));
}

export function metaRef(v: string | undefined): number | undefined {
  if (!v) return undefined;
  const m = /^!(\d+)$/.exec(v);
  return m ? Number(m[1]) : undefined;
}

export function metaInt(v: string | undefined): number {
  if (!v) return 0;
  const n = Number(v);
  return Number.isFinite(n) ? n : 0;
}

/** A member of a composite type, with nested anonymous members flattened into their parent. */
export interface DiMember {
  name: string;
  /** Bit offset from the start of the outermost named composite. */
  offset: number;
  size: number;
  bitfield: boolean;
  /** A pointer (crosses as a u32 id or handle). */
  pointer: boolean;
  /** The member's type with typedefs, qualifiers and arrays stripped: a composite's node id, if any. */
  composite?: number;
  /** Pointer members: the composite they point at (for following paths), if any. */
  pointsTo?: number;
}

export class DebugInfo {
  private readonly membersCache = new Map<number, DiMember[]>();
  /** Named composites by `struct.name` / `union.name` as LLVM names their types. */
  readonly compositesByName = new Map<string, number>();

  private readonly parsed = new Map<number, MetaNode | null>();

  /** `raw`: each numbered node's line, parsed when first asked for (most are locations never read). */
  constructor(private readonly raw: ReadonlyMap<number, string>) {
    for (const [id, line] of raw) {
      if (!line.includes('!DICompositeType(')) continue;
      const n = this.nodes.get(id);
      if (!n || n.kind !== 'DICompositeType') continue;
      const name = metaString(n.fields.get('name'));
      const tag = n.fields.get('tag');
      if (!name || n.fields.get('flags')?.includes('DIFlagFwdDecl')) continue;
      const prefix = tag === 'DW_TAG_union_type' ? 'union' : tag === 'DW_TAG_structure_type' ? 'struct' : null;
      if (!prefix) continue;
      const key = `${prefix}.${name}`;
      if (!this.compositesByName.has(key)) this.compositesByName.set(key, id);
    }
  }

  /** Lazily parsed nodes, with the Map interface the queries below use. */
  readonly nodes = {
    get: (id: number): MetaNode | undefined => {
      let n = this.parsed.get(id);
      if (n === undefined) {
        const line = this.raw.get(id);
        n = line === undefined ? null : (parseMetaLine(line)?.node ?? null);
        this.parsed.set(id, n);
      }
      return n ?? undefined;
    },
  };

  node(id: number | undefined): MetaNode | undefined {
    return id === undefined ? undefined : this.nodes.get(id);
  }

  private readonly names = new Map<number, string | undefined>();

  name(id: number | undefined): string | undefined {
    if (id === undefined) return undefined;
    if (this.names.has(id)) return this.names.get(id);
    const n = metaString(this.node(id)?.fields.get('name'));
    this.names.set(id, n);
    return n;
  }

  isUnion(id: number): boolean {
    return this.node(id)?.fields.get('tag') === 'DW_TAG_union_type';
  }

  /** Strips typedefs, qualifiers and arrays down to a composite, a pointer or a base type. */
  strip(id: number | undefined): { id: number | undefined; pointer: boolean } {
    let cur = id;
    for (let guard = 0; guard < 1000 && cur !== undefined; guard++) {
      const n = this.nodes.get(cur);
      if (!n) return { id: undefined, pointer: false };
      if (n.kind === 'DICompositeType' && n.fields.get('tag') === 'DW_TAG_array_type') {
        cur = metaRef(n.fields.get('baseType'));
        continue;
      }
      if (n.kind !== 'DIDerivedType') return { id: cur, pointer: false };
      const tag = n.fields.get('tag');
      if (tag === 'DW_TAG_pointer_type') return { id: cur, pointer: true };
      cur = metaRef(n.fields.get('baseType'));
    }
    return { id: undefined, pointer: false };
  }

  /** The composite a type is or (through one pointer) points at, resolving forward declarations. */
  compositeOf(id: number | undefined, throughPointer: boolean): number | undefined {
    let s = this.strip(id);
    if (s.pointer) {
      if (!throughPointer) return undefined;
      s = this.strip(metaRef(this.node(s.id)?.fields.get('baseType')));
      if (s.pointer) return undefined;
    }
    const n = this.node(s.id);
    if (!n || n.kind !== 'DICompositeType') return undefined;
    return this.definition(s.id!);
  }

  /** A defined struct or union by its LLVM name (`struct.e1000_adapter`). */
  composite(key: string): number | undefined {
    return this.compositesByName.get(key);
  }

  /** A forward declaration's definition, by name. */
  definition(id: number): number {
    const n = this.node(id);
    if (!n?.fields.get('flags')?.includes('DIFlagFwdDecl')) return id;
    const name = metaString(n.fields.get('name'));
    const prefix = n.fields.get('tag') === 'DW_TAG_union_type' ? 'union' : 'struct';
    return (name && this.compositesByName.get(`${prefix}.${name}`)) || id;
  }

  /** The members of a composite, anonymous members flattened (as C lets code name their fields). */
  members(id: number): DiMember[] {
    const cached = this.membersCache.get(id);
    if (cached) return cached;
    const out: DiMember[] = [];
    const work: { comp: number; base: number }[] = [{ comp: id, base: 0 }];
    let guard = 0;
    while (work.length && guard++ < 10000) {
      const { comp, base } = work.pop()!;
      const elems = this.node(metaRef(this.node(comp)?.fields.get('elements')))?.elems ?? [];
      const batch: DiMember[] = [];
      const nested: { comp: number; base: number }[] = [];
      for (const e of elems) {
        const m = this.node(metaRef(e));
        if (!m || m.kind !== 'DIDerivedType' || m.fields.get('tag') !== 'DW_TAG_member') continue;
        const offset = base + metaInt(m.fields.get('offset'));
        const baseType = metaRef(m.fields.get('baseType'));
        const name = metaString(m.fields.get('name'));
        if (!name) {
          const inner = this.compositeOf(baseType, false);
          if (inner !== undefined) nested.push({ comp: inner, base: offset });
          continue;
        }
        const composite = this.compositeOf(baseType, false);
        const pointsTo = composite === undefined ? this.compositeOf(baseType, true) : undefined;
        batch.push({
          name,
          offset,
          size: metaInt(m.fields.get('size')),
          bitfield: (m.fields.get('flags') ?? '').includes('DIFlagBitField'),
          pointer: this.strip(baseType).pointer,
          ...(composite !== undefined ? { composite } : {}),
          ...(pointsTo !== undefined ? { pointsTo } : {}),
        });
      }
      out.push(...batch);
      for (let i = nested.length - 1; i >= 0; i--) work.push(nested[i]!);
    }
    out.sort((a, b) => a.offset - b.offset);
    this.membersCache.set(id, out);
    return out;
  }

  /**
   * The members an access of `bytes` bytes at byte `offset` touches: the member holding that
   * offset, or every bitfield stored in that span, or (in a union) every member at that offset.
   */
  membersAt(id: number, offset: number, bytes: number): DiMember[] {
    const bit = offset * 8;
    const end = bit + Math.max(bytes, 1) * 8;
    return this.members(id).filter((m) => (m.bitfield ? m.offset >= bit && m.offset < end : m.offset <= bit && bit < m.offset + Math.max(m.size, 8)));
  }

  /** File path of a scope (subprogram, composite, file). */
  fileOf(id: number | undefined): string | undefined {
    const n = this.node(id);
    if (!n) return undefined;
    const f = n.kind === 'DIFile' ? n : this.node(metaRef(n.fields.get('file')));
    if (!f) return undefined;
    const name = metaString(f.fields.get('filename')) ?? '';
    const dir = metaString(f.fields.get('directory')) ?? '';
    return name.startsWith('/') || !dir ? name : `${dir}/${name}`;
  }

  /** A location's line, unless it was inlined from elsewhere (read straight from the text: there is one per instruction). */
  lineOf(id: number | undefined): number | undefined {
    if (id === undefined) return undefined;
    // Without columns, the instructions of one line share their location: each is read once.
    if (this.lines.has(id)) return this.lines.get(id);
    const raw = this.raw.get(id);
    let line: number | undefined;
    if (raw !== undefined) {
      const m = /= !DILocation\(line: (\d+)/.exec(raw);
      if (m && !raw.includes('inlinedAt:') && Number(m[1]) > 0) line = Number(m[1]);
    }
    this.lines.set(id, line);
    return line;
  }
  private readonly lines = new Map<number, number | undefined>();

  /** The name of a subprogram's return type as written (a typedef keeps its name: `irqreturn_t`). */
  returnTypeName(sp: number): string | undefined {
    const type = this.node(metaRef(this.node(sp)?.fields.get('type')));
    const types = this.node(metaRef(type?.fields.get('types')))?.elems;
    const ret = types?.[0];
    if (!ret || ret === 'null') return 'void';
    return this.name(metaRef(ret));
  }
}
