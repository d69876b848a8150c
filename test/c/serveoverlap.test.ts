// Two threads serving one channel at once (test/c/serveoverlap.c), in both flavours, under
// ThreadSanitizer: the channel's serve buffer (mdl_chan.serve_buf, taken under the table lock and
// given back with a release store) goes to one serve at a time, the other replies in a spare, and
// neither reply is overwritten by the other; no data race is reported. Where gcc has no
// ThreadSanitizer, the same checks run under AddressSanitizer.
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { tempDir } from './generate.js';
import { runProgram, RUNTIME_C, sanitizerFlags, TEST_C } from './vectors.js';

/** -fsanitize=thread when a program built with it runs here, else the ASan flags. */
function threadSanitizer(dir: string): string[] {
  const src = path.join(dir, 'probe.c');
  const exe = path.join(dir, 'probe');
  fs.writeFileSync(src, '#include <pthread.h>\nstatic void *f(void *a) { return a; }\nint main(void) { pthread_t t; pthread_create(&t, 0, f, 0); return pthread_join(t, 0); }\n');
  const cc = spawnSync('gcc', ['-fsanitize=thread', src, '-o', exe, '-lpthread'], { encoding: 'utf8' });
  return cc.status === 0 && spawnSync(exe, [], { timeout: 20000 }).status === 0 ? ['-fsanitize=thread'] : sanitizerFlags().flags;
}

describe('runtime/c: serves that overlap', function () {
  this.timeout(120000);
  for (const flavour of ['kernel', 'user'] as const) {
    it(`${flavour} flavour: each reply in its own buffer, no data race`, () => {
      const dir = tempDir('mdl-c-overlap-');
      try {
        const exe = path.join(dir, 'serveoverlap');
        const defs = flavour === 'kernel' ? ['-D__KERNEL__', `-I${path.join(TEST_C, 'shim')}`] : [];
        const cc = spawnSync('gcc', ['-std=gnu11', '-Wall', '-Wextra', '-Werror', '-O1', '-g', ...threadSanitizer(dir), ...defs, `-I${RUNTIME_C}`, path.join(TEST_C, 'serveoverlap.c'), path.join(RUNTIME_C, 'mdidl_rpc.c'), '-o', exe, '-lpthread'], { encoding: 'utf8' });
        expect(cc.status, cc.stderr).to.equal(0);
        const run = runProgram(exe, [], 60000);
        const out = run.stdout + run.stderr;
        expect(out).not.to.match(/ThreadSanitizer|AddressSanitizer|runtime error/);
        expect(out).to.match(/^serveoverlap: 92000 checks, 0 failures$/m);
        expect(run.status, out).to.equal(0);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });
  }
});
