// `mdidl diff --against REV` in a real, temporary git repository: two commits, then the working tree
// against HEAD~1 and HEAD. git runs with a fixed identity and no user or system configuration, so
// the test behaves the same on a developer's machine and in CI.
import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { mdidl } from './util.js';

const KERNEL_V1 = `module kernel version 1;

struct net_device {
    u32 flags;
    u32 mtu;
}
`;

const KERNEL_V2 = `module kernel version 1;

struct net_device {
    u64 flags;
    u32 mtu;
}
`;

const DRV_V1 = `module drv version 1;

import "kernel.mdl";

interface net_device_ops {
    upcall s32 ndo_open(net_device *dev) reads(dev.flags) writes(dev.flags);
}
`;

const DRV_V2 = `module drv version 1;

import "kernel.mdl";

// Management entry points, run in the u-driver.
interface net_device_ops {
    upcall s32 ndo_open(net_device *dev) reads(dev.flags) writes(dev.flags);
    upcall s32 ndo_stop(net_device *dev) reads(dev.flags) writes(dev.flags);
}
`;

describe('mdidl diff --against (git)', function () {
  this.timeout(60000);
  let repo: string;
  let home: string;
  const env = (): Record<string, string> => ({
    GIT_AUTHOR_NAME: 'mdidl test',
    GIT_AUTHOR_EMAIL: 'test@mdidl.invalid',
    GIT_COMMITTER_NAME: 'mdidl test',
    GIT_COMMITTER_EMAIL: 'test@mdidl.invalid',
    GIT_AUTHOR_DATE: '2024-01-01T00:00:00Z',
    GIT_COMMITTER_DATE: '2024-01-01T00:00:00Z',
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: path.join(home, 'gitconfig'),
    HOME: home,
  });
  const git = (...args: string[]): string =>
    execFileSync('git', args, { cwd: repo, encoding: 'utf8', env: { ...process.env, ...env() }, stdio: ['ignore', 'pipe', 'pipe'] });
  const write = (file: string, text: string): void => {
    fs.mkdirSync(path.dirname(path.join(repo, file)), { recursive: true });
    fs.writeFileSync(path.join(repo, file), text);
  };
  const diff = (...args: string[]) => mdidl(['diff', ...args], { cwd: repo, env: env() });

  beforeEach(() => {
    home = fs.mkdtempSync(path.join(os.tmpdir(), 'mdidl-diff-home-'));
    repo = fs.mkdtempSync(path.join(os.tmpdir(), 'mdidl-diff-git-'));
    fs.writeFileSync(path.join(home, 'gitconfig'), '');
    git('init', '-q');
    write('drv.mdl', DRV_V1);
    write('kernel.mdl', KERNEL_V1);
    git('add', '.');
    git('commit', '-q', '-m', 'v1');
    write('drv.mdl', DRV_V2);
    write('kernel.mdl', KERNEL_V2);
    git('add', '.');
    git('commit', '-q', '-m', 'v2');
  });
  afterEach(() => {
    fs.rmSync(repo, { recursive: true, force: true });
    fs.rmSync(home, { recursive: true, force: true });
  });

  it('compares the working tree with HEAD~1, imports read from the revision', () => {
    const head = git('rev-parse', 'HEAD');
    const r = diff('--against', 'HEAD~1', 'drv.mdl');
    expect(r.stderr).to.equal('');
    expect(r.status).to.equal(1);
    expect(r.stdout).to.equal(
      [
        'mdidl diff: HEAD~1 -> working tree',
        '',
        'wire-breaking (1)',
        '  struct net_device.flags  field-type-changed',
        '    u32 -> u64; it crosses (reads of net_device_ops.ndo_open, reads of net_device_ops.ndo_stop, writes of net_device_ops.ndo_open and 1 more)',
        '    HEAD~1:kernel.mdl:4:9 -> kernel.mdl:4:9',
        '',
        'source-breaking (1)',
        '  struct net_device  layout-changed',
        '    C layout changed (size 8 -> 16): offsets mtu 4 -> 8; C code built against the old declaration must be rebuilt',
        '    HEAD~1:kernel.mdl:3:8 -> kernel.mdl:3:8',
        '',
        'compatible (1)',
        '  interface net_device_ops.ndo_stop  function-added',
        '    new upcall function; peers built from the old interface never call it (a new caller gets ENOSYS from an old u-driver)',
        '    at drv.mdl:8:16',
        '',
        '1 wire-breaking, 1 source-breaking, 1 compatible, 1 cosmetic (hidden; --all shows it): fails --fail-on wire-breaking',
        '',
      ].join('\n'),
    );
    // Read-only: nothing checked out, staged or moved.
    expect(git('status', '--porcelain')).to.equal('');
    expect(git('rev-parse', 'HEAD')).to.equal(head);
  });

  it('with --all, the comment added at HEAD is there too', () => {
    const r = diff('--against', 'HEAD~1', '--all', 'drv.mdl');
    expect(r.stdout).to.contain("  module drv  comments-changed\n    comments added '// Management entry points, run in the u-driver.'\n");
  });

  it('an unchanged working tree has no changes against HEAD; an edit shows up', () => {
    expect(diff('--against', 'HEAD', 'drv.mdl').stdout).to.contain('no changes\n');
    write('kernel.mdl', KERNEL_V2.replace('    u32 mtu;\n', '    u32 mtu;\n    [skip] u64 state;\n'));
    const r = diff('--against', 'HEAD', 'drv.mdl', '--fail-on', 'compatible');
    expect(r.status).to.equal(1);
    expect(r.stdout).to.contain('struct net_device.state  field-added-unsent');
    expect(git('status', '--porcelain')).to.equal(' M kernel.mdl\n');
  });

  it('a folder argument, and a file that exists on one side only', () => {
    write('extra/phy.mdl', 'module phy version 1;\n\nconst PHY_ADDR = 1;\n');
    const r = diff('--against', 'HEAD', '.');
    expect(r.status).to.equal(0);
    expect(r.stdout).to.contain('compatible (2)\n  module phy  module-added');
    expect(r.stdout).to.contain('  const PHY_ADDR  constant-added');
  });

  it('the inputs of mdidl.config.json when no files are given', () => {
    write('mdidl.config.json', JSON.stringify({ inputs: ['drv.mdl'] }));
    const r = diff('--against', 'HEAD~1');
    expect(r.status).to.equal(1);
    expect(r.stdout).to.contain('struct net_device.flags  field-type-changed');
  });

  it('-I is resolved inside the revision', () => {
    fs.mkdirSync(path.join(repo, 'include'));
    git('mv', 'kernel.mdl', 'include/kernel.mdl');
    git('commit', '-q', '-m', 'v3: kernel types in include/');
    write('include/kernel.mdl', KERNEL_V2.replace('u64 flags', 'u16 flags'));
    const r = diff('--against', 'HEAD', '-I', 'include', 'drv.mdl');
    expect(r.status).to.equal(1);
    expect(r.stdout).to.contain('u64 -> u16');
    expect(r.stdout).to.contain('HEAD:include/kernel.mdl:4:9 -> include/kernel.mdl:4:9');
  });

  it('a revision that does not check: its diagnostics, named by revision, exit 1', () => {
    write('kernel.mdl', 'module kernel version 1;\nstruct net_device {\n    u33 flags;\n}\n');
    git('commit', '-q', '-a', '-m', 'broken');
    write('kernel.mdl', KERNEL_V2);
    const r = diff('--against', 'HEAD', 'drv.mdl');
    expect(r.status).to.equal(1);
    expect(r.stderr).to.match(/^mdidl: the old version \(HEAD\) does not check:\nHEAD:kernel\.mdl:3:5: error: unknown type 'u33'/);
  });

  describe('usage errors exit 2', () => {
    it('an unknown revision', () => {
      const r = diff('--against', 'no-such-branch', 'drv.mdl');
      expect(r.status).to.equal(2);
      expect(r.stderr).to.equal("mdidl: error: unknown revision 'no-such-branch'\n");
    });

    it('a revision that looks like an option', () => {
      const r = diff('--against=--all', 'drv.mdl');
      expect(r.status).to.equal(2);
      expect(r.stderr).to.equal("mdidl: error: '--all' is not a revision\n");
    });

    it('a file in neither the working tree nor the revision', () => {
      const r = diff('--against', 'HEAD', 'nope.mdl');
      expect(r.status).to.equal(2);
      expect(r.stderr).to.equal('mdidl: error: no such file or folder: nope.mdl (neither in the working tree nor at HEAD)\n');
    });

    it('no files and no config', () => {
      const r = diff('--against', 'HEAD');
      expect(r.status).to.equal(2);
      expect(r.stderr).to.match(/needs the files or folders to compare/);
    });

    it('outside a git repository', () => {
      const outside = fs.mkdtempSync(path.join(os.tmpdir(), 'mdidl-diff-nogit-'));
      try {
        fs.writeFileSync(path.join(outside, 'a.mdl'), 'module a version 1;\n');
        const r = mdidl(['diff', '--against', 'HEAD', 'a.mdl'], { cwd: outside, env: { ...env(), GIT_CEILING_DIRECTORIES: path.dirname(outside) } });
        expect(r.status).to.equal(2);
        expect(r.stderr).to.match(/^mdidl: error: --against needs a git repository/);
      } finally {
        fs.rmSync(outside, { recursive: true, force: true });
      }
    });
  });
});
