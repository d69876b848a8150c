// The MMIO regions of runtime/c/mdidl_kdev.c (mdl_kdev_offer_region) in a real kernel, with a real
// BAR: in one QEMU boot beside an emulated 82540EM, the test module (fixtures/bar_kmod.c) binds the
// NIC and offers its BAR0 on /dev/mdidl-bar, and a static program (fixtures/bar_user.c) maps it
// through runtime/c/ukernel's mdl_uk_map_region, reads STATUS and EECD as the kernel reads them,
// writes a register the kernel then reads back, and checks every mapping the device must refuse.
import { expect } from 'chai';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkLines } from '../check-lines.js';
import { buildModule, buildStatic, kernelHealthy, runInVm, type ModuleBuild, type VmResult } from './vm.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const RUNTIME_C = path.join(ROOT, 'runtime', 'c');
const UKERNEL = path.join(RUNTIME_C, 'ukernel');
const FIXTURES = path.join(ROOT, 'test', 'qemu', 'fixtures');
const MODULE = 'mdidl_bar_test';

// What bar_user.c checks, in order; each is a test here, so a check the program stopped reporting
// fails rather than vanishes.
const CHECKS = [
  'open',
  'map-region-0',
  'readl-equals-ioread32',
  'status-as-kernel-reads-it',
  'eecd-as-kernel-reads-it',
  'write-reaches-device',
  'map-last-page',
  'map-offset-beyond-region-einval',
  'map-longer-than-region-einval',
  'map-no-region-enxio',
  'map-private-einval',
  'map-readonly-region-writable-eacces',
  'map-readonly-region-read',
  'mprotect-readonly-region-writable-eacces',
  'map-longer-than-readonly-region-einval',
  'second-open-ebusy',
  'child-map-eperm',
  'child-inherits-no-mapping',
  'withdraw',
  'withdrawn-mapping-sigbus',
  'other-region-unaffected',
  'map-withdrawn-enxio',
  'offer-again',
  'offered-again-faults-in',
  'withdraw-offer-race',
  'race-then-offer-faults-in',
  'mapping-keeps-device-open',
  'mapping-outlives-close',
  'reopen-after-unmap',
  'reopener-maps',
];

const SCRIPT = `
out=/tmp/result
insmod /mdl/${MODULE}.ko; echo "insmod-exit $?" >> $out
for d in /sys/bus/pci/drivers/${MODULE}/0000:*; do echo "bound $(basename $d)" >> $out; len=$(stat -c %s $d/resource0); done
/mdl/bar_user $len >> $out 2>&1; echo "user-exit $?" >> $out
rmmod ${MODULE}; echo "rmmod-exit $?" >> $out
echo "loaded-after-rmmod $(grep -c '^${MODULE} ' /proc/modules)" >> $out
exit 0
`;

describe('runtime/c: BAR0 mapped into the u-driver through mdidl_kdev.c (QEMU, 82540EM)', function () {
  this.timeout(300000);
  let build: ModuleBuild;
  let vm: VmResult;
  let result = '';
  let dmesg = '';
  let checks = new Map<string, string>();

  before(async function () {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mdl-bar-'));
    try {
      const kdir = path.join(dir, 'module');
      fs.mkdirSync(kdir);
      build = buildModule({
        name: MODULE,
        dir: kdir,
        sources: [path.join(RUNTIME_C, 'mdidl_kdev.c'), path.join(FIXTURES, 'bar_kmod.c')],
        includeDirs: [RUNTIME_C],
      });
      const user = buildStatic({
        name: 'bar_user',
        dir,
        sources: [path.join(FIXTURES, 'bar_user.c'), path.join(UKERNEL, 'mdidl_ukernel.c')],
        includeDirs: [RUNTIME_C, UKERNEL],
        cflags: ['-pthread'],
      });
      vm = await runInVm({
        files: [
          { guestPath: `/mdl/${MODULE}.ko`, hostPath: build.ko, mode: 0o644 },
          { guestPath: '/mdl/bar_user', hostPath: user },
        ],
        script: SCRIPT,
        collect: ['/tmp/result'],
        timeoutMs: 180000,
        devices: ['e1000'],
      });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
    result = vm.files.get('/tmp/result')?.toString('utf8') ?? '';
    dmesg = vm.dmesg ?? '';
    checks = checkLines(result);
    console.log(`      (VM run ${(vm.durationMs / 1000).toFixed(1)} s; ${/^info race-cycles (.*)$/m.exec(result)?.[1] ?? 'no race line'})`);
  });

  const context = () => `\n--- result ---\n${result}\n--- dmesg (tail) ---\n${dmesg.slice(-6000)}\n--- console (tail) ---\n${vm.console.slice(-3000)}`;
  const info = (key: string): string | undefined => new RegExp(`^info ${key} (\\S+)$`, 'm').exec(result)?.[1];

  it('the module builds with kbuild, -Werror and W=1, without a warning', () => {
    expect(build.output).to.match(/LD \[M\]\s+\S+\.ko$/m);
    expect(build.output).not.to.match(/warning/i);
  });

  it('the module binds the NIC and the user program runs', () => {
    expect(vm.exitCode, context()).to.equal(0);
    expect(result, context()).to.match(/^insmod-exit 0$/m);
    expect(result, context()).to.match(/^bound 0000:\S+$/m);
    expect(result, context()).to.match(/^user-exit \d+$/m);
  });

  it('the user program reports every check and no failure', () => {
    const fails = [...checks.values()].filter((l) => l.startsWith('FAIL'));
    expect(fails, context()).to.deep.equal([]);
    expect([...checks.keys()], context()).to.deep.equal(CHECKS);
    expect(result, context()).to.match(/^user-exit 0$/m);
  });

  for (const name of CHECKS) {
    it(`mapping: ${name}`, () => {
      expect(checks.get(name), context()).to.equal(`ok ${name}`);
    });
  }

  it('the mapping is BAR0 as the kernel sees it: its length, STATUS and EECD as probe read them with ioread32', () => {
    const k = /mdidl-bar: kernel bar0 len (\d+) status (0x[0-9a-f]{8}) eecd (0x[0-9a-f]{8})$/m.exec(dmesg);
    expect(k, context()).to.not.equal(null);
    expect(info('user-bar0-len'), context()).to.equal(k![1]);
    expect(info('user-status'), context()).to.equal(k![2]);
    expect(info('user-eecd'), context()).to.equal(k![3]);
    // The 82540EM's EEPROM is present (EECD.PRES), as e1000_hw.c's EEPROM code will check.
    expect(Number(k![3]) & 0x100, context()).to.equal(0x100);
  });

  it('offers of an unaligned range, a bad index, a busy index or a too-big region are refused', () => {
    expect(dmesg, context()).to.match(/mdidl-bar: refused offers: unaligned -22 index -22 busy -16 too-big -22$/m);
  });

  it('rmmod withdraws the regions and unloads cleanly', () => {
    expect(result, context()).to.match(/^rmmod-exit 0$/m);
    expect(result, context()).to.match(/^loaded-after-rmmod 0$/m);
    expect(dmesg, context()).to.match(/mdidl-bar: removed$/m);
    expect(dmesg, context()).to.match(/mdidl-bar: unloaded$/m);
  });

  it('the kernel log has no oops, BUG, WARNING or lock report', () => {
    expect(kernelHealthy(dmesg), context()).to.deep.equal([]);
  });
});
