// Running mdidl as a user does, for the workflow tests: a child process of bin/mdidl.js with
// colours off, returning the exit status and both streams.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export const ROOT = path.resolve('.');
export const BIN = path.join(ROOT, 'bin/mdidl.js');

export interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

export function mdidl(args: string[], cwd: string, env: Record<string, string> = {}): Run {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', ...env } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

export function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `mdidl-${prefix}-`));
}

/** Every file below `dir` with its bytes, keyed by its path relative to `dir`. */
export function snapshot(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const stack = [dir];
  while (stack.length) {
    const d = stack.pop()!;
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) stack.push(p);
      else out.set(path.relative(dir, p), fs.readFileSync(p, 'utf8'));
    }
  }
  return out;
}

/** A minimal git identity, so commits work on a machine without a configured user. */
export const GIT_ENV = {
  GIT_AUTHOR_NAME: 'mdidl test',
  GIT_AUTHOR_EMAIL: 'test@mdidl.invalid',
  GIT_COMMITTER_NAME: 'mdidl test',
  GIT_COMMITTER_EMAIL: 'test@mdidl.invalid',
  GIT_CONFIG_NOSYSTEM: '1',
};
