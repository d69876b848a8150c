// [trailing(accessor)] through the TypeScript runtime: the area after a kernel object crosses as
// the view's pointer field, an object of its own in both object tables, so it keeps its identity
// across calls, carries only the fields the access set selects, and takes the u-driver's writes in
// place on the kernel's object.
import { expect } from 'chai';
import { buildPlan } from '../../compiler/backends/ts/plan.js';
import { tsBackend } from '../../compiler/backends/ts/index.js';
import { Codec } from '../../runtime/ts/codec.js';
import { ObjectTable } from '../../runtime/ts/object-table.js';
import { WireWriter } from '../../runtime/ts/wire-writer.js';
import { irOf } from '../helpers.js';

type Obj = Record<string, unknown>;

const IDL = `
[header("drv.h")] struct rtl8139_private {
    u32 tx_flag;
    u32 cur_rx;
    u32 opens;
    net_device *dev;
}
[header("linux/netdevice.h")] struct net_device {
    u32 flags;
    u32 mtu;
    [trailing(netdev_priv)] rtl8139_private *priv;
}
interface net_device_ops {
    upcall s32 ndo_open(net_device *dev) reads(dev.flags, dev.priv.tx_flag, dev.priv.opens, dev.priv.dev) writes(dev.priv.cur_rx, dev.priv.opens);
}
`;

describe('runtime: a kernel object\'s trailing area ([trailing])', () => {
  it('is a field of the view in the TypeScript declarations', () => {
    const files = tsBackend.generate(irOf(IDL), { sources: ['t.mdl'], version: 'test' });
    const types = files.find((f) => f.path.endsWith('.types.ts') || f.path.endsWith('types.ts'))!.content;
    expect(types).to.match(/priv: rtl8139_private \| null;/);
  });

  it('crosses with its selected fields, keeps its identity, and takes writes in place', () => {
    const plan = buildPlan(irOf(IDL), 't', 1);
    const k = new Codec(plan, new ObjectTable('kernel'));
    const u = new Codec(plan, new ObjectTable('user'));
    const w = new WireWriter(new ArrayBuffer(1 << 16));
    const iface = k.interfaceNamed('net_device_ops');
    const fn = iface.functions.find((f) => f.name === 'ndo_open')!;
    // The kernel's net_device and the area after it.
    const dev: Obj = { flags: 0x1003, mtu: 1500, priv: null };
    const priv: Obj = { tx_flag: 7, cur_rx: 0, opens: 0, dev };
    dev['priv'] = priv;
    const shadows: Obj[] = [];
    for (let call = 1; call <= 2; call++) {
      const got = u.decodeCall(k.encodeCall(w, iface, fn, [dev], call).slice());
      got.apply();
      const d = got.call.args[0] as Obj;
      const p = d['priv'] as Obj;
      expect(d['flags']).to.equal(0x1003);
      expect(d['mtu'], 'not in the reads').to.equal(undefined);
      expect(p['tx_flag']).to.equal(7);
      expect(p['opens']).to.equal(call - 1);
      if (call === 1) expect(p['cur_rx'], 'not in the reads').to.equal(undefined);
      else expect(p['cur_rx'], 'the u-driver\'s own last write, not sent again').to.equal(99);
      expect(p['dev'], 'the area points back at its owner\'s shadow').to.equal(d);
      shadows.push(d, p);
      p['cur_rx'] = 98 + call;
      p['opens'] = call;
      const r = k.decodeReply(u.encodeReply(w, iface, fn, got.call.args, 0, call).slice(), fn, call, [dev]);
      expect(r).to.deep.equal({ value: 0 });
      expect(dev['priv'], 'the kernel\'s area stays where it is').to.equal(priv);
      expect(priv).to.deep.equal({ tx_flag: 7, cur_rx: 98 + call, opens: call, dev });
    }
    expect(shadows[2], 'the same owner shadow on every call').to.equal(shadows[0]);
    expect(shadows[3], 'the same area shadow on every call').to.equal(shadows[1]);
  });
});
