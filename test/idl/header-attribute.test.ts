// [header("path")]: where it may appear, what its argument may be, and what the IR records.
import { expect } from 'chai';
import { brief, checkSources, irOf } from '../helpers.js';

/** `line:col message [code]` of a program that is `module t version 1;` + body. */
function diagnose(body: string): string[] {
  return checkSources({ 't.mdl': `module t version 1;\n${body}` }).diagnostics.map((d) => `${brief(d)} [${d.code}]`);
}
const codes = (body: string): string[] => diagnose(body).map((d) => d.replace(/^.*\[([a-z-]+)\]$/, '$1'));

describe('[header("path")]', () => {
  it('is recorded on structs, unions, enums, typedefs, callbacks and interfaces, null elsewhere', () => {
    const ir = irOf(`[header("linux/netdevice.h")] struct net_device {
    u32 flags;
}
[header("linux/if.h")] enum e {
    A = 1,
}
[header("linux/types.h")] typedef u32 word;
[header("linux/interrupt.h")] callback s32 handler_t(s32 irq);
[header("drv.h")] union u switch (u32) {
    case 1: u32 a;
}
struct own {
    u32 x;
}
[header("linux/netdevice.h")] interface net_device_ops {
    upcall s32 ndo_open(net_device *dev) reads(dev.flags) writes();
}
`);
    expect(ir.interfaces.map((i) => [i.name, i.header])).to.deep.equal([['net_device_ops', 'linux/netdevice.h']]);
    expect(Object.fromEntries(ir.types.map((t) => [t.name, t.header]))).to.deep.equal({
      net_device: 'linux/netdevice.h',
      e: 'linux/if.h',
      word: 'linux/types.h',
      handler_t: 'linux/interrupt.h',
      u: 'drv.h',
      own: null,
    });
  });

  it('takes one string, and only it takes strings', () => {
    expect(diagnose('[header(net_device)] struct s {\n    u32 x;\n}\n')).to.deep.equal([
      '2:9 error: the argument of [header] is a string ("...") [attribute-arguments]',
    ]);
    expect(diagnose('[header("a.h", "b.h")] struct s {\n    u32 x;\n}\n')).to.deep.equal([
      '2:2 error: [header] takes one argument, got 2 [attribute-arguments]',
    ]);
    expect(codes('struct s {\n    u32 n;\n    [count("n")] u8 *p;\n}\n')).to.include('attribute-arguments');
    expect(codes('struct s {\n    [header("x.h")] u32 n;\n}\n')).to.deep.equal(['misplaced-attribute']);
  });

  for (const [path, why] of [
    ['', 'the header path is empty'],
    ['/usr/include/x.h', 'must be relative'],
    ['linux\\\\x.h', 'no escapes'],
    ['../x.h', "'..'"],
    ['linux//x.h', 'empty'],
    ['a b.h', 'no spaces'],
    ['linux/x.c', '.h file'],
  ] as const) {
    it(`rejects "${path}": ${why}`, () => {
      const got = diagnose(`[header("${path}")] struct s {\n    u32 x;\n}\n`);
      expect(got).to.have.length(1);
      expect(got[0]).to.contain('[bad-header]').and.to.contain(why);
      expect(got[0]).to.match(/^2:9 error: /);
    });
  }

  it('is printed back as written', async () => {
    const { parseMdl } = await import('../../idl/parse.js');
    const { printDocument } = await import('../../idl/printer.js');
    const text = 'module m version 1;\n\n[header("linux/netdevice.h")] struct net_device {\n    u32 flags;\n}\n';
    expect(printDocument(parseMdl(text, 'm.mdl').document!)).to.equal(text);
  });
});
