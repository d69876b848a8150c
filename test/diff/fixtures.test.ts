// `mdidl diff` on fixture pairs: test/diff/fixtures/CASE/{old,new}.mdl (or old/ and new/ folders),
// each with the report it must print. expected.txt is the default text report; expected-all.txt
// the report with --all; expected.json and expected.md the --json and --markdown reports. The
// goldens are written from docs/diff.md's rules and change only on purpose: UPDATE_GOLDEN=1
// rewrites them, and every rewritten file must be read before it is committed.
import { expect } from 'chai';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { FIXTURES, mdidl } from './util.js';

const VARIANTS: { file: string; args: string[] }[] = [
  { file: 'expected.txt', args: [] },
  { file: 'expected-all.txt', args: ['--all'] },
  { file: 'expected.json', args: ['--json'] },
  { file: 'expected-all.json', args: ['--all', '--json'] },
  { file: 'expected.md', args: ['--markdown'] },
];

function golden(file: string, text: string): void {
  if (process.env['UPDATE_GOLDEN']) fs.writeFileSync(file, text);
  expect(text).to.equal(fs.readFileSync(file, 'utf8'));
}

/** The exit status the report itself announces: 1 exactly when it says the run fails. */
function announcedExit(variant: string, text: string): number {
  if (variant.endsWith('.json')) return (JSON.parse(text) as { failed: boolean }).failed ? 1 : 0;
  return /fails\W*--fail-on/.test(text) ? 1 : 0;
}

describe('mdidl diff fixtures', () => {
  const cases = fs
    .readdirSync(FIXTURES, { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort();

  it('has fixtures', () => {
    expect(cases.length).to.be.greaterThan(20);
  });

  for (const name of cases) {
    describe(name, () => {
      const dir = path.join(FIXTURES, name);
      const folders = fs.existsSync(path.join(dir, 'old')) && fs.statSync(path.join(dir, 'old')).isDirectory();
      const pair = folders ? ['old', 'new'] : ['old.mdl', 'new.mdl'];
      for (const v of VARIANTS) {
        const file = path.join(dir, v.file);
        // expected.txt is required; the other reports where a case is worth seeing that way.
        if (v.file !== 'expected.txt' && !fs.existsSync(file)) continue;
        it(`${v.file}`, () => {
          const r = mdidl(['diff', ...pair, ...v.args], { cwd: dir });
          expect(r.stderr).to.equal('');
          golden(file, r.stdout);
          expect(r.status).to.equal(announcedExit(v.file, r.stdout));
        });
      }
    });
  }
});
