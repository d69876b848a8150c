// Costs proportional to the input: a flood of errors is shown capped with a count of the rest,
// suggestions and rename matching do a bounded amount of work (counted, not timed), and input
// files are read only when they are regular files of sane size.
import { expect } from 'chai';
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { NameMap } from '../../compiler/diff/equal.js';
import { match, MAX_RENAME_COMPARISONS, sameFieldAt } from '../../compiler/diff/renames.js';
import type { IrField } from '../../compiler/ir/types.js';
import { closest } from '../../idl/checker/context.js';
import { capDiagnostics, MAX_DIAGNOSTICS_SHOWN, type Diagnostic } from '../../idl/diagnostics.js';
import { MAX_INPUT_BYTES, readInput } from '../../idl/read-input.js';
import { checkSources } from '../helpers.js';
import { expectLocatedError, runCli } from './run-cli.js';

const HEAD = 'module m version 1;\n';

describe('robust: bounded cost', function () {
  this.timeout(600_000);
  let dir: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mdidl-cost-'));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it(`50,000 errors: the first ${MAX_DIAGNOSTICS_SHOWN} are shown, then a located count of the rest`, () => {
    fs.writeFileSync(path.join(dir, 'many.mdl'), HEAD + Array.from({ length: 50000 }, (_, i) => `struct x${i} { nosuch${i} a; }\n`).join(''));
    const r = runCli(['parse', 'many.mdl'], dir);
    expectLocatedError(r, 'many.mdl', /unknown type 'nosuch0'/);
    const errors = r.stderr.split('\n').filter((l) => /^many\.mdl:\d+:\d+: error: /.test(l));
    expect(errors).to.have.length(MAX_DIAGNOSTICS_SHOWN + 1);
    expect(errors[MAX_DIAGNOSTICS_SHOWN]).to.match(new RegExp(`too many errors \\(${50000 - MAX_DIAGNOSTICS_SHOWN} more not shown\\)`));
    expect(r.stderr).to.match(/^50000 errors$/m);
  });

  it('capDiagnostics keeps everything under the limit and locates the count at the first hidden one', () => {
    const d = (i: number): Diagnostic => ({ severity: 'error', code: 'x', message: `e${i}`, loc: { file: 'f', line: i + 1, column: 1, offset: i, endOffset: i, endLine: i + 1, endColumn: 1 } });
    expect(capDiagnostics([d(0), d(1)], 2)).to.have.length(2);
    const capped = capDiagnostics([d(0), d(1), d(2), d(3)], 2);
    expect(capped.map((x) => x.message)).to.deep.equal(['e0', 'e1', 'too many errors (2 more not shown)']);
    expect(capped[2]!.loc.line).to.equal(3);
  });

  it('suggestions stop once their budget is spent, and skip very long names', () => {
    const candidates = Array.from({ length: 1000 }, (_, i) => `name${i}`);
    // One call looks at 1,000 candidates of about 6 x 6 cells each.
    const budget = { left: 100_000 };
    expect(closest('name1x', candidates, budget)).to.equal('name1');
    let calls = 0;
    while (closest('name2x', candidates, budget) !== null) calls++;
    expect(budget.left).to.be.below(0);
    expect(calls).to.be.within(1, 2);
    expect(closest('a'.repeat(10000) + 'b', ['a'.repeat(10001)])).to.equal(null);
    // The checker still suggests within the budget.
    const r = checkSources({ 't.mdl': HEAD + 'struct device { u8 a; }\nstruct s { devise x; }\n' });
    expect(r.diagnostics.map((x) => x.message)).to.include("unknown type 'devise' (did you mean 'device'?)");
  });

  it('rename matching compares each renamed field with its positional twin only', () => {
    const field = (name: string, bits: number): IrField => ({
      name,
      type: { kind: 'int', name: 'u32', bits: 32, signed: false },
      marshal: { mode: 'value', nonNull: false, count: null, max: null, string: false, asType: null, container: null, switchOn: null, recursive: false, trailing: null },
      offset: 0,
      size: 4,
      bitOffset: null,
      bitWidth: bits,
      source: { file: 'f', line: 1, column: 1 },
    });
    const n = 3000;
    const olds = Array.from({ length: n }, (_, i) => field(`a${i}`, 0));
    const news = Array.from({ length: n }, (_, i) => field(`b${i}`, 0));
    const crit = sameFieldAt(olds, news, new NameMap());
    let calls = 0;
    const counted = Object.assign((o: IrField, m: IrField) => (calls++, crit(o, m)), { key: crit.key });
    const m = match(olds, news, (f) => f.name, [counted]);
    expect(m.renamed).to.have.length(n);
    expect(calls).to.equal(n);
    // Look-alikes without a key: bounded by the comparison budget, the rest left unpaired.
    calls = 0;
    const any = (o: IrField, x: IrField): boolean => (calls++, o.size === x.size);
    const m2 = match(olds, news, (f) => f.name, [any]);
    expect(calls).to.be.at.most(MAX_RENAME_COMPARISONS);
    expect(m2.renamed).to.have.length(0);
    expect(m2.removed).to.have.length(n);
  });

  it('diff of a struct with 3,000 renamed fields reports 3,000 renames', () => {
    const struct = (p: string): string => HEAD + 'struct s {\n' + Array.from({ length: 3000 }, (_, i) => `  u32 ${p}${i};\n`).join('') + '}\n';
    fs.writeFileSync(path.join(dir, 'old.mdl'), struct('a'));
    fs.writeFileSync(path.join(dir, 'new.mdl'), struct('b'));
    const r = runCli(['diff', '--json', 'old.mdl', 'new.mdl'], dir);
    expect(r.signal).to.equal(null);
    const changes = (JSON.parse(r.stdout) as { changes: { kind: string; subject: string }[] }).changes;
    expect(changes.filter((c) => c.kind === 'rename')).to.have.length(3000);
    expect(changes.find((c) => c.kind === 'rename')?.subject).to.equal('struct s.a0 -> b0');
  });

  it('import "/dev/zero", a FIFO and a folder are refused before reading', () => {
    fs.writeFileSync(path.join(dir, 'z.mdl'), HEAD + 'import "/dev/zero";\n');
    expectLocatedError(runCli(['parse', 'z.mdl'], dir), 'z.mdl', /cannot use '\/dev\/zero' as an import: it is not a regular file/);
    fs.mkdirSync(path.join(dir, 'folder.mdl'));
    fs.writeFileSync(path.join(dir, 'f.mdl'), HEAD + 'import "folder.mdl";\n');
    expectLocatedError(runCli(['parse', 'f.mdl'], dir), 'f.mdl', /it is a folder/);
    expect(readInput('/dev/zero')).to.deep.equal({ problem: 'it is not a regular file' });
  });

  it('#include "/dev/zero" in lower is not read', () => {
    fs.writeFileSync(path.join(dir, 'z.h'), '#include "/dev/zero"\nint x;\n');
    const r = runCli(['lower', 'z.h'], dir);
    expectLocatedError(r, 'z.h', /cannot find include file '\/dev\/zero'/);
  });

  it('a config, a sidecar or a .i input that is a device or a FIFO is refused before reading', () => {
    expectLocatedError(runCli(['-c', '/dev/zero', 'check'], dir), '/dev/zero', /cannot read config file \/dev\/zero: it is not a regular file/);
    execFileSync('mkfifo', [path.join(dir, 'fifo.json'), path.join(dir, 'fifo.mda')]);
    expectLocatedError(runCli(['-c', 'fifo.json', 'check'], dir), 'fifo.json', /it is not a regular file/);
    fs.writeFileSync(path.join(dir, 'a.h'), 'struct a { int x; };\n');
    expectLocatedError(runCli(['lower', '--sidecar', 'fifo.mda', 'a.h'], dir), 'fifo.mda', /cannot read sidecar file 'fifo.mda': it is not a regular file/);
    fs.symlinkSync('/dev/zero', path.join(dir, 'zero.i'));
    expectLocatedError(runCli(['lower', 'zero.i'], dir), 'zero.i', /it is not a regular file/);
  });

  it('fmt - reads standard input up to the input limit, then stops with an error', () => {
    const zero = fs.openSync('/dev/zero', 'r');
    try {
      const r = spawnSync(process.execPath, [path.resolve('bin/mdidl.js'), 'fmt', '-'], { cwd: dir, stdio: [zero, 'pipe', 'pipe'], encoding: 'utf8', timeout: 120_000 });
      expect(r.signal, 'killed: it read without end').to.equal(null);
      expect(r.status).to.equal(2);
      expect(r.stderr).to.match(/cannot read <stdin>: it is larger than 64 MiB, the input size limit/);
    } finally {
      fs.closeSync(zero);
    }
  });

  it(`a file over ${MAX_INPUT_BYTES / (1 << 20)} MiB is refused, one at the limit is read`, () => {
    const big = path.join(dir, 'big.mdl');
    fs.writeFileSync(big, Buffer.alloc(MAX_INPUT_BYTES + 1, 0x20));
    expect(readInput(big)).to.deep.equal({ problem: `it is larger than ${MAX_INPUT_BYTES / (1 << 20)} MiB, the input size limit` });
    fs.truncateSync(big, MAX_INPUT_BYTES);
    const r = readInput(big);
    expect('text' in r && r.text.length).to.equal(MAX_INPUT_BYTES);
    fs.rmSync(big);
  });
});
