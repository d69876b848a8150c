// The CLI as a user runs it: a child process of bin/mdidl.js, asserting exit status and output.
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { validateAst } from '../../idl/ast-schema.js';

const BIN = path.resolve('bin/mdidl.js');

function run(args: string[], opts: { cwd?: string; input?: string } = {}): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    cwd: opts.cwd ?? process.cwd(),
    input: opts.input ?? '',
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1' },
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const GOOD = `module drv version 1;

// a device
struct dev {
    u32 flags;
    [string, max(16)] char *name;
}

interface ops {
    upcall s32 open(dev *d) reads(d.flags) writes(d.flags);
}
`;

describe('mdidl CLI', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mdidl-cli-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('--help lists the commands and exits 0', () => {
    const r = run(['--help']);
    expect(r.status).to.equal(0);
    expect(r.stdout).to.match(/Usage: mdidl/);
    expect(r.stdout).to.match(/fmt \[options\] \[files\.\.\.\]/);
    expect(r.stdout).to.match(/parse \[options\] <file>/);
  });

  it('each command has --help', () => {
    for (const cmd of ['fmt', 'parse', 'lower', 'compile']) {
      const r = run([cmd, '--help']);
      expect(r.status, cmd).to.equal(0);
      expect(r.stdout).to.match(new RegExp(`Usage: mdidl ${cmd}`));
    }
  });

  it('no arguments prints help and exits 2', () => {
    const r = run([]);
    expect(r.status).to.equal(2);
  });

  it('an unknown command or option is a usage error (exit 2)', () => {
    expect(run(['frobnicate']).status).to.equal(2);
    const r = run(['parse', '--frob', 'x.mdl']);
    expect(r.status).to.equal(2);
    expect(r.stderr).to.match(/unknown option '--frob'/);
  });

  it('fmt --check passes on formatted files and lists unformatted ones', () => {
    fs.writeFileSync(path.join(dir, 'good.mdl'), GOOD);
    expect(run(['fmt', '--check', dir]).status).to.equal(0);
    fs.writeFileSync(path.join(dir, 'ugly.mdl'), GOOD.replace('    u32 flags;', 'u32    flags  ;'));
    const r = run(['fmt', '--check', dir]);
    expect(r.status).to.equal(1);
    expect(r.stdout.trim()).to.equal(path.join(dir, 'ugly.mdl'));
  });

  it('fmt rewrites in place, and the result passes --check', () => {
    const file = path.join(dir, 'ugly.mdl');
    fs.writeFileSync(file, GOOD.replace('    u32 flags;', 'u32    flags  ;'));
    expect(run(['fmt', file]).status).to.equal(0);
    expect(fs.readFileSync(file, 'utf8')).to.equal(GOOD);
    expect(run(['fmt', '--check', file]).status).to.equal(0);
  });

  it('fmt - formats standard input to standard output', () => {
    const r = run(['fmt', '-'], { input: GOOD.replace('    u32 flags;', 'u32 flags;') });
    expect(r.status).to.equal(0);
    expect(r.stdout).to.equal(GOOD);
  });

  it('fmt writes nothing when any file has a syntax error', () => {
    const ugly = GOOD.replace('    u32 flags;', 'u32    flags  ;');
    fs.writeFileSync(path.join(dir, 'a.mdl'), ugly);
    fs.writeFileSync(path.join(dir, 'b.mdl'), 'module b version 1;\nstruct s { u32 x }\n');
    const r = run(['fmt', dir]);
    expect(r.status).to.equal(1);
    expect(r.stderr).to.contain(`${path.join(dir, 'b.mdl')}:2:18: error: expected ';' but found '}'`);
    expect(fs.readFileSync(path.join(dir, 'a.mdl'), 'utf8')).to.equal(ugly);
  });

  it('a malformed file gives exit 1 and every located error with a code frame, no stack trace', () => {
    fs.writeFileSync(path.join(dir, 'bad.mdl'), 'module b version 1;\nstruct s { u32 x }\nconst = 4;\n');
    const r = run(['parse', 'bad.mdl'], { cwd: dir });
    expect(r.status).to.equal(1);
    expect(r.stderr).to.equal(
      [
        "bad.mdl:2:18: error: expected ';' but found '}'",
        ' 2 | struct s { u32 x }',
        '   |                  ^',
        "bad.mdl:3:7: error: expected identifier but found '='",
        ' 3 | const = 4;',
        '   |       ^',
        '2 errors',
        '',
      ].join('\n'),
    );
    expect(r.stderr).to.not.match(/\bat .*\.js:\d+/);
  });

  it('a semantic error is located too', () => {
    fs.writeFileSync(path.join(dir, 'sem.mdl'), 'module s version 1;\nstruct s { foo *p; }\n');
    const r = run(['parse', 'sem.mdl'], { cwd: dir });
    expect(r.status).to.equal(1);
    expect(r.stderr.split('\n')[0]).to.equal("sem.mdl:2:12: error: unknown type 'foo'");
  });

  it('a missing file is a usage error (exit 2) for every command that takes files', () => {
    fs.writeFileSync(path.join(dir, 'drv.mdl'), GOOD);
    for (const args of [
      ['parse', 'nope.mdl'],
      ['parse', '--json', 'nope.mdl'],
      ['fmt', 'nope.mdl'],
      ['compile', 'nope.mdl'],
      ['check', 'nope.mdl'],
      ['lower', 'nope.h'],
      ['diff', 'drv.mdl', 'nope.mdl'],
    ]) {
      const r = run(args, { cwd: dir });
      expect(r.status, args.join(' ')).to.equal(2);
      expect(r.stderr, args.join(' ')).to.match(/^mdidl: error: .*nope\.(mdl|h)/);
      expect(r.stderr, args.join(' ')).not.to.match(/ at |internal error/);
    }
  });

  it('parse --json prints an AST that the schema accepts', () => {
    fs.writeFileSync(path.join(dir, 'good.mdl'), GOOD);
    const r = run(['parse', '--json', 'good.mdl'], { cwd: dir });
    expect(r.status).to.equal(0);
    const ast = JSON.parse(r.stdout);
    expect(validateAst(ast)).to.deep.equal([]);
    expect(ast.decls.map((d: { name: { value: string } }) => d.name.value)).to.deep.equal(['dev', 'ops']);
  });

  it('parse --ir --json prints the IR and resolves imports with -I', () => {
    fs.mkdirSync(path.join(dir, 'inc'));
    fs.writeFileSync(path.join(dir, 'inc', 'kernel.mdl'), 'module kernel version 2;\nstruct sk_buff;\n');
    fs.writeFileSync(path.join(dir, 'drv.mdl'), 'module drv version 1;\nimport "kernel.mdl";\ninterface ops { critical s32 xmit([opaque] sk_buff *skb); }\n');
    expect(run(['parse', 'drv.mdl'], { cwd: dir }).status).to.equal(1);
    const r = run(['parse', '--ir', '--json', '-I', 'inc', 'drv.mdl'], { cwd: dir });
    expect(r.stderr).to.equal('');
    expect(r.status).to.equal(0);
    const ir = JSON.parse(r.stdout);
    expect(ir.version).to.equal('mdidl-ir/1');
    expect(ir.modules.map((m: { name: string }) => m.name)).to.deep.equal(['drv', 'kernel']);
    expect(ir.interfaces[0].functions[0].params[0].marshal.mode).to.equal('opaque');
  });

  describe('with mdidl.config.json', () => {
    beforeEach(() => {
      fs.mkdirSync(path.join(dir, 'inc'));
      fs.writeFileSync(path.join(dir, 'inc', 'kernel.mdl'), 'module kernel version 2;\nstruct sk_buff;\n');
      fs.writeFileSync(path.join(dir, 'drv.mdl'), 'module drv version 1;\n\nimport "kernel.mdl";\n\ninterface ops {\n    critical s32 xmit([opaque] sk_buff *skb);\n}\n');
    });

    it('takes include paths and inputs from the config', () => {
      fs.writeFileSync(path.join(dir, 'mdidl.config.json'), '{ "inputs": ["drv.mdl"], "includePaths": ["inc"] }\n');
      const r = run(['parse', 'drv.mdl'], { cwd: dir });
      expect(r.stderr).to.equal('');
      expect(r.status).to.equal(0);
      expect(run(['fmt', '--check'], { cwd: dir }).status).to.equal(0);
      fs.appendFileSync(path.join(dir, 'drv.mdl'), '\n\n');
      const unformatted = run(['fmt', '--check'], { cwd: dir });
      expect(unformatted.status).to.equal(1);
      // Named as typed from the working folder, though the config holds it as an absolute path.
      expect(unformatted.stdout.trim()).to.equal('drv.mdl');
    });

    it('a wrong key in the config is a located error naming what is allowed (exit 1)', () => {
      fs.writeFileSync(path.join(dir, 'mdidl.config.json'), '{\n  "inputs": ["drv.mdl"],\n  "targets": ["c-kernal"]\n}\n');
      const r = run(['parse', 'drv.mdl'], { cwd: dir });
      expect(r.status).to.equal(1);
      expect(r.stderr.split('\n')[0]).to.equal(
        'mdidl.config.json:3:15: error: targets[0]: "c-kernal" is not a target; allowed: c-kernel, c-user, ts (did you mean "c-kernel"?)',
      );
    });

    it('--config names another file; a missing one is a usage error', () => {
      fs.writeFileSync(path.join(dir, 'other.json'), '{ "inputs": ["drv.mdl"], "includePaths": ["inc"] }\n');
      expect(run(['--config', 'other.json', 'parse', 'drv.mdl'], { cwd: dir }).status).to.equal(0);
      const r = run(['--config', 'nope.json', 'parse', 'drv.mdl'], { cwd: dir });
      expect(r.status).to.equal(2);
      expect(r.stderr).to.equal('mdidl: error: no such config file: nope.json\n');
    });
  });

  describe('compile', () => {
    it('writes the ts target into OUT/ts and exits 0; the same bytes twice', () => {
      const sample = path.resolve('samples/rtl8139/rtl8139.mdl');
      const r = run(['compile', sample, '-o', path.join(dir, 'out')]);
      expect(r.stderr).to.equal('');
      expect(r.status).to.equal(0);
      const file = path.join(dir, 'out', 'ts', 'rtl8139.types.ts');
      const first = fs.readFileSync(file, 'utf8');
      expect(first).to.match(/^\/\/ DO NOT EDIT: generated by mdidl /);
      expect(run(['compile', sample, '-o', path.join(dir, 'out')]).status).to.equal(0);
      expect(fs.readFileSync(file, 'utf8')).to.equal(first);
    });
    it('a target that does not exist is a usage error', () => {
      const sample = path.resolve('samples/rtl8139/rtl8139.mdl');
      const r = run(['compile', sample, '-t', 'java', '-o', dir]);
      expect(r.status).to.equal(2);
      expect(r.stderr).to.match(/java/);
      expect(fs.existsSync(path.join(dir, 'java'))).to.equal(false);
    });
    it('the C targets write their header and side into one folder each', () => {
      const sample = path.resolve('samples/rtl8139/rtl8139.mdl');
      const r = run(['compile', sample, '-t', 'c-kernel', '-t', 'c-user', '-o', dir]);
      expect(r.stderr).to.equal('');
      expect(r.status).to.equal(0);
      expect(fs.readdirSync(path.join(dir, 'c-kernel')).sort()).to.deep.equal(['rtl8139.h', 'rtl8139_kernel.c']);
      expect(fs.readdirSync(path.join(dir, 'c-user')).sort()).to.deep.equal(['rtl8139.h', 'rtl8139_user.c']);
    });
    it('an IDL error stops it before anything is written', () => {
      fs.writeFileSync(path.join(dir, 'bad.mdl'), 'module b version 1;\nstruct s { foo *p; }\n');
      const r = run(['compile', 'bad.mdl', '-o', 'out'], { cwd: dir });
      expect(r.status).to.equal(1);
      expect(r.stderr.split('\n')[0]).to.equal("bad.mdl:2:12: error: unknown type 'foo'");
      expect(fs.existsSync(path.join(dir, 'out'))).to.equal(false);
    });
  });
});
