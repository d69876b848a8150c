// mdl_call_trylock (runtime/c/mdidl_rpc.c) in both flavours under ASan/UBSan: a free call lock is
// taken, its holder takes it again (nested), another thread is refused at once while it is held,
// and takes it once released.
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { tempDir } from './generate.js';
import { runProgram, RUNTIME_C, sanitizerFlags, TEST_C } from './vectors.js';

describe('runtime/c: mdl_call_trylock', function () {
  this.timeout(60000);
  for (const flavour of ['kernel', 'user'] as const) {
    it(`${flavour} flavour`, () => {
      const dir = tempDir('mdl-c-trylock-');
      try {
        const exe = path.join(dir, 'calltrylock');
        const defs = flavour === 'kernel' ? ['-D__KERNEL__', `-I${path.join(TEST_C, 'shim')}`] : [];
        const cc = spawnSync('gcc', ['-std=gnu11', '-Wall', '-Wextra', '-Werror', ...sanitizerFlags().flags, ...defs, `-I${RUNTIME_C}`, path.join(TEST_C, 'calltrylock.c'), path.join(RUNTIME_C, 'mdidl_rpc.c'), '-o', exe, '-lpthread'], { encoding: 'utf8' });
        expect(cc.status, cc.stderr).to.equal(0);
        const run = runProgram(exe, [], 30000);
        const out = run.stdout + run.stderr;
        expect(run.status, out).to.equal(0);
        expect(out).to.match(/^calltrylock: 5 checks, 0 failures$/m);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });
  }
});
