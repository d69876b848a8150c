// The 8139 scenario: probe and open through upcalls and downcalls, sustained traffic on the
// critical path (damaged frames, ring wrap and overruns among it) while ethtool and statistics
// calls cross, a u-driver crash and restart in the middle of it, then close and remove.
import { sim } from 'mdidl/runtime';
import { monolithicBoundary, splitBoundary, type Boundary } from '../common/boundary.js';
import { Background, CrashDrill } from '../common/lifecycle.js';
import { NetTraffic } from '../common/net-traffic.js';
import { Recorder, type ScenarioOptions, type ScenarioResult } from '../common/scenario.js';
import type { SampleInfo } from '../common/table.js';
import { NETIF_F_RXALL, RTL, RTL_CMD } from './consts.js';
import { plan } from './generated/ts/rtl8139too.plan.js';
import { upcalls, type Upcalls } from './generated/ts/rtl8139too.stubs.js';
import type { ethtool_drvinfo, ethtool_regs, rtnl_link_stats64 } from './generated/ts/rtl8139too.types.js';
import { Rtl8139KDriver } from './kdriver.js';
import { rtl8139UserDriver } from './udriver.js';

export const info: SampleInfo = {
  name: 'rtl8139',
  title: 'RealTek RTL8139C network card (8139too)',
  unit: 'packets',
  kernel: ['rtl8139_interrupt', 'rtl8139_start_xmit', 'rtl8139_poll/rx (NAPI)', 'rtl8139_tx_interrupt'],
  user: ['probe', 'open', 'close', 'remove', 'set_features', 'set_mac_address', 'ethtool', 'get_stats64'],
};

const MAC = Uint8Array.from([0x00, 0xe0, 0x4c, 0x81, 0x39, 0x01]);
const hex = (b: Uint8Array): string => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join(':');
const emptyStats = (): rtnl_link_stats64 => {
  const z = 0n;
  return { rx_packets: z, tx_packets: z, rx_bytes: z, tx_bytes: z, rx_errors: z, tx_errors: z, rx_dropped: z, tx_dropped: z, collisions: z, rx_length_errors: z, rx_crc_errors: z, rx_fifo_errors: z, rx_missed_errors: z };
};

export async function runRtl8139(o: ScenarioOptions): Promise<ScenarioResult> {
  const frames = o.events ?? 100_000;
  const kernel = new sim.SimKernel(1 << 20);
  const chip = new sim.SimRtl8139(kernel, 11, MAC);
  let traffic: NetTraffic | null = null;
  const k = new Rtl8139KDriver(kernel, chip, (f) => traffic!.deliver(f));
  const b: Boundary<Upcalls> =
    o.mode === 'split'
      ? await splitBoundary({ plan, workerUrl: new URL('./uworker.js', import.meta.url), kernel: k.downcalls, upcalls, timeoutMs: o.timeoutMs ?? 5000 })
      : monolithicBoundary(k.downcalls, rtl8139UserDriver);
  const up = b.up;
  const r = new Recorder(info.name, info.unit, b);
  const dev = k.dev;
  try {
    // ---- probe and open ----------------------------------------------------------------------
    await r.manage('probe', () => up.pci_driver.probe(k.pdev, k.ent), (rc) => ({ rc, name: dev.name, mac: hex(dev.dev_addr), chipset: k.tp.chipset }));
    r.same('probe found the RTL-8139C and its EEPROM address, registered eth0', { name: dev.name, mac: hex(dev.dev_addr), chipset: k.tp.chipset, registered: k.registered }, { name: 'eth0', mac: hex(MAC), chipset: 6, registered: true });
    await r.manage('set_features rx-all', () => up.net_device_ops.ndo_set_features(dev, dev.features | NETIF_F_RXALL), (rc) => ({ rc, features: dev.features }));
    await r.manage('open', () => k.devOpen(up.net_device_ops.ndo_open), (rc) => ({ rc, flags: dev.flags, rx_config: k.tp.rx_config, carrier: k.carrier }));
    r.same('open started the chip: rx and tx on, interrupts unmasked, queue running', { cmd: chip.read8(RTL.ChipCmd) & (RTL_CMD.RxEnb | RTL_CMD.TxEnb), mask: chip.read16(RTL.IntrMask) !== 0, queue: !k.queueStopped, carrier: k.carrier, irq: kernel.irqCount(11) >= 0 }, { cmd: RTL_CMD.RxEnb | RTL_CMD.TxEnb, mask: true, queue: true, carrier: true, irq: true });

    // ---- sustained traffic, management calls and a crash in the middle ---------------------
    const bg = new Background(r);
    const drill = new CrashDrill(r, b as Boundary<unknown>, () => traffic!.rxDone);
    const at = (f: number): number => Math.floor(frames * f);
    const marks = new Set<number>();
    const once = (done: number, point: number): boolean => {
      if (done < point || marks.has(point)) return false;
      marks.add(point);
      return true;
    };
    const upcallsBefore = b.counts.upcalls;
    traffic = new NetTraffic(
      {
        receive: (f, damaged) => chip.receive(f, damaged),
        xmit: (f) => k.startXmit(f),
        takeWire: () => chip.wire.splice(0),
        idle: () => (chip.read8(RTL.ChipCmd) & RTL_CMD.RxBufEmpty) !== 0 && k.tp.cur_tx === k.tp.dirty_tx,
        describe: () =>
          `ChipCmd 0x${chip.read8(RTL.ChipCmd).toString(16)}, IntrStatus 0x${chip.read16(RTL.IntrStatus).toString(16)}, IntrMask 0x${chip.read16(RTL.IntrMask).toString(16)}, ` +
          `RxBufAddr ${chip.read16(RTL.RxBufAddr)}, RxBufPtr ${chip.read16(RTL.RxBufPtr)}, cur_rx ${k.tp.cur_rx}, cur_tx ${k.tp.cur_tx}, dirty_tx ${k.tp.dirty_tx}, queue ${k.queueStopped ? 'stopped' : 'running'}, napi ${k.napi.polls} polls, log ${kernel.log.join('; ')}`,
      },
      {
        frames,
        seed: 8139,
        storm: 12,
        stormEvery: 150,
        damageEvery: 97,
        damagedDelivered: true,
        progress: (d) => o.progress?.(d, frames),
        between: (done) => {
          if (once(done, at(0.2))) {
            bg.launch('get_drvinfo', () => {
              const info = { driver: '', version: '', bus_info: '', regdump_len: 0 } as ethtool_drvinfo;
              return up.ethtool_ops.get_drvinfo(dev, info).then(() => info);
            });
            bg.launch('get_link', () => up.ethtool_ops.get_link(dev));
            bg.launch('set_msglevel 0x7', () => up.ethtool_ops.set_msglevel(dev, 7).then(() => k.tp.msg_enable));
            bg.launch('get_stats64 (mid-traffic)', () => {
              const s = emptyStats();
              return up.net_device_ops.ndo_get_stats64(dev, s).then(() => ({ rx: s.rx_packets, tx: s.tx_packets, missed: s.rx_missed_errors }));
            }, undefined, false);
          }
          if (once(done, at(0.35))) {
            bg.launch('get_regs', () => {
              const regs: ethtool_regs = { cmd: 0, version: 0, len: 256 };
              const p = new Uint8Array(256);
              return up.ethtool_ops.get_regs(dev, regs, p).then(() => ({ version: regs.version, len: regs.len, mac: hex(p.subarray(0, 6)), rxbuf: new DataView(p.buffer).getUint32(RTL.RxBuf, true) === Number(k.tp.rx_ring_dma) }));
            });
            bg.launch('get_msglevel', () => up.ethtool_ops.get_msglevel(dev));
            bg.launch('nway_reset', () => up.ethtool_ops.nway_reset(dev));
          }
          // The wire holds until the earlier calls have settled (the crash must hit this one).
          const crash = once(done, at(0.5)) ? drill.triggerAfter(bg, () => up.ethtool_ops.get_regs_len(dev)) : undefined;
          // The calls after the crash wait for the new u-driver (a monolithic driver has no crash).
          if ((b.mode !== 'split' || drill.done) && once(done, at(0.75))) afterRestart();
          return crash;
        },
      },
    );
    function afterRestart(): void {
      bg.launch('get_ethtool_stats', () => {
        const data = new BigUint64Array(4);
        return up.ethtool_ops.get_ethtool_stats(dev, data).then(() => Array.from(data, String));
      });
      bg.launch('get_drvinfo (after restart)', () => {
        const info = { driver: '', version: '', bus_info: '', regdump_len: 0 } as ethtool_drvinfo;
        return up.ethtool_ops.get_drvinfo(dev, info).then(() => info);
      });
    }
    const t0 = performance.now();
    await traffic.run();
    r.seconds = (performance.now() - t0) / 1000;
    r.events = frames;
    await drill.finish();
    if (!marks.has(at(0.75))) {
      marks.add(at(0.75));
      afterRestart(); // the restart outlasted the traffic
    }
    await bg.settle();
    drill.check();
    const upcallsDuring = b.counts.upcalls - upcallsBefore;
    r.same('every upcall during traffic was a management call (none from the critical path)', upcallsDuring, bg.made + drill.upcalls);

    // ---- what arrived --------------------------------------------------------------------------
    r.check('every stored frame reached the stack intact and in order', traffic.rx.ok && traffic.rx.expectedCount === traffic.stored, traffic.rx.summary());
    r.check('every transmitted frame reached the wire intact and in order', traffic.tx.ok && traffic.tx.received === frames, traffic.tx.summary());
    r.check('the ring wrapped, the chip missed frames in storms, damaged frames came through', chip.wraps > 0 && chip.missed > 0 && traffic.damagedStored > 0, `${chip.wraps} wraps, ${chip.missed} missed, ${traffic.damagedStored} damaged`);
    r.counters['frames stored by the chip'] = traffic.stored;
    r.counters['ring wraps'] = chip.wraps;
    r.counters['missed (ring full)'] = chip.missed;
    r.counters['damaged (CRC error)'] = traffic.damagedStored;
    r.counters['NAPI polls'] = k.napi.polls;

    const stats = await r.manage('get_stats64', async () => {
      const s = emptyStats();
      await up.net_device_ops.ndo_get_stats64(dev, s);
      return s;
    }, (s) => ({ rx: s.rx_packets, tx: s.tx_packets, crc: s.rx_crc_errors, missed: s.rx_missed_errors, rx_bytes: s.rx_bytes, tx_bytes: s.tx_bytes }));
    r.same(
      'get_stats64 counts what happened',
      stats && { rx: stats.rx_packets, tx: stats.tx_packets, crc: stats.rx_crc_errors, missed: stats.rx_missed_errors },
      { rx: BigInt(traffic.stored), tx: BigInt(frames), crc: BigInt(traffic.damagedStored), missed: BigInt(chip.missed) },
    );

    // ---- close and remove ------------------------------------------------------------------
    await r.manage('close', () => k.devClose(up.net_device_ops.ndo_stop), (rc) => ({ rc, flags: dev.flags }));
    r.same('close stopped the chip and gave the line back', { cmd: chip.read8(RTL.ChipCmd) & (RTL_CMD.RxEnb | RTL_CMD.TxEnb), mask: chip.read16(RTL.IntrMask), queueStopped: k.queueStopped, irqFree: kernel.requestIrq(11, () => 'none', 'probe', null) === 0 }, { cmd: 0, mask: 0, queueStopped: true, irqFree: true });
    kernel.freeIrq(11, null);
    await r.manage('remove', () => up.pci_driver.remove(k.pdev), () => ({ registered: k.registered }));
    r.same('remove unregistered eth0', k.registered, false);
    return r.result(o.mode, [...kernel.log]);
  } finally {
    await b.stop();
    kernel.stop();
  }
}
