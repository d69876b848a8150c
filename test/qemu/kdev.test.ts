// runtime/c/mdidl_kdev.c (the k-driver's misc-device transport) in a real kernel, driven through
// runtime/c/mdidl_fd.h (the u-driver's transport) by a static program, in one QEMU boot: the test
// module (fixtures/kdev_fixture.c, a stand-in channel) is loaded, fixtures/kdev_user.c runs its
// checks against /dev/mdidl-test, the module is removed, and the kernel log must be clean.
// mdidl_fd.h is also tested on the host over a SOCK_SEQPACKET socketpair.
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkLines } from '../check-lines.js';
import { buildModule, buildStatic, kernelHealthy, runInVm, type ModuleBuild, type VmResult } from './vm.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const RUNTIME_C = path.join(ROOT, 'runtime', 'c');
const FIXTURES = path.join(ROOT, 'test', 'qemu', 'fixtures');
const MODULE = 'mdidl_kdev_test';

// What kdev_user.c checks, in order; each is a test here, so a check the program stopped
// reporting fails rather than vanishes.
const DEVICE_CHECKS = [
  'open',
  'node-is-chardev-0600',
  'second-open-ebusy',
  'echo',
  'echo-max-msg',
  'upcall-arrives-nested',
  'nested-call-answered-by-waiter',
  'second-nested-call',
  'upcall-reply-completes-downcall',
  'top-level-call-served-after',
  'nested-without-waiter-served',
  'stray-reply-dropped',
  'unknown-kind-error-reply',
  'write-0-einval',
  'write-31-einval',
  'write-too-long-emsgsize',
  'refused-writes-leave-nothing',
  'poll-readable',
  'read-short-emsgsize',
  'message-kept-after-emsgsize',
  'poll-empty',
  'nonblock-read-eagain',
  'timeout-upcall-arrives',
  'recv-etimedout',
  'late-reply-accepted',
  'backlog-enobufs',
  'backlog-replies-in-order',
  'backlog-recovers',
  'wait-upcall-arrives',
  'reopen-after-close',
  'reopen-first-message-is-own-reply',
  'destroy-upcall-arrives',
  'destroy-upcall-answered',
  'after-destroy-recv-eshutdown',
  'after-destroy-poll-hup',
  'after-destroy-send-eshutdown',
  'after-destroy-node-gone',
  'close-after-destroy',
];

const SCRIPT = `
out=/tmp/result
insmod /mdl/${MODULE}.ko; echo "insmod-exit $?" >> $out
/mdl/kdev_user >> $out 2>&1; echo "user-exit $?" >> $out
rmmod ${MODULE}; echo "rmmod-exit $?" >> $out
echo "loaded-after-rmmod $(grep -c '^${MODULE} ' /proc/modules)" >> $out
exit 0
`;

describe('runtime/c: mdidl_kdev.c in a real kernel (QEMU)', function () {
  this.timeout(300000);
  let build: ModuleBuild;
  let vm: VmResult;
  let result = '';
  let dmesg = '';
  let checks = new Map<string, string>();

  before(async function () {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mdl-kdev-'));
    try {
      const kdir = path.join(dir, 'module');
      fs.mkdirSync(kdir);
      build = buildModule({
        name: MODULE,
        dir: kdir,
        sources: [path.join(RUNTIME_C, 'mdidl_kdev.c'), path.join(FIXTURES, 'kdev_fixture.c')],
        includeDirs: [RUNTIME_C],
      });
      const user = buildStatic({ name: 'kdev_user', dir, sources: [path.join(FIXTURES, 'kdev_user.c')], includeDirs: [RUNTIME_C] });
      vm = await runInVm({
        files: [
          { guestPath: `/mdl/${MODULE}.ko`, hostPath: build.ko, mode: 0o644 },
          { guestPath: '/mdl/kdev_user', hostPath: user },
        ],
        script: SCRIPT,
        collect: ['/tmp/result'],
        timeoutMs: 180000,
      });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
    result = vm.files.get('/tmp/result')?.toString('utf8') ?? '';
    dmesg = vm.dmesg ?? '';
    checks = checkLines(result);
    console.log(`      (VM run ${(vm.durationMs / 1000).toFixed(1)} s)`);
  });

  const context = () => `\n--- result ---\n${result}\n--- dmesg (tail) ---\n${dmesg.slice(-6000)}\n--- console (tail) ---\n${vm.console.slice(-3000)}`;

  it('the module builds with kbuild, -Werror and W=1, without a warning', () => {
    expect(build.output).to.match(/LD \[M\]\s+\S+\.ko$/m);
    expect(build.output).not.to.match(/warning/i);
  });

  it('the guest ran the script to the end and printed its kernel log', () => {
    expect(vm.exitCode, context()).to.equal(0);
    expect(vm.dmesg, context()).to.be.a('string');
    expect(result, context()).to.match(/^insmod-exit 0$/m);
    expect(result, context()).to.match(/^user-exit \d+$/m);
  });

  it('the user program reports every check and no failure', () => {
    const fails = [...checks.values()].filter((l) => l.startsWith('FAIL'));
    expect(fails, context()).to.deep.equal([]);
    expect([...checks.keys()], context()).to.deep.equal(DEVICE_CHECKS);
    expect(result, context()).to.match(/^user-exit 0$/m);
  });

  for (const name of DEVICE_CHECKS) {
    it(`device: ${name}`, () => {
      expect(checks.get(name), context()).to.equal(`ok ${name}`);
    });
  }

  it('send and recv without an opener fail with -ESHUTDOWN', () => {
    expect(dmesg, context()).to.match(/mdidl-test: no opener: send -108 recv -108$/m);
  });

  it('closing the device while the kernel waits in recv: recv -ESHUTDOWN, the reply cannot reach the next opener', () => {
    expect(dmesg, context()).to.match(/mdidl-test: wait: recv -108 reply -108$/m);
  });

  it('replies nobody waits for (stray, or after the timeout) are dropped with a warning', () => {
    const late = /^info late-reply-call-id (\d+)$/m.exec(result)?.[1];
    expect(late, context()).to.be.a('string');
    expect(dmesg, context()).to.include(`${MODULE}: mdidl-test: dropped a reply nobody waits for (call id 777)`);
    expect(dmesg, context()).to.include(`${MODULE}: mdidl-test: dropped a reply nobody waits for (call id ${late})`);
  });

  it('the k-driver can destroy the device while the u-driver holds it open', () => {
    expect(dmesg, context()).to.match(/mdidl-test: destroyed with the file open$/m);
  });

  it('rmmod succeeds and the module is gone', () => {
    expect(result, context()).to.match(/^rmmod-exit 0$/m);
    expect(result, context()).to.match(/^loaded-after-rmmod 0$/m);
    expect(dmesg, context()).to.match(/mdidl-test: unloaded$/m);
  });

  it('the kernel log has no oops, BUG, WARNING or lock report', () => {
    expect(kernelHealthy(dmesg), context()).to.deep.equal([]);
  });
});

describe('runtime/c: mdidl_fd.h on the host (SOCK_SEQPACKET socketpair)', function () {
  this.timeout(60000);
  let output = '';
  let status: number | null = null;

  before(function () {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mdl-fd-'));
    try {
      const exe = buildStatic({ name: 'fd_socketpair', dir, sources: [path.join(FIXTURES, 'fd_socketpair.c')], includeDirs: [RUNTIME_C] });
      const run = spawnSync(exe, [], { encoding: 'utf8', timeout: 20000 });
      if (run.error) throw run.error;
      output = run.stdout + run.stderr;
      status = run.status;
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  const FD_CHECKS = [
    'first-message-whole',
    'second-message-whole',
    'recv-etimedout',
    'oversize-emsgsize',
    'oversize-dropped-next-intact',
    'signal-eintr',
    'peer-closed-recv-eshutdown',
    'peer-closed-send-eshutdown',
    'pipe-fallback',
    'pipe-closed-send-eshutdown',
  ];

  it('reports every check, and exits 0', () => {
    expect([...checkLines(output).keys()], output).to.deep.equal(FD_CHECKS);
    expect(status, output).to.equal(0);
  });

  for (const name of FD_CHECKS) {
    it(name, () => {
      expect(checkLines(output).get(name), output).to.equal(`ok ${name}`);
    });
  }
});

describe('test/qemu/vm.ts', function () {
  this.timeout(60000);

  it('kills QEMU and says so when the guest runs past the timeout', async () => {
    const started = Date.now();
    let error: unknown;
    try {
      await runInVm({ files: [], script: 'sleep 600\n', timeoutMs: 3000 });
    } catch (e) {
      error = e;
    }
    expect(error).to.be.instanceOf(Error);
    expect((error as Error).message).to.match(/did not power off within 3000 ms; QEMU was killed/);
    expect(Date.now() - started).to.be.lessThan(20000);
  });

  it('kernelHealthy finds the reports a broken kernel module leaves', () => {
    const log = [
      '[    1.0] mdidl_kdev_test: loading out-of-tree module taints kernel.',
      '[    2.0] BUG: kernel NULL pointer dereference, address: 0000000000000008',
      '[    2.1] Oops: 0002 [#1] PREEMPT SMP NOPTI',
      '[    3.0] WARNING: CPU: 0 PID: 77 at lib/list_debug.c:59 __list_del_entry_valid+0x1/0x2',
      '[    3.1] list_del corruption. prev->next should be ffff, but was dead000000000100',
      '[    4.0] BUG: sleeping function called from invalid context at mm/vmalloc.c:2746',
      '[    5.0] INFO: task kworker/0:1:12 blocked for more than 120 seconds.',
      '[    6.0] general protection fault, probably for non-canonical address 0xdead: 0000 [#2]',
      '[    7.0] Call Trace:',
      '[    8.0] mdidl_kdev_test: mdidl-test: dropped a reply nobody waits for (call id 7)',
    ];
    expect(kernelHealthy(log.join('\n'))).to.deep.equal(log.slice(1, 9));
  });
});
