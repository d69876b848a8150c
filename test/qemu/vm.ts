// Running things inside a real Linux kernel: Debian's kernel image booted under QEMU (TCG: on
// these machines /dev/kvm exists but hangs the guest) with a busybox initramfs built here, plus the
// builds that feed it: kernel modules with kbuild against the matching headers, and static user
// programs. .ci/run installs what this needs; a missing piece is an error that names the package,
// never a skip, so a machine without a kernel cannot pass the tests that need one.
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { gzipSync } from 'node:zlib';

const BUSYBOX = '/bin/busybox';
const QEMU = 'qemu-system-x86_64';

// ---- the kernel ----------------------------------------------------------------------------------

/**
 * The ABI name (e.g. `6.1.0-56-amd64`) of the newest kernel that has both headers
 * (/usr/src/linux-headers-<abi>, what modules build against) and an image (/boot/vmlinuz-<abi>,
 * what the VM boots): a module only loads into the kernel whose headers built it.
 */
export function kernelAbi(): string {
  let abis: string[] = [];
  try {
    abis = fs.readdirSync('/usr/src').flatMap((d) => /^linux-headers-(.+-amd64)$/.exec(d)?.[1] ?? []);
  } catch {
    // no /usr/src at all: same message as no headers
  }
  if (abis.length === 0) {
    throw new Error('no /usr/src/linux-headers-*-amd64: install linux-headers-amd64 and linux-image-amd64 (the same version; .ci/run does)');
  }
  abis.sort((a, b) => b.localeCompare(a, 'en', { numeric: true }));
  const abi = abis.find((a) => fs.existsSync(`/boot/vmlinuz-${a}`));
  if (!abi) {
    throw new Error(`kernel headers for ${abis.join(', ')} but no /boot/vmlinuz-${abis[0]}: install linux-image-${abis[0]} (.ci/run does)`);
  }
  return abi;
}

export function kernelHeadersDir(abi: string = kernelAbi()): string {
  return `/usr/src/linux-headers-${abi}`;
}

export function kernelImage(abi: string = kernelAbi()): string {
  return `/boot/vmlinuz-${abi}`;
}

/**
 * The problems a kernel log shows: oopses, BUGs, WARNs, lockdep and sanitizer reports, list
 * corruption, hung tasks, panics. One line per hit, as the log has it.
 */
export function kernelHealthy(dmesg: string): string[] {
  const bad = [
    /\bOops\b/,
    /\bBUG:/,
    /\bWARNING:/,
    /kernel BUG at/,
    /general protection fault/i,
    /Call Trace:/,
    /\bKASAN\b/,
    /\bUBSAN\b/,
    /\bKFENCE\b/,
    /list_(?:add|del) corruption/i,
    /refcount_t: /,
    /possible circular locking dependency|possible recursive locking|inconsistent lock state/,
    /sleeping function called from invalid context/,
    /scheduling while atomic/,
    /blocked for more than \d+ seconds/,
    /soft lockup|hard LOCKUP|rcu_(?:sched|preempt) (?:self-)?detected stall/,
    /Kernel panic/,
    /kmemleak/,
  ];
  return dmesg.split('\n').filter((line) => bad.some((re) => re.test(line)));
}

// ---- builds ------------------------------------------------------------------------------------

export interface ModuleOptions {
  /** The module's name: <name>.ko. It must differ from every source's base name (kbuild links the sources into <name>.o). */
  name: string;
  /** An empty directory to build in; the sources and headers are copied there. */
  dir: string;
  /** .c files. */
  sources: string[];
  /** Directories whose .h files the sources include. */
  includeDirs: string[];
  /** Added to ccflags-y (-Werror always is). */
  ccflags?: string[];
}

export interface ModuleBuild {
  ko: string;
  /** make's output, stdout and stderr. */
  output: string;
}

/**
 * Builds an out-of-tree module with kbuild against the headers of kernelAbi(), with -Werror and
 * W=1; throws when the build fails or prints any warning.
 */
export function buildModule(opts: ModuleOptions): ModuleBuild {
  const kdir = kernelHeadersDir();
  requireTool('make', ['--version'], 'make');
  // Copies rather than -I into the checkout: kbuild splits flags on spaces, and a path may have some.
  const objs: string[] = [];
  for (const src of opts.sources) {
    const base = path.basename(src);
    if (!base.endsWith('.c')) throw new Error(`buildModule: ${src} is not a .c file`);
    const obj = base.slice(0, -2);
    if (obj === opts.name) throw new Error(`buildModule: module ${opts.name} cannot also have a source ${base}`);
    if (objs.includes(`${obj}.o`)) throw new Error(`buildModule: two sources named ${base}`);
    fs.copyFileSync(src, path.join(opts.dir, base));
    objs.push(`${obj}.o`);
  }
  const incs = opts.includeDirs.map((inc, i) => {
    const to = path.join(opts.dir, `include${i}`);
    fs.mkdirSync(to, { recursive: true });
    for (const h of fs.readdirSync(inc).filter((f) => f.endsWith('.h'))) fs.copyFileSync(path.join(inc, h), path.join(to, h));
    return `-I$(src)/include${i}`;
  });
  const extra = opts.ccflags ?? [];
  if ([...extra, opts.name].some((f) => /\s/.test(f))) throw new Error('buildModule: kbuild cannot take a flag or name with spaces');
  fs.writeFileSync(
    path.join(opts.dir, 'Kbuild'),
    [`obj-m := ${opts.name}.o`, `${opts.name}-y := ${objs.join(' ')}`, `ccflags-y += -Werror ${[...incs, ...extra].join(' ')}`, ''].join('\n'),
  );
  // W=1: the extra warnings the kernel asks of new code.
  const run = spawnSync('make', ['-C', kdir, `M=${opts.dir}`, 'W=1', 'modules'], { encoding: 'utf8', timeout: 300000 });
  const output = `${run.stdout ?? ''}\n${run.stderr ?? ''}`;
  if (run.error) throw new Error(`kbuild did not run: ${run.error.message}\n${output}`);
  if (run.status !== 0) throw new Error(`kbuild failed (exit ${run.status}):\n${output}`);
  if (/warning:/i.test(output)) throw new Error(`kbuild printed warnings:\n${output}`);
  const ko = path.join(opts.dir, `${opts.name}.ko`);
  if (!fs.existsSync(ko)) throw new Error(`kbuild made no ${ko}:\n${output}`);
  return { ko, output };
}

export interface StaticOptions {
  /** The executable's file name in dir. */
  name: string;
  dir: string;
  sources: string[];
  includeDirs: string[];
  cflags?: string[];
}

/**
 * Builds a static executable (it runs in the initramfs, which has no C library) with
 * `gcc -std=gnu11 -Wall -Wextra -Werror -static`; throws with gcc's output on failure.
 */
export function buildStatic(opts: StaticOptions): string {
  requireTool('gcc', ['--version'], 'gcc libc6-dev');
  const exe = path.join(opts.dir, opts.name);
  const args = ['-std=gnu11', '-Wall', '-Wextra', '-Werror', '-O2', '-g', '-static', ...opts.includeDirs.flatMap((d) => ['-I', d]), ...(opts.cflags ?? []), '-o', exe, ...opts.sources];
  const run = spawnSync('gcc', args, { encoding: 'utf8', timeout: 120000 });
  if (run.error || run.status !== 0) throw new Error(`gcc ${args.join(' ')} failed:\n${run.error?.message ?? ''}${run.stderr}${run.stdout}`);
  return exe;
}

function requireTool(cmd: string, args: string[], pkg: string): void {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.error || r.status !== 0) throw new Error(`${cmd} is not installed: install ${pkg} (.ci/run does)`);
}

// ---- the initramfs -------------------------------------------------------------------------------

export interface CpioEntry {
  path: string; // inside the archive, without a leading slash
  type: 'dir' | 'file' | 'symlink' | 'chardev';
  mode: number; // permission bits
  data?: Uint8Array; // file contents, or the symlink's target
  rdev?: [number, number]; // major, minor of a device node
}

const S_IFDIR = 0o040000;
const S_IFREG = 0o100000;
const S_IFLNK = 0o120000;
const S_IFCHR = 0o020000;

/** A cpio archive in the "newc" format the kernel unpacks an initramfs from. */
export function newcArchive(entries: CpioEntry[]): Buffer {
  const parts: Buffer[] = [];
  let size = 0;
  const push = (b: Buffer) => {
    parts.push(b);
    size += b.length;
  };
  const pad4 = () => {
    if (size % 4) push(Buffer.alloc(4 - (size % 4)));
  };
  const hex = (n: number) => {
    if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) throw new Error(`cpio field ${n} out of range`);
    return n.toString(16).padStart(8, '0');
  };
  const one = (name: string, mode: number, data: Uint8Array, ino: number, rdev: [number, number] = [0, 0]) => {
    const nameBytes = Buffer.from(`${name}\0`, 'utf8');
    const fields = [ino, mode, 0, 0, mode & S_IFDIR ? 2 : 1, 0, data.length, 0, 0, rdev[0], rdev[1], nameBytes.length, 0];
    push(Buffer.from(`070701${fields.map(hex).join('')}`, 'ascii'));
    push(nameBytes);
    pad4();
    push(Buffer.from(data));
    pad4();
  };
  const seen = new Set<string>();
  entries.forEach((e, i) => {
    if (e.path.startsWith('/') || e.path.split('/').includes('..')) throw new Error(`cpio path ${e.path} must be relative, without ..`);
    if (seen.has(e.path)) throw new Error(`cpio path ${e.path} twice`);
    seen.add(e.path);
    const type = { dir: S_IFDIR, file: S_IFREG, symlink: S_IFLNK, chardev: S_IFCHR }[e.type];
    one(e.path, type | (e.mode & 0o7777), e.data ?? new Uint8Array(0), i + 1, e.rdev);
  });
  one('TRAILER!!!', 0, new Uint8Array(0), 0);
  return Buffer.concat(parts, size);
}

/** True when the ELF file has no program interpreter, i.e. runs without a C library around it. */
function isStaticElf(file: string): boolean {
  const b = fs.readFileSync(file);
  if (b.length < 64 || b.readUInt32BE(0) !== 0x7f454c46 || b[4] !== 2) return false; // ELF64 only
  const phoff = Number(b.readBigUInt64LE(32));
  const phentsize = b.readUInt16LE(54);
  const phnum = b.readUInt16LE(56);
  for (let i = 0; i < phnum; i++) {
    const at = phoff + i * phentsize;
    if (at + 4 > b.length) return false;
    if (b.readUInt32LE(at) === 3) return false; // PT_INTERP
  }
  return true;
}

// ---- running -------------------------------------------------------------------------------------

export interface VmFile {
  /** Absolute path in the guest; missing directories are created. */
  guestPath: string;
  hostPath?: string;
  content?: string | Uint8Array;
  /** Permission bits; 0o755 when omitted. */
  mode?: number;
}

export interface VmOptions {
  files: VmFile[];
  /** sh script /init runs once proc, sysfs and devtmpfs are mounted; its exit status is the result's exitCode. */
  script: string;
  /** Guest files to bring back (missing ones come back absent). */
  collect?: string[];
  /** QEMU is killed after this long; default 120 s. */
  timeoutMs?: number;
  /** Devices to add (`-device e1000`): a NIC gets no network backend. */
  devices?: string[];
}

export interface VmResult {
  /** Everything the serial console printed, \r removed. */
  console: string;
  /** The script's exit status; null if the guest never reported one (panic, crash). */
  exitCode: number | null;
  /** The kernel log at the end; null if the guest never printed it. */
  dmesg: string | null;
  /** The collected files that existed. */
  files: Map<string, Buffer>;
  durationMs: number;
}

const INIT = (collect: string[]) => `#!/bin/sh
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
cd /
sh /mdl/script.sh
rc=$?
# Only emergencies on the console from here, so no kernel message lands inside what follows.
dmesg -n 1
echo MDL-DMESG-BEGIN
dmesg
echo MDL-DMESG-END
${collect
  .map((f) => `if [ -f ${shQuote(f)} ]; then echo ${shQuote(`MDL-FILE-BEGIN ${f}`)}; base64 ${shQuote(f)}; echo MDL-FILE-END; fi`)
  .join('\n')}
echo "MDL-EXIT $rc"
sync
# poweroff -f does not wait for the console: what the tty still holds would be cut off (seen on a
# loaded machine, mid-file). Give it time to drain first.
sleep 2
poweroff -f
`;

function shQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** The initramfs: busybox, /init, the script and the files, gzipped. */
export function buildInitramfs(opts: VmOptions): Buffer {
  if (!fs.existsSync(BUSYBOX)) throw new Error(`no ${BUSYBOX}: install busybox-static (.ci/run does)`);
  if (!isStaticElf(BUSYBOX)) throw new Error(`${BUSYBOX} is not statically linked: install busybox-static instead of busybox`);
  const entries: CpioEntry[] = [];
  const dirs = new Set<string>();
  const addDir = (dir: string) => {
    if (dir === '' || dir === '.' || dirs.has(dir)) return;
    addDir(path.posix.dirname(dir));
    dirs.add(dir);
    entries.push({ path: dir, type: 'dir', mode: 0o755 });
  };
  for (const d of ['bin', 'dev', 'proc', 'sys', 'tmp', 'mdl']) addDir(d);
  // The kernel opens /dev/console for init before any devtmpfs is mounted.
  entries.push({ path: 'dev/console', type: 'chardev', mode: 0o600, rdev: [5, 1] });
  entries.push({ path: 'bin/busybox', type: 'file', mode: 0o755, data: fs.readFileSync(BUSYBOX) });
  entries.push({ path: 'bin/sh', type: 'symlink', mode: 0o777, data: Buffer.from('busybox') });
  entries.push({ path: 'init', type: 'file', mode: 0o755, data: Buffer.from(INIT(opts.collect ?? [])) });
  entries.push({ path: 'mdl/script.sh', type: 'file', mode: 0o755, data: Buffer.from(opts.script) });
  for (const f of opts.files) {
    if (!path.posix.isAbsolute(f.guestPath)) throw new Error(`guest path ${f.guestPath} is not absolute`);
    const rel = path.posix.normalize(f.guestPath).slice(1);
    if (f.hostPath !== undefined && f.content !== undefined) throw new Error(`${f.guestPath}: hostPath or content, not both`);
    const data = f.hostPath !== undefined ? fs.readFileSync(f.hostPath) : typeof f.content === 'string' ? Buffer.from(f.content) : f.content;
    if (data === undefined) throw new Error(`${f.guestPath}: no hostPath or content`);
    addDir(path.posix.dirname(rel));
    entries.push({ path: rel, type: 'file', mode: f.mode ?? 0o755, data });
  }
  return gzipSync(newcArchive(entries), { level: 6 });
}

/**
 * Boots the kernel with an initramfs holding opts.files and runs opts.script as root. The console
 * only shows kernel messages of warning level and above (oopses and WARNs included, so a hang
 * after one is explained), and a WARN does not end the run: check dmesg with kernelHealthy().
 * A panic reboots, which ends QEMU (-no-reboot). Throws when QEMU is missing, fails to start or
 * runs past the timeout (it is killed).
 */
export async function runInVm(opts: VmOptions): Promise<VmResult> {
  const abi = kernelAbi();
  requireTool(QEMU, ['--version'], 'qemu-system-x86');
  const timeoutMs = opts.timeoutMs ?? 120000;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mdl-vm-'));
  const started = Date.now();
  try {
    const initrd = path.join(dir, 'initrd.cpio.gz');
    fs.writeFileSync(initrd, buildInitramfs(opts));
    const args = [
      '-accel', 'tcg', '-cpu', 'max', '-m', '256', '-smp', '1',
      '-nographic', '-no-reboot', '-nic', 'none', // no network of any kind
      '-kernel', kernelImage(abi), '-initrd', initrd,
      '-append', 'console=ttyS0 loglevel=5 panic=-1 no_timer_check',
      ...(opts.devices ?? []).flatMap((d) => ['-device', d]),
    ];
    const raw = await new Promise<string>((resolve, reject) => {
      const qemu = spawn(QEMU, args, { stdio: ['ignore', 'pipe', 'pipe'] });
      const chunks: Buffer[] = [];
      qemu.stdout.on('data', (b: Buffer) => chunks.push(b));
      qemu.stderr.on('data', (b: Buffer) => chunks.push(b));
      const text = () => Buffer.concat(chunks).toString('utf8').replace(/\r/g, '');
      const timer = setTimeout(() => {
        qemu.kill('SIGKILL');
        const out = text();
        reject(Object.assign(new Error(`the VM did not power off within ${timeoutMs} ms; QEMU was killed. Console (last 4000 characters):\n${out.slice(-4000)}`), { console: out }));
      }, timeoutMs);
      qemu.on('error', (e) => {
        clearTimeout(timer);
        reject(new Error(`${QEMU} did not start: ${e.message}`));
      });
      qemu.on('close', () => {
        clearTimeout(timer);
        resolve(text());
      });
    });
    return parseConsole(raw, Date.now() - started);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function parseConsole(console: string, durationMs: number): VmResult {
  const exit = /^MDL-EXIT (\d+)$/m.exec(console);
  const dm = /^MDL-DMESG-BEGIN\n([\s\S]*?)^MDL-DMESG-END$/m.exec(console);
  const files = new Map<string, Buffer>();
  for (const m of console.matchAll(/^MDL-FILE-BEGIN (.*)\n([\s\S]*?)^MDL-FILE-END$/gm)) {
    files.set(m[1]!, Buffer.from(m[2]!.replace(/\s+/g, ''), 'base64'));
  }
  return { console, exitCode: exit ? Number(exit[1]) : null, dmesg: dm ? dm[1]! : null, files, durationMs };
}

// ---- two VMs on one wire -------------------------------------------------------------------------

export interface PairVmOptions extends VmOptions {
  /** The guest's NIC address, e.g. 52:54:00:4d:44:01; the two must differ. */
  mac: string;
}

export interface VmPairOptions {
  /** VM A connects to the wire. */
  a: PairVmOptions;
  /** VM B listens on the wire (it is started first). */
  b: PairVmOptions;
  /** QEMU's model of the NIC both guests get; default e1000 (the 82540EM). */
  nic?: string;
  /** Both VMs are killed when they have not both powered off after this long; default 240 s. */
  timeoutMs?: number;
  /** Once one VM has powered off, the other is killed after this long; default 60 s. */
  peerGraceMs?: number;
}

export interface VmPairResult {
  a: VmResult;
  b: VmResult;
  /** The loopback port of the wire. */
  port: number;
}

/** A port nobody listens on at 127.0.0.1 right now (the kernel's pick for port 0). */
export async function freeLoopbackPort(): Promise<number> {
  const net = await import('node:net');
  return new Promise<number>((resolve, reject) => {
    const srv = net.createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port from the kernel'))));
    });
  });
}

/** The socket inodes process pid holds open. */
function socketInodes(pid: number): Set<string> {
  const out = new Set<string>();
  let fds: string[] = [];
  try {
    fds = fs.readdirSync(`/proc/${pid}/fd`);
  } catch {
    return out;
  }
  for (const fd of fds) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(fs.readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (m) out.add(m[1]!);
    } catch {
      // closed meanwhile
    }
  }
  return out;
}

/**
 * Whether process pid itself listens on 127.0.0.1:port: a LISTEN row of /proc/net/tcp for that
 * address whose socket the process holds. Read rather than probed, because a probe connection
 * would take the one connection QEMU's socket netdev accepts.
 */
function listensOn(pid: number, port: number): boolean {
  let table = '';
  try {
    table = fs.readFileSync('/proc/net/tcp', 'utf8');
  } catch {
    return false;
  }
  const local = `0100007F:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  const inodes = socketInodes(pid);
  return table.split('\n').some((row) => {
    const f = row.trim().split(/\s+/);
    return f[1] === local && f[3] === '0A' && inodes.has(f[9]!);
  });
}

interface RunningVm {
  name: string;
  proc: ReturnType<typeof spawn>;
  text(): string;
  closed: Promise<number | null>;
  exited: boolean;
  started: number;
  endedAt: number;
}

function startQemu(name: string, initrd: string, netdev: string, device: string): RunningVm {
  const args = [
    '-accel', 'tcg', '-cpu', 'max', '-m', '256', '-smp', '1',
    '-nographic', '-no-reboot',
    '-netdev', netdev, '-device', device,
    '-kernel', kernelImage(), '-initrd', initrd,
    // no_timer_check: on a loaded host a TCG guest's timer can miss the kernel's IO-APIC timer
    // check, which then panics at boot ("IO-APIC + timer doesn't work!"; seen at load average 15).
    '-append', 'console=ttyS0 loglevel=5 panic=-1 no_timer_check',
  ];
  const proc = spawn(QEMU, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const chunks: Buffer[] = [];
  proc.stdout!.on('data', (b: Buffer) => chunks.push(b));
  proc.stderr!.on('data', (b: Buffer) => chunks.push(b));
  const vm: RunningVm = {
    name,
    proc,
    text: () => Buffer.concat(chunks).toString('utf8').replace(/\r/g, ''),
    closed: Promise.resolve(null),
    exited: false,
    started: Date.now(),
    endedAt: 0,
  };
  vm.closed = new Promise<number | null>((resolve) => {
    proc.on('error', (e) => {
      chunks.push(Buffer.from(`\n${QEMU} did not start: ${e.message}\n`));
      vm.exited = true;
      vm.endedAt = Date.now();
      resolve(null);
    });
    proc.on('close', (code) => {
      vm.exited = true;
      vm.endedAt = Date.now();
      resolve(code);
    });
  });
  return vm;
}

function killVm(vm: RunningVm | undefined): void {
  if (vm && !vm.exited) vm.proc.kill('SIGKILL');
}

const sleepMs = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function tails(vms: RunningVm[]): string {
  return vms.map((v) => `--- VM ${v.name} console (last 4000 characters) ---\n${v.text().slice(-4000)}`).join('\n');
}

/**
 * Boots two VMs, each with its own initramfs and script as runInVm does, joined by one wire: a
 * QEMU socket netdev on 127.0.0.1 only (B listens on a free port, A connects), each guest with
 * one NIC of model opts.nic. No other network. B is started first and A only once B's own
 * process listens on the port (a port taken by someone else in between makes B fail to bind,
 * and another port is tried). Throws, with both consoles' tails, when a QEMU fails to start or
 * the pair runs past its timeouts; every QEMU started here is killed before this returns.
 */
export async function runVmPair(opts: VmPairOptions): Promise<VmPairResult> {
  requireTool(QEMU, ['--version'], 'qemu-system-x86');
  kernelAbi();
  if (opts.a.mac.toLowerCase() === opts.b.mac.toLowerCase()) throw new Error(`runVmPair: both VMs have MAC ${opts.a.mac}`);
  for (const mac of [opts.a.mac, opts.b.mac]) if (!/^(?:[0-9a-f]{2}:){5}[0-9a-f]{2}$/i.test(mac)) throw new Error(`runVmPair: bad MAC ${mac}`);
  const nic = opts.nic ?? 'e1000';
  if (!/^[\w-]+$/.test(nic)) throw new Error(`runVmPair: bad NIC model ${nic}`);
  const timeoutMs = opts.timeoutMs ?? 240000;
  const graceMs = opts.peerGraceMs ?? 60000;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mdl-vmpair-'));
  const started = Date.now();
  let a: RunningVm | undefined;
  let b: RunningVm | undefined;
  try {
    const initrdA = path.join(dir, 'a.cpio.gz');
    const initrdB = path.join(dir, 'b.cpio.gz');
    fs.writeFileSync(initrdA, buildInitramfs(opts.a));
    fs.writeFileSync(initrdB, buildInitramfs(opts.b));
    let port = 0;
    for (let attempt = 1; ; attempt++) {
      port = await freeLoopbackPort();
      b = startQemu('B', initrdB, `socket,id=wire,listen=127.0.0.1:${port}`, `${nic},netdev=wire,mac=${opts.b.mac},romfile=`);
      const waitUntil = Date.now() + 20000;
      while (!b.exited && !listensOn(b.proc.pid ?? -1, port) && Date.now() < waitUntil) await sleepMs(50);
      if (!b.exited && listensOn(b.proc.pid ?? -1, port)) break;
      killVm(b);
      await b.closed;
      const out = b.text();
      if (/Address already in use/i.test(out) && attempt < 5) continue;
      throw new Error(`VM B's QEMU never listened on 127.0.0.1:${port}:\n${out.slice(-4000)}`);
    }
    a = startQemu('A', initrdA, `socket,id=wire,connect=127.0.0.1:${port}`, `${nic},netdev=wire,mac=${opts.a.mac},romfile=`);
    const both = [a, b];
    // Poll rather than race promises: the rules (overall timeout, grace after the first poweroff)
    // read plainly, and 100 ms is nothing next to a boot.
    for (;;) {
      if (a.exited && b.exited) break;
      const now = Date.now();
      if (now - started > timeoutMs) {
        both.forEach(killVm);
        await Promise.all(both.map((v) => v.closed));
        throw new Error(`the VM pair (wire 127.0.0.1:${port}) did not power off within ${timeoutMs} ms; both QEMUs were killed.\n${tails(both)}`);
      }
      const first = both.find((v) => v.exited);
      const other = both.find((v) => !v.exited);
      // A QEMU that ended before its guest reported (it failed to start or connect, or the guest
      // crashed) leaves nothing for the other to talk to: stop now rather than after the grace.
      if (first && other && !/^MDL-EXIT \d+$/m.test(first.text())) {
        killVm(other);
        await other.closed;
        throw new Error(`VM ${first.name} (wire 127.0.0.1:${port}) ended before its script did; VM ${other.name} was killed.\n${tails(both)}`);
      }
      if (first && other && now - first.endedAt > graceMs) {
        killVm(other);
        await other.closed;
        throw new Error(`VM ${first.name} powered off but VM ${other.name} was still running ${graceMs} ms later; it was killed (wire 127.0.0.1:${port}).\n${tails(both)}`);
      }
      await sleepMs(100);
    }
    const [codeA, codeB] = await Promise.all([a.closed, b.closed]);
    for (const [v, code] of [[a, codeA], [b, codeB]] as const) {
      if (code !== 0 && !/^MDL-EXIT \d+$/m.test(v.text())) throw new Error(`VM ${v.name}'s QEMU ended with status ${code} before its script did.\n${tails(both)}`);
    }
    return { a: parseConsole(a.text(), a.endedAt - started), b: parseConsole(b.text(), b.endedAt - started), port };
  } finally {
    killVm(a);
    killVm(b);
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
