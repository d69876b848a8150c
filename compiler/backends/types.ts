// What a backend is: a pure function from the IR to files. Backends never read the AST or text;
// everything they print comes from the IR, through a view model and a handlebars template.
import type { IrProgram } from '../ir/types.js';

export const TARGETS = ['c-kernel', 'c-user', 'ts'] as const;
export type Target = (typeof TARGETS)[number];

export interface GeneratedFile {
  /** Relative to the target's output folder, with forward slashes. */
  path: string;
  content: string;
}

export interface BackendContext {
  /** The input files, as given (relative paths keep the output machine-independent). */
  sources: string[];
  /** mdidl's version, for the DO NOT EDIT banner. */
  version: string;
  /** A folder whose templates override the built-in ones, file by file. */
  templatesDir?: string;
  /** Headers the kernel C includes before those of [header] types (config `kernelIncludes`). */
  kernelIncludes?: string[];
  /** SPDX licence expression of every generated file (config `license`; default MIT). */
  license?: string;
  /**
   * The user C's types (config `userLayout`): `idl` (default) defines the IDL's views; `kernel`
   * includes the kernel's headers as the kernel C does, for a u-driver built from kbuild's units.
   */
  userLayout?: 'idl' | 'kernel';
}

export interface Backend {
  target: Target;
  generate(ir: IrProgram, ctx: BackendContext): GeneratedFile[];
}
