// [container(T, a.b)]: a pointer to a member nested in embedded structs (e1000's
// &adapter->watchdog_task.work). The generated kernel stubs (kernel flavour, on test/c/shim) and
// user stubs of test/c/corpus/contpath.mdl run as two processes over a socketpair under
// AddressSanitizer and UBSan: each side receives the other's pointer as the same member of its
// own copy of the adapter, one and two embedded structs deep, and the kernel refuses the
// u-driver's call served again with the adapter's id forged (another type, never issued, forgotten).
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

describe('C backends: a container pointer to a member inside embedded structs', function () {
  this.timeout(120000);
  let output = '';
  let status: number | null = null;
  let dir = '';
  let kernelC = '';
  let userC = '';

  before(function () {
    dir = tempDir('mdl-c-contpath-');
    const g = generateC('test/c/corpus/contpath.mdl', dir);
    kernelC = fs.readFileSync(g.kernelC, 'utf8');
    userC = fs.readFileSync(g.userC, 'utf8');
    const san = sanitizerFlags();
    const src = path.join(TEST_C, 'contpath');
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

  it('the stubs take the offset of the whole member path', () => {
    expect(kernelC).to.contain('mdl_out_container(m, a_work, &contpath_desc_adapter, offsetof(struct adapter, watchdog_task.work), false)');
    expect(kernelC).to.contain('offsetof(struct adapter, deep.dw.work), true)');
    expect(userC).to.contain('mdl_in_container(m, r, &contpath_desc_adapter, offsetof(struct adapter, watchdog_task.work), false, &p)');
    expect(userC).to.contain('mdl_out_container(m, a_timer, &contpath_desc_adapter, offsetof(struct adapter, watchdog_task.timer), false)');
  });

  it('the u-driver receives pointers into its own adapter, one and two embedded structs deep', () => {
    expect(output, output).to.match(/^user: (\d+) checks, 0 failures$/m);
    expect(Number(/^user: (\d+) checks/m.exec(output)?.[1]), output).to.equal(9);
  });

  it('the k-driver receives the u-driver\'s pointers as its own members, and refuses forged adapter ids', () => {
    expect(output, output).to.match(/^kernel: 22 checks, 0 failures$/m);
    expect(output, output).not.to.match(/^FAIL /m);
  });

  it('both programs exit 0 with no sanitizer report', () => {
    expect(status, output).to.equal(0);
    expect(output).not.to.match(/Sanitizer|runtime error|leak/i);
  });
});
