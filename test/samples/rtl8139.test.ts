// The RealTek 8139 split as in the Microdrivers paper, run for real: 100,000 frames each way on
// the critical path, split and monolithic.
import { expect } from 'chai';
import { runRtl8139 } from '../../samples/rtl8139/scenario.js';
import { runBothModes } from '../../samples/common/scenario.js';
import { expectCleanRun, samplePipelineTests } from './sample-checks.js';

describe('sample: rtl8139 (8139too split)', function () {
  this.timeout(120_000);
  samplePipelineTests('rtl8139');

  it('runs 100,000 frames each way through the k-driver, survives a u-driver crash, and agrees with the monolithic driver', async () => {
    const run = await runBothModes(runRtl8139, { events: 100_000 });
    expectCleanRun(run, 100_000);
    const c = run.split.counters;
    expect(c['ring wraps']).to.be.greaterThan(100);
    expect(c['missed (ring full)']).to.be.greaterThan(100);
    expect(c['damaged (CRC error)']).to.be.greaterThan(100);
    expect(c['frames stored by the chip']! + c['missed (ring full)']!).to.equal(100_000);
    const probe = run.split.management.find((m) => m.name === 'probe')!;
    expect(JSON.parse(probe.result)).to.deep.equal({ rc: 0, name: 'eth0', mac: '00:e0:4c:81:39:01', chipset: 6 });
  });
});
