// One validator for the JSON schemas the project ships (the AST's, the IR's): ajv with every error
// reported, turned into one readable line per problem, each starting with the JSON pointer.
import { readFileSync } from 'node:fs';
// ajv is CommonJS. Under NodeNext a default import is typed as the whole module.exports object
// (not constructable), so `import Ajv from 'ajv'` needs a `.default ?? ...` dance; the named
// export is both typed as the class and found by Node's CJS named-export detection, so no shim.
import { Ajv, type AnySchemaObject, type ErrorObject, type ValidateFunction } from 'ajv';

/**
 * A validator for the schema at `url`, compiled on first use (not at import), so loading a module
 * that offers validation cannot fail and costs nothing for commands that never validate.
 */
export function schemaValidator(url: URL): (json: unknown) => string[] {
  let compiled: { validate: ValidateFunction; schema: AnySchemaObject } | null = null;
  return (json) => {
    if (!compiled) {
      const schema = JSON.parse(readFileSync(url, 'utf8')) as AnySchemaObject;
      // strict: a typo in the schema fails loudly here. verbose: messages quote the offending
      // value. discriminator: a oneOf over node kinds reports only the kind a value claims.
      const ajv = new Ajv({ allErrors: true, strict: true, verbose: true, discriminator: true });
      compiled = { validate: ajv.compile(schema), schema };
    }
    if (compiled.validate(json)) return [];
    return readableErrors(compiled.validate.errors ?? [], compiled.schema);
  };
}

function readableErrors(errors: ErrorObject[], root: AnySchemaObject): string[] {
  const out: string[] = [];
  for (const e of errors) {
    if (isNoise(e, errors)) continue;
    const line = `${pointerOf(e) || '(root)'}: ${describe(e, errors, root)}`;
    if (!out.includes(line)) out.push(line);
  }
  return out;
}

/**
 * A nullable child is `oneOf: [node, null]`, so a bad node also yields "must be null" and "must
 * match exactly one schema"; both only restate what the node branch's own errors say precisely.
 */
function isNoise(e: ErrorObject, all: ErrorObject[]): boolean {
  if (e.keyword !== 'oneOf' && !isNullBranch(e)) return false;
  return all.some(
    (o) =>
      o !== e &&
      o.keyword !== 'oneOf' &&
      !isNullBranch(o) &&
      (o.instancePath === e.instancePath || o.instancePath.startsWith(e.instancePath + '/')),
  );
}

function isNullBranch(e: ErrorObject): boolean {
  return e.keyword === 'type' && e.params['type'] === 'null' && /\/oneOf\/\d+\/type$/.test(e.schemaPath);
}

function describe(e: ErrorObject, all: ErrorObject[], root: AnySchemaObject): string {
  const p = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'required':
      return `missing required property ${JSON.stringify(p['missingProperty'])}`;
    case 'additionalProperties':
      return `unexpected property ${JSON.stringify(p['additionalProperty'])}${allowedKeys(e)}`;
    case 'const':
      return `must be ${JSON.stringify(p['allowedValue'])}, got ${show(e.data)}`;
    case 'enum':
      return `must be one of ${(p['allowedValues'] as unknown[]).map((v) => JSON.stringify(v)).join(', ')}, got ${show(e.data)}`;
    case 'type': {
      const types = String(p['type']).split(',');
      if (!types.includes('null') && all.some((o) => isNullBranch(o) && o.instancePath === e.instancePath)) types.push('null');
      return `must be ${types.join(' or ')}, got ${show(e.data)}`;
    }
    case 'pattern':
      return `must match ${String(p['pattern'])}, got ${show(e.data)}`;
    case 'discriminator':
      return p['error'] === 'tag'
        ? `must be a string, got ${show(p['tagValue'])}`
        : `unknown kind ${show(p['tagValue'])}; expected one of ${kindsOf(e.parentSchema, root).join(', ')}`;
    default:
      return `${e.message ?? e.keyword}${'data' in e ? `, got ${show(e.data)}` : ''}`;
  }
}

/** A bad discriminator is reported on the node, but the value at fault is its tag property. */
function pointerOf(e: ErrorObject): string {
  const tag = e.params['tag'];
  return e.keyword === 'discriminator' && typeof tag === 'string' ? `${e.instancePath}/${tag}` : e.instancePath;
}

function allowedKeys(e: ErrorObject): string {
  const props = e.parentSchema?.['properties'] as Record<string, unknown> | undefined;
  return props ? `; allowed: ${Object.keys(props).join(', ')}` : '';
}

/** The `kind` values a oneOf-of-refs accepts (by const or enum), read from the referenced definitions. */
function kindsOf(schema: AnySchemaObject | undefined, root: AnySchemaObject): string[] {
  const defs = (root['definitions'] ?? {}) as Record<string, AnySchemaObject>;
  const branches = (schema?.['oneOf'] ?? []) as AnySchemaObject[];
  return branches.flatMap((b) => {
    const name = typeof b['$ref'] === 'string' ? b['$ref'].replace('#/definitions/', '') : '';
    const kind = (defs[name]?.['properties'] as Record<string, AnySchemaObject> | undefined)?.['kind'];
    if (typeof kind?.['const'] === 'string') return [kind['const']];
    return Array.isArray(kind?.['enum']) ? (kind['enum'] as unknown[]).filter((k): k is string => typeof k === 'string') : [];
  });
}

function show(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (v === null || typeof v !== 'object') return JSON.stringify(v);
  return Array.isArray(v) ? 'an array' : 'an object';
}
