// Where `__attribute__` can be written and what it attaches to: the declaration, the record or
// enum type, a pointer, a parameter, an enumerator, or a function type nested in a declarator.
import { expect } from 'chai';
import { parseC } from '../../compiler/lower/c-parser.js';
import type { CDecl } from '../../compiler/lower/c-ast.js';
import { attr, base, ctok, fn, member, param, ptr, recDef, shape } from './ctokens.js';
import { unitOf } from './cparse.test.js';

const INT = base('int');
const VOID = base('void');

function first(src: string): CDecl {
  const d = unitOf(src).decls[0];
  if (!d) throw new Error('no declaration');
  return d;
}

function declAttrs(src: string): unknown {
  const d = first(src);
  return d.kind === 'tag' ? null : shape(d.attrs);
}

describe('C parser: attribute syntax', () => {
  it('normalises __name__ to name', () => {
    expect(declAttrs('int x __attribute__((__aligned__(8), __unused__));')).to.deep.equal([attr('aligned', ['8']), attr('unused')]);
  });

  it('splits several attributes in one list and arguments at top-level commas only', () => {
    expect(declAttrs('int f(const char *, ...) __attribute__((format(printf, 1, 2), nonnull(1), aligned(sizeof(long)), cleanup(g(a, b))));')).to.deep.equal([
      attr('format', ['printf'], ['1'], ['2']),
      attr('nonnull', ['1']),
      attr('aligned', ['sizeof', '(', 'long', ')']),
      attr('cleanup', ['g', '(', 'a', ',', 'b', ')']),
    ]);
  });

  it('accepts the __attribute spelling, empty lists, empty argument lists and keyword names', () => {
    expect(declAttrs('int f(void) __attribute(()) __attribute((const)) __attribute__((noinline())) __attribute__((,packed,));')).to.deep.equal([
      attr('const'),
      attr('noinline'),
      attr('packed'),
    ]);
  });

  it('keeps string arguments as tokens, adjacent literals separate', () => {
    expect(declAttrs('int v __attribute__((section(".data..percpu" "..x"), alias("y")));')).to.deep.equal([
      attr('section', ['".data..percpu"', '"..x"']),
      attr('alias', ['"y"']),
    ]);
  });

  it('keeps member-access expressions in arguments (mdidl annotations)', () => {
    expect(declAttrs('__attribute__((mdl_upcall)) int open(struct net_device *dev) __attribute__((mdl_reads(dev->flags, dev->mtu)));')).to.deep.equal([
      attr('mdl_upcall'),
      attr('mdl_reads', ['dev', '->', 'flags'], ['dev', '->', 'mtu']),
    ]);
  });

  it('records the attribute name location', () => {
    const d = first('int x\n  __attribute__((  aligned(4)));');
    expect(d.kind !== 'tag' && d.attrs[0]!.loc).to.deep.equal({ file: 't.h', line: 2, column: 20 });
  });
});

describe('C parser: attribute placement', () => {
  it('before a declaration → the declaration', () => {
    expect(declAttrs('__attribute__((weak)) int f(void);')).to.deep.equal([attr('weak')]);
    expect(declAttrs('static __attribute__((unused)) const int x = 1;')).to.deep.equal([attr('unused')]);
  });

  it('after the specifiers, before the declarator → the declaration', () => {
    expect(declAttrs('int __attribute__((cold)) f(void);')).to.deep.equal([attr('cold')]);
  });

  it('after the `struct` keyword → the record', () => {
    expect(shape(unitOf('struct __attribute__((packed)) s { char c; int i; };').records.get('s'))).to.deep.equal(
      recDef('struct', 's', [member('c', base('char')), member('i', INT)], [attr('packed')]),
    );
  });

  it('after the tag, before the body → the record', () => {
    expect(shape(unitOf('struct s __attribute__((packed)) { char c; };').records.get('s')!.attrs)).to.deep.equal([attr('packed')]);
  });

  it('after the closing brace → the record, also with declarators following', () => {
    const u = unitOf('struct s { int a; } __attribute__((aligned(64))); typedef struct { int b; } __attribute__((packed)) t_t; union { int c; } __attribute__((packed)) v;');
    expect(shape(u.records.get('s')!.attrs)).to.deep.equal([attr('aligned', ['64'])]);
    const td = u.typedefs.get('t_t')!;
    expect(td.type.kind === 'record' && shape(td.type.record.def!.attrs)).to.deep.equal([attr('packed')]);
    expect(shape(td.attrs)).to.deep.equal([]);
    const v = u.decls[2]!;
    expect(v.kind === 'variable' && v.type.kind === 'record' && shape(v.type.record.def!.attrs)).to.deep.equal([attr('packed')]);
  });

  it('on a struct reference (no body) → the declaration', () => {
    expect(declAttrs('struct foo __attribute__((unused)) *p;')).to.deep.equal([attr('unused')]);
  });

  it('after a declarator → that declarator only', () => {
    const u = unitOf('int a __attribute__((aligned(8))), b, __attribute__((unused)) c;');
    expect(u.decls.map((d) => (d.kind === 'tag' ? null : shape(d.attrs)))).to.deep.equal([[attr('aligned', ['8'])], [], [attr('unused')]]);
  });

  it('specifier attributes apply to every declarator', () => {
    const u = unitOf('__attribute__((unused)) static int a, b __attribute__((aligned(4)));');
    expect(u.decls.map((d) => (d.kind === 'tag' ? null : shape(d.attrs)))).to.deep.equal([[attr('unused')], [attr('unused'), attr('aligned', ['4'])]]);
  });

  it('after a pointer star → that pointer', () => {
    const d = first('int * __attribute__((noderef)) const * p;');
    expect(shape(d.kind === 'variable' && d.type)).to.deep.equal(ptr(ptr(INT, ['const'], [attr('noderef')])));
  });

  it('on struct members, before and after the declarator and after a bitfield width', () => {
    const u = unitOf('struct s { __attribute__((aligned(8))) int a; char *b __attribute__((packed)); unsigned c : 3 __attribute__((packed)), d; };');
    expect(shape(u.records.get('s')!.members)).to.deep.equal([
      member('a', INT, null, [attr('aligned', ['8'])]),
      member('b', ptr(base('char')), null, [attr('packed')]),
      member('c', base('unsigned int'), ['3'], [attr('packed')]),
      member('d', base('unsigned int')),
    ]);
  });

  it('on parameters, before and after, and on abstract parameters', () => {
    const d = first('void f(__attribute__((unused)) int a, int *b __attribute__((nonnull)), int __attribute__((unused)));');
    expect(shape(d.kind === 'function' && d.type.params)).to.deep.equal([
      param('a', INT, [attr('unused')]),
      param('b', ptr(INT), [attr('nonnull')]),
      param(null, INT, [attr('unused')]),
    ]);
  });

  it('on enumerators and on the enum', () => {
    const u = unitOf('enum __attribute__((packed)) e { A __attribute__((deprecated)) = 1, B __attribute__((unavailable("x"))) } __attribute__((aligned(2)));');
    expect(shape(u.enums.get('e'))).to.deep.equal({
      tag: 'e',
      members: [
        { name: 'A', value: ['1'], attrs: [attr('deprecated')] },
        { name: 'B', value: null, attrs: [attr('unavailable', ['"x"'])] },
      ],
      attrs: [attr('packed'), attr('aligned', ['2'])],
    });
  });

  it('after a function parameter list at the end of the declarator → the declaration', () => {
    expect(declAttrs('void panic(const char *fmt, ...) __attribute__((__noreturn__)) __attribute__((format(printf, 1, 2)));')).to.deep.equal([
      attr('noreturn'),
      attr('format', ['printf'], ['1'], ['2']),
    ]);
    const d = first('typedef void handler_t(int) __attribute__((noreturn));');
    expect(d.kind === 'typedef' && shape(d.attrs)).to.deep.equal([attr('noreturn')]);
  });

  it('after a nested parameter list inside the declarator → that function type', () => {
    const d = first('void (*(*f)(int) __attribute__((x)))(void);');
    expect(shape(d.kind === 'variable' && d.type)).to.deep.equal(ptr(fn(ptr(fn(VOID, [])), [[null, INT]], false, [attr('x')])));
  });

  it('inside the parentheses of a function-pointer member → the member', () => {
    const u = unitOf('struct ops { void (*f __attribute__((deprecated)))(int); int (__attribute__((unused)) *g)(void); };');
    expect(shape(u.records.get('ops')!.members)).to.deep.equal([
      member('f', ptr(fn(VOID, [[null, INT]])), null, [attr('deprecated')]),
      member('g', ptr(fn(INT, [])), null, [attr('unused')]),
    ]);
  });

  it('on a function-pointer member after its parameters → the member', () => {
    const u = unitOf('struct ops { int (*open)(int) __attribute__((mdl_reads(x))); };');
    expect(shape(u.records.get('ops')!.members[0]!.attrs)).to.deep.equal([attr('mdl_reads', ['x'])]);
  });

  it('on a definition, between the parameters and the body', () => {
    const d = first('static int __attribute__((cold)) f(int x) __attribute__((noinline)) { return x; }');
    expect(d.kind === 'function' && [d.hasBody, shape(d.attrs)]).to.deep.equal([true, [attr('cold'), attr('noinline')]]);
  });

  it('_Alignas and _Noreturn become attributes', () => {
    expect(declAttrs('_Alignas(16) int x;')).to.deep.equal([attr('_Alignas', ['16'])]);
    expect(declAttrs('_Noreturn void die(void);')).to.deep.equal([attr('noreturn')]);
  });

  it('after the typedef name', () => {
    const d = first('typedef unsigned long long u64_aligned __attribute__((aligned(8)));');
    expect(d.kind === 'typedef' && shape(d.attrs)).to.deep.equal([attr('aligned', ['8'])]);
  });

  it('a broken attribute is a located syntax error', () => {
    const r = parseC(ctok('int x __attribute__((aligned(8)); int y;'));
    expect(r.diagnostics.map((d) => `${d.loc.line}:${d.loc.column} ${d.message}`)).to.deep.equal([
      "1:33 expected ')' to close '__attribute__', found ';'",
    ]);
    expect(r.unit.decls.map((d) => (d.kind === 'tag' ? '' : d.name))).to.deep.equal(['y']);
  });
});
