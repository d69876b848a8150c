// Files to checked IR: the front half every command that reads IDL shares.
import type { Diagnostic } from '../idl/diagnostics.js';
import { hasErrors } from '../idl/diagnostics.js';
import { checkProgram } from '../idl/checker/index.js';
import type { Abi } from '../idl/checker/types.js';
import { loadProgram, type LoadOptions, type Program } from '../idl/program.js';
import { buildIr } from './ir/build.js';
import type { IrProgram } from './ir/types.js';

export interface CompileInput extends LoadOptions {
  abi?: Abi;
}

export interface FrontEndResult {
  program: Program;
  ir: IrProgram | null;
  diagnostics: Diagnostic[];
}

export function frontEnd(inputs: string[], opts: CompileInput = {}): FrontEndResult {
  const { program, diagnostics } = loadProgram(inputs, opts);
  // Checking a program with unparseable or missing files would only add noise about their names.
  if (hasErrors(diagnostics)) return { program, ir: null, diagnostics };
  const checked = checkProgram(program, opts.abi ?? 'lp64');
  const all = [...diagnostics, ...checked.diagnostics];
  if (hasErrors(all)) return { program, ir: null, diagnostics: all };
  return { program, ir: buildIr(checked.ctx), diagnostics: all };
}
