// Bound functions: kernel functions the u-driver names (request_irq(irq, e1000_intr, ...), a
// callback field it fills) cross as ids both sides bound by name, and arrive in the kernel as the
// real function, not as a trampoline that would call back into the u-driver. The generated kernel
// stubs (kernel flavour, on test/c/shim) and user stubs of test/c/bound/bound.mdl run as two
// processes over a SOCK_SEQPACKET socketpair, under the sanitizers this machine has; the kernel
// side then replays the recorded call with its bound id forged.
import { expect } from 'chai';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { generateC, tempDir } from './generate.js';
import { runProgram, RUNTIME_C, sanitizerFlags, TEST_C } from './vectors.js';
import { boundId, formatId } from '../../runtime/ts/object-table.js';

const WARN = ['-std=gnu11', '-Wall', '-Wextra', '-Werror'];

function gcc(args: string[]): void {
  const r = spawnSync('gcc', args, { encoding: 'utf8' });
  if (r.error) throw r.error;
  if (r.status !== 0 || /warning:/.test(r.stderr)) throw new Error(`gcc ${args.join(' ')}\n${r.stderr}`);
}

function checkSites(file: string): number {
  return fs.readFileSync(path.join(TEST_C, 'bound', file), 'utf8').split('CHECK(').length - 1;
}

describe('C runtime: bound functions between the kernel and user stubs', function () {
  this.timeout(120000);
  let dir = '';
  let user = '';
  let output = '';
  let status: number | null = null;

  before(function () {
    dir = tempDir('mdl-c-bound-');
    const g = generateC('test/c/bound/bound.mdl', dir);
    const san = sanitizerFlags().flags;
    const src = path.join(TEST_C, 'bound');
    const common = [`-I${RUNTIME_C}`, `-I${dir}`, `-I${path.join(TEST_C, 'roundtrip')}`];
    user = path.join(dir, 'user_side');
    const kernel = path.join(dir, 'kernel_side');
    gcc([...WARN, ...san, ...common, path.join(src, 'user_side.c'), g.userC, path.join(RUNTIME_C, 'mdidl_rpc.c'), '-o', user, '-lpthread']);
    gcc([...WARN, ...san, '-D__KERNEL__', `-I${path.join(TEST_C, 'shim')}`, ...common, path.join(src, 'kernel_side.c'), g.kernelC, path.join(RUNTIME_C, 'mdidl_rpc.c'), '-o', kernel, '-lpthread']);
    const run = runProgram(kernel, [user], 60000);
    output = run.stdout + run.stderr;
    status = run.status;
  });

  after(() => {
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('the u-driver hands bound functions over; the kernel gets and runs its real ones', () => {
    expect(output, output).to.match(/^user: (\d+) checks, 0 failures$/m);
    // Every check of the u-driver runs once: as many as its source has.
    expect(Number(/^user: (\d+) checks/m.exec(output)?.[1])).to.equal(checkSites('user_side.c'));
  });

  it('the kernel refuses forged and unbound ids, and keeps its bindings across peer-gone', () => {
    expect(output, output).to.match(/^kernel: (\d+) checks, 0 failures$/m);
    // The replay's check runs once per replayed copy: at least as many as the source has.
    expect(Number(/^kernel: (\d+) checks/m.exec(output)?.[1])).to.be.at.least(checkSites('kernel_side.c'));
    expect(output).not.to.match(/^FAIL /m);
  });

  it('both programs exit 0 with no sanitizer report', () => {
    expect(status, output).to.equal(0);
    expect(output).not.to.match(/Sanitizer|runtime error|leak/i);
  });

  it('the C runtime and the generator (runtime/ts boundId) compute the same ids from a name', () => {
    const ids = [...output.matchAll(/^bound-id (\S*) (0x[0-9a-f]{8})$/gm)];
    expect(ids.length, output).to.equal(6);
    for (const [, name, id] of ids) expect(formatId(boundId(name!)), name).to.equal(id);
  });

  it('calling a placeholder in the u-driver aborts, naming the kernel function', () => {
    const r = spawnSync(user, ['--call-placeholder'], { encoding: 'utf8', timeout: 20000 });
    expect(r.signal, r.stderr).to.equal('SIGABRT');
    expect(r.stderr).to.contain('mdidl: k_intr is a kernel function: the u-driver may hand it to the kernel, never call it');
  });
});
