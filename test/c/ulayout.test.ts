// userLayout "kernel" (docs/c-api.md): the u-driver's stubs with the kernel's types, and mdidl's
// channel in user mode on runtime/c/ukernel. The e1000 split's interface (split + lower, as
// test/split/real-build does) is compiled to both C flavours; both sides, the channel and the test's
// two programs are preprocessed by kbuild against the installed kernel's headers and compiled in user
// mode (gcc -fno-pie, -Wall -Wextra -Werror on everything that is mdidl's or the test's, the kernel's
// and the driver's headers counted as system headers), linked with ukernel and a plain user-mode
// unit holding the transport (mdidl_fd.h), and run against each other over a socketpair: an upcall
// brings a net_device whose netdev_priv() area holds the adapter's fields, the u-driver's writes
// come back, and its downcall reaches the kernel's own net_device. Without linux-source-6.1, the
// kernel headers or gcc the helpers throw: a failure.
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { cKernelBackend, cUserBackend } from '../../compiler/backends/c/index.js';
import type { BackendContext } from '../../compiler/backends/types.js';
import { frontEnd } from '../../compiler/pipeline.js';
import { driverDir } from '../../compiler/split/frontend.js';
import { lowerInterface } from '../../compiler/split/idl.js';
import { splitDriver } from '../../compiler/split/index.js';
import { checkLines } from '../check-lines.js';
import { DRIVERS, kernelHeaders, preprocessDriver } from '../real/linux-source.js';
import { ROOT, runProgram, RUNTIME_C, sanitizerFlags, TEST_C } from './vectors.js';

const HERE = path.join(TEST_C, 'ulayout');
const UKERNEL = path.join(RUNTIME_C, 'ukernel');
const WARN = ['-std=gnu11', '-Wall', '-Wextra', '-Werror'];
const MODULE = 'e1000_idl';

function run(cmd: string, args: string[], opts: { cwd?: string; timeout?: number } = {}): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 << 20, ...opts });
  if (r.error) throw new Error(`${cmd}: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}:\n${r.stdout}${r.stderr}`);
  return r.stdout + r.stderr;
}

/** The tick rate of the installed kernel (ukernel's jiffies follow it). */
function kernelHz(): number {
  const m = /^#define CONFIG_HZ (\d+)$/m.exec(fs.readFileSync(path.join(kernelHeaders(), 'include', 'generated', 'autoconf.h'), 'utf8'));
  if (!m) throw new Error('no CONFIG_HZ in the kernel headers');
  return Number(m[1]);
}

/**
 * A kbuild `.i` whose line markers put every file but `ours` among the system headers, so gcc's
 * warnings judge mdidl's code and the test's, not the kernel's or the driver's (which are not
 * ours to change and warn under -Wextra).
 */
function asSystemHeaders(file: string, ours: Set<string>): string {
  const text = fs.readFileSync(file, 'utf8').replace(/^# (\d+) "([^"]*)"((?: \d)*)$/gm, (line, n: string, f: string, flags: string) => {
    // The working folder's marker (`"dir//"`) and the built-ins take no flags.
    if (f.startsWith('<') || f.endsWith('//') || ours.has(path.basename(f)) || flags.includes(' 3')) return line;
    return `# ${n} "${f}"${flags} 3`;
  });
  const out = file.replace(/\.i$/, '.sys.i');
  fs.writeFileSync(out, text);
  return out;
}

/** Symbols of an object file: what it defines (globally) and what it needs. */
function symbols(obj: string): { defined: Set<string>; undefined: Set<string> } {
  const defined = new Set<string>();
  const undef = new Set<string>();
  for (const line of run('nm', [obj]).split('\n')) {
    const m = /^(?:[0-9a-f]+)?\s+([A-Za-z])\s+(\S+)$/.exec(line);
    if (!m) continue;
    if (m[1] === 'U') undef.add(m[2]!);
    else if (m[1] === m[1]!.toUpperCase()) defined.add(m[2]!);
  }
  return { defined, undefined: undef };
}

function generate(idl: string, ctx: BackendContext): { kernel: Map<string, string>; user: Map<string, string> } {
  const fe = frontEnd([idl]);
  if (!fe.ir) throw new Error(fe.diagnostics.map((d) => `${d.loc.file}:${d.loc.line}:${d.loc.column}: ${d.message}`).join('\n'));
  const files = (b: typeof cKernelBackend): Map<string, string> => new Map(b.generate(fe.ir!, ctx).map((f) => [f.path, f.content]));
  return { kernel: files(cKernelBackend), user: files(cUserBackend) };
}

describe('userLayout "kernel": the user stubs with the kernel\'s layout, the channel in user mode on ukernel', function () {
  this.timeout(1_800_000);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mdidl-ulayout-'));
  let ppDir = '';
  let idlFile = '';
  after(() => {
    fs.rmSync(tmp, { recursive: true, force: true });
    if (ppDir) fs.rmSync(ppDir, { recursive: true, force: true });
  });

  before(async () => {
    const pp = preprocessDriver(DRIVERS.e1000);
    ppDir = pp.dir;
    const sidecars = [path.join(ROOT, 'test/split/sidecars/e1000.mda')];
    const { result, diagnostics } = await splitDriver({ files: pp.files, sidecars, name: 'e1000' });
    expect(diagnostics.filter((d) => d.severity === 'error').map((d) => d.message)).to.deep.equal([]);
    const idl = lowerInterface(result!, pp.files, sidecars, driverDir(pp.files));
    expect(idl.diagnostics.filter((d) => d.severity === 'error').map((d) => d.message)).to.deep.equal([]);
    expect(/^module (\w+)/m.exec(idl.text!)?.[1]).to.equal(MODULE);
    idlFile = path.join(tmp, `${MODULE}.mdl`);
    fs.writeFileSync(idlFile, idl.text!);
  });

  const CTX: BackendContext = { sources: [`${MODULE}.mdl`], version: 'test', license: 'GPL-2.0', kernelIncludes: ['linux/module.h', 'linux/netdevice.h'] };

  it('the user C takes the kernel C\'s header; without the key it is the IDL\'s views, as before', () => {
    const kernelLayout = generate(idlFile, { ...CTX, userLayout: 'kernel' });
    const idlLayout = generate(idlFile, { ...CTX, userLayout: 'idl' });
    const absent = generate(idlFile, CTX);
    const h = `${MODULE}.h`;
    const uc = `${MODULE}_user.c`;
    expect(kernelLayout.user.get(h)).to.equal(kernelLayout.kernel.get(h));
    expect(kernelLayout.user.get(h)).to.contain('#include <linux/netdevice.h>\n');
    expect(kernelLayout.user.get(h)).not.to.match(/^struct net_device \{$/m);
    // The default is the key absent, byte for byte (the samples' committed stubs are checked by `mdidl check`).
    expect(absent.user.get(h)).to.equal(idlLayout.user.get(h));
    expect(absent.user.get(uc)).to.equal(idlLayout.user.get(uc));
    expect(absent.user.get(h)).to.match(/^struct net_device \{$/m);
    expect(absent.user.get(h)).not.to.contain('#include <linux/');
    // The kernel C does not depend on the key.
    expect(kernelLayout.kernel.get(`${MODULE}_kernel.c`)).to.equal(absent.kernel.get(`${MODULE}_kernel.c`));
    const user = kernelLayout.user.get(uc)!;
    // The area: read through netdev_priv(), its object placed in the shadow's area, not home_only.
    expect(user).to.contain('return (void *)(uintptr_t)netdev_priv((struct net_device *)(uintptr_t)(obj));');
    expect(user).to.contain('.area = e1000_idl_area_net_device,');
    expect(user).to.contain('.area_size = sizeof(struct e1000_adapter),');
    expect(user).to.match(/mdl_in_area\(m, r, &e1000_idl_desc_e1000_adapter, (true|false), &p\)/);
    expect(user).not.to.contain('home_only');
    expect(user).not.to.match(/->priv\b/);
    // The config key reaches the backends through `mdidl compile` (and `check`, which shares the context).
    const cli = path.join(tmp, 'cli');
    fs.mkdirSync(cli);
    fs.copyFileSync(idlFile, path.join(cli, `${MODULE}.mdl`));
    const config = { inputs: [`${MODULE}.mdl`], targets: ['c-kernel', 'c-user'], outDir: 'gen', license: 'GPL-2.0', kernelIncludes: CTX.kernelIncludes, userLayout: 'kernel' };
    fs.writeFileSync(path.join(cli, 'mdidl.config.json'), JSON.stringify(config));
    run(process.execPath, [path.join(ROOT, 'bin/mdidl.js'), 'compile', '--config', path.join(cli, 'mdidl.config.json')]);
    const written = (t: string, f: string): string => fs.readFileSync(path.join(cli, 'gen', t, f), 'utf8');
    expect(written('c-user', h)).to.equal(written('c-kernel', h));
    expect(written('c-user', uc).replace(/^\/\* .*\*\/\n/gm, '')).to.equal(user.replace(/^\/\* .*\*\/\n/gm, ''));
    // Const kernel pointer fields are the kernel's values arriving: the user side takes them.
    expect(kernelLayout.kernel.get(`${MODULE}_kernel.c`)).to.contain('is const in the kernel\'s definition');
    expect(user).not.to.contain('is const in the kernel\'s definition');
  });

  it('the user side refuses a k-driver that claims another area for dev->priv, or frees an owner and not its area (ASan/UBSan)', () => {
    // trailing.mdl (test/c/trailing) with kdefs.h as the kernel's header, both sides on test/c/shim;
    // lie.h makes the kernel stubs' netdev_priv() claim what the test says.
    const g = generate(path.join(TEST_C, 'trailing', 'trailing.mdl'), { sources: ['trailing.mdl'], version: 'test', userLayout: 'kernel' });
    const dir = path.join(tmp, 'trl');
    fs.mkdirSync(dir);
    for (const [f, text] of [...g.kernel, ...g.user]) fs.writeFileSync(path.join(dir, f), text);
    const flags = [...WARN, '-O1', '-g', ...sanitizerFlags().flags, '-D__KERNEL__', `-I${path.join(TEST_C, 'shim')}`, `-I${RUNTIME_C}`, `-I${path.join(TEST_C, 'trailing')}`, `-I${HERE}`, `-I${dir}`];
    const kernel = path.join(dir, 'kernel_side');
    const user = path.join(dir, 'user_side');
    run('gcc', [...flags, '-include', 'lie.h', path.join(HERE, 'trl_kernel_side.c'), path.join(dir, 'trl_kernel.c'), path.join(RUNTIME_C, 'mdidl_rpc.c'), '-o', kernel, '-lpthread']);
    run('gcc', [...flags, path.join(HERE, 'trl_user_side.c'), path.join(dir, 'trl_user.c'), path.join(RUNTIME_C, 'mdidl_rpc.c'), '-o', user, '-lpthread']);
    const r = runProgram(kernel, [user], 60000);
    const output = r.stdout + r.stderr;
    expect(output).not.to.match(/FAIL/);
    expect(output).to.match(/^user: 12 checks, 0 failures$/m);
    expect(output).to.match(/^kernel: 14 checks, 0 failures$/m);
    expect(r.status, output).to.equal(0);
  });

  it("ukernel's ___ratelimit behaves as the kernel's, on the installed kernel's struct ratelimit_state", () => {
    const hz = kernelHz();
    const d = path.join(tmp, 'abi');
    fs.mkdirSync(d);
    fs.writeFileSync(
      path.join(d, 'abi.c'),
      [
        '// SPDX-License-Identifier: GPL-2.0',
        '#include <linux/module.h>',
        '#include <linux/ratelimit.h>',
        '#include "mdidl_ukernel.h"',
        'static_assert(offsetof(struct ratelimit_state, lock) == 0);',
        'static_assert(sizeof(raw_spinlock_t) == MDL_UK_SPINLOCK_SIZE);',
        'static_assert(offsetof(struct ratelimit_state, interval) == MDL_UK_RATELIMIT_INTERVAL);',
        'static_assert(offsetof(struct ratelimit_state, burst) == MDL_UK_RATELIMIT_BURST);',
        'static_assert(offsetof(struct ratelimit_state, printed) == MDL_UK_RATELIMIT_PRINTED);',
        'static_assert(offsetof(struct ratelimit_state, missed) == MDL_UK_RATELIMIT_MISSED);',
        'static_assert(offsetof(struct ratelimit_state, begin) == MDL_UK_RATELIMIT_BEGIN);',
        'static_assert(offsetof(struct ratelimit_state, flags) == MDL_UK_RATELIMIT_FLAGS);',
        'static_assert(RATELIMIT_MSG_ON_RELEASE == MDL_UK_RATELIMIT_MSG_ON_RELEASE);',
        'static_assert(sizeof(struct ratelimit_state) <= 40);',
        'MODULE_LICENSE("GPL");',
        '',
      ].join('\n'),
    );
    fs.writeFileSync(path.join(d, 'Kbuild'), `obj-m := abi.o\nccflags-y := -I${UKERNEL} -DMDL_HZ=${hz} -Werror\n`);
    const out = run('make', ['-C', kernelHeaders(), `M=${d}`, 'modules']);
    expect(out).not.to.match(/warning:/i);
    expect(fs.existsSync(path.join(d, 'abi.ko'))).to.equal(true);

    const exe = path.join(tmp, 'ratelimit_check');
    run('gcc', [...WARN, '-O2', '-fno-pie', '-no-pie', `-DMDL_HZ=${hz}`, `-I${UKERNEL}`, path.join(HERE, 'ratelimit_check.c'), path.join(UKERNEL, 'mdidl_ukernel.c'), '-pthread', '-o', exe]);
    const lines = checkLines(run(exe, [], { timeout: 60000 }));
    expect([...lines.keys()]).to.deep.equal(['burst', 'lock-released', 'next-interval', 'suppressed-line', 'no-interval']);
    for (const [name, line] of lines) expect(line, name).to.match(/^ok /);
  });

  it('both sides build from kbuild units in user mode, link with ukernel and a plain transport unit, and run: the private area crosses', () => {
    const hz = kernelHz();
    const g = generate(idlFile, { ...CTX, userLayout: 'kernel' });
    const kb = path.join(tmp, 'kb');
    fs.mkdirSync(kb);
    for (const [f, text] of [...g.kernel, ...g.user]) fs.writeFileSync(path.join(kb, f), text);
    // The driver's own headers ([header("e1000.h")]), the runtime and the test's units: copies, in one kbuild folder.
    for (const f of fs.readdirSync(ppDir).filter((f) => f.endsWith('.h'))) fs.copyFileSync(path.join(ppDir, f), path.join(kb, f));
    const runtime = fs.readdirSync(RUNTIME_C).filter((f) => /^mdidl_.*\.h$/.test(f));
    for (const f of [...runtime, 'mdidl_rpc.c']) fs.copyFileSync(path.join(RUNTIME_C, f), path.join(kb, f));
    for (const f of ['kside.c', 'uside.c', 'ul_host.h']) fs.copyFileSync(path.join(HERE, f), path.join(kb, f));
    const units = [`${MODULE}_kernel`, `${MODULE}_user`, 'mdidl_rpc', 'kside', 'uside'];
    // MDL_UKERNEL: the channel's kernel flavour takes the thread's identity from ukernel.
    fs.writeFileSync(path.join(kb, 'Kbuild'), `obj-m := ul.o\nul-objs := ${units.map((u) => `${u}.o`).join(' ')}\nccflags-y := -I$(src) -DMDL_UKERNEL\n`);
    const ours = new Set([...g.kernel.keys(), ...g.user.keys(), ...runtime, 'mdidl_rpc.c', 'kside.c', 'uside.c', 'ul_host.h']);
    const obj = new Map<string, string>();
    for (const u of units) {
      run('make', ['-s', '-C', kernelHeaders(), `M=${kb}`, `${u}.i`]);
      const o = path.join(kb, `${u}.o`);
      const r = spawnSync('gcc', [...WARN, '-O2', '-fno-pie', '-x', 'cpp-output', '-c', asSystemHeaders(path.join(kb, `${u}.i`), ours), '-o', o], { encoding: 'utf8' });
      expect(r.status, `${u}: ${r.stderr}`).to.equal(0);
      expect(r.stderr, u).to.equal('');
      obj.set(u, o);
    }
    // The plain user-mode unit: the transport over the socketpair, the process, the report.
    const host = path.join(kb, 'ul_host.o');
    run('gcc', [...WARN, '-O2', `-I${RUNTIME_C}`, `-I${HERE}`, '-c', path.join(HERE, 'ul_host.c'), '-o', host]);
    const uk = path.join(kb, 'mdidl_ukernel.o');
    run('gcc', [...WARN, '-O2', '-fno-pie', `-DMDL_HZ=${hz}`, '-c', path.join(UKERNEL, 'mdidl_ukernel.c'), '-o', uk]);

    // The channel, built from kbuild's unit, needs the kernel only for what ukernel provides.
    const lib = symbols(uk).defined;
    const rpc = symbols(obj.get('mdidl_rpc')!).undefined;
    const missing = [...rpc].filter((s) => !lib.has(s) && !['memcpy', 'memmove', 'memset'].includes(s)).sort();
    expect(missing, 'kernel symbols mdidl_rpc.c needs that ukernel lacks').to.deep.equal([]);
    expect([...rpc]).to.include.members(['___ratelimit', 'kvmalloc_node', 'kvfree', '__mutex_init', 'mutex_lock', 'mdl_uk_thread_self']);

    const kside = path.join(kb, 'kside');
    const uside = path.join(kb, 'uside');
    run('gcc', ['-no-pie', '-o', kside, obj.get('kside')!, obj.get(`${MODULE}_kernel`)!, obj.get('mdidl_rpc')!, host, uk, '-pthread']);
    run('gcc', ['-no-pie', '-o', uside, obj.get('uside')!, obj.get(`${MODULE}_user`)!, obj.get('mdidl_rpc')!, host, uk, '-pthread']);
    const r = spawnSync(kside, [uside], { encoding: 'utf8', timeout: 120000 });
    const output = r.stdout + r.stderr;
    expect(output).not.to.match(/FAIL/);
    expect(output).to.match(/^user: 12 checks, 0 failures$/m);
    expect(output).to.match(/^kernel: 11 checks, 0 failures$/m);
    expect(r.status, output).to.equal(0);
  });
});
