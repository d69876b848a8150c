// The parser: each construct's tree (positions included where they matter), and every syntax-level
// rejection with its message and position, several per run.
import { expect } from 'chai';
import type * as A from '../../idl/ast.js';
import { parseMdl } from '../../idl/parse.js';

function parse(text: string): A.Document {
  const r = parseMdl(text, 'p.mdl');
  if (!r.document) throw new Error(r.diagnostics.map((d) => `${d.loc.line}:${d.loc.column} ${d.message}`).join('\n'));
  expect(r.diagnostics).to.deep.equal([]);
  return r.document;
}
function errors(text: string): string[] {
  const r = parseMdl(text, 'p.mdl');
  expect(r.document).to.equal(null);
  return r.diagnostics.map((d) => `${d.loc.line}:${d.loc.column} ${d.code}: ${d.message}`);
}
/** Expressions as fully parenthesised text, to see the tree's shape. */
function shape(e: A.Expr): string {
  switch (e.kind) {
    case 'IntLiteral':
      return e.text;
    case 'StringLiteral':
      return `"${e.value}"`;
    case 'MemberPath':
      return e.names.map((n) => n.value).join('.');
    case 'MemberChoice':
      return `{${e.paths.map(shape).join(' | ')}}`;
    case 'NameRef':
      return e.name.value;
    case 'Sizeof':
      return `sizeof(${e.type.name.value}${'*'.repeat(e.type.pointers)})`;
    case 'Unary':
      return `(${e.op}${shape(e.operand)})`;
    case 'Binary':
      return `(${shape(e.left)} ${e.op} ${shape(e.right)})`;
  }
}
function constExpr(src: string): string {
  const d = parse(`const X = ${src};`).decls[0] as A.ConstDecl;
  return shape(d.value);
}

describe('parser: constructs', () => {
  it('module and imports', () => {
    const d = parse('module rtl8139 version 7;\nimport "kernel.mdl";\nimport "net/ethtool.mdl";');
    expect(d.module!.name.value).to.equal('rtl8139');
    expect(d.module!.version.value).to.equal('7');
    expect(d.imports.map((i) => i.path)).to.deep.equal(['kernel.mdl', 'net/ethtool.mdl']);
    expect(d.imports[1]!.loc).to.include({ line: 3, column: 1, endLine: 3, endColumn: 26 });
  });

  it('constants, typed constants and every integer radix', () => {
    const d = parse('const A = 10; const u16 B = 0x1F; const C = 0o17; const D = 0b101;');
    const consts = d.decls as A.ConstDecl[];
    expect(consts.map((c) => [c.name.value, c.type?.name.value ?? null, (c.value as A.IntLiteral).value])).to.deep.equal([
      ['A', null, '10'],
      ['B', 'u16', '31'],
      ['C', null, '15'],
      ['D', null, '5'],
    ]);
    expect((consts[1]!.value as A.IntLiteral).text).to.equal('0x1F');
  });

  it('expressions follow C precedence and left associativity', () => {
    expect(constExpr('1 + 2 * 3')).to.equal('(1 + (2 * 3))');
    expect(constExpr('1 - 2 - 3')).to.equal('((1 - 2) - 3)');
    expect(constExpr('1 - (2 - 3)')).to.equal('(1 - (2 - 3))');
    expect(constExpr('A | B & C ^ D')).to.equal('(A | ((B & C) ^ D))');
    expect(constExpr('1 << 2 + 3')).to.equal('(1 << (2 + 3))');
    expect(constExpr('-~+X % 4')).to.equal('((-(~(+X))) % 4)');
    expect(constExpr('sizeof(u32) * 2 + sizeof(dev *)')).to.equal('((sizeof(u32) * 2) + sizeof(dev*))');
  });

  it('enums with a base, values and a trailing comma', () => {
    const e = parse('enum state : u8 { DOWN = 0, UP, GONE = 1 << 4, }').decls[0] as A.EnumDecl;
    expect(e.base!.name.value).to.equal('u8');
    expect(e.members.map((m) => [m.name.value, m.value ? shape(m.value) : null])).to.deep.equal([
      ['DOWN', '0'],
      ['UP', null],
      ['GONE', '(1 << 4)'],
    ]);
  });

  it('structs: attributes, arrays, bitfields, const pointers; forward declarations', () => {
    const d = parse(
      'struct pci_dev;\nstruct s {\n    [string, max(16)] char name[16];\n    u8 m[2][3];\n    u32 up : 1;\n    const ops **o;\n};',
    );
    const fwd = d.decls[0] as A.StructDecl;
    expect(fwd.fields).to.equal(null);
    const s = d.decls[1] as A.StructDecl;
    const [name, m, up, o] = s.fields!;
    expect(name!.attrs.map((a) => [a.name.value, a.args.map(shape)])).to.deep.equal([
      ['string', []],
      ['max', ['16']],
    ]);
    expect(name!.dims.map(shape)).to.deep.equal(['16']);
    expect(name!.loc).to.include({ line: 3, column: 5 });
    expect(m!.dims.map(shape)).to.deep.equal(['2', '3']);
    expect(shape(up!.bits!)).to.equal('1');
    expect(o!.type).to.deep.include({ isConst: true, pointers: 2 });
    expect(o!.type.name.value).to.equal('ops');
  });

  it('unions with a discriminant type, case lists and default; plain unions', () => {
    const d = parse('union u switch (kind) { case A: u32 a; case B, C: case D: u8 b[4]; default: u64 c; }\nunion raw { u32 w; u8 b[4]; }');
    const u = d.decls[0] as A.UnionDecl;
    expect(u.switchType!.name.value).to.equal('kind');
    expect(u.arms.map((a) => [a.cases.map(shape), a.isDefault, a.field.name.value])).to.deep.equal([
      [['A'], false, 'a'],
      [['B', 'C', 'D'], false, 'b'],
      [[], true, 'c'],
    ]);
    const raw = d.decls[1] as A.UnionDecl;
    expect(raw.switchType).to.equal(null);
    expect(raw.arms.map((a) => [a.cases.length, a.isDefault])).to.deep.equal([
      [0, false],
      [0, false],
    ]);
  });

  it('typedefs, with array dims', () => {
    const t = parse('typedef u8 mac_t[6];').decls[0] as A.TypedefDecl;
    expect([t.type.name.value, t.name.value, t.dims.map(shape)]).to.deep.equal(['u8', 'mac_t', ['6']]);
  });

  it('callback types', () => {
    const c = parse('callback [ref] s32 irq_handler_t(s32 irq, [opaque] void *dev);').decls[0] as A.CallbackDecl;
    expect(c.returnAttrs.map((a) => a.name.value)).to.deep.equal(['ref']);
    expect(c.params.map((p) => [p.name.value, p.type.pointers, p.attrs.map((a) => a.name.value)])).to.deep.equal([
      ['irq', 0, []],
      ['dev', 1, ['opaque']],
    ]);
  });

  it('interfaces: roles, function and return attributes, directions, access sets', () => {
    const i = parse(
      'interface ops {\n' +
        '    upcall s32 open(dev *d) reads(d.flags, d->priv.*) writes(d.priv.**);\n' +
        '    [id(5)] downcall [string] char *name([out, count(n)] u8 *buf, u32 n) reads();\n' +
        '    critical void xmit([opaque] sk_buff *skb);\n' +
        '}',
    ).decls[0] as A.InterfaceDecl;
    const [open, name, xmit] = i.functions;
    expect(open!.role).to.equal('upcall');
    expect(open!.reads!.map((p) => [p.root.value, p.fields.map((f) => f.value), p.wildcard])).to.deep.equal([
      ['d', ['flags'], 'none'],
      ['d', ['priv'], 'shallow'],
    ]);
    expect(open!.writes!.map((p) => [p.fields.map((f) => f.value), p.wildcard])).to.deep.equal([[['priv'], 'deep']]);
    expect(name!.attrs.map((a) => a.name.value)).to.deep.equal(['id']);
    expect(name!.returnAttrs.map((a) => a.name.value)).to.deep.equal(['string']);
    expect(name!.returnType).to.deep.include({ pointers: 1 });
    expect(name!.reads).to.deep.equal([]);
    expect(name!.writes).to.equal(null);
    expect(name!.params[0]!.attrs.map((a) => a.name.value)).to.deep.equal(['out', 'count']);
    expect(xmit!.role).to.equal('critical');
    expect(xmit!.reads).to.equal(null);
  });

  it('soft keywords stay usable as names', () => {
    const s = parse('struct module { u32 version; u32 reads; u32 writes; interface *upcall; }').decls[0] as A.StructDecl;
    expect(s.name.value).to.equal('module');
    expect(s.fields!.map((f) => f.name.value)).to.deep.equal(['version', 'reads', 'writes', 'upcall']);
    expect(s.fields![3]!.type.name.value).to.equal('interface');
  });

  it('keeps comments, line and block, in order', () => {
    const d = parse('// one\nconst A = 1; /* two\n three */\n');
    expect(d.comments.map((c) => [c.text, c.block, c.loc.line])).to.deep.equal([
      ['// one', false, 1],
      ['/* two\n three */', true, 2],
    ]);
  });
});

describe('parser: rejections', () => {
  it('reports every syntax error of a file in one run (recovery)', () => {
    expect(errors('struct a { u32 x }\nstruct b { u8 ; }\nconst = 4;\ninterface i { upcall s32 f(u32 a) }')).to.deep.equal([
      "1:18 syntax: expected ';' but found '}'",
      "2:15 syntax: expected identifier but found ';'",
      "3:7 syntax: expected identifier but found '='",
      "4:35 syntax: expected ';' but found '}'",
    ]);
  });
  it('a member path that ends in a dot or runs into an expression', () => {
    expect(errors('struct s { [container(d, x.)] w *p; }\nstruct t { [container(d, x.1)] w *p; }\nstruct u { [container(d, x.y + 1)] w *p; }')).to.deep.equal([
      "1:28 syntax: expected identifier but found ')'",
      "2:28 syntax: expected identifier but found '1'",
      "3:30 syntax: expected ')' but found '+'",
    ]);
  });
  it('a choice of members outside [container]: a pipe after a path ends it', () => {
    expect(errors('struct s { [as(x.y | z)] w *p; }')[0]).to.equal("1:20 syntax: expected ')' but found '|'");
    expect(errors('struct t { [count(x.y | 1)] u8 *p; }')[0]).to.equal("1:23 syntax: expected ')' but found '|'");
  });
  it('a member path of more steps than an access path may have, however long', () => {
    const path = (steps: number): string => Array.from({ length: steps + 1 }, () => 'a').join('.');
    expect(parseMdl(`struct s { [container(w, ${path(64)})] u32 *x; }`, 'p.mdl').diagnostics).to.deep.equal([]);
    expect(errors(`struct s { [container(w, ${path(65)})] u32 *x; }`)).to.deep.equal(['1:26 access-path-too-long: member path has 65 steps; at most 64 are allowed']);
    expect(errors(`struct s { [container(w, ${path(200000)})] u32 *x; }`)).to.deep.equal(['1:26 access-path-too-long: member path has 200000 steps; at most 64 are allowed']);
  });
  it('unexpected character', () => {
    // The parser then sees `1 2` and says so too: the lexer drops what it cannot read.
    expect(errors('const A = 1 @ 2;')).to.deep.equal([
      '1:13 unexpected-character: unexpected character "@"',
      "1:15 syntax: expected ';' but found '2'",
    ]);
  });
  it('unterminated block comment', () => {
    expect(errors('const A = 1;\n/* never closed\nconst B = 2;')).to.deep.equal([
      "2:1 unterminated-comment: block comment is not closed with '*/'",
    ]);
  });
  it('unterminated string', () => {
    expect(errors('import "kernel.mdl;\n')[0]).to.equal('1:8 unterminated-string: string is not closed before the end of the line');
  });
  it('malformed numbers', () => {
    expect(errors('const A = 10UL;')).to.deep.equal([
      "1:11 bad-number: malformed integer literal '10UL' (integers are decimal, 0x hex, 0o octal or 0b binary, without suffixes)",
    ]);
    expect(errors('const A = 0x;')[0]).to.match(/^1:11 bad-number: malformed integer literal '0x'/);
  });
  it('leading-zero octal', () => {
    expect(errors('const A = 017;')).to.deep.equal([
      "1:11 ambiguous-octal: '017' has a leading zero; write 0o17 for octal or drop the zero",
    ]);
  });
  it('module after a declaration, twice, imports after declarations', () => {
    expect(errors('const A = 1;\nmodule m version 1;')).to.deep.equal([
      '2:1 module-not-first: the module declaration must come first in the file',
    ]);
    expect(errors('module m version 1;\nmodule n version 1;')).to.deep.equal(['2:1 duplicate-module: a file declares its module once']);
    expect(errors('module m version 1;\nconst A = 1;\nimport "x.mdl";')).to.deep.equal([
      '3:1 import-after-decl: imports must come before declarations',
    ]);
  });
  it('wildcard in the middle of a path', () => {
    expect(errors('interface i { upcall void f(d *x) reads(x.*.y); }')).to.deep.equal([
      "1:45 wildcard-not-last: a wildcard ('*' or '**') must end the access path",
    ]);
  });
  it('two reads clauses', () => {
    expect(errors('interface i { upcall void f(d *x) reads(x.a) reads(x.b); }')).to.deep.equal([
      '1:46 duplicate-access-clause: a function has one reads(...) clause; list every path in it',
    ]);
  });
  it('a function without a role', () => {
    expect(errors('interface i { s32 f(); }')).to.deep.equal(["1:15 syntax: expected '}' but found 's32'"]);
  });
  it('empty and escaped import paths', () => {
    expect(errors('import "";')).to.deep.equal(['1:8 bad-import-path: import path is empty']);
    expect(errors('import "a\\\\b.mdl";')).to.deep.equal(['1:8 bad-import-path: import paths take no escapes; use forward slashes']);
  });
  it('brackets nested too deep', () => {
    expect(errors(`const A = ${'('.repeat(70)}1${')'.repeat(70)};`)).to.deep.equal([
      '1:75 nesting-too-deep: brackets nest more than 64 levels deep',
    ]);
  });
  it('expression trees too deep', () => {
    expect(errors(`const A = ${Array(300).fill('1').join(' + ')};`)).to.deep.equal([
      '1:11 expression-too-deep: expression nests more than 256 levels deep',
    ]);
  });
});
