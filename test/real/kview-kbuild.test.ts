// Views of kernel structs in the C backends (issue #10): a driver header that uses net_device,
// pci_dev, list_head and ethtool_drvinfo, preprocessed by kbuild against Debian's headers, lowered
// with --own-headers, compiled to both C flavours; then ONE kernel translation unit includes
// <linux/netdevice.h>, the driver's own header and the generated header, and the module builds with
// kbuild and no warning. Without [header] the same translation unit does not compile (redefinition
// of the kernel's structs): the control case at the end shows what the attribute fixes.
// .ci/run installs the headers; without them this test fails rather than skip.
import { expect } from 'chai';
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { lowerFiles } from '../../compiler/lower/index.js';
import { ROOT, RUNTIME_C } from '../c/vectors.js';
import { kernelHeaders } from './linux-source.js';

const DRIVER_H = `/* The driver's own header: its private state and the functions that cross. */
#ifndef MYDRV_H
#define MYDRV_H
#include <linux/netdevice.h>
#include <linux/pci.h>
#include <linux/ethtool.h>
#include <linux/list.h>
#include "mdidl.h"

struct mydrv_ring {
	struct list_head node;
	u32 size;
	u32 head;
};

struct mydrv_priv {
	struct net_device *dev;
	struct pci_dev *pdev;
	u32 msg_enable;
	u32 rx_count;
	u8 *rx_buf MDL_COUNT(rx_count);
	struct list_head rings;
	spinlock_t lock MDL_COMBOLOCK;
};

MDL_UPCALL int mydrv_open(struct net_device *dev) MDL_READS(dev->name, dev->flags, dev->mtu, dev->dev_addr) MDL_WRITES(dev->flags, dev->mtu);
MDL_UPCALL void mydrv_get_drvinfo(struct net_device *dev, struct ethtool_drvinfo *info MDL_OUT) MDL_READS(dev->name) MDL_WRITES(info->*);
MDL_UPCALL int mydrv_probe(struct mydrv_priv *priv) MDL_READS(priv->dev, priv->pdev->vendor, priv->pdev->device, priv->msg_enable, priv->rings.next) MDL_WRITES(priv->msg_enable);
MDL_UPCALL int mydrv_add_ring(struct mydrv_priv *priv, struct mydrv_ring *ring) MDL_READS(ring->*) MDL_WRITES(ring->head);
MDL_DOWNCALL int mydrv_set_mtu(struct net_device *dev, u32 mtu) MDL_READS(dev->mtu) MDL_WRITES(dev->mtu);
#endif
`;

const DRIVER_C = `// SPDX-License-Identifier: GPL-2.0
#include <linux/module.h>
#include "mydrv.h"
MODULE_LICENSE("GPL");
`;

/** The k-driver's side in one translation unit: kernel headers, the driver's header, the generated one. */
const GLUE_C = `// SPDX-License-Identifier: GPL-2.0
#include <linux/module.h>
#include <linux/netdevice.h>
#include "mydrv.h"
#include "mydrv_md.h"

static struct mdl_chan chan;

static s32 set_mtu(struct net_device *dev, u32 mtu)
{
	dev->mtu = mtu;
	return 0;
}

static const struct mydrv_md ops = { .mydrv_set_mtu = set_mtu };
static const struct mydrv_md_impls impls = { .mydrv_md = &ops };

int mydrv_glue_open(struct net_device *dev, struct mydrv_priv *priv, struct ethtool_drvinfo *info,
		    struct mdl_transport *tr)
{
	int err = mydrv_md_kernel_open(&chan, tr, 64 << 10, &impls);

	if (err)
		return err;
	err = mydrv_md_mydrv_probe(priv) ?: mydrv_md_mydrv_open(dev);
	mydrv_md_mydrv_get_drvinfo(dev, info);
	list_add(&priv->rings, &priv->rings);
	/* The generated stub tables are the kernel's own ops structs, ready to install. */
	dev->ethtool_ops = &mydrv_md_kernel_ethtool_ops_stubs;
	dev->netdev_ops = &mydrv_md_kernel_net_device_ops_stubs;
	return err ?: (int)(dev->mtu + dev->dev_addr[0]);
}
EXPORT_SYMBOL_GPL(mydrv_glue_open);
MODULE_LICENSE("GPL");
`;

describe('kernel views: generated kernel C beside the kernel headers and the driver header', function () {
  this.timeout(300000);
  let dir = '';
  let idl = '';

  before(() => {
    const headers = kernelHeaders();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mdidl-kview-'));
    const drv = path.join(dir, 'drv');
    fs.mkdirSync(drv);
    fs.writeFileSync(path.join(drv, 'mydrv.h'), DRIVER_H);
    fs.writeFileSync(path.join(drv, 'mydrv.c'), DRIVER_C);
    fs.writeFileSync(path.join(drv, 'Makefile'), 'obj-m := mydrv.o\n');
    fs.copyFileSync(path.join(ROOT, 'include/mdidl.h'), path.join(drv, 'mdidl.h'));
    execFileSync('make', ['-s', '-C', headers, `M=${drv}`, 'KCFLAGS=-D__MDIDL__', 'mydrv.i'], { stdio: 'pipe' });
    const r = lowerFiles({
      files: [path.join(drv, 'mydrv.i')],
      module: 'mydrv_md',
      ownHeaders: true,
      // Two ops tables of the kernel's: their stub tables must be the kernel's own structs.
      crossing: [
        { name: 'ethtool_ops.get_drvinfo', role: 'upcall' },
        { name: 'net_device_ops.ndo_change_mtu', role: 'upcall' },
      ],
    });
    expect(r.diagnostics.filter((d) => d.severity === 'error').map((d) => `${d.loc.file}:${d.loc.line}: ${d.message}`)).to.deep.equal([]);
    // 6.1's dev_addr is `const unsigned char *`, counted by addr_len: lower's built-in sidecar of
    // Linux conventions says so, and the count drags addr_len into the view.
    idl = r.text!;
    expect(idl).to.contain('    u8 addr_len;\n    [count(addr_len)] const u8 *dev_addr;\n');
    fs.writeFileSync(path.join(dir, 'mydrv_md.mdl'), idl);
  });

  after(() => {
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('lower marks every type and kernel ops table with the header that defines it', () => {
    expect(idl).to.match(/^\[header\("linux\/ethtool\.h"\)\] interface ethtool_ops \{$/m);
    expect(idl).to.match(/^\[header\("linux\/netdevice\.h"\)\] interface net_device_ops \{$/m);
    expect(idl).to.match(/^interface mydrv_md \{$/m);
    const headerOf = Object.fromEntries([...idl.matchAll(/^\[header\("([^"]+)"\)\] struct (\w+) \{/gm)].map((m) => [m[2]!, m[1]!]));
    expect(headerOf).to.deep.equal({
      mydrv_ring: 'mydrv.h',
      mydrv_priv: 'mydrv.h',
      net_device: 'linux/netdevice.h',
      pci_dev: 'linux/pci.h',
      list_head: 'linux/types.h',
      // Declared in uapi/linux/ethtool.h, which linux/ethtool.h wraps.
      ethtool_drvinfo: 'linux/ethtool.h',
    });
  });

  /** Compiles the IDL text with a config naming kernelIncludes; returns the output folder. */
  function compile(name: string, text: string): string {
    const out = path.join(dir, name);
    fs.mkdirSync(out);
    fs.writeFileSync(path.join(out, 'mydrv_md.mdl'), text);
    fs.writeFileSync(
      path.join(out, 'mdidl.config.json'),
      JSON.stringify({ inputs: ['mydrv_md.mdl'], targets: ['c-kernel', 'c-user'], outDir: 'gen', kernelIncludes: ['linux/module.h'], license: 'GPL-2.0' }),
    );
    const r = spawnSync(process.execPath, [path.join(ROOT, 'bin/mdidl.js'), 'compile', '--config', path.join(out, 'mdidl.config.json')], { encoding: 'utf8' });
    expect(r.status, r.stderr).to.equal(0);
    return path.join(out, 'gen');
  }

  /** Builds the glue, the generated kernel C and the runtime as one module; returns make's output. */
  function kbuild(gen: string, name: string): { status: number | null; out: string; ko: string } {
    const kb = path.join(dir, `kb-${name}`);
    fs.mkdirSync(kb);
    for (const f of fs.readdirSync(path.join(gen, 'c-kernel'))) fs.copyFileSync(path.join(gen, 'c-kernel', f), path.join(kb, f));
    fs.copyFileSync(path.join(RUNTIME_C, 'mdidl_rpc.c'), path.join(kb, 'rpc.c'));
    fs.writeFileSync(path.join(kb, 'glue.c'), GLUE_C);
    // Copies of the runtime and the driver folder on -I: kbuild splits flags on spaces.
    const rt = path.join(dir, 'runtime-c');
    if (!fs.existsSync(rt)) fs.cpSync(RUNTIME_C, rt, { recursive: true });
    fs.writeFileSync(path.join(kb, 'Kbuild'), `obj-m := kview.o\nkview-y := glue.o mydrv_md_kernel.o rpc.o\nccflags-y := -I${rt} -I${path.join(dir, 'drv')} -Werror\n`);
    const make = spawnSync('make', ['-C', kernelHeaders(), `M=${kb}`, 'modules'], { encoding: 'utf8', timeout: 280000 });
    return { status: make.status, out: make.stdout + make.stderr, ko: path.join(kb, 'kview.ko') };
  }

  it('the kernel header includes the kernel headers and the driver header and defines none of their types; the user header defines the views', () => {
    const gen = compile('with', idl);
    const kh = fs.readFileSync(path.join(gen, 'c-kernel', 'mydrv_md.h'), 'utf8');
    const uh = fs.readFileSync(path.join(gen, 'c-user', 'mydrv_md.h'), 'utf8');
    expect(kh.split('\n').filter((l) => l.startsWith('#include'))).to.deep.equal([
      '#include <linux/module.h>',
      '#include <linux/ethtool.h>',
      '#include <linux/netdevice.h>',
      '#include <linux/pci.h>',
      '#include <linux/types.h>',
      '#include "mydrv.h"',
      '#include "mdidl_rpc.h"',
      '#include "mdidl_combolock.h"',
    ]);
    expect(kh).not.to.match(/^struct (net_device|pci_dev|list_head|ethtool_drvinfo|mydrv_priv|mydrv_ring|ethtool_ops|net_device_ops) \{/m);
    expect(kh).to.match(/^struct mydrv_md \{$/m);
    expect(uh).to.match(/^struct net_device_ops \{$/m);
    expect(kh).not.to.contain('_Static_assert');
    expect(kh.split('\n')[0]).to.equal('/* SPDX-License-Identifier: GPL-2.0 */');
    // The u-driver has no kernel headers: it keeps the view's own fields.
    expect(uh).to.contain(['struct net_device {', '\tchar name[16];', '\tu32 flags;', '\tu32 mtu;', '\tu8 addr_len;', '\tconst u8 *dev_addr;', '};'].join('\n'));
    expect(uh).not.to.contain('#include <linux/');
    const kc = fs.readFileSync(path.join(gen, 'c-kernel', 'mydrv_md_kernel.c'), 'utf8');
    // The peer may not replace a pointer the kernel declares const.
    expect(kc).to.contain('"net_device.dev_addr is const in the kernel\'s definition: only the k-driver sets it"');
    expect(kc).to.contain('st->mtu = (__typeof__(st->mtu))t;');
  });

  it('one kernel translation unit with <linux/netdevice.h>, mydrv.h and the generated header builds with kbuild, no warnings', () => {
    const b = kbuild(path.join(dir, 'with', 'gen'), 'with');
    expect(b.status, b.out).to.equal(0);
    expect(b.out).not.to.match(/warning:|error:/i);
    expect(fs.existsSync(b.ko)).to.equal(true);
  });

  it('the user C builds with gcc -Werror', () => {
    const gen = path.join(dir, 'with', 'gen', 'c-user');
    const r = spawnSync('gcc', ['-std=gnu11', '-Wall', '-Wextra', '-Werror', `-I${RUNTIME_C}`, `-I${gen}`, '-c', path.join(gen, 'mydrv_md_user.c'), '-o', path.join(dir, 'user.o')], {
      encoding: 'utf8',
    });
    expect(r.status, r.stderr).to.equal(0);
    expect(r.stderr).to.equal('');
  });

  it('control: without [header] the same translation unit redefines the kernel structs and does not build', () => {
    const gen = compile('without', idl.replace(/^\[header\("[^"]+"\)\] /gm, ''));
    const b = kbuild(gen, 'without');
    expect(b.status).to.not.equal(0);
    expect(b.out).to.match(/redefinition of .struct net_device./);
    expect(b.out).to.match(/redefinition of .struct mydrv_priv./);
  });
});
