// Already-preprocessed input (.i files, `--cpp "gcc -E"`): linemarkers must take every token back
// to the header line it was written on. GCC also serves as the oracle for the built-in
// preprocessor on a set of tricky inputs.
import { expect } from 'chai';
import { execFileSync, spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { lexC } from '../../compiler/lower/c-lexer.js';
import { runExternalCpp, tokenizePreprocessed } from '../../compiler/lower/external-cpp.js';
import { preprocess } from '../../compiler/lower/preprocessor.js';

const FIXTURES = fileURLToPath(new URL('../../../test/lower/fixtures/cpp/', import.meta.url));

const HAVE_GCC = spawnSync('gcc', ['--version']).status === 0;

function where(t: { text: string; loc: { file: string; line: number; column: number } }): string {
  return `${t.text}@${t.loc.file}:${t.loc.line}:${t.loc.column}`;
}

describe('preprocessed input', () => {
  describe('tokenizePreprocessed', () => {
    const I = [
      '# 0 "drv.c"',
      '# 0 "<built-in>"',
      '# 0 "<command-line>"',
      '# 1 "drv.c"',
      '# 1 "/usr/include/linux/types.h" 1 3',
      'typedef unsigned int u32;',
      '',
      '# 5 "/usr/include/linux/types.h" 3',
      '  typedef u32 __le32;',
      '# 2 "drv.c" 2',
      'struct s { u32 a; };',
      '#pragma pack(1)',
      '#line 40 "other.h"',
      'int x;',
      '#ident "x"',
      '#define LEFTOVER 1',
      'int y;',
      '# 10',
      'z',
    ].join('\n');

    it('locates every token at its original file and line', () => {
      const r = tokenizePreprocessed(I, 'drv.i');
      expect(r.diagnostics).to.deep.equal([]);
      expect(r.tokens.map(where)).to.deep.equal([
        'typedef@/usr/include/linux/types.h:1:1',
        'unsigned@/usr/include/linux/types.h:1:9',
        'int@/usr/include/linux/types.h:1:18',
        'u32@/usr/include/linux/types.h:1:22',
        ';@/usr/include/linux/types.h:1:25',
        'typedef@/usr/include/linux/types.h:5:3',
        'u32@/usr/include/linux/types.h:5:11',
        '__le32@/usr/include/linux/types.h:5:15',
        ';@/usr/include/linux/types.h:5:21',
        'struct@drv.c:2:1',
        's@drv.c:2:8',
        '{@drv.c:2:10',
        'u32@drv.c:2:12',
        'a@drv.c:2:16',
        ';@drv.c:2:17',
        '}@drv.c:2:19',
        ';@drv.c:2:20',
        // #pragma gone; #line works like a linemarker
        'int@other.h:40:1',
        'x@other.h:40:5',
        ';@other.h:40:6',
        // #ident and #define lines are dropped but still count as lines
        'int@other.h:43:1',
        'y@other.h:43:5',
        ';@other.h:43:6',
        // a linemarker without a file name keeps the file
        'z@other.h:10:1',
      ]);
    });

    it('tokens before any linemarker belong to the given file', () => {
      expect(tokenizePreprocessed('a\n\nb', 'x.i').tokens.map(where)).to.deep.equal(['a@x.i:1:1', 'b@x.i:3:1']);
    });

    it('undoes GCC’s escapes in file names', () => {
      const r = tokenizePreprocessed('# 3 "C:\\\\drv\\\\a \\"b\\".h"\nx\n# 1 "\\303\\251.h"\ny', 'x.i');
      expect(r.tokens.map(where)).to.deep.equal(['x@C:\\drv\\a "b".h:3:1', 'y@é.h:1:1']);
    });

    it('gives all tokens of one file the same file name string', () => {
      const r = tokenizePreprocessed('# 1 "a.h"\nx\n# 1 "b.h"\ny\n# 5 "a.h"\nz', 'x.i');
      expect(r.tokens[0]!.loc.file).to.equal(r.tokens[2]!.loc.file);
    });

    it('reports malformed literals at their original place', () => {
      const r = tokenizePreprocessed('# 7 "h.h"\nchar *s = "abc;\n', 'x.i');
      expect(r.diagnostics.map((d) => `${d.loc.file}:${d.loc.line}:${d.loc.column} ${d.message}`)).to.deep.equal(['h.h:7:11 missing terminating " character']);
    });

    it('a linemarker on the last line, and a lone #, are harmless', () => {
      expect(tokenizePreprocessed('a\n#\n# 5 "x.h"', 'x.i').tokens.map(where)).to.deep.equal(['a@x.i:1:1']);
    });

    // Timings belong to `npm run bench`; this only shows a kbuild-sized file goes through whole.
    it('handles a kbuild-sized file (80,000 lines)', function () {
      this.timeout(20_000);
      const lines: string[] = [];
      for (let i = 0; i < 4000; i++) {
        lines.push(`# ${i + 1} "/usr/src/linux-headers/include/linux/header${i % 700}.h" 1`);
        for (let j = 0; j < 19; j++) {
          lines.push(`\tstruct device *dev_${j} __attribute__((aligned(8))); /* c */`);
        }
      }
      const r = tokenizePreprocessed(lines.join('\n'), 'big.i');
      expect(r.tokens).to.have.length(4000 * 19 * 14);
      expect(r.tokens[r.tokens.length - 1]!.loc).to.deep.equal({ file: '/usr/src/linux-headers/include/linux/header499.h', line: 4018, column: 51 });
    });
  });

  describe('runExternalCpp', function () {
    before(function () {
      if (!HAVE_GCC) this.skip();
    });

    it('runs the command with -I, -D and -D__MDIDL__, and maps tokens back to the headers', () => {
      const r = runExternalCpp('gcc -E', path.join(FIXTURES, 'gcc-locs.h'), { includePaths: [path.join(FIXTURES, 'inc2')], defines: { N: '3' } });
      expect(r.diagnostics).to.deep.equal([]);
      const shown = r.tokens.map((t) => `${t.text}@${path.relative(FIXTURES, t.loc.file)}:${t.loc.line}`);
      expect(shown).to.deep.equal([
        'struct@gcc-locs-inner.h:4',
        'inner@gcc-locs-inner.h:4',
        '{@gcc-locs-inner.h:4',
        'long@gcc-locs-inner.h:5',
        'x@gcc-locs-inner.h:5',
        ';@gcc-locs-inner.h:5',
        '}@gcc-locs-inner.h:6',
        ';@gcc-locs-inner.h:6',
        'typedef@inc2/gcc-locs-sys.h:1',
        'int@inc2/gcc-locs-sys.h:1',
        'sys_t@inc2/gcc-locs-sys.h:1',
        ';@inc2/gcc-locs-sys.h:1',
        'struct@gcc-locs.h:6',
        'outer@gcc-locs.h:6',
        '{@gcc-locs.h:6',
        'int@gcc-locs.h:7',
        'a@gcc-locs.h:7',
        ';@gcc-locs.h:7',
        'struct@gcc-locs.h:8',
        'inner@gcc-locs.h:8',
        'in@gcc-locs.h:8',
        ';@gcc-locs.h:8',
        'char@gcc-locs.h:9',
        'name@gcc-locs.h:9',
        '[@gcc-locs.h:9',
        '3@gcc-locs.h:9',
        ']@gcc-locs.h:9',
        ';@gcc-locs.h:9',
        '}@gcc-locs.h:10',
        ';@gcc-locs.h:10',
        'int@gcc-locs.h:12',
        'mdidl_seen@gcc-locs.h:12',
        ';@gcc-locs.h:12',
      ]);
    });

    it('agrees with the built-in preprocessor on the same header', () => {
      const file = path.join(FIXTURES, 'gcc-locs.h');
      const opts = { includePaths: [path.join(FIXTURES, 'inc2')], defines: { N: '3' } };
      const ext = runExternalCpp('gcc -E', file, opts);
      const own = preprocess(file, opts);
      expect(own.diagnostics).to.deep.equal([]);
      expect(own.tokens.map((t) => `${t.text}@${path.resolve(t.loc.file)}:${t.loc.line}`)).to.deep.equal(
        ext.tokens.map((t) => `${t.text}@${path.resolve(t.loc.file)}:${t.loc.line}`),
      );
    });

    it('a failing command is one error carrying its stderr', () => {
      const r = runExternalCpp('gcc -E', path.join(FIXTURES, 'nonexistent-header.h'), { includePaths: [] });
      expect(r.tokens).to.deep.equal([]);
      expect(r.diagnostics).to.have.length(1);
      expect(r.diagnostics[0]!).to.deep.include({ severity: 'error', code: 'cpp-external-failed' });
      expect(r.diagnostics[0]!.message).to.match(/^preprocessor 'gcc -E' exited with status \d+:\n/);
      expect(r.diagnostics[0]!.message).to.contain('nonexistent-header.h');
    });

    it('a missing header fails the command', () => {
      const r = runExternalCpp('gcc -E', path.join(FIXTURES, 'missing.h'), { includePaths: [] });
      expect(r.diagnostics.map((d) => d.code)).to.deep.equal(['cpp-external-failed']);
      expect(r.diagnostics[0]!.message).to.contain('linux/foo.h');
    });

    it('a command that does not exist', () => {
      const r = runExternalCpp('mdidl-no-such-cpp-command', path.join(FIXTURES, 'gcc-locs.h'), { includePaths: [] });
      expect(r.diagnostics.map((d) => d.code)).to.deep.equal(['cpp-external-failed']);
      expect(r.diagnostics[0]!.message).to.contain('exited with status 127');
    });

    it('quotes paths and values for the shell', () => {
      const r = runExternalCpp('gcc -E', path.join(FIXTURES, 'gcc-locs.h'), { includePaths: [path.join(FIXTURES, 'inc2')], defines: { N: "sizeof(\"it's $HOME\")" } });
      expect(r.diagnostics).to.deep.equal([]);
      expect(r.tokens.map((t) => t.text).join(' ')).to.contain('char name [ sizeof ( "it\'s $HOME" ) ]');
    });
  });

  describe('the built-in preprocessor agrees with gcc -E', function () {
    before(function () {
      if (!HAVE_GCC) this.skip();
    });

    // Inputs where preprocessors are known to differ; each is compared token for token.
    const CASES: Record<string, string> = {
      'recursion and painting': [
        '#define foo a foo',
        '#define id(x) x',
        'foo id(foo) id(id(foo))',
        '#define f(a) a*g',
        '#define g(a) f(a)',
        'f(2)(9)',
        '#define m() m',
        'm()()',
        '#define AA BB',
        '#define BB AA',
        'AA BB',
        '#define r(x) x r',
        'r(1)(2)(3)',
        '#define LP (',
        '#define h(x) [x]',
        'h LP 1) h',
        '(2)',
        '#define q(x) x',
        '#define s q',
        's(s)(1)',
        '#define ap(f, x) f(x)',
        'ap(ap, ap)(q, 3)',
      ].join('\n'),
      'stringify and paste': [
        '#define str(x) #x',
        '#define xstr(x) str(x)',
        '#define cat(a, b) a ## b',
        '#define xcat(a, b) cat(a, b)',
        'str( a  +  b ) str("\\n" \'\\0\') str(@ \\ $) str(  ) xstr(cat(1, 2)) xcat(x, xcat(y, z))',
        'cat(, ) cat(a, ) cat(, b) cat(1, .5e+3) cat(-, =) cat(%:, %:)',
        '#define t(x,y,z) x ## y ## z',
        't(1,2,3) t(,4,5) t(6,,7) t(8,9,) t(10,,) t(,11,) t(,,12) t(,,)',
        '#define hash_hash # ## #',
        '#define mkstr(a) # a',
        '#define in_between(a) mkstr(a)',
        '#define join(c, d) in_between(c hash_hash d)',
        'join(x, y)',
        '#define F(x) [x]',
        '#define G(x) str(F(x))',
        'G( y ) G(a   b)',
      ].join('\n'),
      variadic: [
        '#define E(...) a , ## __VA_ARGS__ z',
        'E() E(1) E(,) E((1,2))',
        '#define N(x, args...) b , ## args z',
        'N(1) N(1,) N(1,2) N(1,2,3)',
        '#define V(x,...) c , ## __VA_ARGS__ z',
        'V(1) V(1,) V(1,2)',
        '#define S(...) #__VA_ARGS__',
        'S() S(a,b,  c) S( a , b )',
        '#define W(fmt, ...) w(fmt, __VA_ARGS__)',
        'W(1) W(1, 2) W(1, (2, 3), 4)',
        '#define O(a, ...) f(a __VA_OPT__(,) __VA_ARGS__)',
        'O(1) O(1,) O(1, 2) O(1, 2, 3)',
        '#define EMP',
        '#define P(X, ...) [X __VA_OPT__(- X ## __VA_ARGS__ -) #__VA_OPT__(X  Y)]',
        'P(a) P(a, b) P(a, EMP) P(a, EMP b)',
        '#define J(a, ...) a ## __VA_OPT__(b c) ## d',
        'J(1) J(1, 2)',
      ].join('\n'),
      conditionals: [
        '#define V 3',
        '#if V == 1',
        'one',
        '#elif V > 2 && defined(V) && !defined UNDEF',
        'two',
        '#else',
        'three',
        '#endif',
        '#if (-1 >> 1) == -1 && -1 > 0u && (1 ? -1 : 0u) > 0 && \'\\377\' < 0 && 0x7fffffffffffffff + 0 > 0',
        'arith',
        '#endif',
        '#define D defined(V)',
        '#if D',
        'expansion_to_defined',
        '#endif',
        '#if 0',
        "#error don't",
        '#elif 1',
        'elif',
        '#elif 1/0',
        '#endif',
      ].join('\n'),
      'lines and spacing': [
        '#define L __LINE__',
        '#define id(x) x',
        'L id(',
        '__LINE__) id(',
        'L)',
        '#define f(a, b) a + b',
        'f(1,',
        '  2',
        ')',
        '__LINE__',
        '#line 100',
        '__LINE__',
      ].join('\n'),
    };

    for (const [name, src] of Object.entries(CASES)) {
      it(name, () => {
        const gcc = execFileSync('gcc', ['-E', '-P', '-undef', '-std=gnu11', '-x', 'c', '-'], { input: src, encoding: 'utf8', stdio: ['pipe', 'pipe', 'ignore'] });
        const want = lexC(gcc, 'gcc').tokens.map((t) => t.text);
        const got = preprocess('/virtual/t.h', { includePaths: [], readFile: () => src });
        expect(got.diagnostics.filter((d) => d.severity === 'error')).to.deep.equal([]);
        expect(got.tokens.map((t) => t.text)).to.deep.equal(want);
      });
    }

    it('on random macro programs', function () {
      this.timeout(120_000);
      // Six macros with random parameters and bodies (#, ##, GNU commas, __VA_OPT__, each other's
      // names), then a line using them; programs gcc rejects are not compared.
      let seed = 20240601;
      const rnd = (n: number): number => {
        seed = (seed + 0x6d2b79f5) | 0;
        let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
        t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
        return Math.floor((((t ^ (t >>> 14)) >>> 0) / 4294967296) * n);
      };
      const pick = <T>(a: readonly T[]): T => a[rnd(a.length)]!;
      const NAMES = ['A', 'B', 'C', 'D', 'E', 'F'];
      const program = (): string => {
        const lines: string[] = [];
        for (const name of NAMES) {
          const fn = rnd(4) > 0;
          const params = fn ? ['x', 'y', 'z'].slice(0, rnd(3)) : [];
          const variadic = fn && rnd(3) === 0;
          const usable = [...params, ...(variadic ? ['__VA_ARGS__'] : [])];
          const body: string[] = [];
          const len = rnd(7);
          for (let i = 0; i < len; i++) {
            const r = rnd(12);
            if (r < 3 && usable.length) body.push(pick(usable));
            else if (r < 5) body.push(pick(NAMES));
            else if (r === 5 && usable.length) body.push('#' + pick(usable));
            else if (r === 6 && body.length && i < len - 1) body.push('##');
            else if (r === 7) body.push(pick(['(', ')', ',']));
            else if (r === 8 && variadic) body.push(pick([', ## __VA_ARGS__', '__VA_OPT__(,)', '__VA_OPT__(q ## __VA_ARGS__)']));
            else body.push(pick(['1', 'q', '+', '"s"', "'c'", 'w']));
          }
          const head = fn ? `${name}(${[...params, ...(variadic ? ['...'] : [])].join(', ')})` : name;
          lines.push(`#define ${head} ${body.join(' ')}`);
        }
        const use: string[] = [];
        for (let i = 0; i < 12; i++) use.push(pick([...NAMES, ...NAMES, '(', ')', ',', '1', 'q', '\n', 'A(', 'B(1)', 'C(1, 2)', 'D()']));
        lines.push(use.join(' '));
        return lines.join('\n') + '\n';
      };
      let compared = 0;
      for (let i = 0; i < 200; i++) {
        const src = program();
        const gcc = spawnSync('gcc', ['-E', '-P', '-undef', '-std=gnu11', '-x', 'c', '-'], { input: src, encoding: 'utf8' });
        if (gcc.status !== 0 || gcc.stderr.includes('error')) continue;
        const got = preprocess('/virtual/t.h', { includePaths: [], readFile: () => src });
        expect(got.diagnostics.filter((d) => d.severity === 'error'), src).to.deep.equal([]);
        expect(got.tokens.map((t) => t.text).join(' '), src).to.equal(lexC(gcc.stdout, 'gcc').tokens.map((t) => t.text).join(' '));
        compared++;
      }
      expect(compared).to.be.above(30);
    });
  });
});
