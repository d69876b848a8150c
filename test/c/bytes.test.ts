// A counted void * ([count(n)] on `void *` / `const void *`, as dev_addr_mod's address) crosses as
// n bytes: the generated kernel stubs (kernel flavour, on test/c/shim) and user stubs of
// test/c/corpus/bytes.mdl, as two processes over a socketpair under AddressSanitizer and UBSan,
// move bytes down in a field and a parameter and back up through a downcall, NULL included.
import { expect } from 'chai';
import { runPair, WARN, type PairRun } from './pair.js';

describe('C backends: a counted void * crosses as bytes', function () {
  this.timeout(120000);
  let output = '';
  let status: number | null = null;
  let pair: PairRun | undefined;

  before(function () {
    pair = runPair('bytes', 'test/c/corpus/bytes.mdl', [...WARN, '-Wpointer-arith']);
    ({ output, status } = pair);
  });

  after(() => pair?.cleanup());

  it('the u-driver receives the bytes of a void * field and a const void * parameter', () => {
    expect(output, output).to.match(/^user: (\d+) checks, 0 failures$/m);
    expect(Number(/^user: (\d+) checks/m.exec(output)?.[1])).to.equal(6);
  });

  it('the k-driver receives the bytes of dev_addr_mod\'s const void *', () => {
    expect(output, output).to.match(/^kernel: 7 checks, 0 failures$/m);
    expect(output, output).not.to.match(/^FAIL /m);
  });

  it('both programs exit 0 with no sanitizer report', () => {
    expect(status, output).to.equal(0);
    expect(output).not.to.match(/Sanitizer|runtime error|leak/i);
  });
});
