// The split's interface of the paper's four drivers builds: `split` then `lowerInterface` (what
// `mdidl split --idl` writes), compiled to both C flavours; the kernel C is built with kbuild in ONE
// translation unit with the kernel's and the driver's own headers (no warnings), the user C with
// gcc -Werror. Without linux-source-6.1, the kernel headers or gcc the helpers throw: a failure.
import { expect } from 'chai';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { driverDir } from '../../compiler/split/frontend.js';
import { lowerInterface } from '../../compiler/split/idl.js';
import { splitDriver } from '../../compiler/split/index.js';
import { ROOT } from '../c/vectors.js';
import { DRIVERS, preprocessDriver, type RealDriver } from '../real/linux-source.js';
import { buildInterface } from '../real/build-interface.js';

const SIDECARS = path.join(ROOT, 'test/split/sidecars');

interface Case {
  name: string;
  driver: RealDriver;
  /** What the k-driver's translation unit includes before the generated header. */
  includes: string[];
  /** The driver's private struct, which the interface must reach. */
  priv: string;
  /** The area after a kernel object that holds it, as the net_device view says it ([trailing]). */
  trailing?: string;
  /** IDL lines the interface must have: what once kept the C from building, or kept a function out. */
  idl: RegExp[];
}

const CASES: Case[] = [
  { name: '8139too', driver: DRIVERS['8139too'], includes: ['<linux/netdevice.h>'], priv: 'rtl8139_private', trailing: '[trailing(netdev_priv)] rtl8139_private *priv;', idl: [] },
  { name: 'e1000', driver: DRIVERS.e1000, includes: ['<linux/netdevice.h>', '"e1000.h"'], priv: 'e1000_adapter', trailing: '[trailing(netdev_priv)] e1000_adapter *priv;',
    // A kernel enum in an ops member (the stub must have the kernel's function type), and the
    // driver's enums without a tag, spelled by their typedef.
    idl: [/^\s+upcall s32 set_phys_id\(net_device \*\w+, ethtool_phys_id_state \w+\)/m, /^\[header\("linux\/ethtool\.h"\)\] enum ethtool_phys_id_state \{$/m, /^\[header\("e1000_hw\.h", "e1000_mac_type"\)\] enum e1000_mac_type \{$/m],
  },
  { name: 'ens1371', driver: DRIVERS.ens1371, includes: ['<sound/core.h>'], priv: 'ensoniq',
    // A kernel service named like the struct it makes: its wire-id macro is not the type's.
    idl: [/^\s+downcall s32 snd_ac97_bus\(snd_card \*card, /m, /^\[header\("sound\/ac97_codec\.h"\)\] struct snd_ac97_bus \{$/m],
  },
  // uhci-hcd.h is not self-contained: uhci-hcd.c includes these first.
  { name: 'uhci', driver: DRIVERS.uhci, includes: ['<linux/pci.h>', '<linux/io.h>', '<linux/usb.h>', '<linux/usb/hcd.h>', '"uhci-hcd.h"'], priv: 'uhci_hcd', idl: [] },
];

describe('split --idl on Linux 6.1 drivers: the interface\'s C builds (kbuild, gcc -Werror)', function () {
  this.timeout(1_800_000);
  let out = '';
  before(() => {
    out = fs.mkdtempSync(path.join(os.tmpdir(), 'mdidl-split-build-'));
  });
  after(() => {
    if (out) fs.rmSync(out, { recursive: true, force: true });
  });

  for (const c of CASES) {
    it(`${c.name}: every unit's interface lowers and compiles; builds with kbuild (no warnings) and gcc -Werror`, async () => {
      const pp = preprocessDriver(c.driver);
      try {
        const sidecars = [path.join(SIDECARS, `${c.name}.mda`)];
        const { result, diagnostics } = await splitDriver({ files: pp.files, sidecars, name: c.name });
        expect(diagnostics.filter((d) => d.severity === 'error').map((d) => d.message)).to.deep.equal([]);
        const idl = lowerInterface(result!, pp.files, sidecars, driverDir(pp.files));
        const errors = idl.diagnostics.filter((d) => d.severity === 'error').map((d) => `${d.loc.file}:${d.loc.line}:${d.loc.column}: ${d.message}`);
        expect(errors).to.deep.equal([]);
        // Warnings name what only rides along (a kernel service passed by identity, a member left out).
        console.log(`      ${c.name}: ${idl.diagnostics.length} warnings from lower`);
        const text = idl.text!;
        const module = /^module (\w+)/m.exec(text)![1]!;
        // Upcalls of every unit's tables, the k-driver downcalls, and the private area all cross.
        expect(text).to.match(/\bupcall\b/);

        for (const re of c.idl) expect(text).to.match(re);

        const work = path.join(out, c.name);
        fs.mkdirSync(work);
        buildInterface({ work, module, idl: text, includes: c.includes, driverDir: pp.dir, cflags: c.driver.cflags });
        // The private area crosses where the IDL can say it.
        expect(text).to.match(new RegExp(`^(\\[header\\("[^"]+"\\)\\] )?struct ${c.priv} \\{$`, 'm'));
        if (c.trailing) {
          // netdev_priv's area: a field of the net_device view, and the upcalls' paths go through it.
          const view = /^\[header\("linux\/netdevice\.h"\)\] struct net_device \{\n([^}]*)\}$/m.exec(text);
          expect(view?.[1]).to.contain(`    ${c.trailing}\n`);
          expect(text).to.match(/upcall s32 ndo_open\(net_device \*dev\) reads\([^)]*\bdev\.priv\.\w+/);
        }
      } finally {
        fs.rmSync(pp.dir, { recursive: true, force: true });
      }
    });
  }
});
