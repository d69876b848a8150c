// The paper's four drivers from Linux 6.1 (test/real/linux-source.ts extracts and preprocesses them
// with kbuild), each split with its sidecar: the critical paths stay in the kernel, management goes
// to user mode, and a walk of the call graph proves that nothing reachable from a critical root left
// the kernel. Times are printed (never asserted: timing belongs in `npm run bench`).
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { computeReport, type Report } from '../../compiler/report/metrics.js';
import { renderMarkdown, renderText } from '../../compiler/report/render.js';
import { driverDir } from '../../compiler/split/frontend.js';
import { lowerInterface } from '../../compiler/split/idl.js';
import { splitDriver, type SplitResult } from '../../compiler/split/index.js';
import { DRIVERS, preprocessDriver, type RealDriver } from '../real/linux-source.js';

const SIDECARS = path.resolve('test/split/sidecars');

interface Expect {
  driver: RealDriver;
  kernel: string[];
  user: string[];
  nic: boolean;
}

const CASES: Record<string, Expect> = {
  '8139too': {
    driver: DRIVERS['8139too'],
    kernel: ['rtl8139_interrupt', 'rtl8139_start_xmit', 'rtl8139_poll', 'rtl8139_rx', 'rtl8139_tx_interrupt'],
    user: ['rtl8139_init_one', 'rtl8139_remove_one', 'rtl8139_open', 'rtl8139_close', 'rtl8139_get_drvinfo', 'rtl8139_set_wol', 'rtl8139_get_link_ksettings'],
    nic: true,
  },
  e1000: {
    driver: DRIVERS.e1000,
    kernel: ['e1000_intr', 'e1000_xmit_frame', 'e1000_clean', 'e1000_clean_rx_irq', 'e1000_clean_tx_irq', 'e1000_tx_map'],
    user: ['e1000_probe', 'e1000_remove', 'e1000_open', 'e1000_close', 'e1000_get_drvinfo', 'e1000_set_ringparam', 'e1000_check_options', 'e1000_init_hw'],
    nic: true,
  },
  ens1371: {
    driver: DRIVERS.ens1371,
    kernel: ['snd_audiopci_interrupt', 'snd_ensoniq_trigger', 'snd_ensoniq_playback1_pointer', 'snd_ensoniq_capture_pointer'],
    user: ['snd_audiopci_probe', 'snd_ensoniq_playback1_prepare', 'snd_es1371_spdif_put', 'snd_es1371_codec_write', 'snd_ensoniq_create'],
    nic: false,
  },
  uhci: {
    driver: DRIVERS.uhci,
    kernel: ['uhci_irq', 'uhci_urb_enqueue', 'uhci_scan_schedule', 'uhci_giveback_urb', 'uhci_hub_status_data'],
    user: ['uhci_hub_control', 'uhci_hcd_init', 'uhci_pci_init', 'uhci_start'],
    nic: false,
  },
};

/** Every function reachable (over the call graph's edges) from a critical root, with a witness path. */
function reachableFromRoots(r: SplitResult): Map<string, string[]> {
  const out = new Map<string, string[]>();
  const succ = new Map<string, string[]>();
  for (const e of r.edges) succ.set(e.from, [...(succ.get(e.from) ?? []), e.to]);
  for (const root of r.roots) {
    if (out.has(root.fn)) continue;
    out.set(root.fn, [root.fn]);
    const queue = [root.fn];
    for (let i = 0; i < queue.length; i++) {
      const cur = queue[i]!;
      for (const to of succ.get(cur) ?? []) {
        if (out.has(to)) continue;
        out.set(to, [...out.get(cur)!, to]);
        queue.push(to);
      }
    }
  }
  return out;
}

describe('split: the paper\'s four drivers (Linux 6.1)', function () {
  const results = new Map<string, SplitResult>();
  const reports: Report[] = [];
  const dirs: string[] = [];
  after(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

  for (const [name, c] of Object.entries(CASES)) {
    it(`${name}: critical paths stay in the kernel, management moves to user mode`, async () => {
      const pp = preprocessDriver(c.driver);
      dirs.push(pp.dir);
      const t = performance.now();
      const { result, diagnostics } = await splitDriver({ files: pp.files, sidecars: [path.join(SIDECARS, `${name}.mda`)], name });
      const ms = performance.now() - t;
      expect(diagnostics.filter((d) => d.severity === 'error')).to.deep.equal([]);
      const r = result!;
      results.set(name, r);
      console.log(`      ${name}: split in ${ms.toFixed(0)} ms (clang ${r.timing.clangMs}, reading ${r.timing.readMs}, analysis ${r.timing.analysisMs})`);
      const side = new Map(r.functions.map((f) => [f.fn, f.side]));
      for (const fn of c.kernel) expect(side.get(fn), fn).to.be.oneOf(['kernel', 'both']);
      for (const fn of c.user) expect(side.get(fn), fn).to.equal('user');

      // The proof: walk the call graph from every critical root; nothing reached is user-mode only.
      const reached = reachableFromRoots(r);
      const escaped = [...reached].filter(([fn]) => side.get(fn) === 'user').map(([, p]) => p.join(' -> '));
      expect(escaped, 'functions reachable from a critical root placed in user mode').to.deep.equal([]);
      // And every kernel function is there for a reason: its recorded path is real.
      const edges = new Set(r.edges.map((e) => `${e.from}>${e.to}`));
      for (const f of r.functions.filter((x) => x.side !== 'user')) {
        expect(f.path?.[0], f.fn).to.equal(f.root);
        expect(r.roots.map((x) => x.fn), f.fn).to.include(f.root);
        for (let i = 1; i < f.path!.length; i++) expect(edges.has(`${f.path![i - 1]}>${f.path![i]}`), `${f.fn}: ${f.path!.join(' -> ')}`).to.equal(true);
      }

      const rep = computeReport(r);
      reports.push(rep);
      console.log(`      ${name}: ${(rep.userShare * 100).toFixed(1)}% of the lines in user mode, annotations ${(rep.annotations.share * 100).toFixed(2)}% of ${rep.driverLines} lines`);
      expect(rep.annotations.share).to.be.at.most(0.03);
      if (c.nic) expect(rep.userShare, 'share of the NIC driver moved to user mode').to.be.at.least(0.65);
      // Access sets prune: the management calls carry less than everything their parameters reach.
      expect(rep.bytes.pruned).to.be.lessThan(rep.bytes.full);

      // The interface: lowered with the split's roles and access sets, checked, compiled to C.
      const idl = lowerInterface(r, pp.files, [path.join(SIDECARS, `${name}.mda`)], driverDir(pp.files));
      expect(idl.diagnostics.filter((d) => d.severity === 'error').map((d) => `${d.loc.file}:${d.loc.line}: ${d.message}`)).to.deep.equal([]);
      const mdl = path.join(pp.dir, `${name}.mdl`);
      fs.writeFileSync(mdl, idl.text!);
      const compiled = spawnSync(process.execPath, [path.resolve('bin/mdidl.js'), 'compile', mdl, '-t', 'c-kernel', '-t', 'c-user', '-o', path.join(pp.dir, 'gen')], { encoding: 'utf8' });
      expect(compiled.status, compiled.stderr).to.equal(0);
      const upcalls = r.crossings.filter((x) => x.role === 'upcall' && x.via.some((v) => /_(ops|driver|operations)\./.test(v))).length;
      expect(upcalls, 'ops-table upcalls').to.be.greaterThan(0);
      expect((idl.text!.match(/\bupcall /g) ?? []).length, 'upcalls in the IDL').to.be.greaterThan(0);
    });
  }

  it('report prints the table for all four', () => {
    expect(reports.map((r) => r.driver), 'every driver was split').to.deep.equal(Object.keys(CASES));
    const text = renderText(reports);
    const md = renderMarkdown(reports);
    for (const name of Object.keys(CASES)) {
      expect(text.split('\n')[0]).to.contain(name);
      expect(md.split('\n')[0]).to.contain(name);
    }
    expect(text).to.match(/lines moved to user mode/);
    console.log(text.replace(/^/gm, '      '));
  });
});
