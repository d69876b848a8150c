// The README's quick start is what CI runs: two commands, the first runs the demo, the second
// installs the system packages the tests need and runs them; .ci/run runs that second line as
// written and installs nothing of its own.
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ROOT, snapshot, tempDir } from './helpers.js';

const SCRIPT = path.join(ROOT, 'scripts/install-system-deps.sh');

function quickStart(): string[] {
  const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const m = /^# mdidl\n\n[^\n`]*\n\n```sh\n([\s\S]*?)```/.exec(readme);
  if (!m) throw new Error('README.md does not start with a title, one line and a ```sh block');
  return m[1]!
    .trim()
    .split('\n')
    .map((l) => l.replace(/\s+#.*$/, ''));
}

/** A PATH of symlinks to every tool the system has, except `missing`. */
function pathWithout(missing: string[]): string {
  const dir = tempDir('path');
  for (const from of ['/usr/local/bin', '/usr/bin', '/bin', '/usr/sbin', '/sbin']) {
    let names: string[] = [];
    try {
      names = fs.readdirSync(from);
    } catch {
      continue;
    }
    for (const n of names) if (!missing.includes(n) && !fs.existsSync(path.join(dir, n))) fs.symlinkSync(path.join(from, n), path.join(dir, n));
  }
  return dir;
}

describe('quick start', function () {
  // The demo runs five split drivers through 100,000 events each: about a minute, more on a loaded machine.
  this.timeout(600_000);
  it('the README starts with exactly two commands: the demo and the tests', () => {
    const commands = quickStart();
    expect(commands).to.deep.equal(['npm ci && npm run demo', 'sh scripts/install-system-deps.sh && npm ci && npm test']);
  });

  it('.ci/run runs the README test command verbatim and installs nothing itself', () => {
    const ci = fs.readFileSync(path.join(ROOT, '.ci/run'), 'utf8');
    const testCommand = quickStart()[1]!;
    expect(ci.split('\n').some((l) => l.startsWith(`(${testCommand}) 2>&1 | tee`))).to.equal(true);
    expect(ci).not.to.match(/apt-get|dpkg/);
  });

  it('npm run demo succeeds and leaves the checked-in samples as they were (their IDL and stubs are current)', () => {
    // Only what the checkout holds: the demo's build output (dist/) is not the samples' business.
    const before = snapshot(path.join(ROOT, 'samples'));
    const r = spawnSync('npm', ['run', '--silent', 'demo'], { cwd: ROOT, encoding: 'utf8', timeout: 600000 });
    expect(r.status, r.stdout + r.stderr).to.equal(0);
    expect(r.stdout).not.to.equal('');
    expect(snapshot(path.join(ROOT, 'samples'))).to.deep.equal(before);
  });

  describe('scripts/install-system-deps.sh', () => {
    it('is silent and succeeds when everything is installed (as on this machine)', () => {
      const r = spawnSync('sh', [SCRIPT], { encoding: 'utf8' });
      expect(r.stderr).to.equal('');
      expect(r.stdout).to.equal('');
      expect(r.status).to.equal(0);
      const check = spawnSync('sh', [SCRIPT, '--check'], { encoding: 'utf8' });
      expect([check.status, check.stderr]).to.deep.equal([0, '']);
    });

    it('names exactly the missing packages', () => {
      const bin = pathWithout(['qemu-system-x86_64', 'busybox']);
      try {
        const r = spawnSync('/bin/sh', [SCRIPT, '--check'], { encoding: 'utf8', env: { PATH: bin } });
        expect(r.status).to.equal(1);
        expect(r.stderr).to.equal('missing Debian packages: qemu-system-x86\n');
      } finally {
        fs.rmSync(bin, { recursive: true, force: true });
      }
    });

    /** A PATH without qemu whose `id`, `sudo` and `apt-get` are stand-ins that log how they were called. */
    function fakeSystem(uid: number, withSudo: boolean): { bin: string; log: string } {
      const bin = pathWithout(['qemu-system-x86_64', 'id', 'sudo', 'apt-get']);
      const log = path.join(bin, 'calls.log');
      const logger = (name: string): string => `#!/bin/sh\necho "${name} $*" >> ${JSON.stringify(log)}\n`;
      fs.writeFileSync(path.join(bin, 'id'), `#!/bin/sh\necho ${uid}\n`, { mode: 0o755 });
      fs.writeFileSync(path.join(bin, 'apt-get'), logger('apt-get'), { mode: 0o755 });
      // sudo runs its command, as the real one would once the password is given.
      if (withSudo) fs.writeFileSync(path.join(bin, 'sudo'), `${logger('sudo')}exec "$@"\n`, { mode: 0o755 });
      return { bin, log };
    }

    for (const [who, uid, withSudo, prefix] of [
      ['as root', 0, false, ''],
      ['through sudo', 1000, true, 'sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq\n'],
    ] as const) {
      it(`installs exactly the missing packages ${who}`, () => {
        const { bin, log } = fakeSystem(uid, withSudo);
        try {
          const r = spawnSync('/bin/sh', [SCRIPT], { encoding: 'utf8', env: { PATH: bin } });
          expect(r.status, r.stderr).to.equal(0);
          expect(r.stderr).to.equal('installing Debian packages: qemu-system-x86\n');
          const calls = fs.readFileSync(log, 'utf8');
          expect(calls).to.equal(
            prefix +
              'apt-get update -qq\n' +
              (withSudo ? 'sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends qemu-system-x86\n' : '') +
              'apt-get install -y -qq --no-install-recommends qemu-system-x86\n',
          );
        } finally {
          fs.rmSync(bin, { recursive: true, force: true });
        }
      });
    }

    it('neither root nor sudo: it prints the apt-get line to run as root and fails', () => {
      const { bin, log } = fakeSystem(1000, false);
      try {
        const r = spawnSync('/bin/sh', [SCRIPT], { encoding: 'utf8', env: { PATH: bin } });
        expect(r.status).to.equal(1);
        expect(r.stderr).to.equal(
          "mdidl's tests need these Debian packages; as root, run:\n  apt-get update && apt-get install -y --no-install-recommends qemu-system-x86\n",
        );
        expect(fs.existsSync(log)).to.equal(false);
      } finally {
        fs.rmSync(bin, { recursive: true, force: true });
      }
    });

    it('without apt-get it names the packages and fails instead of running the tests without them', () => {
      const bin = pathWithout(['qemu-system-x86_64', 'clang', 'apt-get']);
      try {
        const r = spawnSync('/bin/sh', [SCRIPT], { encoding: 'utf8', env: { PATH: bin } });
        expect(r.status).to.equal(1);
        expect(r.stderr).to.equal("mdidl's tests need these Debian packages (or your system's equivalents): qemu-system-x86 clang libclang-rt-dev\n");
      } finally {
        fs.rmSync(bin, { recursive: true, force: true });
      }
    });
  });
});
