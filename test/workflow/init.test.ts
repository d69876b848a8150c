// `mdidl init`: what it writes, that it never overwrites by accident, and that what it writes
// works with the rest of the toolchain: lower, compile and check pass on it at once, and the
// u-driver's side compiles with -Werror. (kbuild of the k-driver it sets up runs in
// tutorial.test.ts, on exactly the commands docs/tutorial.md gives.)
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { mdidl, ROOT, snapshot, tempDir } from './helpers.js';

const FILES = ['.github/workflows/mdidl.yml', 'kernel/.gitignore', 'kernel/Kbuild', 'kernel/Makefile', 'kernel/wifi_main.c', 'mdidl.config.json', 'wifi.h'];

describe('mdidl init', () => {
  let dir: string;
  beforeEach(() => {
    dir = path.join(tempDir('init'), 'wifi');
  });
  afterEach(() => fs.rmSync(path.dirname(dir), { recursive: true, force: true }));

  it('writes the config, the header skeleton, the k-driver build and the CI workflow, named after the folder', () => {
    const r = mdidl(['init', dir], ROOT);
    expect(r.status, r.stderr).to.equal(0);
    expect([...snapshot(dir).keys()].map((f) => f.split(path.sep).join('/')).sort()).to.deep.equal(FILES);
    const config = JSON.parse(fs.readFileSync(path.join(dir, 'mdidl.config.json'), 'utf8')) as { lower: { includePaths: string[] }; $schema: string };
    // Paths into the mdidl package are relative, so the project can move with its node_modules.
    expect(path.resolve(dir, config.lower.includePaths[0]!)).to.equal(path.join(ROOT, 'include'));
    expect(path.resolve(dir, config.$schema)).to.equal(path.join(ROOT, 'compiler/config.schema.json'));
    expect(fs.readFileSync(path.join(dir, 'kernel/Kbuild'), 'utf8')).to.contain('wifi-y := wifi_main.o mdidl/wifi_kernel.o runtime/mdidl_rpc.o runtime/mdidl_kdev.o');
    expect(fs.readFileSync(path.join(dir, '.github/workflows/mdidl.yml'), 'utf8')).to.contain('diff --against origin/${{ github.base_ref }}');
  });

  it('lower, compile and check pass on what it writes, and the u-driver side compiles with -Werror', () => {
    expect(mdidl(['init', '--module', 'wifi', dir], ROOT).status).to.equal(0);
    for (const cmd of ['lower', 'compile', 'check', 'fmt --check']) {
      const r = mdidl(cmd.split(' '), dir);
      expect(r.status, `${cmd}: ${r.stderr}`).to.equal(0);
      expect(r.stderr, cmd).to.equal('');
    }
    const gcc = spawnSync(
      'gcc',
      ['-std=gnu11', '-Wall', '-Wextra', '-Werror', `-I${path.join(ROOT, 'runtime/c')}`, `-I${path.join(dir, 'user/mdidl')}`, '-c', path.join(dir, 'user/mdidl/wifi_user.c'), '-o', path.join(dir, 'user.o')],
      { encoding: 'utf8' },
    );
    expect(gcc.status, gcc.stderr).to.equal(0);
  });

  it('overwrites nothing unless --force, and changes nothing when it refuses', () => {
    expect(mdidl(['init', dir], ROOT).status).to.equal(0);
    fs.writeFileSync(path.join(dir, 'wifi.h'), '/* mine */\n');
    const before = snapshot(dir);
    const r = mdidl(['init', dir], ROOT);
    expect(r.status).to.equal(2);
    expect(r.stderr).to.match(/^mdidl: error: init would overwrite .*wifi\.h.*; use --force to replace them$/m);
    expect(snapshot(dir)).to.deep.equal(before);
    expect(mdidl(['init', '--force', dir], ROOT).status).to.equal(0);
    expect(fs.readFileSync(path.join(dir, 'wifi.h'), 'utf8')).to.contain('MDL_UPCALL');
  });

  it('a file where a folder must go is an error, and nothing is written', () => {
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, 'kernel'), 'in the way\n');
    const r = mdidl(['init', dir], ROOT);
    expect(r.status).to.equal(1);
    expect(r.stderr).to.match(/^mdidl: error: cannot write .*kernel.wifi_main\.c: /m);
    expect(fs.readdirSync(dir)).to.deep.equal(['kernel']);
  });

  it('a module name that is not a C identifier is a usage error', () => {
    const r = mdidl(['init', '--module', 'wi-fi', dir], ROOT);
    expect(r.status).to.equal(2);
    expect(r.stderr).to.contain('"wi-fi" is not a C identifier');
    expect(fs.existsSync(dir)).to.equal(false);
  });
});
