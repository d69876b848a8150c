// The split's sized upcall (docs/split.md, "Buffers the kernel sizes"): the generated kernel stubs
// (kernel flavour, on test/c/shim) and user stubs of test/c/sized/sized.mdl run as two processes
// over a socketpair under AddressSanitizer and UBSan. The call carries the buffer's count, not the
// kernel's stale bytes in it. The kernel takes back exactly the length it computed: the u-driver's
// bytes fill the buffer and nothing after it, a length above the bound is never sent, and a reply
// whose count is not the kernel's own is refused with the buffer untouched.
import { expect } from 'chai';
import { runPair, type PairRun } from './pair.js';

describe('C backends: a buffer the kernel sized, [out, count(len), max(n)] with the length last', function () {
  this.timeout(120000);
  let output = '';
  let status: number | null = null;
  let pair: PairRun | undefined;

  before(function () {
    pair = runPair('sized', 'test/c/sized/sized.mdl');
    ({ output, status } = pair);
  });

  after(() => pair?.cleanup());

  it('the u-driver gets the kernel\'s length and a zeroed buffer (none of the kernel\'s stale bytes), and never the call above the bound', () => {
    expect(output, output).to.match(/^user: (\d+) checks, 0 failures$/m);
    expect(Number(/^user: (\d+) checks/m.exec(output)?.[1]), output).to.equal(18);
  });

  it('the kernel takes back its own length and no more, and refuses a reply that counts more', () => {
    expect(output, output).to.match(/^kernel: (\d+) checks, 0 failures \(1 forged\)$/m);
    expect(Number(/^kernel: (\d+) checks/m.exec(output)?.[1]), output).to.equal(11);
    expect(output, output).not.to.match(/^FAIL /m);
  });

  it('both programs exit 0 with no sanitizer report', () => {
    expect(status, output).to.equal(0);
    expect(output, output).not.to.match(/AddressSanitizer|runtime error:/);
  });
});
