// Reads mdidl's annotations (and DriverSlicer's GCC attributes, as aliases) off C attribute lists.
// Anything else GCC allows there (packed, aligned, section, ...) is none of our business.
import type { CAttribute, CLoc, CToken } from './c-ast.js';

export type Ann =
  | { k: 'string' | 'opaque' | 'ref' | 'interior' | 'default' | 'recursive' | 'combolock' | 'skip'; loc: CLoc; spelled: string }
  | { k: 'in' | 'out' | 'inout'; loc: CLoc; spelled: string }
  | { k: 'critical' | 'upcall' | 'downcall'; loc: CLoc; spelled: string }
  | { k: 'max' | 'count' | 'id'; expr: CToken[]; loc: CLoc; spelled: string }
  | { k: 'as'; type: CToken[]; loc: CLoc; spelled: string }
  | { k: 'container'; type: CToken[]; field: string; loc: CLoc; spelled: string }
  | { k: 'switch'; field: string; loc: CLoc; spelled: string }
  | { k: 'case'; values: CToken[][]; loc: CLoc; spelled: string }
  | { k: 'reads' | 'writes'; paths: CToken[][]; loc: CLoc; spelled: string };

export interface AnnProblem {
  loc: CLoc;
  message: string;
}

const FLAGS = new Set(['string', 'opaque', 'ref', 'interior', 'default', 'recursive', 'combolock', 'skip', 'in', 'out', 'inout', 'critical', 'upcall', 'downcall']);

/** Attributes that only DriverSlicer annotations use; their presence marks the attribute list as ours. */
const DRIVERSLICER = new Set(['nullterm', 'blob', 'exp', 'opaque', 'ispointer', 'noderef', 'address_space', 'recursive', 'combolock', 'offsetptr', 'rangestore', 'conttype', 'contfield', 'fixedarray']);

export function isAnnotation(a: CAttribute): boolean {
  return a.name.startsWith('mdl_') || DRIVERSLICER.has(a.name);
}

function text(tokens: CToken[]): string {
  return tokens.map((t) => t.text).join(' ');
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
    const arg = one(a, what);
    if (!arg) return null;
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
        const last = a.args[1];
        if (a.args.length !== 2 || !a.args[0]!.length || last?.length !== 1 || last[0]!.kind !== 'ident')
          problems.push({ loc, message: `mdl_container takes the enclosing type and a field name: MDL_CONTAINER(T, field)` });
        else anns.push({ k: 'container', type: a.args[0]!, field: last[0]!.text, loc, spelled });
      } else if (k === 'switch') {
        const f = ident(a, 'the discriminant field');
        if (f) anns.push({ k: 'switch', field: f, loc, spelled });
      } else if (k === 'case') {
        if (!a.args.length || a.args.some((x) => !x.length)) problems.push({ loc, message: 'mdl_case takes one or more case values' });
        else anns.push({ k: 'case', values: a.args, loc, spelled });
      } else if (k === 'reads' || k === 'writes') {
        anns.push({ k, paths: a.args.filter((p) => p.length), loc, spelled });
      } else {
        problems.push({ loc, message: `unknown mdidl annotation '${spelled}'` });
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
        if (a.name === 'fixedarray' && a.args.length === 0) break; // arrays already know their size
        const e = one(a, 'the element count');
        if (e) anns.push({ k: 'count', expr: e, loc, spelled });
        break;
      }
      case 'opaque': {
        // DriverSlicer's opaque(sizeof(T)): the value really points to a T.
        const e = one(a, 'sizeof(T)');
        if (!e) break;
        const inner = e.length >= 4 && e[0]!.text === 'sizeof' && e[1]!.text === '(' && e[e.length - 1]!.text === ')' ? e.slice(2, -1) : null;
        if (inner) anns.push({ k: 'as', type: inner, loc, spelled });
        else problems.push({ loc, message: `opaque(...) takes sizeof(T), got '${text(e)}'` });
        break;
      }
      case 'ispointer': {
        if (a.args.length === 0) {
          problems.push({ loc, message: 'ispointer needs the pointed-to type: ispointer(T)' });
          break;
        }
        const t = one(a, 'the type pointed to');
        if (t) anns.push({ k: 'as', type: t, loc, spelled });
        break;
      }
      case 'noderef':
        anns.push({ k: onPointer ? 'opaque' : 'skip', loc, spelled });
        break;
      case 'address_space':
        anns.push({ k: 'opaque', loc, spelled });
        break;
      case 'recursive':
      case 'combolock':
        anns.push({ k: a.name, loc, spelled });
        break;
      case 'offsetptr':
      case 'rangestore':
        anns.push({ k: 'interior', loc, spelled });
        break;
      case 'conttype':
        conttype = a;
        break;
      case 'contfield':
        contfield = a;
        break;
      default:
        break;
    }
  }
  if (conttype || contfield) {
    if (!conttype || !contfield) {
      problems.push({ loc: (conttype ?? contfield)!.loc, message: 'conttype(T) and contfield(f) go together' });
    } else {
      const t = one(conttype, 'the enclosing type');
      const f = ident(contfield, 'the field');
      if (t && f) anns.push({ k: 'container', type: t, field: f, loc: conttype.loc, spelled: 'conttype' });
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
