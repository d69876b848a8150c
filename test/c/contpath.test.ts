// [container(T, a.b)]: a pointer to a member nested in embedded structs (e1000's
// &adapter->watchdog_task.work). The generated kernel stubs (kernel flavour, on test/c/shim) and
// user stubs of test/c/corpus/contpath.mdl run as two processes over a socketpair under
// AddressSanitizer and UBSan: each side receives the other's pointer as the same member of its
// own copy of the adapter, one and two embedded structs deep, and the kernel refuses the
// u-driver's call served again with the adapter's id forged (another type, never issued, forgotten).
import { expect } from 'chai';
import { runPair, type PairRun } from './pair.js';

describe('C backends: a container pointer to a member inside embedded structs', function () {
  this.timeout(120000);
  let output = '';
  let status: number | null = null;
  let kernelC = '';
  let userC = '';
  let pair: PairRun | undefined;

  before(function () {
    pair = runPair('contpath', 'test/c/corpus/contpath.mdl');
    ({ output, status, kernelC, userC } = pair);
  });

  after(() => pair?.cleanup());

  it('the stubs take the offset of the whole member path', () => {
    expect(kernelC).to.contain('mdl_out_container(m, a_work, &contpath_desc_adapter, offsetof(struct adapter, watchdog_task.work), false)');
    expect(kernelC).to.contain('offsetof(struct adapter, deep.dw.work), true)');
    expect(userC).to.contain('mdl_in_container(m, r, &contpath_desc_adapter, offsetof(struct adapter, watchdog_task.work), false, &p)');
    expect(userC).to.contain('mdl_out_container(m, a_timer, &contpath_desc_adapter, offsetof(struct adapter, watchdog_task.timer), false)');
  });

  it('the u-driver receives pointers into its own adapter, one and two embedded structs deep', () => {
    expect(output, output).to.match(/^user: (\d+) checks, 0 failures$/m);
    expect(Number(/^user: (\d+) checks/m.exec(output)?.[1]), output).to.equal(9);
  });

  it('the k-driver receives the u-driver\'s pointers as its own members, and refuses forged adapter ids', () => {
    expect(output, output).to.match(/^kernel: 22 checks, 0 failures$/m);
    expect(output, output).not.to.match(/^FAIL /m);
  });

  it('both programs exit 0 with no sanitizer report', () => {
    expect(status, output).to.equal(0);
    expect(output).not.to.match(/Sanitizer|runtime error|leak/i);
  });
});
