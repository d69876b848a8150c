// A written field of an embedded struct, beside the kernel's const pointers (issue #16: e1000's
// probe sets pdev->dev.driver_data, and the reply carried the embedded device whole, kobject.name
// included, which the kernel refused). test/c/embed/embed.mdl's two C halves run against each
// other in user space (the kernel flavour on test/c/shim, under ASan/UBSan): the reply of a
// function that writes pdev.dev.driver_data carries that field and NULL for the pointers of the
// device it does not merge, so the kernel applies it; the kernel keeps its own names; a downcall
// that reads pdev.dev.id is served; a lying u-driver that sends a new kobject.name is refused, and
// so is a reply that writes the device whole. Then the kernel C builds with kbuild against Linux's
// own struct pci_dev, device and kobject, with no warning.
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { cKernelBackend, cUserBackend } from '../../compiler/backends/c/index.js';
import { frontEnd } from '../../compiler/pipeline.js';
import { tempDir } from './generate.js';
import { kernelHeaders, runProgram, RUNTIME_C, sanitizerFlags, TEST_C } from './vectors.js';

const WARN = ['-std=gnu11', '-Wall', '-Wextra', '-Werror'];
const DIR = path.join(TEST_C, 'embed');

function gcc(args: string[]): void {
  const r = spawnSync('gcc', args, { encoding: 'utf8' });
  if (r.error) throw r.error;
  if (r.status !== 0 || /warning:/.test(r.stderr)) throw new Error(`gcc ${args.join(' ')}\n${r.stderr}`);
}

/** One side's files of the IDL text in dir. */
function generate(text: string, dir: string, side: 'kernel' | 'user'): string {
  fs.mkdirSync(dir, { recursive: true });
  const idl = path.join(dir, 'embed.mdl');
  fs.writeFileSync(idl, text);
  const fe = frontEnd([idl]);
  if (!fe.ir) throw new Error(fe.diagnostics.map((d) => d.message).join('; '));
  const out = path.join(dir, side);
  fs.mkdirSync(out);
  for (const f of (side === 'kernel' ? cKernelBackend : cUserBackend).generate(fe.ir, { sources: ['embed.mdl'], version: 'test' })) fs.writeFileSync(path.join(out, f.path), f.content);
  return out;
}

/** The C function `name` of a generated source, from its signature to its closing brace. */
function cFunction(source: string, name: string): string {
  // The definition, not the prototype: no `;` between its name and its body.
  const m = new RegExp(`\\n[^\\n]*\\b${name}\\([^;{]*\\)\\n\\{[^]*?\\n\\}`).exec(source);
  if (!m) throw new Error(`no function ${name}`);
  return m[0];
}

/** The u-driver of the lying peer: lie's reply written as if it wrote the device whole. */
function liar(text: string): string {
  const honest = 'upcall s32 lie(pci_dev *pdev) reads(pdev.dev.kobj.name) writes(pdev.dev.id);';
  expect(text).to.contain(honest);
  return text.replace(honest, 'upcall s32 lie(pci_dev *pdev) reads(pdev.dev.kobj.name) writes(pdev.dev);');
}

describe('C backends: a written field of an embedded struct beside the kernel\'s const pointers', function () {
  this.timeout(300000);
  let dir = '';
  let text = '';

  before(() => {
    dir = tempDir('mdl-c-embed-');
    text = fs.readFileSync(path.join(DIR, 'embed.mdl'), 'utf8');
  });

  after(() => {
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('the reply of a function that writes pdev.dev.driver_data encodes it, and NULL for the device\'s pointers it does not merge', () => {
    const u = fs.readFileSync(path.join(generate(text, fs.mkdtempSync(path.join(dir, 'shape-')), 'user'), 'emb_user.c'), 'utf8');
    const put = cFunction(u, 'emb_ops_probe_reply_put_pci_dev');
    expect(put).to.contain('mdl_out_ref(m, (const void *)(uintptr_t)(o->dev.driver_data), &emb_desc_drv_state, false)');
    expect(put).to.contain('mdl_put_u32(&m->w, (u32)(o->dev.id))');
    // kobj.name, kobj.parent and init_name go as NULL: the kernel merges none of them.
    expect(put).not.to.match(/o->dev\.kobj|o->dev\.init_name/);
    expect(put.match(/mdl_put_str\(&m->w, NULL, MDL_STRING_MAX_DEFAULT\)/g)).to.have.length(2);
    expect(put).to.contain('mdl_out_ref(m, (const void *)(uintptr_t)(NULL), &emb_desc_kobject, false)');
    expect(cFunction(u, 'emb_ops_probe_reply_sel0')).to.contain('mdl_out_put_with(m, ix, emb_ops_probe_reply_put_pci_dev);');
    // The device written whole goes with the type's own put.
    expect(u).not.to.contain('emb_ops_take_whole_reply_put_pci_dev');
    // The user side refuses no const field: the values arriving are the k-driver's.
    expect(u).not.to.contain('mdl_in_unmerged');
    expect(u).not.to.contain('is const in the kernel');
  });

  it('the kernel accepts a const field the merge leaves out only as NULL, and refuses any other', () => {
    const k = fs.readFileSync(path.join(generate(text, fs.mkdtempSync(path.join(dir, 'kshape-')), 'kernel'), 'emb_kernel.c'), 'utf8');
    const table = /static const u32 emb_ops_probe_writes_unmerged_pci_dev\[\] = \{\n([^}]*)\};/.exec(k);
    expect(table, 'the probe reply\'s unmerged const fields').to.not.equal(null);
    expect(table![1]).to.equal('\toffsetof(struct pci_dev, dev.kobj.name),\n\toffsetof(struct pci_dev, dev.init_name),\n');
    expect(k).to.contain('emb_ops_probe_writes_merge_pci_dev, emb_ops_probe_writes_unmerged_pci_dev, 2 },');
    // Written whole, the device has no unmerged fields: its const pointers are refused outright.
    expect(k).to.match(/\{ EMB_ID_PCI_DEV, \{ 0x2ULL, 0x0ULL, 0x0ULL, 0x0ULL \}, NULL, NULL, 0 \},/);
    const get = cFunction(k, 'emb_get_kobject');
    expect(get).to.contain('if (!mdl_in_unmerged(m, &o->name))\n\t\treturn mdl_in_fail(m, r, "kobject.name is const in the kernel\'s definition: only the k-driver sets it");');
    expect(get).to.contain('if (o->name)\n\t\treturn mdl_in_fail(m, r, "kobject.name is const in the kernel\'s definition: only the k-driver sets it");');
  });

  it('round trip: the reply applies the write, the kernel keeps its names, and a lying u-driver is refused', () => {
    const k = generate(text, path.join(dir, 'rt'), 'kernel');
    const u = generate(liar(text), path.join(dir, 'rt-liar'), 'user');
    const san = sanitizerFlags();
    const user = path.join(dir, 'user_side');
    const kernel = path.join(dir, 'kernel_side');
    gcc([...WARN, ...san.flags, `-I${RUNTIME_C}`, `-I${u}`, path.join(DIR, 'user_side.c'), path.join(u, 'emb_user.c'), path.join(RUNTIME_C, 'mdidl_rpc.c'), '-o', user, '-lpthread']);
    gcc([
      ...WARN,
      ...san.flags,
      '-D__KERNEL__',
      `-I${path.join(TEST_C, 'shim')}`,
      `-I${RUNTIME_C}`,
      `-I${DIR}`,
      `-I${k}`,
      path.join(DIR, 'kernel_side.c'),
      path.join(k, 'emb_kernel.c'),
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
    // Both refusals say why: the liar's new name, and the whole device's name (not NULL either).
    expect(output.match(/is refused: kobject\.name is const in the kernel's definition: only the k-driver sets it/g), output).to.have.length(2);
  });

  it('the kernel C builds with kbuild against Linux\'s struct pci_dev, device and kobject, with no warning', () => {
    const headers = kernelHeaders();
    expect(headers, 'no /usr/src/linux-headers-*-amd64: scripts/install-system-deps.sh installs linux-headers-amd64').to.not.equal(null);
    const kernelText = text
      .replace('[header("kdefs.h")] struct kobject', '[header("linux/kobject.h")] struct kobject')
      .replace('[header("kdefs.h")] struct device', '[header("linux/device.h")] struct device')
      .replace('[header("kdefs.h")] struct pci_dev', '[header("linux/pci.h")] struct pci_dev');
    expect(kernelText).not.to.contain('[header("kdefs.h")]');
    const g = generate(kernelText, path.join(dir, 'kb-gen'), 'kernel');
    const kb = path.join(dir, 'kbuild');
    fs.mkdirSync(kb);
    fs.copyFileSync(path.join(g, 'emb.h'), path.join(kb, 'emb.h'));
    fs.copyFileSync(path.join(g, 'emb_kernel.c'), path.join(kb, 'emb_kernel.c'));
    fs.copyFileSync(path.join(RUNTIME_C, 'mdidl_rpc.c'), path.join(kb, 'rpc.c'));
    fs.writeFileSync(
      path.join(kb, 'main.c'),
      [
        '// SPDX-License-Identifier: GPL-2.0',
        '#include <linux/module.h>',
        '#include <linux/pci.h>',
        '#include "emb.h"',
        'int emb_glue_probe(struct pci_dev *pdev);',
        'int emb_glue_probe(struct pci_dev *pdev)',
        '{',
        '\treturn emb_ops_probe(pdev);',
        '}',
        'EXPORT_SYMBOL_GPL(emb_glue_probe);',
        'MODULE_LICENSE("GPL");',
        '',
      ].join('\n'),
    );
    const rt = path.join(dir, 'runtime-c');
    fs.cpSync(RUNTIME_C, rt, { recursive: true });
    fs.writeFileSync(path.join(kb, 'Kbuild'), `obj-m := emb.o\nemb-y := main.o emb_kernel.o rpc.o\nccflags-y := -I${rt} -I${kb} -Werror\n`);
    const make = spawnSync('make', ['-C', headers!, `M=${kb}`, 'modules'], { encoding: 'utf8', timeout: 280000 });
    const out = make.stdout + make.stderr;
    expect(make.status, out).to.equal(0);
    expect(out).not.to.match(/warning:/);
    expect(fs.existsSync(path.join(kb, 'emb.ko')), out).to.equal(true);
    expect(fs.readFileSync(path.join(kb, 'emb_kernel.c'), 'utf8')).to.contain('offsetof(struct pci_dev, dev.kobj.name),');
  });
});
