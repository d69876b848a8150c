// The built-in preprocessor. Expected expansions are worked out from C11 6.10 by hand (and agree
// with gcc -E); the standard's own examples are checked against the results it states.
import { expect } from 'chai';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { lexC } from '../../compiler/lower/c-lexer.js';
import type { Diagnostic } from '../../idl/diagnostics.js';
import { preprocess, type PreprocessOptions, type PreprocessResult } from '../../compiler/lower/preprocessor.js';

const ROOT = path.resolve('/virtual-cpp');
const FIXTURES = fileURLToPath(new URL('../../../test/lower/fixtures/cpp/', import.meta.url));

/** Preprocesses in-memory files; the first one (or `main`) is the main file. */
function run(files: Record<string, string>, opts: Partial<PreprocessOptions> & { main?: string } = {}): PreprocessResult {
  const main = opts.main ?? Object.keys(files)[0]!;
  const readFile = (abs: string): string | null => {
    const rel = path.relative(ROOT, abs);
    return Object.prototype.hasOwnProperty.call(files, rel) ? files[rel]! : null;
  };
  return preprocess(path.join(ROOT, main), { includePaths: [], readFile, ...opts });
}

/** The output tokens of a one-file program, joined by single spaces. */
function pp(src: string, opts: Partial<PreprocessOptions> = {}): string {
  return join(run({ 'main.h': src }, opts));
}

function join(r: PreprocessResult): string {
  return r.tokens.map((t) => t.text).join(' ');
}

/** C text re-spelled as its tokens joined by single spaces, to compare with `pp`. */
function norm(c: string): string {
  return lexC(c, 'x').tokens.map((t) => t.text).join(' ');
}

function rel(file: string): string {
  return file.startsWith(ROOT) ? path.relative(ROOT, file) : file;
}

/** `file:line:col severity: message`, files relative to the virtual root. */
function brief(d: Diagnostic): string {
  return `${rel(d.loc.file)}:${d.loc.line}:${d.loc.column} ${d.severity}: ${d.message}`;
}

function diags(src: string | Record<string, string>, opts: Partial<PreprocessOptions> = {}): string[] {
  return run(typeof src === 'string' ? { 'main.h': src } : src, opts).diagnostics.map(brief);
}

describe('preprocessor', () => {
  describe('object-like macros', () => {
    it('replaces a macro by its replacement list', () => {
      expect(pp('#define N 10\nint a[N];')).to.equal('int a [ 10 ] ;');
    });

    it('an empty macro disappears', () => {
      expect(pp('#define EMPTY\na EMPTY b')).to.equal('a b');
    });

    it('rescans the replacement for more macros', () => {
      expect(pp('#define A B + 1\n#define B C * 2\n#define C 3\nA')).to.equal('3 * 2 + 1');
    });

    it('a macro defined later is used after its definition only', () => {
      expect(pp('X\n#define X 1\nX\n#undef X\nX')).to.equal('X 1 X');
    });

    it('`#define f (x)` with a space is object-like', () => {
      expect(pp('#define f (x) + 1\nf(2)')).to.equal('( x ) + 1 ( 2 )');
    });

    it('#undef of an unknown name is fine', () => {
      expect(run({ 'main.h': '#undef NOPE\nx' }).diagnostics).to.deep.equal([]);
    });
  });

  describe('function-like macros', () => {
    it('substitutes arguments for parameters', () => {
      expect(pp('#define max(a, b) ((a) > (b) ? (a) : (b))\nmax(x, y+1)')).to.equal(norm('((x) > (y+1) ? (x) : (y+1))'));
    });

    it('commas inside parentheses do not separate arguments; brackets and braces do', () => {
      expect(pp('#define f(a, b) [a|b]\nf((1, 2), 3) f(x[1], y)')).to.equal(norm('[(1, 2)|3] [x[1]|y]'));
      expect(diags('#define f(a) a\nf({1, 2})')).to.deep.equal(['main.h:2:1 error: macro "f" passed 2 arguments, but takes just 1']);
    });

    it('empty arguments are allowed', () => {
      expect(pp('#define f(a, b) <a|b>\nf(,) f(1,) f(,2)')).to.equal(norm('<|> <1|> <|2>'));
      expect(pp('#define g(a) [a]\ng() g( )')).to.equal('[ ] [ ]');
    });

    it('a macro without parameters takes ()', () => {
      expect(pp('#define p() int\np() x;')).to.equal('int x ;');
    });

    it('a function-like macro name not followed by ( is not an invocation', () => {
      expect(pp('#define f(x) [x]\nf + f;\nint (*p)(int) = f;')).to.equal(norm('f + f; int (*p)(int) = f;'));
    });

    it('nor at the end of the file', () => {
      expect(pp('#define f(x) [x]\nf')).to.equal('f');
    });

    it('the ( may be on a following line, after comments', () => {
      expect(pp('#define f(x) [x]\nf\n\n /* c */ (1)')).to.equal('[ 1 ]');
    });

    it('arguments may span lines', () => {
      expect(pp('#define f(a, b) a + b\nf(1,\n  2\n)')).to.equal('1 + 2');
    });

    it('a ( produced by another macro does not start an invocation', () => {
      expect(pp('#define LPAREN (\n#define g(x) [x]\ng LPAREN 1)')).to.equal('g ( 1 )');
    });

    it('a name produced by expansion may take its arguments from the rest of the file', () => {
      expect(pp('#define q(x) x\n#define r q\nr(2)')).to.equal('2');
      expect(pp('#define h g(~\n#define g(x) [x]\nh 5)')).to.equal('[ ~ 5 ]');
    });

    it('arguments are fully expanded before substitution, except around # and ##', () => {
      expect(pp('#define ONE 1\n#define f(x) x #x x##2\nf(ONE)')).to.equal('1 "ONE" ONE2');
    });

    it('a macro used as its own argument expands in the argument first', () => {
      expect(pp('#define f(x) (x+1)\nf(f(f(0)))')).to.equal(norm('(((0+1)+1)+1)'));
    });

    it('directives inside macro arguments are processed, as GCC does', () => {
      expect(pp('#define f(a, b) a b\nf(1,\n#ifdef NOPE\n 2\n#else\n 3\n#endif\n)')).to.equal('1 3');
    });
  });

  describe('variadic macros', () => {
    it('__VA_ARGS__ takes the remaining arguments with their commas', () => {
      expect(pp('#define W(...) w(__VA_ARGS__)\nW() W(1) W(1,2,(3,4))')).to.equal(norm('w() w(1) w(1,2,(3,4))'));
    });

    it('named variadic parameters (GNU args...)', () => {
      expect(pp('#define X(fmt, args...) x(fmt, args)\nX(a) X(a, 1, 2)')).to.equal(norm('x(a, ) x(a, 1, 2)'));
    });

    it('C11 6.10.3.5 EXAMPLE 7', () => {
      const src = [
        '#define debug(...) fprintf(stderr, __VA_ARGS__)',
        '#define showlist(...) puts(#__VA_ARGS__)',
        '#define report(test, ...) ((test)?puts(#test):\\',
        '  printf(__VA_ARGS__))',
        'debug("Flag");',
        'debug("X = %d\\n", x);',
        'showlist(The first, second, and third items.);',
        'report(x>y, "x is %d but y is %d", x, y);',
      ].join('\n');
      expect(pp(src)).to.equal(
        norm(
          [
            'fprintf(stderr, "Flag" );',
            'fprintf(stderr, "X = %d\\n", x );',
            'puts( "The first, second, and third items." );',
            '((x>y)?puts("x>y"): printf("x is %d but y is %d", x, y));',
          ].join('\n'),
        ),
      );
    });

    it('GNU comma swallowing: `, ## __VA_ARGS__` drops the comma only when the arguments are omitted', () => {
      // Each case checked against gcc -E: an argument that is present but empty keeps the comma,
      // except for a macro whose only parameter is the variadic one.
      expect(pp('#define E(...) a , ## __VA_ARGS__ z\nE() E(1) E(,)')).to.equal('a z a , 1 z a , , z');
      expect(pp('#define N(x, args...) b , ## args z\nN(1) N(1,) N(1,2)')).to.equal('b z b , z b , 2 z');
      expect(pp('#define V(x,...) c , ## __VA_ARGS__ z\nV(1) V(1,) V(1,2)')).to.equal('c z c , z c , 2 z');
    });

    it('the printk idiom', () => {
      expect(pp('#define pr(fmt, ...) printk(fmt, ##__VA_ARGS__)\npr("a"); pr("b %d", 1);')).to.equal(norm('printk("a"); printk("b %d", 1);'));
    });

    it('the variadic argument may be omitted entirely (GNU)', () => {
      expect(pp('#define V(a, ...) [a __VA_ARGS__]\nV(1)')).to.equal('[ 1 ]');
      expect(diags('#define V(a, b, ...) x\nV(1)')).to.deep.equal(['main.h:2:1 error: macro "V" requires 3 arguments, but only 1 given']);
    });

    it('__VA_OPT__ (C23, GCC 12): content only when the variable arguments expand to something', () => {
      expect(pp('#define F(a, ...) f(a __VA_OPT__(,) __VA_ARGS__)\nF(1) F(1,) F(1, 2) F(1, 2, 3)')).to.equal(norm('f(1) f(1) f(1, 2) f(1, 2, 3)'));
      expect(pp('#define EMP\n#define H(...) [__VA_OPT__(x)]\nH() H(EMP) H(1)')).to.equal('[ ] [ ] [ x ]');
    });

    it('__VA_OPT__ with ## and #', () => {
      expect(pp('#define G(X, ...) X __VA_OPT__(- X ## __VA_ARGS__ -) end\nG(a) G(a, b)')).to.equal('a end a - ab - end');
      expect(pp('#define J(a, ...) a ## __VA_OPT__(b c) ## d\nJ(1) J(1, 2)')).to.equal('1d 1b cd');
      expect(pp('#define S(...) #__VA_OPT__(a   b)\nS() S(1)')).to.equal('"" "a b"');
    });

    it('malformed __VA_OPT__', () => {
      expect(diags('#define A(...) __VA_OPT__\n#define B(...) __VA_OPT__(x\n#define C(...) __VA_OPT__(__VA_OPT__())\n#define D(...) __VA_OPT__(## x)\n#define E(x) __VA_OPT__(x)')).to.deep.equal([
        'main.h:1:16 error: __VA_OPT__ must be followed by an open parenthesis',
        'main.h:2:16 error: unterminated __VA_OPT__',
        'main.h:3:27 error: __VA_OPT__ may not appear in a __VA_OPT__',
        "main.h:4:27 error: '##' cannot appear at either end of __VA_OPT__",
      ]);
    });

    it('stringifies variadic arguments', () => {
      expect(pp('#define SX(...) #__VA_ARGS__\nSX() SX(a,b,  c) SX( a , b )')).to.equal('"" "a,b, c" "a , b"');
    });
  });

  describe('# stringification', () => {
    it('collapses white space to one space and trims the ends (6.10.3.2)', () => {
      expect(pp('#define str(x) #x\nstr(  a   +   b  ) str(a\n  b) str(a/* c */b)')).to.equal('"a + b" "a b" "a b"');
    });

    it('an empty argument gives ""', () => {
      expect(pp('#define str(x) #x\nstr() str( )')).to.equal('"" ""');
    });

    it('escapes \\ and " inside string and character literals only', () => {
      expect(pp('#define str(x) #x\nstr("a\\n" \'"\' \'\\\'\')')).to.equal(String.raw`"\"a\\n\" '\"' '\\''"`);
      expect(pp('#define str(x) #x\nstr(: @\\n)')).to.equal(String.raw`": @\n"`);
    });

    it('stringifies the argument as written; a second level expands it first', () => {
      expect(pp('#define str(x) #x\n#define xstr(x) str(x)\n#define V 4\nstr(V) xstr(V) xstr(__LINE__)')).to.equal('"V" "4" "4"');
    });

    it('keeps the spacing of a pre-expanded argument', () => {
      expect(pp('#define str(x) #x\n#define xstr(x) str(x)\n#define F(x) [x]\n#define AB a  b\nxstr(F( y )) xstr(AB)')).to.equal('"[y]" "a b"');
    });
  });

  describe('## pasting', () => {
    it('pastes into identifiers, numbers and punctuators', () => {
      expect(pp('#define cat(a,b) a##b\ncat(x,y) cat(1,e5) cat(-,>) cat(<<,=) cat(L,"s") cat(u8, \'c\')')).to.equal('xy 1e5 -> <<= L"s" u8\'c\'');
    });

    it('the pasted token is rescanned as a macro name', () => {
      expect(pp('#define cat(a,b) a##b\n#define xy 42\ncat(x,y)')).to.equal('42');
    });

    it('operands of ## are not expanded first', () => {
      expect(pp('#define cat(a,b) a##b\n#define A 1\n#define B 2\ncat(A,B) cat(A, B)')).to.equal('AB AB');
    });

    it('works in object-like macros too', () => {
      expect(pp('#define AB ok\n#define X A ## B\nX')).to.equal('ok');
    });

    it('placemarkers: C11 6.10.3.5 EXAMPLE 5', () => {
      const src = '#define t(x,y,z) x ## y ## z\nint j[] = { t(1,2,3), t(,4,5), t(6,,7), t(8,9,),\n t(10,,), t(,11,), t(,,12), t(,,) };';
      expect(pp(src)).to.equal(norm('int j[] = { 123, 45, 67, 89,\n 10, 11, 12, };'));
    });

    it('a ## produced by pasting is not an operator: the 6.10.3.3 EXAMPLE', () => {
      const src = [
        '#define hash_hash # ## #',
        '#define mkstr(a) # a',
        '#define in_between(a) mkstr(a)',
        '#define join(c, d) in_between(c hash_hash d)',
        'char p[] = join(x, y);',
      ].join('\n');
      expect(pp(src)).to.equal(norm('char p[] = "x ## y";'));
    });

    it('a paste that does not form one token is an error and keeps both', () => {
      const r = run({ 'main.h': '#define cat(a,b) a##b\nint v = cat(., .) cat(/, /);' });
      expect(join(r)).to.equal('int v = . . / / ;');
      expect(r.diagnostics.map(brief)).to.deep.equal([
        'main.h:2:9 error: pasting "." and "." does not give a valid preprocessing token',
        'main.h:2:19 error: pasting "/" and "/" does not give a valid preprocessing token',
      ]);
    });

    it('## next to # pastes the string', () => {
      expect(pp('#define f(x) L ## #x\nf(abc)')).to.equal('L"abc"');
    });
  });

  describe('rescanning and recursion', () => {
    it('a macro is not replaced inside its own expansion', () => {
      expect(pp('#define foo foo\nfoo')).to.equal('foo');
      expect(pp('#define foo a foo b\nfoo')).to.equal('a foo b');
    });

    it('mutually recursive macros terminate', () => {
      expect(pp('#define a b\n#define b a\na b')).to.equal('a b');
      expect(pp('#define x y + 1\n#define y x * 2\nx')).to.equal('x * 2 + 1');
    });

    it('a painted name stays unexpandable when it reaches another macro (6.10.3.4p2)', () => {
      expect(pp('#define foo a foo\n#define id(x) x\nid(foo) id(id(foo))')).to.equal('a foo a foo');
    });

    it('a function-like macro whose expansion ends in its own name', () => {
      expect(pp('#define f(x) x f\nf(1)(2)')).to.equal('1 f ( 2 )');
      expect(pp('#define m() m\nm()()')).to.equal('m ( )');
    });

    it('the 6.10.3.4 EXAMPLE: f(2)(9) gives 2*9*g, as GCC does', () => {
      expect(pp('#define f(a) a*g\n#define g(a) f(a)\nf(2)(9)')).to.equal('2 * 9 * g');
    });

    it('self-reference through arguments terminates', () => {
      expect(pp('#define f(x) f(x)\nf(f(1))')).to.equal('f ( f ( 1 ) )');
      expect(pp('#define g(x) x(g)\ng(g)')).to.equal('g ( g )');
    });

    it('C11 6.10.3.5 EXAMPLE 3', () => {
      const src = [
        '#define x 3',
        '#define f(a) f(x * (a))',
        '#undef x',
        '#define x 2',
        '#define g f',
        '#define z z[0]',
        '#define h g(~',
        '#define m(a) a(w)',
        '#define w 0,1',
        '#define t(a) a',
        '#define p() int',
        '#define q(x) x',
        '#define r(x,y) x ## y',
        '#define str(x) # x',
        'f(y+1) + f(f(z)) % t(t(g)(0) + t)(1);',
        'g(x+(3,4)-w) | h 5) & m',
        '(f)^m(m);',
        'p() i[q()] = { q(1), r(2,3), r(4,), r(,5), r(,) };',
        'char c[2][6] = { str(hello), str() };',
      ].join('\n');
      const stated = [
        'f(2 * (y+1)) + f(2 * (f(2 * (z[0])))) % f(2 * (0)) + t(1);',
        'f(2 * (2+(3,4)-0,1)) | f(2 * (~ 5)) & f(2 * (0,1))^m(0,1);',
        'int i[] = { 1, 23, 4, 5, };',
        'char c[2][6] = { "hello", "" };',
      ].join('\n');
      const r = run({ 'main.h': src });
      expect(r.diagnostics).to.deep.equal([]);
      expect(join(r)).to.equal(norm(stated));
    });

    it('C11 6.10.3.5 EXAMPLE 4', () => {
      const src = [
        '#define str(s) # s',
        '#define xstr(s) str(s)',
        '#define debug(s, t) printf("x" # s "= %d, x" # t "= %s", \\',
        ' x ## s, x ## t)',
        '#define INCFILE(n) vers ## n',
        '#define glue(a, b) a ## b',
        '#define xglue(a, b) glue(a, b)',
        '#define HIGHLOW "hello"',
        '#define LOW LOW ", world"',
        'debug(1, 2);',
        'fputs(str(strncmp("abc\\0d", "abc", \'\\4\') // this goes away',
        ' == 0) str(: @\\n), s);',
        '#include xstr(INCFILE(2).h)',
        'glue(HIGH, LOW);',
        'xglue(HIGH, LOW)',
      ].join('\n');
      const r = run({ 'main.h': src, 'vers2.h': 'included_vers2' });
      expect(r.diagnostics).to.deep.equal([]);
      // The standard shows `#include "vers2.h"` as the directive after replacement; here it is run.
      expect(join(r)).to.equal(
        norm(
          [
            'printf("x" "1" "= %d, x" "2" "= %s", x1, x2);',
            String.raw`fputs("strncmp(\"abc\\0d\", \"abc\", '\\4') == 0" ": @\n", s);`,
            'included_vers2',
            '"hello";',
            '"hello" ", world"',
          ].join('\n'),
        ),
      );
    });

    it('C11 6.10.3.5 EXAMPLE 6: valid and invalid redefinitions', () => {
      const valid = [
        '#define OBJ_LIKE (1-1)',
        '#define OBJ_LIKE /* white space */ (1-1) /* other */',
        '#define FUNC_LIKE(a) ( a )',
        '#define FUNC_LIKE( a )( /* note the white space */ \\',
        ' a /* other stuff on this line',
        ' */ )',
      ].join('\n');
      expect(diags(valid)).to.deep.equal([]);
      const invalid = [
        '#define OBJ_LIKE (1-1)',
        '#define FUNC_LIKE(a) ( a )',
        '#define OBJ_LIKE (0) // different token sequence',
        '#define OBJ_LIKE (1 - 1) // different white space',
        '#define FUNC_LIKE(b) ( a ) // different parameter usage',
        '#define FUNC_LIKE(b) ( b ) // different parameter spelling',
      ].join('\n');
      expect(diags(invalid)).to.deep.equal([
        'main.h:3:9 warning: "OBJ_LIKE" redefined',
        'main.h:4:9 warning: "OBJ_LIKE" redefined',
        'main.h:5:9 warning: "FUNC_LIKE" redefined',
        'main.h:6:9 warning: "FUNC_LIKE" redefined',
      ]);
    });

    it('a redefinition warning points at the previous definition', () => {
      const d = run({ 'main.h': '#define A 1\n#define A 2\nA' });
      expect(join(d)).to.equal('2');
      expect(d.diagnostics[0]!.related!.map((r) => `${rel(r.loc.file)}:${r.loc.line}:${r.loc.column} ${r.message}`)).to.deep.equal([
        'main.h:1:9 this is the location of the previous definition',
      ]);
    });
  });

  describe('locations', () => {
    it('a source token keeps its own file, line and column', () => {
      const r = run({ 'main.h': 'int\n  x;' });
      expect(r.tokens.map((t) => `${t.text}@${rel(t.loc.file)}:${t.loc.line}:${t.loc.column}`)).to.deep.equal(['int@main.h:1:1', 'x@main.h:2:3', ';@main.h:2:4']);
    });

    it('every token of an expansion, arguments included, is located at the invocation name', () => {
      const r = run({ 'main.h': '#define F(t, n) t n;\nstruct s {\n  F(int,\n    a)\n};' });
      expect(r.tokens.map((t) => `${t.text}@${t.loc.line}:${t.loc.column}`)).to.deep.equal([
        'struct@2:1',
        's@2:8',
        '{@2:10',
        'int@3:3',
        'a@3:3',
        ';@3:3',
        '}@5:1',
        ';@5:2',
      ]);
    });

    it('nested expansions are located at the outermost invocation', () => {
      const r = run({ 'main.h': '#define A B\n#define B C\n#define C x\n  A' });
      expect(r.tokens.map((t) => `${t.text}@${t.loc.line}:${t.loc.column}`)).to.deep.equal(['x@4:3']);
    });

    it('tokens of an included file are located in it', () => {
      const r = run({ 'main.h': 'a\n#include "inc.h"\nb', 'inc.h': '\n  i' });
      expect(r.tokens.map((t) => `${t.text}@${rel(t.loc.file)}:${t.loc.line}:${t.loc.column}`)).to.deep.equal(['a@main.h:1:1', 'i@inc.h:2:3', 'b@main.h:3:1']);
      expect(r.files.map(rel)).to.deep.equal(['main.h', 'inc.h']);
    });

    it('line splices do not shift the lines that follow', () => {
      const r = run({ 'main.h': '#define X \\\n  1\nX y' });
      expect(r.tokens.map((t) => `${t.text}@${t.loc.line}:${t.loc.column}`)).to.deep.equal(['1@3:1', 'y@3:3']);
    });
  });

  describe('conditional inclusion', () => {
    it('#if / #elif / #else / #endif choose one group', () => {
      const src = (v: string) => `#define V ${v}\n#if V == 1\none\n#elif V == 2\ntwo\n#elif V == 3\nthree\n#else\nother\n#endif`;
      expect(['1', '2', '3', '4'].map((v) => pp(src(v)))).to.deep.equal(['one', 'two', 'three', 'other']);
    });

    it('#ifdef / #ifndef', () => {
      expect(pp('#define A\n#ifdef A\na\n#endif\n#ifndef A\nnot_a\n#endif\n#ifdef B\nb\n#else\nnot_b\n#endif')).to.equal('a not_b');
    });

    it('#elifdef / #elifndef (C23)', () => {
      expect(pp('#define B\n#ifdef A\na\n#elifdef B\nb\n#endif\n#ifdef A\na\n#elifndef C\nnot_c\n#endif')).to.equal('b not_c');
    });

    it('nested conditionals, skipped and taken', () => {
      const src = '#if 1\n#if 0\nx\n#else\ny\n#endif\n#else\n#if 1\nz\n#endif\n#endif\nw';
      expect(pp(src)).to.equal('y w');
    });

    it('skipped groups may hold anything: bad directives, bad expressions, unbalanced quotes', () => {
      const src = "#if 0\n#bogus\n#if 1/0\n#error no\n#endif\ndon't \"stop\n#include <nowhere.h>\n#else\nkept\n#endif";
      const r = run({ 'main.h': src });
      expect(join(r)).to.equal('kept');
      expect(r.diagnostics).to.deep.equal([]);
    });

    it('an #elif after a taken group is not evaluated', () => {
      expect(diags('#if 1\n#elif 1/0\n#elif garbage (\n#endif')).to.deep.equal([]);
    });

    it('include guards work by themselves', () => {
      const r = run({ 'main.h': '#include "g.h"\n#include "g.h"\nG', 'g.h': '#ifndef G_H\n#define G_H\n#define G g_once\ng_body\n#endif\n' });
      expect(join(r)).to.equal('g_body g_once');
    });

    it('a guarded header included again is not reread (multiple-include optimisation)', () => {
      const reads: string[] = [];
      const files: Record<string, string> = {
        'main.h': '#include "g.h"\n#include "g.h"\n#include "h.h"\n#include "h.h"',
        'g.h': '/* lead */\n#ifndef G_H\n#define G_H\ng\n#endif\n/* trail */\n',
        'h.h': '#if !defined(H_H)\n#define H_H\nh\n#endif\n',
      };
      const r = run(files, {
        readFile: (abs) => {
          reads.push(rel(abs));
          return files[rel(abs)] ?? null;
        },
      });
      expect(join(r)).to.equal('g h');
      expect(reads).to.deep.equal(['main.h', 'g.h', 'h.h']);
    });

    it('a header that only looks guarded is included again', () => {
      const r = run({ 'main.h': '#include "g.h"\n#include "g.h"', 'g.h': '#ifndef G_H\ng\n#endif\n' });
      expect(join(r)).to.equal('g g');
      const r2 = run({ 'main.h': '#include "g.h"\n#undef G_H\n#include "g.h"', 'g.h': '#ifndef G_H\n#define G_H\ng\n#endif\n' });
      expect(join(r2)).to.equal('g g');
      const r3 = run({ 'main.h': '#include "g.h"\n#include "g.h"', 'g.h': '#ifndef G_H\n#define G_H\n#else\nagain\n#endif\n' });
      expect(join(r3)).to.equal('again');
    });

    it('#pragma once', () => {
      expect(join(run({ 'main.h': '#include "o.h"\n#include "o.h"\n#include "./o.h"', 'o.h': '#pragma once\nonce' }))).to.equal('once');
    });
  });

  describe('#if expressions through the preprocessor', () => {
    const cond = (expr: string, extra = ''): string => pp(`${extra}\n#if ${expr}\nyes\n#else\nno\n#endif`);

    it('defined X and defined(X), before and after macro expansion', () => {
      expect(cond('defined A', '#define A 0')).to.equal('yes');
      expect(cond('defined(A)', '#define A 0')).to.equal('yes');
      expect(cond('defined ( A ) && !defined B', '#define A')).to.equal('yes');
      expect(cond('DEF', '#define A\n#define DEF defined(A)')).to.equal('yes');
      expect(cond('DEF', '#define DEF defined A')).to.equal('no');
    });

    it('the operand of defined is not macro-expanded', () => {
      expect(cond('defined(A)', '#define A B')).to.equal('yes');
      expect(cond('defined(B)', '#define A B')).to.equal('no');
    });

    it('macros in the expression are expanded, unknown identifiers are 0', () => {
      expect(cond('VERSION >= KERNEL_VERSION(5, 10, 0)', '#define VERSION 0x050f00\n#define KERNEL_VERSION(a, b, c) (((a) << 16) + ((b) << 8) + (c))')).to.equal('yes');
      expect(cond('UNKNOWN == 0 && !UNKNOWN')).to.equal('yes');
      expect(cond('true')).to.equal('no');
    });

    it('__has_attribute, __has_builtin and friends are 0 here but count as defined', () => {
      expect(cond('__has_attribute(__packed__) || __has_builtin(__builtin_expect) || __has_c_attribute(fallthrough)')).to.equal('no');
      expect(cond('defined(__has_attribute) && defined __has_include && defined(__has_builtin)')).to.equal('yes');
      expect(pp('#ifdef __has_include\nyes\n#endif')).to.equal('yes');
    });

    it('a header may define its own __has_attribute', () => {
      expect(cond('__has_attribute(x)', '#define __has_attribute(x) 1')).to.equal('yes');
    });

    it('__has_include finds files the way #include does', () => {
      const files = { 'main.h': '#if __has_include("a.h") && __has_include(<sys/b.h>) && !__has_include(<c.h>)\nyes\n#endif\n#define H <sys/b.h>\n#if __has_include(H)\nmacro\n#endif', 'a.h': '', 'inc/sys/b.h': '' };
      expect(join(run(files, { includePaths: [path.join(ROOT, 'inc')] }))).to.equal('yes macro');
    });

    it('the predefined macros', () => {
      expect(
        pp(
          '__MDIDL__ __GNUC__ __GNUC_MINOR__ __STDC__ __STDC_VERSION__ __x86_64__ __LP64__ __CHAR_BIT__ __SIZEOF_LONG__ __SIZEOF_POINTER__\n#ifdef __KERNEL__\nkernel\n#endif',
        ),
      ).to.equal('1 12 2 1 201112L 1 1 8 8 8');
    });

    it('-D and -U', () => {
      const opts = { defines: { __KERNEL__: '1', EMPTY: '', 'SQ(x)': '((x)*(x))', __GNUC__: '12' }, undefines: ['__x86_64__'] };
      const r = run({ 'main.h': '#ifdef __KERNEL__\nkernel\n#endif\n[EMPTY] SQ(2) __GNUC__\n#ifndef __x86_64__\nno_x86\n#endif' }, opts);
      expect(join(r)).to.equal(norm('kernel [] ((2)*(2)) 12 no_x86'));
      expect(r.diagnostics).to.deep.equal([]);
    });

    it('a -D that changes a predefined macro warns, as GCC does', () => {
      expect(diags('__GNUC__', { defines: { __GNUC__: '4' } })).to.deep.equal(['<command-line>:1:9 warning: "__GNUC__" redefined']);
    });
  });

  describe('builtin macros and #line', () => {
    it('__FILE__ and __LINE__ where they are written', () => {
      const r = run({ 'main.h': '__FILE__ __LINE__\n\n__LINE__\n#include "sub/i.h"', 'sub/i.h': '__FILE__ __LINE__' });
      expect(r.tokens.map((t) => t.text)).to.deep.equal([JSON.stringify(path.join(ROOT, 'main.h')), '1', '3', JSON.stringify(path.join(ROOT, 'sub/i.h')), '1']);
    });

    it('__LINE__ in a macro is the line of the invocation', () => {
      expect(pp('#define L __LINE__\n#define id(x) x\n\nL id(\n__LINE__) id(\nL)')).to.equal('4 5 6');
    });

    it('__COUNTER__ and __INCLUDE_LEVEL__', () => {
      expect(join(run({ 'main.h': '__COUNTER__ __COUNTER__ __INCLUDE_LEVEL__\n#include "i.h"', 'i.h': '__INCLUDE_LEVEL__ __COUNTER__' }))).to.equal('0 1 0 1 2');
    });

    it('#line sets the line of the next line, and optionally the file', () => {
      const r = run({ 'main.h': 'a\n#line 100\nb __LINE__\n#line 7 "orig.c"\nc __FILE__ __LINE__\n#define N 50\n#line N\nd' });
      expect(r.tokens.map((t) => `${t.text}@${rel(t.loc.file)}:${t.loc.line}`)).to.deep.equal([
        'a@main.h:1',
        'b@main.h:100',
        '100@main.h:100',
        'c@orig.c:7',
        '"orig.c"@orig.c:7',
        '7@orig.c:7',
        'd@orig.c:50',
      ]);
    });

    it('a GNU linemarker in the source works like #line', () => {
      const r = run({ 'main.h': '# 42 "drv.h" 1\nx' });
      expect(r.tokens.map((t) => `${t.text}@${t.loc.file}:${t.loc.line}`)).to.deep.equal(['x@drv.h:42']);
    });

    it('_Pragma and #pragma vanish; push_macro/pop_macro work', () => {
      expect(pp('_Pragma("GCC diagnostic push") a\n#pragma GCC poison x\n#pragma weird stuff here\nb')).to.equal('a b');
      expect(pp('#define X 1\n#pragma push_macro("X")\n#undef X\n#define X 2\nX\n#pragma pop_macro("X")\nX')).to.equal('2 1');
    });
  });

  describe('#include', () => {
    const fixture = (name: string): string => path.join(FIXTURES, name);
    const fixtureRun = (): PreprocessResult => preprocess(fixture('main.h'), { includePaths: [fixture('inc1'), fixture('inc2')] });

    it('searches the including file’s folder, then the include paths in order', () => {
      const r = fixtureRun();
      expect(r.diagnostics).to.deep.equal([]);
      expect(r.tokens.map((t) => t.text)).to.deep.equal([
        'local_h_from_main_folder',
        // "x" looks in the including file's folder first,
        'both_h_from_main_folder',
        // <x> never does,
        'both_h_from_inc1',
        // and the first include path wins.
        'sys_h_from_inc1',
        // A nested "x" is looked for beside the nested file.
        'sibling_h_from_sub',
        'nested_h',
        // #include_next continues after the folder the current file came from.
        'next_h_from_inc1',
        'next_h_from_inc2',
        'guarded_h',
        'once_h',
        'sys_h_from_inc1',
        'local_h_from_main_folder',
        'has_include_ok',
        'end_of_main',
      ]);
    });

    it('locates tokens in the headers and lists every file read, once, in order', () => {
      const r = fixtureRun();
      const sibling = r.tokens.find((t) => t.text === 'sibling_h_from_sub')!;
      expect(sibling.loc).to.deep.equal({ file: fixture('sub/sibling.h'), line: 1, column: 1 });
      expect(r.files.map((f) => path.relative(FIXTURES, f))).to.deep.equal([
        'main.h',
        'local.h',
        'both.h',
        'inc1/both.h',
        'inc1/sys.h',
        'sub/nested.h',
        'sub/sibling.h',
        'inc1/next.h',
        'inc2/next.h',
        'guarded.h',
        'once.h',
      ]);
    });

    it('a missing include is an error at the #include line, and preprocessing continues', () => {
      const r = preprocess(fixture('missing.h'), { includePaths: [fixture('inc1'), fixture('inc2')] });
      expect(r.tokens.map((t) => t.text)).to.deep.equal(['before', 'after']);
      expect(r.diagnostics.map((d) => `${path.relative(FIXTURES, d.loc.file)}:${d.loc.line}:${d.loc.column} ${d.severity}: ${d.message}`)).to.deep.equal([
        `missing.h:2:10 error: cannot find include file 'linux/foo.h' (searched: ${fixture('inc1')}, ${fixture('inc2')})`,
        `missing.h:3:10 error: cannot find include file 'nothere.h' (searched: ${FIXTURES.replace(/\/$/, '')}, ${fixture('inc1')}, ${fixture('inc2')})`,
      ]);
      expect(r.diagnostics[0]!.code).to.equal('cpp-include-not-found');
      expect(r.diagnostics[0]!.loc.endColumn).to.equal(23);
    });

    it('with no include paths the message says so', () => {
      expect(diags('#include <x.h>')).to.deep.equal(["main.h:1:10 error: cannot find include file 'x.h' (searched: no include paths given)"]);
    });

    it('#include MACRO, in both forms', () => {
      const files = { 'main.h': '#define Q "a.h"\n#define A <b.h>\n#define MK(n) <n.h>\n#include Q\n#include A\n#include MK(c)', 'a.h': 'a', 'inc/b.h': 'b', 'inc/c.h': 'c' };
      expect(join(run(files, { includePaths: [path.join(ROOT, 'inc')] }))).to.equal('a b c');
    });

    it('include paths may be relative; locations keep their spelling', () => {
      const r = preprocess(path.relative(process.cwd(), fixture('main.h')), {
        includePaths: [path.relative(process.cwd(), fixture('inc1')), path.relative(process.cwd(), fixture('inc2'))],
      });
      expect(r.diagnostics).to.deep.equal([]);
      expect(r.tokens.find((t) => t.text === 'sys_h_from_inc1')!.loc.file).to.equal(path.join(path.relative(process.cwd(), fixture('inc1')), 'sys.h'));
    });

    it('an absolute path is used as it is', () => {
      expect(join(run({ 'main.h': `#include "${path.join(ROOT, 'x/abs.h')}"`, 'x/abs.h': 'abs' }))).to.equal('abs');
    });

    it('a directory where a header is looked for is skipped', () => {
      const r = preprocess(path.join(FIXTURES, 'main.h'), { includePaths: [FIXTURES, path.join(FIXTURES, 'inc1'), path.join(FIXTURES, 'inc2')] });
      expect(r.diagnostics).to.deep.equal([]);
    });
  });

  describe('diagnostics', () => {
    it('conditionals out of balance', () => {
      expect(diags('#endif\n#else\n#elif 1\nx')).to.deep.equal([
        'main.h:1:1 error: #endif without #if',
        'main.h:2:1 error: #else without #if',
        'main.h:3:1 error: #elif without #if',
      ]);
      expect(diags('#if 1\n#else\n#else\n#elif 1\n#endif')).to.deep.equal(['main.h:3:1 error: #else after #else', 'main.h:4:1 error: #elif after #else']);
    });

    it('an unterminated #if is reported where it starts, per file', () => {
      expect(diags({ 'main.h': '#include "a.h"\nx\n#endif', 'a.h': 'a\n  #ifndef X\n#if 1\n' })).to.deep.equal([
        'a.h:2:3 error: unterminated #ifndef: no matching #endif in this file',
        'a.h:3:1 error: unterminated #if: no matching #endif in this file',
        'main.h:3:1 error: #endif without #if',
      ]);
    });

    it('#error and #warning carry their text', () => {
      const r = run({ 'main.h': '#warning "careful" here\n  #error This driver needs CONFIG_PCI, don\'t build it\n#error\nafter' });
      expect(r.diagnostics.map((d) => `${brief(d)} [${d.code}]`)).to.deep.equal([
        'main.h:1:1 warning: #warning "careful" here [cpp-warning-directive]',
        "main.h:2:3 error: #error This driver needs CONFIG_PCI, don't build it [cpp-error-directive]",
        'main.h:3:1 error: #error [cpp-error-directive]',
      ]);
      expect(join(r)).to.equal('after');
    });

    it('#if expression errors, with the group skipped', () => {
      expect(diags('#if 1 / 0\nx\n#endif\n#if\n#endif\n#if (1\n#endif\n#if 1 +\n#endif')).to.deep.equal([
        'main.h:1:7 error: division by zero in #if',
        'main.h:4:4 error: #if with no expression',
        "main.h:6:7 error: missing ')' in expression",
        "main.h:8:8 error: operator '+' has no right operand",
      ]);
      expect(pp('#if 1 / 0\nx\n#else\ny\n#endif')).to.equal('y');
    });

    it('bad uses of defined', () => {
      expect(diags('#if defined\n#endif\n#if defined(\n#endif\n#if defined(X\n#endif')).to.deep.equal([
        'main.h:1:5 error: operator "defined" requires an identifier',
        'main.h:3:5 error: operator "defined" requires an identifier',
        'main.h:5:13 error: missing \')\' after "defined"',
      ]);
    });

    it('invalid directives', () => {
      expect(diags('#foo bar\n# "x"\n#\n#ident "v1"')).to.deep.equal(['main.h:1:2 error: invalid preprocessing directive #foo', 'main.h:2:3 error: invalid preprocessing directive #"x"']);
    });

    it('bad #define lines', () => {
      expect(
        diags(
          [
            '#define',
            '#define 3 x',
            '#define defined 1',
            '#define f(a, a) a',
            '#define g(a b) a',
            '#define h(a',
            '#define i(...) #',
            '#define j(x) #y',
            '#define k ## x',
            '#define l x ##',
            '#define m(__VA_ARGS__) x',
            '#define n(a, ..., b) x',
            '#define o __VA_ARGS__',
          ].join('\n'),
        ),
      ).to.deep.equal([
        'main.h:1:2 error: no macro name given in #define directive',
        'main.h:2:9 error: macro names must be identifiers',
        'main.h:3:9 error: "defined" cannot be used as a macro name',
        'main.h:4:14 error: duplicate macro parameter "a"',
        'main.h:5:13 error: expected \',\' or \')\', found "b"',
        "main.h:6:11 error: missing ')' in macro parameter list",
        "main.h:7:16 error: '#' is not followed by a macro parameter",
        "main.h:8:14 error: '#' is not followed by a macro parameter",
        "main.h:9:11 error: '##' cannot appear at either end of a macro expansion",
        "main.h:10:13 error: '##' cannot appear at either end of a macro expansion",
        'main.h:11:11 error: __VA_ARGS__ can only appear in the expansion of a variadic macro',
        'main.h:12:17 error: missing \')\' after "..."',
        'main.h:13:11 warning: __VA_ARGS__ can only appear in the expansion of a variadic macro',
      ]);
    });

    it('a # in an object-like macro is an ordinary token', () => {
      expect(pp('#define H # x\nH')).to.equal('# x');
    });

    it('wrong argument counts leave the name unexpanded', () => {
      const r = run({ 'main.h': '#define f(a, b) a b\n#define g() x\nf(1) g(2) f(1, 2, 3) done' });
      expect(r.diagnostics.map(brief)).to.deep.equal([
        'main.h:3:1 error: macro "f" requires 2 arguments, but only 1 given',
        'main.h:3:6 error: macro "g" passed 1 arguments, but takes just 0',
        'main.h:3:11 error: macro "f" passed 3 arguments, but takes just 2',
      ]);
      expect(join(r)).to.equal('f g f done');
    });

    it('an argument list that never closes', () => {
      expect(diags({ 'main.h': '#define f(x) x\n#include "a.h"\n)', 'a.h': 'f(1, (2)' })).to.deep.equal(['a.h:1:1 error: unterminated argument list invoking macro "f"']);
    });

    it('#include inside macro arguments is refused', () => {
      expect(diags({ 'main.h': '#define f(x) x\nf(\n#include "a.h"\n)', 'a.h': 'a' })).to.deep.equal([
        'main.h:3:10 error: #include inside the arguments of a macro invocation is not supported',
      ]);
    });

    it('bad #include lines', () => {
      expect(diags('#include\n#include <a.h\n#include foo\n#include ""\n#include "a.h" junk\n#include <a.h> junk', { includePaths: [ROOT] })).to.deep.equal([
        'main.h:1:2 error: #include expects "FILENAME" or <FILENAME>',
        'main.h:2:10 error: missing terminating > character',
        'main.h:3:10 error: #include expects "FILENAME" or <FILENAME>',
        'main.h:4:10 error: empty filename in #include',
        'main.h:5:16 warning: extra tokens at end of #include directive',
        "main.h:5:10 error: cannot find include file 'a.h' (searched: /virtual-cpp, /virtual-cpp)",
        'main.h:6:16 warning: extra tokens at end of #include directive',
        "main.h:6:10 error: cannot find include file 'a.h' (searched: /virtual-cpp)",
      ]);
    });

    it('bad #line lines', () => {
      expect(diags('#line\n#line x\n#line 5 foo\n#line 5 "f" 2')).to.deep.equal([
        'main.h:1:1 error: "" after #line is not a positive integer',
        'main.h:2:7 error: "x" after #line is not a positive integer',
        'main.h:3:9 error: invalid filename "foo" in #line directive',
        'main.h:4:13 warning: extra tokens at end of #line directive',
      ]);
    });

    it('extra tokens after #else, #endif, #ifdef, #undef are warnings', () => {
      expect(diags('#define X\n#ifdef X Y\n#else X\n#endif X\n#undef X Y')).to.deep.equal([
        'main.h:2:10 warning: extra tokens at end of #ifdef directive',
        'main.h:3:7 warning: extra tokens at end of #else directive',
        'main.h:4:8 warning: extra tokens at end of #endif directive',
        'main.h:5:10 warning: extra tokens at end of #undef directive',
      ]);
    });

    it('unterminated literals are errors in active code only', () => {
      expect(diags("#if 0\ndon't\n#endif\nit's\n#define Q \"abc\n#error don't")).to.deep.equal([
        "main.h:4:3 error: missing terminating ' character",
        'main.h:5:11 error: missing terminating " character',
        "main.h:6:1 error: #error don't",
      ]);
    });

    it('an unterminated comment', () => {
      expect(diags('a /* b\n\nc')).to.deep.equal(["main.h:1:3 error: unterminated comment: '/*' is never closed with '*/'"]);
    });

    it('a main file that cannot be read', () => {
      const r = run({}, { main: 'none.h' });
      expect(r.diagnostics.map(brief)).to.deep.equal(["none.h:1:1 error: cannot read file '/virtual-cpp/none.h'"]);
      expect(r.tokens).to.deep.equal([]);
      expect(r.files).to.deep.equal([]);
    });

    it('diagnostics carry a stable code and a span', () => {
      const d = run({ 'main.h': '\n   #include <nope.h>' }).diagnostics[0]!;
      expect(d).to.deep.include({ severity: 'error', code: 'cpp-include-not-found' });
      expect(d.loc).to.deep.equal({ file: path.join(ROOT, 'main.h'), line: 2, column: 13, offset: 13, endOffset: 21, endLine: 2, endColumn: 21 });
    });
  });

  describe('robustness', () => {
    it('a header including itself stops at 200 levels with one error', () => {
      const r = run({ 'self.h': '#include "self.h"\nx' });
      expect(r.diagnostics.map(brief)).to.deep.equal(['self.h:1:10 error: #include nested too deeply (more than 200 levels); is a header including itself?']);
      expect(r.tokens).to.have.length(200);
    });

    it('a header including itself twice is stopped by the include count', () => {
      const r = run({ 'self.h': '#include "self.h"\n#include "self.h"\n' }, { limits: { maxIncludes: 2000 } });
      expect(r.diagnostics.map((d) => d.code)).to.deep.equal(['cpp-include-depth', 'cpp-too-many-includes']);
    });

    it('an exponential macro is cut off by the token limit', () => {
      let src = '#define a0 x\n';
      for (let i = 1; i <= 60; i++) src += `#define a${i} a${i - 1} a${i - 1}\n`;
      const r = run({ 'main.h': src + 'a60\n' }, { limits: { maxTokens: 100_000 } });
      expect(r.diagnostics.map(brief)).to.deep.equal([
        'main.h:62:1 error: macro expansion produced more than 100000 tokens; preprocessing stopped (runaway or exponential macro?)',
      ]);
      expect(r.tokens.length).to.be.below(100_000);
    });

    it('an exponential macro hidden in an argument is cut off too', () => {
      let src = '#define a0 x\n';
      for (let i = 1; i <= 60; i++) src += `#define a${i} a${i - 1} a${i - 1}\n`;
      src += '#define DROP(...)\n#define F(x) DROP(x)\nF(a60) after\n';
      const r = run({ 'main.h': src }, { limits: { maxTokens: 100_000 } });
      expect(r.diagnostics.map((d) => d.code)).to.deep.equal(['cpp-too-many-tokens']);
    });

    it('the default token limit holds against 2^60 tokens', function () {
      this.timeout(60_000);
      let src = '#define a0 x\n';
      for (let i = 1; i <= 60; i++) src += `#define a${i} a${i - 1} a${i - 1}\n`;
      const r = run({ 'main.h': src + 'a60\n' });
      expect(r.diagnostics.map((d) => d.code)).to.deep.equal(['cpp-too-many-tokens']);
    });

    it('macro invocations nested deeply in arguments stop with an error', () => {
      const src = '#define F(x) x\n' + 'F('.repeat(5000) + '1' + ')'.repeat(5000) + '\n';
      const r = run({ 'main.h': src }, { limits: { maxArgNesting: 50 } });
      expect(r.diagnostics.map(brief)).to.deep.equal([
        'main.h:2:101 error: macro invocations nested too deeply in macro arguments (more than 50 levels); preprocessing stopped',
      ]);
    });

    it('deep nesting at the default limits neither overflows the stack nor hangs', function () {
      this.timeout(60_000);
      const src = '#define F(x) x\n' + 'F('.repeat(20_000) + '1' + ')'.repeat(20_000) + '\n';
      const r = run({ 'main.h': src });
      expect(r.diagnostics.map((d) => d.code)).to.have.length(1);
      const parens = '#define G(x) x\nG(' + '('.repeat(100_000) + ')'.repeat(100_000) + ')\n';
      expect(run({ 'main.h': parens }).tokens).to.have.length(200_000);
    });

    it('a deeply nested #if expression is an error, not a stack overflow', () => {
      const r = run({ 'main.h': '#if ' + '('.repeat(100_000) + '1' + ')'.repeat(100_000) + '\nx\n#endif\n#if ' + '- '.repeat(100_000) + '1\n#endif' });
      expect(r.diagnostics.map((d) => d.message)).to.deep.equal(['#if expression nested too deeply (more than 256 levels)', '#if expression nested too deeply (more than 256 levels)']);
    });

    it('thousands of nested #ifs are fine', () => {
      const n = 5000;
      expect(pp('#if 1\n'.repeat(n) + 'x\n' + '#endif\n'.repeat(n))).to.equal('x');
      expect(pp('#if 0\n'.repeat(n) + 'x\n' + '#endif\n'.repeat(n) + 'y')).to.equal('y');
    });
  });
});
