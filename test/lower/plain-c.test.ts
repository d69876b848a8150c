// Plain C that real drivers write and `lower` must take as it is: anonymous enums named by a typedef
// (24 of them in e1000_hw.h), ops-table members declared through a function typedef (ALSA's
// snd_kcontrol_get_t *get), and a module interface that would share a type's name.
import { expect } from 'chai';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { lowerFiles, type LowerInput } from '../../compiler/lower/index.js';

const KERNEL = path.resolve('test/lower/fixtures/lower/kernel');
const INCLUDE = path.resolve('include');

describe('lower on plain C', () => {
  let tmp: string;
  beforeEach(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mdidl-lower-c-'));
  });
  afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

  function lower(text: string, input: Partial<LowerInput> = {}): { text: string | null; messages: string[] } {
    const h = path.join(tmp, 'p.h');
    fs.writeFileSync(h, '#include <linux/types.h>\n#include <mdidl.h>\n' + text);
    const r = lowerFiles({ files: [h], includePaths: [KERNEL, INCLUDE], module: 'p', ...input });
    return { text: r.text, messages: r.diagnostics.map((d) => `${path.basename(d.loc.file)}:${d.loc.line}:${d.loc.column}: ${d.severity}: ${d.message}`) };
  }

  it('typedef enum { ... } name; is the enum name, declared once', () => {
    const r = lower('typedef enum {\n\tmode_a,\n\tmode_b = 4,\n} drv_mode;\ntypedef enum drv_speed { s10, s100 } drv_speed_t;\nstruct s { drv_mode m; drv_speed_t sp; };\nMDL_DOWNCALL void f(struct s *p);\n');
    expect(r.messages).to.deep.equal([]);
    expect(r.text).to.equal(
      [
        'module p version 1;',
        '',
        '// p.h:3',
        'enum drv_mode {',
        '    mode_a = 0,',
        '    mode_b = 4,',
        '}',
        '',
        '// p.h:7',
        'enum drv_speed {',
        '    s10 = 0,',
        '    s100 = 1,',
        '}',
        '',
        '// p.h:7',
        'typedef drv_speed drv_speed_t;',
        '',
        '// p.h:8',
        'struct s {',
        '    drv_mode m;',
        '    drv_speed_t sp;',
        '}',
        '',
        'interface p {',
        '    // p.h:9',
        '    downcall void f(s *p);',
        '}',
        '',
      ].join('\n'),
    );
  });

  it('an ops-table member declared through a function typedef crosses', () => {
    const r = lower(
      'struct ctl { u32 v; };\ntypedef int ctl_get_t(struct ctl *c, u32 *out);\ntypedef int (*ctl_put_fn)(struct ctl *c, u32 in);\n' +
        'struct ctl_ops { ctl_get_t *get MDL_UPCALL; ctl_put_fn put; };\n',
      { crossing: [{ name: 'ctl_ops.put', role: 'upcall' }] },
    );
    expect(r.messages).to.deep.equal([]);
    expect(r.text).to.contain('interface ctl_ops {\n    // p.h:6\n    upcall s32 get(ctl *c, u32 *out);\n    // p.h:6\n    upcall s32 put(ctl *c, u32 in);\n}');
  });

  it('a module interface named like a type is one clear error', () => {
    const r = lower('struct p { u32 v; };\nMDL_DOWNCALL void f(struct p *x);\n');
    expect(r.text).to.equal(null);
    expect(r.messages).to.deep.equal([
      "<command line>:1:1: error: the interface of the crossing functions would be named 'p', like struct p (p.h:3): choose another name with --interface (or --module)",
    ]);
    expect(lower('struct p { u32 v; };\nMDL_DOWNCALL void f(struct p *x);\n', { interfaceName: 'pk' }).text).to.contain('interface pk {');
  });
});
