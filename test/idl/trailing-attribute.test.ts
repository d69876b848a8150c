// [trailing(accessor)]: the area a kernel object carries after itself. Where it may appear, what
// the checker refuses (bad-trailing and the conflicts), what the IR records, how access paths go
// through it, what `mdidl fmt` prints and what `mdidl diff` says when it changes.
import { expect } from 'chai';
import { validateIr } from '../../compiler/ir/ir-schema.js';
import { compareIr } from '../../compiler/diff/index.js';
import { printDocument } from '../../idl/printer.js';
import { parseMdl } from '../../idl/parse.js';
import { brief, checkSources, irOf } from '../helpers.js';

const PRIV = `[header("drv.h")] struct rtl8139_private {
    u32 tx_flag;
    u32 cur_rx;
    net_device *dev;
}
`;

const GOOD = `${PRIV}
[header("linux/netdevice.h")] struct net_device {
    u32 flags;
    [trailing(netdev_priv)] rtl8139_private *priv;
}

interface net_device_ops {
    upcall s32 ndo_open(net_device *dev) reads(dev.flags, dev.priv.tx_flag) writes(dev.priv.cur_rx);
}
`;

/** `line:col message [code]` of a program that is `module t version 1;` + body. */
function diagnose(body: string): string[] {
  return checkSources({ 't.mdl': `module t version 1;\n${body}` }).diagnostics.map((d) => `${brief(d)} [${d.code}]`);
}

/** Errors of the program PRIV + a net_device whose body is `fields` (+ extra). */
function errorsOf(fields: string, extra = '', attrs = '[header("linux/netdevice.h")] '): string[] {
  return diagnose(`${PRIV}${attrs}struct net_device {\n    u32 flags;\n${fields}\n}\n${extra}`).filter((d) => !d.includes(' warning: '));
}

describe('[trailing(accessor)]', () => {
  it('checks on a field of a [header] struct, a pointer to a defined struct', () => {
    expect(diagnose(GOOD)).to.deep.equal([]);
  });

  it('the IR records the accessor on the field, which crosses as a tracked pointer; paths go through it', () => {
    const ir = irOf(GOOD);
    expect(validateIr(JSON.parse(JSON.stringify(ir)))).to.deep.equal([]);
    const nd = ir.types.find((t) => t.name === 'net_device');
    if (nd?.kind !== 'struct') throw new Error('no struct net_device');
    expect(nd.fields.map((f) => [f.name, f.marshal.mode, f.marshal.trailing])).to.deep.equal([
      ['flags', 'value', null],
      ['priv', 'tracked', 'netdev_priv'],
    ]);
    // The u-driver's layout: the area is a pointer field of the view.
    expect(nd.fields[1]!.offset).to.equal(8);
    expect(nd.size).to.equal(16);
    const open = ir.interfaces[0]!.functions[0]!;
    expect(open.reads[0]!.select.fields.map((f) => [f.name, f.select?.fields.map((g) => g.name)])).to.deep.equal([
      ['flags', undefined],
      ['priv', ['tx_flag']],
    ]);
    expect(open.writes[0]!.select.fields.map((f) => [f.name, f.through, f.select?.fields.map((g) => g.name)])).to.deep.equal([['priv', true, ['cur_rx']]]);
  });

  it('is printed back as written', () => {
    const text = `module t version 1;\n\n${GOOD}`;
    const doc = parseMdl(text, 't.mdl');
    expect(printDocument(doc.document!)).to.equal(text);
  });

  it('refuses a struct the IDL defines (no [header]): only the kernel\'s own object has an area after it', () => {
    expect(errorsOf('    [trailing(netdev_priv)] rtl8139_private *priv;', '', '')).to.deep.equal([
      `9:6 error: [trailing] names an area the kernel's own definition of a struct has after it; 'net_device' is defined by the IDL, so add [header("...")] or make 'net_device.priv' a pointer field [bad-trailing]`,
    ]);
  });

  it('refuses a second trailing area in one struct', () => {
    expect(errorsOf('    [trailing(netdev_priv)] rtl8139_private *priv;\n    [trailing(other_priv)] rtl8139_private *priv2;')).to.deep.equal([
      `10:6 error: struct 'net_device' has one trailing area; 'net_device.priv2' is a second [bad-trailing]`,
    ]);
  });

  it('refuses a type that is not a pointer to a defined struct', () => {
    const bad = (decl: string): string[] => errorsOf(`    [trailing(netdev_priv)] ${decl};`, 'struct fwd;\nunion u switch (u32) {\n    case 1: u32 a;\n}\n');
    expect(bad('rtl8139_private priv')).to.deep.equal([
      `9:29 error: 'net_device.priv' is the area's address, a pointer to the defined struct the accessor returns (as in 'T *priv'), but it has type struct rtl8139_private [bad-trailing]`,
    ]);
    expect(bad('u32 priv')).to.have.length(1);
    expect(bad('[opaque] fwd *priv')[0]).to.contain('[conflicting-attributes]');
    expect(bad('fwd *priv').map((d) => d.replace(/^.*\[/, '['))).to.include('[bad-trailing]');
    expect(bad('u *priv').map((d) => d.replace(/^.*\[/, '['))).to.include('[bad-trailing]');
    expect(bad('rtl8139_private *priv[2]').map((d) => d.replace(/^.*\[/, '['))).to.include('[bad-trailing]');
    expect(bad('net_device *priv')).to.deep.equal([`9:29 error: the area after 'net_device' cannot be another 'net_device' [bad-trailing]`]);
  });

  it('refuses a reserved accessor name', () => {
    expect(errorsOf('    [trailing(mdl_priv)] rtl8139_private *priv;')).to.deep.equal([
      `9:15 error: [trailing(mdl_priv)] names the C function or macro that finds the area; 'mdl_priv' is reserved [bad-trailing]`,
    ]);
    expect(errorsOf('    [trailing(volatile)] rtl8139_private *priv;')).to.have.length(1);
  });

  it('refuses an accessor that is not a name, and a place other than a struct field', () => {
    expect(errorsOf('    [trailing("netdev_priv")] rtl8139_private *priv;')).to.deep.equal([
      '9:15 error: the arguments of [trailing] are names, not expressions [attribute-arguments]',
    ]);
    expect(errorsOf('    [trailing] rtl8139_private *priv;')).to.deep.equal(['9:6 error: [trailing] takes one argument, got 0 [attribute-arguments]']);
    const nd = 'struct net_device {\n    u32 flags;\n}\n';
    expect(diagnose(`${PRIV}${nd}interface k {\n    downcall void f([trailing(netdev_priv)] rtl8139_private *p);\n}\n`)).to.deep.equal([
      '11:22 error: [trailing] does not apply to a parameter; it goes on a field [misplaced-attribute]',
    ]);
    expect(diagnose(`${PRIV}${nd}union u switch (u32) {\n    case 1: [trailing(netdev_priv)] rtl8139_private *p;\n}\n`)).to.deep.equal([
      `11:14 error: [trailing] names an area after a kernel struct; union 'u' has none [bad-trailing]`,
    ]);
  });

  it('refuses the owner by value anywhere: a copy has nothing after it', () => {
    const fields = '    [trailing(netdev_priv)] rtl8139_private *priv;';
    expect(errorsOf(fields, 'struct holder {\n    net_device nd[2];\n}\ninterface k {\n    downcall void f(net_device d);\n    downcall net_device g();\n}\n')).to.deep.equal([
      `12:16 error: struct 'net_device' carries a trailing area ('priv'), so only a pointer to it can cross; field 'nd' holds one by value [bad-trailing]`,
      `15:32 error: struct 'net_device' carries a trailing area ('priv'), so only a pointer to it can cross; param 'd' holds one by value [bad-trailing]`,
      `16:14 error: struct 'net_device' carries a trailing area ('priv'), so only a pointer to it can cross; the return value of 'g' holds one by value [bad-trailing]`,
    ]);
  });

  it('conflicts with the attributes that say the pointer crosses otherwise', () => {
    for (const other of ['opaque', 'count(1)', 'string', 'interior', 'container(rtl8139_private, dev)', 'skip', 'combolock', 'recursive']) {
      const codes = errorsOf(`    [trailing(netdev_priv), ${other}] rtl8139_private *priv;`).map((d) => d.replace(/^.*\[([a-z-]+)\]$/, '$1'));
      expect(codes, other).to.include('conflicting-attributes');
    }
    expect(errorsOf('    [trailing(netdev_priv), as(rtl8139_private)] void *priv;').map((d) => d.replace(/^.*\[([a-z-]+)\]$/, '$1'))).to.include('conflicting-attributes');
    expect(errorsOf('    [trailing(netdev_priv), ref] rtl8139_private *priv;')).to.deep.equal([]);
  });

  it('mdidl diff names a change of accessor, and does not call it wire-breaking', () => {
    const old = checkSources({ 't.mdl': `module t version 1;\n${GOOD}` }).ir!;
    const neu = checkSources({ 't.mdl': `module t version 1;\n${GOOD.replace('trailing(netdev_priv)', 'trailing(other_priv)')}` }).ir!;
    const changes = compareIr(old, neu);
    expect(changes.map((c) => c.message).join('\n')).to.contain('[trailing] netdev_priv -> other_priv');
    expect(changes.map((c) => c.class)).not.to.include('wire-breaking');
    expect(changes.length).to.be.greaterThan(0);
  });
});
