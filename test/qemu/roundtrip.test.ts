// The C round trip of test/c/roundtrip.test.ts in a real kernel (QEMU, one boot): the generated
// kernel stubs of test/c/corpus/graph.mdl, runtime/c/mdidl_rpc.c and runtime/c/mdidl_kdev.c built
// by kbuild into a module (fixtures/graph_kmod.c: test/c/roundtrip/kernel_impl.h in a module), and
// the generated user stubs in a static program (fixtures/graph_udrv.c: user_impl.h over
// /dev/mdidl-graph). Graphs go up and come back written, nested downcalls and callbacks cross
// while an upcall waits, mutated copies of a real downcall are rejected without a trace, and a
// second run of the program writes garbage to the device, which must answer each message with an
// error reply or refuse the write, never hang. The module is removed and the kernel log must be
// clean.
//
// Sequence in the guest: insmod (creates the device, opens the channel); `graph_udrv serve` in the
// background, which creates /tmp/serve.ready once it can be called; `echo 1 > .../parameters/run`
// runs the kernel side's checks in the writer's context and returns when done; SIGUSR1 stops the
// server (the device takes one opener at a time); `graph_udrv hostile`; rmmod.
import { expect } from 'chai';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateC } from '../c/generate.js';
import { buildModule, buildStatic, kernelHealthy, runInVm, type ModuleBuild, type VmResult } from './vm.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const RUNTIME_C = path.join(ROOT, 'runtime', 'c');
const FIXTURES = path.join(ROOT, 'test', 'qemu', 'fixtures');
const CHECK_H_DIR = path.join(ROOT, 'test', 'c', 'roundtrip');
const MODULE = 'mdidl_graph_test';

const SCRIPT = `
out=/tmp/result
up() { echo "t-$1 $(cut -d' ' -f1 /proc/uptime)" >> $out; }
up start
insmod /mdl/${MODULE}.ko; echo "insmod-exit $?" >> $out
echo "device $([ -c /dev/mdidl-graph ] && echo yes || echo no)" >> $out
/mdl/graph_udrv serve > /tmp/serve.out 2>&1 &
upid=$!
i=0
while [ ! -e /tmp/serve.ready ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done
echo "serve-ready $([ -e /tmp/serve.ready ] && echo yes || echo no)" >> $out
up run
echo 1 > /sys/module/${MODULE}/parameters/run; echo "run-exit $?" >> $out
up ran
kill -USR1 $upid
wait $upid; echo "serve-exit $?" >> $out
cat /tmp/serve.out >> $out
up hostile
/mdl/graph_udrv hostile >> $out 2>&1; echo "hostile-exit $?" >> $out
up rmmod
rmmod ${MODULE}; echo "rmmod-exit $?" >> $out
echo "loaded-after-rmmod $(grep -c '^${MODULE} ' /proc/modules)" >> $out
up end
exit 0
`;

describe('C round trip in a real kernel: graph.mdl over /dev/mdidl-graph (QEMU)', function () {
  this.timeout(300000);
  let build: ModuleBuild;
  let vm: VmResult;
  let result = '';
  let dmesg = '';
  let buildMs = 0;

  before(async function () {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mdl-qrt-'));
    try {
      const started = Date.now();
      const g = generateC('test/c/corpus/graph.mdl', path.join(dir, 'gen'));
      const kdir = path.join(dir, 'module');
      fs.mkdirSync(kdir);
      build = buildModule({
        name: MODULE,
        dir: kdir,
        sources: [g.kernelC, path.join(RUNTIME_C, 'mdidl_rpc.c'), path.join(RUNTIME_C, 'mdidl_kdev.c'), path.join(FIXTURES, 'graph_kmod.c')],
        includeDirs: [RUNTIME_C, g.dir, CHECK_H_DIR],
      });
      const user = buildStatic({
        name: 'graph_udrv',
        dir,
        sources: [path.join(FIXTURES, 'graph_udrv.c'), g.userC, path.join(RUNTIME_C, 'mdidl_rpc.c')],
        includeDirs: [RUNTIME_C, g.dir, CHECK_H_DIR],
        cflags: ['-pthread'],
      });
      buildMs = Date.now() - started;
      vm = await runInVm({
        files: [
          { guestPath: `/mdl/${MODULE}.ko`, hostPath: build.ko, mode: 0o644 },
          { guestPath: '/mdl/graph_udrv', hostPath: user },
        ],
        script: SCRIPT,
        collect: ['/tmp/result'],
        timeoutMs: 120000,
      });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
    result = vm.files.get('/tmp/result')?.toString('utf8') ?? '';
    dmesg = vm.dmesg ?? '';
    const at = (p: string) => Number(new RegExp(`^t-${p} ([\\d.]+)$`, 'm').exec(result)?.[1] ?? NaN);
    console.log(
      `      (builds ${(buildMs / 1000).toFixed(1)} s, VM ${(vm.durationMs / 1000).toFixed(1)} s: ` +
        `round trip ${(at('ran') - at('run')).toFixed(2)} s, hostile ${(at('rmmod') - at('hostile')).toFixed(2)} s)`,
    );
  });

  const context = () => `\n--- result ---\n${result}\n--- dmesg (tail) ---\n${dmesg.slice(-6000)}\n--- console (tail) ---\n${vm.console.slice(-3000)}`;

  it('the module builds with kbuild, -Werror and W=1, without a warning', () => {
    expect(build.output).to.match(/LD \[M\]\s+\S+\.ko$/m);
    expect(build.output).not.to.match(/warning/i);
  });

  it('the guest ran the script to the end: the module loaded, the device appeared, the server was ready', () => {
    expect(vm.exitCode, context()).to.equal(0);
    expect(vm.dmesg, context()).to.be.a('string');
    expect(result, context()).to.match(/^insmod-exit 0$/m);
    expect(result, context()).to.match(/^device yes$/m);
    expect(result, context()).to.match(/^serve-ready yes$/m);
    expect(result, context()).to.match(/^run-exit 0$/m);
  });

  it('the kernel side: every check passes (upcalls, nested downcalls, callbacks, replay)', () => {
    const m = /mdltest: (\d+) checks, (\d+) failures$/m.exec(dmesg);
    expect(m, context()).to.not.equal(null);
    expect(Number(m![2]), context()).to.equal(0);
    expect(Number(m![1]), context()).to.be.greaterThan(15);
    expect(dmesg, context()).not.to.match(/mdltest: FAIL /);
  });

  it('mutated downcalls are rejected in the kernel without touching its objects or tables', () => {
    const m = /mdltest: hostile: (\d+) mutations of a (\d+)-byte downcall, (\d+) rejected$/m.exec(dmesg);
    expect(m, context()).to.not.equal(null);
    expect(Number(m![3]), context()).to.be.greaterThan(100);
  });

  it('the user side: every check passes and it served every upcall', () => {
    const m = /^user: (\d+) checks, (\d+) failures$/m.exec(result);
    expect(m, context()).to.not.equal(null);
    expect(Number(m![2]), context()).to.equal(0);
    expect(Number(m![1]), context()).to.be.greaterThan(30);
    expect(result, context()).to.match(/^serve-exit 0$/m);
  });

  it('garbage written to the device comes back as error replies or write errors, never a hang', () => {
    const m = /^hostile: (\d+) checks, (\d+) failures$/m.exec(result);
    expect(m, context()).to.not.equal(null);
    const fails = result.split('\n').filter((l) => l.startsWith('FAIL'));
    expect(fails, context()).to.deep.equal([]);
    expect(Number(m![2]), context()).to.equal(0);
    expect(Number(m![1]), context()).to.be.greaterThan(200);
    for (const group of [
      'valid-downcall',
      'random-bytes',
      'random-payload',
      'mangled-payload',
      'null-array-with-count',
      'bad-header',
      'module-version-einval',
      'truncated',
      'write-length-errors',
      'unknown-function',
      'forged-kernel-id',
      'burst-in-order',
      'non-calls-dropped',
      'nested-without-waiter',
      'device-still-serves',
    ]) {
      expect(result, `${group}${context()}`).to.match(new RegExp(`^ok ${group}\\b`, 'm'));
    }
    expect(result, context()).to.match(/^hostile-exit 0$/m);
  });

  it('no kernel implementation is handed a NULL array whose count says it has elements', () => {
    // graph_kmod.c's sum logs this instead of reading n elements at NULL (the u-driver's
    // null-array-with-count message asks for exactly that).
    expect(dmesg, context()).not.to.match(/mdltest: sum: \d+ elements at NULL/);
  });

  it('rmmod succeeds and the module is gone', () => {
    expect(result, context()).to.match(/^rmmod-exit 0$/m);
    expect(result, context()).to.match(/^loaded-after-rmmod 0$/m);
    expect(dmesg, context()).to.match(/mdltest: unloaded$/m);
  });

  it('the kernel log has no oops, BUG, WARNING or lock report', () => {
    expect(kernelHealthy(dmesg), context()).to.deep.equal([]);
  });
});
