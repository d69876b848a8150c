// The real thing: a module source that includes netdevice.h, pci.h, ethtool.h and interrupt.h,
// preprocessed by kbuild against Debian's linux-headers-amd64 (about 80,000 lines), lowered whole.
// .ci/run installs the headers; without them this test fails rather than pass by skipping.
import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { lowerFiles } from '../../compiler/lower/index.js';
import { checkSources } from '../helpers.js';

export function kernelHeaders(): string {
  const dirs = fs.existsSync('/usr/src') ? fs.readdirSync('/usr/src').filter((d) => /^linux-headers-.*-amd64$/.test(d)).sort() : [];
  const last = dirs[dirs.length - 1];
  if (!last) throw new Error('linux-headers-amd64 is not installed (apt-get install linux-headers-amd64; .ci/run does this)');
  return path.join('/usr/src', last);
}

const DRIVER = `#include <linux/module.h>
#include <linux/netdevice.h>
#include <linux/pci.h>
#include <linux/ethtool.h>
#include <linux/interrupt.h>
#include "mdidl.h"

struct mydrv_priv {
	struct net_device *dev;
	struct pci_dev *pdev MDL_OPAQUE;
	void __iomem *mmio MDL_OPAQUE;
	u32 msg_enable;
	u32 rx_count;
	u8 *rx_buf MDL_COUNT(rx_count);
	spinlock_t lock MDL_COMBOLOCK;
};

MDL_UPCALL int mydrv_open(struct net_device *dev) MDL_READS(dev->flags, dev->mtu, dev->name) MDL_WRITES(dev->flags);
MDL_UPCALL int mydrv_stop(struct net_device *dev) MDL_READS(dev->flags) MDL_WRITES(dev->flags);
MDL_UPCALL void mydrv_get_drvinfo(struct net_device *dev, struct ethtool_drvinfo *info MDL_OUT) MDL_READS(dev->name) MDL_WRITES(info->*);
MDL_UPCALL int mydrv_setup(struct mydrv_priv *priv);
MDL_CRITICAL irqreturn_t mydrv_interrupt(int irq, void *dev_id MDL_OPAQUE);
MDL_DOWNCALL int mydrv_request_irq(unsigned int irq, irq_handler_t handler, unsigned long flags, const char *name MDL_STRING, void *dev MDL_OPAQUE);
`;

describe('mdidl lower on a kbuild-preprocessed kernel translation unit', function () {
  this.timeout(120000);
  let dir: string;
  let ifile: string;

  before(() => {
    const headers = kernelHeaders();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mdidl-ktu-'));
    fs.writeFileSync(path.join(dir, 'mydrv.c'), DRIVER);
    fs.writeFileSync(path.join(dir, 'Makefile'), 'obj-m := mydrv.o\n');
    fs.copyFileSync(path.resolve('include/mdidl.h'), path.join(dir, 'mdidl.h'));
    // KCFLAGS turns the annotations on, as `mdidl lower --cpp` would.
    execFileSync('make', ['-s', '-C', headers, `M=${dir}`, 'KCFLAGS=-D__MDIDL__', 'mydrv.i'], { stdio: 'pipe' });
    ifile = path.join(dir, 'mydrv.i');
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('is a real translation unit of tens of thousands of lines', () => {
    const lines = fs.readFileSync(ifile, 'utf8').split('\n').length;
    expect(lines).to.be.greaterThan(50000);
  });

  it('lowers it whole: net_device as a view of the access-set fields, ethtool_ops, the driver types', () => {
    const r = lowerFiles({
      files: [ifile],
      module: 'mydrv',
      crossing: [
        { name: 'ethtool_ops.get_drvinfo', role: 'upcall' },
        { name: 'ethtool_ops.get_link', role: 'upcall' },
      ],
    });
    const errors = r.diagnostics.filter((d) => d.severity === 'error');
    expect(errors.map((d) => `${d.loc.file}:${d.loc.line}: ${d.message}`)).to.deep.equal([]);
    const text = r.text!;
    // Only the fields some access set names, in the kernel's order.
    expect(block(text, 'struct net_device {')).to.equal(
      'struct net_device {\n    [string] char name[16];\n    u32 flags;\n    u32 mtu;\n}',
    );
    expect(block(text, 'interface ethtool_ops {')).to.match(/upcall void get_drvinfo\(net_device \*arg0, ethtool_drvinfo \*arg1\)/);
    expect(block(text, 'interface ethtool_ops {')).to.match(/upcall u32 get_link\(net_device \*arg0\) reads\(\) writes\(\);/);
    expect(block(text, 'struct mydrv_priv {')).to.equal(
      [
        'struct mydrv_priv {',
        '    net_device *dev;',
        '    [opaque] pci_dev *pdev;',
        '    [opaque] void *mmio;',
        '    u32 msg_enable;',
        '    u32 rx_count;',
        '    [count(rx_count)] u8 *rx_buf;',
        '    [combolock] u8 lock[4];',
        '}',
      ].join('\n'),
    );
    expect(text).to.match(/\/\/ linux\/netdevice\.h:\d+\n\[header\("linux\/netdevice\.h"\)\] struct net_device \{/);
    expect(text).to.match(/\/\/ mydrv\.c:8\nstruct mydrv_priv \{/);
    expect(text).to.contain('callback irqreturn_t irq_handler_t(s32 arg0, [opaque] void *arg1);');
    // The ethtool_drvinfo the driver fills is plain data, so it is there whole.
    expect(block(text, 'struct ethtool_drvinfo {')).to.contain('[string] char driver[32];');
    // What comes out checks.
    const checked = checkSources({ 'mydrv.mdl': text });
    expect(checked.diagnostics.filter((d) => d.severity === 'error')).to.deep.equal([]);
  });
});

function block(text: string, opener: string): string {
  const start = text.indexOf(opener);
  if (start < 0) throw new Error(`no '${opener}' in:\n${text}`);
  return text.slice(start, text.indexOf('\n}', start) + 2);
}
