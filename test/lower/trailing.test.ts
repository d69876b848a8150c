// A sidecar's `owner.member: trailing(accessor, T)`: the area after a kernel object (netdev_priv),
// which no C member holds. lower declares the member, follows access paths through it into the
// driver's struct, and writes `[trailing(accessor)] T *member;` into the kernel struct's view.
import { expect } from 'chai';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { lowerFiles } from '../../compiler/lower/index.js';
import { checkSources } from '../helpers.js';
import { ROOT } from '../c/vectors.js';

const NETDEVICE_H = `#ifndef NETDEV_H
#define NETDEV_H
struct net_device {
	char name[16];
	unsigned int flags;
	unsigned int mtu;
	unsigned long state;
};
void *netdev_priv(const struct net_device *dev);
#endif
`;

const DRV_H = `#include <linux/netdevice.h>
#include "mdidl.h"
struct drv_priv {
	struct net_device *dev;
	unsigned int tx_flag;
	unsigned int cur_rx;
};
MDL_UPCALL int drv_open(struct net_device *dev) MDL_READS(dev->flags, dev->priv->tx_flag, dev->priv->dev) MDL_WRITES(dev->priv->cur_rx);
`;

describe('lower: a sidecar\'s trailing(accessor, T)', () => {
  let dir = '';
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mdidl-lower-trailing-'));
    fs.mkdirSync(path.join(dir, 'kinc/linux'), { recursive: true });
    fs.mkdirSync(path.join(dir, 'drv'));
    fs.writeFileSync(path.join(dir, 'kinc/linux/netdevice.h'), NETDEVICE_H);
    fs.writeFileSync(path.join(dir, 'drv/drv.h'), DRV_H);
    fs.copyFileSync(path.join(ROOT, 'include/mdidl.h'), path.join(dir, 'drv/mdidl.h'));
  });
  after(() => {
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  function lower(...sidecars: string[]): { text: string | null; errors: string[] } {
    const at = fs.mkdtempSync(path.join(dir, 'sc-'));
    const files = sidecars.map((s, i) => {
      const f = path.join(at, `s${i}.mda`);
      fs.writeFileSync(f, s);
      return f;
    });
    const r = lowerFiles({ files: [path.join(dir, 'drv/drv.h')], includePaths: [path.join(dir, 'kinc')], ownHeaders: true, sidecars: files });
    const errors = r.diagnostics.filter((d) => d.severity === 'error').map((d) => `${path.basename(d.loc.file)}:${d.loc.line}:${d.loc.column}: ${d.message}`);
    return { text: r.text, errors };
  }

  it('writes the area into the kernel struct\'s view and the driver\'s struct whole; the IDL checks', () => {
    const r = lower('net_device.priv: trailing(netdev_priv, drv_priv)   # alloc_etherdev puts it after the object\n');
    expect(r.errors).to.deep.equal([]);
    expect(r.text).to.equal(`module drv version 1;

// drv.h:3
[header("drv.h")] struct drv_priv {
    net_device *dev;
    u32 tx_flag;
    u32 cur_rx;
}

// linux/netdevice.h:3
[header("linux/netdevice.h")] struct net_device {
    u32 flags;
    [trailing(netdev_priv)] drv_priv *priv;
}

interface drv {
    // drv.h:8
    upcall s32 drv_open(net_device *dev) reads(dev.flags, dev.priv.tx_flag, dev.priv.dev) writes(dev.priv.cur_rx);
}
`);
    expect(checkSources({ 'drv.mdl': r.text! }).diagnostics).to.deep.equal([]);
  });

  it('without the entry, the path through the area is an error at the path', () => {
    const r = lower('# nothing\ndrv_open: upcall\n');
    expect(r.errors).to.deep.equal([`drv.h:8:49: struct net_device has no field 'priv'`, `drv.h:8:107: struct net_device has no field 'priv'`]);
  });

  it('the same entry in two sidecars is said once; two accessors conflict', () => {
    const same = lower('net_device.priv: trailing(netdev_priv, drv_priv)\n', 'net_device.priv: trailing(netdev_priv, drv_priv)\n');
    expect(same.errors).to.deep.equal([]);
    expect(same.text).to.contain('    [trailing(netdev_priv)] drv_priv *priv;\n');
    const other = lower('net_device.priv: trailing(netdev_priv, drv_priv)\n', 'net_device.priv: trailing(other_priv, drv_priv)\n');
    expect(other.errors).to.have.length(1);
    expect(other.errors[0]).to.match(/^s1\.mda:1:18: trailing conflicts with trailing already given at /);
  });

  it('refuses a member C declares, an unknown struct or owner, and a target that is no member', () => {
    const r = lower(
      'net_device.flags: trailing(netdev_priv, drv_priv)\nnet_device.xpriv: trailing(netdev_priv, nope)\nnope.priv: trailing(a, drv_priv)\ndrv_open: trailing(a, drv_priv)\n',
    );
    expect(r.text).to.equal(null);
    expect(r.errors).to.deep.equal([
      "s0.mda:1:1: struct net_device has a member 'flags' in C; trailing(...) declares the area after the object, which no member holds (a void * member that points to a T is as(T))",
      "s0.mda:2:1: trailing(netdev_priv, nope): no struct 'nope' is declared",
      "s0.mda:3:1: no struct or union 'nope' is declared",
      's0.mda:4:1: trailing names a member (owner.member: trailing(accessor, T)), not a function, parameter or return value',
    ]);
    expect(lower('net_device.priv: trailing(netdev_priv)\n').errors).to.deep.equal(["s0.mda:1:18: 'trailing' takes 2 arguments, got 1"]);
    expect(lower('net_device.priv: trailing(netdev_priv, struct drv_priv)\n').errors).to.deep.equal(["s0.mda:1:40: 'trailing' expects a field name here, got 'struct drv_priv'"]);
  });
});
