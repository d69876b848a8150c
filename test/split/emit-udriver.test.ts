// `split --emit`'s u-driver half (compiler/split/emit-udriver.ts), on Linux 6.1's e1000 taken from
// Debian's linux-source at test time: the rewrite in reverse (user-side functions verbatim on their
// lines, downcall bodies, placeholders, kernel-side code removed), byte-stable output, located
// errors, and the build: kbuild preprocesses, gcc compiles in user mode with -Wall -Wextra -Werror
// on everything generated, and the static program links with no undefined symbol and, started
// without the k-driver's device, says so.
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { GeneratedFile } from '../../compiler/backends/types.js';
import { emitUdriver } from '../../compiler/split/emit-udriver.js';
import { driverDir } from '../../compiler/split/frontend.js';
import { lowerInterface } from '../../compiler/split/idl.js';
import { splitDriver, type SplitResult } from '../../compiler/split/index.js';
import { ROOT } from '../c/vectors.js';
import { kernelHeadersDir } from '../qemu/vm.js';
import { DRIVERS, preprocessDriver } from '../real/linux-source.js';
import { FIXTURES, preprocessFixture, removeFixtureDirs } from './util.js';

const BIN = path.join(ROOT, 'bin', 'mdidl.js');

function write(dir: string, files: GeneratedFile[]): void {
  for (const f of files) {
    fs.mkdirSync(path.dirname(path.join(dir, f.path)), { recursive: true });
    fs.writeFileSync(path.join(dir, f.path), f.content);
  }
}

function make(dir: string, targets: string[]): { status: number | null; log: string } {
  const r = spawnSync('make', ['-C', dir, `KDIR=${kernelHeadersDir()}`, ...targets], { encoding: 'utf8', timeout: 1_500_000, maxBuffer: 64 << 20 });
  if (r.error) throw new Error(`make: ${r.error.message} (install make, gcc and the kernel headers; .ci/run does)`);
  return { status: r.status, log: r.stdout + r.stderr };
}

describe('split --emit on Linux 6.1 e1000: the u-driver', function () {
  this.timeout(1_800_000);
  let pp: { dir: string; files: string[] };
  let work = '';
  let result: SplitResult;
  let idl = '';
  let files: GeneratedFile[] = [];
  const version = '0.0.0-test';

  before(async () => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'mdidl-udriver-'));
    pp = preprocessDriver(DRIVERS.e1000);
    const sidecars = [path.join(ROOT, 'test/split/sidecars/e1000.mda')];
    const split = await splitDriver({ files: pp.files, sidecars, name: 'e1000' });
    expect(split.diagnostics.filter((d) => d.severity === 'error')).to.deep.equal([]);
    result = split.result!;
    const lowered = lowerInterface(result, pp.files, sidecars, driverDir(pp.files));
    expect(lowered.diagnostics.filter((d) => d.severity === 'error').map((d) => d.message)).to.deep.equal([]);
    idl = lowered.text!;
    const out = emitUdriver({ result, files: pp.files, idl, version });
    expect(out.diagnostics.map((d) => `${d.loc.file}:${d.loc.line}: ${d.message}`)).to.deep.equal([]);
    files = out.files!;
    write(work, files);
  });
  after(() => {
    if (work) fs.rmSync(work, { recursive: true, force: true });
    if (pp) fs.rmSync(pp.dir, { recursive: true, force: true });
  });

  const file = (p: string): string => {
    const f = files.find((x) => x.path === `udriver/${p}`);
    if (!f) throw new Error(`no udriver/${p} among ${files.map((x) => x.path).join(', ')}`);
    return f.content;
  };
  const dir = (): string => path.join(work, 'udriver');

  it('writes the units, the headers, the user stubs, the shims, the channel, a main, the runtime, ukernel and a Makefile', () => {
    const paths = files.map((f) => f.path);
    for (const p of ['e1000_main.c', 'e1000_hw.c', 'e1000_ethtool.c', 'e1000_param.c', 'e1000.h', 'e1000_hw.h', 'e1000_osdep.h', 'e1000_idl.h', 'e1000_idl_user.c', 'e1000_udriver_services.c', 'e1000_udriver_chan.c', 'e1000_udriver_main.c', 'mdidl_rpc.c', 'mdidl_fd.h', 'mdidl_ukernel.c', 'mdidl_ukernel.h', 'Kbuild', 'Makefile']) {
      expect(paths).to.include(`udriver/${p}`);
    }
    expect(paths.every((p) => p.startsWith('udriver/'))).to.equal(true);
    expect(file('Kbuild')).to.match(/^e1000_udriver-y := e1000_ethtool\.o e1000_hw\.o e1000_main\.o e1000_param\.o e1000_idl_user\.o mdidl_rpc\.o e1000_udriver_services\.o e1000_udriver_chan\.o$/m);
  });

  it('is byte-stable and names no folder of this machine', () => {
    const again = emitUdriver({ result, files: pp.files, idl, version }).files!;
    expect(again.map((f) => f.path)).to.deep.equal(files.map((f) => f.path));
    for (let i = 0; i < files.length; i++) expect(again[i]!.content === files[i]!.content, files[i]!.path).to.equal(true);
    for (const f of files) {
      expect(f.content.includes(pp.dir), f.path).to.equal(false);
      expect(f.content.includes(os.tmpdir() + path.sep), f.path).to.equal(false);
    }
  });

  it('keeps user-side functions verbatim, on their own lines, and every line of the units where it was', () => {
    const initExit = new Set(result.entries.filter((e) => e.how === 'module_init' || e.how === 'module_exit').map((e) => e.fn));
    let n = 0;
    for (const f of result.functions.filter((x) => x.side !== 'kernel' && !initExit.has(x.fn))) {
      const orig = fs.readFileSync(path.join(pp.dir, f.file), 'utf8').split('\n');
      const now = file(f.file).split('\n');
      expect(now.slice(f.line - 1, f.line - 1 + f.lines), `${f.fn} in ${f.file}`).to.deep.equal(orig.slice(f.line - 1, f.line - 1 + f.lines));
      n++;
    }
    expect(n).to.be.greaterThan(150);
    // The additions come after the last original line.
    for (const u of ['e1000_main.c', 'e1000_hw.c', 'e1000_ethtool.c', 'e1000_param.c']) {
      const orig = fs.readFileSync(path.join(pp.dir, u), 'utf8').split('\n').length;
      expect(file(u).split('\n').length, u).to.be.at.least(orig);
    }
  });

  it('gives a kernel-side function the user side calls a downcall body, one it only names a placeholder, and removes the rest', () => {
    const main = file('e1000_main.c');
    // A k-driver downcall: the stub's prototype on the definition's line, the call on the brace's.
    expect(main).to.match(/^extern void e1000_idl_e1000_configure_rx\(struct e1000_adapter \*adapter\); static void e1000_configure_rx\(struct e1000_adapter \*adapter\)\n\{ e1000_idl_e1000_configure_rx\(adapter\); \}$/m);
    // Handed to request_irq and netif_napi_add by user-side code: placeholders that abort.
    expect(main).to.match(/static irqreturn_t e1000_intr\(int irq, void \*data\)\n\{ e1000_idl_ud_unbound\("e1000_intr"\); \}$/m);
    expect(main).to.match(/static int e1000_clean\(struct napi_struct \*napi, int budget\)\n\{ e1000_idl_ud_unbound\("e1000_clean"\); \}$/m);
    // All of them in the unit's placeholder table.
    expect(main).to.match(/const struct e1000_idl_ud_placeholder e1000_idl_ud_e1000_main_c_placeholders\[\] = \{\n(\t\{ "\w+", \(void \(\*\)\(void\)\)\w+ \},\n)*\t\{ "e1000_intr", \(void \(\*\)\(void\)\)e1000_intr \},\n/);
    // Kernel functions the kept code names without calling them: placeholders under their symbols.
    const svc = file('e1000_udriver_services.c');
    for (const k of ['eth_validate_addr', 'ethtool_op_get_ts_info', 'delayed_work_timer_fn']) {
      expect(svc).to.match(new RegExp(`^void e1000_idl_ud_ph_${k}\\(void\\) __asm__\\("${k}"\\);$`, 'm'));
      expect(svc).to.match(new RegExp(`^\\t\\{ "${k}", e1000_idl_ud_ph_${k} \\},$`, 'm'));
    }
    // The channel binds every table by name before it serves.
    expect(file('e1000_udriver_chan.c')).to.match(/mdl_chan_bind_function\(&e1000_idl_ud_chan, 0, mdl_bound_id\(t->fns\[i\]\.name\), t->fns\[i\]\.fn, t->fns\[i\]\.name\)/);
    // e1000_clean_tx_irq is kernel-side and only e1000_clean (kernel-side) calls it: gone, with its
    // prototype (its comment stays: comments between definitions are no one's).
    expect(main).not.to.match(/\be1000_clean_tx_irq\(/);
    // Every kernel-only function is either gone or has a one-line body.
    const ids = new Set(result.functions.filter((f) => f.side === 'kernel').map((f) => f.fn));
    for (const f of result.functions.filter((x) => ids.has(x.fn))) {
      const lines = file(f.file).split('\n').slice(f.line - 1, f.line - 1 + f.lines);
      const code = lines.filter((l) => l.trim() !== '' && !l.startsWith('#'));
      // Gone (nothing left), or the signature's lines and then the whole body on one line.
      const braces = code.filter((l) => l.includes('{'));
      expect(code.length === 0 || (braces.length === 1 && braces[0] === code.at(-1) && /^\{ (return )?e1000_idl_\w+\([^;]*\); \}$/.test(braces[0]!)), `${f.fn}: ${code.join('\n')}`).to.equal(true);
    }
    // The module's init and exit are the k-driver glue's business (their comments stay).
    expect(main).not.to.match(/e1000_init_module\(|^module_init\(/m);
  });

  it("shims the kernel services the k-driver serves under the kernel's symbols, and none ukernel runs", () => {
    const svc = file('e1000_udriver_services.c');
    expect(svc).to.match(/^s32 e1000_idl_ud_svc_pci_enable_device_mem\(struct pci_dev \*dev\) __asm__\("pci_enable_device_mem"\);$/m);
    expect(svc).to.match(/\treturn e1000_idl_pci_enable_device_mem\(dev\);/);
    expect(svc).to.match(/__asm__\("register_netdev"\)/);
    expect(svc).to.match(/__asm__\("request_threaded_irq"\)/);
    // Delays, locks and memory are ukernel's.
    expect(svc).not.to.match(/__asm__\("(msleep|mutex_lock|__kmalloc|kfree|_raw_spin_lock|ioread16_rep)"\)/);
    // pci_ioremap_bar maps the BAR from the k-driver's device; iounmap unmaps what it mapped;
    // ioremap (a physical range) is refused with a message.
    expect(svc).to.match(/__asm__\("pci_ioremap_bar"\);\n[^\n]+\n\{\n\treturn e1000_idl_ud_map_bar\(pdev, bar, __func__\);\n\}/);
    expect(svc).to.match(/\n\tlen = pci_resource_len\(pdev, bar\);\n\tmap = len \? mdl_uk_map_region\(e1000_idl_ud_fd, bar, len\) : NULL;/);
    // A restarted u-driver maps BAR0 again (and gets its I/O ports) when the k-driver hands it the
    // device's resources; both resynchronising upcalls are in the table of the driver's own.
    expect(svc).to.match(/^int e1000_idl_ud_resync_regions\(struct pci_dev \*pdev\)\n\{\n\te1000_idl_ud_io_ports\(pdev, __func__\);\n\tif \(e1000_idl_ud_bars\[0\]\.map \|\| !\(pci_resource_flags\(pdev, 0\) & IORESOURCE_MEM\)\)\n\t\treturn 0;\n\treturn e1000_idl_ud_map_bar\(pdev, 0, __func__\) \? 0 : -ENOMEM;\n\}$/m);
    expect(file('e1000_udriver_chan.c')).to.match(/\t\.resync_device = e1000_idl_ud_resync_device,\n\t\.resync_regions = e1000_idl_ud_resync_regions,\n/);
    expect(svc).to.match(/__asm__\("iounmap"\);\n[^\n]+\n\{\n[\s\S]*?mdl_uk_unmap_region\(addr, e1000_idl_ud_bars\[i\]\.len\);/);
    expect(svc).to.match(/__asm__\("ioremap"\);\n[^\n]+\n\{\n(\t\(void\)\w+;\n)+\tpr_err\("e1000_udriver: %s: a physical range that is no BAR/);
    expect(file('e1000_udriver_main.c')).to.match(/^\te1000_idl_ud_fd = fd;$/m);
    // system_wq is the u-driver's token, sent as NULL; any other work queue is refused.
    expect(svc).to.match(/^struct workqueue_struct \*system_wq = \(struct workqueue_struct \*\)&e1000_idl_ud_system_wq_token;$/m);
    expect(svc).to.match(/__asm__\("queue_work_on"\);\n[^\n]+\n\{\n\tif \(wq != system_wq\) \{\n\t\tpr_err\([^\n]+\n\t\treturn 0;\n\t\}\n\treturn e1000_idl_queue_work_on\(cpu, NULL, work\);/);
    // The driver's work items are the k-driver's: cancelling one names it inside the adapter (the
    // container choice of the user stub), so the shim forwards; enabling I/O grants the ports.
    expect(svc).to.match(/__asm__\("cancel_work_sync"\);\n[^\n]+\n\{\n\treturn e1000_idl_cancel_work_sync\(work\);/);
    expect(file('e1000_idl_user.c')).to.match(/mdl_out_container_choice\(/);
    // A work function's upcall: the wrapper at the end of its unit hands it the u-driver's own item.
    expect(file('e1000_main.c')).to.match(/^void e1000_idl_ud_work_e1000_watchdog\(struct e1000_adapter \*owner\)\n\{\n\te1000_watchdog\(&owner->watchdog_task\.work\);\n\}$/m);
    expect(file('e1000_udriver_chan.c')).to.match(/\t\t\.e1000_idl = &e1000_idl_ud_own_upcalls,/);
    expect(svc).to.match(/__asm__\("pci_enable_device"\);\n[^\n]+\n\{\n\tint err = e1000_idl_pci_enable_device\(dev\);\n\n\tif \(err\)\n\t\treturn err;\n\te1000_idl_ud_io_ports\(dev, __func__\);\n\treturn 0;/);
    expect(svc).to.match(/mdl_uk_io_ports\(pci_resource_start\(pdev, i\), pci_resource_len\(pdev, i\)\)/);
    // Each BAR mapping is bound as a handle on the channel, and unbound before it is unmapped.
    expect(svc).to.match(/mdl_chan_bind_handle\(&e1000_idl_ud_chan, mdl_bound_id\(e1000_idl_ud_bar_names\[bar\]\), map, e1000_idl_ud_bar_names\[bar\]\)/);
    expect(svc).to.match(/mdl_chan_unbind_handle\(&e1000_idl_ud_chan, mdl_bound_id\(e1000_idl_ud_bar_names\[i\]\)\);\n\t\t\tmdl_uk_unmap_region/);
    // pci_set_mwi is called from e1000_pci_set_mwi, which both sides have: a downcall all the same.
    expect(svc).to.match(/\treturn e1000_idl_pci_set_mwi\(dev\);/);
    expect(svc).to.match(/\te1000_idl_pci_clear_mwi\(dev\);/);
  });

  it('opens the channel with the driver\'s own ops tables', () => {
    const chan = file('e1000_udriver_chan.c');
    for (const t of ['ethtool_ops', 'net_device_ops', 'pci_driver', 'dev_pm_ops']) expect(chan).to.match(new RegExp(`\\t\\t\\.${t} = e1000_idl_ud_${t}\\(\\),`));
    expect(file('e1000_main.c')).to.match(/^const struct pci_driver \*e1000_idl_ud_pci_driver\(void\)\n\{\n\treturn &e1000_driver;\n\}$/m);
    expect(file('e1000_ethtool.c')).to.match(/^\treturn &e1000_ethtool_ops;$/m);
  });

  describe('the build (kbuild preprocesses, gcc -fno-pie compiles in user mode)', () => {
    const generated = ['e1000_udriver_services', 'e1000_udriver_chan', 'mdidl_rpc'];
    let prep = { status: null as number | null, log: '' };
    before(() => {
      prep = make(dir(), ['.kbuild-stamp']);
    });

    it('kbuild preprocesses the units and the generated C', () => {
      expect(prep.status, prep.log).to.equal(0);
      for (const u of ['e1000_main', 'e1000_hw', 'e1000_ethtool', 'e1000_param', 'e1000_idl_user', ...generated]) expect(fs.existsSync(path.join(dir(), `${u}.i`)), u).to.equal(true);
    });

    it('the shims, the channel, the runtime, ukernel and main compile with -Wall -Wextra -Werror, the units with -w', () => {
      const r = make(dir(), [...generated.map((g) => `${g}.o`), 'mdidl_ukernel.o', 'e1000_udriver_main.o', 'e1000_main.o', 'e1000_hw.o', 'e1000_ethtool.o', 'e1000_param.o']);
      expect(r.status, r.log).to.equal(0);
      expect(r.log).to.match(/-Wall -Wextra -Werror -x cpp-output -c - -o e1000_udriver_services\.o/);
      expect(r.log).not.to.match(/warning:/);
    });

    it('the user stubs (c-user with the kernel\'s layouts) compile with -Wall -Wextra -Werror', () => {
      const r = make(dir(), ['e1000_idl_user.o']);
      expect(r.status, r.log.split('\n').filter((l) => /error/.test(l)).slice(0, 20).join('\n')).to.equal(0);
    });

    it('links e1000_udriver with no undefined symbol', () => {
      const r = make(dir(), ['e1000_udriver']);
      // The linker's list: everything neither the objects nor the C library define.
      const missing = [...new Set([...r.log.matchAll(/undefined reference to `([^']+)'/g)].map((m) => m[1]!))].sort();
      expect(missing, 'undefined symbols').to.deep.equal([]);
      expect(r.status, r.log.split('\n').slice(-30).join('\n')).to.equal(0);
    });

    it('started without the device, main exits 3 and says to load the k-driver', () => {
      // main and ukernel as the Makefile builds them, with a stand-in for the channel that main
      // must not reach without a device (so this holds whatever the full link still lacks).
      const r = make(dir(), ['e1000_udriver_main.o', 'mdidl_ukernel.o']);
      expect(r.status, r.log).to.equal(0);
      const standIn = path.join(work, 'serve_stand_in.c');
      fs.writeFileSync(standIn, '#include <stdlib.h>\nstruct mdl_transport;\nint e1000_idl_ud_serve(struct mdl_transport *tr);\nint e1000_idl_ud_serve(struct mdl_transport *tr) { (void)tr; abort(); }\n');
      const exe = path.join(work, 'main_only');
      const cc = spawnSync('gcc', ['-std=gnu11', '-Wall', '-Wextra', '-Werror', '-static', '-no-pie', '-o', exe, path.join(dir(), 'e1000_udriver_main.o'), path.join(dir(), 'mdidl_ukernel.o'), standIn, '-pthread'], { encoding: 'utf8' });
      expect(cc.status, cc.stderr).to.equal(0);
      const run = spawnSync(exe, [path.join(work, 'no-such-device')], { encoding: 'utf8', timeout: 60000 });
      expect(run.status, run.stderr).to.equal(3);
      expect(run.stderr).to.match(/^<3>e1000_udriver: cannot open \S*no-such-device: No such file or directory \(load the k-driver first: insmod e1000_kdriver\.ko\)$/m);
      const usage = spawnSync(exe, ['a', 'b'], { encoding: 'utf8', timeout: 60000 });
      expect(usage.status).to.equal(2);
      expect(usage.stderr).to.match(/^usage: \S+ \[DEVICE\]  \(default \/dev\/mdidl-e1000\)$/m);
    });

    it('the linked e1000_udriver, started without the device, exits 3', () => {
      const exe = path.join(dir(), 'e1000_udriver');
      expect(fs.existsSync(exe), 'e1000_udriver was not built (the link above failed)').to.equal(true);
      const r = spawnSync(exe, [path.join(work, 'no-such-device')], { encoding: 'utf8', timeout: 60000 });
      expect(r.status, r.stderr).to.equal(3);
      expect(r.stderr).to.match(/e1000_udriver: cannot open \S*no-such-device: No such file or directory/);
    });
  });

  it('a driver source it cannot follow, or an interface without a module, is a located error, and nothing is emitted', () => {
    const bad = path.join(pp.dir, 'e1000_param.c');
    const orig = fs.readFileSync(bad, 'utf8');
    try {
      const lines = orig.split('\n');
      lines.splice(34, 1, `${lines[34]} }`);
      fs.writeFileSync(bad, lines.join('\n'));
      const out = emitUdriver({ result, files: pp.files, idl, version });
      expect(out.files).to.equal(null);
      expect(out.diagnostics.map((d) => `${path.basename(d.loc.file)}:${d.loc.line}:${d.loc.column}: ${d.message}`)).to.deep.equal([`e1000_param.c:35:${lines[34]!.length}: '}' without a matching '{'`]);
    } finally {
      fs.writeFileSync(bad, orig);
    }
    const out = emitUdriver({ result, files: pp.files, idl: idl.replace(/^module \w+/m, '// no module'), version });
    expect(out.files).to.equal(null);
    expect(out.diagnostics.map((d) => `${d.loc.file}:${d.loc.line}:${d.loc.column}: ${d.message}`)).to.deep.equal([`${pp.files[0]}:1:1: the interface has no module declaration`]);
  });

  it('an ops table the upcalls need but the units do not define is a located error at its first upcall', () => {
    const bad = path.join(pp.dir, 'e1000_ethtool.c');
    const orig = fs.readFileSync(bad, 'utf8');
    try {
      expect(orig).to.include('static const struct ethtool_ops e1000_ethtool_ops = {');
      fs.writeFileSync(bad, orig.replace('static const struct ethtool_ops e1000_ethtool_ops = {', 'static const struct ethtool_opz e1000_ethtool_ops = {'));
      const out = emitUdriver({ result, files: pp.files, idl, version });
      expect(out.files).to.equal(null);
      const got = out.diagnostics.map((d) => `${path.basename(d.loc.file)}:${d.loc.line}:${d.loc.column}: ${d.message}`);
      expect(got).to.have.length(1);
      expect(got[0]).to.match(/^e1000_ethtool\.c:\d+:\d+: no struct ethtool_ops table in the driver's units to serve the interface's ethtool_ops upcalls with \(e1000_\w+ is ethtool_ops\.\w+\)$/);
    } finally {
      fs.writeFileSync(bad, orig);
    }
  });
});

describe('split --emit on Linux 6.1 8139too and uhci-hcd: their u-drivers', function () {
  this.timeout(1_800_000);

  async function emitFor(name: '8139too' | 'uhci'): Promise<{ pp: { dir: string; files: string[] }; out: ReturnType<typeof emitUdriver> }> {
    const pp = preprocessDriver(DRIVERS[name]);
    const sidecars = [path.join(ROOT, `test/split/sidecars/${name}.mda`)];
    const split = await splitDriver({ files: pp.files, sidecars, name });
    expect(split.diagnostics.filter((d) => d.severity === 'error')).to.deep.equal([]);
    const lowered = lowerInterface(split.result!, pp.files, sidecars, driverDir(pp.files));
    expect(lowered.diagnostics.filter((d) => d.severity === 'error').map((d) => d.message)).to.deep.equal([]);
    return { pp, out: emitUdriver({ result: split.result!, files: pp.files, idl: lowered.text!, version: '0.0.0-test' }) };
  }

  it('8139too: every object compiles in user mode (generated C with -Wall -Wextra -Werror)', async () => {
    const { pp, out } = await emitFor('8139too');
    const work = fs.mkdtempSync(path.join(os.tmpdir(), 'mdidl-udriver-8139too-'));
    try {
      expect(out.diagnostics.map((d) => `${d.loc.file}:${d.loc.line}: ${d.message}`)).to.deep.equal([]);
      write(work, out.files!);
      const sources = out.files!.map((f) => f.content).join('\n');
      // The interrupt handler is kernel-side: a placeholder; the ops tables serve the upcalls.
      expect(sources).to.match(/static irqreturn_t rtl8139_interrupt \(int irq, void \*dev_instance\)\n\{ d8139too_ud_unbound\("rtl8139_interrupt"\); \}/);
      expect(sources).to.match(/\t\t\.net_device_ops = d8139too_ud_net_device_ops\(\),/);
      const objects = ['8139too', 'd8139too_user', 'mdidl_rpc', '8139too_udriver_services', '8139too_udriver_chan', 'mdidl_ukernel', '8139too_udriver_main'].map((o) => `${o}.o`);
      const r = make(path.join(work, 'udriver'), objects);
      expect(r.status, r.log).to.equal(0);
      expect(r.log).not.to.match(/warning:/);
    } finally {
      fs.rmSync(work, { recursive: true, force: true });
      fs.rmSync(pp.dir, { recursive: true, force: true });
    }
  });

  it('uhci-hcd: located errors (placeholders in the .c files uhci-hcd.c includes), and nothing is emitted', async () => {
    const { pp, out } = await emitFor('uhci');
    try {
      expect(out.files).to.equal(null);
      const got = out.diagnostics.map((d) => `${path.basename(d.loc.file)}:${d.loc.line}:${d.loc.column}: ${d.message}`);
      expect(got).to.include('uhci-q.c:1408:12: uhci_urb_enqueue needs a placeholder, in a file the units include: only a unit\'s main file can hold the table');
    } finally {
      fs.rmSync(pp.dir, { recursive: true, force: true });
    }
  });
});

describe('split --emit from the command line: udriver/ beside kdriver/ (the minic fixture)', () => {
  let tmp = '';
  before(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mdidl-udriver-cli-'));
  });
  after(() => {
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
    removeFixtureDirs();
  });

  it('writes DIR/udriver/ next to DIR/kdriver/, the same bytes from any working folder', () => {
    const i = preprocessFixture('minic', ['__MDIDL__']);
    const sidecar = path.join(FIXTURES, 'minic', 'minic.mda');
    const args = (out: string): string[] => [BIN, 'split', '--no-builtin-sidecar', '--sidecar', sidecar, '--emit', out, i];
    const a = spawnSync(process.execPath, args(path.join(tmp, 'a')), { encoding: 'utf8', cwd: tmp });
    expect(a.status, a.stderr).to.equal(0);
    const sub = path.join(tmp, 'elsewhere');
    fs.mkdirSync(sub);
    const b = spawnSync(process.execPath, args(path.join(tmp, 'b')), { encoding: 'utf8', cwd: sub });
    expect(b.status, b.stderr).to.equal(0);
    const list = (d: string): string[] => fs.readdirSync(path.join(tmp, d, 'udriver')).sort();
    expect(list('a')).to.include.members(['minic.c', 'minic_udriver_main.c', 'minic_udriver_chan.c', 'minic_udriver_services.c', 'minic_user.c', 'Makefile', 'Kbuild']);
    expect(fs.readdirSync(path.join(tmp, 'a')).sort()).to.deep.equal(['kdriver', 'udriver']);
    for (const f of list('a')) expect(fs.readFileSync(path.join(tmp, 'b', 'udriver', f), 'utf8'), f).to.equal(fs.readFileSync(path.join(tmp, 'a', 'udriver', f), 'utf8'));
    // The sized upcall (minic.mda's get_strings): a wrapper at the end of minic.c calls the driver's
    // function without the length, and the channel's table of the driver's own upcalls holds it.
    const unit = fs.readFileSync(path.join(tmp, 'a', 'udriver', 'minic.c'), 'utf8');
    expect(unit).to.contain('\nvoid minic_ud_sized_minic_get_strings(struct net_device *netdev, u32 set, u8 *buf, u32 len)\n{\n\tminic_get_strings(netdev, set, buf);\n}\n');
    const chan = fs.readFileSync(path.join(tmp, 'a', 'udriver', 'minic_udriver_chan.c'), 'utf8');
    expect(chan).to.contain('static const struct minic minic_ud_own_upcalls = {\n\t.sized_minic_get_strings = minic_ud_sized_minic_get_strings,\n\t.work_minic_reset_task = minic_ud_work_minic_reset_task,\n};');
    expect(chan).to.contain('\t\t.minic = &minic_ud_own_upcalls,\n');
  });
});
