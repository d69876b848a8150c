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

  it('takes one or two strings, and only it takes strings', () => {
    expect(diagnose('[header(net_device)] struct s {\n    u32 x;\n}\n')).to.deep.equal([
      '2:9 error: the arguments of [header] are strings ("...") [attribute-arguments]',
    ]);
    expect(diagnose('[header("a.h", "b", "c")] struct s {\n    u32 x;\n}\n')).to.deep.equal([
      '2:2 error: [header] takes one argument or 2, got 3 [attribute-arguments]',
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

  it('a second string spells a struct, union or enum its header declares without a tag; nothing else has one', () => {
    const ir = irOf(`[header("linux/types.h", "atomic_t")] struct atomic_t {
    s32 counter;
}
[header("linux/netdevice.h", "__typeof__(((struct net_device *)0)->stats)")] struct net_device_stats_anon {
    ulong rx_packets;
}
[header("linux/types.h")] struct list_head {
    list_head *next;
}
`);
    expect(ir.types.map((t) => (t.kind === 'struct' ? [t.name, t.cSpelling] : null))).to.deep.equal([
      ['atomic_t', 'atomic_t'],
      ['net_device_stats_anon', '__typeof__(((struct net_device *)0)->stats)'],
      ['list_head', null],
    ]);
    const enums = irOf(`[header("e1000_hw.h", "e1000_mac_type")] enum e1000_mac_type {
    e1000_82542_rev2_0 = 1,
}
[header("linux/ethtool.h")] enum ethtool_phys_id_state {
    ETHTOOL_ID_INACTIVE = 0,
}
`);
    expect(enums.types.map((t) => (t.kind === 'enum' ? [t.name, t.cSpelling] : null))).to.deep.equal([
      ['e1000_mac_type', 'e1000_mac_type'],
      ['ethtool_phys_id_state', null],
    ]);
    expect(diagnose('[header("linux/types.h", "word_t")] typedef u32 word;\n')).to.deep.equal([
      "2:26 error: [header]'s second argument spells a struct, union or enum without a tag; word is not one [bad-header]",
    ]);
    expect(codes('[header("linux/if.h", "enum e; int")] enum e {\n    A = 1,\n}\n')).to.deep.equal(['bad-header']);
    expect(codes('[header("linux/types.h", "struct x; int")] struct s {\n    u32 x;\n}\n')).to.deep.equal(['bad-header']);
  });

  it('is printed back as written', async () => {
    const { parseMdl } = await import('../../idl/parse.js');
    const { printDocument } = await import('../../idl/printer.js');
    const text = 'module m version 1;\n\n[header("linux/netdevice.h")] struct net_device {\n    u32 flags;\n}\n';
    expect(printDocument(parseMdl(text, 'm.mdl').document!)).to.equal(text);
  });
});
