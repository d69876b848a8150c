// The split's sized upcall (docs/split.md, "Buffers the kernel sizes"): the generated kernel stubs
// (kernel flavour, on test/c/shim) and user stubs of test/c/sized/sized.mdl run as two processes
// over a socketpair under AddressSanitizer and UBSan. The kernel takes back exactly the length it
// computed: the u-driver's bytes fill the buffer and nothing after it, a length above the bound is
// never sent, and a reply whose count is not the kernel's own is refused with the buffer untouched.
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { generateC, tempDir } from './generate.js';
import { runProgram, RUNTIME_C, sanitizerFlags, TEST_C } from './vectors.js';

const WARN = ['-std=gnu11', '-Wall', '-Wextra', '-Werror'];

function gcc(args: string[]): void {
  const r = spawnSync('gcc', args, { encoding: 'utf8' });
  if (r.error) throw new Error(`gcc: ${r.error.message}`);
  if (r.status !== 0 || /warning:/.test(r.stderr)) throw new Error(`gcc ${args.join(' ')}\n${r.stderr}`);
}

describe('C backends: a buffer the kernel sized, [out, count(len), max(n)] with the length last', function () {
  this.timeout(120000);
  let output = '';
  let status: number | null = null;
  let dir = '';

  before(function () {
    dir = tempDir('mdl-c-sized-');
    const g = generateC('test/c/sized/sized.mdl', dir);
    const san = sanitizerFlags();
    const src = path.join(TEST_C, 'sized');
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

  it('the u-driver gets the kernel\'s length and buffer, and never the call above the bound', () => {
    expect(output, output).to.match(/^user: (\d+) checks, 0 failures$/m);
    expect(Number(/^user: (\d+) checks/m.exec(output)?.[1]), output).to.equal(18);
  });

  it('the kernel takes back its own length and no more, and refuses a reply that counts more', () => {
    expect(output, output).to.match(/^kernel: (\d+) checks, 0 failures \(1 forged\)$/m);
    expect(Number(/^kernel: (\d+) checks/m.exec(output)?.[1]), output).to.equal(10);
    expect(output, output).not.to.match(/^FAIL /m);
  });

  it('both programs exit 0 with no sanitizer report', () => {
    expect(status, output).to.equal(0);
    expect(output, output).not.to.match(/AddressSanitizer|runtime error:/);
  });
});
