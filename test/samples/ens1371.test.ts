// The Ensoniq ES1371 split as in the Microdrivers paper, run for real: 100,000 periods of
// playback and capture, split and monolithic.
import { expect } from 'chai';
import { runEns1371 } from '../../samples/ens1371/scenario.js';
import { runBothModes } from '../../samples/common/scenario.js';
import { expectCleanRun, samplePipelineTests } from './sample-checks.js';

describe('sample: ens1371 split', function () {
  this.timeout(120_000);
  samplePipelineTests('ens1371');

  it('runs 100,000 periods through the k-driver, recovers every xrun, survives a u-driver crash, and agrees with the monolithic driver', async () => {
    const run = await runBothModes(runEns1371, { events: 100_000 });
    expectCleanRun(run, 100_000);
    const c = run.split.counters;
    expect(c['periods played']).to.equal(100_000);
    expect(c['periods captured']).to.be.greaterThan(90_000).and.lessThan(100_000);
    expect(c['DMA buffer wraps (playback)']).to.be.greaterThan(1000);
    expect(c['late interrupts (2-3 periods)']).to.be.greaterThan(100);
    expect(c['xruns recovered']).to.be.greaterThan(10);
    const master = run.split.management.filter((m) => m.name.startsWith('mixer get master'));
    expect(master.map((m) => JSON.parse(m.result).value)).to.deep.equal([0x8000, 0x0808, 0x0808, 0x0808]);
  });
});
