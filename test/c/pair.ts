// The C pair harness most test/c tests share: an interface's generated user stubs and kernel stubs
// (kernel flavour, on test/c/shim) linked with test/c/<name>/{user_side,kernel_side}.c and the C
// runtime, built with warnings as errors under AddressSanitizer and UBSan, then run as two
// processes over a socketpair (the kernel side starts the user side).
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { generateC, tempDir } from './generate.js';
import { runProgram, RUNTIME_C, sanitizerFlags, TEST_C } from './vectors.js';

export const WARN = ['-std=gnu11', '-Wall', '-Wextra', '-Werror'];

/** Runs gcc; a failure or any warning throws with gcc's messages. */
export function gcc(args: string[]): void {
  const r = spawnSync('gcc', args, { encoding: 'utf8' });
  if (r.error) throw new Error(`gcc: ${r.error.message}`);
  if (r.status !== 0 || /warning:/.test(r.stderr)) throw new Error(`gcc ${args.join(' ')}\n${r.stderr}`);
}

export interface PairRun {
  /** Both programs' standard output and error. */
  output: string;
  /** The kernel side's exit status. */
  status: number | null;
  /** The generated C, for tests that check its text too. */
  kernelC: string;
  userC: string;
  /** Removes the build folder. */
  cleanup(): void;
}

/** Builds and runs test/c/<name>'s two sides against the stubs of `mdl` (a path from the repository root). */
export function runPair(name: string, mdl: string, warn: string[] = WARN): PairRun {
  const dir = tempDir(`mdl-c-${name}-`);
  try {
    const g = generateC(mdl, dir);
    const san = sanitizerFlags();
    const src = path.join(TEST_C, name);
    const user = path.join(dir, 'user_side');
    const kernel = path.join(dir, 'kernel_side');
    gcc([...warn, ...san.flags, `-I${RUNTIME_C}`, `-I${dir}`, path.join(src, 'user_side.c'), g.userC, path.join(RUNTIME_C, 'mdidl_rpc.c'), '-o', user, '-lpthread']);
    gcc([...warn, ...san.flags, '-D__KERNEL__', `-I${path.join(TEST_C, 'shim')}`, `-I${RUNTIME_C}`, `-I${dir}`, path.join(src, 'kernel_side.c'), g.kernelC, path.join(RUNTIME_C, 'mdidl_rpc.c'), '-o', kernel, '-lpthread']);
    const run = runProgram(kernel, [user], 60000);
    return {
      output: run.stdout + run.stderr,
      status: run.status,
      kernelC: fs.readFileSync(g.kernelC, 'utf8'),
      userC: fs.readFileSync(g.userC, 'utf8'),
      cleanup: () => fs.rmSync(dir, { recursive: true, force: true }),
    };
  } catch (e) {
    fs.rmSync(dir, { recursive: true, force: true });
    throw e;
  }
}
