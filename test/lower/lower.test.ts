// `mdidl lower` end to end on fixture headers: golden IDL for every annotation and declaration
// form, the same result through an external preprocessor, and every class of bad input reported
// at its header position. Goldens change only on purpose: UPDATE_GOLDEN=1 npm test rewrites them.
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { lowerFiles, type LowerInput } from '../../compiler/lower/index.js';
import { checkSources } from '../helpers.js';

const FIX = path.resolve('test/lower/fixtures/lower');
const KERNEL = path.join(FIX, 'kernel');
const INCLUDE = path.resolve('include');

function golden(name: string, text: string): void {
  const file = path.join(FIX, 'golden', name);
  if (process.env['UPDATE_GOLDEN']) {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, text);
  }
  expect(text).to.equal(fs.readFileSync(file, 'utf8'));
}

function lower(input: Partial<LowerInput> & { files: string[] }): { text: string | null; messages: string[] } {
  const r = lowerFiles({ includePaths: [KERNEL, INCLUDE], ...input });
  return {
    text: r.text,
    messages: r.diagnostics.map(
      (d) => `${path.isAbsolute(d.loc.file) ? path.relative(FIX, d.loc.file) : d.loc.file}:${d.loc.line}:${d.loc.column}: ${d.severity}: ${d.message}`,
    ),
  };
}

describe('mdidl lower', () => {
  let tmp: string;
  beforeEach(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mdidl-lower-'));
  });
  afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

  function header(name: string, text: string): string {
    const file = path.join(tmp, name);
    fs.writeFileSync(file, text);
    return file;
  }

  describe('fixtures with golden IDL', () => {
    it('every mdidl annotation and declaration form', () => {
      const r = lower({ files: [path.join(FIX, 'drv/mydrv.h')] });
      expect(r.messages).to.deep.equal([]);
      golden('mydrv.mdl', r.text!);
    });

    it("DriverSlicer's attributes lower as aliases", () => {
      const r = lower({ files: [path.join(FIX, 'drv/dslicer.h')] });
      expect(r.messages).to.deep.equal([]);
      golden('dslicer.mdl', r.text!);
    });

    it('ops-table members and prototypes listed on the command line', () => {
      const r = lower({
        files: [path.join(FIX, 'drv/mydrv.h')],
        module: 'listed',
        crossing: [
          { name: 'net_device_ops.ndo_open', role: 'upcall' },
          { name: 'net_device_ops.ndo_start_xmit', role: 'critical' },
          { name: 'register_netdev', role: 'downcall' },
          { name: 'free_irq', role: 'downcall' },
        ],
      });
      expect(r.messages).to.deep.equal([
        "kernel/linux/netdevice.h:26:8: warning: 'ndo_open' passes struct net_device (linux/netdevice.h) in 'dev' without MDL_READS/MDL_WRITES, so only its identity crosses; name the fields that do, e.g. MDL_READS(dev->field), or in a sidecar 'net_device_ops.ndo_open: reads(dev->field)'",
        "kernel/linux/netdevice.h:58:5: warning: 'register_netdev' passes struct net_device (linux/netdevice.h) in 'dev' without MDL_READS/MDL_WRITES, so only its identity crosses; name the fields that do, e.g. MDL_READS(dev->field), or in a sidecar 'register_netdev: reads(dev->field)'",
      ]);
      golden('listed.mdl', r.text!);
    });

    it('the output is canonical and passes the checker', () => {
      for (const name of ['mydrv.mdl', 'dslicer.mdl', 'listed.mdl']) {
        const text = fs.readFileSync(path.join(FIX, 'golden', name), 'utf8');
        const r = checkSources({ [name]: text });
        expect(r.diagnostics.filter((d) => d.severity === 'error'), name).to.deep.equal([]);
      }
    });

    it('an external preprocessor (gcc -E) gives the same IDL', () => {
      const r = lower({ files: [path.join(FIX, 'drv/mydrv.h')], cpp: 'gcc -E' });
      expect(r.messages).to.deep.equal([]);
      expect(r.text).to.equal(fs.readFileSync(path.join(FIX, 'golden/mydrv.mdl'), 'utf8'));
    });

    it('is byte-identical across runs', () => {
      const a = lower({ files: [path.join(FIX, 'drv/mydrv.h')] }).text;
      const b = lower({ files: [path.join(FIX, 'drv/mydrv.h')] }).text;
      expect(a).to.equal(b);
    });

    it('several headers form one translation unit', () => {
      const a = header('a.h', '#include <linux/types.h>\nstruct ring { u32 n; };\n');
      const b = header('b.h', '#include <linux/types.h>\n#include <mdidl.h>\nMDL_DOWNCALL void kick(struct ring *r);\n');
      const r = lower({ files: [a, b], module: 'two' });
      expect(r.messages).to.deep.equal([]);
      expect(r.text).to.equal(
        'module two version 1;\n\n// a.h:2\nstruct ring {\n    u32 n;\n}\n\ninterface two {\n    // b.h:3\n    downcall void kick(ring *r);\n}\n',
      );
    });

    it('32-bit targets evaluate sizeof with 4-byte longs', () => {
      const h = header(
        'w.h',
        '#include <mdidl.h>\nstruct w { unsigned long words[16 / sizeof(long)]; };\nMDL_DOWNCALL void f(struct w *p);\n',
      );
      expect(lower({ files: [h], abi: 'lp64', module: 'wide' }).text).to.contain('ulong words[2];');
      expect(lower({ files: [h], abi: 'ilp32', module: 'wide' }).text).to.contain('ulong words[4];');
    });

    it("a header's enums are spelled for the kernel C: by tag, by the typedef of one without a tag, else as their integer", () => {
      const h = header(
        'hw.h',
        [
          '#include <linux/types.h>',
          '#include <mdidl.h>',
          'typedef enum { hw_a, hw_b } hw_mac_type;',
          'enum hw_state { HW_OFF, HW_ON };',
          'struct hw { hw_mac_type mac; enum hw_state st; enum { HW_BIG = 0x80000000u } big; };',
          'MDL_DOWNCALL void f(struct hw *h, hw_mac_type t, enum hw_state s);',
          '',
        ].join('\n'),
      );
      const r = lower({ files: [h], module: 'hwm', ownHeaders: true });
      expect(r.messages).to.deep.equal([]);
      const attrs = [...r.text!.matchAll(/^(\[header\([^\]]*\)\] )?enum (\w+)/gm)].map((m) => `${m[1] ?? ''}${m[2]}`);
      expect(attrs).to.deep.equal(['[header("hw.h", "hw_mac_type")] hw_mac_type', '[header("hw.h")] hw_state', '[header("hw.h", "u32")] hw_big']);
      // Without --own-headers the generated C defines the driver's enums, under their IDL names.
      expect(lower({ files: [h], module: 'hwm' }).text).to.match(/^enum hw_mac_type \{$/m);
    });
  });

  describe('bad input: located diagnostics, no output', () => {
    function bad(text: string): string[] {
      const r = lower({ files: [header('bad.h', text)] });
      expect(r.text).to.equal(null);
      return r.messages.map((m) => m.replace(path.relative(FIX, tmp) + '/', ''));
    }
    const PRE = '#include <linux/types.h>\n#include <mdidl.h>\n';

    it('a missing include', () => {
      expect(bad('#include <linux/nope.h>\n')[0]).to.match(/^bad\.h:1:10: error: cannot find include file 'linux\/nope\.h'/);
    });
    it('a C syntax error', () => {
      expect(bad(PRE + 'struct s { u32 a };\nMDL_DOWNCALL void f(struct s *p);\n')[0]).to.match(/^bad\.h:3:\d+: error: /);
    });
    it('a crossing annotation on a data field', () => {
      expect(bad(PRE + 'struct s { u32 a MDL_UPCALL; };\nMDL_DOWNCALL void f(struct s *p);\n')).to.deep.equal([
        "bad.h:3:16: error: 's.a' is marked as crossing, but it is a field of type u32, not a function pointer",
      ]);
    });
    it('a data annotation on a struct definition', () => {
      expect(bad(PRE + 'struct MDL_OPAQUE s { u32 a; };\nMDL_DOWNCALL void f(struct s *p);\n')).to.deep.equal([
        'bad.h:3:8: error: MDL_OPAQUE does not apply to a struct definition; put it on a field',
      ]);
    });
    it('an access set on a function that does not cross', () => {
      expect(bad(PRE + 'struct s { u32 a; };\nint g(struct s *p) MDL_READS(p->a);\nMDL_DOWNCALL void f(struct s *p);\n')).to.deep.equal([
        "bad.h:4:20: error: MDL_READS on 'g', which does not cross: add MDL_UPCALL, MDL_DOWNCALL or MDL_CRITICAL",
      ]);
    });
    it('a direction on a field', () => {
      expect(bad(PRE + 'struct s { u32 *a MDL_OUT; };\nMDL_DOWNCALL void f(struct s *p);\n')).to.deep.equal([
        "bad.h:3:19: error: MDL_OUT does not apply to field 'a'",
      ]);
    });
    it('a count naming a field that does not exist', () => {
      const got = bad(PRE + 'struct s { u32 len; u8 *buf MDL_COUNT(lenght); };\nMDL_DOWNCALL void f(struct s *p);\n');
      expect(got).to.have.length(1);
      expect(got[0]).to.match(/^bad\.h:3:25: error: count of field 'buf' names 'lenght', which is neither a field of 's' nor a constant/);
    });
    it('an access path naming a missing field', () => {
      expect(bad(PRE + 'struct s { u32 a; };\nMDL_DOWNCALL void f(struct s *p) MDL_READS(p->b);\n')).to.deep.equal([
        // The path's tokens come from the MDL_READS expansion, so they carry its position.
        "bad.h:4:34: error: struct s has no field 'b' (did you mean 'a'?)",
      ]);
    });
    it('an unsupported construct: a floating-point field', () => {
      expect(bad(PRE + 'struct s { double d; };\nMDL_DOWNCALL void f(struct s *p);\n')).to.deep.equal([
        'bad.h:3:19: error: double values cannot cross (no IDL type for them)',
      ]);
    });
    it('an unsupported construct: a variadic crossing function', () => {
      expect(bad(PRE + 'MDL_DOWNCALL int printk(const char *fmt MDL_STRING, ...);\n')).to.deep.equal([
        "bad.h:3:18: error: 'printk' is variadic; a crossing function needs a fixed parameter list",
      ]);
    });
    it('a union member without its discriminant', () => {
      expect(bad(PRE + 'struct s { u8 k; union { u32 a; u8 b; } u; };\nMDL_DOWNCALL void f(struct s *p);\n')).to.deep.equal([
        "bad.h:3:41: error: union field 'u' needs MDL_SWITCH(field) naming its discriminant, or MDL_SKIP",
      ]);
    });
    it('nothing crosses', () => {
      expect(bad(PRE + 'struct s { u32 a; };\n')).to.deep.equal([
        '<input>:1:1: error: no function crosses: annotate some with MDL_UPCALL, MDL_DOWNCALL or MDL_CRITICAL, or list them with --upcall/--downcall/--critical',
      ]);
    });
    it('an unknown listed function', () => {
      const r = lower({ files: [header('ok.h', PRE + 'MDL_DOWNCALL void f(void);\n')], crossing: [{ name: 'nope', role: 'upcall' }] });
      expect(r.text).to.equal(null);
      expect(r.messages).to.deep.equal(['<command line>:1:1: error: --upcall nope: no function of that name is declared']);
    });
  });

  describe('CLI', () => {
    const BIN = path.resolve('bin/mdidl.js');
    it('writes the IDL with -o and exits 0; a bad header exits 1 with a located error and writes nothing', () => {
      const out = path.join(tmp, 'out.mdl');
      const ok = spawnSync(process.execPath, [BIN, 'lower', '-I', KERNEL, '-I', INCLUDE, path.join(FIX, 'drv/dslicer.h'), '-o', out], { encoding: 'utf8' });
      expect(ok.stderr).to.equal('');
      expect(ok.status).to.equal(0);
      expect(fs.readFileSync(out, 'utf8')).to.equal(fs.readFileSync(path.join(FIX, 'golden/dslicer.mdl'), 'utf8'));
      const badFile = header('bad.h', '#include <linux/types.h>\nstruct s { double d; };\n__attribute__((mdl_downcall)) void f(struct s *p);\n');
      const out2 = path.join(tmp, 'out2.mdl');
      const r = spawnSync(process.execPath, [BIN, 'lower', '-I', KERNEL, badFile, '-o', out2], { encoding: 'utf8' });
      expect(r.status).to.equal(1);
      expect(r.stderr.split('\n')[0]).to.equal(`${badFile}:2:19: error: double values cannot cross (no IDL type for them)`);
      expect(r.stderr).to.not.match(/\n\s+at /);
      expect(fs.existsSync(out2)).to.equal(false);
    });
    it('usage errors exit 2', () => {
      const r = spawnSync(process.execPath, [BIN, 'lower', '--upcall', 'a.b.c', 'x.h'], { encoding: 'utf8' });
      expect(r.status).to.equal(2);
      expect(r.stderr).to.equal('mdidl: error: --upcall a.b.c: expected FUNCTION or STRUCT.MEMBER\n');
    });
  });
});
