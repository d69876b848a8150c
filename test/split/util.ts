// Shared by the split tests: preprocess a fixture driver the way a build would (clang -E, absolute
// path, so its line markers name the fixture's folder), each run in its own temp folder.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export const FIXTURES = path.resolve('test/split/fixtures');

const made: string[] = [];

/** Removes the folders preprocessFixture made (call from an `after` hook). */
export function removeFixtureDirs(): void {
  for (const d of made.splice(0)) fs.rmSync(d, { recursive: true, force: true });
}

export function preprocessFixture(name: string, defines: string[] = []): string {
  const src = path.join(FIXTURES, name, `${name}.c`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `mdidl-split-${name}-`));
  made.push(dir);
  const out = path.join(dir, `${name}.i`);
  try {
    execFileSync('clang', ['-E', ...defines.map((d) => `-D${d}`), src, '-o', out], { stdio: 'pipe' });
  } catch (e) {
    throw new Error(`clang -E failed (is clang installed? apt-get install clang): ${(e as Error).message}`);
  }
  return out;
}
