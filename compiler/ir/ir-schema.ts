// Checks that a JSON value has exactly the shape of a serialized IrProgram, against
// compiler/ir/ir.schema.json, so backends written outside this repository (and our own tests) can
// rely on the schema and compiler/ir/types.ts agreeing.
import { schemaValidator } from '../../idl/json-schema.js';

/** Compiled JS runs from dist/compiler/ir/; the schema stays beside its source in compiler/ir/. */
export const IR_SCHEMA_URL = new URL('../../../compiler/ir/ir.schema.json', import.meta.url);

/**
 * Validates `JSON.parse(JSON.stringify(irProgram))`. Returns [] when it matches the schema,
 * otherwise one line per problem, each starting with the JSON pointer of the offending value.
 */
export const validateIr: (json: unknown) => string[] = schemaValidator(IR_SCHEMA_URL);
