// C round trip: the generated kernel stubs (kernel flavour, built in user space against
// test/c/shim) and user stubs of test/c/corpus/graph.mdl, as two processes over a
// SOCK_SEQPACKET socketpair, under AddressSanitizer (leaks included) and UBSan. Graphs with
// cycles, aliases, strings, counted arrays, unions, bitfields, container_of and interior pointers
// go up deep and come back written; nested downcalls and callbacks cross while an upcall waits;
// identity holds across calls. Then the kernel side replays mutated copies of a real downcall:
// every rejected one must leave its objects and tables as they were.
import { expect } from 'chai';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { generateC, tempDir } from './generate.js';
import { runProgram, RUNTIME_C, sanitizerFlags, TEST_C } from './vectors.js';
import { spawnSync } from 'node:child_process';

const WARN = ['-std=gnu11', '-Wall', '-Wextra', '-Werror'];

function gcc(args: string[]): void {
  const r = spawnSync('gcc', args, { encoding: 'utf8' });
  if (r.error) throw r.error;
  if (r.status !== 0 || /warning:/.test(r.stderr)) throw new Error(`gcc ${args.join(' ')}\n${r.stderr}`);
}

describe('C backends: round trip between the kernel and user stubs', function () {
  this.timeout(120000);
  let output = '';
  let status: number | null = null;
  let dir = '';

  before(function () {
    dir = tempDir('mdl-c-rt-');
    const g = generateC('test/c/corpus/graph.mdl', dir);
    const san = sanitizerFlags();
    const rt = path.join(TEST_C, 'roundtrip');
    const user = path.join(dir, 'user_side');
    const kernel = path.join(dir, 'kernel_side');
    gcc([...WARN, ...san.flags, `-I${RUNTIME_C}`, `-I${dir}`, path.join(rt, 'user_side.c'), g.userC, path.join(RUNTIME_C, 'mdidl_rpc.c'), '-o', user, '-lpthread']);
    gcc([
      ...WARN,
      ...san.flags,
      '-D__KERNEL__',
      `-I${path.join(TEST_C, 'shim')}`,
      `-I${RUNTIME_C}`,
      `-I${dir}`,
      path.join(rt, 'kernel_side.c'),
      g.kernelC,
      path.join(RUNTIME_C, 'mdidl_rpc.c'),
      '-o',
      kernel,
      '-lpthread',
    ]);
    const run = runProgram(kernel, [user], 60000);
    output = run.stdout + run.stderr;
    status = run.status;
  });

  after(() => {
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('every check on the user side passes', () => {
    expect(output).to.match(/^user: (\d+) checks, 0 failures$/m);
    expect(Number(/^user: (\d+) checks/m.exec(output)?.[1])).to.be.greaterThan(30);
  });

  it('every check on the kernel side passes', () => {
    expect(output).to.match(/^kernel: (\d+) checks, 0 failures$/m);
    expect(output, output).not.to.match(/^FAIL /m);
  });

  it('mutated downcalls are rejected without touching the kernel state', () => {
    const m = /^hostile: (\d+) mutations of a (\d+)-byte downcall, (\d+) rejected$/m.exec(output);
    expect(m, output).to.not.equal(null);
    expect(Number(m![3])).to.be.greaterThan(100);
  });

  it('both programs exit 0 with no sanitizer report', () => {
    expect(status, output).to.equal(0);
    expect(output).not.to.match(/Sanitizer|runtime error|leak/i);
  });
});
