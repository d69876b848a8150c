// Deep input, as an attacker wrote it, through the CLI: each case used to overflow the stack
// ("internal error: Maximum call stack size exceeded", no location) and now gets a located error
// naming the limit. Each also has its benign twin (the same size, written in order) that must pass:
// the limits bound depth, not size.
import { expect } from 'chai';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { MAX_ACCESS_PATH_SEGMENTS, MAX_EXPR_DEPTH } from '../../idl/build-ast.js';
import { MAX_EMBED_DEPTH, MAX_RESOLVE_DEPTH, MAX_TYPE_DEPTH } from '../../idl/checker/context.js';
import { MAX_FRAME_WIDTH } from '../../idl/diagnostics.js';
import { MAX_SYNTAX_ERRORS } from '../../idl/grammar.js';
import { expectLocatedError, runCli } from './run-cli.js';

const HEAD = 'module m version 1;\n';

describe('robust: deep input gets a located error, never a stack overflow', function () {
  this.timeout(600_000);
  let dir: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mdidl-deep-'));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  const write = (name: string, text: string): string => {
    fs.writeFileSync(path.join(dir, name), text);
    return name;
  };
  const parse = (name: string): ReturnType<typeof runCli> => runCli(['parse', name], dir);

  it('a typedef chain of 2,000 forward references', () => {
    const f = write('tdchain.mdl', HEAD + Array.from({ length: 2000 }, (_, i) => `typedef t${i + 1} t${i};\n`).join('') + 'typedef u8 t2000;\n');
    expectLocatedError(parse(f), f, new RegExp(`more than ${MAX_RESOLVE_DEPTH} nested declarations`));
  });

  it('a typedef cycle of 10,000', () => {
    const f = write('tdcycle.mdl', HEAD + Array.from({ length: 10000 }, (_, i) => `typedef t${(i + 1) % 10000} t${i};\n`).join(''));
    expectLocatedError(parse(f), f, /nested declarations|defined in terms of itself/);
  });

  it('a short typedef cycle is still reported as a cycle', () => {
    const f = write('tdcycle3.mdl', HEAD + 'typedef b a;\ntypedef c b;\ntypedef a c;\n');
    expectLocatedError(parse(f), f, /typedef '.' is defined in terms of itself/);
  });

  it('a const chain of 2,000 forward references; the same chain in order passes', () => {
    const bad = write('constchain.mdl', HEAD + Array.from({ length: 2000 }, (_, i) => `const c${i} = c${i + 1} + 1;\n`).join('') + 'const c2000 = 1;\n');
    expectLocatedError(parse(bad), bad, new RegExp(`more than ${MAX_RESOLVE_DEPTH} nested declarations`));
    const good = write('constorder.mdl', HEAD + 'const c0 = 1;\n' + Array.from({ length: 2000 }, (_, i) => `const c${i + 1} = c${i} + 1;\n`).join(''));
    const r = runCli(['parse', '--ir', '--json', good], dir);
    expect(r.status, r.stderr).to.equal(0);
    const ir = JSON.parse(r.stdout) as { constants: { name: string; value: string }[] };
    expect(ir.constants.find((c) => c.name === 'c2000')?.value).to.equal('2001');
  });

  it('an enum of 5,000 implicitly numbered members is numbered without nesting', () => {
    const f = write('bigenum.mdl', HEAD + 'enum e {\n' + Array.from({ length: 5000 }, (_, i) => `  e${i},\n`).join('') + '}\nconst last = e4999;\n');
    const r = runCli(['parse', '--ir', '--json', f], dir);
    expect(r.status, r.stderr).to.equal(0);
    const ir = JSON.parse(r.stdout) as { constants: { name: string; value: string }[] };
    expect(ir.constants.find((c) => c.name === 'last')?.value).to.equal('4999');
  });

  it('a struct-embedding chain of 10,000; 20,000 in declaration order; one of the limit compiles to every target', () => {
    const bad = write('embed.mdl', HEAD + Array.from({ length: 10000 }, (_, i) => `struct x${i} { x${i + 1} y; }\n`).join('') + 'struct x10000 { u8 y; }\n');
    expectLocatedError(parse(bad), bad, new RegExp(`more than ${MAX_RESOLVE_DEPTH} nested declarations`));
    // In declaration order the checker resolves one link at a time, but every backend and both
    // runtimes walk embedded aggregates recursively: `compile` of this overflowed in the C backend.
    const chain = (n: number, last: string): string =>
      HEAD + 'struct x0 { u8 y; [skip] u8 k; x0 *p; }\n' + Array.from({ length: n }, (_, i) => `struct x${i + 1} { x${i} y; u8 z; }\n`).join('') + `interface api {\n  upcall void f(${last} *a);\n}\n`;
    const deep = write('embedorder.mdl', chain(20000, 'x20000'));
    expectLocatedError(runCli(['compile', deep, '-t', 'c-kernel', '-o', 'out-deep'], dir), deep, new RegExp(`'x${MAX_EMBED_DEPTH}' holds structs and unions by value more than ${MAX_EMBED_DEPTH} levels deep`));
    expect(fs.existsSync(path.join(dir, 'out-deep')), 'nothing written').to.equal(false);
    const good = write('embedlimit.mdl', chain(MAX_EMBED_DEPTH - 1, `x${MAX_EMBED_DEPTH - 1}`));
    const r = runCli(['compile', good, '-t', 'ts', '-t', 'c-kernel', '-t', 'c-user', '-o', 'out-limit'], dir);
    expect(r.status, r.stderr.slice(0, 1000)).to.equal(0);
    expect(fs.readdirSync(path.join(dir, 'out-limit')).sort()).to.deep.equal(['c-kernel', 'c-user', 'ts']);
  });

  it('a header\'s chain of 20,000 structs: by pointer, read deep, it lowers and compiles; by value it gets the embedding limit', () => {
    // lower's deep marking and the access sets' flattening (runtime/ts/plan.ts, which the C
    // backends print) followed such a chain recursively and overflowed.
    const n = 20000;
    const decls = Array.from({ length: n }, (_, i) => `struct n${i};\n`).join('');
    const byPointer = Array.from({ length: n }, (_, i) => `struct n${i} { struct n${i + 1} *f; int z; };\n`).join('');
    write('pchain.h', `#include <mdidl.h>\n${decls}${byPointer}struct n${n} { int a; };\nMDL_UPCALL MDL_READS(p->**) int f(struct n0 *p);\n`);
    const lowered = runCli(['lower', '-I', path.resolve('include'), 'pchain.h', '-o', 'pchain.mdl'], dir);
    expect(lowered.status, lowered.stderr.slice(0, 1000)).to.equal(0);
    const r = runCli(['compile', 'pchain.mdl', '-t', 'ts', '-t', 'c-kernel', '-t', 'c-user', '-o', 'out-pchain'], dir);
    expect(r.status, r.stderr.slice(0, 1000)).to.equal(0);
    expect(fs.readdirSync(path.join(dir, 'out-pchain')).sort()).to.deep.equal(['c-kernel', 'c-user', 'ts']);
    const byValue = Array.from({ length: n }, (_, i) => `struct v${i + 1} { struct v${i} y; int z; };\n`).join('');
    write('vchain.h', `#include <mdidl.h>\nstruct v0 { int a; };\n${byValue}MDL_UPCALL int g(struct v${n} *p);\n`);
    expectLocatedError(runCli(['lower', '-I', path.resolve('include'), 'vchain.h'], dir), 'vchain.h', new RegExp(`more than ${MAX_EMBED_DEPTH} levels deep`));
  });

  it('8,000 array dimensions and 10,000 pointer levels', () => {
    const dims = write('dims.mdl', HEAD + `struct s { u8 a${'[1]'.repeat(8000)}; }\n`);
    expectLocatedError(parse(dims), dims, new RegExp(`more than ${MAX_TYPE_DEPTH} pointer levels, array dimensions`));
    const ptrs = write('ptrs.mdl', HEAD + `struct s { [opaque] u8 ${'*'.repeat(10000)} a; }\n`);
    expectLocatedError(parse(ptrs), ptrs, new RegExp(`more than ${MAX_TYPE_DEPTH} pointer levels`));
  });

  it('8,000 array dimensions through lower', () => {
    write('dims.h', `#include <mdidl.h>\nstruct s { int a${'[1]'.repeat(8000)}; };\nMDL_UPCALL int f(struct s *p);\n`);
    const r = runCli(['lower', '-I', path.resolve('include'), 'dims.h'], dir);
    expectLocatedError(r, 'dims.h', /pointer levels, array dimensions|nested/);
  });

  it('an access path of 4,000 segments; one of the limit compiles to every target', () => {
    const n = 4000;
    const structs = (k: number): string => Array.from({ length: k }, (_, i) => `struct n${i} { n${i + 1} *f${i}; }\n`).join('') + `struct n${k} { u8 x; }\n`;
    const p = (k: number): string => Array.from({ length: k }, (_, i) => `f${i}`).join('.');
    const bad = write('path.mdl', HEAD + structs(n) + `interface i { downcall void f(n0 *p) reads(p->${p(n)}); }\n`);
    expectLocatedError(parse(bad), bad, new RegExp(`at most ${MAX_ACCESS_PATH_SEGMENTS} are allowed`));
    const k = MAX_ACCESS_PATH_SEGMENTS;
    const good = write('pathok.mdl', HEAD + structs(k - 1) + `interface i { downcall void f(n0 *p) reads(p->${p(k - 1)}.x); }\n`);
    const r = runCli(['compile', good, '-t', 'ts', '-t', 'c-kernel', '-t', 'c-user', '-o', 'out-path'], dir);
    expect(r.status, r.stderr.slice(0, 2000)).to.equal(0);
    expect(fs.readdirSync(path.join(dir, 'out-path')).sort()).to.deep.equal(['c-kernel', 'c-user', 'ts']);
  });

  it('130,000 + on one line: parse, parse --json and fmt; the code frame shows a window of the line', () => {
    const f = write('plus.mdl', HEAD + `const c = 1${' + 1'.repeat(130000)};\n`);
    for (const args of [['parse', f], ['parse', '--json', f], ['fmt', '--check', f]]) {
      const r = runCli(args, dir);
      expectLocatedError(r, f, new RegExp(`nests more than ${MAX_EXPR_DEPTH} levels`));
      for (const line of r.stderr.split('\n')) expect(line.length, args.join(' ')).to.be.at.most(MAX_FRAME_WIDTH + 20);
    }
  });

  it('parentheses nested 100,000 deep', () => {
    const f = write('parens.mdl', HEAD + `const c = ${'('.repeat(100000)}1${')'.repeat(100000)};\n`);
    expectLocatedError(parse(f), f, /brackets nest more than/);
  });

  it('thousands of syntax errors in one rule (recovery used to recurse once per error and overflow)', () => {
    const f = write('syntax.mdl', HEAD + `struct s { u8 a; }\ninterface i {\n  upcall void f(s *p) reads() ${'w reads() '.repeat(3000)};\n}\n`);
    expectLocatedError(parse(f), f, /parsing stopped here/);
    const g = write('syntax2.mdl', HEAD + 'struct s { u8 a; }\n' + Array.from({ length: 3000 }, (_, i) => `struct t${i} { u8 ; }\n`).join(''));
    const r = parse(g);
    expectLocatedError(r, g, new RegExp(`too many syntax errors \\(more than ${MAX_SYNTAX_ERRORS}\\)`));
  });

  it('a field whose array size is the size of its own struct (was "IR built from a program with errors")', () => {
    const f = write('sizeofself.mdl', HEAD + 'struct s { u8 a[sizeof(s)]; }\n');
    expectLocatedError(parse(f), f, /array size depends on the size of the type it is part of/);
    const g = write('sizeofmutual.mdl', HEAD + 'struct a { u8 x[sizeof(b)]; }\nstruct b { a y; }\n');
    expectLocatedError(parse(g), g, /depends on the size|contains itself by value/);
  });
});
