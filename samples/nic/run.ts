// The simulated split driver, end to end: boot the simulated kernel and NIC, start the u-driver in
// a worker, open the device (an upcall that makes downcalls), move traffic on the critical path
// while management calls cross, then crash the u-driver mid-upcall and restart it: the data path
// never stops.
import { KernelChannel, PeerGoneError, sim, TimeoutError } from 'mdidl/runtime';
import { NicKDriver } from './kdriver.js';
import { plan } from './generated/ts/nic.plan.js';
import { kernelDispatcher, upcalls } from './generated/ts/nic.stubs.js';
import type { ethtool_drvinfo, link_stats } from './generated/ts/nic.types.js';

export interface DemoReport {
  openResult: number;
  flagsAfterOpen: number;
  mac: string;
  drvinfo: { driver: string; version: string; bus_info: string };
  mtuAfterChange: number;
  received: number;
  sent: number;
  statsSeenByUser: { rx: bigint; tx: bigint };
  crash: string;
  packetsWhileCrashed: number;
  afterRestart: number;
  hang: string;
  kernelLog: string[];
  lines: string[];
}

const wait = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export async function runDemo(options: { timeoutMs?: number } = {}): Promise<DemoReport> {
  const lines: string[] = [];
  const say = (s: string): void => {
    lines.push(s);
  };
  const kernel = new sim.SimKernel();
  const nic = new sim.SimNic(kernel, 11);
  // The NIC's burned-in address, as its EEPROM would load it.
  Atomics.store(nic.mmio, sim.REG.MAC_LO, 0x33221100 | 0);
  Atomics.store(nic.mmio, sim.REG.MAC_HI, 0x5544);
  const k = new NicKDriver(kernel, nic);
  const channel = new KernelChannel({
    plan,
    workerUrl: new URL('./udriver.js', import.meta.url),
    workerData: { hangOnMtu: 7777, crashOnMtu: 6666 },
    implementation: kernelDispatcher(k.downcalls),
    timeoutMs: options.timeoutMs ?? 1500,
  });
  const up = upcalls(channel);
  try {
    await channel.start();
    say('u-driver started in a worker thread');

    const openResult = await up.net_device_ops.ndo_open(k.dev);
    const mac = Array.from(k.dev.dev_addr, (b) => b.toString(16).padStart(2, '0')).join(':');
    say(`ndo_open -> ${openResult}; flags ${k.dev.flags}, MAC ${mac}, rings ${k.priv.rx_ring_size}/${k.priv.tx_ring_size} (set up by downcalls from the u-driver)`);

    // Traffic on the critical path, with management upcalls in flight at the same time.
    const traffic = (n: number, tag: number): void => {
      for (let i = 0; i < n; i++) {
        nic.receive(Uint8Array.from([tag, i, 0xaa, 0xbb]));
        k.startXmit(Uint8Array.from([tag, i, 0xcc]));
      }
    };
    const info = { driver: '', version: '', bus_info: '' } as ethtool_drvinfo;
    const pending = up.ethtool_ops.get_drvinfo(k.dev, info);
    traffic(4, 1);
    await pending;
    const mtu = await up.net_device_ops.ndo_change_mtu(k.dev, 9000);
    await wait(20);
    traffic(4, 2);
    await wait(20);
    const stats = { rx_packets: 0n, tx_packets: 0n, rx_missed: 0n } as link_stats;
    await up.ethtool_ops.get_stats(k.dev, stats);
    say(`ethtool get_drvinfo: ${info.driver} ${info.version} ${info.bus_info}; MTU -> ${mtu === 0 ? k.dev.mtu : mtu}`);
    say(`critical path so far: ${k.delivered.length} frames received, ${nic.sent.length} sent; the u-driver saw rx ${stats.rx_packets}, tx ${stats.tx_packets}`);

    // Crash the u-driver in the middle of an upcall; the data path keeps going meanwhile.
    const before = k.delivered.length;
    const crashing = up.net_device_ops.ndo_change_mtu(k.dev, 6666).then(
      () => 'no error',
      (e: unknown) => (e instanceof PeerGoneError ? `PeerGoneError: ${e.message}` : `unexpected: ${String(e)}`),
    );
    traffic(4, 3);
    // The burst's interrupt runs before the next burst arrives, as between the bursts above: the
    // ring holds 7 frames, and a crash noticed in the same turn would otherwise let 8 pile up.
    await wait(20);
    const crash = await crashing;
    traffic(4, 4);
    await wait(20);
    const packetsWhileCrashed = k.delivered.length - before;
    say(`u-driver crashed mid-upcall -> ${crash}; the critical path meanwhile received ${packetsWhileCrashed} frames`);

    await channel.restart();
    const afterRestart = await up.net_device_ops.ndo_change_mtu(k.dev, 1500);
    say(`u-driver restarted; ndo_change_mtu -> ${afterRestart}, MTU ${k.dev.mtu}`);

    // A hung u-driver: the upcall fails within the timeout.
    const hang = await up.net_device_ops.ndo_change_mtu(k.dev, 7777).then(
      () => 'no error',
      (e: unknown) => (e instanceof TimeoutError ? `TimeoutError: ${e.message}` : `unexpected: ${String(e)}`),
    );
    say(`hung u-driver -> ${hang}`);
    await channel.restart();

    return {
      openResult,
      flagsAfterOpen: k.dev.flags,
      mac,
      drvinfo: { driver: info.driver, version: info.version, bus_info: info.bus_info },
      mtuAfterChange: mtu === 0 ? 9000 : -1,
      received: k.delivered.length,
      sent: nic.sent.length,
      statsSeenByUser: { rx: stats.rx_packets, tx: stats.tx_packets },
      crash,
      packetsWhileCrashed,
      afterRestart,
      hang,
      kernelLog: [...kernel.log],
      lines,
    };
  } finally {
    await channel.stop();
    kernel.stop();
  }
}

// Run directly (npm run demo): print what happened.
if (import.meta.url === new URL(process.argv[1] ?? '', 'file://').href) {
  const report = await runDemo();
  for (const l of report.lines) console.log(l);
  console.log(report.kernelLog.length ? `kernel log:\n${report.kernelLog.join('\n')}` : 'kernel log: clean (no oops, no warning)');
}
