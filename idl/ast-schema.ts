// Checks that a JSON value has exactly the shape of a serialized Document, against
// idl/ast.schema.json, so consumers of `--json` output (and our own tests) can rely on the schema
// and the TypeScript types agreeing.
import { schemaValidator } from './json-schema.js';

/** Compiled JS runs from dist/idl/, and the package ships the schema as idl/*.json beside dist/. */
export const AST_SCHEMA_URL = new URL('../../idl/ast.schema.json', import.meta.url);

/**
 * Validates `JSON.parse(JSON.stringify(document))`. Returns [] when it matches the schema,
 * otherwise one line per problem, each starting with the JSON pointer of the offending value.
 */
export const validateAst: (json: unknown) => string[] = schemaValidator(AST_SCHEMA_URL);
