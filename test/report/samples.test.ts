// `mdidl report` over the simulated samples: numbers from a fixture counted by hand, the counting
// rules on small inputs, the command line (columns, formats, located errors), and invariants over
// the four driver samples and the NIC.
import { expect } from 'chai';
import fc from 'fast-check';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { computeSampleReport, type SampleReport } from '../../compiler/report/samples-metrics.js';
import { countFunctions } from '../../compiler/report/samples-functions.js';
import { readSampleJson } from '../../compiler/report/samples-read.js';
import { sampleCallBytes } from '../../compiler/report/samples-bytes.js';
import { irOf } from '../helpers.js';
import { codeLines, tokenize } from '../../compiler/report/samples-tokens.js';

const BIN = path.resolve('bin/mdidl.js');
const TINY = path.resolve('test/report/fixtures/tiny');
const REAL = ['rtl8139', 'e1000', 'ens1371', 'uhci', 'nic'].map((s) => path.resolve('samples', s));

function run(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function reportOf(dir: string): SampleReport {
  const file = path.join(dir, 'sample.json');
  const { sample, diagnostics } = readSampleJson(fs.readFileSync(file, 'utf8'), file);
  expect(diagnostics.map((d) => d.message)).to.deep.equal([]);
  const r = computeSampleReport(sample!);
  expect(r.diagnostics.filter((d) => d.severity === 'error').map((d) => d.message)).to.deep.equal([]);
  return r.report!;
}

const fns = (src: string): number => countFunctions(tokenize(src, 'ts'));
const lines = (src: string, lang: 'ts' | 'c' = 'ts'): number[] => [...codeLines(tokenize(src, lang))].sort((a, b) => a - b);

describe('report: counting rules', () => {
  it('counts non-blank, non-comment lines, with strings, templates and regexes as code', () => {
    expect(lines('// c\n\nconst a = 1; /* x\n y */\n/* only */\nconst b = `t\n${a}\n`;\n')).to.deep.equal([3, 6, 7, 8]);
    expect(lines('const r = /\\/\\/ not a comment/;\n// gone\n')).to.deep.equal([1]);
    expect(lines('const s = `${`${"}"}`}`; // a } in a nested template\nx;\n')).to.deep.equal([1, 2]);
    expect(lines('int a; // c\n/* c */\n#define X \\\n  1\n', 'c')).to.deep.equal([1, 3, 4]);
  });

  it('counts declarations, methods and named arrows, not signatures, types or inline callbacks', () => {
    expect(fns('function a() {}\nfunction* b(): Iterable<number> {}\ndeclare function c(): void;')).to.equal(2);
    expect(fns('class A { constructor() {} get x(): number { return 1; } m(): { a: number } { return { a: 1 }; } n(): void; }')).to.equal(3);
    expect(fns('const f = (x: number): number => x;\nconst g = async x => x;\nlet h = <T,>(t: T): T => t;')).to.equal(3);
    expect(fns('type F = (x: number) => void;\ninterface I { m(x: number): void; p: (y: number) => void; }\nlet v: (z: number) => number;')).to.equal(0);
    expect(fns('xs.map((x) => x + 1).forEach(function (y) { void y; });')).to.equal(1);
    expect(fns('const o = { a: (x: number): void => void x, b() { return 1; }, c: { d: async () => {} } };')).to.equal(3);
    expect(fns('if (a) { b(); } else if (c) { for (const x of y) { while (z) {} } }')).to.equal(0);
  });
});

describe('report: counting never fails on odd input', () => {
  it('takes any text, unterminated strings, templates and comments included', () => {
    const piece = fc.constantFrom('(', ')', '{', '}', '[', ']', '<', '>', '=>', '=', ':', ',', ';', '`', '${', '"', "'", '/', '/*', '*/', '//', '\\', '\n', ' ', 'f', 'function', 'class', 'type', 'async', '1', '.');
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 200 }), (parts) => {
        const text = parts.join('');
        for (const lang of ['ts', 'c'] as const) {
          const t = tokenize(text, lang);
          expect(countFunctions(t)).to.be.at.least(0);
          expect(codeLines(t).size).to.be.at.most(text.split('\n').length);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('handles deep nesting without recursion', () => {
    const deep = 'const f = () => ' + '('.repeat(200_000) + 'x' + ')'.repeat(200_000) + ';\n' + '{'.repeat(100_000);
    expect(fns(deep)).to.equal(1);
    expect(lines('const s = "a\\\nb";\nx;\n')).to.deep.equal([1, 2, 3]);
  });
});

describe('report: bytes per management call from the IR', () => {
  it('selects embedded structs whole, objects behind pointers with their fields, each type once', () => {
    const ir = irOf(`
struct inner { u32 a; u32 b; }
struct obj { u32 x; inner emb; inner *p; u8 y; }
interface k { upcall void f(obj *o) reads(o.emb.a, o.p.*) writes(o.y); }`);
    const f = ir.interfaces[0]!.functions[0]!;
    // Call: obj with emb (8, whole) and p (a u32 id at 8) -> 12 -> 16, entry 16 + 8 + 16 = 40; inner
    // with a and b -> 8, entry 32. Reply: obj with y -> 1 -> 8, entry 32. Args: one u32 id.
    // Everything: obj (x, emb, p at 12, y at 16 -> 17 -> 24) entry 48, inner entry 32, both ways.
    expect(sampleCallBytes(ir, f)).to.deep.equal({ fn: 'f', pruned: 64 + 4 + 40 + 32 + 32, full: 64 + 4 + 2 * (48 + 32) });
  });
});

describe('report: a fixture sample counted by hand', () => {
  const r = reportOf(TINY);

  it('counts lines and functions per side (see the comment at the top of each fixture file)', () => {
    const sides = Object.fromEntries(Object.entries(r.sides).map(([k, v]) => [k, [v.lines, v.functions]]));
    expect(sides).to.deep.equal({ kdriver: [8, 3], udriver: [18, 4], shared: [2, 1], device: [3, 1], generated: [4, 1] });
    expect(r.sides.generated.files.map((f) => f.file)).to.deep.equal(['generated/tiny.c']);
    expect(r.share.lines).to.deep.equal({ kdriver: 8 / 28, udriver: 18 / 28, shared: 2 / 28 });
    expect(r.share.functions).to.deep.equal({ kdriver: 3 / 8, udriver: 4 / 8, shared: 1 / 8 });
  });

  it('counts annotation lines in the header, not in comments or #defines, over the driver lines', () => {
    expect(r.headerLines).to.equal(9);
    expect(r.driverLines).to.equal(9 + 8 + 18 + 2);
    expect(r.annotations).to.deep.equal({ header: 3, sidecar: 0, total: 3, share: 3 / 37 });
  });

  it('lists the interface from the IR and computes the bytes of each upcall', () => {
    expect(r.interface).to.deep.equal({ upcalls: ['kernel.tiny_open', 'kernel.tiny_close'], downcalls: ['kernel.tiny_poke'], critical: ['kernel.tiny_irq'] });
    // Two 32-byte headers; args: a u32 id (+ a u16 at offset 4 for tiny_close). An object entry is
    // 16 + 8 (mask) + the present fields padded to 8: flags alone 4 -> 8, mac alone 6 -> 8; all of
    // tiny_dev (u32, u8[6], u32 id at 12, u64 at 16) 24. Everything reachable: the entry both ways.
    expect(r.bytes.calls).to.deep.equal([
      { fn: 'kernel.tiny_open', pruned: 64 + 4 + 32 + 32, full: 64 + 4 + 2 * 48 },
      { fn: 'kernel.tiny_close', pruned: 64 + 6, full: 64 + 6 + 2 * 48 },
    ]);
  });
});

describe('report: samples on the command line', () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mdidl-report-samples-'));
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('prints one column per sample as text, Markdown and JSON, from a folder or its sample.json', () => {
    const text = run(['report', TINY, path.join(REAL[1]!, 'sample.json')]);
    expect(text.stderr).to.equal('');
    expect(text.status).to.equal(0);
    const header = text.stdout.split('\n')[0]!.trim().split(/\s+/);
    expect(header).to.deep.equal(['tiny', 'e1000']);
    expect(text.stdout).to.match(/^lines: k-driver \/ u-driver \/ shared +8 \/ 18 \/ 2 +\d+ \/ \d+ \/ \d+$/m);
    expect(text.stdout).to.include('  kernel.tiny_open  132 / 164');
    const md = run(['report', '--markdown', TINY]);
    expect(md.status).to.equal(0);
    expect(md.stdout).to.include('| lines: k-driver / u-driver / shared | 8 / 18 / 2 |');
    expect(md.stdout).to.include('| kernel.tiny_close | 70 | 166 |');
    const json = run(['report', '--json', TINY, TINY]);
    expect(json.status).to.equal(0);
    const parsed = JSON.parse(json.stdout) as SampleReport[];
    expect(parsed.map((p) => p.sample)).to.deep.equal(['tiny', 'tiny']);
    expect(parsed[0]).to.deep.equal(JSON.parse(JSON.stringify(reportOf(TINY))));
  });

  it('is byte-stable from any working folder', () => {
    const here = run(['report', '--json', TINY]);
    const r = spawnSync(process.execPath, [BIN, 'report', '--json', path.relative(tmp, TINY)], { cwd: tmp, encoding: 'utf8' });
    expect(r.status).to.equal(0);
    expect(r.stdout).to.equal(here.stdout);
  });

  const broken = (name: string, edit: (o: Record<string, unknown>) => string | void): string => {
    const dir = path.join(tmp, name);
    fs.cpSync(TINY, dir, { recursive: true });
    const o = JSON.parse(fs.readFileSync(path.join(dir, 'sample.json'), 'utf8')) as Record<string, unknown>;
    const out = edit(o);
    fs.writeFileSync(path.join(dir, 'sample.json'), typeof out === 'string' ? out : JSON.stringify(o, null, 2) + '\n');
    return dir;
  };

  it('gives located errors for a malformed sample.json, never a stack trace', () => {
    const cases: [string, string, RegExp][] = [
      [broken('syntax', () => '{\n  "name": "x",\n'), 'syntax', /sample\.json:1:1: error: '\{' is not closed/],
      [broken('type', (o) => {
        o['kdriver'] = 'kdriver.ts';
      }), 'type', /sample\.json:15:14: error: 'kdriver' must be a list of paths/],
      [broken('missing', (o) => {
        delete o['idl'];
      }), 'missing', /sample\.json:1:1: error: 'idl' is missing/],
      [broken('gone', (o) => {
        o['udriver'] = ['udriver.ts', 'nope.ts'];
      }), 'gone', /sample\.json:20:5: error: 'nope\.ts' does not exist/],
      [broken('array', () => '[1, 2]\n'), 'array', /sample\.json:1:1: error: expected the JSON object of a sample/],
    ];
    for (const [dir, , re] of cases) {
      const r = run(['report', dir]);
      expect(r.status, dir).to.equal(1);
      expect(r.stderr, dir).to.match(re);
      expect(r.stderr, dir).not.to.match(/\n\s+at |internal error/);
      expect(r.stdout, dir).to.equal('');
    }
  });

  it('reports errors in the sample\'s IDL at their place in the .mdl', () => {
    const dir = broken('idl', () => undefined);
    fs.appendFileSync(path.join(dir, 'tiny.mdl'), 'interface broken {\n    upcall s32 f(nothing *x);\n}\n');
    const r = run(['report', dir]);
    expect(r.status).to.equal(1);
    expect(r.stderr).to.match(/tiny\.mdl:17:\d+: error: /);
  });

  it('warns at a repeated key and goes on with the last one', () => {
    const dir = broken('dup', () => fs.readFileSync(path.join(TINY, 'sample.json'), 'utf8').replace('"name": "tiny",', '"name": "first",\n  "name": "tiny",'));
    const r = run(['report', dir]);
    expect(r.status).to.equal(0);
    expect(r.stderr).to.match(/sample\.json:3:3: warning: key repeated: this last one counts/);
    expect(r.stdout.split('\n')[0]!.trim()).to.equal('tiny');
  });

  it('adds a sidecar\'s annotation lines, and locates its errors', () => {
    const dir = broken('sidecar', (o) => {
      o['sidecar'] = 'tiny.mda';
    });
    fs.writeFileSync(path.join(dir, 'tiny.mda'), '# two annotation lines\ntiny_open: critical\n\ntiny_dev.peer: opaque   # a comment\n');
    const r = run(['report', '--json', dir]);
    expect(r.stderr).to.equal('');
    const a = (JSON.parse(r.stdout) as SampleReport[])[0]!.annotations;
    expect(a).to.deep.equal({ header: 3, sidecar: 2, total: 5, share: 5 / 37 });
    fs.writeFileSync(path.join(dir, 'tiny.mda'), 'tiny_open: frobnicate\n');
    const bad = run(['report', dir]);
    expect(bad.status).to.equal(1);
    expect(bad.stderr).to.match(/tiny\.mda:1:\d+: error: /);
  });

  it('walks a generated folder that links to itself once', () => {
    const dir = broken('selflink', () => undefined);
    fs.symlinkSync('.', path.join(dir, 'generated', 'self'));
    const r = run(['report', '--json', dir]);
    expect(r.status).to.equal(0);
    const g = (JSON.parse(r.stdout) as SampleReport[])[0]!.sides.generated;
    expect([g.lines, g.functions, g.files.map((f) => f.file)]).to.deep.equal([4, 1, ['generated/tiny.c']]);
  });

  it('refuses mixing samples with split inputs, and split options on samples', () => {
    expect(run(['report', TINY, 'x.split.json']).status).to.equal(2);
    expect(run(['report', '--name', 'x', TINY]).status).to.equal(2);
  });
});

describe('report: the simulated samples (the four drivers and the NIC)', () => {
  for (const dir of REAL) {
    it(`${path.basename(dir)}: shares, interface and bytes hold together`, () => {
      const r = reportOf(dir);
      for (const side of ['kdriver', 'udriver', 'shared'] as const) expect(r.sides[side].lines, side).to.be.greaterThan(0);
      expect(r.share.lines.udriver).to.be.greaterThan(0).and.lessThan(1);
      expect(r.share.functions.udriver).to.be.greaterThan(0).and.lessThan(1);
      expect(r.share.lines.kdriver + r.share.lines.udriver + r.share.lines.shared).to.be.closeTo(1, 1e-12);
      expect(r.annotations.share).to.be.greaterThan(0).and.lessThan(1);
      expect(r.sides.device.lines).to.be.greaterThan(0);
      expect(r.sides.generated.files.length).to.be.greaterThan(0);
      // Every upcall the IDL text declares is listed (read here with a plain pattern, not the compiler).
      const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'sample.json'), 'utf8')) as { idl: string[] };
      const declared = manifest.idl.flatMap((f) => [...fs.readFileSync(path.join(dir, f), 'utf8').matchAll(/^\s*upcall\b[^(]*?(\w+)\s*\(/gm)].map((m) => m[1]!));
      expect(declared.length).to.be.greaterThan(0);
      expect(r.interface.upcalls.map((u) => u.split('.').pop()).sort()).to.deep.equal([...declared].sort());
      expect(r.bytes.calls.map((c) => c.fn)).to.deep.equal(r.interface.upcalls);
      for (const c of r.bytes.calls) {
        expect(c.pruned, c.fn).to.be.at.most(c.full);
        expect(c.pruned, c.fn).to.be.at.least(64);
      }
    });
  }
});
