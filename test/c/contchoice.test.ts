// [container(T, a | b | ...)]: a pointer to one of several members of T (the split e1000's
// queue_delayed_work_on on &adapter->watchdog_task, fifo_stall_task or phy_info_task). The
// generated kernel stubs (kernel flavour, on test/c/shim) and user stubs of
// test/c/corpus/contchoice.mdl run as two processes over a socketpair under AddressSanitizer and
// UBSan: each side receives the other's pointer as the same member of its own adapter, for every
// member listed; a pointer into no adapter that crossed is refused by the sender; and the kernel
// refuses the u-driver's call served again with the member index or the adapter's id forged.
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

describe('C backends: a container pointer to one of several members', function () {
  this.timeout(120000);
  let output = '';
  let status: number | null = null;
  let dir = '';
  let kernelC = '';
  let userC = '';

  before(function () {
    dir = tempDir('mdl-c-contchoice-');
    const g = generateC('test/c/corpus/contchoice.mdl', dir);
    kernelC = fs.readFileSync(g.kernelC, 'utf8');
    userC = fs.readFileSync(g.userC, 'utf8');
    const san = sanitizerFlags();
    const src = path.join(TEST_C, 'contchoice');
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

  it('the stubs carry a table of the members\' offsets, in the order written', () => {
    const table = [
      '\t\tstatic const size_t adapter_members[] = {',
      '\t\t\toffsetof(struct adapter, watchdog_task),',
      '\t\t\toffsetof(struct adapter, fifo_stall_task),',
      '\t\t\toffsetof(struct adapter, phy_info_task),',
      '\t\t};',
    ].join('\n');
    expect(userC).to.contain(table);
    expect(kernelC).to.contain(table);
    expect(userC).to.contain('mdl_out_container_choice(m, a_work, &contchoice_desc_adapter, adapter_members, 3, false)');
    expect(kernelC).to.contain('mdl_in_container_choice(m, r, &contchoice_desc_adapter, adapter_members, 3, false, &p)');
    expect(kernelC).to.contain('mdl_out_container_choice(m, a_work, &contchoice_desc_adapter, adapter_members, 4, false)');
    expect(kernelC).to.contain('\t\t\toffsetof(struct adapter, phy_info_task.work),\n\t\t};');
    expect(userC).to.contain('mdl_out_container_choice(m, a_work, &contchoice_desc_adapter, adapter_members, 2, true)');
  });

  it('the u-driver receives pointers to each member of its own adapter, and its sender refuses strays', () => {
    expect(output, output).to.match(/^user: (\d+) checks, 0 failures$/m);
    expect(Number(/^user: (\d+) checks/m.exec(output)?.[1]), output).to.equal(13);
  });

  it('the k-driver receives the u-driver\'s pointers as its own members, and refuses forged indexes and ids', () => {
    expect(output, output).to.match(/^kernel: (\d+) checks, 0 failures$/m);
    expect(Number(/^kernel: (\d+) checks/m.exec(output)?.[1]), output).to.equal(37);
    expect(output, output).not.to.match(/^FAIL /m);
  });

  it('both programs exit 0 with no sanitizer report', () => {
    expect(status, output).to.equal(0);
    expect(output).not.to.match(/Sanitizer|runtime error|leak/i);
  });
});
