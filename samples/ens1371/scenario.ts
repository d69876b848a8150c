// The ES1371 scenario: probe through upcalls and downcalls, open a playback and a capture stream
// (open, hw_params, prepare in the u-driver; trigger in the kernel), then 100,000 periods of
// sample clock: the DMA buffers wrap, interrupts now and then come late (several periods at once,
// found by the pointer callback), and now and then the application stalls for longer than the
// buffer lasts, an xrun the kernel must detect and the application recover from (prepare is an
// upcall). Mixer calls cross meanwhile, the u-driver crashes and restarts mid-stream, then the
// streams close and the card is removed.
import { PeerGoneError, sim } from 'mdidl/runtime';
import { monolithicBoundary, splitBoundary, type Boundary } from '../common/boundary.js';
import { Background, CrashDrill } from '../common/lifecycle.js';
import { InOrder, makePayload, Rng } from '../common/payload.js';
import { Recorder, tick, type ScenarioOptions, type ScenarioResult } from '../common/scenario.js';
import type { SampleInfo } from '../common/table.js';
import { AC97_MASTER, AC97_PCM, ES, ES_STAT } from './consts.js';
import { plan } from './generated/ts/ens1371.plan.js';
import { upcalls, type Upcalls } from './generated/ts/ens1371.stubs.js';
import type { Box } from 'mdidl/runtime';
import { Ens1371KDriver, type PcmStream } from './kdriver.js';
import { ens1371UserDriver } from './udriver.js';

export const info: SampleInfo = {
  name: 'ens1371',
  title: 'Ensoniq AudioPCI 97 sound card (snd-ens1371)',
  unit: 'periods',
  kernel: ['snd_audiopci_interrupt', 'trigger', 'pointer', 'snd_pcm_period_elapsed (ALSA core)'],
  user: ['probe (codec, SRC)', 'remove', 'pcm open/close', 'hw_params/hw_free', 'prepare (and xrun recovery)', 'AC97 mixer'],
};

const PERIOD = 64; // frames; 16-bit stereo: 256 bytes
const PERIODS = 4;

export async function runEns1371(o: ScenarioOptions): Promise<ScenarioResult> {
  const total = o.events ?? 100_000;
  const kernel = new sim.SimKernel(1 << 20);
  const chip = new sim.SimEs1371(kernel, 5);
  const playOut = new InOrder();
  const capIn = new InOrder();
  let playSeq = 0;
  let capSeq = 0;
  const captured: number[] = [];
  chip.source = (bytes) => {
    if (bytes !== PERIOD * 4) throw new Error(`es1371: recorded ${bytes} bytes at once, not a period`);
    captured.push(capSeq);
    return makePayload(capSeq++, bytes);
  };
  const k = new Ens1371KDriver(kernel, chip, {
    playback: {
      produce: () => {
        playOut.expect(playSeq);
        return makePayload(playSeq++, PERIOD * 4);
      },
    },
    capture: { consume: (b) => capIn.arrive(b) },
  });
  const b: Boundary<Upcalls> =
    o.mode === 'split'
      ? await splitBoundary({ plan, workerUrl: new URL('./uworker.js', import.meta.url), kernel: k.downcalls, upcalls, timeoutMs: o.timeoutMs ?? 5000 })
      : monolithicBoundary(k.downcalls, ens1371UserDriver);
  const up = b.up;
  const r = new Recorder(info.name, info.unit, b);
  const e = k.ensoniq;
  const pb = k.playback;
  const cap = k.capture;
  const mixerGet = (reg: number) => (): Promise<unknown> => {
    const box: Box<number> = { value: -1 };
    return up.snd_ac97_mixer_ops.get(k.ac97, reg, box).then((rc) => ({ rc, value: box.value }));
  };
  try {
    await r.manage('probe', () => up.pci_driver.probe(k.pdev, k.ent), (rc) => ({ rc, card: k.card.shortname, ac97: k.ac97.id.toString(16), master: k.ac97.regs[AC97_MASTER >> 1] }));
    r.same('probe identified the codec and registered the card', { card: k.card.longname, ac97: k.ac97.id.toString(16), mixer: k.mixerRegistered, registered: k.registered }, { card: 'Ensoniq AudioPCI ENS1371 at 0xe000, irq 5', ac97: '83847609', mixer: true, registered: true });
    for (const s of [pb, cap]) {
      const name = s === pb ? 'playback' : 'capture';
      await r.manage(`${name}: open`, () => up.snd_pcm_ops.open(s.sub));
      await r.manage(`${name}: hw_params 48000 Hz, 4 x 64 frames`, () => up.snd_pcm_ops.hw_params(s.sub, 48000, 2, BigInt(PERIOD), PERIODS), (rc) => ({ rc, buffer: s.sub.runtime!.buffer_size, dma: s.sub.runtime!.dma_bytes }));
      await r.manage(`${name}: prepare`, () => up.snd_pcm_ops.prepare(s.sub));
      k.afterPrepare(s);
    }
    r.same('open set up both channels', { playback2: e.playback2_substream === pb.sub, capture: e.capture_substream === cap.sub, p2_dma_size: e.p2_dma_size, c_period_size: e.c_period_size }, { playback2: true, capture: true, p2_dma_size: PERIOD * PERIODS * 4, c_period_size: PERIOD * 4 });
    r.same('both streams start', [k.start(pb), k.start(cap)], [0, 0]);

    // ---- the sample clock runs -----------------------------------------------------------------
    const bg = new Background(r);
    let clockPeriods = 0;
    const drill = new CrashDrill(r, b as Boundary<unknown>, () => clockPeriods);
    const at = (f: number): number => Math.floor(total * f);
    const marks = new Set<number>();
    const once = (point: number): boolean => {
      if (clockPeriods < point || marks.has(point)) return false;
      marks.add(point);
      return true;
    };
    let masterBeforeCrash = -1;
    const afterRestart = (): void => {
      bg.launch('mixer get master (after restart)', mixerGet(AC97_MASTER));
      bg.launch('mixer put pcm 0x0404', () => up.snd_ac97_mixer_ops.put(k.ac97, AC97_PCM, 0x0404).then((rc) => ({ rc, cached: k.ac97.regs[AC97_PCM >> 1] })));
    };
    let recoveries = 0;
    let prepareCalls = 0;
    let stalls = 0;
    let late = 0;
    const recover = async (s: PcmStream): Promise<void> => {
      for (;;) {
        prepareCalls++;
        try {
          const rc = await up.snd_pcm_ops.prepare(s.sub);
          if (rc !== 0) throw new Error(`prepare after an xrun -> ${rc}`);
          break;
        } catch (err) {
          if (!(err instanceof PeerGoneError)) throw err;
          await drill.finish(); // the u-driver is restarting: the application retries after it
        }
      }
      k.afterPrepare(s);
      if (k.start(s) !== 0) throw new Error('restart after an xrun failed');
      recoveries++;
    };
    const idle = (): boolean =>
      !(chip.inl(ES.STATUS) & ES_STAT.INTR) &&
      (pb.state !== 'running' || pb.applPtr - pb.hwPtr === pb.bufferFrames) &&
      (cap.state !== 'running' || cap.hwPtr - cap.applPtr < PERIOD);
    const rng = new Rng(1371);
    const upcallsBefore = b.counts.upcalls;
    const t0 = performance.now();
    let lastProgress = 0;
    while (clockPeriods < total) {
      const stall = rng.oneIn(400);
      const n = Math.min(total - clockPeriods, stall ? PERIODS + 1 + rng.int(0, 2) : rng.oneIn(10) ? rng.int(2, 3) : 1);
      if (stall) {
        stalls++;
        // The device will play the full buffer, then the oldest of it again where nothing new came.
        if (pb.applPtr - pb.hwPtr !== pb.bufferFrames) throw new Error('the playback buffer was not full before a stall');
        const oldest = playSeq - PERIODS;
        for (let i = 0; i < n - PERIODS; i++) playOut.expect(oldest + (i % PERIODS));
      } else if (n > 1) {
        late++;
      }
      const firstCaptured = captured.length;
      chip.advance(n * PERIOD);
      clockPeriods += n;
      // What the capture channel recorded in a stall is lost with the xrun; the rest must arrive.
      if (!stall) for (let i = firstCaptured; i < captured.length; i++) capIn.expect(captured[i]!);
      for (let spins = 0; ; spins++) {
        await tick();
        if (pb.state === 'xrun') await recover(pb);
        if (cap.state === 'xrun') await recover(cap);
        if (idle()) break;
        if (spins > 100_000) throw new Error(`the critical path stalled at period ${clockPeriods}: playback ${pb.state} hw ${pb.hwPtr} appl ${pb.applPtr}, capture ${cap.state} hw ${cap.hwPtr} appl ${cap.applPtr}`);
      }
      for (const chunk of chip.played.splice(0)) playOut.arrive(chunk);
      if (once(at(0.2))) {
        bg.launch('mixer get master', mixerGet(AC97_MASTER));
        bg.launch('mixer put master 0x0808', () => up.snd_ac97_mixer_ops.put(k.ac97, AC97_MASTER, 0x0808).then((rc) => ({ rc, cached: k.ac97.regs[AC97_MASTER >> 1] })));
      }
      if (once(at(0.35))) {
        bg.launch('mixer get master (after put)', () => mixerGet(AC97_MASTER)().then((v) => ((masterBeforeCrash = (v as { value: number }).value), v)));
        bg.launch('mixer get pcm', mixerGet(AC97_PCM));
      }
      // The clock holds until the earlier calls have settled (the crash must hit this one).
      if (once(at(0.5))) await drill.triggerAfter(bg, () => mixerGet(AC97_PCM)());
      if ((b.mode !== 'split' || drill.done) && once(at(0.75))) afterRestart();
      if (clockPeriods - lastProgress >= 2000 || clockPeriods === total) {
        lastProgress = clockPeriods;
        o.progress?.(clockPeriods, total);
      }
    }
    r.seconds = (performance.now() - t0) / 1000;
    r.events = total;
    await drill.finish();
    if (!marks.has(at(0.75))) {
      marks.add(at(0.75));
      afterRestart();
    }
    await bg.settle();
    drill.check();
    r.same('every upcall while the clock ran was a mixer call or an xrun recovery (none from the critical path)', b.counts.upcalls - upcallsBefore, bg.made + prepareCalls + drill.upcalls);

    r.check('every captured period outside an xrun reached the application intact and in order', capIn.ok && capIn.expectedCount > 0, capIn.summary());
    // The application is a buffer ahead of the device: what it wrote last is still to play.
    const unplayed = (pb.applPtr - pb.hwPtr) / PERIOD;
    r.check(
      'the device played every period the application wrote, in order (and, in a stall, the stale buffer)',
      playOut.corrupt === 0 && playOut.outOfOrder === 0 && playOut.missing === unplayed && unplayed === PERIODS && playOut.expectedCount > 0,
      `${playOut.summary()}; ${unplayed} still in the buffer`,
    );
    r.same('every stall was an xrun on both streams, detected and recovered', { playback: pb.xruns, capture: cap.xruns, recoveries }, { playback: stalls, capture: stalls, recoveries: 2 * stalls });
    r.check('the DMA buffers wrapped and interrupts came late', chip.dacWraps > 0 && chip.adcWraps > 0 && late > 0 && stalls > 0, `${chip.dacWraps} playback wraps, ${chip.adcWraps} capture wraps, ${late} late interrupts, ${stalls} stalls`);
    r.counters['periods captured'] = capIn.received;
    r.counters['periods played'] = playOut.received;
    r.counters['DMA buffer wraps (playback)'] = chip.dacWraps;
    r.counters['late interrupts (2-3 periods)'] = late;
    r.counters['xruns recovered'] = recoveries;

    const master = (await r.manage('mixer get master (end)', mixerGet(AC97_MASTER))) as { value: number } | undefined;
    r.same('the mixer setting made before the crash survived it (it lives in the codec)', master?.value, masterBeforeCrash);

    // ---- close and remove ------------------------------------------------------------------
    for (const s of [pb, cap]) {
      const name = s === pb ? 'playback' : 'capture';
      k.stop(s);
      await r.manage(`${name}: hw_free`, () => up.snd_pcm_ops.hw_free(s.sub));
      await r.manage(`${name}: close`, () => up.snd_pcm_ops.close(s.sub), (rc) => ({ rc, mode: e.mode }));
    }
    r.same('close stopped both channels and released them', { ctrl: chip.inl(ES.CONTROL) & 0x30, mode: e.mode, playback2: e.playback2_substream, capture: e.capture_substream }, { ctrl: 0, mode: 0, playback2: null, capture: null });
    await r.manage('remove', () => up.pci_driver.remove(k.pdev), () => ({ registered: k.registered }));
    r.same('remove disconnected the card and gave the line back', { registered: k.registered, irqFree: kernel.requestIrq(chip.irq, () => 'none', 'probe', null) === 0 }, { registered: false, irqFree: true });
    kernel.freeIrq(chip.irq, null);
    return r.result(o.mode, [...kernel.log]);
  } finally {
    await b.stop();
    kernel.stop();
  }
}
