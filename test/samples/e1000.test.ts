// The Intel e1000 split as in the Microdrivers paper, run for real: 100,000 frames each way
// through the descriptor rings, split and monolithic.
import { expect } from 'chai';
import { runE1000 } from '../../samples/e1000/scenario.js';
import { runBothModes } from '../../samples/common/scenario.js';
import { expectCleanRun, samplePipelineTests } from './sample-checks.js';

describe('sample: e1000 split', function () {
  this.timeout(120_000);
  samplePipelineTests('e1000');

  it('runs 100,000 frames each way through the k-driver, survives a u-driver crash, and agrees with the monolithic driver', async () => {
    const run = await runBothModes(runE1000, { events: 100_000 });
    expectCleanRun(run, 100_000);
    const c = run.split.counters;
    expect(c['rx ring wraps']).to.be.greaterThan(100);
    expect(c['missed (no descriptor)']).to.be.greaterThan(100);
    expect(c['dropped (CRC error)']).to.be.greaterThan(100);
    expect(c['frames stored by the chip']! + c['missed (no descriptor)']! + c['dropped (CRC error)']!).to.equal(100_000);
    const wd = JSON.parse(run.split.management.find((m) => m.name === 'watchdog (after traffic)')!.result) as Record<string, string>;
    expect(Number(wd.crcerrs)).to.equal(c['dropped (CRC error)']);
    expect(Number(wd.mpc)).to.equal(c['missed (no descriptor)']);
  });
});
