// The combolock (runtime/c/mdidl_combolock.h) in both flavours, under ASan/UBSan: kernel holders exclude each other, the u-driver's hold makes kernel code wait
// (and trylock fail), and release wakes the waiter.
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { tempDir } from './generate.js';
import { runProgram, RUNTIME_C, sanitizerFlags, TEST_C } from './vectors.js';

describe('runtime/c: combolock', function () {
  this.timeout(60000);
  for (const flavour of ['kernel', 'user'] as const) {
    it(`${flavour} flavour`, () => {
      const dir = tempDir('mdl-c-lock-');
      try {
        const exe = path.join(dir, 'combolock');
        const defs = flavour === 'kernel' ? ['-D__KERNEL__', `-I${path.join(TEST_C, 'shim')}`] : [];
        const cc = spawnSync('gcc', ['-std=gnu11', '-Wall', '-Wextra', '-Werror', ...sanitizerFlags().flags, ...defs, `-I${RUNTIME_C}`, path.join(TEST_C, 'combolock.c'), '-o', exe, '-lpthread'], { encoding: 'utf8' });
        expect(cc.status, cc.stderr).to.equal(0);
        const run = runProgram(exe, [], 30000);
        const out = run.stdout + run.stderr;
        expect(run.status, out).to.equal(0);
        const m = /^combolock: (\d+) checks, 0 failures$/m.exec(out);
        expect(m, out).to.not.equal(null);
        expect(Number(m![1])).to.equal(flavour === 'kernel' ? 5 : 2);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });
  }
});
