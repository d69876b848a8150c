// A served call's [in] array of one-byte elements is handed to the implementation as a pointer into
// the received message (mdl_in_counted_view), not copied: the generated stubs of
// test/c/corpus/view.mdl (kernel flavour on test/c/shim, and user), as two processes over a
// socketpair under AddressSanitizer and UBSan, check that such an array stays intact while its
// implementation makes nested calls over the same channel (whose messages and replies land in
// other buffers: docs/c-api.md, "Arrays the implementation receives"), on both sides, and that
// arrays the callee may write or whose elements are wider than a byte are still copied.
import { expect } from 'chai';
import { runPair, type PairRun } from './pair.js';

/** The body of the generated serve function of `fn` in one flavour's C. */
function serveOf(c: string, fn: string): string {
  const at = c.indexOf(`_${fn}_serve(struct mdl_chan *c`);
  expect(at, `no serve function for ${fn}`).to.be.greaterThan(-1);
  return c.slice(at, c.indexOf('\n}\n', at));
}

describe('C backends: [in] byte arrays are read in place', function () {
  this.timeout(120000);
  let output = '';
  let status: number | null = null;
  let pair: PairRun | undefined;

  before(function () {
    pair = runPair('view', 'test/c/corpus/view.mdl');
    ({ output, status } = pair);
  });

  after(() => pair?.cleanup());

  it('the callee of a const byte array gets a pointer into the message, on both sides', () => {
    expect(serveOf(pair!.userC, 'take')).to.contain('mdl_in_counted_view(').and.not.contain('mdl_in_counted(');
    expect(serveOf(pair!.kernelC, 'give')).to.contain('mdl_in_counted_view(').and.not.contain('mdl_in_counted(');
  });

  it('wider elements and arrays the callee may write are copied', () => {
    expect(serveOf(pair!.userC, 'words')).to.contain('mdl_in_counted(').and.not.contain('mdl_in_counted_view(');
    expect(serveOf(pair!.userC, 'fill')).to.contain('mdl_in_counted(').and.not.contain('mdl_in_counted_view(');
  });

  it('the arrays stay intact through nested calls both ways', () => {
    expect(output, output).not.to.match(/^FAIL /m);
    expect(output, output).to.match(/^user: (\d+) checks, 0 failures$/m);
    // take(3) and take(1) x4 check 3 times each, the empty and NULL ones once, open and run 2
    expect(Number(/^user: (\d+) checks/m.exec(output)?.[1])).to.equal(19);
    expect(output, output).to.match(/^kernel: 22 checks, 0 failures$/m);
  });

  it('both programs exit 0 with no sanitizer report', () => {
    expect(status, output).to.equal(0);
    expect(output).not.to.match(/Sanitizer|runtime error|leak/i);
  });
});
