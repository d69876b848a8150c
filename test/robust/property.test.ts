// Property: whatever IDL, header or config comes in (deep, wide or mutated), every stage ends in
// success or in located errors: never an exception, an internal error or a hang. The time bound per
// case is a hang detector far above any case's real cost, not a benchmark. Seeds and run counts
// are fixed, so the suite's budget is fixed (about a minute on a loaded 2-core machine, well under
// the three minutes allowed).
import { expect } from 'chai';
import fc from 'fast-check';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadBackend } from '../../compiler/backends/registry.js';
import { TARGETS } from '../../compiler/backends/types.js';
import { loadConfig } from '../../compiler/config.js';
import { compareIr } from '../../compiler/diff/index.js';
import { lowerFiles } from '../../compiler/lower/index.js';
import { frontEnd } from '../../compiler/pipeline.js';
import type { IrProgram } from '../../compiler/ir/types.js';
import { formatDiagnostic, type Diagnostic } from '../../idl/diagnostics.js';
import { parseMdl } from '../../idl/parse.js';
import { printDocument } from '../../idl/printer.js';

const SEED = 20261203;
const HANG_MS = 20_000;
const HEAD = 'module m version 1;\n';

function expectLocated(diags: readonly Diagnostic[], what: string): void {
  for (const d of diags) {
    expect(d.loc.file, `${what}: ${d.message}`).to.be.a('string').and.not.equal('');
    expect(d.loc.line >= 1 && d.loc.column >= 1, `${what}: position of ${d.message}`).to.equal(true);
    expect(d.message, what).to.not.match(/^internal|Maximum call stack/);
    formatDiagnostic(d, {});
  }
}

/** Runs one case through `stage`, which must not throw, and must finish before the hang detector. */
function bounded<T>(what: string, stage: () => T): T {
  const start = Date.now();
  let out: T;
  try {
    out = stage();
  } catch (e) {
    throw new Error(`${what}: threw ${(e as Error).stack ?? String(e)}`);
  }
  expect(Date.now() - start, `${what}: hang detector`).to.be.below(HANG_MS);
  return out;
}

/** Parse, print, check, and generate every target in memory: what parse, fmt and compile do. */
async function throughCompiler(text: string, what: string): Promise<IrProgram | null> {
  const parsed = bounded(`${what} parse`, () => parseMdl(text, 'p.mdl'));
  expectLocated(parsed.diagnostics, what);
  if (parsed.document === null) expect(parsed.diagnostics, `${what}: no tree and no reason`).to.not.be.empty;
  else bounded(`${what} print`, () => printDocument(parsed.document!));
  const fe = bounded(`${what} check`, () => frontEnd(['/virtual/p.mdl'], { readFile: (f) => (f === '/virtual/p.mdl' ? text : null), displayName: () => 'p.mdl' }));
  expectLocated(fe.diagnostics, what);
  if (!fe.ir) {
    expect(fe.diagnostics.some((d) => d.severity === 'error'), `${what}: no IR and no error`).to.equal(true);
    return null;
  }
  for (const t of TARGETS) {
    const backend = (await loadBackend(t))!;
    const files = bounded(`${what} ${t}`, () => backend.generate(fe.ir!, { sources: ['p.mdl'], version: '0' }));
    expect(files.length, `${what} ${t}`).to.be.greaterThan(0);
  }
  return fe.ir;
}

// ---- generators ---------------------------------------------------------------------------------

const ident = fc.constantFrom('a', 'b', 'dev', 'x1', 's', 'u8', 'u32', 'ring', 'len');

/** A chain of declarations that refer to each other, written forward or backward. */
const chain = fc.record({
  kind: fc.constantFrom('typedef', 'const', 'struct', 'enum', 'sizeof'),
  length: fc.oneof(fc.integer({ min: 1, max: 80 }), fc.integer({ min: 150, max: 1000 })),
  forward: fc.boolean(),
  cycle: fc.boolean(),
}).map(({ kind, length, forward, cycle }) => {
  const ref = (i: number): number => (forward ? i + 1 : i - 1);
  const end = forward ? length : -1;
  const lines: string[] = [];
  for (let i = 0; i < length; i++) {
    const r = cycle && ref(i) === end ? (forward ? 0 : length - 1) : ref(i);
    const isEnd = r === end;
    if (kind === 'typedef') lines.push(`typedef ${isEnd ? 'u8' : `t${r}`} t${i};`);
    if (kind === 'const') lines.push(`const c${i} = ${isEnd ? '1' : `c${r} + 1`};`);
    if (kind === 'struct') lines.push(`struct x${i} { ${isEnd ? 'u8' : `x${r}`} y; u8 z; }`);
    if (kind === 'sizeof') lines.push(`struct x${i} { u8 y[${isEnd ? '1' : `sizeof(x${r})`}]; }`);
    if (kind === 'enum') lines.push(`const c${i} = ${isEnd ? '0' : `c${r}`} + 1;`);
  }
  if (!forward) lines.reverse();
  return HEAD + lines.join('\n') + '\n';
});

/** One declaration nested or repeated to a depth or width an attacker picks. */
const deep = fc.record({
  shape: fc.constantFrom('parens', 'unary', 'binary', 'dims', 'stars', 'path', 'fields', 'attrs', 'brackets', 'imports'),
  n: fc.oneof(fc.integer({ min: 1, max: 70 }), fc.integer({ min: 200, max: 5000 })),
}).map(({ shape, n }) => {
  switch (shape) {
    case 'parens':
      return `${HEAD}const c = ${'('.repeat(n)}1${')'.repeat(n)};\n`;
    case 'unary':
      return `${HEAD}const c = ${'-~'.repeat(n)}1;\n`;
    case 'binary':
      return `${HEAD}const c = 1${' | 2'.repeat(n)};\n`;
    case 'dims':
      return `${HEAD}struct s { u8 a${'[2]'.repeat(Math.min(n, 5000))}; }\n`;
    case 'stars':
      return `${HEAD}struct s { [opaque] u8 ${'*'.repeat(n)} a; }\n`;
    case 'path': {
      const k = Math.min(n, 1000);
      const structs = Array.from({ length: k }, (_, i) => `struct n${i} { n${i + 1} *f${i}; u32 c${i}; [count(c${i})] u8 *d${i}; }`).join('\n');
      return `${HEAD}${structs}\nstruct n${k} { u8 x; }\ninterface i { downcall void f(n0 *p) reads(p->${Array.from({ length: k }, (_, i) => `f${i}`).join('.')}.x); }\n`;
    }
    case 'fields':
      return `${HEAD}struct s {\n${Array.from({ length: Math.min(n, 2000) }, (_, i) => `  u8 f${i % 7 === 0 ? 0 : i};`).join('\n')}\n}\n`;
    case 'attrs':
      return `${HEAD}struct s { ${'[opaque] '.repeat(n)}u8 *a; }\n`;
    case 'brackets':
      return `${HEAD}struct s { u8 a${'['.repeat(n)}; }\n`;
    case 'imports':
      return `${HEAD}${Array.from({ length: Math.min(n, 500) }, (_, i) => `import "missing${i}.mdl";`).join('\n')}\n`;
  }
  return HEAD;
});

const SAMPLES = ['samples/rtl8139/rtl8139.mdl', 'samples/nic/nic.mdl', 'test/c/corpus/graph.mdl', 'test/c/corpus/order.mdl']
  .filter((f) => fs.existsSync(f))
  .map((f) => fs.readFileSync(f, 'utf8'));

const TOKENS = ['(', ')', '[', ']', '{', '}', ';', ',', '*', '**', '->', '.', 'struct', 'union', 'typedef', 'sizeof(', 'import "x.mdl";', '\u0000', '"', '/*', '0x', '99999999999999999999999', 'switch', 'case 1:', '[count(n)]', '[opaque]', 'upcall', 'reads(', 'u64'];

/** A real interface with a few edits: characters, tokens, or a slice repeated many times. */
const mutated = fc.record({
  sample: fc.integer({ min: 0, max: SAMPLES.length - 1 }),
  edits: fc.array(
    fc.record({
      at: fc.nat(),
      kind: fc.constantFrom('delete', 'insert', 'replace', 'repeat'),
      len: fc.integer({ min: 1, max: 40 }),
      token: fc.constantFrom(...TOKENS),
      times: fc.integer({ min: 2, max: 3000 }),
    }),
    { minLength: 1, maxLength: 4 },
  ),
}).map(({ sample, edits }) => {
  let text = SAMPLES[sample]!;
  for (const e of edits) {
    const at = e.at % (text.length + 1);
    if (e.kind === 'delete') text = text.slice(0, at) + text.slice(at + e.len);
    else if (e.kind === 'insert') text = text.slice(0, at) + e.token + text.slice(at);
    else if (e.kind === 'replace') text = text.slice(0, at) + e.token + text.slice(at + e.len);
    else text = text.slice(0, at) + text.slice(at, at + e.len).repeat(Math.min(e.times, 50_000 / e.len)) + text.slice(at + e.len);
  }
  return text;
});

const header = fc.record({
  shape: fc.constantFrom('parens', 'dims', 'ifdeep', 'defines', 'stars', 'fields', 'mutated'),
  n: fc.oneof(fc.integer({ min: 1, max: 60 }), fc.integer({ min: 200, max: 5000 })),
  at: fc.nat(),
  token: fc.constantFrom('(', ')', '{', '}', ';', '*', '#if 1', '#endif', '#define X X X', '__attribute__((', 'MDL_COUNT(', '[', 'struct'),
}).map(({ shape, n, at, token }) => {
  const tail = '\nMDL_UPCALL int f(struct s *p);\n';
  switch (shape) {
    case 'parens':
      return `#include <mdidl.h>\nstruct s { int a[${'('.repeat(n)}1${')'.repeat(n)}]; };${tail}`;
    case 'dims':
      return `#include <mdidl.h>\nstruct s { int a${'[1]'.repeat(n)}; };${tail}`;
    case 'ifdeep':
      return `${'#if 1\n'.repeat(n)}struct s { int a; };\n${'#endif\n'.repeat(n)}`;
    case 'defines':
      return `#include <mdidl.h>\n#define D0 1\n${Array.from({ length: n }, (_, i) => `#define D${i + 1} (D${i} + 1)`).join('\n')}\nstruct s { int a[D${n}]; };${tail}`;
    case 'stars':
      return `#include <mdidl.h>\nstruct s { int ${'*'.repeat(n)} MDL_OPAQUE a; };${tail}`;
    case 'fields':
      return `#include <mdidl.h>\nstruct s { ${Array.from({ length: n }, (_, i) => `int f${i};`).join(' ')} };${tail}`;
    default: {
      const nic = fs.readFileSync('samples/nic/nic.h', 'utf8');
      const i = at % (nic.length + 1);
      return nic.slice(0, i) + token.repeat(1 + (n % 50)) + nic.slice(i);
    }
  }
});

const config = fc.oneof(
  fc.json({ maxDepth: 6 }),
  fc.record({
    inputs: fc.array(fc.constantFrom('a.mdl', '', '/dev/zero', '../x.mdl'), { maxLength: 3 }),
    outDir: fc.constantFrom('gen', '.', '', 'a'.repeat(300)),
    outputs: fc.dictionary(fc.constantFrom('ts', 'c-user', 'c-kernel', 'c-other'), fc.constantFrom('gen', 'gen/ts', 'out', '.', '')),
    targets: fc.array(fc.constantFrom('ts', 'c-user', 'c-kernel', 'go'), { maxLength: 4 }),
    abi: fc.constantFrom('lp64', 'ilp32', 'x'),
  }).map((o) => JSON.stringify(o)),
  fc.integer({ min: 1, max: 20000 }).map((n) => '['.repeat(n) + ']'.repeat(n)),
  fc.integer({ min: 1, max: 20000 }).map((n) => `{"inputs": ["a.mdl"], "x": ${'{"a":'.repeat(n)}1${'}'.repeat(n)}}`),
);

describe('robust: property: located error or success, never an internal error or a hang', function () {
  this.timeout(600_000);
  let dir: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mdidl-prop-'));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('chains of typedefs, constants, embedded structs and sizes, forward, backward and cyclic', async () => {
    await fc.assert(fc.asyncProperty(chain, async (text) => void (await throughCompiler(text, 'chain'))), { seed: SEED, numRuns: 80 });
  });

  it('deep and wide declarations', async () => {
    await fc.assert(fc.asyncProperty(deep, async (text) => void (await throughCompiler(text, 'deep'))), { seed: SEED, numRuns: 120 });
  });

  it('mutated real interfaces, and diff between the original and the mutant', async () => {
    const originals = await Promise.all(SAMPLES.map((s, i) => throughCompiler(s, `sample ${i}`)));
    await fc.assert(
      fc.asyncProperty(mutated, async (text) => {
        const ir = await throughCompiler(text, 'mutated');
        for (const o of originals) if (o && ir) bounded('diff', () => compareIr(o, ir));
      }),
      { seed: SEED, numRuns: 150 },
    );
  });

  it('deep, wide and mutated C headers through lower', () => {
    const include = path.resolve('include');
    let k = 0;
    fc.assert(
      fc.property(header, (text) => {
        const file = path.join(dir, `h${k++}.h`);
        fs.writeFileSync(file, text);
        const out = bounded('lower', () => lowerFiles({ files: [file], includePaths: [include], module: 'h' }));
        expectLocated(out.diagnostics, 'lower');
        if (out.text === null) expect(out.diagnostics.some((d) => d.severity === 'error'), 'lower: no text and no error').to.equal(true);
        fs.rmSync(file);
      }),
      { seed: SEED, numRuns: 80 },
    );
  });

  it('configs of any shape', () => {
    const file = path.join(dir, 'mdidl.config.json');
    fc.assert(
      fc.property(config, (text) => {
        fs.writeFileSync(file, text);
        const r = bounded('config', () => loadConfig(file));
        expectLocated(r.diagnostics, 'config');
        expect(r.config === null).to.equal(r.diagnostics.length > 0);
      }),
      { seed: SEED, numRuns: 400 },
    );
  });
});
