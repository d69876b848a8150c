// runtime/c/ukernel: the kernel services a u-driver runs in user mode. Three things must hold: the
// services behave as the kernel's do (ukernel/ukernel_check.c, one `it` per check); the kernel ABI the
// library assumes is the installed kernel's (static assertions built with kbuild); and a real driver's
// own code, compiled in user mode from the translation unit kbuild preprocessed, needs nothing from
// the kernel that is neither in the library nor in the driver's other units (Linux 6.1's e1000_hw.c).
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { checkLines } from '../check-lines.js';
import { DRIVERS, kernelHeaders, preprocessDriver } from '../real/linux-source.js';
import { ROOT } from './vectors.js';

const UKERNEL = path.join(ROOT, 'runtime', 'c', 'ukernel');
const CHECK = path.join(ROOT, 'test', 'c', 'ukernel', 'ukernel_check.c');
const WARN = ['-std=gnu11', '-Wall', '-Wextra', '-Werror'];

const CHECKS = [
  'format-ints',
  'format-width-star',
  'format-null-string',
  'format-mac',
  'format-ipv4',
  'format-p-eats-letters',
  'format-percent-and-unknown',
  'format-pV',
  'format-truncates-and-counts',
  'printk-lines',
  'printk-level-prefix',
  'printk-default-level-lines',
  'dev-err',
  'netdev-info',
  'msleep-sleeps-at-least',
  'jiffies-advance',
  'jiffies-conversions',
  'const-udelay',
  'udelay',
  'spinlock-excludes',
  'spinlock-word',
  'mutex-init',
  'mutex-excludes',
  'mutex-owner-word',
  'kmalloc-zeroed-aligned',
  'kmalloc-trace',
  'strscpy-fits',
  'strscpy-truncates',
  'io-accessors',
  'map-region-offset',
  'percpu-through-gs',
  'hex-dump',
  'find-next-bit',
  'find-next-bit-limit',
  'local-bh-enable',
  'user-memory-not-direct-mapped',
];

function run(cmd: string, args: string[], cwd?: string): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', cwd, maxBuffer: 64 << 20 });
  if (r.error) throw new Error(`${cmd}: ${r.error.message} (install it; .ci/run does)`);
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}:\n${r.stdout}${r.stderr}`);
  return r.stdout + r.stderr;
}

/** The tick rate of the installed kernel, which jiffies in the u-driver must follow. */
function kernelHz(): number {
  const conf = fs.readFileSync(path.join(kernelHeaders(), 'include', 'generated', 'autoconf.h'), 'utf8');
  const m = /^#define CONFIG_HZ (\d+)$/m.exec(conf);
  if (!m) throw new Error('no CONFIG_HZ in the kernel headers');
  return Number(m[1]);
}

/** Symbols of an object file: what it defines (globally) and what it needs. */
function symbols(obj: string): { defined: Set<string>; undefined: Set<string> } {
  const defined = new Set<string>();
  const undef = new Set<string>();
  for (const line of run('nm', [obj]).split('\n')) {
    const m = /^(?:[0-9a-f]+)?\s+([A-Za-z])\s+(\S+)$/.exec(line);
    if (!m) continue;
    if (m[1] === 'U') undef.add(m[2]!);
    else if (m[1] === m[1]!.toUpperCase()) defined.add(m[2]!);
  }
  return { defined, undefined: undef };
}

describe('u-driver kernel services (runtime/c/ukernel)', function () {
  this.timeout(300000);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mdidl-ukernel-'));
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));
  const hz = kernelHz();
  const libObj = path.join(tmp, 'mdidl_ukernel.o');

  describe('behave as the kernel services do', () => {
    let lines = new Map<string, string>();
    before(() => {
      const exe = path.join(tmp, 'ukernel_check');
      run('gcc', [...WARN, '-O2', '-fno-pie', '-no-pie', `-DMDL_HZ=${hz}`, `-I${UKERNEL}`, CHECK, path.join(UKERNEL, 'mdidl_ukernel.c'), '-pthread', '-o', exe]);
      const r = spawnSync(exe, [], { encoding: 'utf8', timeout: 120000 });
      lines = checkLines(r.stdout);
      expect([...lines.keys()], `${r.stdout}${r.stderr}`).to.deep.equal(CHECKS);
    });
    for (const name of CHECKS) {
      it(name, () => {
        expect(lines.get(name)).to.equal(`ok ${name}`);
      });
    }
  });

  it("assumes the installed kernel's ABI (gfp zero bit, spinlock size, mutex owner, HZ) and the k-driver device's region offsets", () => {
    const d = path.join(tmp, 'abi');
    fs.mkdirSync(d);
    fs.writeFileSync(
      path.join(d, 'abi.c'),
      [
        '// SPDX-License-Identifier: GPL-2.0',
        '#include <linux/module.h>',
        '#include <linux/gfp.h>',
        '#include <linux/mutex.h>',
        '#include <linux/spinlock.h>',
        '#include <linux/kernel.h>',
        '#include <linux/preempt.h>',
        '#include "mdidl_ukernel.h"',
        '#include "mdidl_kdev.h"',
        'static_assert(__GFP_ZERO == MDL_UK_GFP_ZERO);',
        'static_assert(sizeof(raw_spinlock_t) == MDL_UK_SPINLOCK_SIZE);',
        'static_assert(offsetof(struct mutex, owner) == MDL_UK_MUTEX_OWNER_OFFSET);',
        'static_assert(HZ == MDL_HZ);',
        'static_assert(MDL_KDEV_REGION_SHIFT == MDL_UK_REGION_SHIFT);',
        'static_assert(SYSTEM_RUNNING == MDL_UK_SYSTEM_RUNNING);',
        'static_assert(SOFTIRQ_DISABLE_OFFSET == 0x200);',
        'MODULE_LICENSE("GPL");',
        '',
      ].join('\n'),
    );
    fs.writeFileSync(path.join(d, 'Kbuild'), `obj-m := abi.o\nccflags-y := -I${UKERNEL} -I${path.join(ROOT, 'runtime', 'c')} -DMDL_HZ=${hz} -Werror\n`);
    const out = run('make', ['-C', kernelHeaders(), `M=${d}`, 'modules']);
    expect(out).not.to.match(/warning:/i);
    expect(fs.existsSync(path.join(d, 'abi.ko'))).to.equal(true);
  });

  it("Linux 6.1's e1000_hw.c, compiled in user mode, needs only the library and e1000's other units", () => {
    run('gcc', [...WARN, '-O2', '-fno-pie', `-DMDL_HZ=${hz}`, '-c', path.join(UKERNEL, 'mdidl_ukernel.c'), '-o', libObj]);
    const { files } = preprocessDriver(DRIVERS.e1000);
    const objs = files.map((i) => {
      const o = path.join(tmp, path.basename(i, '.i') + '.o');
      // -w: the warnings are the kernel's and the driver's code, which is not ours to change.
      run('gcc', ['-std=gnu11', '-O2', '-w', '-fno-pie', '-x', 'cpp-output', '-c', i, '-o', o]);
      return o;
    });
    const hw = symbols(objs[DRIVERS.e1000.units.indexOf('e1000_hw')]!);
    const lib = symbols(libObj);
    const others = new Set(objs.filter((_, i) => DRIVERS.e1000.units[i] !== 'e1000_hw').flatMap((o) => [...symbols(o).defined]));
    const fromLib = [...hw.undefined].filter((s) => lib.defined.has(s));
    const missing = [...hw.undefined].filter((s) => !lib.defined.has(s) && !others.has(s)).sort();
    expect(missing, 'e1000_hw.c needs these kernel symbols the library lacks').to.deep.equal([]);
    // It does use the library: delays, the EEPROM mutex, the PHY spinlock, messages.
    expect(fromLib).to.include.members(['mutex_lock', '_raw_spin_lock_irqsave', 'msleep']);
    // And it links with the library plus a stand-in for e1000_main's functions, as a u-driver will.
    const rest = [...hw.undefined].filter((s) => !lib.defined.has(s)).sort();
    const standIn = path.join(tmp, 'main_stand_in.c');
    fs.writeFileSync(standIn, rest.map((s) => `void ${s}(void) {}\n`).join('') + 'int main(void) { return 0; }\n');
    run('gcc', ['-fno-pie', '-no-pie', '-o', path.join(tmp, 'hw_user'), objs[DRIVERS.e1000.units.indexOf('e1000_hw')]!, libObj, standIn, '-pthread']);
  });
});
