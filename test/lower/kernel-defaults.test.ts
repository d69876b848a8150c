// Kernel headers nobody can annotate: what cannot cross in a kernel struct that only rides along is
// left out of the view with a warning naming it (never stopping the run); named explicitly by an
// access path it is an error; kernel T ** fields are handles.
import { expect } from 'chai';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { lowerFiles } from '../../compiler/lower/index.js';

const INCLUDE = path.resolve('include');
const KERNEL = path.resolve('test/lower/fixtures/lower/kernel');

describe('lower: kernel-header defaults', () => {
  let tmp: string;
  let kinc: string;
  beforeEach(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mdidl-lower-kdef-'));
    kinc = path.join(tmp, 'kinc');
    fs.mkdirSync(path.join(kinc, 'linux'), { recursive: true });
    fs.writeFileSync(
      path.join(kinc, 'linux', 'kregs.h'),
      [
        '#include <linux/types.h>',
        'struct kregs {',
        '\tu32 version;',
        '\tu32 len;',
        '\tdouble scale;',
        '\tunion { u32 a; u8 b; } u;',
        '\tstruct kregs **pprev;',
        '\tu8 data[];',
        '};',
        '',
      ].join('\n'),
    );
  });
  afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

  function lower(decl: string, sidecar?: string): { text: string | null; messages: string[] } {
    const drv = path.join(tmp, 'drv');
    fs.mkdirSync(drv, { recursive: true });
    const h = path.join(drv, 'd.h');
    fs.writeFileSync(h, `#include <linux/kregs.h>\n#include <mdidl.h>\n${decl}\n`);
    const sidecars: string[] = [];
    if (sidecar) {
      sidecars.push(path.join(drv, 'd.mda'));
      fs.writeFileSync(sidecars[0]!, sidecar);
    }
    const r = lowerFiles({ files: [h], includePaths: [kinc, KERNEL, INCLUDE], module: 'd', sidecars });
    return { text: r.text, messages: r.diagnostics.map((d) => `${path.relative(tmp, d.loc.file)}:${d.loc.line}:${d.loc.column}: ${d.severity}: ${d.message}`) };
  }

  it('members that cannot cross ride along as warnings, the rest of the view stays', () => {
    const r = lower('MDL_UPCALL void get_regs(struct kregs *regs) MDL_READS(regs->*);');
    expect(r.messages).to.deep.equal([
      "kinc/linux/kregs.h:5:9: warning: struct kregs member 'scale' (double) cannot cross; it is left out of the view (say so with 'kregs.scale: skip' in a sidecar)",
      "kinc/linux/kregs.h:6:25: warning: struct kregs member 'u' (a union without a discriminant) cannot cross; it is left out of the view (say so with 'kregs.u: skip' in a sidecar)",
      "kinc/linux/kregs.h:8:5: warning: struct kregs member 'data' (a flexible array member) cannot cross; it is left out of the view (say so with 'kregs.data: skip' in a sidecar)",
    ]);
    expect(r.text).to.contain('struct kregs {\n    u32 version;\n    u32 len;\n    [opaque] kregs **pprev;\n}');
  });

  it('a sidecar skip says so, and the warning goes', () => {
    const r = lower('MDL_UPCALL void get_regs(struct kregs *regs) MDL_READS(regs->*);', 'kregs.data: skip\nkregs.scale: skip\nkregs.u: skip\n');
    expect(r.messages).to.deep.equal([]);
    // A skipped kernel union keeps its size, as any skipped kernel-typed member does.
    expect(r.text).to.contain('struct kregs {\n    u32 version;\n    u32 len;\n    [skip] u8 u[4];\n    [opaque] kregs **pprev;\n}');
  });

  it('named by an access path, a member that cannot cross is an error', () => {
    const r = lower('MDL_UPCALL void get_regs(struct kregs *regs) MDL_READS(regs->data);');
    expect(r.text).to.equal(null);
    expect(r.messages).to.deep.equal(['kinc/linux/kregs.h:8:5: error: a flexible array member cannot cross: give it a size or mark it MDL_SKIP']);
  });
});
