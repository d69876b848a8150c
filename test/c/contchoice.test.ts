// [container(T, a | b | ...)]: a pointer to one of several members of T (the split e1000's
// queue_delayed_work_on on &adapter->watchdog_task, fifo_stall_task or phy_info_task). The
// generated kernel stubs (kernel flavour, on test/c/shim) and user stubs of
// test/c/corpus/contchoice.mdl run as two processes over a socketpair under AddressSanitizer and
// UBSan: each side receives the other's pointer as the same member of its own adapter, for every
// member listed; a pointer into no adapter that crossed is refused by the sender; and the kernel
// refuses the u-driver's call served again with the member index or the adapter's id forged.
import { expect } from 'chai';
import { runPair, type PairRun } from './pair.js';

describe('C backends: a container pointer to one of several members', function () {
  this.timeout(120000);
  let output = '';
  let status: number | null = null;
  let kernelC = '';
  let userC = '';
  let pair: PairRun | undefined;

  before(function () {
    pair = runPair('contchoice', 'test/c/corpus/contchoice.mdl');
    ({ output, status, kernelC, userC } = pair);
  });

  after(() => pair?.cleanup());

  it('the stubs carry a table of the members\' offsets, in the order written', () => {
    const table = [
      '\t\tstatic const size_t adapter_members[] = {',
      '\t\t\toffsetof(struct adapter, watchdog_task),',
      '\t\t\toffsetof(struct adapter, fifo_stall_task),',
      '\t\t\toffsetof(struct adapter, phy_info_task),',
      '\t\t};',
    ].join('\n');
    expect(userC).to.contain(table);
    expect(kernelC).to.contain(table);
    expect(userC).to.contain('mdl_out_container_choice(m, a_work, &contchoice_desc_adapter, adapter_members, 3, false)');
    expect(kernelC).to.contain('mdl_in_container_choice(m, r, &contchoice_desc_adapter, adapter_members, 3, false, &p)');
    expect(kernelC).to.contain('mdl_out_container_choice(m, a_work, &contchoice_desc_adapter, adapter_members, 4, false)');
    expect(kernelC).to.contain('\t\t\toffsetof(struct adapter, phy_info_task.work),\n\t\t};');
    expect(userC).to.contain('mdl_out_container_choice(m, a_work, &contchoice_desc_adapter, adapter_members, 2, true)');
  });

  it('the u-driver receives pointers to each member of its own adapter, and its sender refuses strays', () => {
    expect(output, output).to.match(/^user: (\d+) checks, 0 failures$/m);
    expect(Number(/^user: (\d+) checks/m.exec(output)?.[1]), output).to.equal(13);
  });

  it('the k-driver receives the u-driver\'s pointers as its own members, and refuses forged indexes and ids', () => {
    expect(output, output).to.match(/^kernel: (\d+) checks, 0 failures$/m);
    expect(Number(/^kernel: (\d+) checks/m.exec(output)?.[1]), output).to.equal(37);
    expect(output, output).not.to.match(/^FAIL /m);
  });

  it('both programs exit 0 with no sanitizer report', () => {
    expect(status, output).to.equal(0);
    expect(output).not.to.match(/Sanitizer|runtime error|leak/i);
  });
});
