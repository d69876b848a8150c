// lower's diagnostics on a header with many problems: every one in a single run, each at the
// field's or parameter's own line, in the annotation vocabulary the author writes (MDL_OPAQUE, or
// the sidecar line for it), with the did-you-mean the IDL checker gives.
import { expect } from 'chai';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { lowerFiles } from '../../compiler/lower/index.js';

const KERNEL = path.resolve('test/lower/fixtures/lower/kernel');
const INCLUDE = path.resolve('include');

describe('lower diagnostics', () => {
  let tmp: string;
  beforeEach(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mdidl-lower-diag-'));
  });
  afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

  function run(text: string, sidecar?: string): string[] {
    const h = path.join(tmp, 'd.h');
    fs.writeFileSync(h, text);
    const sidecars: string[] = [];
    if (sidecar !== undefined) {
      sidecars.push(path.join(tmp, 'd.mda'));
      fs.writeFileSync(sidecars[0]!, sidecar);
    }
    const r = lowerFiles({ files: [h], includePaths: [KERNEL, INCLUDE], sidecars });
    expect(r.text).to.equal(null);
    return r.diagnostics.map((d) => `${path.basename(d.loc.file)}:${d.loc.line}:${d.loc.column}: ${d.severity}: ${d.message.replace(/ \(in the IDL lowered from here: .*\)$/, '')}`);
  }

  it('reports lowering and checker problems together, each at its own line, once', () => {
    const got = run(
      [
        '#include <linux/types.h>',
        '#include <mdidl.h>',
        'struct s {',
        '\tu32 len;',
        '\tvoid *regs;',
        '\tu8 *buf MDL_COUNT(lenth);',
        '\tunion { u32 a; u8 b; } u;',
        '\tstruct s **pp;',
        '\tdouble d;',
        '\tu32 flags __attribute__((mdl_strnig));',
        '};',
        'MDL_DOWNCALL void f(struct s *p) MDL_READS(p->flgs, q->len);',
        '',
      ].join('\n'),
    );
    expect(got).to.deep.equal([
      "d.h:5:8: error: field 'regs' is a void pointer: mark it MDL_OPAQUE if the other side only passes it back, MDL_AS(T) if it points to a T, or MDL_COUNT(n) if it points to n bytes; in a sidecar: 's.regs: opaque' or 's.regs: as(T)' or 's.regs: count(n)'",
      "d.h:6:10: error: 'lenth' is neither a field nor a parameter here, nor a constant (did you mean 'len'?)",
      "d.h:7:25: error: union field 'u' needs MDL_SWITCH(field) naming its discriminant, or MDL_SKIP",
      "d.h:8:13: error: field 'pp' is a pointer to a pointer: only an MDL_OUT parameter can hand back a tracked object this way (T **); mark it MDL_OPAQUE if it is only passed back; in a sidecar: 's.pp: opaque'",
      'd.h:9:9: error: double values cannot cross (no IDL type for them)',
      "d.h:10:27: error: unknown mdidl annotation 'mdl_strnig' (did you mean 'mdl_string', MDL_STRING?)",
      // The paths' tokens come from the MDL_READS expansion, so they carry its position.
      "d.h:12:34: error: access path names 'q', which is not a parameter of 'f' (did you mean 'p'?)",
      "d.h:12:34: error: struct s has no field 'flgs' (did you mean 'flags'?)",
    ]);
  });

  it("a checker complaint about a parameter points at the parameter's own line", () => {
    expect(run('#include <linux/types.h>\n#include <mdidl.h>\nstruct s { u32 v; };\nMDL_DOWNCALL int f(struct s *p,\n\tchar *name,\n\tvoid *cookie);\n')).to.deep.equal([
      "d.h:5:8: warning: param 'name' is a char pointer without MDL_STRING or MDL_COUNT: it crosses as one character",
      "d.h:6:8: error: param 'cookie' is a void pointer: mark it MDL_OPAQUE if the other side only passes it back, MDL_AS(T) if it points to a T, or MDL_COUNT(n) if it points to n bytes; in a sidecar: 'f(cookie): opaque' or 'f(cookie): as(T)' or 'f(cookie): count(n)'",
    ]);
  });

  it("an attribute after a typedef's '*' is reported, not lost", () => {
    expect(run('#include <linux/types.h>\ntypedef char * __attribute__((nullterm)) str_t;\nstruct s { str_t n; };\n__attribute__((mdl_downcall)) void f(struct s *p);\n')).to.deep.equal([
      "d.h:2:31: error: nullterm does not apply to typedef 'str_t'; put it on the field or parameter",
      "d.h:3:18: warning: field 'n' is a char pointer without MDL_STRING or MDL_COUNT: it crosses as one character",
    ]);
  });

  it('the same problems named from a sidecar stop at the sidecar line, with its vocabulary', () => {
    const got = run(
      '#include <linux/types.h>\nstruct s { u32 len; u8 *buf; };\nvoid f(struct s *p);\n',
      's.buff: count(len)\nf: downcal\nf(q): out\n',
    );
    expect(got).to.deep.equal([
      "d.mda:2:4: error: unknown annotation 'downcal' (did you mean 'downcall'?)",
    ]);
    const after = run('#include <linux/types.h>\nstruct s { u32 len; u8 *buf; };\nvoid f(struct s *p);\n', 's.buff: count(len)\nf: downcall\nf(q): out\n');
    expect(after).to.deep.equal([
      "d.mda:1:1: error: struct s has no member 'buff' (did you mean 'buf'?)",
      "d.mda:3:1: error: function 'f' has no parameter 'q' (did you mean 'p'?)",
    ]);
  });
});
