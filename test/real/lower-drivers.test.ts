// `mdidl lower` on the paper's four drivers as Linux 6.1 ships them: each kbuild translation unit,
// with a checked-in sidecar (test/real/sidecars/<driver>.mda) naming its management entry points,
// lowers with no error, and the IDL holds the driver's private struct with real fields. Without
// linux-source-6.1 or the kernel headers the helpers throw, so these tests fail rather than skip.
import { expect } from 'chai';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { lowerFiles } from '../../compiler/lower/index.js';
import { checkSources } from '../helpers.js';
import { DRIVERS, preprocessDriver, type RealDriver } from './linux-source.js';

const SIDECARS = path.resolve('test/real/sidecars');

interface Case {
  driver: RealDriver;
  sidecar: string;
  module: string;
  /** The driver's private struct and some of its fields the IDL must carry. */
  priv: string;
  fields: string[];
  /** Interfaces the sidecar's upcalls make, with a member each. */
  upcalls: [string, string][];
  /** Lines the IDL must hold besides (kernel views the sidecar's access sets make). */
  more?: string[];
  /** Warnings the run must give (kernel-header members left behind). */
  warnings?: RegExp[];
}

const CASES: Case[] = [
  {
    driver: DRIVERS['8139too'],
    sidecar: '8139too.mda',
    module: 'rtl8139',
    priv: 'rtl8139_private',
    fields: ['[opaque] void *mmio_addr', 'u8 *rx_ring', 'ulong cur_tx', 'ulong dirty_tx', 'u32 rx_config', 'napi_struct napi'],
    upcalls: [['net_device_ops', 'ndo_open'], ['ethtool_ops', 'get_drvinfo'], ['rtl8139', 'rtl8139_tx_clear']],
    // The 6-byte address, not one byte: the built-in sidecar's net_device.dev_addr: count(addr_len).
    more: ['    u8 addr_len;', '    [count(addr_len)] const u8 *dev_addr;'],
    // ethtool get_regs passes struct ethtool_regs, whose data[] cannot cross: left behind, not fatal.
    warnings: [/ethtool\.h:\d+:\d+: struct ethtool_regs member 'data' \(a flexible array member\) cannot cross/],
  },
  {
    driver: DRIVERS.e1000,
    sidecar: 'e1000.mda',
    module: 'e1000',
    priv: 'e1000_adapter',
    fields: ['u32 rx_buffer_len', 'u16 link_speed', 'e1000_tx_ring *tx_ring', 'e1000_hw hw', 'net_device *netdev'],
    upcalls: [['net_device_ops', 'ndo_change_mtu'], ['ethtool_ops', 'get_regs'], ['e1000', 'e1000_update_stats']],
    more: ['    [count(addr_len)] const u8 *dev_addr;', '    upcall s32 e1000_read_eeprom(e1000_hw *hw, u16 reg, u16 words, [out, count(words)] u16 *data);'],
    warnings: [/ethtool\.h:\d+:\d+: struct ethtool_regs member 'data' \(a flexible array member\) cannot cross/],
  },
  {
    driver: DRIVERS.ens1371,
    sidecar: 'ens1371.mda',
    module: 'ens1371',
    priv: 'ensoniq',
    fields: ['u32 ctrl', 'u32 sctrl', 'ulong port', 'u32 rev', 'pci_dev *pci'],
    upcalls: [['snd_kcontrol_new', 'get'], ['snd_kcontrol_new', 'put'], ['ens1371', 'snd_es1371_src_read']],
  },
  {
    driver: DRIVERS.uhci,
    sidecar: 'uhci.mda',
    module: 'uhci',
    priv: 'uhci_hcd',
    fields: ['uhci_rh_state rh_state', 'ulong port_c_suspend', 's32 rh_numports', '[opaque] void *regs', 'u32 dead : 1'],
    upcalls: [['hc_driver', 'hub_control'], ['hc_driver', 'hub_status_data'], ['uhci', 'get_hub_status_data']],
  },
];

describe('mdidl lower on Linux 6.1 drivers with sidecar files', function () {
  // kbuild and tens of thousands of lines per unit on a shared machine: never a reason to fail.
  this.timeout(900_000);
  let out: string;
  before(() => {
    out = fs.mkdtempSync(path.join(os.tmpdir(), 'mdidl-lower-real-'));
  });
  after(() => fs.rmSync(out, { recursive: true, force: true }));

  for (const c of CASES) {
    it(`${c.driver.name}: lowers every unit with no error; the IDL holds struct ${c.priv} and the upcalls`, () => {
      const pp = preprocessDriver(c.driver, '-D__MDIDL__');
      try {
        const r = lowerFiles({ files: pp.files, module: c.module, sidecars: [path.join(SIDECARS, c.sidecar)] });
        const errors = r.diagnostics.filter((d) => d.severity === 'error').map((d) => `${d.loc.file}:${d.loc.line}:${d.loc.column}: ${d.message}`);
        expect(errors).to.deep.equal([]);
        const text = r.text!;
        fs.writeFileSync(path.join(out, `${c.module}.mdl`), text);
        const priv = new RegExp(`\\nstruct ${c.priv} \\{\\n([^}]*)\\}`).exec(text);
        expect(priv, `struct ${c.priv}`).to.not.equal(null);
        const fields = priv![1]!.split('\n').map((l) => l.trim().replace(/;$/, ''));
        for (const f of c.fields) expect(fields, `${c.priv}: ${f}`).to.include(f);
        for (const [iface, fn] of c.upcalls) {
          const body = new RegExp(`\\ninterface ${iface} \\{\\n([^}]*)\\}`).exec(text);
          expect(body, `interface ${iface}`).to.not.equal(null);
          expect(body![1]).to.match(new RegExp(`upcall [^\\n]* ${fn}\\(`));
        }
        for (const line of c.more ?? []) expect(text.split('\n'), line).to.include(line);
        const warnings = r.diagnostics.filter((d) => d.severity === 'warning').map((d) => `${d.loc.file}:${d.loc.line}:${d.loc.column}: ${d.message}`);
        for (const w of c.warnings ?? []) expect(warnings.some((x) => w.test(x)), `${w}\n${warnings.join('\n')}`).to.equal(true);
        // What lower wrote is what the checker accepts, on its own.
        const checked = checkSources({ [`${c.module}.mdl`]: text });
        expect(checked.diagnostics.filter((d) => d.severity === 'error')).to.deep.equal([]);
      } finally {
        fs.rmSync(pp.dir, { recursive: true, force: true });
      }
    });
  }
});
