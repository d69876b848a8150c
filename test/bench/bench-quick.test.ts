// `npm run bench -- --quick` runs every section at its smallest sizes and writes well-formed
// results and a well-formed page where it is told to, never over the committed ones. No timing is
// checked: only that each figure is a summary of real measurements and that the verdicts follow
// from the targets.
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Figure } from '../../bench/figure.js';
import type { Results } from '../../bench/report.js';
import { spread } from '../../bench/stats.js';

const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../../..');
const SECTIONS = ['c', 'compile', 'lower', 'ts-channel', 'ts-codec', 'nic', 'access-sets'];

function snapshot(file: string): string | null {
  return fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : null;
}

describe('npm run bench -- --quick', function () {
  this.timeout(600000);
  let dir = '';
  let status: number | null = null;
  let output = '';
  let results: Results;
  let page = '';
  const committed = [path.join(ROOT, 'bench/results.json'), path.join(ROOT, 'docs/benchmarks.md')];
  let committedBefore: (string | null)[] = [];

  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mdidl-bench-test-'));
    committedBefore = committed.map(snapshot);
    const out = path.join(dir, 'results.json');
    const doc = path.join(dir, 'benchmarks.md');
    const r = spawnSync(process.execPath, [path.join(ROOT, 'dist/bench/run.js'), '--quick', '--out', out, '--doc', doc], { encoding: 'utf8', cwd: dir });
    status = r.status;
    output = `${r.stdout}\n${r.stderr}`;
    if (status === 0) {
      results = JSON.parse(fs.readFileSync(out, 'utf8')) as Results;
      page = fs.readFileSync(doc, 'utf8');
    }
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('runs to the end', () => {
    expect(status, output).to.equal(0);
  });

  it('leaves the committed results and page alone', () => {
    expect(committed.map(snapshot)).to.deep.equal(committedBefore);
  });

  it('describes the machine and the run', () => {
    expect(results.format).to.equal(1);
    expect(results.quick).to.equal(true);
    expect(Number.isNaN(Date.parse(results.date))).to.equal(false);
    expect(results.machine.cpus).to.equal(os.cpus().length);
    expect(results.machine.node).to.equal(process.version);
    expect(results.machine.memoryGiB).to.be.greaterThan(0);
  });

  it('has figures from every section, each id once', () => {
    expect([...new Set(results.figures.map((f) => f.section))].sort()).to.deep.equal([...SECTIONS].sort());
    const ids = results.figures.map((f) => f.id);
    expect(ids.length).to.equal(new Set(ids).size);
  });

  it('summarises each figure as a median inside its 10th–90th percentiles', () => {
    for (const f of results.figures) {
      const v = f.value;
      for (const x of [v.median, v.p10, v.p90]) expect(Number.isFinite(x), f.id).to.equal(true);
      expect(v.p10, f.id).to.be.at.most(v.median);
      expect(v.median, f.id).to.be.at.most(v.p90);
      expect(v.n, f.id).to.be.at.least(1);
      expect(f.label.length, f.id).to.be.greaterThan(0);
      expect(f.limits.length, f.id).to.be.greaterThan(0);
    }
  });

  it('gives each verdict from the median and the target', () => {
    const withTarget = results.figures.filter((f): f is Figure & { target: NonNullable<Figure['target']> } => f.target !== null);
    expect(withTarget.length).to.be.greaterThan(0);
    for (const f of results.figures) {
      if (!f.target) expect(f.met, f.id).to.equal(null);
      else expect(f.met, f.id).to.equal(f.target.op === '<=' ? f.value.median <= f.target.value : f.value.median >= f.target.value);
    }
  });

  it('measures the C codec at every payload size against memcpy, and the access sets in bytes', () => {
    const sizes = [64, 312, 1024, 4096, 16384, 65536];
    const codec = results.figures.filter((f) => /^c\.codec\.\d+$/.test(f.id));
    expect(codec.map((f) => f.id)).to.deep.equal(sizes.map((n) => `c.codec.${n}`));
    // The marshaling alone, with no transport, at the same sizes, with each side's time in its
    // limits. (No bound on the ratio itself: that is a timing, and since the callee reads a const
    // byte array in place, one copy as memcpy makes, a quick run's noise puts it either side of 1.)
    const marshal = results.figures.filter((f) => /^c\.marshal\.\d+$/.test(f.id));
    expect(marshal.map((f) => f.id)).to.deep.equal(sizes.map((n) => `c.marshal.${n}`));
    for (const f of marshal) {
      expect(f.value.median, f.id).to.be.greaterThan(0);
      expect(f.limits, f.id).to.match(/the caller's side \d+ ns .*the callee's \d+ ns .*memcpy \d+ ns/);
    }
    const ratio = results.figures.find((f) => f.id === 'access.ratio')!;
    // Access sets never send more than everything reachable.
    expect(ratio.value.median).to.be.greaterThan(0).and.at.most(1);
  });

  it('renders every figure into the page', () => {
    expect(page).to.match(/^# Benchmarks/);
    expect(page).to.contain(results.machine.cpuModel);
    for (const f of results.figures) expect(page, f.id).to.contain(`| ${f.label} |`);
  });

  it('summarises like the percentile definition it documents', () => {
    // The 10th, 50th and 90th percentiles of 1..11 by linear interpolation are 2, 6 and 10.
    expect(spread([11, 3, 1, 7, 5, 9, 2, 4, 6, 8, 10])).to.deep.equal({ median: 6, p10: 2, p90: 10, n: 11 });
  });
});
