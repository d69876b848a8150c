// The paper's four drivers as Linux 6.1 ships them, through the whole C path: each is lowered from
// its kbuild .i files with its sidecar (test/real/sidecars) and --own-headers, compiled to both C
// flavours, and then ONE kernel translation unit holds the kernel's headers, the driver's own
// header (where it has one) and the generated header, built with kbuild and no warnings; the user C
// builds with gcc -Werror. Without linux-source-6.1 or the kernel headers the helpers throw, so
// these tests fail rather than skip.
import { expect } from 'chai';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { lowerFiles } from '../../compiler/lower/index.js';
import { ROOT } from '../c/vectors.js';
import { DRIVERS, preprocessDriver, type RealDriver } from './linux-source.js';
import { buildInterface } from './build-interface.js';

const SIDECARS = path.join(ROOT, 'test/real/sidecars');

interface Case {
  driver: RealDriver;
  sidecar: string;
  /** The IDL module: its generated header must not share the driver header's name (e1000.h). */
  module: string;
  /** What the k-driver's translation unit includes before the generated header. */
  includes: string[];
  /** The driver's private struct, and the header that defines it (null: a .c file, none). */
  priv: string;
  privHeader: string | null;
}

const CASES: Case[] = [
  { driver: DRIVERS['8139too'], sidecar: '8139too.mda', module: 'rtl8139', includes: ['<linux/netdevice.h>'], priv: 'rtl8139_private', privHeader: null },
  { driver: DRIVERS.e1000, sidecar: 'e1000.mda', module: 'e1000_md', includes: ['<linux/netdevice.h>', '"e1000.h"'], priv: 'e1000_adapter', privHeader: 'e1000.h' },
  { driver: DRIVERS.ens1371, sidecar: 'ens1371.mda', module: 'ens1371', includes: ['<sound/core.h>'], priv: 'ensoniq', privHeader: null },
  // uhci-hcd.h is not self-contained: uhci-hcd.c includes these first.
  { driver: DRIVERS.uhci, sidecar: 'uhci.mda', module: 'uhci', includes: ['<linux/pci.h>', '<linux/io.h>', '<linux/usb.h>', '<linux/usb/hcd.h>', '"uhci-hcd.h"'], priv: 'uhci_hcd', privHeader: 'uhci-hcd.h' },
];

describe('kernel views on Linux 6.1 drivers: one k-driver translation unit with the kernel and driver headers', function () {
  // kbuild and tens of thousands of lines per unit on a shared machine: never a reason to fail.
  this.timeout(1_800_000);
  let out = '';
  before(() => {
    out = fs.mkdtempSync(path.join(os.tmpdir(), 'mdidl-kview-real-'));
  });
  after(() => {
    if (out) fs.rmSync(out, { recursive: true, force: true });
  });

  for (const c of CASES) {
    it(`${c.driver.name}: lowered, compiled, kbuild-built in one TU with ${c.includes.join(', ')} and no warnings; user C with -Werror`, () => {
      const pp = preprocessDriver(c.driver, '-D__MDIDL__');
      try {
        const r = lowerFiles({ files: pp.files, module: c.module, sidecars: [path.join(SIDECARS, c.sidecar)], ownHeaders: true });
        const errors = r.diagnostics.filter((d) => d.severity === 'error').map((d) => `${d.loc.file}:${d.loc.line}:${d.loc.column}: ${d.message}`);
        expect(errors).to.deep.equal([]);
        const idl = r.text!;
        // The private struct: from the driver's header when it has one, else defined by the generated header.
        const privLine = new RegExp(`^(\\[header\\("([^"]+)"\\)\\] )?struct ${c.priv} \\{$`, 'm').exec(idl);
        expect(privLine, `struct ${c.priv}`).to.not.equal(null);
        expect(privLine![2] ?? null).to.equal(c.privHeader);
        // Every kernel type the interface names comes from its kernel header.
        expect(idl.match(/^\[header\("(linux|asm|asm-generic|sound)\/[^"]+"\)\] (struct|union|enum|typedef|callback|interface) /gm)?.length ?? 0).to.be.greaterThan(5);

        const work = path.join(out, c.module);
        fs.mkdirSync(work);
        buildInterface({ work, module: c.module, idl, includes: c.includes, driverDir: pp.dir, cflags: c.driver.cflags, completeStruct: c.priv });
      } finally {
        fs.rmSync(pp.dir, { recursive: true, force: true });
      }
    });
  }
});
