// Message buffers are reused and never zeroed (runtime/c/mdidl_rpc.c, docs/decisions.md): what
// keeps stale bytes of an older message (kernel data) from reaching the peer is that a message is
// sent only up to its writer's position and the writer writes every byte before it. This builds
// the round trip of test/c/roundtrip (every way a value crosses, nested calls, callbacks, error
// replies, mutated replays) under MemorySanitizer, which reports any uninitialized byte handed to
// send(): fresh buffers come from malloc, so a byte the writer skipped would be reported there.
// MSan also reports the harness comparing snapshots whose struct padding it cannot know is
// defined; only reports whose stack passes through a transport's send count here (exitcode=0:
// MSan's exit after such reports would otherwise drop the kernel side's buffered summary).
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { generateC, tempDir } from './generate.js';
import { RUNTIME_C, TEST_C } from './vectors.js';

const FLAGS = ['-std=gnu11', '-O1', '-g', '-fno-omit-frame-pointer', '-fsanitize=memory', '-fsanitize-recover=memory', '-Wall', '-Wextra', '-Werror'];

function clang(args: string[]): void {
  const r = spawnSync('clang', args, { encoding: 'utf8' });
  if (r.error) throw new Error(`clang: ${r.error.message} (MemorySanitizer needs clang and libclang-rt installed)`);
  if (r.status !== 0) throw new Error(`clang ${args.join(' ')}\n${r.stderr}`);
}

describe('runtime/c: no stale bytes reach the peer (MemorySanitizer round trip)', function () {
  this.timeout(300000);
  let dir = '';
  let output = '';

  before(() => {
    dir = tempDir('mdl-c-msan-');
    const g = generateC('test/c/corpus/graph.mdl', dir);
    const rt = path.join(TEST_C, 'roundtrip');
    const user = path.join(dir, 'user_side');
    const kernel = path.join(dir, 'kernel_side');
    clang([...FLAGS, `-I${RUNTIME_C}`, `-I${dir}`, path.join(rt, 'user_side.c'), g.userC, path.join(RUNTIME_C, 'mdidl_rpc.c'), '-o', user, '-lpthread']);
    clang([...FLAGS, '-D__KERNEL__', `-I${path.join(TEST_C, 'shim')}`, `-I${RUNTIME_C}`, `-I${dir}`, path.join(rt, 'kernel_side.c'), g.kernelC, path.join(RUNTIME_C, 'mdidl_rpc.c'), '-o', kernel, '-lpthread']);
    const run = spawnSync(kernel, [user], { encoding: 'utf8', timeout: 240000, maxBuffer: 256 << 20, env: { ...process.env, MSAN_OPTIONS: 'halt_on_error=0:exitcode=0' } });
    if (run.error) throw run.error;
    output = run.stdout + run.stderr;
  });

  after(() => {
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('runs the whole round trip', () => {
    expect(output).to.match(/^user: \d+ checks, 0 failures$/m);
    expect(output).to.match(/^kernel: \d+ checks, 0 failures$/m);
    expect(output).to.match(/^hostile: \d+ mutations/m);
  });

  it('never hands an uninitialized byte to the transport', () => {
    const reports = output.split(/==\d+==WARNING: MemorySanitizer/).slice(1);
    const sent = reports.filter((r) => /in (mdl_fd_send|send|write|sendmsg)\b/.test(r.split('\n\n')[0]!));
    expect(sent, sent[0]).to.deep.equal([]);
  });
});
