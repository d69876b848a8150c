// A counted void * ([count(n)] on `void *` / `const void *`, as dev_addr_mod's address) crosses as
// n bytes: the generated kernel stubs (kernel flavour, on test/c/shim) and user stubs of
// test/c/corpus/bytes.mdl, as two processes over a socketpair under AddressSanitizer and UBSan,
// move bytes down in a field and a parameter and back up through a downcall, NULL included.
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { generateC, tempDir } from './generate.js';
import { runProgram, RUNTIME_C, sanitizerFlags, TEST_C } from './vectors.js';

const WARN = ['-std=gnu11', '-Wall', '-Wextra', '-Werror', '-Wpointer-arith'];

function gcc(args: string[]): void {
  const r = spawnSync('gcc', args, { encoding: 'utf8' });
  if (r.error) throw new Error(`gcc: ${r.error.message}`);
  if (r.status !== 0 || /warning:/.test(r.stderr)) throw new Error(`gcc ${args.join(' ')}\n${r.stderr}`);
}

describe('C backends: a counted void * crosses as bytes', function () {
  this.timeout(120000);
  let output = '';
  let status: number | null = null;
  let dir = '';

  before(function () {
    dir = tempDir('mdl-c-bytes-');
    const g = generateC('test/c/corpus/bytes.mdl', dir);
    const san = sanitizerFlags();
    const src = path.join(TEST_C, 'bytes');
    const user = path.join(dir, 'user_side');
    const kernel = path.join(dir, 'kernel_side');
    gcc([...WARN, ...san.flags, `-I${RUNTIME_C}`, `-I${dir}`, path.join(src, 'user_side.c'), g.userC, path.join(RUNTIME_C, 'mdidl_rpc.c'), '-o', user, '-lpthread']);
    gcc([...WARN, ...san.flags, '-D__KERNEL__', `-I${path.join(TEST_C, 'shim')}`, `-I${RUNTIME_C}`, `-I${dir}`, path.join(src, 'kernel_side.c'), g.kernelC, path.join(RUNTIME_C, 'mdidl_rpc.c'), '-o', kernel, '-lpthread']);
    const run = runProgram(kernel, [user], 60000);
    output = run.stdout + run.stderr;
    status = run.status;
  });

  after(() => {
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('the u-driver receives the bytes of a void * field and a const void * parameter', () => {
    expect(output, output).to.match(/^user: (\d+) checks, 0 failures$/m);
    expect(Number(/^user: (\d+) checks/m.exec(output)?.[1])).to.equal(6);
  });

  it('the k-driver receives the bytes of dev_addr_mod\'s const void *', () => {
    expect(output, output).to.match(/^kernel: 7 checks, 0 failures$/m);
    expect(output, output).not.to.match(/^FAIL /m);
  });

  it('both programs exit 0 with no sanitizer report', () => {
    expect(status, output).to.equal(0);
    expect(output).not.to.match(/Sanitizer|runtime error|leak/i);
  });
});
