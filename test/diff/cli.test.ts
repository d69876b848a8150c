// `mdidl diff` through the binary: exit statuses, --fail-on, the output switches, usage errors and a
// version that does not check.
import { expect } from 'chai';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { renderText } from '../../compiler/diff/index.js';
import { FIXTURES, mdidl } from './util.js';

const fixture = (name: string): string => path.join(FIXTURES, name);

describe('mdidl diff (CLI)', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mdidl-diff-cli-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('is listed in --help and has its own --help', () => {
    expect(mdidl(['--help']).stdout).to.match(/diff \[options\] \[paths\.\.\.\]/);
    const r = mdidl(['diff', '--help']);
    expect(r.status).to.equal(0);
    for (const opt of ['--against', '--json', '--markdown', '--all', '--fail-on', '--include']) expect(r.stdout).to.contain(opt);
  });

  describe('--fail-on', () => {
    const cases: [string, string[], number][] = [
      ['skip-field', [], 0],
      ['skip-field', ['--fail-on', 'source-breaking'], 1],
      ['skip-field', ['--fail-on', 'wire-breaking'], 0],
      ['module-version', ['--fail-on', 'source-breaking'], 0],
      ['module-version', ['--fail-on', 'compatible'], 1],
      ['comments', ['--fail-on', 'compatible'], 0],
      ['comments', ['--fail-on', 'cosmetic'], 1],
      ['comments', ['--fail-on', 'any'], 1],
      ['no-change', ['--fail-on', 'any'], 0],
      ['field-type', [], 1],
      ['field-type', ['--fail-on', 'none'], 0],
    ];
    for (const [name, args, status] of cases)
      it(`${name} ${args.join(' ') || '(default: wire-breaking)'} exits ${status}`, () => {
        const r = mdidl(['diff', 'old.mdl', 'new.mdl', ...args], { cwd: fixture(name) });
        expect(r.stderr).to.equal('');
        expect(r.status).to.equal(status);
      });
  });

  it('--fail-on with an unknown class is a usage error', () => {
    const r = mdidl(['diff', 'old.mdl', 'new.mdl', '--fail-on', 'severe'], { cwd: fixture('no-change') });
    expect(r.status).to.equal(2);
    expect(r.stderr).to.match(/--fail-on <class>' argument 'severe' is invalid/);
  });

  describe('usage errors exit 2', () => {
    const cases: [string, string[], RegExp][] = [
      ['both --json and --markdown', ['old.mdl', 'new.mdl', '--json', '--markdown'], /--json and --markdown exclude each other/],
      ['one path', ['old.mdl'], /diff needs OLD and NEW/],
      ['three paths', ['old.mdl', 'new.mdl', 'new.mdl'], /diff needs OLD and NEW/],
      ['a missing file', ['old.mdl', 'nope.mdl'], /no such file or folder: nope\.mdl/],
    ];
    for (const [what, args, message] of cases)
      it(what, () => {
        const r = mdidl(['diff', ...args], { cwd: fixture('no-change') });
        expect(r.status).to.equal(2);
        expect(r.stdout).to.equal('');
        expect(r.stderr).to.match(message);
      });

    it('a file against a folder', () => {
      fs.mkdirSync(path.join(dir, 'v2'));
      fs.writeFileSync(path.join(dir, 'a.mdl'), 'module a version 1;\n');
      const r = mdidl(['diff', 'a.mdl', 'v2'], { cwd: dir });
      expect(r.status).to.equal(2);
      expect(r.stderr).to.equal('mdidl: error: compare a file with a file or a folder with a folder (a.mdl is a file, v2 a dir)\n');
    });
  });

  it('a version that does not check: its diagnostics, which version it is, exit 1', () => {
    fs.writeFileSync(path.join(dir, 'old.mdl'), 'module m version 1;\nstruct s {\n    u32 x;\n}\n');
    fs.writeFileSync(path.join(dir, 'new.mdl'), 'module m version 1;\nstruct s {\n    u33 x;\n}\n');
    const r = mdidl(['diff', 'old.mdl', 'new.mdl'], { cwd: dir });
    expect(r.status).to.equal(1);
    expect(r.stdout).to.equal('');
    expect(r.stderr).to.match(/^mdidl: the new version \(new\.mdl\) does not check:\nnew\.mdl:3:5: error: unknown type 'u33'/);
  });

  it('two folders compare their .mdl files, imports and all', () => {
    const r = mdidl(['diff', 'old', 'new', '--all'], { cwd: fixture('moved-type') });
    expect(r.status).to.equal(0);
    expect(r.stdout).to.contain('declaration-moved');
  });

  it('-I finds imports on both sides', () => {
    for (const v of ['a', 'b']) {
      fs.mkdirSync(path.join(dir, v, 'inc'), { recursive: true });
      fs.writeFileSync(path.join(dir, v, 'drv.mdl'), 'module drv version 1;\nimport "kernel.mdl";\ninterface k {\n    downcall void f(dev *d) reads(d.x) writes();\n}\n');
    }
    fs.writeFileSync(path.join(dir, 'a', 'inc', 'kernel.mdl'), 'module kernel version 1;\nstruct dev {\n    u32 x;\n}\n');
    fs.writeFileSync(path.join(dir, 'b', 'inc', 'kernel.mdl'), 'module kernel version 1;\nstruct dev {\n    u64 x;\n}\n');
    const r = mdidl(['diff', 'a/drv.mdl', 'b/drv.mdl', '-I', 'a/inc', '-I', 'b/inc'], { cwd: dir });
    // Both sides search both folders in order, so each finds a/inc first: no change. Each side's own
    // folder is found when only it is given.
    expect(r.status).to.equal(0);
    const one = mdidl(['diff', 'a/drv.mdl', 'b/drv.mdl', '-I', 'a/inc'], { cwd: dir });
    expect(one.stdout).to.contain('no changes');
    fs.writeFileSync(path.join(dir, 'b', 'kernel.mdl'), fs.readFileSync(path.join(dir, 'b', 'inc', 'kernel.mdl')));
    const mixed = mdidl(['diff', 'a/drv.mdl', 'b/drv.mdl', '-I', 'a/inc'], { cwd: dir });
    expect(mixed.status).to.equal(1);
    expect(mixed.stdout).to.contain('struct dev.x  field-type-changed');
  });

  it('--json and --markdown print the same changes', () => {
    const json = mdidl(['diff', 'old.mdl', 'new.mdl', '--json'], { cwd: fixture('renames') });
    const doc = JSON.parse(json.stdout) as { changes: { kind: string; subject: string }[]; failed: boolean };
    expect(json.status).to.equal(1);
    expect(doc.failed).to.equal(true);
    const md = mdidl(['diff', 'old.mdl', 'new.mdl', '--markdown'], { cwd: fixture('renames') });
    expect(md.status).to.equal(1);
    for (const c of doc.changes) expect(md.stdout).to.contain(`\`${c.subject}\` \`${c.kind}\``);
  });

  it('no colour unless standard output is a terminal; colour on request from the renderer', () => {
    const r = mdidl(['diff', 'old.mdl', 'new.mdl'], { cwd: fixture('field-type'), env: { FORCE_COLOR: '1', NO_COLOR: '' } });
    expect(r.stdout).to.not.contain('\u001b[');
    const text = renderText(
      { oldLabel: 'a', newLabel: 'b', changes: [{ class: 'wire-breaking', kind: 'function-removed', subject: 'interface k.f', message: 'gone' }], all: false, failOn: 'wire-breaking' },
      { color: true },
    );
    expect(text).to.contain('\u001b[31m');
  });

  it('prints the same bytes in every time zone', () => {
    const out = ['UTC', 'Asia/Kathmandu', 'America/St_Johns'].map(
      (tz) => mdidl(['diff', 'old', 'new', '--all', '--json'], { cwd: fixture('moved-type'), env: { TZ: tz } }).stdout,
    );
    expect(out[1]).to.equal(out[0]);
    expect(out[2]).to.equal(out[0]);
  });
});
