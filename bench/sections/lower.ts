// `lower` of a kbuild-preprocessed kernel translation unit: a module source including netdevice.h,
// pci.h, ethtool.h and interrupt.h against Debian's linux-headers-amd64 (about 80,000 lines), as
// test/lower/kernel-tu.test.ts builds it. The quick run lowers samples/nic/nic.h instead (no kbuild).
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { lowerFiles, type LowerInput } from '../../compiler/lower/index.js';
import { figure, type BenchOptions, type Figure, type Section } from '../figure.js';
import { spread } from '../stats.js';

const DRIVER = `#include <linux/module.h>
#include <linux/netdevice.h>
#include <linux/pci.h>
#include <linux/ethtool.h>
#include <linux/interrupt.h>
#include "mdidl.h"

struct mydrv_priv {
	struct net_device *dev;
	struct pci_dev *pdev MDL_OPAQUE;
	u32 msg_enable;
	u32 rx_count;
	u8 *rx_buf MDL_COUNT(rx_count);
};

MDL_UPCALL int mydrv_open(struct net_device *dev) MDL_READS(dev->flags, dev->mtu, dev->name) MDL_WRITES(dev->flags);
MDL_UPCALL void mydrv_get_drvinfo(struct net_device *dev, struct ethtool_drvinfo *info MDL_OUT) MDL_READS(dev->name) MDL_WRITES(info->*);
MDL_UPCALL int mydrv_setup(struct mydrv_priv *priv);
`;

function kernelHeaders(): string {
  const dirs = fs.existsSync('/usr/src') ? fs.readdirSync('/usr/src').filter((d) => /^linux-headers-.*-amd64$/.test(d)).sort() : [];
  const last = dirs[dirs.length - 1];
  if (!last) throw new Error('linux-headers-amd64 is not installed (apt-get install linux-headers-amd64): the lower figure needs it');
  return path.join('/usr/src', last);
}

export const lowerSection: Section = {
  name: 'lower',
  async run(o: BenchOptions): Promise<Figure[]> {
    let input: LowerInput;
    let what: string;
    if (o.quick) {
      input = { files: [path.join(o.root, 'samples/nic/nic.h')], includePaths: [path.join(o.root, 'include')], module: 'nic' };
      what = 'samples/nic/nic.h';
    } else {
      const dir = path.join(o.tmp, 'ktu');
      fs.mkdirSync(dir);
      fs.writeFileSync(path.join(dir, 'mydrv.c'), DRIVER);
      fs.writeFileSync(path.join(dir, 'Makefile'), 'obj-m := mydrv.o\n');
      fs.copyFileSync(path.join(o.root, 'include/mdidl.h'), path.join(dir, 'mdidl.h'));
      execFileSync('make', ['-s', '-C', kernelHeaders(), `M=${dir}`, 'KCFLAGS=-D__MDIDL__', 'mydrv.i'], { stdio: 'pipe' });
      const file = path.join(dir, 'mydrv.i');
      input = { files: [file], module: 'mydrv', crossing: [{ name: 'ethtool_ops.get_link', role: 'upcall' }] };
      what = `a kernel translation unit (${fs.readFileSync(file, 'utf8').split('\n').length.toLocaleString('en')} lines)`;
    }
    const runs = o.quick ? 1 : 5;
    const ms: number[] = [];
    const cpu: number[] = [];
    for (let r = 0; r < runs; r++) {
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      const res = lowerFiles(input);
      ms.push(performance.now() - t0);
      const c = process.cpuUsage(c0);
      cpu.push((c.user + c.system) / 1000);
      if (!res.text) throw new Error(`lower failed: ${res.diagnostics.map((d) => d.message).join('; ')}`);
    }
    o.log(`lower: ${cpu.map((x) => x.toFixed(0)).join(', ')} ms CPU; ${ms.map((x) => x.toFixed(0)).join(', ')} ms wall`);
    return [
      figure({
        id: 'lower.tu',
        section: 'lower',
        label: `lower ${what}, CPU time`,
        unit: 'ms',
        value: spread(cpu),
        target: o.quick ? null : { op: '<=', value: 2000 },
        limits: 'lexing and parsing every declaration of the unit (the C parser), though only what crosses is lowered',
      }),
      figure({
        id: 'lower.tu.wall',
        section: 'lower',
        label: `the same, wall time`,
        unit: 'ms',
        value: spread(ms),
        target: null,
        limits: 'the CPU time plus however long other processes held the cores',
      }),
    ];
  },
};
