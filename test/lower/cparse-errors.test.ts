// Errors are diagnostics, never exceptions: a bad declaration is reported where it goes wrong, the
// parser resynchronises at the next `;` or `}`, and no input — however long, deep or random — makes
// it throw, hang or exhaust the stack.
import { expect } from 'chai';
import fc from 'fast-check';
import { MAX_NESTING, parseC, type ParseCResult } from '../../compiler/lower/c-parser.js';
import type { CToken, CTokenKind } from '../../compiler/lower/c-ast.js';
import { ctok } from './ctokens.js';

const SEED = 42;

function run(src: string): { diags: string[]; names: string[]; result: ParseCResult } {
  const result = parseC(ctok(src));
  return {
    result,
    diags: result.diagnostics.map((d) => `${d.loc.line}:${d.loc.column}-${d.loc.endColumn} ${d.code}: ${d.message}`),
    names: result.unit.decls.map((d) => (d.kind === 'tag' ? `tag` : d.name)),
  };
}

describe('C parser: resynchronisation', () => {
  const cases: { src: string; diags: string[]; names: string[] }[] = [
    {
      src: 'int x y; int z;',
      diags: ["1:7-8 c-syntax: expected ';' after declaration, found 'y'"],
      names: ['x', 'z'],
    },
    {
      src: 'int f(int a b, int c); int g;',
      diags: ["1:13-14 c-syntax: expected ',' or ')' in parameter list, found 'b'"],
      names: ['g'],
    },
    {
      src: 'int x = ; int y;',
      diags: ["1:9-10 c-syntax: expected an initializer after '=', found ';'"],
      names: ['x', 'y'],
    },
    {
      src: 'foo(1); int r;',
      diags: ["1:1-4 c-syntax: expected a declaration, found 'foo'"],
      names: ['r'],
    },
    {
      src: 'enum e { A B, C }; int z;',
      diags: ["1:12-13 c-syntax: expected ',' or '}' after enumerator 'A', found 'B'"],
      names: ['z'],
    },
    {
      // The skipped group ends the bad declaration: a function body written after garbage.
      src: 'int f(void) oops { if (x) { } return; } int y;',
      diags: ["1:13-17 c-syntax: expected ';' after declaration, found 'oops'"],
      names: ['f', 'y'],
    },
    {
      src: 'int a[3; int b;',
      diags: ["1:6-7 c-syntax: expected ']' to close this '[', found ';'"],
      names: ['b'],
    },
    {
      src: 'int *;\nint ok;',
      diags: ["1:6-7 c-syntax: expected an identifier or '(' in declarator, found ';'"],
      names: ['ok'],
    },
    {
      src: 'struct 3 { int a; }; int b;',
      diags: ["1:8-9 c-syntax: expected '{' or a tag name after 'struct', found '3'"],
      names: ['b'],
    },
    {
      // A stray closer costs only itself.
      src: '} int x; ) int y; ] int z;',
      diags: ["1:1-2 c-syntax: expected a declaration, found '}'", "1:10-11 c-syntax: expected a declaration, found ')'", "1:19-20 c-syntax: expected a declaration, found ']'"],
      names: ['x', 'y', 'z'],
    },
    {
      src: 'int a, f(void) { } int b;',
      diags: ['1:16-17 c-syntax: a function body must follow the only declarator of its declaration'],
      names: ['a', 'f', 'b'],
    },
    {
      src: 'struct s { int a;',
      diags: ["1:18-18 c-syntax: expected '}' to close struct body, found end of input"],
      names: [],
    },
    {
      src: 'void f(void) { int a;\n',
      diags: ["1:14-15 c-syntax: unterminated function body: no '}' matches this '{'"],
      names: ['f'],
    },
    {
      src: 'int x __attribute__((aligned(8)) ; int y;',
      diags: ["1:34-35 c-syntax: expected ')' to close '__attribute__', found ';'"],
      names: ['y'],
    },
    {
      src: 'static x;',
      diags: ["1:1-7 c-implicit-int: type defaults to 'int': no type specifier before 'x'"],
      names: ['x'],
    },
  ];
  for (const c of cases) {
    it(JSON.stringify(c.src), () => {
      const r = run(c.src);
      expect(r.diags).to.deep.equal(c.diags);
      expect(r.names).to.deep.equal(c.names);
    });
  }

  it('an error inside a struct body resynchronises inside the body, keeping the other members', () => {
    const r = run('struct s {\n  int a;\n  int b c;\n  int d;\n};\nint after;');
    expect(r.diags).to.deep.equal(["3:9-10 c-syntax: expected ';' at end of member declaration, found 'c'"]);
    expect(r.result.unit.records.get('s')!.members.map((m) => m.name)).to.deep.equal(['a', 'b', 'd']);
    expect(r.names).to.deep.equal(['tag', 'after']);
  });

  it('an error in a nested record resynchronises in that record', () => {
    const r = run('struct o { struct { int x y; int z; } in; int w; }; int after;');
    expect(r.diags).to.deep.equal(["1:27-28 c-syntax: expected ';' at end of member declaration, found 'y'"]);
    const o = r.result.unit.records.get('o')!;
    expect(o.members.map((m) => m.name)).to.deep.equal(['in', 'w']);
    const inner = o.members[0]!.type;
    expect(inner.kind === 'record' && inner.record.def!.members.map((m) => m.name)).to.deep.equal(['x', 'z']);
    expect(r.names).to.deep.equal(['tag', 'after']);
  });

  it('a missing `;` after a struct body is reported at the next token', () => {
    const r = run('struct a { int x; }\nstruct b { int y; };');
    expect(r.diags).to.deep.equal(["2:1-7 c-syntax: expected ';' after struct definition, found 'struct'"]);
    expect([...r.result.unit.records.keys()]).to.deep.equal(['a', 'b']);
  });

  it('several errors in one file are all reported, in order', () => {
    const r = run('int a b;\nint ok1;\nlong long long c;\nint ok2;\nint (d;\nint ok3;');
    expect(r.diags).to.deep.equal([
      "1:7-8 c-syntax: expected ';' after declaration, found 'b'",
      "3:1-5 c-syntax: invalid combination of type specifiers 'long long long'",
      "5:7-8 c-syntax: expected ')' to close the parenthesised declarator, found ';'",
    ]);
    expect(r.names).to.deep.equal(['a', 'ok1', 'c', 'ok2', 'ok3']);
  });

  it('an unknown type name is reported once and the declaration is kept', () => {
    const r = run('foo_t *p;\nstruct s { bar_t q; };');
    expect(r.diags).to.deep.equal(["1:1-6 c-unknown-type: unknown type name 'foo_t'", "2:12-17 c-unknown-type: unknown type name 'bar_t'"]);
    expect(r.names).to.deep.equal(['p', 'tag']);
  });

  it('a function defined inside a struct is unsupported, and the struct continues', () => {
    const r = run('struct s { int f(void) { return 1; } int g; }; int h;');
    expect(r.diags).to.deep.equal(['1:24-25 c-unsupported: a function cannot be defined inside a struct or union']);
    expect(r.result.unit.records.get('s')!.members.map((m) => m.name)).to.deep.equal(['g']);
    expect(r.names).to.deep.equal(['tag', 'h']);
  });

  it('a K&R definition is unsupported and skipped whole', () => {
    const r = run('int old(a, b) int a; long b; { return a + b; }\nint k;');
    expect(r.diags).to.deep.equal(["1:9-10 c-unsupported: K&R-style parameter lists are not supported (parameter 'a' has no type)"]);
    expect(r.names).to.deep.equal(['old', 'k']);
    const old = r.result.unit.decls[0]!;
    expect(old.kind === 'function' && [old.hasBody, old.type.params.map((p) => p.name)]).to.deep.equal([true, ['a', 'b']]);
  });

  it('a missing `;` after a prototype costs the next declaration only', () => {
    const r = run('int f(void)\nint x;\nstruct s { int a; };\nint y;');
    expect(r.diags).to.deep.equal(["2:1-4 c-syntax: expected ';' after declaration, found 'int'"]);
    expect(r.names).to.deep.equal(['f', 'tag', 'y']);
  });

  it('an empty token list is an empty unit', () => {
    const r = parseC([]);
    expect(r.diagnostics).to.deep.equal([]);
    expect(r.unit.decls).to.deep.equal([]);
  });
});

describe('C parser: limits', () => {
  const N = 20000;

  it(`caps record nesting at ${MAX_NESTING} with one diagnostic and carries on`, () => {
    const r = run('struct a { '.repeat(N) + 'int x;' + ' };'.repeat(N) + '\nint after;');
    expect(r.diags).to.deep.equal([`1:${MAX_NESTING * 11 + 10}-${MAX_NESTING * 11 + 11} c-unsupported: declaration nested more than ${MAX_NESTING} levels deep`]);
    expect(r.names.at(-1)).to.equal('after');
  });

  it('caps declarator, parameter-list and typeof nesting', () => {
    for (const src of [
      'int ' + '('.repeat(N) + 'x' + ')'.repeat(N) + ';\nint after;',
      'void f(' + 'void (*)('.repeat(N) + ')'.repeat(N) + ');\nint after;',
      'typeof('.repeat(N) + 'int' + ')'.repeat(N) + ' x;\nint after;',
    ]) {
      const r = run(src);
      expect(r.result.diagnostics.map((d) => d.code), src.slice(0, 20)).to.deep.equal(['c-unsupported']);
      expect(r.names.at(-1)).to.equal('after');
    }
  });

  it('nesting just under the cap is fine', () => {
    const depth = MAX_NESTING - 1;
    const r = run('int ' + '('.repeat(depth) + '*x' + ')'.repeat(depth) + ';');
    expect(r.diags).to.deep.equal([]);
  });

  it('unclosed nesting at end of input does not throw', () => {
    for (const src of ['struct { '.repeat(N), 'int ' + '('.repeat(N), 'int f(void) ' + '{'.repeat(N), 'int x __attribute__((a' + '('.repeat(N)]) {
      const r = parseC(ctok(src));
      expect(r.diagnostics.length).to.be.within(1, 3);
    }
  });

  it('long flat inputs that need no recursion are not capped', () => {
    const r = run('int ' + '*'.repeat(N) + 'p' + '[1]'.repeat(N) + ' ' + '__attribute__((a))'.repeat(1000) + ';\nint after;');
    expect(r.diags).to.deep.equal([]);
    expect(r.names).to.deep.equal(['p', 'after']);
    expect(run('int f(void) ' + '{'.repeat(N) + '}'.repeat(N) + ' int after;').names).to.deep.equal(['f', 'after']);
  });

  it('many declarations parse in linear time', () => {
    const toks = ctok('struct s { int a; unsigned b : 3; void (*f)(int, char *); };\nstatic inline int g(int x) { return x; }\nint v[4] = { 1 };\n'.repeat(20000));
    const t0 = Date.now();
    const r = parseC(toks);
    const ms = Date.now() - t0;
    expect(r.diagnostics).to.deep.equal([]);
    expect(r.unit.decls).to.have.length(60000);
    // ~700k tokens; the parser does this in well under a second, the bound only catches a quadratic.
    expect(ms).to.be.below(10000);
  });
});

// ---- property tests ----------------------------------------------------------------------------

const WORDS = [
  'int', 'char', 'long', 'unsigned', 'signed', 'short', 'void', '_Bool', '__int128', 'double', 'float', 'const', 'volatile',
  '__restrict', 'struct', 'union', 'enum', 'typedef', 'static', 'extern', 'inline', '__inline__', '__attribute__',
  '__attribute', '__extension__', '__user', '__iomem', '__acquires', 'typeof', '__typeof__', '_Atomic', '_Alignas',
  '_Static_assert', 'asm', '__asm__', 'sizeof', 'u32', 'foo_t', 'x', 'y', 'dev', 'packed', 'aligned', '__aligned__',
  '__builtin_va_list', '_Noreturn', 'return', 'if',
];
const PUNCTS = ['{', '}', '(', ')', '[', ']', ';', ',', ':', '=', '*', '...', '->', '.', '+', '-', '<<', '?', '&', '#', '@'];
const OTHERS: [CTokenKind, string][] = [
  ['number', '0'], ['number', '1'], ['number', '0x1F'], ['number', '1UL'], ['string', '"s"'], ['char', "'{'"], ['char', "'}'"],
  // Tokens no lexer would produce: the parser must still not throw on them.
  ['ident', '('], ['punct', ''], ['ident', ''], ['string', ';'],
];

const tokenArb: fc.Arbitrary<[CTokenKind, string]> = fc.oneof(
  { weight: 5, arbitrary: fc.constantFrom(...WORDS).map((w): [CTokenKind, string] => ['ident', w]) },
  { weight: 5, arbitrary: fc.constantFrom(...PUNCTS).map((p): [CTokenKind, string] => ['punct', p]) },
  { weight: 1, arbitrary: fc.constantFrom(...OTHERS) },
);

function toTokens(list: [CTokenKind, string][]): CToken[] {
  return list.map(([kind, text], i) => ({ kind, text, loc: { file: 'r.h', line: 1 + Math.floor(i / 8), column: 1 + (i % 8) * 4 } }));
}

const CODES = new Set(['c-syntax', 'c-unsupported', 'c-unknown-type', 'c-implicit-int']);

function checkResult(r: ParseCResult, what: string): void {
  for (const d of r.diagnostics) {
    expect(CODES.has(d.code), `${what}: ${d.code} ${d.message}`).to.equal(true);
    expect(d.loc.line >= 1 && d.loc.column >= 1 && d.loc.endLine === d.loc.line && d.loc.endColumn >= d.loc.column, what).to.equal(true);
    expect(d.message, what).to.be.a('string').and.not.equal('');
  }
  for (const d of r.unit.decls) {
    if (d.kind !== 'tag') expect(d.name, what).to.be.a('string').and.not.equal('');
  }
}

describe('C parser: properties', () => {
  it('never throws, hangs or reports an internal error on random tokens', () => {
    fc.assert(
      fc.property(fc.array(tokenArb, { maxLength: 80 }), (list) => {
        const toks = toTokens(list);
        checkResult(parseC(toks), list.map((t) => t[1]).join(' '));
      }),
      { seed: SEED, numRuns: 3000 },
    );
  });

  it('bracket-free garbage loses at most the declaration it is in', () => {
    const flat = tokenArb.filter(([, t]) => !['{', '}', '(', ')', '[', ']', "'{'", "'}'", ''].includes(t) && t !== ';');
    fc.assert(
      fc.property(fc.array(flat, { maxLength: 30 }), (list) => {
        const toks = [...toTokens(list), ...toTokens([['punct', ';'], ['ident', 'int'], ['ident', 'sentinel'], ['punct', ';']])];
        const r = parseC(toks);
        const what = list.map((t) => t[1]).join(' ');
        checkResult(r, what);
        const last = r.unit.decls.at(-1);
        expect(last && last.kind === 'variable' && last.name === 'sentinel' && last.type.kind === 'base' && last.type.name, what).to.equal('int');
      }),
      { seed: SEED, numRuns: 3000 },
    );
  });

  it('generated well-formed structs parse without diagnostics and keep every member', () => {
    const types = ['int', 'unsigned long', 'char *', 'const struct s *', 'u32', 'void (*%)(int, char *)', 'int %[4]', 'unsigned % : 3'];
    const memberArb = fc.tuple(fc.constantFrom(...types), fc.constantFrom('', '__attribute__((packed)) ', '__user '));
    fc.assert(
      fc.property(fc.array(memberArb, { minLength: 1, maxLength: 12 }), fc.boolean(), (members, anon) => {
        const names = members.map((_, i) => `m${i}`);
        const body = members
          .map(([t, a], i) => (t.includes('%') ? t.replace('%', a + names[i]!) : `${t} ${a}${names[i]}`) + ';')
          .join(' ');
        const src = `typedef unsigned int u32; struct t { ${anon ? `union { ${body} };` : body} };`;
        const r = parseC(ctok(src));
        expect(r.diagnostics.map((d) => d.message), src).to.deep.equal([]);
        const rec = r.unit.records.get('t')!;
        const got = anon ? (rec.members[0]!.type.kind === 'record' ? rec.members[0]!.type.record.def!.members : []) : rec.members;
        expect(got.map((m) => m.name), src).to.deep.equal(names);
      }),
      { seed: SEED, numRuns: 500 },
    );
  });
});
