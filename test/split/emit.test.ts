// `mdidl split --emit`: the k-driver as a kbuild tree. The C scanner it rewrites the driver's
// sources with (braces in comments, strings and character literals are no braces; located errors),
// then Linux 6.1's e1000 end to end: split, the interface, the tree, and kbuild builds the module
// with no warning. Without linux-source-6.1, the kernel headers, clang or gcc the helpers throw:
// a failure, not a skip.
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { GeneratedFile } from '../../compiler/backends/types.js';
import { emitKdriver } from '../../compiler/split/emit.js';
import { CTextError, paramNames, renameIdentifiers, returnType, scanC } from '../../compiler/split/emit-ctext.js';
import { driverDir } from '../../compiler/split/frontend.js';
import { lowerInterface } from '../../compiler/split/idl.js';
import { splitDriver, type SplitResult } from '../../compiler/split/index.js';
import { boundId, formatId } from '../../runtime/ts/object-table.js';
import { ROOT } from '../c/vectors.js';
import { buildStatic, kernelHeadersDir, kernelHealthy, runInVm } from '../qemu/vm.js';
import { DRIVERS, preprocessDriver } from '../real/linux-source.js';
import { FIXTURES, preprocessFixture, removeFixtureDirs } from './util.js';

describe('split --emit: the C scanner', () => {
  it('cuts a file into declarations and definitions; braces in comments, strings and characters do not count', () => {
    const text = [
      '#include <linux/module.h>',
      '#define OPEN {',
      'static int f(int a, char *b);',
      'static const char *s = "}{";',
      '/* } */ static char c = \'{\';',
      'static int f(int a, char *b)',
      '{',
      '\t// }',
      '\tif (a) { return \'}\'; }',
      '\treturn b[0] == \'"\';',
      '}',
      'static struct ops o = { .f = f, };',
      'struct t { int x; };',
      'static void g(void) __releases(x) { }',
    ].join('\n');
    const c = scanC(text);
    const kinds = c.stmts.map((s) => `${s.fn ? `def ${s.fn.name}` : 'decl'}@${c.toks[s.first]!.line}`);
    expect(kinds).to.deep.equal(['decl@3', 'decl@4', 'decl@5', 'def f@6', 'decl@12', 'decl@13', 'def g@14']);
    const f = c.stmts[3]!.fn!;
    expect(c.toks[f.open]!.line).to.equal(7);
    expect(c.toks[f.close]!.line).to.equal(11);
    expect(paramNames(c, f)).to.deep.equal(['a', 'b']);
    expect(returnType(c, c.stmts[3]!)).to.deep.equal({ text: 'int', isStatic: true });
    // The #define's brace is a preprocessor line: kept, never a token.
    expect(c.directives.map(([s, e]) => text.slice(s, e))).to.deep.equal(['#include <linux/module.h>', '#define OPEN {']);
  });

  it('names the parameters of function-pointer and array parameters, and refuses a variadic one', () => {
    const c = scanC('int h(void (*cb)(int x), u8 mac[6], const struct s *const p) { return 0; }\nint v(const char *fmt, ...) { return 0; }\nint n(void) { return 1; }');
    expect(paramNames(c, c.stmts[0]!.fn!)).to.deep.equal(['cb', 'mac', 'p']);
    expect(paramNames(c, c.stmts[1]!.fn!)).to.equal('a variadic function');
    expect(paramNames(c, c.stmts[2]!.fn!)).to.deep.equal([]);
  });

  const errors: [string, string, number, number, RegExp][] = [
    ['an unbalanced closing brace', 'int f(void)\n{\n}\n}\n', 4, 1, /'}' without a matching '{'/],
    ['an unclosed brace', 'int f(void)\n{\n  if (x) {\n}\n', 2, 1, /'{' without a matching '}'/],
    ['an unterminated comment', 'int x;\n/* never closed\n', 2, 1, /unterminated comment/],
    ['an unterminated string', 'char *s = "abc\nint y;\n', 1, 11, /unterminated string/],
    ['an unterminated character literal', "int y;\nchar c = '{;\n", 2, 10, /unterminated character literal/],
  ];
  for (const [what, text, line, col, message] of errors) {
    it(`${what} is an error at its line and column`, () => {
      let err: unknown;
      try {
        scanC(text);
      } catch (e) {
        err = e;
      }
      expect(err).to.be.instanceOf(CTextError);
      const e = err as CTextError;
      expect([e.line, e.col]).to.deep.equal([line, col]);
      expect(e.message).to.match(message);
    });
  }

  it("renames a sized buffer's expression to the function's parameters, token by token, members and strings kept", () => {
    const from = ['arg0', 'stringset', 'arg2'];
    const to = ['netdev', 'sset', 'data'];
    expect(renameIdentifiers('arg0->ethtool_ops->get_sset_count(arg0, stringset) * ETH_GSTRING_LEN', from, to)).to.equal('netdev->ethtool_ops->get_sset_count(netdev, sset) * ETH_GSTRING_LEN');
    // A member named like a parameter (s.arg0, p->stringset) and a string keep their spelling.
    expect(renameIdentifiers('arg0 . arg0 + f(p->stringset, "arg0", arg2)[stringset]', from, to)).to.equal('netdev . arg0 + f(p->stringset, "arg0", data)[sset]');
    expect(renameIdentifiers('arg0x + xarg0', from, to)).to.equal('arg0x + xarg0');
  });

  it('matches 100 000 nested braces without recursion', () => {
    const depth = 100_000;
    const c = scanC(`void f(void) ${'{'.repeat(depth)}${'}'.repeat(depth)}`);
    expect(c.stmts).to.have.length(1);
    expect(c.match.get(c.stmts[0]!.fn!.open)).to.equal(c.toks.length - 1);
  });
});

describe('split --emit from the command line (the minic fixture)', function () {
  this.timeout(120_000);
  const BIN = path.resolve('bin/mdidl.js');
  let tmp = '';
  before(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mdidl-emit-cli-'));
  });
  after(() => {
    removeFixtureDirs();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });
  const read = (dir: string): Map<string, string> => {
    const out = new Map<string, string>();
    const work = [''];
    while (work.length) {
      const d = work.pop()!;
      for (const e of fs.readdirSync(path.join(dir, d), { withFileTypes: true })) {
        const rel = path.join(d, e.name);
        if (e.isDirectory()) work.push(rel);
        else out.set(rel, fs.readFileSync(path.join(dir, rel), 'utf8'));
      }
    }
    return out;
  };

  it('writes DIR/kdriver/, the same bytes from any working folder', () => {
    const i = preprocessFixture('minic', ['__MDIDL__']);
    const sidecar = path.join(FIXTURES, 'minic', 'minic.mda');
    const args = (out: string): string[] => [BIN, 'split', '--no-builtin-sidecar', '--sidecar', sidecar, '--emit', out, i];
    const a = spawnSync(process.execPath, args(path.join(tmp, 'a')), { encoding: 'utf8', cwd: tmp });
    expect(a.status, a.stderr).to.equal(0);
    const sub = path.join(tmp, 'elsewhere');
    fs.mkdirSync(sub);
    const b = spawnSync(process.execPath, args(path.join(tmp, 'b')), { encoding: 'utf8', cwd: sub });
    expect(b.status, b.stderr).to.equal(0);
    const fa = read(path.join(tmp, 'a'));
    expect([...fa.keys()].sort()).to.include.members(['kdriver/Kbuild', 'kdriver/minic.c', 'kdriver/minic_glue.c', 'kdriver/minic_kernel.c', 'kdriver/mdidl_kdev.c']);
    expect(read(path.join(tmp, 'b'))).to.deep.equal(fa);
    // minic's probe crosses: its body is the upcall now.
    expect(fa.get('kdriver/minic.c')).to.match(/\{ return minic_pci_driver_probe\(pdev\); \}/);
    // Its probe (user-side) hands the kernel-side interrupt handler, NAPI poll and timer callback
    // to the kernel: they are bound, under the ids the runtime computes from their names.
    const bound = [...fa.get('kdriver/minic_bound.h')!.matchAll(/^\t\{ "(\w+)", (0x[0-9a-f]{8})u \},$/gm)];
    expect(bound.map((m) => m[1])).to.deep.equal(['minic_interrupt', 'minic_poll', 'minic_watchdog']);
    for (const [, name, id] of bound) expect(id, name).to.equal(formatId(boundId(name!)));
    expect(fa.get('kdriver/minic.c')).to.contain('void (*const minic_kd_minic_c_bound[])(void) = {\n\t(void (*)(void))minic_interrupt,\n\t(void (*)(void))minic_poll,\n\t(void (*)(void))minic_watchdog,\n};');
    expect(fa.get('kdriver/minic_glue.c')).to.match(/\terr = minic_kd_bind\(\);\n\tif \(err\)\n\t\tgoto close;\n\terr = mdl_kdev_start/);
    // get_strings's buffer is sized by the kernel (minic.mda): minic_get_strings upcalls its own
    // function with the length the k-driver computes, the sidecar's expression renamed from the
    // header's parameter names (dev, stringset) to the function's (netdev, set); the member name
    // after `->` keeps its spelling. The count it calls stays in the kernel (critical).
    const unit = fa.get('kdriver/minic.c')!;
    expect(unit).to.contain('extern void minic_sized_minic_get_strings(struct net_device *netdev, u32 set, u8 *buf, u32 len); static void minic_get_strings(struct net_device *netdev, u32 set, u8 *buf)\n{ minic_sized_minic_get_strings(netdev, set, buf, (netdev->ethtool_ops->get_sset_count(netdev, set) * ETH_GSTRING_LEN)); }\n');
    expect(unit).to.match(/\nstatic int minic_get_sset_count\(struct net_device \*dev, int sset\)\n\{\n\treturn sset == 1 \? 2 : -95;\n\}/);
    // The interface has the function's own upcall, and no get_strings member any more.
    const kernel = fa.get('kdriver/minic_kernel.c')!;
    expect(kernel).to.match(/\nvoid minic_sized_minic_get_strings\(struct net_device \*netdev, u32 set, u8 \*buf, u32 len\)\n\{/);
    expect(kernel).not.to.match(/get_strings\(struct net_device \*dev, u32 stringset/);
  });
});

describe('split --emit on Linux 6.1 e1000: the k-driver as a kbuild tree', function () {
  this.timeout(1_800_000);
  let pp: { dir: string; files: string[] };
  let work = '';
  let result: SplitResult;
  let idl = '';
  let files: GeneratedFile[] = [];
  const version = '0.0.0-test';

  before(async () => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'mdidl-emit-'));
    pp = preprocessDriver(DRIVERS.e1000);
    const sidecars = [path.join(ROOT, 'test/split/sidecars/e1000.mda')];
    const split = await splitDriver({ files: pp.files, sidecars, name: 'e1000' });
    expect(split.diagnostics.filter((d) => d.severity === 'error')).to.deep.equal([]);
    result = split.result!;
    const lowered = lowerInterface(result, pp.files, sidecars, driverDir(pp.files));
    expect(lowered.diagnostics.filter((d) => d.severity === 'error').map((d) => d.message)).to.deep.equal([]);
    idl = lowered.text!;
    const out = emitKdriver({ result, files: pp.files, idl, version });
    expect(out.diagnostics.map((d) => `${d.loc.file}:${d.loc.line}: ${d.message}`)).to.deep.equal([]);
    files = out.files!;
  });
  after(() => {
    if (work) fs.rmSync(work, { recursive: true, force: true });
    if (pp) fs.rmSync(pp.dir, { recursive: true, force: true });
  });

  const file = (p: string): string => {
    const f = files.find((x) => x.path === `kdriver/${p}`);
    if (!f) throw new Error(`no kdriver/${p} among ${files.map((x) => x.path).join(', ')}`);
    return f.content;
  };

  it('writes the units, the driver\'s headers, the stubs, the runtime, the glue and a Kbuild file', () => {
    const paths = files.map((f) => f.path);
    for (const p of ['e1000_main.c', 'e1000_hw.c', 'e1000_ethtool.c', 'e1000_param.c', 'e1000.h', 'e1000_hw.h', 'e1000_osdep.h', 'e1000_idl.h', 'e1000_idl_kernel.c', 'mdidl_rpc.c', 'mdidl_kdev.c', 'mdidl_kdev.h', 'e1000_glue.c', 'e1000_kdriver.h', 'Kbuild']) {
      expect(paths).to.include(`kdriver/${p}`);
    }
    expect(file('Kbuild')).to.match(/^e1000_kdriver-y := e1000_ethtool\.o e1000_hw\.o e1000_main\.o e1000_param\.o e1000_idl_kernel\.o mdidl_rpc\.o mdidl_kdev\.o e1000_glue\.o$/m);
  });

  it('is byte-stable and names no folder of this machine', () => {
    const again = emitKdriver({ result, files: pp.files, idl, version }).files!;
    expect(again.map((f) => f.path)).to.deep.equal(files.map((f) => f.path));
    for (let i = 0; i < files.length; i++) expect(again[i]!.content === files[i]!.content, files[i]!.path).to.equal(true);
    for (const f of files) {
      expect(f.content.includes(pp.dir), f.path).to.equal(false);
      expect(f.content.includes(os.tmpdir() + path.sep), f.path).to.equal(false);
    }
  });

  it('keeps kernel-side functions verbatim, on their own lines', () => {
    for (const f of result.functions.filter((x) => x.side !== 'user')) {
      const orig = fs.readFileSync(path.join(pp.dir, f.file), 'utf8').split('\n');
      const now = file(f.file).split('\n');
      expect(now.slice(f.line - 1, f.line - 1 + f.lines), `${f.fn} in ${f.file}`).to.deep.equal(orig.slice(f.line - 1, f.line - 1 + f.lines));
    }
    // A critical root the kernel calls through the driver's own ops table.
    expect(file('e1000_main.c')).to.match(/^static netdev_tx_t e1000_xmit_frame\(struct sk_buff \*skb,$/m);
  });

  it('gives a user-side function the kernel reaches an upcall body, and removes one it does not', () => {
    const main = file('e1000_main.c');
    expect(main).to.match(/^extern s32 e1000_idl_pci_driver_probe\(struct pci_dev \*dev, const struct pci_device_id \*id\); static int e1000_probe\(struct pci_dev \*pdev, const struct pci_device_id \*ent\)\n\{ return e1000_idl_pci_driver_probe\(pdev, ent\); \}$/m);
    expect(main).to.match(/^\{ return e1000_idl_net_device_ops_ndo_open\(netdev\); \}$/m);
    // The ops tables stay as they are: they name the same functions.
    expect(main).to.match(/\.ndo_open\s*= e1000_open,/);
    // ethtool's sized buffers (the built-in linux.mda): the k-driver computes the length with the
    // kernel's own count (e1000_get_sset_count is critical in e1000.mda, so it stays verbatim).
    const ethtool = file('e1000_ethtool.c');
    expect(ethtool).to.match(/^\{ e1000_idl_sized_e1000_get_strings\(netdev, stringset, data, \(netdev->ethtool_ops->get_sset_count\(netdev, stringset\) \* ETH_GSTRING_LEN\)\); \}$/m);
    expect(ethtool).to.match(/^\{ e1000_idl_sized_e1000_get_ethtool_stats\(netdev, stats, data, \(stats->n_stats\)\); \}$/m);
    expect(ethtool).to.match(/^\{ return e1000_idl_sized_e1000_get_eeprom\(netdev, eeprom, bytes, \(eeprom->len\)\); \}$/m);
    expect(ethtool).to.match(/^static int e1000_get_sset_count\(struct net_device \*netdev, int sset\)\n\{\n\tswitch \(sset\) \{/m);
    // Nothing in the kernel calls e1000_sw_init (probe does, in the u-driver now): gone, prototype
    // too (the comments that name it stay).
    const ids = new Set(scanC(main).toks.filter((t) => t.kind === 'id').map((t) => t.text));
    expect(ids.has('e1000_sw_init')).to.equal(false);
    // The driver's module init and exit are the glue's now.
    expect(['module_init', 'module_exit', 'e1000_init_module', 'e1000_exit_module'].filter((x) => ids.has(x))).to.deep.equal([]);
    // Every original line keeps its number: the rewrite only blanks lines and appends.
    const orig = fs.readFileSync(path.join(pp.dir, 'e1000_main.c'), 'utf8');
    expect(main.split('\n').length).to.be.greaterThan(orig.split('\n').length);
    expect(main.split('\n')[orig.split('\n').length - 1]).to.equal(orig.split('\n')[orig.split('\n').length - 1]);
  });

  it('serves the k-driver downcalls through wrappers in their units and registers the pci_driver in the glue', () => {
    expect(file('e1000_main.c')).to.match(/^void e1000_idl_kd_e1000_configure_rx\(struct e1000_adapter \*adapter\)\n\{\n\te1000_configure_rx\(adapter\);\n\}$/m);
    expect(file('e1000_main.c')).to.match(/^struct pci_driver \*e1000_idl_kd_pci_driver\(void\)\n\{\n\treturn &e1000_driver;\n\}$/m);
    const glue = file('e1000_glue.c');
    expect(glue).to.match(/mdl_kdev_create\("mdidl-e1000"/);
    expect(glue).to.match(/\.e1000_configure_rx = e1000_idl_kd_e1000_configure_rx,/);
    expect(glue).to.match(/\.pci_enable_device = e1000_idl_kd_svc_pci_enable_device,/);
    // What the u-driver's own library does is not served.
    expect(glue).not.to.match(/\.msleep =|\._raw_spin_lock =|\.__kmalloc =/);
    expect(glue).to.match(/err = pci_register_driver\(e1000_idl_kd_pci_driver\(\)\);/);
    // BAR0 is offered to the u-driver around the driver's probe and remove (the QEMU test maps it).
    expect(glue).to.match(/\te1000_idl_kd_bar0_offer\(e1000_idl_kd_pci_driver\(\)\);\n[^]*\terr = pci_register_driver\(/);
    expect(glue).to.match(/err = mdl_kdev_offer_region\(e1000_idl_kd_kdev, 0, pci_resource_start\(pdev, 0\),/);
    // Withdrawn when the probe fails, when the k-driver cannot map BAR0 itself, and after remove.
    expect(glue.match(/mdl_kdev_withdraw_region\(e1000_idl_kd_kdev, 0\);/g)).to.have.length(3);
    // A string the kernel keeps (the interrupt's name in /proc/interrupts, the regions' owner in
    // /proc/iomem) is the glue's lasting copy, not the message's, which goes when the call returns.
    expect(glue).to.match(/e1000_idl_kd_svc_request_threaded_irq\([^)]*const char \*name, void \*dev\)\n\{\n\tname = e1000_idl_kd_keep_name\(name\);\n\treturn e1000_idl_kd_track_irq\(request_threaded_irq\(/);
    expect(glue).to.match(/e1000_idl_kd_svc_pci_request_selected_regions\(struct pci_dev \*arg0, s32 arg1, const char \*arg2\)\n\{\n\targ2 = e1000_idl_kd_keep_name\(arg2\);\n/);
    expect(glue.match(/\te1000_idl_kd_drop_names\(\);/g)).to.have.length(2);
    // The u-driver's system_wq arrives as NULL: the kernel gets its own.
    expect(glue).to.match(/\treturn queue_work_on\(cpu, wq \?: system_wq, work\);/);
    // The glue maps BAR0 itself and binds it as the handle "bar0"; a net_device gets its tables.
    expect(glue).to.match(/e1000_idl_kd_bar0_map = pci_ioremap_bar\(pdev, 0\);\n\terr = e1000_idl_kd_bar0_map \? mdl_chan_bind_handle\(&e1000_idl_kd_chan, mdl_bound_id\("bar0"\)/);
    // Until it is registered its tables are the driver's (alloc_netdev_mqs gave it the kernel's
    // default ethtool ops); its parent is the PCI device being probed; its private area's work
    // items are initialised with their trampolines.
    expect(glue).to.match(/e1000_idl_kd_svc_register_netdev\(struct net_device \*dev\)\n\{\n\tif \(dev && \(!dev->netdev_ops \|\| dev->reg_state == NETREG_UNINITIALIZED\)\)\n\t\tdev->netdev_ops = e1000_idl_kd_net_device_ops\(\);\n\tif \(dev && \(!dev->ethtool_ops \|\| dev->reg_state == NETREG_UNINITIALIZED\)\)\n\t\tdev->ethtool_ops = e1000_idl_kd_guarded_ethtool_ops\(\);\n\tif \(dev && !dev->dev.parent && e1000_idl_kd_bar0_dev\)\n\t\tSET_NETDEV_DEV\(dev, &e1000_idl_kd_bar0_dev->dev\);\n\tif \(dev\)\n\t\te1000_idl_kd_e1000_main_c_init_work\(netdev_priv\(dev\)\);\n\treturn e1000_idl_kd_track_netdev\(register_netdev\(dev\), dev\);/);
    // free_netdev cancels the work items first, whatever the u-driver did.
    expect(glue).to.match(/e1000_idl_kd_svc_free_netdev\(struct net_device \*dev\)\n\{\n(\t[^\n]+\n)*?\tif \(dev\)\n\t\te1000_idl_kd_e1000_main_c_cancel_work\(netdev_priv\(dev\)\);\n\te1000_idl_kd_untrack_netdev\(dev\);\n\tfree_netdev\(dev\);/);
    // The work functions' bodies: the upcall with the struct that embeds the item, unless another
    // call is in flight (it may be cancelling this item): then the item comes back later.
    const main = file('e1000_main.c');
    expect(main).to.match(/static void e1000_watchdog\(struct work_struct \*work\)\n\{ if \(!e1000_idl_kd_work_begin\(\)\) \{ queue_delayed_work\(system_wq, to_delayed_work\(work\), 1\); return; \} e1000_idl_work_e1000_watchdog\(container_of\(work, struct e1000_adapter, watchdog_task\.work\)\); e1000_idl_kd_work_end\(work, true\); \}/);
    expect(main).to.match(/static void e1000_reset_task\(struct work_struct \*work\)\n\{ if \(!e1000_idl_kd_work_begin\(\)\) \{ msleep\(1\); queue_work\(system_wq, work\); return; \} e1000_idl_work_e1000_reset_task\(container_of\(work, struct e1000_adapter, reset_task\)\); e1000_idl_kd_work_end\(work, false\); \}/);
    expect(main).to.match(/^void e1000_idl_kd_e1000_main_c_init_work\(struct e1000_adapter \*p\)\n\{\n\tif \(p->fifo_stall_task\.work\.func\)\n\t\treturn;\n\tINIT_DELAYED_WORK\(&p->fifo_stall_task, e1000_82547_tx_fifo_stall_task\);\n\tINIT_DELAYED_WORK\(&p->phy_info_task, e1000_update_phy_info_task\);\n\tINIT_WORK\(&p->reset_task, e1000_reset_task\);\n\tINIT_DELAYED_WORK\(&p->watchdog_task, e1000_watchdog\);\n\}$/m);
    expect(glue).to.match(/bool e1000_idl_kd_work_begin\(void\)\n\{\n\tif \(!mdl_call_trylock\(&e1000_idl_kd_chan\)\)\n\t\treturn false;/);
    // An item whose upcall found no u-driver is kept and queued again for the next one, once it
    // has been handed the device; kept items are forgotten when the device goes.
    expect(glue).to.match(/\tif \(err == -ENODEV\)\n\t\te1000_idl_kd_park_work\(work, delayed, handovers\);/);
    expect(glue).to.match(/dev_info\(&e1000_idl_kd_bar0_dev->dev, "the u-driver that attached was handed the device\\n"\);\n\t\t\tn = e1000_idl_kd_requeue_parked\(\);/);
    expect(glue).to.match(/static void e1000_idl_kd_bar0_remove\(struct pci_dev \*pdev\)\n\{\n\tmutex_lock\(&e1000_idl_kd_bar0_lock\);\n[^}]*\tif \(pdev == e1000_idl_kd_bar0_dev\)\n\t\te1000_idl_kd_forget_parked\(\);/);
    // The ethtool table the kernel gets is the glue's copy, whose begin fails while no u-driver
    // is attached (e1000 has no begin of its own to call after).
    expect(glue).to.match(/static int e1000_idl_kd_ethtool_ops_begin\(struct net_device \*dev\)\n\{\n\tif \(!mdl_kdev_attached\(e1000_idl_kd_kdev\)\)\n\t\treturn -ENODEV;\n\treturn e1000_idl_kd_ethtool_ops_driver_begin \? e1000_idl_kd_ethtool_ops_driver_begin\(dev\) : 0;\n\}/);
    expect(glue).to.match(/\t\te1000_idl_kd_ethtool_ops_copy = \*e1000_idl_kd_ethtool_ops\(\);\n\t\te1000_idl_kd_ethtool_ops_driver_begin = e1000_idl_kd_ethtool_ops_copy\.begin;\n\t\te1000_idl_kd_ethtool_ops_copy\.begin = e1000_idl_kd_ethtool_ops_begin;/);
    // A u-driver that attaches while the device is bound is handed the device: its resources
    // (to map BAR0 again), then what the calls read and write of it; probe and remove wait.
    expect(glue).to.match(/\tmdl_kdev_notify_open\(e1000_idl_kd_kdev, &e1000_idl_kd_resync_work\);/);
    expect(glue).to.match(/\tif \(e1000_idl_kd_bar0_dev\) \{\n\t\terr = e1000_idl_resync_regions\(e1000_idl_kd_bar0_dev\);\n\t\tif \(!err\)\n\t\t\terr = e1000_idl_resync_device\(e1000_idl_kd_bar0_dev\);/);
    expect(glue.match(/mutex_lock\(&e1000_idl_kd_bar0_lock\);/g)).to.have.length(3);
    expect(glue.match(/cancel_work_sync\(&e1000_idl_kd_resync_work\);/g)).to.have.length(2);
    // What the services register for the device is remembered, so that a remove with no u-driver
    // attached frees the interrupt and unregisters the interface in the glue.
    expect(glue).to.match(/\treturn e1000_idl_kd_track_irq\(request_threaded_irq\(irq, handler, thread_fn, flags, name, dev\), irq, dev\);/);
    expect(glue).to.match(/\treturn e1000_idl_kd_track_netdev\(register_netdev\(dev\), dev\);/);
    expect(glue).to.match(/\tif \(pdev == e1000_idl_kd_bar0_dev && !mdl_kdev_attached\(e1000_idl_kd_kdev\)\)\n\t\te1000_idl_kd_remove_orphan\(pdev\);\n\telse if \(e1000_idl_kd_bar0_driver_remove\)\n\t\te1000_idl_kd_bar0_driver_remove\(pdev\);/);
    expect(glue).to.match(/\t\tunregister_netdev\(e1000_idl_kd_orphan_netdev\);\n\t\tif \(e1000_idl_kd_orphan_netdev\)\n\t\t\te1000_idl_kd_e1000_main_c_cancel_work\(netdev_priv\(e1000_idl_kd_orphan_netdev\)\);/);
    // Called from e1000_pci_set_mwi, which both sides have, pci_set_mwi is served all the same.
    expect(glue).to.match(/\.pci_set_mwi = e1000_idl_kd_svc_pci_set_mwi,/);
  });

  it('binds the kernel functions user-side code hands to the kernel, and lists them for the u-driver', () => {
    const header = file('e1000_idl_bound.h');
    const names = [...header.matchAll(/^\t\{ "(\w+)", (0x[0-9a-f]{8})u \},$/gm)];
    const listed = names.map((m) => m[1]!);
    // request_irq(..., e1000_intr, ...) and netif_napi_add(..., e1000_clean, ...) in probe and
    // open, the ethtool self-test's e1000_test_intr, e1000_alloc_dummy_rx_buffers stored in adapter->alloc_rx_buf.
    expect(listed).to.include.members(['e1000_intr', 'e1000_clean', 'e1000_test_intr', 'e1000_alloc_dummy_rx_buffers']);
    // Named as a value only by kernel-side code (e1000_configure_rx): nothing to bind.
    expect(listed).not.to.include('e1000_clean_rx_irq');
    expect(listed).to.deep.equal([...listed].sort());
    for (const [, name, id] of names) expect(id, name).to.equal(formatId(boundId(name!)));
    expect(header).to.contain(`#define E1000_IDL_NBOUND ${listed.length}\n`);
    // Each function is in its unit's array, and the glue passes the arrays' entries in the list's order.
    const units = ['e1000_main.c', 'e1000_ethtool.c', 'e1000_hw.c', 'e1000_param.c'].map((u) => ({ u, text: file(u) }));
    const refs: string[] = [];
    for (const name of listed) {
      const at = units.flatMap(({ u, text }) => {
        const arr = new RegExp(`^void \\(\\*const (e1000_idl_kd_\\w+_bound)\\[\\]\\)\\(void\\) = \\{\\n((?:\\t.*\\n)*)\\};$`, 'm').exec(text);
        const fns = arr ? [...arr[2]!.matchAll(/\(void \(\*\)\(void\)\)(\w+),/g)].map((m) => m[1]) : [];
        return fns.includes(name) ? [`${arr![1]}[${fns.indexOf(name)}]`] : [];
      });
      expect(at, name).to.have.length(1);
      refs.push(at[0]!);
    }
    const glue = file('e1000_glue.c');
    expect(glue).to.contain(`\tvoid (*const fns[])(void) = {\n${refs.map((r) => `\t\t${r},\n`).join('')}\t};`);
    expect(glue).to.match(/err = e1000_idl_kernel_open\([^;]*;\n\tif \(err\)\n\t\tgoto destroy;\n\terr = e1000_idl_kd_bind\(\);/);
    // Bound, they are used: no __used array keeps them any more.
    for (const { text } of units) for (const name of listed) expect(text).not.to.match(new RegExp(`__used = \\{[^}]*\\b${name},`));
  });

  it('builds with kbuild against Debian\'s 6.1 headers without a warning', () => {
    const kb = path.join(work, 'tree');
    for (const f of files) {
      fs.mkdirSync(path.dirname(path.join(kb, f.path)), { recursive: true });
      fs.writeFileSync(path.join(kb, f.path), f.content);
    }
    const dir = path.join(kb, 'kdriver');
    // The headers of the kernel image QEMU boots below.
    const make = spawnSync('make', ['-C', kernelHeadersDir(), `M=${dir}`, 'modules'], { encoding: 'utf8', timeout: 1_500_000 });
    const log = make.stdout + make.stderr;
    expect(make.status, log).to.equal(0);
    expect(log).not.to.match(/warning|error/i);
    expect(fs.existsSync(path.join(dir, 'e1000_kdriver.ko')), log).to.equal(true);
  });

  it('loads in a 6.1 kernel under QEMU beside an e1000 NIC: /dev/mdidl-e1000 appears, probe fails cleanly without a u-driver, offers BAR0 to one while it probes, rmmod is clean', async () => {
    const ko = path.join(work, 'tree', 'kdriver', 'e1000_kdriver.ko');
    expect(fs.existsSync(ko), 'the kbuild test above builds the module').to.equal(true);
    const runtimeC = path.join(ROOT, 'runtime', 'c');
    const udrv = buildStatic({
      name: 'udrv_bar0',
      dir: work,
      sources: [path.join(ROOT, 'test', 'qemu', 'fixtures', 'udrv_bar0.c'), path.join(runtimeC, 'ukernel', 'mdidl_ukernel.c')],
      includeDirs: [runtimeC, path.join(runtimeC, 'ukernel'), path.join(ROOT, 'test', 'qemu', 'fixtures')],
      cflags: ['-pthread'],
    });
    const vm = await runInVm({
      files: [
        { guestPath: '/mdl/e1000_kdriver.ko', hostPath: ko, mode: 0o644 },
        { guestPath: '/mdl/udrv_bar0', hostPath: udrv },
      ],
      script: VM_SCRIPT,
      collect: ['/tmp/result'],
      timeoutMs: 300_000,
      devices: ['e1000'],
    });
    const res = vm.files.get('/tmp/result')?.toString('utf8') ?? '';
    const dmesg = vm.dmesg ?? '';
    const context = `\n--- result ---\n${res}\n--- dmesg (tail) ---\n${dmesg.slice(-6000)}\n--- console (tail) ---\n${vm.console.slice(-3000)}`;
    console.log(`      (VM run ${(vm.durationMs / 1000).toFixed(1)} s)`);
    expect(vm.exitCode, context).to.equal(0);
    // QEMU's 82540EM is there for the driver to probe.
    expect(res, context).to.match(/^nic 0000:/m);
    expect(res, context).to.match(/^insmod-exit 0$/m);
    expect(res, context).to.match(/^chardev yes$/m);
    expect(res, context).to.match(/^driver 1$/m);
    // Probe made its upcall, nobody answered, and it failed: the device stays unbound.
    expect(res, context).to.match(/^bound 0$/m);
    expect(dmesg, context).to.match(/e1000_kdriver: no u-driver attached to \/dev\/mdidl-e1000: its calls fail with -ENODEV$/m);
    // Bound again with a stand-in u-driver attached: BAR0 is its to map while the probe waits for
    // it, and withdrawn once it failed the probe (fixtures/udrv_bar0.c).
    const udrvChecks = ['resource0', 'open', 'probe-upcall-arrives', 'bar0-offered-during-probe', 'bar0-is-the-nics', 'probe-failed-by-the-u-driver', 'withdrawn-after-failed-probe', 'no-region-after-failed-probe'];
    expect(res.split('\n').filter((l) => /^(ok|FAIL) /.test(l)), context).to.deep.equal(udrvChecks.map((c) => `ok ${c}`));
    expect(res, context).to.match(/^udrv-exit 0$/m);
    expect(res, context).to.match(/^bind-exit [1-9]\d*$/m);
    expect(res, context).to.match(/^bound-after-bind 0$/m);
    expect(res, context).to.match(/^rmmod-exit 0$/m);
    expect(res, context).to.match(/^loaded-after-rmmod 0$/m);
    expect(res, context).to.match(/^node-after-rmmod no$/m);
    expect(kernelHealthy(dmesg), context).to.deep.equal([]);
  });

  it('a driver source it cannot follow is a located error, and nothing is emitted', () => {
    const bad = path.join(pp.dir, 'e1000_param.c');
    const orig = fs.readFileSync(bad, 'utf8');
    try {
      const lines = orig.split('\n');
      lines.splice(34, 1, `${lines[34]} }`);
      fs.writeFileSync(bad, lines.join('\n'));
      const out = emitKdriver({ result, files: pp.files, idl, version });
      expect(out.files).to.equal(null);
      expect(out.diagnostics.map((d) => `${path.basename(d.loc.file)}:${d.loc.line}:${d.loc.column}: ${d.message}`)).to.deep.equal([
        `e1000_param.c:35:${lines[34]!.length}: '}' without a matching '{'`,
      ]);
    } finally {
      fs.writeFileSync(bad, orig);
    }
  });
});

const VM_SCRIPT = `
out=/tmp/result
for d in /sys/bus/pci/devices/*; do
  if [ "$(cat $d/vendor)" = 0x8086 ] && [ "$(cat $d/device)" = 0x100e ]; then nic=$(basename $d); echo "nic $nic" >> $out; fi
done
insmod /mdl/e1000_kdriver.ko; echo "insmod-exit $?" >> $out
if [ -c /dev/mdidl-e1000 ]; then echo "chardev yes" >> $out; else echo "chardev no" >> $out; fi
echo "driver $(ls -d /sys/bus/pci/drivers/e1000 2>/dev/null | wc -l)" >> $out
echo "bound $(ls /sys/bus/pci/drivers/e1000 2>/dev/null | grep -c '^0000:')" >> $out
/mdl/udrv_bar0 $nic > /tmp/udrv 2>&1 &
pid=$!
i=0; while [ ! -e /tmp/udrv-ready ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done
echo $nic > /sys/bus/pci/drivers/e1000/bind; echo "bind-exit $?" >> $out
kill -USR1 $pid; wait $pid; echo "udrv-exit $?" >> $out
cat /tmp/udrv >> $out
echo "bound-after-bind $(ls /sys/bus/pci/drivers/e1000 2>/dev/null | grep -c '^0000:')" >> $out
rmmod e1000_kdriver; echo "rmmod-exit $?" >> $out
echo "loaded-after-rmmod $(grep -c '^e1000_kdriver ' /proc/modules)" >> $out
if [ -e /dev/mdidl-e1000 ]; then echo "node-after-rmmod yes" >> $out; else echo "node-after-rmmod no" >> $out; fi
exit 0
`;

interface OtherCase {
  name: '8139too' | 'uhci';
  /** A kernel-side function's first line, kept verbatim, and a user-side function's upcall body. */
  kept: RegExp;
  upcall: RegExp;
}

// The other two drivers whose module init registers a pci_driver (ens1371's comes from the
// module_pci_driver() macro: docs/real-e1000-split.md).
const OTHERS: OtherCase[] = [
  // The module is d8139too: a C name.
  { name: '8139too', kept: /^static irqreturn_t rtl8139_interrupt \(int irq, void \*dev_instance\)$/m, upcall: /\{ return d8139too_net_device_ops_ndo_open\(dev\); \}/ },
  // uhci-hcd.c includes uhci-q.c, uhci-hub.c, uhci-debug.c and uhci-pci.c, which use its statics.
  { name: 'uhci', kept: /^static irqreturn_t uhci_irq\(struct usb_hcd \*hcd\)$/m, upcall: /\{ return uhci_hc_driver_start\(hcd\); \}/ },
];

describe('split --emit on Linux 6.1 8139too and uhci-hcd: their k-drivers build too', function () {
  this.timeout(1_800_000);
  for (const c of OTHERS) {
    it(`${c.name}: kernel-side functions stay, upcall bodies, and kbuild builds the tree without a warning`, async () => {
      const pp = preprocessDriver(DRIVERS[c.name]);
      const work = fs.mkdtempSync(path.join(os.tmpdir(), `mdidl-emit-${c.name}-`));
      try {
        const sidecars = [path.join(ROOT, `test/split/sidecars/${c.name}.mda`)];
        const split = await splitDriver({ files: pp.files, sidecars, name: c.name });
        expect(split.diagnostics.filter((d) => d.severity === 'error')).to.deep.equal([]);
        const lowered = lowerInterface(split.result!, pp.files, sidecars, driverDir(pp.files));
        expect(lowered.diagnostics.filter((d) => d.severity === 'error').map((d) => d.message)).to.deep.equal([]);
        const out = emitKdriver({ result: split.result!, files: pp.files, idl: lowered.text!, version: '0.0.0-test' });
        expect(out.diagnostics.map((d) => `${d.loc.file}:${d.loc.line}: ${d.message}`)).to.deep.equal([]);
        for (const f of out.files!) {
          fs.mkdirSync(path.dirname(path.join(work, f.path)), { recursive: true });
          fs.writeFileSync(path.join(work, f.path), f.content);
        }
        const sources = out.files!.filter((f) => f.path.endsWith('.c')).map((f) => f.content).join('\n');
        expect(sources).to.match(c.kept);
        expect(sources).to.match(c.upcall);
        const dir = path.join(work, 'kdriver');
        const make = spawnSync('make', ['-C', kernelHeadersDir(), `M=${dir}`, 'modules'], { encoding: 'utf8', timeout: 1_500_000 });
        const log = make.stdout + make.stderr;
        expect(make.status, log).to.equal(0);
        expect(log).not.to.match(/warning|error/i);
        expect(fs.existsSync(path.join(dir, `${c.name}_kdriver.ko`)), log).to.equal(true);
      } finally {
        fs.rmSync(work, { recursive: true, force: true });
        fs.rmSync(pp.dir, { recursive: true, force: true });
      }
    });
  }
});
