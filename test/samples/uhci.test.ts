// The UHCI host controller split as in the Microdrivers paper, run for real: 100,000 bulk
// transfers through the schedule, split and monolithic.
import { expect } from 'chai';
import { runUhci } from '../../samples/uhci/scenario.js';
import { runBothModes } from '../../samples/common/scenario.js';
import { expectCleanRun, samplePipelineTests } from './sample-checks.js';

describe('sample: uhci split', function () {
  this.timeout(120_000);
  samplePipelineTests('uhci');

  it('runs 100,000 transfers through the k-driver, survives a u-driver crash, and agrees with the monolithic driver', async () => {
    const run = await runBothModes(runUhci, { events: 100_000 });
    expectCleanRun(run, 100_000);
    const c = run.split.counters;
    expect(c['IN messages']! + c['OUT messages']!).to.be.greaterThan(90_000);
    expect(c['packets retried (damaged)']).to.be.greaterThan(100);
    expect(c['URBs failed (-EPROTO), resubmitted']).to.be.greaterThan(10);
    expect(c['frame list wraps']).to.be.greaterThan(10);
    expect(c['dropped (device FIFO overflow)']).to.be.greaterThan(100);
    const port = run.split.management.filter((m) => m.name.startsWith('GetPortStatus'));
    expect(port.map((m) => JSON.parse(m.result).status)).to.deep.equal(['101', '103', '103', '103', '103']);
  });
});
