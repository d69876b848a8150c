// An [out] T ** hands back a tracked object (docs/idl.md 6.11): the generated kernel stubs of
// test/c/outobj/outobj.mdl (kernel flavour, on test/c/shim) and user stubs run as two processes
// over a socketpair under AddressSanitizer and UBSan. The kernel gets a shadow of the u-driver's
// object, the same one for the same object, with the fields the function's writes name.
import { expect } from 'chai';
import { runPair, type PairRun } from './pair.js';

describe('C backends: [out] T ** hands back a tracked object', function () {
  this.timeout(120000);
  let output = '';
  let status: number | null = null;
  let pair: PairRun | undefined;

  before(function () {
    pair = runPair('outobj', 'test/c/outobj/outobj.mdl');
    ({ output, status } = pair);
  });

  after(() => pair?.cleanup());

  it('the kernel gets the u-driver\'s objects as shadows: the same one each time, the written fields, alive after the call', () => {
    expect(output, output).to.match(/^kernel: (\d+) checks, 0 failures$/m);
    expect(Number(/^kernel: (\d+) checks/m.exec(output)?.[1]), output).to.equal(12);
  });

  it('the u-driver gets a box holding NULL each time', () => {
    expect(output, output).to.match(/^user: (\d+) checks, 0 failures$/m);
    expect(Number(/^user: (\d+) checks/m.exec(output)?.[1]), output).to.equal(8);
  });

  it('both programs exit 0 with no sanitizer report', () => {
    expect(status, output).to.equal(0);
    expect(output, output).not.to.match(/AddressSanitizer|runtime error:/);
  });
});
