// The sidecar text format: one entry per line, `target: annotation annotation(args) ...`, `#` starts a
// comment. Each line is read with the C scanner, so arguments are C tokens exactly as a header
// annotation's would be, and the entry's attributes are the `mdl_*` CAttributes the C front end
// produces for `MDL_*` macros. What the words may be and how many arguments each takes is the
// schema's business (validate.ts); this file only knows the shape of a line.
import type { Diagnostic } from '../../idl/diagnostics.js';
import type { CAttribute, CLoc, CToken } from '../lower/c-ast.js';
import { scanC, type RawToken } from '../lower/c-lexer.js';
import type { SidecarEntry, SidecarTarget } from './types.js';

/** One annotation as written, before validation: its word and each argument's C text. */
export interface RawAnnotation {
  name: string;
  args: { tokens: CToken[]; text: string }[];
  loc: CLoc;
}

export interface RawEntry {
  target: SidecarTarget;
  annotations: RawAnnotation[];
  loc: CLoc;
  line: number;
}

export function parseLines(text: string, file: string): { entries: RawEntry[]; diagnostics: Diagnostic[] } {
  const entries: RawEntry[] = [];
  const diagnostics: Diagnostic[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const body = stripComment(lines[i]!);
    if (!body.trim()) continue;
    const r = parseLine(body, file, i + 1);
    if ('error' in r) diagnostics.push(r.error);
    else entries.push(r.entry);
  }
  return { entries, diagnostics };
}

/** The line up to its `#` comment (a `#` inside a string literal does not count). */
function stripComment(line: string): string {
  let quote: string | null = null;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quote) {
      if (c === '\\') i++;
      else if (c === quote) quote = null;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '#') return line.slice(0, i);
  }
  return line;
}

function parseLine(body: string, file: string, line: number): { entry: RawEntry } | { error: Diagnostic } {
  const scan = scanC(body);
  const toks = scan.tokens;
  const loc = (t: RawToken | undefined): CLoc => ({ file, line, column: t ? t.column : body.length + 1 });
  const fail = (t: RawToken | undefined, message: string): { error: Diagnostic } => ({ error: diag(loc(t), message) });
  if (scan.unterminatedComments.length) return fail(undefined, 'unterminated /* comment');
  const bad = toks.find((t) => t.problem);
  if (bad) return fail(bad, bad.problem === 'unterminated-string' ? 'unterminated string literal' : 'unterminated character literal');
  const ctok = (t: RawToken): CToken => ({ kind: t.kind, text: t.text, loc: loc(t) });
  const found = (t: RawToken | undefined): string => (t ? `'${t.text}'` : 'end of line');

  // The target: `name`, `owner.member`, `fn(param)` or `fn()`, then `:`.
  let i = 0;
  const first = toks[0];
  if (!first || first.kind !== 'ident')
    return fail(first, `expected a target (function, owner.member, fn(param) or fn()), found ${found(first)}`);
  let target: SidecarTarget;
  i = 1;
  let owner: string | null = null;
  let name = first.text;
  if (toks[i]?.text === '.') {
    const member = toks[i + 1];
    if (member?.kind !== 'ident') return fail(member, `expected a member name after '${first.text}.', found ${found(member)}`);
    owner = first.text;
    name = member.text;
    i += 2;
  }
  const shown = owner ? `${owner}.${name}` : name;
  if (toks[i]?.text === '(') {
    const p = toks[i + 1];
    if (p?.text === ')') {
      target = owner ? { kind: 'memberReturn', owner, member: name } : { kind: 'return', fn: name };
      i += 2;
    } else {
      if (p?.kind !== 'ident') return fail(p, `expected a parameter name or ')' after '${shown}(', found ${found(p)}`);
      if (toks[i + 2]?.text !== ')') return fail(toks[i + 2], `expected ')' after '${shown}(${p.text}', found ${found(toks[i + 2])}`);
      target = owner ? { kind: 'memberParam', owner, member: name, param: p.text } : { kind: 'param', fn: name, param: p.text };
      i += 3;
    }
  } else target = owner ? { kind: 'member', owner, member: name } : { kind: 'function', name };
  if (toks[i]?.text !== ':') return fail(toks[i], `expected ':' after the target, found ${found(toks[i])}`);
  i++;

  // The annotations: `word` or `word(arg, ...)`, separated by blanks (or commas).
  const annotations: RawAnnotation[] = [];
  while (i < toks.length) {
    const w = toks[i]!;
    if (w.text === ',' && annotations.length) {
      i++;
      continue;
    }
    if (w.kind !== 'ident') return fail(w, `expected an annotation, found ${found(w)}`);
    i++;
    const args: RawAnnotation['args'] = [];
    if (toks[i]?.text === '(') {
      const open = toks[i]!;
      i++;
      let depth = 0;
      let cur: RawToken[] = [];
      const flush = (): void => {
        args.push({ tokens: cur.map(ctok), text: cur.length ? scan.spliced.slice(cur[0]!.pos, cur[cur.length - 1]!.end) : '' });
        cur = [];
      };
      let closed = false;
      for (; i < toks.length; i++) {
        const t = toks[i]!;
        if (t.text === '(' || t.text === '[') depth++;
        else if ((t.text === ')' || t.text === ']') && depth > 0) depth--;
        else if (t.text === ')') {
          closed = true;
          i++;
          break;
        } else if (t.text === ',' && depth === 0) {
          flush();
          continue;
        }
        cur.push(t);
      }
      if (!closed) return fail(open, `'(' after '${w.text}' is never closed`);
      // `reads()` has no argument; `count()` has one empty one, which the schema rejects.
      if (cur.length || args.length) flush();
    }
    annotations.push({ name: w.text, args, loc: loc(w) });
  }
  if (!annotations.length) return fail(undefined, `expected at least one annotation after ':'`);
  return { entry: { target, annotations, loc: loc(first), line } };
}

/** The entry as `lower` reads it: each annotation as the `mdl_*` attribute(s) its MDL_* macro gives. */
export function toEntry(raw: RawEntry): SidecarEntry {
  const attrs: CAttribute[] = [];
  // `sized(e) max(n)` is the split's (validate.ts has checked the pair): its max bounds the buffer.
  const sized = raw.annotations.find((a) => a.name === 'sized');
  const bound = sized && raw.annotations.find((a) => a.name === 'max');
  for (const a of raw.annotations) {
    if (a === sized || a === bound) continue;
    const args = a.args.map((x) => x.tokens);
    if (a.name === 'string_max') {
      // As in mdidl.h: MDL_STRING_MAX(n) is mdl_string and mdl_max(n).
      attrs.push({ name: 'mdl_string', args: [], loc: a.loc }, { name: 'mdl_max', args, loc: a.loc });
    } else attrs.push({ name: `mdl_${a.name}`, args, loc: a.loc });
  }
  const entry: SidecarEntry = { target: raw.target, attrs, loc: raw.loc };
  if (sized && bound) entry.sized = { expr: sized.args[0]!.tokens, text: sized.args[0]!.text, max: bound.args[0]!.text, loc: sized.loc };
  return entry;
}

export function diag(loc: CLoc, message: string, code = 'sidecar'): Diagnostic {
  return {
    severity: 'error',
    code,
    message,
    loc: { file: loc.file, line: loc.line, column: loc.column, offset: 0, endOffset: 0, endLine: loc.line, endColumn: loc.column + 1 },
  };
}
