// The four samples' checked-in kernel stubs build as kernel modules with kbuild against Debian's
// headers (installed by .ci/run), without a warning.
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { readManifest } from '../../samples/common/manifest.js';
import { kernelHeaders, RUNTIME_C } from '../c/vectors.js';

const SAMPLES = ['rtl8139', 'e1000', 'ens1371', 'uhci'];

describe('samples: the kernel stubs build with kbuild', function () {
  this.timeout(300_000);

  it('each sample\'s c-kernel output is a kernel module that builds without warnings', () => {
    const headers = kernelHeaders();
    expect(headers, 'no /usr/src/linux-headers-*-amd64: .ci/run installs linux-headers-amd64').to.not.equal(null);
    const kb = fs.mkdtempSync(path.join(os.tmpdir(), 'mdl-samples-kbuild-'));
    try {
      for (const name of SAMPLES) {
        const dir = path.resolve('samples', name);
        const m = readManifest(dir);
        const gen = path.join(dir, 'generated', 'c-kernel');
        const d = path.join(kb, name);
        fs.mkdirSync(d);
        for (const f of fs.readdirSync(gen)) fs.copyFileSync(path.join(gen, f), path.join(d, f));
        fs.copyFileSync(path.join(RUNTIME_C, 'mdidl_rpc.c'), path.join(d, 'rpc.c'));
        fs.writeFileSync(path.join(d, 'main.c'), '// SPDX-License-Identifier: GPL-2.0\n#include <linux/module.h>\nMODULE_LICENSE("GPL");\n');
        fs.writeFileSync(path.join(d, 'Kbuild'), `obj-m := mdlsample_${name}.o\nmdlsample_${name}-y := main.o ${m.lower.module}_kernel.o rpc.o\nccflags-y := -I${RUNTIME_C} -Werror\n`);
      }
      fs.writeFileSync(path.join(kb, 'Kbuild'), `obj-m := ${SAMPLES.map((s) => `${s}/`).join(' ')}\n`);
      const make = spawnSync('make', ['-C', headers!, `M=${kb}`, '-j2', 'modules'], { encoding: 'utf8', timeout: 280_000 });
      if (make.error) throw new Error(`make could not run: ${make.error.message}`);
      const out = make.stdout + make.stderr;
      expect(make.status, out).to.equal(0);
      expect(out).not.to.match(/warning:/i);
      for (const name of SAMPLES) expect(fs.existsSync(path.join(kb, name, `mdlsample_${name}.ko`)), name).to.equal(true);
    } finally {
      fs.rmSync(kb, { recursive: true, force: true });
    }
  });
});
