// A throwaway C tokenizer for parser tests, so they do not depend on the real lexer: identifiers,
// pp-numbers, strings and chars (with prefixes), punctuators, comments skipped, and `#` lines
// skipped as a preprocessed file's line markers would be.
import type { CMember, CToken, CType } from '../../compiler/lower/c-ast.js';

const TOKEN =
  /(\s+|\/\/[^\n]*|\/\*[\s\S]*?\*\/)|((?:L|u8|u|U)?"(?:[^"\\\n]|\\.)*")|((?:L|u8|u|U)?'(?:[^'\\\n]|\\.)*')|([A-Za-z_$][A-Za-z0-9_$]*)|(\.?[0-9](?:[eEpP][+-]|[0-9A-Za-z_.'])*)|(\.\.\.|<<=|>>=|->|\+\+|--|<<|>>|<=|>=|==|!=|&&|\|\||[-+*/%&|^]=|##|[^\s])/y;

export function ctok(src: string, file = 't.h'): CToken[] {
  const out: CToken[] = [];
  let line = 1;
  let lineStart = 0;
  let atLineStart = true;
  TOKEN.lastIndex = 0;
  for (let m = TOKEN.exec(src); m !== null && m[0].length > 0; m = TOKEN.exec(src)) {
    const start = m.index;
    const text = m[0];
    if (m[1] === undefined && atLineStart && text === '#') {
      // A line marker or directive: drop the rest of the line.
      const nl = src.indexOf('\n', start);
      TOKEN.lastIndex = nl < 0 ? src.length : nl;
      continue;
    }
    if (m[1] === undefined) {
      const kind = m[2] !== undefined ? 'string' : m[3] !== undefined ? 'char' : m[4] !== undefined ? 'ident' : m[5] !== undefined ? 'number' : 'punct';
      out.push({ kind, text, loc: { file, line, column: start - lineStart + 1 } });
      atLineStart = false;
    }
    for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) {
      line++;
      lineStart = start + i + 1;
      atLineStart = true;
    }
    if (TOKEN.lastIndex >= src.length) break;
  }
  return out;
}

// ---- shapes for assertions ---------------------------------------------------------------------

/**
 * A parser result with every `loc` dropped and every token replaced by its text, so expected
 * values can be written by hand: an array size `[4]` is `['4']`, `aligned(8)` has args `[['8']]`.
 */
const TOKEN_KINDS = new Set(['ident', 'number', 'string', 'char', 'punct']);

export function shape(x: unknown): unknown {
  if (Array.isArray(x)) return x.map(shape);
  if (x instanceof Map) return new Map([...x].map(([k, v]) => [k, shape(v)]));
  if (x !== null && typeof x === 'object') {
    const o = x as Record<string, unknown>;
    if (TOKEN_KINDS.has(o.kind as string) && typeof o.text === 'string' && 'loc' in o && Object.keys(o).length === 3) return o.text;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(o)) if (k !== 'loc') out[k] = shape(v);
    return out;
  }
  return x;
}

type Q = 'const' | 'volatile' | 'restrict';
export type AttrShape = { name: string; args: string[][] };
export const attr = (name: string, ...args: string[][]): AttrShape => ({ name, args });
export const base = (name: string, ...qualifiers: Q[]) => ({ kind: 'base', name, qualifiers });
export const tdef = (name: string, ...qualifiers: Q[]) => ({ kind: 'typedef', name, qualifiers });
export const ptr = (to: unknown, qualifiers: Q[] = [], attrs: AttrShape[] = []) => ({ kind: 'pointer', to, qualifiers, attrs });
export const arr = (of: unknown, size: string[] | null) => ({ kind: 'array', of, size });
export const param = (name: string | null, type: unknown, attrs: AttrShape[] = []) => ({ name, type, attrs });
/** params: `[name, type]` pairs or `param(...)` shapes. */
export const fn = (returns: unknown, params: ([string | null, unknown] | ReturnType<typeof param>)[], variadic = false, attrs: AttrShape[] = []) => ({
  kind: 'function',
  returns,
  params: params.map((p) => (Array.isArray(p) ? param(p[0], p[1]) : p)),
  variadic,
  attrs,
});
export const recRef = (kind: 'struct' | 'union', tag: string, ...qualifiers: Q[]) => ({ kind: 'record', record: { kind, tag, def: null }, qualifiers });
export const enumRef = (tag: string, ...qualifiers: Q[]) => ({ kind: 'enum', enumRef: { tag, def: null }, qualifiers });
export const member = (name: string | null, type: unknown, bits: string[] | null = null, attrs: AttrShape[] = []) => ({ name, type, bits, attrs });
export const recDef = (kind: 'struct' | 'union', tag: string | null, members: unknown[], attrs: AttrShape[] = []) => ({ kind, tag, members, attrs });
export const recType = (kind: 'struct' | 'union', tag: string | null, members: unknown[], attrs: AttrShape[] = [], ...qualifiers: Q[]) => ({
  kind: 'record',
  record: { kind, tag, def: recDef(kind, tag, members, attrs) },
  qualifiers,
});

/** A compact one-line rendering of a type, for tests over larger inputs: `ptr(fn(dev: ptr(struct net_device)) -> int)`. */
export function typeStr(t: CType): string {
  const q = (qs: string[]) => (qs.length ? qs.join(' ') + ' ' : '');
  switch (t.kind) {
    case 'base':
    case 'typedef':
      return q(t.qualifiers) + t.name;
    case 'record':
      return q(t.qualifiers) + t.record.kind + ' ' + (t.record.tag ?? `{ ${t.record.def?.members.map(memberStr).join(' ') ?? ''} }`);
    case 'enum':
      return q(t.qualifiers) + 'enum ' + (t.enumRef.tag ?? `{ ${t.enumRef.def?.members.map((m) => m.name).join(', ') ?? ''} }`);
    case 'pointer':
      return `ptr(${typeStr(t.to)})` + (t.qualifiers.length ? ' ' + t.qualifiers.join(' ') : '');
    case 'array':
      return `arr[${t.size ? t.size.map((x) => x.text).join(' ') : ''}](${typeStr(t.of)})`;
    case 'function':
      return `fn(${[...t.params.map((p) => (p.name ? `${p.name}: ` : '') + typeStr(p.type)), ...(t.variadic ? ['...'] : [])].join(', ')}) -> ${typeStr(t.returns)}`;
    case 'unsupported':
      return `unsupported(${t.text})`;
  }
}

export function memberStr(m: CMember): string {
  return `${m.name ?? '_'}: ${typeStr(m.type)}${m.bits ? ' : ' + m.bits.map((x) => x.text).join(' ') : ''};`;
}
