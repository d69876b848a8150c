// What every split-driver sample's test asserts: its checked-in IDL is what `mdidl lower` makes of
// its header, its checked-in stubs are what the IDL generates (`mdidl check`), and a run of its
// scenario in both modes passed every check, made no upcall from the critical path, left the
// kernel log clean and gave the same management results split as monolithic.
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { lowerArgs, readManifest } from '../../samples/common/manifest.js';
import { failures, type SampleRun } from '../../samples/common/scenario.js';

export function samplePipelineTests(name: string): void {
  const dir = path.resolve('samples', name);

  it('its checked-in IDL is what `mdidl lower` makes of the annotated header', () => {
    const m = readManifest(dir);
    const r = spawnSync(process.execPath, [path.resolve('bin/mdidl.js'), ...lowerArgs(m, path.resolve('include'))], { cwd: dir, encoding: 'utf8' });
    expect(r.stderr).to.equal('');
    expect(r.status).to.equal(0);
    expect(r.stdout).to.equal(fs.readFileSync(path.join(dir, m.lower.output), 'utf8'));
  });

  it('its checked-in generated stubs are what the IDL generates now (`mdidl check`)', () => {
    const r = spawnSync(process.execPath, [path.resolve('bin/mdidl.js'), 'check'], { cwd: dir, encoding: 'utf8' });
    expect(r.stdout + r.stderr).to.equal('');
    expect(r.status).to.equal(0);
  });

  it('its checked-in C stubs compile with gcc -std=gnu11 -Wall -Wextra -Werror (user; kernel against the test shim)', () => {
    const m = readManifest(dir);
    const out = fs.mkdtempSync(path.join(os.tmpdir(), `mdl-sample-${name}-`));
    try {
      const warn = ['-std=gnu11', '-Wall', '-Wextra', '-Werror', `-I${path.resolve('runtime/c')}`];
      const cc = (args: string[]): string => {
        const r = spawnSync('gcc', args, { encoding: 'utf8' });
        if (r.error) throw new Error(`gcc is missing: ${r.error.message}`);
        return `${r.status} ${r.stderr}`;
      };
      const gen = (flavour: string): string => path.join(dir, 'generated', flavour);
      expect(cc([...warn, `-I${gen('c-user')}`, '-c', path.join(gen('c-user'), `${m.lower.module}_user.c`), '-o', path.join(out, 'user.o')])).to.equal('0 ');
      expect(cc([...warn, '-D__KERNEL__', `-I${path.resolve('test/c/shim')}`, `-I${gen('c-kernel')}`, '-c', path.join(gen('c-kernel'), `${m.lower.module}_kernel.c`), '-o', path.join(out, 'kernel.o')])).to.equal('0 ');
    } finally {
      fs.rmSync(out, { recursive: true, force: true });
    }
  });

  it('its manifest names files that exist', () => {
    const m = readManifest(dir);
    for (const f of [m.header, ...m.idl, m.config, ...m.kdriver, ...m.udriver, ...m.shared, ...m.device, ...m.generated]) {
      expect(fs.existsSync(path.join(dir, f)), `${name}/sample.json names ${f}`).to.equal(true);
    }
  });
}

/** The assertions every scenario run must pass, in both modes. */
export function expectCleanRun(run: SampleRun, events: number): void {
  expect(failures(run)).to.deep.equal([]);
  for (const r of [run.split, run.monolithic]) {
    expect(r.events, `${r.mode} events`).to.equal(events);
    expect(r.criticalUpcalls, `${r.mode} upcalls from the critical path`).to.deep.equal([]);
    expect(r.kernelLog, `${r.mode} kernel log`).to.deep.equal([]);
    expect(r.checks.length, `${r.mode} checks`).to.be.greaterThan(3);
    expect(r.checks.filter((c) => !c.ok)).to.deep.equal([]);
  }
  // The same traffic made the same things happen on the critical path in both modes.
  expect(run.split.counters).to.deep.equal(run.monolithic.counters);
  expect(run.agreement.length).to.be.greaterThan(5);
  expect(run.agreement.filter((a) => !a.ok)).to.deep.equal([]);
  // The split driver's u-driver crashed mid-upcall and came back while traffic flowed.
  expect(run.split.crash, 'crash record').to.not.equal(null);
  expect(run.split.crash!.error).to.match(/^PeerGoneError: .*the u-driver exited with code 70/);
  expect(run.split.crash!.eventsWhileDown).to.be.greaterThan(0);
  expect(run.monolithic.crash).to.equal(null);
  // Management calls crossed while traffic flowed.
  expect(run.split.management.filter((m) => m.concurrent).length).to.be.greaterThan(3);
}
