// [trailing(accessor)] in the C backends: the driver's state in the area after a kernel object
// (netdev_priv). test/c/trailing/trailing.mdl's two halves run against each other in user space
// (the kernel flavour on test/c/shim with a net_device whose area netdev_priv() finds, under
// ASan/UBSan): the area crosses as dev->priv with the selected fields, keeps its identity, takes
// the u-driver's writes in place, and the kernel refuses a reply that moves it and a net_device the
// u-driver made. Then the kernel C builds with kbuild against Linux's own struct net_device and
// netdev_priv(), with no warning.
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { cKernelBackend, cUserBackend } from '../../compiler/backends/c/index.js';
import { frontEnd } from '../../compiler/pipeline.js';
import { tempDir } from './generate.js';
import { kernelHeaders, runProgram, RUNTIME_C, sanitizerFlags, TEST_C } from './vectors.js';

const WARN = ['-std=gnu11', '-Wall', '-Wextra', '-Werror'];
const DIR = path.join(TEST_C, 'trailing');

function gcc(args: string[]): void {
  const r = spawnSync('gcc', args, { encoding: 'utf8' });
  if (r.error) throw r.error;
  if (r.status !== 0 || /warning:/.test(r.stderr)) throw new Error(`gcc ${args.join(' ')}\n${r.stderr}`);
}

/** Each side's files in a folder of its own (the two flavours of trl.h differ). */
function generate(text: string, dir: string): { k: string; u: string } {
  const idl = path.join(dir, 'trailing.mdl');
  fs.writeFileSync(idl, text);
  const fe = frontEnd([idl]);
  if (!fe.ir) throw new Error(fe.diagnostics.map((d) => d.message).join('; '));
  const ctx = { sources: ['trailing.mdl'], version: 'test' };
  const out = { k: path.join(dir, 'k'), u: path.join(dir, 'u') };
  for (const [d, backend] of [[out.k, cKernelBackend], [out.u, cUserBackend]] as const) {
    fs.mkdirSync(d);
    for (const f of backend.generate(fe.ir, ctx)) fs.writeFileSync(path.join(d, f.path), f.content);
  }
  return out;
}

describe('C backends: a kernel object\'s trailing area ([trailing])', function () {
  this.timeout(300000);
  let dir = '';
  let text = '';

  before(() => {
    dir = tempDir('mdl-c-trailing-');
    text = fs.readFileSync(path.join(DIR, 'trailing.mdl'), 'utf8');
  });

  after(() => {
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('the kernel side reaches the area through the accessor; the user side has it as a pointer field', () => {
    const g = generate(text, fs.mkdtempSync(path.join(dir, 'shape-')));
    const kc = fs.readFileSync(path.join(g.k, 'trl_kernel.c'), 'utf8');
    const uh = fs.readFileSync(path.join(g.u, 'trl.h'), 'utf8');
    expect(kc).to.contain('mdl_out_ref(m, (const void *)(uintptr_t)(netdev_priv((struct net_device *)(uintptr_t)(o))), &trl_desc_trl_priv, false)');
    expect(kc).not.to.match(/->priv\b/);
    expect(kc).to.contain('.home_only = true,');
    expect(kc.match(/\.home_only = true,/g)).to.have.length(1);
    expect(uh).to.contain('struct net_device {\n\tu32 flags;\n\tu32 mtu;\n\tstruct trl_priv *priv;\n};');
    expect(fs.readFileSync(path.join(g.u, 'trl_user.c'), 'utf8')).not.to.contain('home_only');
  });

  it('golden: the kernel side\'s object functions and descriptor of the owner (UPDATE_GOLDEN=1 rewrites on purpose)', () => {
    const g = generate(text, fs.mkdtempSync(path.join(dir, 'golden-')));
    const kc = fs.readFileSync(path.join(g.k, 'trl_kernel.c'), 'utf8');
    // From the owner's encoder to the end of its descriptor: every place the kernel C touches the area.
    const start = kc.indexOf('static int trl_obj_put_net_device(');
    const end = kc.indexOf('};\n', kc.indexOf('static const struct mdl_type_desc trl_desc_net_device = {'));
    expect(start).to.be.greaterThan(0);
    expect(end).to.be.greaterThan(start);
    const block = kc.slice(start, end + 3);
    const file = path.join(DIR, 'net_device.kernel.golden.c');
    if (process.env['UPDATE_GOLDEN']) fs.writeFileSync(file, block);
    expect(block).to.equal(fs.readFileSync(file, 'utf8'), 'test/c/trailing/net_device.kernel.golden.c (UPDATE_GOLDEN=1 to rewrite on purpose)');
  });

  it('round trip: the area crosses with identity, takes writes in place, and the peer can neither move it nor make an owner', () => {
    const g = generate(text, fs.mkdtempSync(path.join(dir, 'rt-')));
    const san = sanitizerFlags();
    const user = path.join(dir, 'user_side');
    const kernel = path.join(dir, 'kernel_side');
    gcc([...WARN, ...san.flags, `-I${RUNTIME_C}`, `-I${g.u}`, path.join(DIR, 'user_side.c'), path.join(g.u, 'trl_user.c'), path.join(RUNTIME_C, 'mdidl_rpc.c'), '-o', user, '-lpthread']);
    gcc([
      ...WARN,
      ...san.flags,
      '-D__KERNEL__',
      `-I${path.join(TEST_C, 'shim')}`,
      `-I${RUNTIME_C}`,
      `-I${DIR}`,
      `-I${g.k}`,
      path.join(DIR, 'kernel_side.c'),
      path.join(g.k, 'trl_kernel.c'),
      path.join(RUNTIME_C, 'mdidl_rpc.c'),
      '-o',
      kernel,
      '-lpthread',
    ]);
    const run = runProgram(kernel, [user], 60000);
    const output = run.stdout + run.stderr;
    expect(output).to.match(/^user: \d+ checks, 0 failures$/m);
    expect(output).to.match(/^kernel: \d+ checks, 0 failures$/m);
    expect(run.status, output).to.equal(0);
    expect(output).not.to.match(/FAIL/);
  });

  it('the kernel C builds with kbuild against Linux\'s struct net_device and netdev_priv(), with no warning', () => {
    const headers = kernelHeaders();
    expect(headers, 'no /usr/src/linux-headers-*-amd64: scripts/install-system-deps.sh installs linux-headers-amd64').to.not.equal(null);
    // The same interface, the net_device the kernel's and the private struct the driver's header's.
    const kernelText = text
      .replace('[header("kdefs.h")] struct net_device', '[header("linux/netdevice.h")] struct net_device')
      .replace('[header("kdefs.h")] struct trl_priv', '[header("trl_drv.h")] struct trl_priv');
    expect(kernelText).not.to.contain('kdefs.h');
    const g = generate(kernelText, fs.mkdtempSync(path.join(dir, 'kb-')));
    const kb = path.join(dir, 'kbuild');
    fs.mkdirSync(kb);
    fs.copyFileSync(path.join(g.k, 'trl.h'), path.join(kb, 'trl.h'));
    fs.copyFileSync(path.join(g.k, 'trl_kernel.c'), path.join(kb, 'trl_kernel.c'));
    fs.copyFileSync(path.join(RUNTIME_C, 'mdidl_rpc.c'), path.join(kb, 'rpc.c'));
    fs.writeFileSync(
      path.join(kb, 'trl_drv.h'),
      '#ifndef TRL_DRV_H\n#define TRL_DRV_H\n#include <linux/netdevice.h>\nstruct trl_priv {\n\tstruct net_device *dev;\n\tspinlock_t lock;\n\tu32 opens;\n\tu32 cur_rx;\n\tu32 tx_flag;\n};\n#endif\n',
    );
    // The k-driver's use: the stubs take the kernel's net_device, whose area is the driver's.
    fs.writeFileSync(
      path.join(kb, 'main.c'),
      [
        '// SPDX-License-Identifier: GPL-2.0',
        '#include <linux/module.h>',
        '#include <linux/netdevice.h>',
        '#include "trl_drv.h"',
        '#include "trl.h"',
        'int trl_glue_open(struct net_device *dev);',
        'int trl_glue_open(struct net_device *dev)',
        '{',
        '\tstruct trl_priv *tp = netdev_priv(dev);',
        '',
        '\ttp->dev = dev;',
        '\treturn trl_ops_trl_open(dev);',
        '}',
        'EXPORT_SYMBOL_GPL(trl_glue_open);',
        'MODULE_LICENSE("GPL");',
        '',
      ].join('\n'),
    );
    const rt = path.join(dir, 'runtime-c');
    fs.cpSync(RUNTIME_C, rt, { recursive: true });
    fs.writeFileSync(path.join(kb, 'Kbuild'), `obj-m := trl.o\ntrl-y := main.o trl_kernel.o rpc.o\nccflags-y := -I${rt} -I${kb} -Werror\n`);
    const make = spawnSync('make', ['-C', headers!, `M=${kb}`, 'modules'], { encoding: 'utf8', timeout: 280000 });
    const out = make.stdout + make.stderr;
    expect(make.status, out).to.equal(0);
    expect(out).not.to.match(/warning:/);
    expect(fs.existsSync(path.join(kb, 'trl.ko')), out).to.equal(true);
    expect(fs.readFileSync(path.join(kb, 'trl_kernel.c'), 'utf8')).to.contain('netdev_priv((struct net_device *)(uintptr_t)(obj))');
  });
});

