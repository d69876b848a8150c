// The e1000 VM pair of issue #16: VM A runs the driver under test (pluggable: which modules and
// which user process its init starts), VM B runs Debian's stock e1000, both against QEMU's 82540EM
// and joined by one socket netdev on 127.0.0.1 (runVmPair). B serves bulk transfers
// (fixtures/pair_bulk.c) and answers pings; A's script drives everything and records each step as
// `key text` lines in /tmp/result, which come back to the host. Used by e1000-pair.test.ts (the
// checks, one phase) and by bench/sections/e1000-qemu.ts (throughput, phases of each driver
// interleaved in one boot).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { crc32 } from 'node:zlib';
import { buildStatic, kernelAbi, runVmPair, type VmFile, type VmPairResult } from './vm.js';
import { xorshift32 } from '../xorshift.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const FIXTURES = path.join(ROOT, 'test', 'qemu', 'fixtures');

export const ADDR_A = '192.168.77.1';
export const ADDR_B = '192.168.77.2';
export const MAC_A = '52:54:00:4d:44:01';
export const MAC_B = '52:54:00:4d:44:02';
const BULK_PORT = 5001;

/** What VM A's init loads to drive the NIC, and how it is removed again. */
export interface GuestDriver {
  /** How reports name it, e.g. "stock e1000". */
  label: string;
  /** Modules and programs it needs in the guest. */
  files: VmFile[];
  /** Body of a sh function: insmod the module(s), then start the user process in the background. Its status is the load's. */
  load: string;
  /** Body of a sh function: stop the user process, rmmod the module(s). Its status is the unload's. */
  unload: string;
  /** Modules that must be gone after unload (none when the driver is built in). */
  modules: string[];
  /** What ETHTOOL_GDRVINFO must name. */
  driverName: string;
  /**
   * With a user process, bodies of two sh functions: `crash` kills it with SIGKILL (as a crash
   * would end it), `restart` starts it again, appending to the same log, and returns 0 once the new
   * process says it has taken over the bound device.
   */
  crash?: string;
  restart?: string;
}

export interface DriverSpec {
  label: string;
  /** Kernel modules, in load order (they are removed in reverse): the module's name and its .ko on the host. */
  modules: { name: string; ko: string }[];
  /**
   * The u-driver: a static program on the host, started from init in the background once the
   * modules are in (its output goes to /tmp/<program>.log in the guest), stopped with
   * SIGTERM, and waited for, before they are removed.
   */
  userProcess?: { program: string; args: string[]; env?: Record<string, string> };
  /**
   * A driver whose probe needs its user process (the split e1000's runs in the u-driver): the
   * device is bound through sysfs once the process's log shows `ready`, and unbound before the
   * process stops, so the remove upcall reaches it too.
   */
  bind?: { vendor: string; device: string; driver: string; ready: string };
  /** With a user process: what its log says once a restarted process has taken over the bound device. */
  resynced?: string;
  driverName: string;
}

/**
 * A GuestDriver from modules and an optional user process: what VM A loads for the split e1000
 * (its k-driver module, then its u-driver) and, without the process, for the stock one.
 */
export function moduleDriver(spec: DriverSpec): GuestDriver {
  for (const m of spec.modules) if (!/^\w+$/.test(m.name)) throw new Error(`moduleDriver: bad module name ${m.name}`);
  const files: VmFile[] = spec.modules.map((m) => ({ guestPath: `/mdl/drv/${m.name}.ko`, hostPath: m.ko, mode: 0o644 }));
  const load = spec.modules.map((m) => `insmod /mdl/drv/${m.name}.ko || return $?`);
  const unload: string[] = [];
  let restart: { crash: string; restart: string } | undefined;
  if (spec.userProcess) {
    const prog = path.basename(spec.userProcess.program);
    if (!/^[\w.-]+$/.test(prog)) throw new Error(`moduleDriver: bad program name ${prog}`);
    files.push({ guestPath: `/mdl/drv/${prog}`, hostPath: spec.userProcess.program });
    const env = Object.entries(spec.userProcess.env ?? {}).map(([k, v]) => `${k}=${sh(v)} `).join('');
    const start = `${env}/mdl/drv/${prog} ${spec.userProcess.args.map(sh).join(' ')}`;
    load.push(`${start} > /tmp/${prog}.log 2>&1 &`, 'UDRV_PID=$!', 'r $PHASE.udrv-started pid=$UDRV_PID');
    if (spec.resynced) {
      if (!/^[\w.-]+$/.test(spec.resynced)) throw new Error(`moduleDriver: bad resynced word ${spec.resynced}`);
      // The new process's lines follow the old one's in the same log: count the word before.
      restart = {
        crash: ['kill -KILL $UDRV_PID', 'wait $UDRV_PID; r $PHASE.udrv-killed status=$?'].join('\n'),
        restart: [
          `n=$(grep -c ${spec.resynced} /tmp/${prog}.log)`,
          `${start} >> /tmp/${prog}.log 2>&1 &`,
          'UDRV_PID=$!',
          'r $PHASE.udrv-restarted pid=$UDRV_PID',
          `waitfor '[ "$(grep -c ${spec.resynced} /tmp/${prog}.log)" -gt "$n" ]' 300`,
        ].join('\n'),
      };
    }
    if (spec.bind) {
      const b = spec.bind;
      for (const x of [b.vendor, b.device, b.driver, b.ready]) if (!/^[\w.-]+$/.test(x)) throw new Error(`moduleDriver: bad bind field ${x}`);
      load.push(
        `waitfor "grep -q ${b.ready} /tmp/${prog}.log" 300 || return 1`,
        `for d in /sys/bus/pci/devices/*; do [ "$(cat $d/vendor)" = ${b.vendor} ] && [ "$(cat $d/device)" = ${b.device} ] && BIND_DEV=\${d##*/}; done`,
        `echo $BIND_DEV > /sys/bus/pci/drivers/${b.driver}/bind || return $?`,
      );
      unload.push(`echo $BIND_DEV > /sys/bus/pci/drivers/${b.driver}/unbind; r $PHASE.unbind exit=$?`);
    }
    unload.push('kill -TERM $UDRV_PID', 'wait $UDRV_PID; r $PHASE.udrv-stopped exit=$?', `sed "s|^|$PHASE.udrv-log |" /tmp/${prog}.log >> $out`);
  } else {
    load.push('true');
  }
  unload.push(...[...spec.modules].reverse().map((m) => `rmmod ${m.name} || return $?`), 'true');
  return { label: spec.label, files, load: load.join('\n'), unload: unload.join('\n'), modules: spec.modules.map((m) => m.name), driverName: spec.driverName, ...restart };
}

/**
 * Linux 6.1's e1000 split by mdidl: the k-driver module, then the u-driver process, which the
 * kernel's probe upcall needs (so the NIC is bound once it has attached).
 */
export function splitE1000(build: { ko: string; udriver: string }, env: Record<string, string> = {}): GuestDriver {
  return moduleDriver({
    label: 'split e1000',
    modules: [{ name: 'e1000_kdriver', ko: build.ko }],
    userProcess: { program: build.udriver, args: [], env },
    bind: { vendor: '0x8086', device: '0x100e', driver: 'e1000', ready: 'attached' },
    resynced: 'resynchronised',
    driverName: 'e1000',
  });
}

/**
 * Debian's own e1000, from the image's module tree (or built into the kernel, which then loads
 * nothing and cannot be removed).
 */
export function stockE1000(abi: string = kernelAbi()): GuestDriver {
  const dir = `/lib/modules/${abi}/kernel/drivers/net/ethernet/intel/e1000`;
  const ko = path.join(dir, 'e1000.ko');
  if (fs.existsSync(ko)) return moduleDriver({ label: 'stock e1000', modules: [{ name: 'e1000', ko }], driverName: 'e1000' });
  const compressed = ['e1000.ko.xz', 'e1000.ko.zst', 'e1000.ko.gz'].find((f) => fs.existsSync(path.join(dir, f)));
  if (compressed) throw new Error(`${dir}/${compressed} is compressed; busybox insmod needs a plain .ko (decompress it first)`);
  let config = '';
  try {
    config = fs.readFileSync(`/boot/config-${abi}`, 'utf8');
  } catch {
    // judged below
  }
  if (/^CONFIG_E1000=y$/m.test(config)) {
    return { label: 'stock e1000 (built in)', files: [], load: 'true', unload: 'true', modules: [], driverName: 'e1000' };
  }
  throw new Error(`no ${ko} and CONFIG_E1000 is not =y in /boot/config-${abi}: install linux-image-${abi} (.ci/run does)`);
}

export interface GuestTools {
  bulk: string;
  ethtool: string;
}

/** Builds fixtures/pair_bulk.c and fixtures/pair_ethtool.c (static) into dir. */
export function buildGuestTools(dir: string): GuestTools {
  return {
    bulk: buildStatic({ name: 'pair_bulk', dir, sources: [path.join(FIXTURES, 'pair_bulk.c')], includeDirs: [] }),
    ethtool: buildStatic({ name: 'pair_ethtool', dir, sources: [path.join(FIXTURES, 'pair_ethtool.c')], includeDirs: [] }),
  };
}

/** The bytes pair_bulk sends for a seed: xorshift32, each state as 4 little-endian bytes. */
export function bulkPattern(bytes: number, seed: number): Buffer {
  const b = Buffer.alloc(bytes);
  const next = xorshift32(seed);
  for (let i = 0; i < bytes; i += 4) {
    const x = next();
    for (let k = 0; k < 4 && i + k < bytes; k++) b[i + k] = (x >>> (8 * k)) & 0xff;
  }
  return b;
}

/** CRC-32 of the pattern as pair_bulk prints it (8 hex digits), computed here with zlib. */
export function bulkCrc(bytes: number, seed: number): string {
  return crc32(bulkPattern(bytes, seed)).toString(16).padStart(8, '0');
}

/** One stretch of VM A's script: a driver loaded, used, unloaded. */
export interface Phase {
  /** Prefix of every key the phase records: `<key>.<step>`. */
  key: string;
  driver: GuestDriver;
  /** Bytes each way of the bulk transfer. */
  bytes: number;
  /** Seeds of the two transfers (A to B, B to A). */
  seeds: [number, number];
  /** Everything of issue #16's list that works with any driver, or only the transfers (the bench). */
  checks: 'full' | 'throughput';
  /** With `full`: read the statistics (`ethtool -S`) too (default true). */
  stats?: boolean;
  /**
   * With `full` and a driver that can restart its user process: kill it during a transfer (which
   * must still arrive intact), check that management calls fail and traffic flows meanwhile,
   * restart it and run the management calls again.
   */
  restart?: boolean;
  /**
   * With a driver that can restart its user process: kill it before the unload, so the device is
   * unbound and the module removed with no user process attached.
   */
  orphan?: boolean;
}

/** The seed of the transfer during which a `restart` phase kills the user process (B to A). */
export const RESTART_SEED = (seeds: [number, number]): number => (seeds[1] ^ 0xdead) >>> 0;

// Shell helpers both guests use. `run KEY CMD...` records each output line as `KEY line` and then
// `KEY exit=N`; `r` records a line; waits poll in tenths of a second.
const HELPERS = `
out=/tmp/result
: > $out
r() { echo "$*" >> $out; }
run() { k=$1; shift; "$@" > /tmp/run.out 2>&1; rc=$?; sed "s|^|$k |" /tmp/run.out >> $out; r "$k exit=$rc"; return $rc; }
t() { r "$1 uptime=$(cut -d' ' -f1 /proc/uptime)"; }
ifname() { for n in /sys/class/net/*; do n=\${n##*/}; [ "$n" != lo ] && [ -e /sys/class/net/$n/device ] && { echo $n; return; }; done; }
waitfor() { i=0; while ! eval "$1" && [ $i -lt $2 ]; do sleep 0.1; i=$((i+1)); done; eval "$1"; }
carrier() { [ "$(cat /sys/class/net/$IF/carrier 2>/dev/null)" = 1 ]; }
# operstate follows the carrier through linkwatch, a moment later.
linkup() { carrier && [ "$(cat /sys/class/net/$IF/operstate 2>/dev/null)" = up ]; }
received() { x=$(ping -c $1 -W 2 \${3:+-s $3} $2 2>&1 | sed -n 's/.* \\([0-9][0-9]*\\) packets received.*/\\1/p'); echo \${x:-0}; }
# Interrupts of the interface (its line in /proc/interrupts, every CPU's column), and over 5 s of
# no traffic: e1000's watchdog, a work item that runs every 2 s, raises one each time (ICS RXDMT0).
irqs() { awk -v n="$IF" '$NF == n { s = 0; for (i = 2; i < NF; i++) if ($i ~ /^[0-9]+$/) s += $i; print s }' /proc/interrupts; }
idle() { b=$(irqs); sleep 5; r "$1 before=$b after=$(irqs)"; grep -e "$IF" -e CPU /proc/interrupts | sed "s|^|$1.lines |" >> $out; }
reach() { n=0; while [ "$(received 1 $1)" != 1 ] && [ $n -lt $2 ]; do n=$((n+1)); done; [ $n -lt $2 ]; }
`;

function sh(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** Brings the NIC of a freshly loaded driver up at addr; records iface, driver, carrier. */
function bringUp(k: string, addr: string): string {
  return `
waitfor '[ -n "$(ifname)" ]' 100
IF=$(ifname)
r ${k}.iface $IF
r ${k}.bound-driver $(basename "$(readlink /sys/class/net/$IF/device/driver)")
r ${k}.mac $(cat /sys/class/net/$IF/address)
ip addr add ${addr}/24 dev $IF && ip link set $IF up; r ${k}.up exit=$?
waitfor linkup 200; r ${k}.carrier $(cat /sys/class/net/$IF/carrier)
r ${k}.operstate $(cat /sys/class/net/$IF/operstate)
`;
}

function phaseScript(p: Phase, index: number, last: boolean): string {
  const k = p.key;
  const bulk = (dir: 'send' | 'recv', bytes: number, seed: number) => `/mdl/pair_bulk ${dir} ${ADDR_B} ${BULK_PORT} ${bytes} ${seed}`;
  const lines = [
    `drv_load_${index}() {\n${p.driver.load}\n}`,
    `drv_unload_${index}() {\n${p.driver.unload}\n}`,
    `PHASE=${k}`,
    `t ${k}.load-start`,
    `drv_load_${index}; r ${k}.load exit=$?`,
    bringUp(k, ADDR_A),
    // B may still be booting: wait up to 90 pings for it.
    `reach ${ADDR_B} 90; r ${k}.reach exit=$?`,
    `t ${k}.reached`,
  ];
  if (p.checks === 'full') {
    lines.push(
      `r ${k}.ping-a-b received=$(received 3 ${ADDR_B}) of=3`,
      `run ${k}.drvinfo /mdl/pair_ethtool drvinfo $IF`,
      ...(p.stats === false ? [] : [`run ${k}.stats-before /mdl/pair_ethtool stats $IF`]),
      // The driver's PCI regions, requested under its name, which /proc/iomem prints.
      `r ${k}.iomem-owned $(grep -c ': ${p.driver.driverName}$' /proc/iomem)`,
      `run ${k}.regs /mdl/pair_ethtool regs $IF`,
      `run ${k}.eeprom /mdl/pair_ethtool eeprom $IF`,
    );
  }
  lines.push(`run ${k}.a-to-b ${bulk('send', p.bytes, p.seeds[0])}`, `run ${k}.b-to-a ${bulk('recv', p.bytes, p.seeds[1])}`, `t ${k}.transferred`);
  if (p.checks === 'full') {
    lines.push(
      ...(p.stats === false ? [] : [`run ${k}.stats-after /mdl/pair_ethtool stats $IF`]),
      `idle ${k}.irq-idle`,
      // MTU: e1000 resets the MAC for a new MTU, so the carrier comes back before traffic.
      `run ${k}.mtu-1400 /mdl/pair_ethtool mtu $IF 1400`,
      `r ${k}.sysfs-mtu-1400 $(cat /sys/class/net/$IF/mtu)`,
      `waitfor carrier 200; r ${k}.carrier-mtu-1400 $(cat /sys/class/net/$IF/carrier)`,
      `reach ${ADDR_B} 10; r ${k}.ping-mtu-1400 received=$(received 3 ${ADDR_B} 1372) of=3 size=1400`,
      `run ${k}.mtu-1500 /mdl/pair_ethtool mtu $IF 1500`,
      `r ${k}.sysfs-mtu-1500 $(cat /sys/class/net/$IF/mtu)`,
      `waitfor carrier 200; r ${k}.carrier-mtu-1500 $(cat /sys/class/net/$IF/carrier)`,
      `reach ${ADDR_B} 10; r ${k}.ping-mtu-1500 received=$(received 3 ${ADDR_B} 1472) of=3 size=1500`,
      `run ${k}.link-down /mdl/pair_ethtool link $IF down`,
      `r ${k}.operstate-down $(cat /sys/class/net/$IF/operstate)`,
      `r ${k}.ping-down received=$(received 2 ${ADDR_B}) of=2`,
      `run ${k}.link-up /mdl/pair_ethtool link $IF up`,
      `waitfor linkup 200; r ${k}.carrier-up $(cat /sys/class/net/$IF/carrier)`,
      `reach ${ADDR_B} 10; r ${k}.ping-up received=$(received 3 ${ADDR_B}) of=3`,
      `run ${k}.after-up ${bulk('send', 1000000, p.seeds[0] ^ 0x5a5a)}`,
    );
  }
  if ((p.checks === 'full' && p.restart) || p.orphan) {
    if (!p.driver.crash || !p.driver.restart) throw new Error(`phase ${k}: ${p.driver.label} has no user process to kill`);
    lines.push(`drv_crash_${index}() {\n${p.driver.crash}\n}`, `drv_restart_${index}() {\n${p.driver.restart}\n}`);
  }
  if (p.checks === 'full' && p.restart) {
    const seed = RESTART_SEED(p.seeds);
    lines.push(
      // The transfer starts, and the u-driver dies while it runs: the kernel's data path carries it.
      `${bulk('recv', p.bytes, seed)} > /tmp/crash-bulk.out 2>&1 &`,
      'CBULK=$!',
      'sleep 0.3',
      `r ${k}.bulk-running-at-kill $(kill -0 $CBULK 2>/dev/null && echo yes || echo no)`,
      `drv_crash_${index}`,
      `wait $CBULK; rc=$?; sed "s|^|${k}.crash-bulk |" /tmp/crash-bulk.out >> $out; r ${k}.crash-bulk exit=$rc`,
      // Without a u-driver: management calls fail, traffic flows.
      `run ${k}.drvinfo-dead /mdl/pair_ethtool drvinfo $IF`,
      `run ${k}.mtu-dead /mdl/pair_ethtool mtu $IF 1400`,
      `r ${k}.sysfs-mtu-dead $(cat /sys/class/net/$IF/mtu)`,
      `r ${k}.ping-dead received=$(received 3 ${ADDR_B}) of=3`,
      // More than a watchdog period (2 s, rounded to a whole second) with none attached: the
      // watchdog's upcall fails meanwhile, and only the kernel can bring the item back.
      'sleep 3.5',
      `drv_restart_${index}; r ${k}.restart exit=$?`,
      `run ${k}.drvinfo-again /mdl/pair_ethtool drvinfo $IF`,
      // Before anything that would queue the watchdog afresh (an MTU change resets the MAC, whose
      // link interrupt does).
      `idle ${k}.irq-idle-again`,
      ...(p.stats === false ? [] : [`run ${k}.stats-again /mdl/pair_ethtool stats $IF`]),
      `run ${k}.regs-again /mdl/pair_ethtool regs $IF`,
      `run ${k}.eeprom-again /mdl/pair_ethtool eeprom $IF`,
      `run ${k}.mtu-again /mdl/pair_ethtool mtu $IF 1400`,
      `waitfor carrier 200; r ${k}.carrier-again $(cat /sys/class/net/$IF/carrier)`,
      `reach ${ADDR_B} 10; r ${k}.ping-again received=$(received 3 ${ADDR_B} 1372) of=3 size=1400`,
      `run ${k}.mtu-back /mdl/pair_ethtool mtu $IF 1500`,
      `waitfor carrier 200; reach ${ADDR_B} 10; r ${k}.ping-back received=$(received 3 ${ADDR_B}) of=3`,
    );
  }
  // B's server is told to end while A still has a NIC to tell it with.
  if (last) lines.push(`run quit /mdl/pair_bulk quit ${ADDR_B} ${BULK_PORT}`);
  lines.push(
    `t ${k}.unload-start`,
    ...(p.orphan ? [`drv_crash_${index}`] : []),
    `drv_unload_${index}; r ${k}.unload exit=$?`,
    `r ${k}.loaded-after ${p.driver.modules.length ? `$(grep -c -E ${sh(`^(${p.driver.modules.join('|')}) `)} /proc/modules)` : 'built-in'}`,
    `r ${k}.ifaces-after $(ls /sys/class/net | tr '\\n' ' ')`,
  );
  return lines.join('\n');
}

export interface PairRunOptions {
  phases: Phase[];
  tools: GuestTools;
  /** The peer's driver; Debian's e1000 by default. */
  peer?: GuestDriver;
  timeoutMs?: number;
}

export interface PairRun {
  vm: VmPairResult;
  /** VM A's /tmp/result: the phases' records. */
  a: Records;
  /** VM B's /tmp/result: its own bring-up, its pings of A and what its server saw. */
  b: Records;
}

/** `key text` lines of a result file. */
export class Records {
  readonly text: string;
  constructor(text: string) {
    this.text = text;
  }
  /** Every line's text recorded under key, in order. */
  all(key: string): string[] {
    return this.text.split('\n').flatMap((l) => (l.startsWith(`${key} `) ? [l.slice(key.length + 1)] : l === key ? [''] : []));
  }
  /** The one line recorded under key; null when none (more than one is an error). */
  one(key: string): string | null {
    const lines = this.all(key);
    if (lines.length > 1) throw new Error(`${key} recorded ${lines.length} times:\n${lines.join('\n')}`);
    return lines[0] ?? null;
  }
  /** key=value fields of the one line under key (the line's own text before the first `=`-word is ignored). */
  fields(key: string): Map<string, string> {
    return fieldsOf(this.one(key) ?? '');
  }
  /** The exit status a `run` recorded for key; null when it never ran. */
  exit(key: string): number | null {
    const e = this.all(key).find((l) => /^exit=\d+$/.test(l));
    return e ? Number(e.slice(5)) : null;
  }
  /** The output lines of a `run`, without its exit line. */
  output(key: string): string[] {
    return this.all(key).filter((l) => !/^exit=\d+$/.test(l));
  }
}

export function fieldsOf(line: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const w of line.split(/\s+/)) {
    const eq = w.indexOf('=');
    if (eq > 0) m.set(w.slice(0, eq), w.slice(eq + 1));
  }
  return m;
}

/** Runs the phases in VM A against the stock peer in VM B, one boot of each. */
export async function runPair(opts: PairRunOptions): Promise<PairRun> {
  const peer = opts.peer ?? stockE1000();
  const timeoutMs = opts.timeoutMs ?? 240000;
  const tools: VmFile[] = [
    { guestPath: '/mdl/pair_bulk', hostPath: opts.tools.bulk },
    { guestPath: '/mdl/pair_ethtool', hostPath: opts.tools.ethtool },
  ];
  // Each driver's files once, however many phases use it.
  const filesA = new Map<string, VmFile>();
  for (const p of opts.phases) for (const f of p.driver.files) filesA.set(f.guestPath, f);
  const scriptA = [
    HELPERS,
    ...opts.phases.map((p, i) => phaseScript(p, i, i === opts.phases.length - 1)),
    'exit 0',
  ].join('\n');
  // B serves until A says quit, or until shortly before the host would kill the pair.
  const serveSeconds = Math.max(30, Math.floor(timeoutMs / 1000) - 20);
  const scriptB = [
    HELPERS,
    `drv_load() {\n${peer.load}\n}`,
    `drv_unload() {\n${peer.unload}\n}`,
    'PHASE=peer',
    't peer.load-start',
    'drv_load; r peer.load exit=$?',
    bringUp('peer', ADDR_B),
    `/mdl/pair_bulk serve ${BULK_PORT} ${serveSeconds} > /tmp/serve.out 2>&1 &`,
    'spid=$!',
    `reach ${ADDR_A} 120; r peer.reach exit=$?`,
    `r peer.ping-b-a received=$(received 3 ${ADDR_A}) of=3`,
    'wait $spid; r peer.serve exit=$?',
    'sed "s|^|peer.serve |" /tmp/serve.out >> $out',
    'drv_unload; r peer.unload exit=$?',
    't peer.end',
    'exit 0',
  ].join('\n');
  const vm = await runVmPair({
    a: { files: [...tools, ...filesA.values()], script: scriptA, collect: ['/tmp/result'], mac: MAC_A },
    b: { files: [...tools, ...peer.files], script: scriptB, collect: ['/tmp/result'], mac: MAC_B },
    timeoutMs,
    peerGraceMs: 60000,
  });
  return {
    vm,
    a: new Records(vm.a.files.get('/tmp/result')?.toString('utf8') ?? ''),
    b: new Records(vm.b.files.get('/tmp/result')?.toString('utf8') ?? ''),
  };
}

/** A temporary folder with the guest tools built in it; remove it with fs.rmSync when done. */
export function toolsInTempDir(): { dir: string; tools: GuestTools } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mdl-e1000pair-'));
  try {
    return { dir, tools: buildGuestTools(dir) };
  } catch (e) {
    fs.rmSync(dir, { recursive: true, force: true });
    throw e;
  }
}

/** `name value` lines of pair_ethtool stats, as numbers. */
/**
 * What `pair_ethtool regs` and `eeprom` printed for an 82540EM, checked against the device: 128
 * bytes of registers (e1000's 32 words) whose version names device 0x100e and whose STATUS (word
 * 1) has link up; the 64-word EEPROM whole (its words sum to 0xbaba, e1000's checksum) and starting
 * with the interface's address. Returns what is wrong, empty when nothing is.
 */
export function dumpProblems(run: PairRun, regsKey: string, eepromKey: string): string[] {
  const problems: string[] = [];
  const r = fieldsOf(run.a.output(regsKey).join(' '));
  const e = fieldsOf(run.a.output(eepromKey).join(' '));
  if (run.a.exit(regsKey) !== 0) problems.push(`${regsKey} exited ${run.a.exit(regsKey)}`);
  if (r.get('len') !== '128') problems.push(`${regsKey}: len=${r.get('len')}, not 128`);
  if (!/^0x1[0-9a-f]{2}100e$/.test(r.get('version') ?? '')) problems.push(`${regsKey}: version=${r.get('version')}`);
  if (!(Number(r.get('reg1')) & 2)) problems.push(`${regsKey}: STATUS reg1=${r.get('reg1')} has no link up`);
  if (run.a.exit(eepromKey) !== 0) problems.push(`${eepromKey} exited ${run.a.exit(eepromKey)}`);
  const want = { len: '128', magic: '0x100e8086', sum: '0xbaba', 'mac-match': '1' };
  for (const [k, v] of Object.entries(want)) if (e.get(k) !== v) problems.push(`${eepromKey}: ${k}=${e.get(k)}, not ${v}`);
  return problems;
}

/** The interrupts an `idle` step counted: how many the interface raised in its 5 s without traffic. */
export function idleInterrupts(run: PairRun, key: string): number {
  const f = run.a.fields(key);
  const [before, after] = [f.get('before'), f.get('after')];
  // An empty count means the interface had no line of its own in /proc/interrupts.
  if (!before || !after) throw new Error(`${key}: no interrupt counts (${run.a.one(key)}); /proc/interrupts:\n${run.a.all(`${key}.lines`).join("\n")}`);
  return Number(after) - Number(before);
}

export function statsOf(lines: string[]): Map<string, bigint> {
  const m = new Map<string, bigint>();
  for (const l of lines) {
    const x = /^(\S+) (\d+)$/.exec(l);
    if (x) m.set(x[1]!, BigInt(x[2]!));
  }
  return m;
}
