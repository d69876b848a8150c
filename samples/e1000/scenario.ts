// The e1000 scenario: probe and open through upcalls and downcalls, sustained traffic through the
// descriptor rings (damaged frames the chip drops and counts, ring wrap, and storms that leave the
// chip without descriptors) while ethtool calls and the statistics watchdog cross, a u-driver
// crash and restart in the middle of it, then close and remove.
import { sim } from 'mdidl/runtime';
import { monolithicBoundary, splitBoundary, type Boundary } from '../common/boundary.js';
import { Background, CrashDrill } from '../common/lifecycle.js';
import { NetTraffic } from '../common/net-traffic.js';
import { Recorder, type ScenarioOptions, type ScenarioResult } from '../common/scenario.js';
import type { SampleInfo } from '../common/table.js';
import { E1000, E1000_RCTL, E1000_TCTL } from './consts.js';
import { plan } from './generated/ts/e1000.plan.js';
import { upcalls, type Upcalls } from './generated/ts/e1000.stubs.js';
import type { ethtool_drvinfo, ethtool_eeprom, ethtool_ringparam } from './generated/ts/e1000.types.js';
import { E1000KDriver } from './kdriver.js';
import { e1000UserDriver } from './udriver.js';

export const info: SampleInfo = {
  name: 'e1000',
  title: 'Intel 82540EM gigabit network card (e1000)',
  unit: 'packets',
  kernel: ['e1000_intr', 'e1000_xmit_frame', 'e1000_clean (NAPI: tx cleanup, rx, rx refill)'],
  user: ['probe (EEPROM)', 'open', 'close', 'remove', 'ethtool', 'watchdog (link, statistics registers)'],
};

const MAC = Uint8Array.from([0x52, 0x54, 0x00, 0x12, 0x34, 0x56]);
const hex = (b: Uint8Array): string => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join(':');

export async function runE1000(o: ScenarioOptions): Promise<ScenarioResult> {
  const frames = o.events ?? 100_000;
  const kernel = new sim.SimKernel(4 << 20);
  const chip = new sim.SimE1000(kernel, 10, MAC);
  let traffic: NetTraffic | null = null;
  const k = new E1000KDriver(kernel, chip, (f) => traffic!.deliver(f));
  const b: Boundary<Upcalls> =
    o.mode === 'split'
      ? await splitBoundary({ plan, workerUrl: new URL('./uworker.js', import.meta.url), kernel: k.downcalls, upcalls, timeoutMs: o.timeoutMs ?? 5000 })
      : monolithicBoundary(k.downcalls, e1000UserDriver);
  const up = b.up;
  const r = new Recorder(info.name, info.unit, b);
  const dev = k.dev;
  const a = k.adapter;
  const watchdog = (): Promise<unknown> => up.kernel.e1000_watchdog(dev).then(() => ({ crcerrs: a.stats.crcerrs, mpc: a.stats.mpc, gprc: a.stats.gprc, gptc: a.stats.gptc, rx_missed_errors: dev.stats.rx_missed_errors, link: a.link_speed }));
  try {
    await r.manage('probe', () => up.pci_driver.probe(k.pdev, k.ent), (rc) => ({ rc, name: dev.name, mac: hex(dev.dev_addr), mac_type: a.hw.mac_type, rings: [a.tx_ring?.count, a.rx_ring?.count] }));
    r.same('probe validated the EEPROM, read the address, registered eth1', { name: dev.name, mac: hex(dev.dev_addr), perm: hex(a.hw.perm_mac_addr), registered: k.registered }, { name: 'eth1', mac: hex(MAC), perm: hex(MAC), registered: true });
    await r.manage('open', () => k.devOpen(up.net_device_ops.ndo_open), (rc) => ({ rc, flags: dev.flags, link: [a.link_speed, a.link_duplex], carrier: k.carrier }));
    r.same('open set up both rings and started both units', {
      rdlen: chip.read32(E1000.RDLEN), tdlen: chip.read32(E1000.TDLEN), rdt: chip.read32(E1000.RDT),
      rctl: (chip.read32(E1000.RCTL) & E1000_RCTL.EN) !== 0, tctl: (chip.read32(E1000.TCTL) & E1000_TCTL.EN) !== 0, queue: !k.queueStopped, carrier: k.carrier,
    }, { rdlen: 256 * 16, tdlen: 256 * 16, rdt: 254, rctl: true, tctl: true, queue: true, carrier: true });

    const bg = new Background(r);
    const drill = new CrashDrill(r, b as Boundary<unknown>, () => traffic!.rxDone);
    const at = (f: number): number => Math.floor(frames * f);
    const marks = new Set<number>();
    const once = (done: number, point: number): boolean => {
      if (done < point || marks.has(point)) return false;
      marks.add(point);
      return true;
    };
    const afterRestart = (): void => {
      bg.launch('get_eeprom (after restart)', () => {
        const e: ethtool_eeprom = { magic: 0, offset: 0, len: 128 };
        const bytes = new Uint8Array(128);
        return up.ethtool_ops.get_eeprom(dev, e, bytes).then((rc) => ({ rc, magic: e.magic, len: e.len, mac: hex(bytes.subarray(0, 6)) }));
      });
      bg.launch('watchdog (after restart)', watchdog, undefined, false);
    };
    const upcallsBefore = b.counts.upcalls;
    traffic = new NetTraffic(
      {
        receive: (f, damaged) => chip.receive(f, damaged),
        xmit: (f) => k.startXmit(f),
        takeWire: () => chip.wire.splice(0),
        idle: () => chip.read32(E1000.RDH) === a.rx_ring!.next_to_clean && a.tx_ring!.next_to_clean === a.tx_ring!.next_to_use,
        describe: () => `RDH ${chip.read32(E1000.RDH)} RDT ${chip.read32(E1000.RDT)} rx ntc ${a.rx_ring!.next_to_clean} ntu ${a.rx_ring!.next_to_use}; TDH ${chip.read32(E1000.TDH)} TDT ${chip.read32(E1000.TDT)} tx ntc ${a.tx_ring!.next_to_clean} ntu ${a.tx_ring!.next_to_use}; IMS 0x${chip.read32(E1000.IMS).toString(16)} queue ${k.queueStopped ? 'stopped' : 'running'}`,
      },
      {
        frames,
        seed: 1000,
        storm: 300,
        stormEvery: 400,
        damageEvery: 89,
        damagedDelivered: false,
        progress: (d) => o.progress?.(d, frames),
        between: (done) => {
          if (once(done, at(0.2))) {
            bg.launch('get_drvinfo', () => {
              const i = { driver: '', version: '', fw_version: '', bus_info: '', n_stats: 0, eedump_len: 0 } as ethtool_drvinfo;
              return up.ethtool_ops.get_drvinfo(dev, i).then(() => i);
            });
            bg.launch('get_link', () => up.ethtool_ops.get_link(dev));
            bg.launch('get_ringparam', () => {
              const ring = {} as ethtool_ringparam;
              return up.ethtool_ops.get_ringparam(dev, ring).then(() => ring);
            });
            bg.launch('watchdog (mid-traffic)', watchdog, undefined, false);
          }
          if (once(done, at(0.35))) {
            bg.launch('set_msglevel 0x3', () => up.ethtool_ops.set_msglevel(dev, 3).then(() => a.msg_enable));
            bg.launch('get_msglevel', () => up.ethtool_ops.get_msglevel(dev));
            bg.launch('get_eeprom_len', () => up.ethtool_ops.get_eeprom_len(dev));
          }
          // The wire holds until the earlier calls have settled (the crash must hit this one).
          const crash = once(done, at(0.5)) ? drill.triggerAfter(bg, () => up.ethtool_ops.get_link(dev)) : undefined;
          if ((b.mode !== 'split' || drill.done) && once(done, at(0.75))) afterRestart();
          return crash;
        },
      },
    );
    const t0 = performance.now();
    await traffic.run();
    r.seconds = (performance.now() - t0) / 1000;
    r.events = frames;
    await drill.finish();
    if (!marks.has(at(0.75))) {
      marks.add(at(0.75));
      afterRestart();
    }
    await bg.settle();
    drill.check();
    r.same('every upcall during traffic was a management call (none from the critical path)', b.counts.upcalls - upcallsBefore, bg.made + drill.upcalls);

    r.check('every good frame the chip stored reached the stack intact and in order', traffic.rx.ok && traffic.rx.expectedCount === traffic.stored, traffic.rx.summary());
    r.check('every transmitted frame reached the wire intact and in order', traffic.tx.ok && traffic.tx.received === frames, traffic.tx.summary());
    r.check('the rings wrapped, storms left the chip without descriptors, damaged frames were dropped', chip.wraps > 0 && chip.missed > 0 && chip.crcDropped > 0, `${chip.wraps} wraps, ${chip.missed} missed, ${chip.crcDropped} CRC errors`);
    r.counters['frames stored by the chip'] = traffic.stored;
    r.counters['rx ring wraps'] = chip.wraps;
    r.counters['missed (no descriptor)'] = chip.missed;
    r.counters['dropped (CRC error)'] = chip.crcDropped;
    r.counters['NAPI polls'] = k.napi.polls;

    // The watchdog reads the clear-on-read registers: over the run they add up to what happened.
    const final = (await r.manage('watchdog (after traffic)', watchdog)) as Record<string, bigint> | undefined;
    r.same(
      'the statistics registers, accumulated by the watchdog, count what happened',
      final && { crcerrs: final.crcerrs, mpc: final.mpc, gprc: final.gprc, gptc: final.gptc, rx_missed_errors: final.rx_missed_errors },
      { crcerrs: BigInt(chip.crcDropped), mpc: BigInt(chip.missed), gprc: BigInt(traffic.stored), gptc: BigInt(frames), rx_missed_errors: BigInt(chip.missed) },
    );
    await r.manage('get_ethtool_stats', async () => {
      const data = new BigUint64Array(10);
      await up.ethtool_ops.get_ethtool_stats(dev, data);
      return Array.from(data, String);
    });
    r.same('the critical path counted every frame it handled', { rx: dev.stats.rx_packets, tx: dev.stats.tx_packets }, { rx: BigInt(traffic.stored), tx: BigInt(frames) });

    await r.manage('close', () => k.devClose(up.net_device_ops.ndo_stop), (rc) => ({ rc, flags: dev.flags }));
    r.same('close stopped both units and masked the interrupts', {
      rctl: chip.read32(E1000.RCTL) & E1000_RCTL.EN, tctl: chip.read32(E1000.TCTL) & E1000_TCTL.EN, ims: chip.read32(E1000.IMS), queueStopped: k.queueStopped, carrier: k.carrier,
      irqFree: kernel.requestIrq(10, () => 'none', 'probe', null) === 0,
    }, { rctl: 0, tctl: 0, ims: 0, queueStopped: true, carrier: false, irqFree: true });
    kernel.freeIrq(10, null);
    await r.manage('remove', () => up.pci_driver.remove(k.pdev), () => ({ registered: k.registered }));
    r.same('remove unregistered eth1', k.registered, false);
    return r.result(o.mode, [...kernel.log]);
  } finally {
    await b.stop();
    kernel.stop();
  }
}
