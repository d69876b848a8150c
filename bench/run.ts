// `npm run bench`: timings that tests must not assert. Each benchmark prints the median of a few
// runs; nothing here passes or fails on time.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { lowerFiles } from '../compiler/lower/index.js';
import { frontEnd } from '../compiler/pipeline.js';

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function time(label: string, runs: number, fn: () => void): void {
  const ms: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    fn();
    ms.push(performance.now() - t0);
  }
  console.log(`${label.padEnd(60)} ${median(ms).toFixed(1).padStart(8)} ms (median of ${runs})`);
}

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mdidl-bench-'));
try {
  time('check + IR of samples/rtl8139', 5, () => {
    const r = frontEnd(['samples/rtl8139/rtl8139.mdl']);
    if (!r.ir) throw new Error('sample does not check');
  });

  // A large synthetic interface: 400 structs of 20 fields and 400 functions.
  const big = ['module big version 1;'];
  for (let i = 0; i < 400; i++) {
    big.push(`struct t${i} {`);
    for (let f = 0; f < 20; f++) big.push(`    u32 f${f};`);
    big.push(`    t${(i + 1) % 400} *next;`, '}');
  }
  big.push('interface big {');
  for (let i = 0; i < 400; i++) big.push(`    upcall s32 fn${i}(t${i} *p) reads(p.f0, p.next.f1) writes(p.f2);`);
  big.push('}');
  const bigFile = path.join(tmp, 'big.mdl');
  fs.writeFileSync(bigFile, big.join('\n') + '\n');
  time('check + IR of a 9,000-line interface', 5, () => {
    const r = frontEnd([bigFile]);
    if (!r.ir) throw new Error('big does not check');
  });

  const headers = fs.existsSync('/usr/src') ? fs.readdirSync('/usr/src').filter((d) => /^linux-headers-.*-amd64$/.test(d)).sort().pop() : undefined;
  if (headers) {
    fs.writeFileSync(
      path.join(tmp, 'drv.c'),
      '#include <linux/module.h>\n#include <linux/netdevice.h>\n#include <linux/pci.h>\n#include <linux/ethtool.h>\n#include <linux/interrupt.h>\n#include "mdidl.h"\n' +
        'MDL_UPCALL int drv_open(struct net_device *dev) MDL_READS(dev->flags, dev->mtu) MDL_WRITES(dev->flags);\n',
    );
    fs.writeFileSync(path.join(tmp, 'Makefile'), 'obj-m := drv.o\n');
    fs.copyFileSync('include/mdidl.h', path.join(tmp, 'mdidl.h'));
    execFileSync('make', ['-s', '-C', path.join('/usr/src', headers), `M=${tmp}`, 'KCFLAGS=-D__MDIDL__', 'drv.i'], { stdio: 'pipe' });
    const lines = fs.readFileSync(path.join(tmp, 'drv.i'), 'utf8').split('\n').length;
    time(`lower a kernel translation unit (${lines} lines; target < 2000 ms)`, 5, () => {
      const r = lowerFiles({ files: [path.join(tmp, 'drv.i')], module: 'drv', crossing: [{ name: 'ethtool_ops.get_link', role: 'upcall' }] });
      if (!r.text) throw new Error(r.diagnostics.map((d) => d.message).join('\n'));
    });
  } else {
    console.log('lower a kernel translation unit: skipped (linux-headers-amd64 not installed)');
  }
} finally {
  fs.rmSync(tmp, { recursive: true, force: true });
}
