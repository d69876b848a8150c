// The CLI as a child process, for inputs meant to break it: a hang detector (not a benchmark)
// bounds every run, and the checks every hostile case shares live here.
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';

const BIN = path.resolve('bin/mdidl.js');

export interface CliResult {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** A run that takes longer than this is taken to hang; it is far above any run's normal time. */
export const HANG_MS = 120_000;

export function runCli(args: string[], cwd: string): CliResult {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    cwd,
    encoding: 'utf8',
    timeout: HANG_MS,
    maxBuffer: 64 << 20,
    env: { ...process.env, NO_COLOR: '1', MDIDL_DEBUG: '' },
  });
  return { status: r.status, signal: r.signal, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

/** Exit 1 with at least one `file:line:col: error:` naming `code`'s message, and nothing internal. */
export function expectLocatedError(r: CliResult, file: string, message: RegExp): void {
  expect(r.signal, `killed (hang?): ${r.stderr.slice(0, 500)}`).to.equal(null);
  expect(r.stderr).to.not.match(/internal error|Maximum call stack|bad_alloc|\n\s+at /);
  expect(r.status, r.stderr.slice(0, 2000)).to.equal(1);
  const located = r.stderr.split('\n').filter((l) => l.startsWith(`${file}:`) && /^[^:]+:\d+:\d+: error: /.test(l));
  expect(located.some((l) => message.test(l)), `no located error matching ${message} in:\n${r.stderr.slice(0, 2000)}`).to.equal(true);
}

/** Exit 1 with a one-line `mdidl: error:` (problems of the environment have no source line). */
export function expectPlainError(r: CliResult, message: RegExp): void {
  expect(r.signal, `killed (hang?): ${r.stderr.slice(0, 500)}`).to.equal(null);
  expect(r.stderr).to.not.match(/internal error|\n\s+at /);
  expect(r.status, r.stderr.slice(0, 2000)).to.equal(1);
  expect(r.stderr).to.match(/^mdidl: error: /m);
  expect(r.stderr).to.match(message);
}
