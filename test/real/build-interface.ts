// The check both real-driver interface tests make (test/real/kview-drivers, test/split/real-build):
// an IDL compiles, its kernel C builds as ONE kbuild translation unit with the kernel's and the
// driver's own headers (no warnings), and its user C builds with gcc -Werror.
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ROOT, RUNTIME_C } from '../c/vectors.js';
import { kernelHeaders } from './linux-source.js';

export interface InterfaceBuild {
  /** A fresh folder for the IDL, the generated code and the kbuild tree. */
  work: string;
  module: string;
  idl: string;
  /** `#include` operands for the k-driver's translation unit, before the generated header. */
  includes: string[];
  /** The driver's preprocessed folder: its own headers are included from there. */
  driverDir: string;
  cflags?: string;
  /** A struct the glue takes a pointer to and measures: the interface must make it complete. */
  completeStruct?: string;
}

export function buildInterface(b: InterfaceBuild): void {
  fs.writeFileSync(path.join(b.work, `${b.module}.mdl`), b.idl);
  // The kernel's internal headers that [header] names (asm-generic/qspinlock_types.h) are not
  // self-contained: the driver's main kernel headers go first, as the driver includes them.
  const kernelIncludes = ['linux/module.h', ...b.includes.filter((h) => h.startsWith('<')).map((h) => h.slice(1, -1))];
  fs.writeFileSync(
    path.join(b.work, 'mdidl.config.json'),
    JSON.stringify({ inputs: [`${b.module}.mdl`], targets: ['c-kernel', 'c-user'], outDir: 'gen', license: 'GPL-2.0', kernelIncludes }),
  );
  const compiled = spawnSync(process.execPath, [path.join(ROOT, 'bin/mdidl.js'), 'compile', '--config', path.join(b.work, 'mdidl.config.json')], { encoding: 'utf8' });
  expect(compiled.status, compiled.stderr).to.equal(0);
  const gen = path.join(b.work, 'gen');

  const kb = path.join(b.work, 'kb');
  fs.mkdirSync(kb);
  for (const f of fs.readdirSync(path.join(gen, 'c-kernel'))) fs.copyFileSync(path.join(gen, 'c-kernel', f), path.join(kb, f));
  fs.copyFileSync(path.join(RUNTIME_C, 'mdidl_rpc.c'), path.join(kb, 'rpc.c'));
  // Copies, not the repository, on -I.
  const rt = path.join(b.work, 'runtime-c');
  fs.cpSync(RUNTIME_C, rt, { recursive: true });
  const m = b.module;
  const param = b.completeStruct ? `, struct ${b.completeStruct} *priv` : '';
  const ret = b.completeStruct ? `${m}_kernel_open(chan, tr, 64 << 10, &impls) ?: (int)sizeof(*priv)` : `${m}_kernel_open(chan, tr, 64 << 10, &impls)`;
  fs.writeFileSync(
    path.join(kb, 'glue.c'),
    [
      '// SPDX-License-Identifier: GPL-2.0',
      '#include <linux/module.h>',
      ...b.includes.map((h) => `#include ${h}`),
      `#include "${m}.h"`,
      '',
      `static const struct ${m}_impls impls;`,
      `int ${m}_glue_open(struct mdl_chan *chan, struct mdl_transport *tr${param})`,
      '{',
      `\treturn ${ret};`,
      '}',
      `EXPORT_SYMBOL_GPL(${m}_glue_open);`,
      'MODULE_LICENSE("GPL");',
      '',
    ].join('\n'),
  );
  fs.writeFileSync(path.join(kb, 'Kbuild'), `obj-m := iface.o\niface-y := glue.o ${m}_kernel.o rpc.o\nccflags-y := -I${rt} -I${b.driverDir} ${b.cflags ?? ''} -Werror\n`);
  const make = spawnSync('make', ['-C', kernelHeaders(), `M=${kb}`, 'modules'], { encoding: 'utf8', timeout: 1_500_000 });
  const log = make.stdout + make.stderr;
  expect(make.status, log).to.equal(0);
  expect(log).not.to.match(/warning:|error:/i);
  expect(fs.existsSync(path.join(kb, 'iface.ko'))).to.equal(true);

  const user = spawnSync('gcc', ['-std=gnu11', '-Wall', '-Wextra', '-Werror', `-I${RUNTIME_C}`, `-I${path.join(gen, 'c-user')}`, '-c', path.join(gen, 'c-user', `${m}_user.c`), '-o', path.join(b.work, 'user.o')], {
    encoding: 'utf8',
  });
  expect(user.status, user.stderr).to.equal(0);
  expect(user.stderr).to.equal('');
}
