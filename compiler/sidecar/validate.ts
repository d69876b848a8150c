// Checks parsed sidecar entries against sidecar.schema.json, the one statement of the vocabulary, and
// turns ajv's verdicts into messages at the annotation's own position in the .mda file.
import { readFileSync } from 'node:fs';
// Named import: see idl/ast-schema.ts for why not the default export under NodeNext.
import { Ajv, type AnySchemaObject, type ErrorObject, type ValidateFunction } from 'ajv';
import type { Diagnostic } from '../../idl/diagnostics.js';
import { closest } from '../../idl/checker/context.js';
import { diag, type RawEntry } from './parse.js';

/** Compiled JS runs from dist/compiler/sidecar/; the schema stays beside the sources it documents. */
export const SIDECAR_SCHEMA_URL = new URL('../../../compiler/sidecar/sidecar.schema.json', import.meta.url);

interface Vocabulary {
  validate: ValidateFunction;
  /** Each annotation word with the schema branch that describes it. */
  words: Map<string, AnySchemaObject>;
}

let compiled: Vocabulary | null = null;

function vocabulary(): Vocabulary {
  if (!compiled) {
    const schema = JSON.parse(readFileSync(SIDECAR_SCHEMA_URL, 'utf8')) as AnySchemaObject;
    const ajv = new Ajv({ allErrors: true, strict: true, discriminator: true });
    const words = new Map<string, AnySchemaObject>();
    const branches = (schema['definitions'] as Record<string, AnySchemaObject>)['annotation']!['oneOf'] as AnySchemaObject[];
    for (const b of branches) words.set((b['properties'] as Record<string, { const: string }>)['name']!.const, b);
    compiled = { validate: ajv.compile(schema), words };
  }
  return compiled;
}

/** The annotation words the schema allows, in its order (for docs and did-you-mean). */
export function sidecarVocabulary(): string[] {
  return [...vocabulary().words.keys()];
}

export function validateEntries(entries: RawEntry[]): Diagnostic[] {
  const { validate, words } = vocabulary();
  const instance = entries.map((e) => ({
    target: e.target,
    annotations: e.annotations.map((a) => ({ name: a.name, args: a.args.map((x) => x.text) })),
  }));
  const out: Diagnostic[] = sizedProblems(entries);
  if (validate(instance)) return out;
  const seen = new Set<string>();
  for (const err of validate.errors ?? []) {
    const d = explain(err, entries, words);
    if (!d) continue;
    const key = `${d.loc.line}:${d.loc.column}:${d.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(d);
  }
  return out;
}

function explain(err: ErrorObject, entries: RawEntry[], words: Map<string, AnySchemaObject>): Diagnostic | null {
  const seg = err.instancePath.split('/').slice(1);
  const entry = entries[Number(seg[0])];
  if (!entry) return null;
  if (seg[1] !== 'annotations') return diag(entry.loc, `target: ${err.message ?? 'invalid'}`);
  const ann = entry.annotations[Number(seg[2])];
  if (!ann) return null;
  if (err.keyword === 'discriminator') {
    const hint = closest(ann.name, words.keys());
    const known = hint ? ` (did you mean '${hint}'?)` : `; the sidecar vocabulary is ${[...words.keys()].join(', ')}`;
    return diag(ann.loc, `unknown annotation '${ann.name}'${known}`, 'unknown-annotation');
  }
  const branch = words.get(ann.name);
  const args = branch ? (branch['properties'] as Record<string, AnySchemaObject>)['args']! : null;
  if (seg[3] === 'args' && seg.length === 4) return diag(ann.loc, `'${ann.name}' ${arity(args)}, got ${ann.args.length}`, 'bad-annotation');
  if (seg[3] === 'args' && seg.length === 5) {
    const arg = ann.args[Number(seg[4])];
    const at = arg?.tokens[0]?.loc ?? ann.loc;
    const what =
      err.keyword !== 'pattern'
        ? 'an expression'
        : ann.name === 'reads' || ann.name === 'writes'
          ? 'an access path (param->field, param->*, param->**)'
          : ann.name === 'container'
            ? 'a field name or member path (a.b)'
            : 'a field name';
    return diag(at, `'${ann.name}' expects ${what} here, got '${arg?.text ?? ''}'`, 'bad-annotation');
  }
  return diag(ann.loc, `'${ann.name}': ${err.message ?? 'invalid'}`, 'bad-annotation');
}

/** "takes no arguments", "takes 1 argument", "takes 2 arguments", "takes at least 1 argument". */
function arity(args: AnySchemaObject | null): string {
  if (!args) return 'has an unknown arity';
  const ref = args['$ref'] as string | undefined;
  const shape = ref === '#/definitions/none' ? { minItems: 0, maxItems: 0 } : ref === '#/definitions/one' ? { minItems: 1, maxItems: 1 } : args;
  const min = (shape['minItems'] as number | undefined) ?? 0;
  const max = shape['maxItems'] as number | undefined;
  const n = (k: number): string => `${k} argument${k === 1 ? '' : 's'}`;
  if (max === 0) return 'takes no arguments';
  if (max === min) return `takes ${n(min)}`;
  if (max === undefined) return min ? `takes at least ${n(min)}` : 'takes any number of arguments';
  return `takes ${min} to ${n(max)}`;
}

const ASSIGNMENT = new Set(['=', '+=', '-=', '*=', '/=', '%=', '&=', '|=', '^=', '<<=', '>>=', '++', '--']);
const CLOSES: Record<string, string> = { ')': '(', ']': '[' };

/**
 * What the schema cannot say about `sized(e) max(n)`: where it may stand, that its bound is there,
 * and that e is one C expression the k-driver can put in parentheses (balanced, no statement, no
 * side effect on the caller's variables).
 */
function sizedProblems(entries: RawEntry[]): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const e of entries) {
    const sized = e.annotations.find((a) => a.name === 'sized');
    if (!sized) continue;
    if (e.target.kind !== 'memberParam') {
      out.push(diag(sized.loc, `'sized' belongs on a parameter of an ops-table member (owner.member(param)): the kernel sizes the buffer it passes when it calls the member`, 'bad-annotation'));
      continue;
    }
    if (!e.annotations.some((a) => a.name === 'max')) out.push(diag(sized.loc, `'sized' needs a bound beside it, max(n): the u-driver allocates the buffer and refuses a larger one`, 'bad-annotation'));
    for (const a of e.annotations) {
      if (a !== sized && a.name !== 'max') out.push(diag(a.loc, `'${a.name}' cannot go with 'sized': the split declares the buffer ([out, count, max]) itself`, 'bad-annotation'));
      if (a.name === 'sized' && a !== sized) out.push(diag(a.loc, `'sized' given twice`, 'bad-annotation'));
    }
    const arg = sized.args[0];
    if (sized.args.length !== 1 || !arg || !arg.tokens.length) continue;
    const open: { text: string; at: (typeof arg.tokens)[number] }[] = [];
    for (const t of arg.tokens) {
      if (t.text === ';' || t.text === '{' || t.text === '}' || ASSIGNMENT.has(t.text)) {
        out.push(diag(t.loc, `'sized' expects an expression here, got '${t.text}'`, 'bad-annotation'));
        break;
      }
      if (t.text === '(' || t.text === '[') open.push({ text: t.text, at: t });
      else if (CLOSES[t.text]) {
        if (open.pop()?.text !== CLOSES[t.text]) {
          out.push(diag(t.loc, `'sized': '${t.text}' closes nothing open in the expression`, 'bad-annotation'));
          break;
        }
      }
    }
    const last = arg.tokens[arg.tokens.length - 1]!;
    if (/^(->|\.|[-+*/%&|^<>!~?:]|<<|>>|&&|\|\||==|!=|<=|>=)$/.test(last.text)) out.push(diag(last.loc, `'sized': the expression ends in '${last.text}'`, 'bad-annotation'));
  }
  return out;
}
