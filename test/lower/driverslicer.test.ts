// DriverSlicer's annotations in every place it writes them (after the `*`, before it, after the name,
// on parameters and return values; string and sizeof argument forms) and its function summaries,
// one fixture header each, lowered to golden IDL; the forms mdidl has no meaning for warn, at their
// position, in a golden list. Goldens change only on purpose: UPDATE_GOLDEN=1 rewrites them.
import { expect } from 'chai';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { lowerFiles } from '../../compiler/lower/index.js';
import { checkSources } from '../helpers.js';

const FIX = path.resolve('test/lower/fixtures/driverslicer');
const KERNEL = path.resolve('test/lower/fixtures/lower/kernel');
const INCLUDE = path.resolve('include');

function golden(name: string, text: string): void {
  const file = path.join(FIX, 'golden', name);
  if (process.env['UPDATE_GOLDEN']) fs.writeFileSync(file, text);
  expect(text).to.equal(fs.readFileSync(file, 'utf8'));
}

function lower(name: string): { text: string | null; messages: string[] } {
  const r = lowerFiles({ files: [path.join(FIX, `${name}.h`)], includePaths: [KERNEL, INCLUDE] });
  return {
    text: r.text,
    messages: r.diagnostics.map((d) => `${path.relative(FIX, d.loc.file)}:${d.loc.line}:${d.loc.column}: ${d.severity}: ${d.message}`),
  };
}

describe("DriverSlicer's annotations and summaries", () => {
  for (const [name, what] of [
    ['after-star', "after the pointer's '*' (char * __attribute__((nullterm)) name)"],
    ['before-star', 'before the *, among the specifiers'],
    ['after-name', 'after the name, with string ("len") and sizeof(T) arguments, noderef on non-pointers'],
    ['params', 'on parameters and return values'],
    ['summaries', 'MICRODRIVERS__MODIF_<fn> summaries as access sets'],
  ] as const) {
    it(`${what}: lowers to the golden IDL, with no diagnostic`, () => {
      const r = lower(name);
      expect(r.messages).to.deep.equal([]);
      golden(`${name}.mdl`, r.text!);
      const checked = checkSources({ [`${name}.mdl`]: r.text! });
      expect(checked.diagnostics.filter((d) => d.severity === 'error')).to.deep.equal([]);
    });
  }

  it('after the * the annotations mean what they mean after the name', () => {
    // Same fields, same IDL, wherever DriverSlicer put the attribute.
    const field = (text: string, f: string): string => new RegExp(`\\n    ([^\\n]* \\**${f});`).exec(text)![1]!;
    const star = lower('after-star').text!;
    const before = lower('before-star').text!;
    for (const f of ['name', 'buf', 'four', 'obj', 'regs', 'next', 'cursor']) expect(field(star, f), f).to.equal(field(before, f));
  });

  it('a noderef MMIO pointer after the * is a handle, never a data pointer', () => {
    const text = lower('after-star').text!;
    expect(text).to.contain('[opaque] void *regs;');
    expect(text).to.contain('[opaque] u32 *user;');
  });

  it('what mdidl cannot use warns at its position, and the rest still lowers (golden)', () => {
    const r = lower('unsupported');
    expect(r.messages.every((m) => / warning: /.test(m))).to.equal(true);
    golden('unsupported.warnings', r.messages.join('\n') + '\n');
    golden('unsupported.mdl', r.text!);
  });
});
