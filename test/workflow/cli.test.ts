// The command line's contract, as the rest of a team's tools see it: exit statuses listed in
// --help and the same for every command, diagnostics as text, JSON or GitHub annotations,
// --quiet and --verbose, fmt --diff, parse --json on a file that does not check, a closed pipe,
// and the breaking changes a config accepts.
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { BIN, mdidl, ROOT, tempDir } from './helpers.js';

const COMMANDS = ['fmt', 'parse', 'compile', 'check', 'lower', 'diff', 'init'];

const BAD = 'module drv version 1;\nstruct dev {\n    foo *p;\n}\n';

describe('mdidl command line', () => {
  let dir: string;
  beforeEach(() => {
    dir = tempDir('cli');
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('every command lists the same exit statuses in its --help', () => {
    for (const cmd of [[], ...COMMANDS.map((c) => [c])]) {
      const r = mdidl([...cmd, '--help'], dir);
      expect(r.status, cmd.join(' ')).to.equal(0);
      expect(r.stdout, cmd.join(' ')).to.contain('Exit status (every command):');
      expect(r.stdout).to.match(/^ {2}0 {2}success$/m);
      expect(r.stdout).to.match(/^ {2}1 {2}problems in the input/m);
      expect(r.stdout).to.match(/^ {2}2 {2}a wrong command line/m);
    }
  });

  it('a reader that goes away (| head) ends the output quietly: no stack trace, exit 0', () => {
    // Half a megabyte of JSON: far more than a pipe holds, so the write after head exits fails.
    const sample = path.join(ROOT, 'samples', 'e1000', 'e1000.mdl');
    const r = spawnSync('bash', ['-c', 'set -o pipefail; "$0" "$1" parse --json "$2" | head -c 16 > /dev/null', process.execPath, BIN, sample], { encoding: 'utf8' });
    expect(r.stderr).to.equal('');
    expect(r.status).to.equal(0);
  });

  it('compile --help names the C targets as available', () => {
    const r = mdidl(['compile', '--help'], dir);
    expect(r.stdout).not.to.contain('not yet');
    expect(r.stdout.replace(/\s+/g, ' ')).to.contain("Targets: c-kernel (the k-driver's C stubs), c-user (the u-driver's), ts (TypeScript)");
  });

  it('a problem in the input is exit 1 and a wrong command line exit 2, for every command', () => {
    fs.writeFileSync(path.join(dir, 'bad.mdl'), BAD);
    fs.writeFileSync(path.join(dir, 'good.mdl'), 'module drv version 1;\n\nstruct dev {\n    u32 flags;\n}\n');
    fs.writeFileSync(path.join(dir, 'bad.h'), 'struct x { int a\n');
    for (const args of [['parse', 'bad.mdl'], ['parse', '--json', 'bad.mdl'], ['compile', 'bad.mdl'], ['check', 'bad.mdl'], ['lower', 'bad.h'], ['diff', 'good.mdl', 'bad.mdl'], ['fmt', '--check', 'bad.mdl']]) {
      const r = mdidl(args, dir);
      expect(r.status, `${args.join(' ')}: ${r.stderr}`).to.equal(1);
    }
    for (const args of [['parse', '--frobnicate', 'good.mdl'], ['compile', '-t', 'c-kernal', 'good.mdl'], ['check', '-t', 'rust', 'good.mdl'], ['diff', 'good.mdl'], ['init', '--module', '9x'], ['lower'], ['nosuch']]) {
      const r = mdidl(args, dir);
      expect(r.status, `${args.join(' ')}: ${r.stderr}`).to.equal(2);
      expect(r.stderr).to.match(/^mdidl: error: /m);
    }
  });

  it('parse --json still prints the tree of a file that parses, but exits 1 when it does not check', () => {
    fs.writeFileSync(path.join(dir, 'bad.mdl'), BAD);
    const r = mdidl(['parse', '--json', 'bad.mdl'], dir);
    expect(r.status).to.equal(1);
    expect(JSON.parse(r.stdout)).to.have.property('module');
    expect(r.stderr).to.match(/^bad\.mdl:3:5: error: unknown type 'foo'/m);
  });

  it('--error-format json prints one JSON object per diagnostic', () => {
    fs.writeFileSync(path.join(dir, 'bad.mdl'), BAD);
    const r = mdidl(['--error-format', 'json', 'parse', 'bad.mdl'], dir);
    expect(r.status).to.equal(1);
    const lines = r.stderr.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).to.deep.equal([
      { file: 'bad.mdl', line: 3, column: 5, endLine: 3, endColumn: 8, severity: 'error', code: 'unknown-type', message: "unknown type 'foo'" },
    ]);
  });

  it('--error-format github prints workflow commands, escaped as the runner wants', () => {
    fs.writeFileSync(path.join(dir, 'bad.mdl'), BAD);
    const r = mdidl(['--error-format', 'github', 'parse', 'bad.mdl'], dir);
    expect(r.status).to.equal(1);
    expect(r.stderr).to.equal("::error file=bad.mdl,line=3,col=5,endLine=3,endColumn=8,title=mdidl unknown-type::unknown type 'foo'\n");
  });

  it('check reports stale files as diagnostics under --error-format', () => {
    fs.writeFileSync(path.join(dir, 'drv.mdl'), 'module drv version 1;\n\nstruct dev {\n    u32 flags;\n}\n');
    fs.writeFileSync(path.join(dir, 'mdidl.config.json'), JSON.stringify({ inputs: ['drv.mdl'], targets: ['ts'] }));
    expect(mdidl(['compile'], dir).status).to.equal(0);
    fs.appendFileSync(path.join(dir, 'generated/ts/drv.types.ts'), '// edited\n');
    const r = mdidl(['--error-format', 'github', 'check'], dir);
    expect(r.status).to.equal(1);
    expect(r.stdout).to.equal('');
    expect(r.stderr).to.contain(
      `::error file=${path.join('generated', 'ts', 'drv.types.ts')},line=1,col=1,endLine=1,endColumn=1,title=mdidl check-stale::generated file differs from what mdidl generates now\n`,
    );
  });

  it('--quiet drops warnings and remarks but never errors; --verbose names the config and the files written', () => {
    fs.writeFileSync(path.join(dir, 'w.h'), '#include <mdidl.h>\nstruct d { int a; int b; };\nMDL_UPCALL int f(struct d *p) MDL_WRITES(p->a);\n');
    const loud = mdidl(['lower', '-I', path.join(ROOT, 'include'), 'w.h'], dir);
    expect(loud.status).to.equal(0);
    expect(loud.stderr).to.contain('warning:');
    const quiet = mdidl(['--quiet', 'lower', '-I', path.join(ROOT, 'include'), 'w.h'], dir);
    expect(quiet.status).to.equal(0);
    expect(quiet.stderr).to.equal('');
    expect(quiet.stdout).to.equal(loud.stdout);
    fs.writeFileSync(path.join(dir, 'bad.mdl'), BAD);
    expect(mdidl(['-q', 'parse', 'bad.mdl'], dir).stderr).to.match(/error: unknown type 'foo'/);
    fs.writeFileSync(path.join(dir, 'drv.mdl'), 'module drv version 1;\n');
    fs.writeFileSync(path.join(dir, 'mdidl.config.json'), JSON.stringify({ inputs: ['drv.mdl'], targets: ['ts'] }));
    fs.mkdirSync(path.join(dir, 'sub'));
    const v = mdidl(['--verbose', 'compile'], path.join(dir, 'sub'));
    expect(v.status).to.equal(0);
    expect(v.stderr).to.contain(`mdidl: using ${path.join(dir, 'mdidl.config.json')}`);
    expect(v.stderr).to.contain(`mdidl compile: wrote ${path.join(dir, 'generated', 'ts', 'drv.types.ts')}`);
    expect(mdidl(['-q', '-v', 'compile'], dir).status).to.equal(2);
  });

  it('lower warns when a function gives MDL_WRITES without MDL_READS, naming it and the clause to add', () => {
    fs.writeFileSync(
      path.join(dir, 'w.h'),
      '#include <mdidl.h>\nstruct ring { int head; int buf[64]; };\n' +
        'MDL_UPCALL int refill(struct ring *r) MDL_WRITES(r->head);\n' +
        'MDL_UPCALL int peek(const struct ring *r) MDL_READS(r->head);\n' +
        'MDL_UPCALL int both(struct ring *r) MDL_READS(r->head) MDL_WRITES();\n',
    );
    const r = mdidl(['lower', '-I', path.join(ROOT, 'include'), 'w.h'], dir);
    expect(r.status).to.equal(0);
    const warnings = r.stderr.split('\n').filter((l) => l.includes('warning:'));
    expect(warnings).to.deep.equal([
      "w.h:3:16: warning: 'refill' has MDL_WRITES but no MDL_READS, so the call reads everything reachable from its pointer parameters; name the fields with MDL_READS(...), or MDL_READS() for none",
    ]);
  });

  it('fmt --diff prints a unified diff of what fmt would change, changes nothing and exits 1', () => {
    const text = 'module a version 1;\nstruct x {u32 a;}\n';
    fs.writeFileSync(path.join(dir, 'a.mdl'), text);
    const r = mdidl(['fmt', '--diff', 'a.mdl'], dir);
    expect(r.status).to.equal(1);
    expect(r.stdout).to.equal(
      ['--- a/a.mdl', '+++ b/a.mdl', '@@ -1,2 +1,5 @@', ' module a version 1;', '-struct x {u32 a;}', '+', '+struct x {', '+    u32 a;', '+}', ''].join('\n'),
    );
    expect(fs.readFileSync(path.join(dir, 'a.mdl'), 'utf8')).to.equal(text);
    expect(mdidl(['fmt', 'a.mdl'], dir).status).to.equal(0);
    const clean = mdidl(['fmt', '--diff', 'a.mdl'], dir);
    expect([clean.status, clean.stdout]).to.deep.equal([0, '']);
  });

  describe('breaking.ignore', () => {
    const OLD = 'module drv version 1;\n\nstruct dev {\n    u32 flags;\n    u32 mtu;\n}\n\ninterface ops {\n    upcall s32 open(dev *d) reads(d.flags) writes(d.flags);\n}\n';
    const NEW = OLD.replace('reads(d.flags)', 'reads(d.flags, d.mtu)');
    beforeEach(() => {
      fs.mkdirSync(path.join(dir, 'old'));
      fs.mkdirSync(path.join(dir, 'new'));
      fs.writeFileSync(path.join(dir, 'old/drv.mdl'), OLD);
      fs.writeFileSync(path.join(dir, 'new/drv.mdl'), NEW);
    });
    const config = (ignore: object[]): void =>
      fs.writeFileSync(path.join(dir, 'mdidl.config.json'), JSON.stringify({ inputs: ['new/drv.mdl'], breaking: { ignore } }));

    it('without an entry, the break fails the diff', () => {
      config([]);
      const r = mdidl(['diff', 'old/drv.mdl', 'new/drv.mdl'], dir);
      expect(r.status).to.equal(1);
      expect(r.stdout).to.contain('access-set-grew');
    });

    it('an entry naming the subject (and kind) accepts it, with its reason on stderr', () => {
      config([{ subject: 'interface ops.open', kind: 'access-set-grew', reason: 'both halves ship together' }]);
      const r = mdidl(['diff', 'old/drv.mdl', 'new/drv.mdl'], dir);
      expect(r.status, r.stdout).to.equal(0);
      expect(r.stdout).not.to.contain('access-set-grew');
      expect(r.stderr).to.equal('mdidl diff: accepted by breaking.ignore: wire-breaking access-set-grew interface ops.open: both halves ship together\n');
    });

    it('a parent subject covers what is below it; another kind or subject does not match', () => {
      config([{ subject: 'interface ops', reason: 'r' }]);
      expect(mdidl(['diff', 'old/drv.mdl', 'new/drv.mdl'], dir).status).to.equal(0);
      config([{ subject: 'interface ops.open', kind: 'field-removed', reason: 'r' }]);
      expect(mdidl(['diff', 'old/drv.mdl', 'new/drv.mdl'], dir).status).to.equal(1);
      config([{ subject: 'interface op', reason: 'r' }]);
      expect(mdidl(['diff', 'old/drv.mdl', 'new/drv.mdl'], dir).status).to.equal(1);
    });

    it('an entry without a reason is a located config error', () => {
      fs.writeFileSync(path.join(dir, 'mdidl.config.json'), '{\n  "inputs": ["new/drv.mdl"],\n  "breaking": { "ignore": [{ "subject": "interface ops" }] }\n}\n');
      const r = mdidl(['diff', 'old/drv.mdl', 'new/drv.mdl'], dir);
      expect(r.status).to.equal(1);
      expect(r.stderr.split('\n')[0]).to.equal('mdidl.config.json:3:28: error: breaking.ignore[0]: missing required key "reason"');
    });
  });
});
