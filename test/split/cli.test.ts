// `mdidl split` and `mdidl report` as a user runs them: outputs, exit statuses, located errors.
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { splitDriver } from '../../compiler/split/index.js';
import { lowerInterface } from '../../compiler/split/idl.js';
import { FIXTURES, preprocessFixture, removeFixtureDirs } from './util.js';

const BIN = path.resolve('bin/mdidl.js');

function run(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('split and report: command line', () => {
  after(removeFixtureDirs);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mdidl-split-cli-'));
  // In a hook, not at load time: another file's after(removeFixtureDirs) would remove it first.
  let minic = '';
  before(() => {
    minic = preprocessFixture('minic', ['__MDIDL__']);
  });
  const sidecar = path.join(FIXTURES, 'minic', 'minic.mda');
  after(() => {
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('writes the partition, the DOT graph and the JSON; report reads the JSON back', () => {
    const out = path.join(tmp, 'out');
    const r = run(['split', '--sidecar', sidecar, '-o', out, minic]);
    expect(r.stderr).to.equal('');
    expect(r.status).to.equal(0);
    expect(fs.readdirSync(out).sort()).to.deep.equal(['minic.dot', 'minic.partition', 'minic.split.json']);
    expect(fs.readFileSync(path.join(out, 'minic.partition'), 'utf8')).to.equal(fs.readFileSync(path.join(FIXTURES, 'minic', 'minic.partition'), 'utf8'));
    const json = JSON.parse(fs.readFileSync(path.join(out, 'minic.split.json'), 'utf8')) as { functions: unknown[]; timing?: unknown };
    expect(json.functions.length).to.equal(26);
    expect(json.timing).to.equal(undefined); // timings vary: only with --timing
    const rep = run(['report', '--json', path.join(out, 'minic.split.json')]);
    expect(rep.status).to.equal(0);
    const table = JSON.parse(rep.stdout) as { driver: string; functions: { kernel: number; user: number; both: number }; annotations: { sidecar: number; source: number } }[];
    expect(table[0]!.driver).to.equal('minic');
    expect(table[0]!.functions).to.deep.equal({ kernel: 11, user: 13, both: 2 });
    // Five sidecar lines; MDL_CRITICAL once in the source (its #define lines and comments do not count).
    expect(table[0]!.annotations).to.include({ sidecar: 5, source: 1, total: 6 });
    const md = run(['report', '--markdown', path.join(out, 'minic.split.json')]);
    expect(md.stdout.split('\n')[0]).to.equal('| | minic |');
  });

  it('--idl writes the interface: it checks, compiles to kernel and user C, and gcc builds both with -Werror', () => {
    const out = path.join(tmp, 'idl');
    const r = run(['split', '--idl', '--no-builtin-sidecar', '--sidecar', sidecar, '-o', out, minic]);
    expect(r.status, r.stderr).to.equal(0);
    const mdl = fs.readFileSync(path.join(out, 'minic.mdl'), 'utf8');
    expect(mdl).to.equal(fs.readFileSync(path.join(FIXTURES, 'minic', 'minic.mdl'), 'utf8'));
    expect(mdl).to.contain('upcall s32 ndo_change_mtu(net_device *dev, s32 new_mtu) reads(dev.priv) writes(dev.mtu);');
    // A k-driver function user-mode code calls (with the lock held) is a downcall. It reads p->regs,
    // which no user-mode code writes: the kernel's copy stands, so the call does not carry it.
    expect(mdl).to.contain('downcall void minic_apply_mtu(minic_priv *p, s32 mtu) reads() writes();');
    const gen = path.join(tmp, 'gen');
    const c = run(['compile', path.join(out, 'minic.mdl'), '-t', 'c-kernel', '-t', 'c-user', '-o', gen]);
    expect(c.status, c.stderr).to.equal(0);
    const warn = ['-std=gnu11', '-Wall', '-Wextra', '-Werror', `-I${path.resolve('runtime/c')}`];
    const user = spawnSync('gcc', [...warn, `-I${path.join(gen, 'c-user')}`, '-c', path.join(gen, 'c-user', 'minic_user.c'), '-o', path.join(gen, 'u.o')], { encoding: 'utf8' });
    expect(user.status, user.stderr).to.equal(0);
    // The k-driver includes the (mock) kernel header its types come from ([header("kmini.h")]).
    const kernel = spawnSync('gcc', [...warn, '-D__KERNEL__', `-I${path.resolve('test/c/shim')}`, `-I${path.join(FIXTURES, 'include')}`, `-I${path.join(gen, 'c-kernel')}`, '-c', path.join(gen, 'c-kernel', 'minic_kernel.c'), '-o', path.join(gen, 'k.o')], { encoding: 'utf8' });
    expect(kernel.status, kernel.stderr).to.equal(0);
  });

  it('a sized buffer naming no parameter of its member is a located error, at the sidecar line and the function', () => {
    const bad = path.join(tmp, 'sized-bad.mda');
    fs.writeFileSync(bad, fs.readFileSync(sidecar, 'utf8').replace('ethtool_ops.get_strings(data): sized(', 'ethtool_ops.get_strings(buffer): sized('));
    const r = run(['split', '--idl', '--no-builtin-sidecar', '--sidecar', bad, '-o', path.join(tmp, 'sized-bad'), minic]);
    expect(r.status).to.equal(1);
    expect(r.stderr).to.match(/sized-bad\.mda:5:1: error: [^\n]*'buffer'/);
    expect(r.stderr).to.match(/minic\.c:\d+:1: error: minic_get_strings is in ethtool_ops\.get_strings, whose buffer a sidecar says the kernel sizes, but ethtool_ops\.get_strings has no parameter 'buffer' \(it has dev, stringset, data\): its sized buffer cannot cross/);
  });

  it("the built-in sized buffers apply only where the member has the parameter they name, and --no-builtin-sidecar drops them", async () => {
    // Without minic.mda's own sized entry, linux.mda's applies to the member (it names `arg2`)...
    const plain = path.join(tmp, 'unsized.mda');
    fs.writeFileSync(plain, fs.readFileSync(sidecar, 'utf8').replace(/^ethtool_ops\.get_strings\(data\): sized.*\n/m, ''));
    const { result } = await splitDriver({ files: [minic], sidecars: [plain] });
    expect(result!.crossings.find((c) => c.fn === 'minic_get_strings')!.sized).to.deep.equal({ member: 'ethtool_ops.get_strings', param: 'arg2', expr: 'arg0->ethtool_ops->get_sset_count(arg0, stringset) * ETH_GSTRING_LEN', max: '65536', builtin: true });
    // ...but kmini.h names that parameter `data`: the member's ordinary upcall stays (lower then
    // stops at kmini.h's fixed dev_addr, which the built-in file's count does not fit, as always).
    const on = lowerInterface(result!, [minic], [plain], path.dirname(minic), true);
    expect(on.sidecar).to.match(/^ethtool_ops\.get_strings: upcall reads\(dev->priv, dev->priv->strings_read\) writes\(dev->priv->strings_read\)   # minic_get_strings$/m);
    expect(on.sidecar).not.to.contain('sized_');
    const out = path.join(tmp, 'unsized');
    const r = run(['split', '--idl', '--no-builtin-sidecar', '--sidecar', plain, '-o', out, minic]);
    expect(r.status, r.stderr).to.equal(0);
    const mdl = fs.readFileSync(path.join(out, 'minic.mdl'), 'utf8');
    expect(mdl).to.match(/upcall void get_strings\(net_device \*dev, u32 stringset, u8 \*data\) reads\(dev\.priv, dev\.priv\.strings_read\) writes\(dev\.priv\.strings_read\);/);
    expect(mdl).not.to.contain('sized_minic_get_strings');
    // A built-in entry that does fit the header (here: one naming `data`) is dropped by the flag alone.
    const fits = { ...result!, crossings: result!.crossings.map((c) => (c.sized ? { ...c, sized: { ...c.sized, param: 'data' } } : c)) };
    expect(lowerInterface(fits, [minic], [plain], path.dirname(minic), true).sidecar).to.contain('sized_minic_get_strings(buf): out count(len) max(65536)');
    const off = lowerInterface(fits, [minic], [plain], path.dirname(minic), false);
    expect(off.text, off.diagnostics.map((d) => d.message).join('\n')).to.contain('upcall void get_strings(net_device *dev, u32 stringset, u8 *data)');
    expect(off.sidecar).not.to.contain('sized_');
  });

  it('report runs the split itself on .i inputs', () => {
    const r = run(['report', '--sidecar', sidecar, minic]);
    expect(r.status).to.equal(0);
    expect(r.stdout).to.match(/^functions: kernel \/ user \/ both +11 \/ 13 \/ 2$/m);
  });

  it('reports a broken sidecar at its line and writes nothing', () => {
    const bad = path.join(tmp, 'bad.mda');
    fs.writeFileSync(bad, 'minic_open: critcal\n');
    const out = path.join(tmp, 'none');
    const r = run(['split', '--sidecar', bad, '-o', out, minic]);
    expect(r.status).to.equal(1);
    expect(r.stderr).to.match(new RegExp(`^${bad.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:1:\\d+: error: `, 'm'));
    expect(fs.existsSync(out)).to.equal(false);
  });

  it('a sidecar critical naming no function of the driver is an error at that line', () => {
    const bad = path.join(tmp, 'nofn.mda');
    fs.writeFileSync(bad, '# comment\nno_such_function: critical\n');
    const r = run(['split', '--sidecar', bad, minic]);
    expect(r.status).to.equal(1);
    expect(r.stderr).to.contain(`${bad}:2:1: error: 'no_such_function' is not a function of this driver`);
  });

  it('a missing unit, C that clang rejects and a missing clang are located errors', () => {
    const missing = run(['split', path.join(tmp, 'nope.i')]);
    expect(missing.status).to.equal(1);
    expect(missing.stderr).to.contain(`${path.join(tmp, 'nope.i')}:1:1: error: cannot read`);
    const broken = path.join(tmp, 'broken.i');
    fs.writeFileSync(broken, 'int f( {\n');
    const r = run(['split', broken]);
    expect(r.status).to.equal(1);
    expect(r.stderr).to.contain(`${broken}:1:1: error: clang could not compile this unit`);
    const noClang = run(['split', '--clang', path.join(tmp, 'no-clang'), minic]);
    expect(noClang.status).to.equal(1);
    expect(noClang.stderr).to.contain('cannot run');
    expect(noClang.stderr).not.to.contain('internal error');
  });

  it('a unit that is a device, a FIFO or a folder is a located error, never a hang or a crash', () => {
    const fifo = path.join(tmp, 'fifo.i');
    const made = spawnSync('mkfifo', [fifo]);
    expect(made.status, 'mkfifo').to.equal(0);
    for (const [unit, why] of [['/dev/zero', 'it is not a regular file'], [fifo, 'it is not a regular file'], [tmp, 'it is a folder, not a file']] as const) {
      const r = spawnSync(process.execPath, [BIN, 'split', unit], { encoding: 'utf8', timeout: 60_000 });
      expect(r.status, `${unit}: ${r.stderr}`).to.equal(1);
      expect(r.stderr).to.contain(`${unit}:1:1: error: cannot read '${unit}': ${why}`);
    }
  });

  it('report: malformed or foreign JSON is a located error', () => {
    const bad = path.join(tmp, 'bad.split.json');
    const rest = '"crossings": [], "defaulted": [], "sourceLines": {}, "annotations": {"sidecar": 0, "source": 0}';
    fs.writeFileSync(bad, `{\n  "driver": "x", ${rest},\n  "functions": [ {"fn": 1} ]\n}\n`);
    const r = run(['report', bad]);
    expect(r.status).to.equal(1);
    expect(r.stderr).to.contain(`${bad}:3:18: error: a function needs fn (string)`);
    fs.writeFileSync(bad, '{\n  "driver": "x"\n}\n');
    expect(run(['report', bad]).stderr).to.contain(`${bad}:1:1: error: 'functions' must be an array`);
    fs.writeFileSync(bad, '{ "driver": ');
    const r2 = run(['report', bad]);
    expect(r2.status).to.equal(1);
    expect(r2.stderr).to.match(new RegExp(`${bad.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:1:\\d+: error: `));
  });

  it('usage errors exit 2', () => {
    expect(run(['report', '--json', '--markdown', 'a.json']).status).to.equal(2);
    expect(run(['split', '--name', 'a/b', minic]).status).to.equal(2);
  });
});
