// Writing generated files: every target's files are replaced together or not at all, whatever is
// in the way, and a kill at any step leaves either the old set or a staged one the next run
// finishes, never a mix once the next run is done, and no stray files.
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { recoverOutputs, stagingDirOf, writeOutputs, type OutputSet } from '../../compiler/output/transaction.js';
import { expectLocatedError, expectPlainError, runCli } from './run-cli.js';

const MDL = 'module m version 1;\nstruct s { u8 a; }\ninterface i { upcall s32 f(s *p); }\n';
const MDL2 = 'module m version 1;\nstruct s { u8 a; u32 b; }\ninterface i { upcall s32 f(s *p); }\n';

/** Every file under dir (relative path -> content), hidden ones included. */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string): void => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out[path.relative(dir, p)] = fs.readFileSync(p, 'utf8');
    }
  };
  if (fs.existsSync(dir)) walk(dir);
  return out;
}

describe('robust: generated files are written all or nothing', function () {
  this.timeout(600_000);
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mdidl-out-'));
    fs.writeFileSync(path.join(dir, 'm.mdl'), MDL);
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  const compile = (out: string, ...extra: string[]) =>
    runCli(['compile', 'm.mdl', '-t', 'c-kernel', '-t', 'c-user', '-t', 'ts', '-o', out, ...extra], dir);

  it('when c-user cannot be created, c-kernel and ts keep their old files and nothing stray is left', () => {
    expect(compile('gen').status).to.equal(0);
    const before = snapshot(dir);
    fs.writeFileSync(path.join(dir, 'm.mdl'), MDL2);
    fs.rmSync(path.join(dir, 'gen', 'c-user'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'gen', 'c-user'), 'a file where a folder should be\n');
    const r = compile('gen');
    expectPlainError(r, /target 'c-user'.*'.*gen\/c-user' is not a folder/);
    const after = snapshot(dir);
    for (const [f, text] of Object.entries(before)) if (f.startsWith('gen/c-kernel') || f.startsWith('gen/ts')) expect(after[f], f).to.equal(text);
    expect(Object.keys(after).filter((f) => /staging|\.tmp$/.test(f))).to.deep.equal([]);
    expect(fs.readdirSync(path.join(dir, 'gen')).sort()).to.deep.equal(['c-kernel', 'c-user', 'ts']);
  });

  it('check --fix with a lower step: when c-user cannot be written, the IDL stays as it was too', () => {
    fs.writeFileSync(path.join(dir, 'drv.h'), '#include "mdidl.h"\nstruct drv { unsigned char a; };\nMDL_UPCALL int drv_open(struct drv *d);\n');
    fs.copyFileSync(path.resolve('include/mdidl.h'), path.join(dir, 'mdidl.h'));
    const config = {
      inputs: ['drv.mdl'],
      targets: ['c-kernel', 'c-user', 'ts'],
      outputs: { 'c-kernel': 'gen/c-kernel', 'c-user': 'gen/c-user', ts: 'gen/ts' },
      lower: { inputs: ['drv.h'], output: 'drv.mdl', interface: 'drv_ops' },
    };
    fs.writeFileSync(path.join(dir, 'mdidl.config.json'), JSON.stringify(config, null, 2));
    expect(runCli(['lower'], dir).status).to.equal(0);
    expect(runCli(['compile'], dir).status).to.equal(0);
    const before = snapshot(dir);
    fs.writeFileSync(path.join(dir, 'drv.h'), '#include "mdidl.h"\nstruct drv { unsigned char a; unsigned int b; };\nMDL_UPCALL int drv_open(struct drv *d);\n');
    fs.rmSync(path.join(dir, 'gen', 'c-user'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'gen', 'c-user'), 'a file where a folder should be\n');
    expectPlainError(runCli(['check', '--fix'], dir), /target 'c-user'.*is not a folder/);
    const after = snapshot(dir);
    expect(after['drv.mdl']).to.equal(before['drv.mdl']);
    for (const [f, text] of Object.entries(before)) if (f.startsWith('gen/c-kernel') || f.startsWith('gen/ts')) expect(after[f], f).to.equal(text);
    // With the way clear, the same command brings the IDL and every target up to the header.
    fs.rmSync(path.join(dir, 'gen', 'c-user'));
    expect(runCli(['check', '--fix'], dir).status).to.equal(0);
    expect(fs.readFileSync(path.join(dir, 'drv.mdl'), 'utf8')).to.match(/u32 b;/);
    expect(runCli(['check'], dir).status).to.equal(0);
  });

  it('an output folder that is a file, under /dev/null, under /proc or 5 MB long is a named error', () => {
    fs.writeFileSync(path.join(dir, 'afile'), 'x');
    expectPlainError(compile('afile'), /'.*afile' is a file, not a folder/);
    expectPlainError(compile('/dev/null/x'), /'\/dev\/null' is a file, not a folder/);
    expectPlainError(compile('/proc/mdidl-robust-test'), /cannot create folder '\/proc\/mdidl-robust-test'/);
    // Too long for a command line: through the config, as a user would hit it.
    fs.writeFileSync(path.join(dir, 'mdidl.config.json'), JSON.stringify({ inputs: ['m.mdl'], outDir: 'a'.repeat(5 * 1024 * 1024) }));
    const r = runCli(['compile'], dir);
    expectPlainError(r, /the path is too long/);
    expect(r.stderr.length).to.be.below(2000);
  });

  it('targets that share a folder in the config are a located config error; check --fix changes nothing', () => {
    fs.writeFileSync(path.join(dir, 'mdidl.config.json'), '{\n  "inputs": ["m.mdl"],\n  "outputs": { "ts": "gen", "c-user": "gen", "c-kernel": "gen" }\n}\n');
    for (const args of [['compile'], ['check', '--fix'], ['check']]) {
      const r = runCli(args, dir);
      expectLocatedError(r, 'mdidl.config.json', /target '.*' writes to the same folder as target/);
    }
    expect(fs.existsSync(path.join(dir, 'gen'))).to.equal(false);
    fs.writeFileSync(path.join(dir, 'mdidl.config.json'), '{\n  "inputs": ["m.mdl"],\n  "outputs": { "ts": "gen", "c-user": "gen/c" }\n}\n');
    expectLocatedError(runCli(['compile'], dir), 'mdidl.config.json', /target 'c-user' writes to a folder inside that of target 'ts'/);
  });

  it('check --fix then check converges with separate folders', () => {
    expect(compile('gen').status).to.equal(0);
    fs.writeFileSync(path.join(dir, 'm.mdl'), MDL2);
    const check = (...a: string[]) => runCli(['check', 'm.mdl', '-t', 'c-kernel', '-t', 'c-user', '-t', 'ts', '-o', 'gen', ...a], dir);
    expect(check().status).to.equal(1);
    expect(check('--fix').status).to.equal(0);
    expect(check().status).to.equal(0);
  });

  describe('a kill at every step of the protocol', () => {
    const sets = (root: string, gen: number): OutputSet[] =>
      ['a', 'b', 'c'].map((t) => ({
        dir: path.join(root, 'out', t),
        label: `target '${t}'`,
        files: [
          { path: `${t}1.txt`, content: `${t}1 v${gen}\n` },
          { path: `sub/${t}2.txt`, content: `${t}2 v${gen}\n` },
        ],
        remove: gen === 2 ? [`${t}-old.txt`] : [],
      }));

    it('leaves the old set, or a committed one the next run finishes; never a mix, never stray files', () => {
      const script = path.resolve('dist/test/robust/fixtures/kill-at.js');
      const state = (root: string) => snapshot(path.join(root, 'out'));
      const old = (root: string) => {
        writeOutputs(sets(root, 1));
        for (const t of ['a', 'b', 'c']) fs.writeFileSync(path.join(root, 'out', t, `${t}-old.txt`), 'old\n');
        return state(root);
      };
      // How many steps a full run has, from an uninterrupted child.
      const probe = fs.mkdtempSync(path.join(dir, 'probe-'));
      old(probe);
      fs.writeFileSync(path.join(probe, 'spec.json'), JSON.stringify(sets(probe, 2)));
      const full = spawnSync(process.execPath, [script, path.join(probe, 'spec.json'), '0'], { encoding: 'utf8' });
      expect(full.status, full.stderr).to.equal(0);
      const total = Number(full.stdout.trim());
      const wanted = state(probe);
      expect(total).to.be.greaterThan(10);
      for (let k = 1; k <= total; k++) {
        const root = fs.mkdtempSync(path.join(dir, `k${k}-`));
        const before = old(root);
        fs.writeFileSync(path.join(root, 'spec.json'), JSON.stringify(sets(root, 2)));
        const r = spawnSync(process.execPath, [script, path.join(root, 'spec.json'), String(k)], { encoding: 'utf8' });
        expect(r.signal, `step ${k}`).to.equal('SIGKILL');
        const dirs = sets(root, 2).map((s) => s.dir);
        // Before the commit (the staged sets come first) the old files are untouched.
        const outputs = Object.fromEntries(Object.entries(state(root)).filter(([f]) => !f.includes('.mdidl-staging')));
        if (k <= 3) expect(outputs, `step ${k}`).to.deep.equal(before);
        recoverOutputs(dirs);
        expect(state(root), `after recovering from a kill at step ${k}`).to.deep.equal(k <= 3 ? before : wanted);
        for (const d of dirs) expect(fs.existsSync(stagingDirOf(d)), `staging of ${d} after step ${k}`).to.equal(false);
        expect(fs.readdirSync(path.join(root, 'out')).sort(), `step ${k}`).to.deep.equal(['a', 'b', 'c']);
      }
    });

    it('the next compile discards an uncommitted staging folder; check says a write is pending', () => {
      expect(compile('gen').status).to.equal(0);
      const gen = path.join(dir, 'gen');
      // Stage a committed run by hand, as a kill after the commit leaves it: only its COMMIT matters.
      const stagedTs = stagingDirOf(path.join(gen, 'ts'));
      fs.mkdirSync(stagedTs);
      fs.writeFileSync(path.join(stagedTs, '0'), '// DO NOT EDIT: generated by mdidl stale\n');
      fs.writeFileSync(path.join(stagedTs, 'manifest.json'), JSON.stringify({ version: 1, primary: stagedTs, members: [stagedTs], dir: path.join(gen, 'ts'), writes: [{ staged: '0', path: 'm.types.ts' }], removes: [] }));
      const r = runCli(['check', 'm.mdl', '-t', 'ts', '-o', 'gen'], dir);
      expect(r.stderr).to.match(/an interrupted write left/);
      // Not committed: the next compile discards it and writes its own files.
      expect(compile('gen').status).to.equal(0);
      expect(fs.existsSync(stagedTs)).to.equal(false);
      expect(fs.readFileSync(path.join(gen, 'ts', 'm.types.ts'), 'utf8')).to.not.match(/stale/);
      expect(runCli(['check', 'm.mdl', '-t', 'c-kernel', '-t', 'c-user', '-t', 'ts', '-o', 'gen'], dir).status).to.equal(0);
    });

    it('a staging folder whose owner is still running is left alone, and the run refuses to write', () => {
      expect(compile('gen').status).to.equal(0);
      const staging = stagingDirOf(path.join(dir, 'gen', 'c-user'));
      fs.mkdirSync(staging);
      // This test process plays the other, still running, mdidl.
      fs.writeFileSync(path.join(staging, 'owner'), `${process.pid}\n`);
      const before = snapshot(path.join(dir, 'gen'));
      fs.writeFileSync(path.join(dir, 'm.mdl'), MDL2);
      expectPlainError(compile('gen'), new RegExp(`another mdidl run \\(process ${process.pid}\\) is writing`));
      expect(fs.existsSync(staging)).to.equal(true);
      expect(snapshot(path.join(dir, 'gen'))).to.deep.equal(before);
    });
  });

  it('broken templates are located errors at the template', () => {
    const t = path.join(dir, 'tpl');
    fs.mkdirSync(path.join(t, 'ts'), { recursive: true });
    const types = fs.readFileSync('templates/ts/types.hbs', 'utf8');
    fs.writeFileSync(path.join(t, 'ts', 'types.hbs'), `{{> nosuch}}\n${types}`);
    expectLocatedError(runCli(['compile', 'm.mdl', '-o', 'g1', '--templates', 'tpl'], dir), 'tpl/ts/types.hbs', /partial 'nosuch' does not exist/);
    fs.writeFileSync(path.join(t, 'ts', 'types.hbs'), `${types}\n{{notInTheViewModel}}\n`);
    expectLocatedError(runCli(['compile', 'm.mdl', '-o', 'g1', '--templates', 'tpl'], dir), 'tpl/ts/types.hbs', /"notInTheViewModel" not defined/);
    fs.writeFileSync(path.join(t, 'ts', 'types.hbs'), `{{#if x}}\n${types}`);
    expectLocatedError(runCli(['compile', 'm.mdl', '-o', 'g1', '--templates', 'tpl'], dir), 'tpl/ts/types.hbs', /template syntax error/);
    fs.rmSync(path.join(t, 'ts'), { recursive: true });
    fs.writeFileSync(path.join(t, '_header.hbs'), '{{alsoMissing}}\n');
    expectLocatedError(runCli(['compile', 'm.mdl', '-t', 'c-user', '-o', 'g1', '--templates', 'tpl'], dir), 'tpl/_header.hbs', /"alsoMissing" not defined/);
    expectLocatedError(runCli(['compile', 'm.mdl', '-o', 'g1', '--templates', 'nowhere'], dir), 'nowhere', /templates folder 'nowhere' does not exist/);
    expect(fs.existsSync(path.join(dir, 'g1'))).to.equal(false);
  });
});
