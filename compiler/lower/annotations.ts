// Reads mdidl's annotations (and DriverSlicer's GCC attributes, as aliases) off C attribute lists.
// Anything else GCC allows there (packed, aligned, section, ...) is none of our business.
import type { CAttribute, CLoc, CToken } from './c-ast.js';
import { closest } from '../../idl/checker/context.js';
import { scanC } from './c-lexer.js';

export type Ann =
  | { k: 'string' | 'opaque' | 'ref' | 'interior' | 'default' | 'recursive' | 'combolock' | 'skip'; loc: CLoc; spelled: string }
  | { k: 'in' | 'out' | 'inout'; loc: CLoc; spelled: string }
  | { k: 'critical' | 'upcall' | 'downcall'; loc: CLoc; spelled: string }
  | { k: 'max' | 'count' | 'id'; expr: CToken[]; loc: CLoc; spelled: string }
  | { k: 'as'; type: CToken[]; loc: CLoc; spelled: string }
  | { k: 'container'; type: CToken[]; field: string; loc: CLoc; spelled: string }
  | { k: 'switch'; field: string; loc: CLoc; spelled: string }
  /** The area after a kernel object (a member only a sidecar declares): accessor and struct. */
  | { k: 'trailing'; accessor: string; type: string; loc: CLoc; spelled: string }
  | { k: 'case'; values: CToken[][]; loc: CLoc; spelled: string }
  | { k: 'reads' | 'writes'; paths: CToken[][]; loc: CLoc; spelled: string };

export interface AnnProblem {
  loc: CLoc;
  message: string;
  /** A DriverSlicer attribute mdidl has no meaning for: said, then ignored. */
  warning?: boolean;
}

const FLAGS = new Set(['string', 'opaque', 'ref', 'interior', 'default', 'recursive', 'combolock', 'skip', 'in', 'out', 'inout', 'critical', 'upcall', 'downcall']);

/** Attributes that only DriverSlicer annotations use; their presence marks the attribute list as ours. */
const DRIVERSLICER = new Set(['nullterm', 'blob', 'exp', 'opaque', 'ispointer', 'noderef', 'address_space', 'recursive', 'combolock', 'offsetptr', 'rangestore', 'conttype', 'contfield', 'fixedarray']);

/**
 * sparse's checker attributes, which DriverSlicer's headers carry beside its own (its `noderef` and
 * `address_space` are sparse's too): mdidl has no meaning for these, so they warn where read.
 */
const UNSUPPORTED = new Map<string, string>([
  ['force', "sparse's cast override; nothing to marshal"],
  ['bitwise', "sparse's endianness type check; the value crosses as its integer type"],
  ['context', "sparse's lock context; a lock both halves take is MDL_COMBOLOCK"],
  ['safe', "sparse's never-NULL hint; use MDL_REF"],
  ['nocast', "sparse's implicit-cast check; nothing to marshal"],
]);

export function isAnnotation(a: CAttribute): boolean {
  return a.name.startsWith('mdl_') || DRIVERSLICER.has(a.name) || UNSUPPORTED.has(a.name);
}

function text(tokens: CToken[]): string {
  return tokens.map((t) => t.text).join(' ');
}

/**
 * DriverSlicer writes some arguments as strings (`blob("len")`, `contfield("f")`) and types as
 * `sizeof(T)` (`ispointer(sizeof(T))`, `conttype(sizeof(T))`): both unwrapped to the C inside.
 */
function unwrap(arg: CToken[]): CToken[] {
  if (arg.length === 1 && arg[0]!.kind === 'string') {
    const t = arg[0]!;
    const inner = t.text.replace(/^[A-Za-z0-9]*"/, '').replace(/"$/, '');
    return scanC(inner).tokens.map((r) => ({ kind: r.kind, text: r.text, loc: t.loc }));
  }
  if (arg.length >= 4 && arg[0]!.text === 'sizeof' && arg[1]!.text === '(' && arg[arg.length - 1]!.text === ')') return arg.slice(2, -1);
  return arg;
}

/** `a | b.c` (MDL_CONTAINER and the sidecar's container): member paths joined by `|`, as the IDL writes them. */
function memberPaths(arg: CToken[]): string | null {
  const paths: string[] = [];
  let from = 0;
  for (let i = 0; i <= arg.length; i++) {
    if (i < arg.length && arg[i]!.text !== '|') continue;
    const p = memberPath(arg.slice(from, i));
    if (!p) return null;
    paths.push(p);
    from = i + 1;
  }
  return paths.join(' | ');
}

/** `field` or `a.b.c` (a member inside embedded structs) as written; null for anything else. */
function memberPath(arg: CToken[]): string | null {
  if (arg.length % 2 === 0) return null;
  for (let i = 0; i < arg.length; i++) if (i % 2 ? arg[i]!.text !== '.' : arg[i]!.kind !== 'ident') return null;
  return arg.filter((_, i) => i % 2 === 0).map((t) => t.text).join('.');
}

/**
 * Normalises the annotations of one declaration. `onPointer` tells how to read DriverSlicer's
 * `noderef`: a handle on a pointer, kernel-only data elsewhere.
 */
export function readAnnotations(attrs: CAttribute[], onPointer: boolean): { anns: Ann[]; problems: AnnProblem[] } {
  const anns: Ann[] = [];
  const problems: AnnProblem[] = [];
  let conttype: CAttribute | null = null;
  let contfield: CAttribute | null = null;
  const one = (a: CAttribute, what: string): CToken[] | null => {
    if (a.args.length !== 1 || a.args[0]!.length === 0) {
      problems.push({ loc: a.loc, message: `${a.name} takes one argument (${what})` });
      return null;
    }
    return a.args[0]!;
  };
  const ident = (a: CAttribute, what: string): string | null => {
    const raw = one(a, what);
    if (!raw) return null;
    const arg = a.name.startsWith('mdl_') ? raw : unwrap(raw);
    if (arg.length !== 1 || arg[0]!.kind !== 'ident') {
      problems.push({ loc: a.loc, message: `${a.name} takes a field name, got '${text(arg)}'` });
      return null;
    }
    return arg[0]!.text;
  };
  for (const a of attrs) {
    const spelled = a.name;
    const loc = a.loc;
    if (a.name.startsWith('mdl_')) {
      const k = a.name.slice(4);
      if (FLAGS.has(k)) {
        if (a.args.length) problems.push({ loc, message: `${spelled} takes no arguments` });
        anns.push({ k: k as 'string', loc, spelled });
      } else if (k === 'max' || k === 'count' || k === 'id') {
        const e = one(a, k === 'max' ? 'the bound' : k === 'count' ? 'the element count' : 'the wire id');
        if (e) anns.push({ k, expr: e, loc, spelled });
      } else if (k === 'as') {
        const t = one(a, 'the type pointed to');
        if (t) anns.push({ k: 'as', type: t, loc, spelled });
      } else if (k === 'container') {
        const field = a.args.length === 2 && a.args[0]!.length ? memberPaths(a.args[1]!) : null;
        if (!field)
          problems.push({
            loc,
            message: `mdl_container takes the enclosing type and a field name or member path, or several joined by '|': MDL_CONTAINER(T, field), MDL_CONTAINER(T, a.b) or MDL_CONTAINER(T, a | b.c)`,
          });
        else anns.push({ k: 'container', type: a.args[0]!, field, loc, spelled });
      } else if (k === 'switch') {
        const f = ident(a, 'the discriminant field');
        if (f) anns.push({ k: 'switch', field: f, loc, spelled });
      } else if (k === 'trailing') {
        const [f, t] = a.args;
        if (a.args.length !== 2 || f?.length !== 1 || f[0]!.kind !== 'ident' || t?.length !== 1 || t[0]!.kind !== 'ident')
          problems.push({ loc, message: 'mdl_trailing takes the accessor and the struct it finds: trailing(netdev_priv, T)' });
        else anns.push({ k: 'trailing', accessor: f[0]!.text, type: t[0]!.text, loc, spelled });
      } else if (k === 'case') {
        if (!a.args.length || a.args.some((x) => !x.length)) problems.push({ loc, message: 'mdl_case takes one or more case values' });
        else anns.push({ k: 'case', values: a.args, loc, spelled });
      } else if (k === 'reads' || k === 'writes') {
        anns.push({ k, paths: a.args.filter((p) => p.length), loc, spelled });
      } else {
        const hint = closest(k, [...FLAGS, 'max', 'count', 'id', 'as', 'container', 'switch', 'case', 'reads', 'writes', 'trailing']);
        problems.push({ loc, message: `unknown mdidl annotation '${spelled}'${hint ? ` (did you mean 'mdl_${hint}', MDL_${hint.toUpperCase()}?)` : ''}` });
      }
      continue;
    }
    switch (a.name) {
      case 'nullterm':
        anns.push({ k: 'string', loc, spelled });
        break;
      case 'blob':
      case 'exp':
      case 'fixedarray': {
        if (a.name === 'fixedarray' && a.args.length === 0) {
          // On an array the size is already known; on a pointer nothing says how many.
          if (onPointer) problems.push({ loc, message: `fixedarray without a size on a pointer is not supported (mdidl needs the count: fixedarray(n) or MDL_COUNT(n)); ignored`, warning: true });
          break;
        }
        const e = one(a, 'the element count');
        if (e) anns.push({ k: 'count', expr: unwrap(e), loc, spelled });
        break;
      }
      case 'opaque': {
        // DriverSlicer's opaque(sizeof(T)): the value really points to a T.
        const e = one(a, 'sizeof(T)');
        if (!e) break;
        const inner = unwrap(e);
        if (inner !== e) anns.push({ k: 'as', type: inner, loc, spelled });
        else problems.push({ loc, message: `opaque(...) takes sizeof(T), got '${text(e)}'` });
        break;
      }
      case 'ispointer': {
        if (a.args.length === 0) {
          problems.push({ loc, message: 'ispointer needs the pointed-to type: ispointer(T) or ispointer(sizeof(T))' });
          break;
        }
        const t = one(a, 'the type pointed to');
        if (t) anns.push({ k: 'as', type: unwrap(t), loc, spelled });
        break;
      }
      case 'noderef':
        // On a pointer: MMIO or another space the other side must not dereference, a handle.
        // On anything else (a dma_addr_t, an embedded struct): DriverSlicer's "never marshal".
        anns.push({ k: onPointer ? 'opaque' : 'skip', loc, spelled });
        break;
      case 'address_space':
        if (onPointer) anns.push({ k: 'opaque', loc, spelled });
        else problems.push({ loc, message: `address_space on something that is not a pointer means nothing to mdidl; ignored`, warning: true });
        break;
      case 'recursive':
      case 'combolock':
        anns.push({ k: a.name, loc, spelled });
        break;
      case 'offsetptr':
      case 'rangestore':
        if (onPointer) anns.push({ k: 'interior', loc, spelled });
        else problems.push({ loc, message: `${a.name} on something that is not a pointer is not supported (mdidl's interior pointers are pointers); ignored`, warning: true });
        break;
      case 'conttype':
        conttype = a;
        break;
      case 'contfield':
        contfield = a;
        break;
      default:
        if (UNSUPPORTED.has(a.name)) problems.push({ loc, message: `'${a.name}' is not supported by mdidl (${UNSUPPORTED.get(a.name)}); ignored`, warning: true });
        break;
    }
  }
  if (conttype || contfield) {
    if (!conttype || !contfield) {
      problems.push({ loc: (conttype ?? contfield)!.loc, message: 'conttype(T) and contfield(f) go together' });
    } else {
      const t = one(conttype, 'the enclosing type');
      const raw = one(contfield, 'the field');
      const f = raw ? memberPath(unwrap(raw)) : null;
      if (raw && !f) problems.push({ loc: contfield.loc, message: `contfield takes a field name or member path (a.b), got '${text(unwrap(raw))}'` });
      if (t && f) anns.push({ k: 'container', type: unwrap(t), field: f, loc: conttype.loc, spelled: 'conttype' });
    }
  }
  return { anns, problems: dedupeFlags(anns, problems) };
}

/** The same annotation twice (e.g. MDL_STRING_MAX beside MDL_STRING) is harmless; keep the first. */
function dedupeFlags(anns: Ann[], problems: AnnProblem[]): AnnProblem[] {
  const seen = new Set<string>();
  for (let i = 0; i < anns.length; i++) {
    const a = anns[i]!;
    if (!FLAGS.has(a.k)) continue;
    if (seen.has(a.k)) anns.splice(i--, 1);
    seen.add(a.k);
  }
  return problems;
}

export function find<K extends Ann['k']>(anns: Ann[], k: K): (Ann & { k: K }) | undefined {
  return anns.find((a) => a.k === k) as (Ann & { k: K }) | undefined;
}
