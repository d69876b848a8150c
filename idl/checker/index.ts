// The checker: the only stage that rejects a program. Rules run in dependency order over shared,
// cached resolution; each reports into one list so a run shows every problem at once.
import { sortDiagnostics, type Diagnostic } from '../diagnostics.js';
import type { Program } from '../program.js';
import { collectSlots, collectSymbols } from './collect.js';
import { CheckContext } from './context.js';
import { checkAccessPaths } from './rules/access-paths.js';
import { checkAttributes } from './rules/attributes.js';
import { checkBitfields } from './rules/bitfields.js';
import { checkConstants } from './rules/constants.js';
import { checkCNames } from './rules/c-names.js';
import { checkContainers } from './rules/containers.js';
import { checkCounts } from './rules/counts.js';
import { checkDirections } from './rules/directions.js';
import { checkHeaders } from './rules/headers.js';
import { checkIdentifiers } from './rules/identifiers.js';
import { checkIds } from './rules/ids.js';
import { checkLayout } from './rules/layout.js';
import { checkModules } from './rules/modules.js';
import { checkPointers } from './rules/pointers.js';
import { checkReferences } from './rules/references.js';
import { checkStrings } from './rules/strings.js';
import { checkTrailing } from './rules/trailing.js';
import { checkTypeReferences } from './rules/type-references.js';
import { checkUnions } from './rules/unions.js';
import type { Abi } from './types.js';

export { CheckContext } from './context.js';

const RULES: ((ctx: CheckContext) => void)[] = [
  checkModules,
  checkIdentifiers,
  checkAttributes,
  checkHeaders,
  checkTypeReferences,
  checkConstants,
  checkLayout,
  checkPointers,
  checkStrings,
  checkCounts,
  checkUnions,
  checkBitfields,
  checkReferences,
  checkDirections,
  checkContainers,
  checkTrailing,
  checkAccessPaths,
  checkIds,
  checkCNames,
];

export interface CheckResult {
  /** The context with every resolution cached; only meaningful when there are no errors. */
  ctx: CheckContext;
  diagnostics: Diagnostic[];
}

export function checkProgram(program: Program, abi: Abi = 'lp64'): CheckResult {
  const ctx = new CheckContext(program, abi);
  collectSymbols(ctx);
  collectSlots(ctx);
  for (const rule of RULES) rule(ctx);
  return { ctx, diagnostics: sortDiagnostics(ctx.diagnostics) };
}
