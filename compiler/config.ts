// Loads mdidl.config.json. The schema (config.schema.json) is the single statement of what is
// allowed, shared with editors through "$schema"; this module turns its verdicts into messages that
// name the key, say what is allowed, and point at the offending text.
import { readFileSync } from 'node:fs';
import { readInput } from '../idl/read-input.js';
import { overlappingOutputs } from './config-overlap.js';
import * as path from 'node:path';
// Named import: see idl/ast-schema.ts for why not the default export under NodeNext.
import { Ajv, type AnySchemaObject, type ErrorObject, type ValidateFunction } from 'ajv';
import type { Diagnostic } from '../idl/diagnostics.js';
import { pointLoc } from '../idl/diagnostics.js';
import {
  escapePointerSegment,
  makeLocator,
  parseJsonLocated,
  pointerSegments,
  type JsonEntry,
  type JsonValue,
  type Span,
} from './json-locate.js';

export const CONFIG_FILE_NAME = 'mdidl.config.json';

/** Compiled JS runs from dist/compiler/; the schema stays beside the sources it documents. */
export const CONFIG_SCHEMA_URL = new URL('../../compiler/config.schema.json', import.meta.url);

/** Must list the same values as the schema's targets enum; a test holds the two together. */
export const TARGETS = ['c-kernel', 'c-user', 'ts'] as const;
export type Target = (typeof TARGETS)[number];
export const ABIS = ['lp64', 'ilp32'] as const;
export type Abi = (typeof ABIS)[number];

/** A validated config with every default applied and every path absolute. */
export interface MdidlConfig {
  /** The config file, absolute. */
  configPath: string;
  /** Its folder: what relative paths in the file were resolved against. */
  baseDir: string;
  inputs: string[];
  /** Searched in order, after the importing file's own folder. */
  includePaths: string[];
  outDir: string;
  targets: Target[];
  /** Every target's folder, chosen or not, so a command-line target override needs no defaults of its own. */
  outputs: Record<Target, string>;
  /** null: only the built-in templates. */
  templates: string | null;
  abi: Abi;
  /** How the IDL is lowered from C headers; null when the IDL is written by hand. */
  lower: LowerConfig | null;
  /** Changes `mdidl diff` reports but does not fail on. */
  breakingIgnore: BreakingIgnore[];
  /** Headers the kernel C includes before those of [header] types, as written (not resolved). */
  kernelIncludes: string[];
  /** SPDX licence expression of the generated files; null: the backends' default (MIT). */
  license: string | null;
  /** Whose definitions of [header] types the user C has (docs/config.md). */
  userLayout: 'idl' | 'kernel';
}

/** The `lower` step, paths absolute. */
export interface LowerConfig {
  inputs: string[];
  output: string;
  includePaths: string[];
  defines: Record<string, string>;
  sidecars: string[];
  builtinSidecar: boolean;
  module: string | null;
  moduleVersion: number;
  interfaceName: string | null;
  own: string[];
  cpp: string | null;
}

export interface BreakingIgnore {
  subject: string;
  kind: string | null;
  reason: string;
}

/** The shape the schema guarantees, before defaults. */
interface RawConfig {
  inputs: string[];
  includePaths?: string[];
  outDir?: string;
  targets?: Target[];
  outputs?: Partial<Record<Target, string>>;
  templates?: string;
  abi?: Abi;
  lower?: {
    inputs: string[];
    output: string;
    includePaths?: string[];
    defines?: Record<string, string>;
    sidecars?: string[];
    builtinSidecar?: boolean;
    module?: string;
    moduleVersion?: number;
    interface?: string;
    own?: string[];
    cpp?: string;
  };
  breaking?: { ignore?: { subject: string; kind?: string; reason: string }[] };
  kernelIncludes?: string[];
  license?: string;
  userLayout?: 'idl' | 'kernel';
}

/** Why a top-level key exists, for "missing required key" messages. */
const KEY_PURPOSE: Readonly<Record<string, string>> = {
  inputs: 'the .mdl files to compile',
};

/** What one value of an enum-valued key is called, for "... is not a target". */
const VALUE_NOUN: Readonly<Record<string, string>> = {
  targets: 'a target',
  abi: 'an ABI',
  userLayout: 'a layout',
};

/** What the elements of an array-valued key are, for "expected at least one ...". */
const ELEMENT_NOUN: Readonly<Record<string, string>> = {
  inputs: '.mdl file',
  targets: `target (${TARGETS.join(', ')})`,
};

let compiled: { validate: ValidateFunction } | null = null;

function validator(): ValidateFunction {
  if (!compiled) {
    const schema = JSON.parse(readFileSync(CONFIG_SCHEMA_URL, 'utf8')) as AnySchemaObject;
    // allErrors: report every mistake in one run. verbose: errors carry the value and the schema
    // they failed, which the messages quote.
    const ajv = new Ajv({ allErrors: true, strict: true, verbose: true });
    compiled = { validate: ajv.compile(schema) };
  }
  return compiled.validate;
}

export function loadConfig(configPath: string): { config: MdidlConfig | null; diagnostics: Diagnostic[] } {
  // Bounded and regular files only: `-c /dev/zero` or a FIFO must not hang or exhaust memory.
  const read = readInput(configPath);
  if ('problem' in read) return { config: null, diagnostics: [error(pointLoc(configPath, '', 0), readFailure(configPath, read.problem))] };
  let text = read.text;
  // Editors do not count a byte-order mark as a column, so positions are taken after it.
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const locate = makeLocator(configPath, text);

  const parsed = parseJsonLocated(text);
  if (!parsed.ok) return { config: null, diagnostics: [error(locate(parsed.at), parsed.message)] };

  const found = new Map<string, Diagnostic>();
  const add = (d: Diagnostic): void => {
    const key = `${d.loc.offset}\u0000${d.message}`;
    if (!found.has(key)) found.set(key, d);
  };

  for (const dup of parsed.duplicates) {
    const first = locate(dup.first);
    const d = error(
      locate(dup.key),
      `${labelOf(dup.pointer, parsed.value)}: key given twice (first at ${first.line}:${first.column}); only the last one would count`,
    );
    d.related = [{ message: 'first given here', loc: first }];
    add(d);
  }

  const validate = validator();
  if (!validate(parsed.value)) {
    const errors = validate.errors ?? [];
    const typeErrorAt = new Set(errors.filter((e) => e.keyword === 'type').map((e) => e.instancePath));
    for (const e of errors) {
      // A value of the wrong type also fails its enum, pattern, ...; the type error says it all.
      if (e.keyword !== 'type' && typeErrorAt.has(e.instancePath)) continue;
      // A bad macro name fails `pattern` too, with the name itself; that error says it better.
      if (e.keyword === 'propertyNames') continue;
      const { message, at } = explain(e, parsed.value, parsed.entries);
      add(error(locate(at), message));
    }
  }

  const diagnostics = [...found.values()].sort(
    (a, b) => a.loc.offset - b.loc.offset || (a.message < b.message ? -1 : a.message > b.message ? 1 : 0),
  );
  if (diagnostics.length) return { config: null, diagnostics };
  const config = withDefaults(configPath, parsed.value as unknown as RawConfig);
  const overlaps = overlappingOutputs([...new Set(config.targets)], config.outputs).map((o) => {
    // Point at the key that sent the second target there: its own output, else outDir.
    const at = parsed.entries.get(`/outputs/${o.b}`)?.value ?? parsed.entries.get(`/outputs/${o.a}`)?.value ?? parsed.entries.get('/outDir')?.value ?? { start: 0, end: 0 };
    const where = o.how === 'same' ? 'the same folder as' : 'a folder inside that of';
    return error(locate(at), `outputs: target '${o.b}' writes to ${where} target '${o.a}' (${config.outputs[o.a]}); each target needs a folder of its own, or their files would be taken for each other's extras`);
  });
  if (overlaps.length) return { config: null, diagnostics: overlaps.sort((a, b) => a.loc.offset - b.loc.offset) };
  return { config, diagnostics: [] };
}

function withDefaults(configPath: string, raw: RawConfig): MdidlConfig {
  const absolute = path.resolve(configPath);
  const baseDir = path.dirname(absolute);
  const resolve = (p: string): string => path.resolve(baseDir, p);
  const outDir = resolve(raw.outDir ?? 'generated');
  const outputs = Object.fromEntries(
    TARGETS.map((t) => [t, raw.outputs?.[t] !== undefined ? resolve(raw.outputs[t]) : path.join(outDir, t)]),
  ) as Record<Target, string>;
  return {
    configPath: absolute,
    baseDir,
    inputs: raw.inputs.map(resolve),
    includePaths: (raw.includePaths ?? []).map(resolve),
    outDir,
    targets: raw.targets ? [...raw.targets] : [...TARGETS],
    outputs,
    templates: raw.templates !== undefined ? resolve(raw.templates) : null,
    abi: raw.abi ?? 'lp64',
    lower: raw.lower
      ? {
          inputs: raw.lower.inputs.map(resolve),
          output: resolve(raw.lower.output),
          includePaths: (raw.lower.includePaths ?? []).map(resolve),
          defines: { ...(raw.lower.defines ?? {}) },
          sidecars: (raw.lower.sidecars ?? []).map(resolve),
          builtinSidecar: raw.lower.builtinSidecar ?? true,
          module: raw.lower.module ?? null,
          moduleVersion: raw.lower.moduleVersion ?? 1,
          interfaceName: raw.lower.interface ?? null,
          own: (raw.lower.own ?? []).map(resolve),
          cpp: raw.lower.cpp ?? null,
        }
      : null,
    breakingIgnore: (raw.breaking?.ignore ?? []).map((i) => ({ subject: i.subject, kind: i.kind ?? null, reason: i.reason })),
    kernelIncludes: raw.kernelIncludes ? [...raw.kernelIncludes] : [],
    license: raw.license ?? null,
    userLayout: raw.userLayout ?? 'idl',
  };
}


function error(loc: Diagnostic['loc'], message: string): Diagnostic {
  return { severity: 'error', code: 'config', message, loc };
}

function readFailure(file: string, problem: string): string {
  if (problem === 'no such file') return `config file not found: ${file}`;
  if (problem === 'it is a folder, not a file') return `${file} is a folder, not a config file`;
  return `cannot read config file ${file}: ${problem}`;
}

// ---- messages ---------------------------------------------------------------------------------

function explain(e: ErrorObject, root: JsonValue, entries: Map<string, JsonEntry>): { message: string; at: Span } {
  const where = entries.get(e.instancePath)?.value ?? { start: 0, end: 0 };
  const label = labelOf(e.instancePath, root);
  const prefix = label ? `${label}: ` : '';
  const top = pointerSegments(e.instancePath)[0] ?? '';
  const schema = (e.parentSchema ?? {}) as AnySchemaObject;
  const p = e.params as Record<string, unknown>;

  switch (e.keyword) {
    case 'type':
      if (e.instancePath === '') return { message: `the config must be a JSON object, got ${kindOf(e.data)}`, at: where };
      return { message: `${prefix}expected ${expected(schema)}, got ${kindOf(e.data)}`, at: where };

    case 'enum': {
      const allowed = (schema['enum'] ?? []) as string[];
      const noun = VALUE_NOUN[top] ?? 'allowed';
      const what = noun === 'allowed' ? 'is not allowed' : `is not ${noun}`;
      return {
        message: `${prefix}${JSON.stringify(e.data)} ${what}; allowed: ${allowed.join(', ')}${didYouMean(String(e.data), allowed)}`,
        at: where,
      };
    }

    case 'additionalProperties': {
      const key = String(p['additionalProperty']);
      const allowed = Object.keys((schema['properties'] ?? {}) as object);
      const keyAt = entries.get(`${e.instancePath}/${escapePointerSegment(key)}`);
      return {
        message: `${prefix}unknown key ${JSON.stringify(key)}; allowed keys: ${allowed.join(', ')}${didYouMean(key, allowed)}`,
        at: keyAt?.key ?? where,
      };
    }

    case 'required': {
      const key = String(p['missingProperty']);
      const purpose = e.instancePath === '' ? KEY_PURPOSE[key] : undefined;
      // The object's opening brace: the whole object would underline the entire file.
      return {
        message: `${prefix}missing required key ${JSON.stringify(key)}${purpose ? ` (${purpose})` : ''}`,
        at: { start: where.start, end: where.start + 1 },
      };
    }

    case 'minItems': {
      const noun = ELEMENT_NOUN[top] ?? 'element';
      return { message: `${prefix}expected at least one ${noun}, got an empty array`, at: where };
    }

    case 'uniqueItems': {
      const first = Math.min(Number(p['i']), Number(p['j']));
      const again = Math.max(Number(p['i']), Number(p['j']));
      const againPtr = `${e.instancePath}/${again}`;
      const value = Array.isArray(e.data) ? e.data[again] : undefined;
      return {
        message: `${labelOf(againPtr, root)}: ${JSON.stringify(value)} is already listed at ${labelOf(`${e.instancePath}/${first}`, root)}; list each once`,
        at: entries.get(againPtr)?.value ?? where,
      };
    }

    case 'pattern':
      if (top === 'inputs') {
        return { message: `${prefix}${JSON.stringify(e.data)} is not a .mdl file; every input must end in .mdl`, at: where };
      }
      if (top === 'kernelIncludes') {
        return {
          message: `${prefix}${JSON.stringify(e.data)} is not a header path an #include names: relative, forward slashes, no '.' or '..', no spaces, quotes or angle brackets, ending in .h (e.g. "linux/netdevice.h")`,
          at: where,
        };
      }
      if (top === 'license') {
        return { message: `${prefix}${JSON.stringify(e.data)} is not an SPDX licence expression (e.g. "GPL-2.0", "MIT", "GPL-2.0 OR MIT")`, at: where };
      }
      if (e.instancePath === '/lower/output') return { message: `${prefix}${JSON.stringify(e.data)} is not a .mdl file`, at: where };
      if (/^\/lower\/(module|interface)$/.test(e.instancePath)) return { message: `${prefix}${JSON.stringify(e.data)} is not an identifier`, at: where };
      if (e.propertyName !== undefined) return { message: `${prefix}${JSON.stringify(e.propertyName)} is not a macro name`, at: entries.get(`${e.instancePath}/${escapePointerSegment(e.propertyName)}`)?.key ?? where };
      return { message: `${prefix}${JSON.stringify(e.data)} does not match ${String(p['pattern'])}`, at: where };

    case 'minimum':
    case 'maximum':
      return { message: `${prefix}${JSON.stringify(e.data)} is out of range ${String(schema['minimum'])}..${String(schema['maximum'])}`, at: where };

    case 'minLength':
      return { message: `${prefix}expected a non-empty path, got an empty string`, at: where };

    default:
      return { message: `${prefix}${e.message ?? e.keyword}`, at: where };
  }
}

/** `targets[1]`, `outputs.ts`, `outputs["c-kernel"]`: how the key would be written in JS. */
function labelOf(pointer: string, root: JsonValue): string {
  let out = '';
  let node: JsonValue | undefined = root;
  for (const seg of pointerSegments(pointer)) {
    if (Array.isArray(node)) {
      out += `[${seg}]`;
      node = node[Number(seg)];
      continue;
    }
    out += /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(seg) ? (out ? '.' : '') + seg : `[${JSON.stringify(seg)}]`;
    node = node !== null && typeof node === 'object' && Object.hasOwn(node, seg) ? node[seg] : undefined;
  }
  return out;
}

function expected(schema: AnySchemaObject): string {
  const allowed = schema['enum'] as unknown[] | undefined;
  if (allowed) return `one of ${allowed.join(', ')}`;
  switch (schema['type']) {
    case 'array': {
      const items = (schema['items'] ?? {}) as AnySchemaObject;
      const itemEnum = items['enum'] as unknown[] | undefined;
      if (itemEnum) return `an array of strings from ${itemEnum.join(', ')}`;
      return `an array of ${items['type'] === 'string' ? 'strings' : 'values'}`;
    }
    case 'object': {
      const keys = Object.keys((schema['properties'] ?? {}) as object);
      return keys.length ? `an object with keys from ${keys.join(', ')}` : 'an object';
    }
    case 'string':
      return 'a string';
    default:
      return String(schema['type']);
  }
}

function kindOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  switch (typeof v) {
    case 'string':
      return 'a string';
    case 'number':
      return 'a number';
    case 'boolean':
      return 'a boolean';
    default:
      return 'an object';
  }
}

/** The closest allowed word, if it is close enough to be a plausible typo. */
function didYouMean(word: string, allowed: readonly string[]): string {
  let best: string | null = null;
  let bestDistance = Infinity;
  for (const candidate of allowed) {
    const d = distance(word.toLowerCase(), candidate.toLowerCase());
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  const limit = Math.max(1, Math.floor((best?.length ?? 0) / 3));
  return best !== null && bestDistance <= limit ? ` (did you mean ${JSON.stringify(best)}?)` : '';
}

/** Levenshtein distance. */
function distance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      row.push(Math.min((prev[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + cost));
    }
    prev = row;
  }
  return prev[b.length] ?? 0;
}
