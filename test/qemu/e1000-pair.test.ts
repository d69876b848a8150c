// Issue #16's harness with Debian's stock e1000 on both sides (the split module plugs in as VM A's
// GuestDriver once it exists): two QEMU guests with an 82540EM each, joined by a socket netdev on
// 127.0.0.1, one boot of each. VM A's script loads the driver, brings the interface up, pings B,
// moves 10 MB each way with every byte verified, reads drvinfo and statistics through
// SIOCETHTOOL, changes the MTU to 1400 and back, takes the link down and up, and removes the
// module; VM B answers. Each check below reads what the guests recorded.
import { expect } from 'chai';
import * as fs from 'node:fs';
import { MAC_A, MAC_B, bulkCrc, dumpProblems, fieldsOf, idleInterrupts, runPair, statsOf, stockE1000, toolsInTempDir, type GuestDriver, type PairRun } from './e1000-pair.js';
import { kernelHealthy, runVmPair } from './vm.js';

const BYTES = 10_000_000;
const SEEDS: [number, number] = [0x1600a, 0x1600b];

describe('e1000 in a VM pair over a socket netdev, stock driver on both sides (QEMU)', function () {
  // Measured: about 55 s for the pair on an idle 2-core machine; the pair is killed at 240 s.
  this.timeout(300000);
  let run: PairRun;
  let driver: GuestDriver;

  before(async function () {
    driver = stockE1000();
    const { dir, tools } = toolsInTempDir();
    try {
      run = await runPair({ tools, phases: [{ key: 'a', driver, bytes: BYTES, seeds: SEEDS, checks: 'full' }], timeoutMs: 240000 });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
    console.log(`      (VM pair ${(Math.max(run.vm.a.durationMs, run.vm.b.durationMs) / 1000).toFixed(1)} s)`);
  });

  const context = () =>
    `\n--- A result ---\n${run.a.text}\n--- B result ---\n${run.b.text}\n--- A dmesg (tail) ---\n${(run.vm.a.dmesg ?? '').slice(-3000)}\n--- B dmesg (tail) ---\n${(run.vm.b.dmesg ?? '').slice(-3000)}\n--- A console (tail) ---\n${run.vm.a.console.slice(-2000)}`;
  const a = (k: string) => run.a.one(`a.${k}`);
  const b = (k: string) => run.b.one(`peer.${k}`);

  it('both guests ran their scripts to the end and printed their kernel logs', () => {
    expect(run.vm.a.exitCode, context()).to.equal(0);
    expect(run.vm.b.exitCode, context()).to.equal(0);
    expect(run.vm.a.dmesg, context()).to.be.a('string');
    expect(run.vm.b.dmesg, context()).to.be.a('string');
  });

  it('the driver loads and binds to the 82540EM with the MAC QEMU gave it', () => {
    expect(a('load'), context()).to.equal('exit=0');
    expect(a('iface'), context()).to.match(/^eth\d+$/);
    expect(a('bound-driver'), context()).to.equal(driver.driverName);
    expect(a('mac'), context()).to.equal(MAC_A);
    expect(run.vm.a.dmesg, context()).to.match(/e1000 0000:00:\S+ eth\d+: Intel\(R\) PRO\/1000 Network Connection/);
    expect(b('bound-driver'), context()).to.equal('e1000');
    expect(b('mac'), context()).to.equal(MAC_B);
  });

  it('the interface comes up with a carrier on both sides', () => {
    for (const get of [a, b]) {
      expect(get('up'), context()).to.equal('exit=0');
      expect(get('carrier'), context()).to.equal('1');
      expect(get('operstate'), context()).to.equal('up');
    }
  });

  it('ping works both ways', () => {
    expect(a('ping-a-b'), context()).to.equal('received=3 of=3');
    expect(b('ping-b-a'), context()).to.equal('received=3 of=3');
  });

  it(`${BYTES} bytes from A to B arrive intact (B verified every byte; CRC-32 recomputed here)`, () => {
    const crc = bulkCrc(BYTES, SEEDS[0]);
    expect(run.a.exit('a.a-to-b'), context()).to.equal(0);
    const f = fieldsOf(run.a.output('a.a-to-b').join(' '));
    expect(Object.fromEntries(f), context()).to.include({ bytes: `${BYTES}`, crc, 'peer-received': `${BYTES}`, 'peer-matched': `${BYTES}`, 'peer-crc': crc, ok: '1' });
    const got = run.b.all('peer.serve').filter((l) => l.startsWith('serve got ') && l.includes(`crc=${crc}`));
    expect(got, context()).to.have.length(1);
    expect(Object.fromEntries(fieldsOf(got[0]!)), context()).to.include({ bytes: `${BYTES}`, matched: `${BYTES}`, ok: '1' });
  });

  it(`${BYTES} bytes from B to A arrive intact (A verified every byte; CRC-32 recomputed here)`, () => {
    const crc = bulkCrc(BYTES, SEEDS[1]);
    expect(run.a.exit('a.b-to-a'), context()).to.equal(0);
    const f = fieldsOf(run.a.output('a.b-to-a').join(' '));
    expect(Object.fromEntries(f), context()).to.include({ bytes: `${BYTES}`, matched: `${BYTES}`, crc, ok: '1' });
    const sent = run.b.all('peer.serve').filter((l) => l.startsWith('serve sent ') && l.includes(`crc=${crc}`));
    expect(sent, context()).to.have.length(1);
  });

  it('ETHTOOL_GDRVINFO names the driver and its PCI slot', () => {
    expect(run.a.exit('a.drvinfo'), context()).to.equal(0);
    const f = fieldsOf(run.a.output('a.drvinfo').join(' '));
    expect(f.get('driver'), context()).to.equal(driver.driverName);
    expect(f.get('bus-info'), context()).to.match(/^0000:00:[0-9a-f]{2}\.\d$/);
    expect(Number(f.get('n-stats')), context()).to.be.greaterThan(0);
  });

  it("the driver's PCI memory region is requested under its name (/proc/iomem)", () => {
    expect(Number(run.a.one('a.iomem-owned')), context()).to.be.at.least(1);
  });

  it('ETHTOOL_GREGS and ETHTOOL_GEEPROM return the registers and the whole EEPROM, sized by the driver', () => {
    expect(dumpProblems(run, 'a.regs', 'a.eeprom'), context()).to.deep.equal([]);
  });

  it('ETHTOOL_GSTATS returns as many named counters as drvinfo announces, and they move with the traffic', () => {
    expect(run.a.exit('a.stats-before'), context()).to.equal(0);
    expect(run.a.exit('a.stats-after'), context()).to.equal(0);
    const before = statsOf(run.a.output('a.stats-before'));
    const after = statsOf(run.a.output('a.stats-after'));
    const n = Number(fieldsOf(run.a.output('a.drvinfo').join(' ')).get('n-stats'));
    expect(before.size, context()).to.equal(n);
    expect(after.size, context()).to.equal(n);
    const delta = (name: string) => {
      expect(before.has(name) && after.has(name), `${name} missing${context()}`).to.equal(true);
      return after.get(name)! - before.get(name)!;
    };
    // At least the payload each way, and at least one full-size frame per 1500 bytes of it.
    const frames = BigInt(Math.ceil(BYTES / 1500));
    expect(delta('rx_bytes') >= BigInt(BYTES), `rx_bytes moved ${delta('rx_bytes')}${context()}`).to.equal(true);
    expect(delta('tx_bytes') >= BigInt(BYTES), `tx_bytes moved ${delta('tx_bytes')}${context()}`).to.equal(true);
    expect(delta('rx_packets') >= frames, `rx_packets moved ${delta('rx_packets')}${context()}`).to.equal(true);
    expect(delta('tx_packets') >= frames, `tx_packets moved ${delta('tx_packets')}${context()}`).to.equal(true);
    expect(after.get('rx_errors'), context()).to.equal(0n);
    expect(after.get('tx_errors'), context()).to.equal(0n);
  });

  it("an idle interface raises an interrupt every 2 s: the driver's watchdog work item (e1000_watchdog writes ICS)", () => {
    const n = idleInterrupts(run, 'a.irq-idle');
    // At least two of its runs in 5 s (2 s apart, rounded to whole seconds), whatever else came.
    expect(n, `${n} interrupts in 5 s of idle${context()}`).to.be.at.least(2);
  });

  it('the MTU changes to 1400 and back to 1500, with full-size pings at each', () => {
    expect(run.a.all('a.mtu-1400'), context()).to.deep.equal(['mtu=1400', 'exit=0']);
    expect(a('sysfs-mtu-1400'), context()).to.equal('1400');
    expect(a('carrier-mtu-1400'), context()).to.equal('1');
    expect(a('ping-mtu-1400'), context()).to.equal('received=3 of=3 size=1400');
    expect(run.a.all('a.mtu-1500'), context()).to.deep.equal(['mtu=1500', 'exit=0']);
    expect(a('sysfs-mtu-1500'), context()).to.equal('1500');
    expect(a('carrier-mtu-1500'), context()).to.equal('1');
    expect(a('ping-mtu-1500'), context()).to.equal('received=3 of=3 size=1500');
  });

  it('link down stops traffic; link up brings the carrier and traffic back', () => {
    expect(run.a.all('a.link-down'), context()).to.deep.equal(['flags=down', 'exit=0']);
    expect(a('operstate-down'), context()).to.equal('down');
    expect(a('ping-down'), context()).to.equal('received=0 of=2');
    expect(run.a.all('a.link-up'), context()).to.deep.equal(['flags=up', 'exit=0']);
    expect(a('carrier-up'), context()).to.equal('1');
    expect(a('ping-up'), context()).to.equal('received=3 of=3');
    const crc = bulkCrc(1_000_000, SEEDS[0] ^ 0x5a5a);
    expect(run.a.exit('a.after-up'), context()).to.equal(0);
    expect(Object.fromEntries(fieldsOf(run.a.output('a.after-up').join(' '))), context()).to.include({ 'peer-matched': '1000000', 'peer-crc': crc, ok: '1' });
  });

  it('B served every request and ended on A\'s quit', () => {
    expect(run.a.all('quit'), context()).to.deep.equal(['quit ok=1', 'exit=0']);
    const served = run.b.all('peer.serve');
    expect(served.filter((l) => l.startsWith('serve got ')).map((l) => fieldsOf(l).get('ok')), context()).to.deep.equal(['1', '1']);
    expect(served.filter((l) => l.startsWith('serve sent ')).map((l) => fieldsOf(l).get('ok')), context()).to.deep.equal(['1']);
    expect(served, context()).to.include('serve quit failures=0');
    expect(served, context()).to.include('exit=0');
  });

  it('rmmod is clean: the module and its interface are gone, on both sides', () => {
    expect(a('unload'), context()).to.equal('exit=0');
    expect(a('loaded-after'), context()).to.equal(driver.modules.length ? '0' : 'built-in');
    expect(a('ifaces-after'), context()).to.equal(driver.modules.length ? 'lo' : `lo ${a('iface')}`);
    expect(b('unload'), context()).to.equal('exit=0');
  });

  it('neither kernel log has an oops, BUG, WARNING or lock report', () => {
    expect(kernelHealthy(run.vm.a.dmesg ?? ''), context()).to.deep.equal([]);
    expect(kernelHealthy(run.vm.b.dmesg ?? ''), context()).to.deep.equal([]);
  });
});

/** Processes whose command line names the wire of a failed pair (its QEMUs, if any survived). */
function onWire(message: string): string[] {
  const wire = /wire (127\.0\.0\.1:\d+)/.exec(message)?.[1];
  if (!wire) throw new Error(`no wire in: ${message.slice(0, 300)}`);
  const found: string[] = [];
  for (const pid of fs.readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const cmd = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
      if (cmd.includes(`=${wire}`)) found.push(`${pid}: ${cmd}`);
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

describe('test/qemu/vm.ts: runVmPair', function () {
  this.timeout(120000);

  it('refuses two VMs with the same MAC before starting anything', async () => {
    let error: unknown;
    try {
      await runVmPair({ a: { files: [], script: 'exit 0', mac: MAC_A }, b: { files: [], script: 'exit 0', mac: MAC_A.toUpperCase() } });
    } catch (e) {
      error = e;
    }
    expect((error as Error).message).to.match(/both VMs have MAC/);
  });

  it('kills both QEMUs and says so when the pair runs past its timeout', async () => {
    const started = Date.now();
    let error: unknown;
    try {
      await runVmPair({ a: { files: [], script: 'sleep 600\n', mac: MAC_A }, b: { files: [], script: 'sleep 600\n', mac: MAC_B }, timeoutMs: 4000 });
    } catch (e) {
      error = e;
    }
    expect((error as Error).message).to.match(/did not power off within 4000 ms; both QEMUs were killed/);
    expect((error as Error).message).to.match(/VM A console/);
    expect((error as Error).message).to.match(/VM B console/);
    expect(Date.now() - started).to.be.lessThan(30000);
    expect(onWire((error as Error).message)).to.deep.equal([]);
  });

  it('kills the other QEMU when one guest has powered off and the other has not within the grace', async () => {
    let error: unknown;
    try {
      await runVmPair({ a: { files: [], script: 'exit 0\n', mac: MAC_A }, b: { files: [], script: 'sleep 600\n', mac: MAC_B }, timeoutMs: 100000, peerGraceMs: 2000 });
    } catch (e) {
      error = e;
    }
    expect((error as Error).message).to.match(/VM A powered off but VM B was still running 2000 ms later; it was killed/);
    expect((error as Error).message).to.match(/MDL-EXIT 0/);
    expect(onWire((error as Error).message)).to.deep.equal([]);
  });
});
