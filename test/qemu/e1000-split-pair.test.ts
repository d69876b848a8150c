// Issue #16 with the driver under test in VM A being Linux 6.1's e1000 split by `mdidl split
// --emit` (test/split/sidecars/e1000.mda), built here from linux-source-6.1: the k-driver module,
// then the u-driver process, which the probe upcall needs (the NIC is bound through sysfs once it
// has attached). VM B runs the stock e1000. The same harness and checks as e1000-pair.test.ts,
// plus where each step ran: the probe, the watchdog that raises the carrier, the MTU change and
// drvinfo are user-mode code reached through upcalls; transmit, receive and the interrupt stay in
// the kernel; ETHTOOL_GSTATS crosses through the sized upcalls of e1000_get_strings and
// e1000_get_ethtool_stats, ETHTOOL_GREGS and GEEPROM through e1000_get_regs and e1000_get_eeprom
// (docs/split.md, "Buffers the kernel sizes"). Last, the u-driver is killed
// during a transfer and restarted: the k-driver hands the new one the device (docs/split.md,
// "Restarting the u-driver"). Then the driver is loaded again and removed with its u-driver killed.
import { expect } from 'chai';
import * as fs from 'node:fs';
import { MAC_A, MAC_B, RESTART_SEED, bulkCrc, dumpProblems, fieldsOf, idleInterrupts, runPair, splitE1000, statsOf, toolsInTempDir, type GuestDriver, type PairRun } from './e1000-pair.js';
import { buildSplitE1000 } from './e1000-split-build.js';
import { kernelHealthy } from './vm.js';

const BYTES = 10_000_000;
const SEEDS: [number, number] = [0x1610a, 0x1610b];

describe('the split e1000 in a VM pair: traffic through the kernel half, management through the u-driver (QEMU)', function () {
  // The split and both builds take 1-2 minutes; the pair about a minute on an idle 2-core machine.
  this.timeout(1_200_000);
  let run: PairRun;
  let driver: GuestDriver;

  before(async function () {
    // MDL_UK_DEBUG=1: the driver's own debug messages (netdev_dbg) reach the u-driver's log.
    driver = splitE1000(buildSplitE1000(), { MDL_UK_DEBUG: '1' });
    const { dir, tools } = toolsInTempDir();
    try {
      run = await runPair({
        tools,
        phases: [
          { key: 'a', driver, bytes: BYTES, seeds: SEEDS, checks: 'full', restart: true },
          // Loaded again, and removed with its u-driver killed: the driver's remove cannot run.
          { key: 'b', driver, bytes: 1_000_000, seeds: [0x1610c, 0x1610d], checks: 'throughput', orphan: true },
        ],
        timeoutMs: 360000,
      });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
    console.log(`      (VM pair ${(Math.max(run.vm.a.durationMs, run.vm.b.durationMs) / 1000).toFixed(1)} s)`);
  });

  const context = () =>
    `\n--- A result ---\n${run.a.text}\n--- B result ---\n${run.b.text}\n--- A dmesg (tail) ---\n${(run.vm.a.dmesg ?? '').slice(-4000)}\n--- A console (tail) ---\n${run.vm.a.console.slice(-2000)}`;
  const a = (k: string) => run.a.one(`a.${k}`);
  const b = (k: string) => run.b.one(`peer.${k}`);
  const udrv = () => run.a.all('a.udrv-log').join('\n');

  it('both guests ran their scripts to the end', () => {
    expect(run.vm.a.exitCode, context()).to.equal(0);
    expect(run.vm.b.exitCode, context()).to.equal(0);
  });

  it('the k-driver loads, the u-driver attaches, and the probe upcall runs e1000_probe in user mode to its end', () => {
    expect(a('load'), context()).to.equal('exit=0');
    expect(udrv(), context()).to.match(/attached to \/dev\/mdidl-e1000/);
    expect(udrv(), context()).to.match(/Intel\(R\) PRO\/1000 Network Connection/);
    expect(a('iface'), context()).to.match(/^eth\d+$/);
    // The glue gave the interface its PCI parent, so sysfs names the bound driver.
    expect(a('bound-driver'), context()).to.equal('e1000');
    expect(a('mac'), context()).to.equal(MAC_A);
    expect(b('mac'), context()).to.equal(MAC_B);
  });

  it('the interface comes up with a carrier: ndo_open and the watchdog work item ran in the u-driver', () => {
    expect(a('up'), context()).to.equal('exit=0');
    expect(a('carrier'), context()).to.equal('1');
    expect(a('operstate'), context()).to.equal('up');
    // e1000_watchdog prints it when it turns the carrier on: the kernel's work item upcalled it.
    expect(udrv(), context()).to.match(/NIC Link is Up 1000 Mbps Full Duplex/);
  });

  it('ping works both ways', () => {
    expect(a('ping-a-b'), context()).to.equal('received=3 of=3');
    expect(b('ping-b-a'), context()).to.equal('received=3 of=3');
  });

  it(`${BYTES} bytes each way arrive intact through the kernel's transmit and receive paths`, () => {
    const there = bulkCrc(BYTES, SEEDS[0]);
    expect(run.a.exit('a.a-to-b'), context()).to.equal(0);
    expect(Object.fromEntries(fieldsOf(run.a.output('a.a-to-b').join(' '))), context()).to.include({ bytes: `${BYTES}`, crc: there, 'peer-matched': `${BYTES}`, 'peer-crc': there, ok: '1' });
    const back = bulkCrc(BYTES, SEEDS[1]);
    expect(run.a.exit('a.b-to-a'), context()).to.equal(0);
    expect(Object.fromEntries(fieldsOf(run.a.output('a.b-to-a').join(' '))), context()).to.include({ bytes: `${BYTES}`, matched: `${BYTES}`, crc: back, ok: '1' });
  });

  it('ETHTOOL_GDRVINFO is answered by the u-driver (e1000_get_drvinfo upcall; e1000_get_sset_count is critical, in the kernel)', () => {
    expect(run.a.exit('a.drvinfo'), context()).to.equal(0);
    const f = fieldsOf(run.a.output('a.drvinfo').join(' '));
    expect(f.get('driver'), context()).to.equal('e1000');
    expect(f.get('bus-info'), context()).to.match(/^0000:00:[0-9a-f]{2}\.\d$/);
    // The kernel's default ethtool ops would give no statistics count: e1000's says 46.
    expect(f.get('n-stats'), context()).to.equal('46');
  });

  it("the driver's PCI memory region is requested under its name (/proc/iomem prints the glue's lasting copy of the u-driver's string)", () => {
    expect(Number(run.a.one('a.iomem-owned')), context()).to.be.at.least(1);
  });

  it('ETHTOOL_GREGS and ETHTOOL_GEEPROM come back whole through the sized upcalls of e1000_get_regs and e1000_get_eeprom (the kernel sizes both buffers)', () => {
    expect(dumpProblems(run, 'a.regs', 'a.eeprom'), context()).to.deep.equal([]);
  });

  it('ETHTOOL_GSTATS: e1000 names its 46 counters and their values come back from the u-driver, moving with the traffic', () => {
    expect(run.a.exit('a.stats-before'), context()).to.equal(0);
    expect(run.a.exit('a.stats-after'), context()).to.equal(0);
    const before = statsOf(run.a.output('a.stats-before'));
    const after = statsOf(run.a.output('a.stats-after'));
    expect(before.size, context()).to.equal(46);
    expect(after.size, context()).to.equal(46);
    // The first and last names of e1000's table (e1000_gstrings_stats), through e1000_get_strings.
    expect([...after.keys()][0], context()).to.equal('rx_packets');
    expect([...after.keys()][45], context()).to.equal('dropped_smbus');
    const delta = (name: string) => {
      expect(before.has(name) && after.has(name), `${name} missing${context()}`).to.equal(true);
      return after.get(name)! - before.get(name)!;
    };
    const frames = BigInt(Math.ceil(BYTES / 1500));
    expect(delta('rx_packets') >= frames, `rx_packets moved ${delta('rx_packets')}${context()}`).to.equal(true);
    expect(delta('tx_packets') >= frames, `tx_packets moved ${delta('tx_packets')}${context()}`).to.equal(true);
    expect(delta('rx_bytes') >= BigInt(BYTES), `rx_bytes moved ${delta('rx_bytes')}${context()}`).to.equal(true);
    expect(delta('tx_bytes') >= BigInt(BYTES), `tx_bytes moved ${delta('tx_bytes')}${context()}`).to.equal(true);
    expect(after.get('rx_errors'), context()).to.equal(0n);
    expect(after.get('tx_errors'), context()).to.equal(0n);
  });

  it('the watchdog work item runs every 2 s in the u-driver: an idle interface still raises its interrupt (e1000_watchdog writes ICS)', () => {
    const n = idleInterrupts(run, 'a.irq-idle');
    // At least two of its runs in 5 s (2 s apart, rounded to whole seconds), whatever else came.
    expect(n, `${n} interrupts in 5 s of idle${context()}`).to.be.at.least(2);
  });

  it('the MTU changes to 1400 and back in the u-driver (e1000_change_mtu), with full-size pings at each', () => {
    expect(run.a.all('a.mtu-1400'), context()).to.deep.equal(['mtu=1400', 'exit=0']);
    expect(a('sysfs-mtu-1400'), context()).to.equal('1400');
    expect(a('carrier-mtu-1400'), context()).to.equal('1');
    expect(a('ping-mtu-1400'), context()).to.equal('received=3 of=3 size=1400');
    expect(run.a.all('a.mtu-1500'), context()).to.deep.equal(['mtu=1500', 'exit=0']);
    expect(a('ping-mtu-1500'), context()).to.equal('received=3 of=3 size=1500');
    expect(udrv(), context()).to.match(/changing MTU from 1500 to 1400/);
    expect(udrv(), context()).to.match(/changing MTU from 1400 to 1500/);
  });

  it('link down stops traffic; link up (ndo_stop, ndo_open in the u-driver) brings the carrier and traffic back', () => {
    expect(run.a.all('a.link-down'), context()).to.deep.equal(['flags=down', 'exit=0']);
    expect(a('operstate-down'), context()).to.equal('down');
    expect(a('ping-down'), context()).to.equal('received=0 of=2');
    expect(run.a.all('a.link-up'), context()).to.deep.equal(['flags=up', 'exit=0']);
    expect(a('carrier-up'), context()).to.equal('1');
    expect(a('ping-up'), context()).to.equal('received=3 of=3');
    expect(run.a.exit('a.after-up'), context()).to.equal(0);
  });

  it('killed during a transfer, the u-driver takes nothing down: the transfer arrives intact, pings go on, management fails with ENODEV', () => {
    expect(a('bulk-running-at-kill'), context()).to.equal('yes');
    expect(a('udrv-killed'), context()).to.equal('status=137');
    const crc = bulkCrc(BYTES, RESTART_SEED(SEEDS));
    expect(run.a.exit('a.crash-bulk'), context()).to.equal(0);
    expect(Object.fromEntries(fieldsOf(run.a.output('a.crash-bulk').join(' '))), context()).to.include({ bytes: `${BYTES}`, matched: `${BYTES}`, crc, ok: '1' });
    expect(a('ping-dead'), context()).to.equal('received=3 of=3');
    // ethtool's begin (the glue's) fails every operation; an ndo's upcall fails on its own.
    expect(run.a.exit('a.drvinfo-dead'), context()).to.equal(1);
    expect(run.a.output('a.drvinfo-dead').join('\n'), context()).to.match(/ETHTOOL_GDRVINFO: No such device/);
    expect(run.a.exit('a.mtu-dead'), context()).to.equal(1);
    expect(run.a.output('a.mtu-dead').join('\n'), context()).to.match(/SIOCSIFMTU: No such device/);
    expect(a('sysfs-mtu-dead'), context()).to.equal('1500');
  });

  it('a restarted u-driver is handed the device (registers, adapter, counters) and management works again', () => {
    expect(a('restart'), context()).to.equal('exit=0');
    expect(run.vm.a.dmesg ?? '', context()).to.match(/e1000 0000:00:[0-9a-f]{2}\.\d: the u-driver that attached was handed the device/);
    expect(udrv(), context()).to.match(/0000:00:[0-9a-f]{2}\.\d resynchronised/);
    const f = fieldsOf(run.a.output('a.drvinfo-again').join(' '));
    expect(run.a.exit('a.drvinfo-again'), context()).to.equal(0);
    expect(f.get('driver'), context()).to.equal('e1000');
    expect(f.get('bus-info'), context()).to.match(/^0000:00:[0-9a-f]{2}\.\d$/);
    // The counters go on from the kernel's copy of the adapter: the new u-driver never counted the
    // frames of the transfer it missed, whose registers e1000_update_stats reads now.
    expect(run.a.exit('a.stats-again'), context()).to.equal(0);
    const after = statsOf(run.a.output('a.stats-after'));
    const again = statsOf(run.a.output('a.stats-again'));
    expect(again.size, context()).to.equal(46);
    const frames = BigInt(Math.ceil(BYTES / 1500));
    expect(again.get('rx_packets')! - after.get('rx_packets')! >= frames, `rx_packets ${after.get('rx_packets')} then ${again.get('rx_packets')}${context()}`).to.equal(true);
    // e1000_change_mtu resets the MAC through the mapping of BAR0 the new u-driver made.
    // The watchdog, whose upcall failed while no u-driver was attached, was queued again for the
    // new one: its periodic runs raise interrupts (and nothing else queued it meanwhile).
    expect(run.vm.a.dmesg ?? '', context()).to.match(/e1000 0000:00:[0-9a-f]{2}\.\d: queued again [1-9]\d* work item\(s\) whose upcall found no u-driver/);
    const n = idleInterrupts(run, 'a.irq-idle-again');
    expect(n, `${n} interrupts in 5 s of idle after the restart${context()}`).to.be.at.least(2);
    // e1000_get_regs reads the registers through the new u-driver's mapping of BAR0.
    expect(dumpProblems(run, 'a.regs-again', 'a.eeprom-again'), context()).to.deep.equal([]);
    expect(run.a.all('a.mtu-again'), context()).to.deep.equal(['mtu=1400', 'exit=0']);
    expect(a('carrier-again'), context()).to.equal('1');
    expect(a('ping-again'), context()).to.equal('received=3 of=3 size=1400');
    expect(run.a.all('a.mtu-back'), context()).to.deep.equal(['mtu=1500', 'exit=0']);
    expect(a('ping-back'), context()).to.equal('received=3 of=3');
    expect(udrv().match(/changing MTU from 1500 to 1400/g)?.length, context()).to.equal(2);
  });

  it('unbinding runs e1000_remove in the (restarted) u-driver, and rmmod is clean', () => {
    expect(a('unbind'), context()).to.equal('exit=0');
    expect(a('unload'), context()).to.equal('exit=0');
    expect(a('loaded-after'), context()).to.equal('0');
    expect(a('ifaces-after'), context()).to.equal('lo');
  });

  it('loaded again and removed with no u-driver attached, the glue frees the interrupt and the interface itself: unbind and rmmod are clean', () => {
    const b = (k: string) => run.a.one(`b.${k}`);
    expect(b('load'), context()).to.equal('exit=0');
    expect(run.a.exit('b.a-to-b'), context()).to.equal(0);
    expect(b('udrv-killed'), context()).to.equal('status=137');
    expect(b('unbind'), context()).to.equal('exit=0');
    expect(b('unload'), context()).to.equal('exit=0');
    expect(b('loaded-after'), context()).to.equal('0');
    expect(b('ifaces-after'), context()).to.equal('lo');
    expect(run.vm.a.dmesg ?? '', context()).to.match(/e1000 0000:00:[0-9a-f]{2}\.\d: removed with no u-driver attached: the k-driver frees what it registered/);
  });

  it('neither kernel log has an oops, BUG, WARNING or lock report', () => {
    expect(kernelHealthy(run.vm.a.dmesg ?? ''), context()).to.deep.equal([]);
    expect(kernelHealthy(run.vm.b.dmesg ?? ''), context()).to.deep.equal([]);
  });
});
