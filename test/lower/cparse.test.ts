// The GNU C declaration parser, one construct at a time; expected shapes are worked out by hand
// from the C declaration syntax (the declarator reads inside-out).
import { expect } from 'chai';
import { parseC } from '../../compiler/lower/c-parser.js';
import type { CDecl, CTranslationUnit } from '../../compiler/lower/c-ast.js';
import { arr, attr, base, ctok, enumRef, fn, member, param, ptr, recDef, recRef, recType, shape, tdef } from './ctokens.js';

/** Parses `src`, requiring no diagnostics. */
export function unitOf(src: string): CTranslationUnit {
  const r = parseC(ctok(src));
  expect(r.diagnostics.map((d) => `${d.loc.line}:${d.loc.column} ${d.code}: ${d.message}`), src).to.deep.equal([]);
  return r.unit;
}

/** The declarations of `src`, as shapes. */
function declsOf(src: string): unknown[] {
  return unitOf(src).decls.map(shape);
}

function onlyDecl(src: string): unknown {
  const ds = declsOf(src);
  expect(ds, src).to.have.length(1);
  return ds[0];
}

/** The type of the single declaration in `src`. */
function typeOf(src: string): unknown {
  return (onlyDecl(src) as { type: unknown }).type;
}

const INT = base('int');
const CHAR = base('char');
const VOID = base('void');

const typedef = (name: string, type: unknown, attrs: unknown[] = []) => ({ kind: 'typedef', name, type, attrs });
const variable = (name: string, type: unknown, storage: string[] = [], attrs: unknown[] = []) => ({ kind: 'variable', name, type, storage, attrs });
const func = (name: string, type: unknown, o: { storage?: string[]; inline?: boolean; hasBody?: boolean; attrs?: unknown[] } = {}) => ({
  kind: 'function',
  name,
  type,
  storage: o.storage ?? [],
  inline: o.inline ?? false,
  hasBody: o.hasBody ?? false,
  attrs: o.attrs ?? [],
});
const tag = (type: unknown) => ({ kind: 'tag', type });

describe('C parser: typedefs', () => {
  it('a plain typedef, and the name is then a type', () => {
    expect(declsOf('typedef unsigned int u32; u32 x;')).to.deep.equal([typedef('u32', base('unsigned int')), variable('x', tdef('u32'))]);
  });

  it('`foo_t * x;` is a declaration once foo_t is a typedef', () => {
    expect(declsOf('typedef struct foo foo_t; foo_t * x;')).to.deep.equal([
      typedef('foo_t', recRef('struct', 'foo')),
      variable('x', ptr(tdef('foo_t'))),
    ]);
  });

  it('a typedef of an anonymous struct', () => {
    expect(onlyDecl('typedef struct { int a; char *b; } name_t;')).to.deep.equal(
      typedef('name_t', recType('struct', null, [member('a', INT), member('b', ptr(CHAR))])),
    );
  });

  it('a function-pointer typedef: `typedef int (*fn_t)(int);`', () => {
    expect(onlyDecl('typedef int (*fn_t)(int);')).to.deep.equal(typedef('fn_t', ptr(fn(INT, [[null, INT]]))));
  });

  it('a function-type typedef: `typedef int fn2_t(int);`', () => {
    expect(onlyDecl('typedef int fn2_t(int x);')).to.deep.equal(typedef('fn2_t', fn(INT, [['x', INT]])));
  });

  it('an array typedef', () => {
    expect(onlyDecl('typedef unsigned char mac_t[6];')).to.deep.equal(typedef('mac_t', arr(base('unsigned char'), ['6'])));
  });

  it('several declarators share the specifiers: `typedef int a, *b;`', () => {
    expect(declsOf('typedef int a, *b, c[2];')).to.deep.equal([typedef('a', INT), typedef('b', ptr(INT)), typedef('c', arr(INT, ['2']))]);
  });

  it('a typedef of a typedef, with qualifiers', () => {
    expect(declsOf('typedef int s32; typedef const s32 cs32;')[1]).to.deep.equal(typedef('cs32', tdef('s32', 'const')));
  });

  it('a typedef name after a type specifier is a declarator name (member `u32 u32;`)', () => {
    const u = unitOf('typedef unsigned int u32; struct s { u32 u32; unsigned u32b; long u32 : 3; };');
    expect(shape(u.records.get('s')!.members)).to.deep.equal([
      member('u32', tdef('u32')),
      member('u32b', base('unsigned int')),
      member('u32', base('long'), ['3']),
    ]);
  });

  it('records the typedefs map by name', () => {
    const u = unitOf('typedef int a; typedef long b; typedef char a;');
    expect([...u.typedefs.keys()]).to.deep.equal(['a', 'b']);
    expect(shape(u.typedefs.get('a'))).to.deep.equal(typedef('a', CHAR));
  });

  it('__builtin_va_list is a typedef-like base', () => {
    expect(declsOf('typedef __builtin_va_list va_list; int vprintk(const char *fmt, va_list args);')).to.deep.equal([
      typedef('va_list', tdef('__builtin_va_list')),
      func('vprintk', fn(INT, [['fmt', ptr(base('char', 'const'))], ['args', tdef('va_list')]])),
    ]);
  });
});

describe('C parser: structs, unions, enums', () => {
  it('a struct definition on its own is a tag declaration and goes in the records map', () => {
    const u = unitOf('struct point { int x, y; };');
    const def = recDef('struct', 'point', [member('x', INT), member('y', INT)]);
    expect(u.decls.map(shape)).to.deep.equal([tag({ kind: 'record', record: { kind: 'struct', tag: 'point', def }, qualifiers: [] })]);
    expect(shape(u.records.get('point'))).to.deep.equal(def);
  });

  it('a forward declaration is a tag with no definition; the complete one wins in the map', () => {
    const u = unitOf('struct s; struct s { int a; }; struct s; union u;');
    expect(u.decls.map(shape)).to.deep.equal([
      tag(recRef('struct', 's')),
      tag(recType('struct', 's', [member('a', INT)])),
      tag(recRef('struct', 's')),
      tag(recRef('union', 'u')),
    ]);
    expect(shape(u.records.get('s'))).to.deep.equal(recDef('struct', 's', [member('a', INT)]));
    expect(u.records.has('u')).to.equal(false);
  });

  it('a union', () => {
    expect(shape(unitOf('union v { int i; float f; char c[4]; };').records.get('v'))).to.deep.equal(
      recDef('union', 'v', [member('i', INT), member('f', base('float')), member('c', arr(CHAR, ['4']))]),
    );
  });

  it('a struct reference with qualifiers in a declaration', () => {
    expect(typeOf('const struct s *const p;')).to.deep.equal(ptr(recRef('struct', 's', 'const'), ['const']));
  });

  it('a struct defined inside another goes in the records map, not in the members', () => {
    const u = unitOf('struct outer { struct inner { int a; } in; struct lone { int b; }; int c; };');
    expect(shape(u.records.get('outer')!.members)).to.deep.equal([
      member('in', recType('struct', 'inner', [member('a', INT)])),
      member('c', INT),
    ]);
    expect([...u.records.keys()].sort()).to.deep.equal(['inner', 'lone', 'outer']);
  });

  it('anonymous struct and union members (C11)', () => {
    const u = unitOf('struct s { union { int a; long b; }; struct { char c; }; int d; };');
    expect(shape(u.records.get('s')!.members)).to.deep.equal([
      member(null, recType('union', null, [member('a', INT), member('b', base('long'))])),
      member(null, recType('struct', null, [member('c', CHAR)])),
      member('d', INT),
    ]);
  });

  it('nested anonymous records several levels deep', () => {
    const u = unitOf('struct s { union { struct { int a; union { int b; int c; }; }; int d; }; };');
    expect(shape(u.records.get('s')!.members)).to.deep.equal([
      member(
        null,
        recType('union', null, [
          member(null, recType('struct', null, [member('a', INT), member(null, recType('union', null, [member('b', INT), member('c', INT)]))])),
          member('d', INT),
        ]),
      ),
    ]);
  });

  it('bitfields, including unnamed ones and several per declaration', () => {
    const u = unitOf('struct f { unsigned int a : 1, b : 2; int : 3; unsigned : 0; signed char c : (4 + 1); };');
    expect(shape(u.records.get('f')!.members)).to.deep.equal([
      member('a', base('unsigned int'), ['1']),
      member('b', base('unsigned int'), ['2']),
      member(null, INT, ['3']),
      member(null, base('unsigned int'), ['0']),
      member('c', base('signed char'), ['(', '4', '+', '1', ')']),
    ]);
  });

  it('an enum with values kept as tokens, forward-declared and anonymous enums', () => {
    const u = unitOf('enum e; enum e { A, B = 1 << 3, C = (int)sizeof(long), }; enum { X = B + 1 } v; enum e var;');
    const e = u.enums.get('e')!;
    expect(shape(e)).to.deep.equal({
      tag: 'e',
      members: [
        { name: 'A', value: null, attrs: [] },
        { name: 'B', value: ['1', '<<', '3'], attrs: [] },
        { name: 'C', value: ['(', 'int', ')', 'sizeof', '(', 'long', ')'], attrs: [] },
      ],
      attrs: [],
    });
    const ds = u.decls.map(shape);
    expect(ds[0]).to.deep.equal(tag(enumRef('e')));
    expect(ds[2]).to.deep.equal(
      variable('v', { kind: 'enum', enumRef: { tag: null, def: { tag: null, members: [{ name: 'X', value: ['B', '+', '1'], attrs: [] }], attrs: [] } }, qualifiers: [] }),
    );
    expect(ds[3]).to.deep.equal(variable('var', enumRef('e')));
    expect([...u.enums.keys()]).to.deep.equal(['e']);
  });

  it('_Static_assert at top level and inside a struct body is skipped', () => {
    const u = unitOf('_Static_assert(sizeof(int) == 4, "int"); struct s { int a; _Static_assert(1, "x"); int b; }; static_assert(1);');
    expect(shape(u.records.get('s')!.members)).to.deep.equal([member('a', INT), member('b', INT)]);
    expect(u.decls).to.have.length(1);
  });

  it('stray semicolons at top level and in struct bodies are accepted', () => {
    const u = unitOf(';; struct s { int a;; ; int b; };;');
    expect(shape(u.records.get('s')!.members)).to.deep.equal([member('a', INT), member('b', INT)]);
  });
});

describe('C parser: arrays and pointers', () => {
  it('a constant-expression size keeps its tokens', () => {
    expect(typeOf('char buf[(1 << 4) + sizeof(struct x)];')).to.deep.equal(arr(CHAR, ['(', '1', '<<', '4', ')', '+', 'sizeof', '(', 'struct', 'x', ')']));
  });

  it('a flexible array member has size null', () => {
    expect(shape(unitOf('struct s { int n; char data[]; };').records.get('s')!.members)).to.deep.equal([
      member('n', INT),
      member('data', arr(CHAR, null)),
    ]);
  });

  it('multi-dimensional arrays nest outermost-first: `int m[2][3]` is 2 arrays of 3 ints', () => {
    expect(typeOf('int m[2][3];')).to.deep.equal(arr(arr(INT, ['3']), ['2']));
  });

  it('array of pointers vs pointer to array', () => {
    expect(typeOf('int *a[4];')).to.deep.equal(arr(ptr(INT), ['4']));
    expect(typeOf('int (*p)[4];')).to.deep.equal(ptr(arr(INT, ['4'])));
    expect(typeOf('int (*pp)[2][3];')).to.deep.equal(ptr(arr(arr(INT, ['3']), ['2'])));
  });

  it('pointer qualifiers apply to the star they follow', () => {
    expect(typeOf('const char *volatile *restrict q;')).to.deep.equal(ptr(ptr(base('char', 'const'), ['volatile']), ['restrict']));
  });

  it('GNU spellings of qualifiers normalise', () => {
    expect(typeOf('__const__ int *__restrict__ p;')).to.deep.equal(ptr(base('int', 'const'), ['restrict']));
    expect(typeOf('int *__restrict p;')).to.deep.equal(ptr(INT, ['restrict']));
    expect(typeOf('__volatile__ unsigned long volatile __const x;')).to.deep.equal(base('unsigned long', 'volatile', 'const'));
  });

  it('array parameters with static and qualifiers', () => {
    expect(typeOf('void f(int a[static 4], int b[const]);')).to.deep.equal(fn(VOID, [['a', arr(INT, ['4'])], ['b', arr(INT, null)]]));
  });
});

describe('C parser: functions', () => {
  it('a prototype with (void)', () => {
    expect(onlyDecl('int f(void);')).to.deep.equal(func('f', fn(INT, [])));
  });

  it('a variadic prototype', () => {
    expect(onlyDecl('int printk(const char *fmt, ...);')).to.deep.equal(func('printk', fn(INT, [['fmt', ptr(base('char', 'const'))]], true)));
  });

  it('a K&R-style empty parameter list', () => {
    expect(onlyDecl('int g();')).to.deep.equal(func('g', fn(INT, [])));
  });

  it('unnamed and abstract parameters', () => {
    expect(typeOf('void f(int, char *, struct s *const, int (*)(void), int [3], long (*)[2]);')).to.deep.equal(
      fn(VOID, [
        [null, INT],
        [null, ptr(CHAR)],
        [null, ptr(recRef('struct', 's'), ['const'])],
        [null, ptr(fn(INT, []))],
        [null, arr(INT, ['3'])],
        [null, ptr(arr(base('long'), ['2']))],
      ]),
    );
  });

  it('a parameter whose type is a typedef name, and a parenthesised typedef name as a function parameter', () => {
    expect(declsOf('typedef int T; void f(T); void g(int (T)); void h(int (x));').slice(1)).to.deep.equal([
      func('f', fn(VOID, [[null, tdef('T')]])),
      func('g', fn(VOID, [[null, fn(INT, [[null, tdef('T')]])]])),
      func('h', fn(VOID, [['x', INT]])),
    ]);
  });

  it('a function-pointer member: `int (*ndo_open)(struct net_device *dev);`', () => {
    const u = unitOf('struct ops { int (*ndo_open)(struct net_device *dev); void (*ndo_uninit)(struct net_device *); };');
    expect(shape(u.records.get('ops')!.members)).to.deep.equal([
      member('ndo_open', ptr(fn(INT, [['dev', ptr(recRef('struct', 'net_device'))]]))),
      member('ndo_uninit', ptr(fn(VOID, [[null, ptr(recRef('struct', 'net_device'))]]))),
    ]);
  });

  it('a function-pointer parameter', () => {
    expect(typeOf('int request_irq(unsigned int irq, int (*handler)(int, void *), void *dev);')).to.deep.equal(
      fn(INT, [
        ['irq', base('unsigned int')],
        ['handler', ptr(fn(INT, [[null, INT], [null, ptr(VOID)]]))],
        ['dev', ptr(VOID)],
      ]),
    );
  });

  it('`void (*(*f)(int))(void)`: pointer to function(int) returning pointer to function(void)', () => {
    expect(typeOf('void (*(*f)(int))(void);')).to.deep.equal(ptr(fn(ptr(fn(VOID, [])), [[null, INT]])));
  });

  it('a function returning a pointer to an array, and one returning a function pointer', () => {
    expect(typeOf('int (*ga(void))[3];')).to.deep.equal(fn(ptr(arr(INT, ['3'])), []));
    expect(onlyDecl('void (*signal(int sig, void (*h)(int)))(int);')).to.deep.equal(
      func('signal', fn(ptr(fn(VOID, [[null, INT]])), [['sig', INT], ['h', ptr(fn(VOID, [[null, INT]]))]])),
    );
  });

  it('a parenthesised declarator name', () => {
    expect(onlyDecl('int (f)(int);')).to.deep.equal(func('f', fn(INT, [[null, INT]])));
  });

  it('storage classes and inline spellings', () => {
    expect(declsOf('static inline int a(void); extern __inline__ int b(void); __inline int c(void); static __always_inline void d(void);')).to.deep.equal([
      func('a', fn(INT, []), { storage: ['static'], inline: true }),
      func('b', fn(INT, []), { storage: ['extern'], inline: true }),
      func('c', fn(INT, []), { inline: true }),
      func('d', fn(VOID, []), { storage: ['static'], inline: true, attrs: [attr('always_inline')] }),
    ]);
    expect(declsOf('register int r; auto int au; _Thread_local int t; static __thread int s;')).to.deep.equal([
      variable('r', INT, ['register']),
      variable('au', INT, ['auto']),
      variable('t', INT, ['_Thread_local']),
      variable('s', INT, ['static', '__thread']),
    ]);
  });

  it('a function definition: the body is skipped by brace matching, braces in strings and chars are single tokens', () => {
    const src = `
      static inline int f(int x) {
        const char *s = "{{{ not a brace";
        char c = '{';
        if (x) { return '}'; } else { struct { int a; } y = { 1 }; return y.a; }
      }
      int after;`;
    expect(declsOf(src)).to.deep.equal([
      func('f', fn(INT, [['x', INT]]), { storage: ['static'], inline: true, hasBody: true }),
      variable('after', INT),
    ]);
  });

  it('a definition followed by a stray semicolon, and a definition with attributes after its parameters', () => {
    expect(declsOf('void a(void) {}; int b(void) __attribute__((cold)) { return 0; } int c;')).to.deep.equal([
      func('a', fn(VOID, []), { hasBody: true }),
      func('b', fn(INT, []), { hasBody: true, attrs: [attr('cold')] }),
      variable('c', INT),
    ]);
  });

  it('a definition does not leak typedefs or declarations from its body', () => {
    const r = parseC(ctok('void f(void) { typedef int inner_t; int y; } inner_t z;'));
    expect(r.unit.decls.map((d) => d.kind)).to.deep.equal(['function', 'variable']);
    expect(r.diagnostics.map((d) => `${d.loc.column} ${d.message}`)).to.deep.equal(["46 unknown type name 'inner_t'"]);
  });
});

describe('C parser: variables and initializers', () => {
  it('initializers are skipped up to the next declarator', () => {
    const src = 'static const int a = 1 + 2, b[] = { 1, 2, [3] = 4 }, *c = (int *)0, d = f(1, 2);';
    expect(declsOf(src)).to.deep.equal([
      variable('a', base('int', 'const'), ['static']),
      variable('b', arr(base('int', 'const'), null), ['static']),
      variable('c', ptr(base('int', 'const')), ['static']),
      variable('d', base('int', 'const'), ['static']),
    ]);
  });

  it('designated struct initializers and statement expressions', () => {
    expect(declsOf('struct ops o = { .open = my_open, .close = ({ int q = 1; q; }), }; int x;')).to.deep.equal([
      variable('o', recRef('struct', 'ops')),
      variable('x', INT),
    ]);
  });

  it('a struct defined in a variable declaration', () => {
    expect(onlyDecl('struct { int a; } anon_var, *anon_ptr;'.replace(', *anon_ptr', ''))).to.deep.equal(
      variable('anon_var', recType('struct', null, [member('a', INT)])),
    );
  });

  it('an asm label on a declarator', () => {
    expect(declsOf('register unsigned long sp asm("rsp"); int f(void) __asm__("g") __attribute__((used));')).to.deep.equal([
      variable('sp', base('unsigned long'), ['register']),
      func('f', fn(INT, []), { attrs: [attr('used')] }),
    ]);
  });

  it('a top-level asm statement is skipped', () => {
    expect(declsOf('asm(".pushsection .text" "\\n" ".popsection"); __asm__ volatile("nop"); int x;')).to.deep.equal([variable('x', INT)]);
  });

  it('declarations locate at the declarator name', () => {
    const u = unitOf('static int\n  counter;\nstruct  s { int\n a; };');
    expect(u.decls[0]!.loc).to.deep.equal({ file: 't.h', line: 2, column: 3 });
    expect(u.records.get('s')!.loc).to.deep.equal({ file: 't.h', line: 3, column: 9 });
    expect(u.records.get('s')!.members[0]!.loc).to.deep.equal({ file: 't.h', line: 4, column: 2 });
  });
});

describe('C parser: base types', () => {
  const cases: [string, string][] = [
    ['void', 'void'],
    ['_Bool', '_Bool'],
    ['char', 'char'],
    ['signed char', 'signed char'],
    ['unsigned char', 'unsigned char'],
    ['char unsigned', 'unsigned char'],
    ['short', 'short'],
    ['short int', 'short'],
    ['signed short int', 'short'],
    ['unsigned short', 'unsigned short'],
    ['int short unsigned', 'unsigned short'],
    ['int', 'int'],
    ['signed', 'int'],
    ['signed int', 'int'],
    ['__signed__', 'int'],
    ['unsigned', 'unsigned int'],
    ['unsigned int', 'unsigned int'],
    ['long', 'long'],
    ['long int', 'long'],
    ['signed long', 'long'],
    ['unsigned long', 'unsigned long'],
    ['long unsigned int', 'unsigned long'],
    ['long long', 'long long'],
    ['long long int', 'long long'],
    ['__signed__ long long', 'long long'],
    ['long int long', 'long long'],
    ['unsigned long long', 'unsigned long long'],
    ['long unsigned long int', 'unsigned long long'],
    ['float', 'float'],
    ['double', 'double'],
    ['long double', 'long double'],
    ['__int128', '__int128'],
    ['signed __int128', '__int128'],
    ['unsigned __int128', 'unsigned __int128'],
    ['__int128_t', '__int128'],
    ['__uint128_t', 'unsigned __int128'],
  ];
  for (const [written, name] of cases) {
    it(`${written} → ${name}`, () => {
      expect(typeOf(`${written} x;`)).to.deep.equal(base(name));
    });
  }

  it('invalid combinations are diagnosed', () => {
    for (const bad of ['long char x;', 'short long x;', 'signed unsigned x;', 'long long long x;', 'int int x;', 'void int x;']) {
      const r = parseC(ctok(bad));
      expect(r.diagnostics.map((d) => d.code), bad).to.deep.equal(['c-syntax']);
    }
    const r = parseC(ctok('typedef int t; t int x;'));
    expect(r.diagnostics.map((d) => d.message)).to.deep.equal(["two or more data types in declaration specifiers ('int')"]);
  });
});

describe('C parser: GNU extensions', () => {
  it('__extension__ before a declaration and before an anonymous member', () => {
    expect(declsOf('__extension__ typedef __signed__ long long __s64; struct s { __extension__ union { int a; }; };')[0]).to.deep.equal(
      typedef('__s64', base('long long')),
    );
    expect(shape(unitOf('struct s { __extension__ union { int a; }; };').records.get('s')!.members)).to.deep.equal([
      member(null, recType('union', null, [member('a', INT)])),
    ]);
  });

  it('sparse annotations are ignorable qualifiers, wherever they are written', () => {
    const src = `
      void __iomem *base;
      long copy(char __user *__user *argv, const void __user *from) __must_check;
      int __init notrace __cold setup(void);
      typedef unsigned __bitwise gfp_t;
      struct s { struct s __rcu *next; int __percpu *cnt; };
      void __exit bye(void) __acquires(lock) __releases(lock);
      unsigned long v = (__force unsigned long)1;`;
    const u = unitOf(src);
    expect(u.decls.map(shape)).to.deep.equal([
      variable('base', ptr(VOID)),
      func('copy', fn(base('long'), [['argv', ptr(ptr(CHAR))], ['from', ptr(base('void', 'const'))]])),
      func('setup', fn(INT, [])),
      typedef('gfp_t', base('unsigned int')),
      tag(recType('struct', 's', [member('next', ptr(recRef('struct', 's'))), member('cnt', ptr(INT))])),
      func('bye', fn(VOID, [])),
      variable('v', base('unsigned long')),
    ]);
  });

  it('an annotation word that is a typedef name is a type, not ignored', () => {
    // Only a name declared before parsing can be one: in-source, `typedef int __force;` loses the word as an annotation.
    const r = parseC(ctok('__force x;'), { typedefNames: ['__force'] });
    expect(r.diagnostics).to.deep.equal([]);
    expect(r.unit.decls.map(shape)).to.deep.equal([variable('x', tdef('__force'))]);
  });

  it('typeof(expression) is unsupported with its text; typeof(type) is that type', () => {
    expect(declsOf('extern typeof(__cond_resched) sct; __typeof__(unsigned long) off; const __typeof__(struct t *) p; __typeof(int[4]) q;')).to.deep.equal([
      variable('sct', { kind: 'unsupported', text: 'typeof(__cond_resched)' }, ['extern']),
      variable('off', base('unsigned long')),
      variable('p', ptr(recRef('struct', 't'), ['const'])),
      variable('q', arr(INT, ['4'])),
    ]);
    expect(typeOf('typeof(a->b + 1) x;')).to.deep.equal({ kind: 'unsupported', text: 'typeof(a->b+1)' });
  });

  it('_Atomic as a qualifier is ignored; _Atomic(T) is unsupported', () => {
    expect(typeOf('_Atomic int *_Atomic p;')).to.deep.equal(ptr(INT));
    expect(typeOf('_Atomic(long) v;')).to.deep.equal({ kind: 'unsupported', text: '_Atomic(long)' });
  });

  it('__auto_type, _Complex and exotic floating types come out unsupported', () => {
    expect(typeOf('double _Complex z;')).to.deep.equal({ kind: 'unsupported', text: 'double _Complex' });
    expect(typeOf('_Float128 f;')).to.deep.equal({ kind: 'unsupported', text: '_Float128' });
  });

  it('a per-cpu style declaration: section attribute, typeof of a type', () => {
    expect(onlyDecl('extern __attribute__((section(".data..percpu" "..read_mostly"))) __typeof__(unsigned long) this_cpu_off;')).to.deep.equal(
      variable('this_cpu_off', base('unsigned long'), ['extern'], [attr('section', ['".data..percpu"', '"..read_mostly"'])]),
    );
  });

  it('param shapes carry their own attributes', () => {
    expect(typeOf('void f(int x __attribute__((unused)), __attribute__((unused)) int y);')).to.deep.equal(
      fn(VOID, [param('x', INT, [attr('unused')]), param('y', INT, [attr('unused')])]),
    );
  });
});
