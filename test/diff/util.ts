// Shared by the diff tests: running the CLI as a user does, and building a diff side from sources
// held in memory.
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { checkProgram } from '../../idl/checker/index.js';
import { hasErrors } from '../../idl/diagnostics.js';
import { buildIr } from '../../compiler/ir/build.js';
import type { DiffSide } from '../../compiler/diff/index.js';
import { loadSources, brief } from '../helpers.js';

export const BIN = path.resolve('bin/mdidl.js');
export const FIXTURES = path.resolve('test/diff/fixtures');

export interface RunResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

export function mdidl(args: string[], opts: { cwd?: string; env?: Record<string, string> } = {}): RunResult {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    cwd: opts.cwd ?? process.cwd(),
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1', ...opts.env },
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A checked program from in-memory files (the first is the input), ready to diff. */
export function side(files: Record<string, string>): DiffSide {
  const { program, diagnostics } = loadSources(files);
  if (hasErrors(diagnostics)) throw new Error(diagnostics.map(brief).join('\n'));
  const checked = checkProgram(program);
  if (hasErrors(checked.diagnostics)) throw new Error(checked.diagnostics.map(brief).join('\n'));
  return { program, ir: buildIr(checked.ctx) };
}
