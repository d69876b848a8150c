// Property-based tests of the parser and printer. Every property runs with a fixed seed so a failure
// reproduces in CI; the run counts keep the whole file to a few seconds.
import { expect } from 'chai';
import fc from 'fast-check';
import type * as A from '../../idl/ast.js';
import { mdlLexer } from '../../idl/lexer.js';
import { parseMdl, type ParseResult } from '../../idl/parse.js';
import { printDocument } from '../../idl/printer.js';
// One definition of "the same tree modulo positions" for both test files.
import { stripLocs } from './printer.test.js';

const SEED = 42;
const runs = (numRuns: number): fc.Parameters<unknown> => ({ seed: SEED, numRuns });

/** What must hold for any input at all: no exception, and a located reason whenever there is no tree. */
function checkParse(text: string): ParseResult {
  const result = parseMdl(text, 'fuzz.mdl');
  if (result.document === null) expect(result.diagnostics, 'null document without diagnostics').to.not.be.empty;
  for (const d of result.diagnostics) {
    expect(Number.isFinite(d.loc.line) && d.loc.line >= 1, `line of ${d.message}`).to.equal(true);
    expect(Number.isFinite(d.loc.column) && d.loc.column >= 1, `column of ${d.message}`).to.equal(true);
    expect(d.message).to.be.a('string').and.not.equal('');
  }
  return result;
}

/**
 * For inputs that parse cleanly, the printer must reproduce the same tree, stably. The tree
 * includes the comment texts in order, so this also checks every comment is printed exactly once.
 */
function checkRoundTrip(doc: A.Document): void {
  const printed = printDocument(doc);
  const again = parseMdl(printed, 'fuzz.mdl');
  expect(again.diagnostics.map((d) => d.message), printed).to.deep.equal([]);
  if (!again.document) throw new Error('no document');
  expect(stripLocs(again.document), printed).to.deep.equal(stripLocs(doc));
  expect(printDocument(again.document), 'print is not idempotent').to.equal(printed);
}

/** Garbage in, diagnostics out; and whatever the parser accepts must survive the printer. */
function checkAny(text: string): void {
  const { document, diagnostics } = checkParse(text);
  if (!document) return;
  // ParseResult promises no tree for a file with errors: the printer would drop what was rejected.
  expect(diagnostics.filter((d) => d.severity === 'error').map((d) => d.message), text).to.deep.equal([]);
  checkRoundTrip(document);
}

// ---- vocabulary --------------------------------------------------------------------------------

const HARD_KEYWORDS = ['const', 'enum', 'struct', 'union', 'switch', 'case', 'default', 'typedef', 'sizeof'];
const SOFT_KEYWORDS = ['module', 'version', 'import', 'callback', 'interface', 'upcall', 'downcall', 'critical', 'reads', 'writes'];
const PUNCTUATION = ['{', '}', '(', ')', '[', ']', ';', ',', ':', '=', '->', '.', '*', '+', '-', '/', '%', '<<', '>>', '&', '|', '^', '~'];
const VOCABULARY = [
  ...HARD_KEYWORDS,
  ...SOFT_KEYWORDS,
  ...PUNCTUATION,
  'dev', 'u8', 'u32', 'net_device', 'x_1', '_', 'A',
  '0', '1', '42', '0x1F', '0b101', '0o17', '012', '0x', '12ab', '0b2', '99999999999999999999999',
  '// line comment\n', '//\n', '/* block */', '/**/', '/* multi\n line */', '/*', '*/',
  '"a.mdl"', '""', '"esc\\"aped"', '"back\\\\slash"', '"unterminated', '"', '\\', '@', '#', '$', '?', '!',
  '\n', '\r\n', '\r', '\t', ' ',
];

const vocabToken = fc.constantFrom(...VOCABULARY);
const tokenSoup = fc
  .array(fc.tuple(vocabToken, fc.constantFrom('', ' ', '\n')), { maxLength: 80 })
  .map((pairs) => pairs.map(([tok, sep]) => tok + sep).join(''));

// ---- a valid corpus to mutate -----------------------------------------------------------------

const CORPUS = `// Network driver interface.
module e1000 version 3; // bump on ABI change

import "linux/types.mdl";
import "linux/netdevice.mdl";

const u16 MTU = 1500;
const FLAGS = (1 << 3) | 0x10 & ~0b11;
const NEG = -(MTU - 2) * sizeof(u32 *) % 7;

/* link state */
enum link : u8 { DOWN = 0, UP = 1 << 0, [deprecated] UNKNOWN, };

struct pci_dev;

[packed] struct e1000_adapter {
    [string, max(16)] char name[16];
    u32 up : 1; // one bit
    const net_device **devs[2][MAX_DEVS + 1];
};

union rx_desc switch (u8) { case 0, 1: u64 addr; default: [opaque] u8 raw[16]; };
union plain { u32 a; u8 b[4]; }
typedef u64 dma_addr_t;
callback s32 irq_handler_t(s32 irq, [opaque] void *dev);

[id(1)] interface e1000_ops {
    [id(5)] upcall [string] char *name(u32 a, [out] u32 *b) reads(dev->flags, dev->priv.*) writes(dev.flags);
    downcall s32 open(net_device *dev) reads() writes(dev.**);
    critical void irq(s32 irq); // hot path
};
// end
`;

/** The corpus cut into token-sized pieces, each with the whitespace before it. */
function pieces(text: string): string[] {
  const lexed = mdlLexer.tokenize(text);
  const starts = [...lexed.tokens, ...(lexed.groups['comments'] ?? [])]
    .map((t) => t.startOffset)
    .sort((a, b) => a - b);
  const out: string[] = [];
  let prev = 0;
  for (const s of starts.slice(1)) {
    out.push(text.slice(prev, s));
    prev = s;
  }
  out.push(text.slice(prev));
  return out;
}

const CORPUS_PIECES = pieces(CORPUS);

type Mutation =
  | { kind: 'delete'; at: number; len: number }
  | { kind: 'insert'; at: number; text: string }
  | { kind: 'duplicate'; at: number; len: number; to: number }
  | { kind: 'swap'; at: number; to: number }
  | { kind: 'splice'; at: number; text: string };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), len: fc.integer({ min: 1, max: 4 }) }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), text: vocabToken }),
  fc.record({ kind: fc.constant('duplicate' as const), at: fc.nat(), len: fc.integer({ min: 1, max: 6 }), to: fc.nat() }),
  fc.record({ kind: fc.constant('swap' as const), at: fc.nat(), to: fc.nat() }),
  // Raw characters at raw offsets, so tokens get split in the middle too.
  fc.record({ kind: fc.constant('splice' as const), at: fc.nat(), text: fc.string({ unit: 'binary-ascii', minLength: 1, maxLength: 3 }) }),
);

function mutate(base: string[], mutations: Mutation[]): string {
  let ps = [...base];
  for (const m of mutations) {
    const n = ps.length;
    if (n === 0) {
      ps = [m.kind === 'insert' || m.kind === 'splice' ? m.text : ''];
      continue;
    }
    const at = m.at % n;
    switch (m.kind) {
      case 'delete':
        ps.splice(at, m.len);
        break;
      case 'insert':
        ps.splice(at, 0, ' ' + m.text + ' ');
        break;
      case 'duplicate':
        ps.splice(m.to % (n + 1), 0, ...ps.slice(at, at + m.len));
        break;
      case 'swap': {
        const to = m.to % n;
        [ps[at], ps[to]] = [ps[to]!, ps[at]!];
        break;
      }
      case 'splice': {
        const p = ps[at]!;
        const cut = p.length ? m.at % p.length : 0;
        ps[at] = p.slice(0, cut) + m.text + p.slice(cut);
        break;
      }
    }
  }
  return ps.join('');
}

// ---- a generator of valid sources -------------------------------------------------------------

/** Sources are built as token lists and joined with random whitespace and comments at the end. */
type Toks = string[];

const identifier: fc.Arbitrary<string> = fc.oneof(
  { weight: 6, arbitrary: fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_]{0,7}$/).filter((s) => !HARD_KEYWORDS.includes(s)) },
  { weight: 1, arbitrary: fc.constantFrom(...SOFT_KEYWORDS) },
);

const intLiteral: fc.Arbitrary<string> = fc.oneof(
  fc.nat({ max: 100000 }).map(String),
  fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }).map(String),
  fc.tuple(fc.constantFrom('0x', '0X'), fc.nat(), fc.boolean()).map(([p, n, up]) => p + (up ? n.toString(16).toUpperCase() : n.toString(16))),
  fc.tuple(fc.constantFrom('0b', '0B'), fc.nat({ max: 1023 })).map(([p, n]) => p + n.toString(2)),
  fc.tuple(fc.constantFrom('0o', '0O'), fc.nat({ max: 4095 })).map(([p, n]) => p + n.toString(8)),
);

const typeRef: fc.Arbitrary<Toks> = fc
  .tuple(fc.boolean(), identifier, fc.nat({ max: 3 }))
  .map(([isConst, name, stars]) => [...(isConst ? ['const'] : []), name, ...Array<string>(stars).fill('*')]);

const unaryOp = fc.constantFrom('-', '~', '+');
const binaryOp = fc.constantFrom('|', '^', '&', '<<', '>>', '+', '-', '*', '/', '%');

// Depth 4 keeps every expression far below the parser's nesting and depth limits (64).
const { expr } = fc.letrec<{ expr: Toks }>((tie) => ({
  expr: fc.oneof(
    { maxDepth: 4, depthIdentifier: 'expr' },
    intLiteral.map((t) => [t]),
    identifier.map((n) => [n]),
    typeRef.map((t) => ['sizeof', '(', ...t, ')']),
    fc.tuple(unaryOp, tie('expr')).map(([op, e]) => [op, ...e]),
    fc.tuple(tie('expr'), binaryOp, tie('expr')).map(([l, op, r]) => [...l, op, ...r]),
    tie('expr').map((e) => ['(', ...e, ')']),
  ),
}));

function commaList(items: Toks[]): Toks {
  return items.flatMap((item, i) => (i ? [',', ...item] : item));
}

const attribute: fc.Arbitrary<Toks> = fc
  .tuple(fc.oneof(identifier, fc.constant('switch')), fc.option(fc.array(expr, { maxLength: 3 })))
  .map(([name, args]) => (args === null ? [name] : [name, '(', ...commaList(args), ')']));

const attrLists: fc.Arbitrary<Toks> = fc
  .array(fc.array(attribute, { minLength: 1, maxLength: 3 }), { maxLength: 2 })
  .map((lists) => lists.flatMap((l) => ['[', ...commaList(l), ']']));

const dims: fc.Arbitrary<Toks> = fc.array(expr, { maxLength: 2 }).map((ds) => ds.flatMap((d) => ['[', ...d, ']']));

const field: fc.Arbitrary<Toks> = fc
  .tuple(attrLists, typeRef, identifier, dims, fc.option(expr))
  .map(([at, t, n, d, bits]) => [...at, ...t, n, ...d, ...(bits ? [':', ...bits] : []), ';']);

const param: fc.Arbitrary<Toks> = fc.tuple(attrLists, typeRef, identifier, dims).map(([at, t, n, d]) => [...at, ...t, n, ...d]);
const paramList: fc.Arbitrary<Toks> = fc.array(param, { maxLength: 3 }).map((ps) => ['(', ...commaList(ps), ')']);

const optSemi = fc.constantFrom<Toks>([], [';']);

const constDecl: fc.Arbitrary<Toks> = fc
  .tuple(fc.option(identifier), identifier, expr)
  .map(([type, name, value]) => ['const', ...(type ? [type] : []), name, '=', ...value, ';']);

const enumDecl: fc.Arbitrary<Toks> = fc
  .tuple(
    identifier,
    fc.option(typeRef),
    fc.array(fc.tuple(attrLists, identifier, fc.option(expr)), { maxLength: 4 }),
    fc.boolean(),
    optSemi,
  )
  .map(([name, base, members, trailingComma, semi]) => [
    'enum',
    name,
    ...(base ? [':', ...base] : []),
    '{',
    ...commaList(members.map(([at, n, v]) => [...at, n, ...(v ? ['=', ...v] : [])])),
    ...(members.length && trailingComma ? [','] : []),
    '}',
    ...semi,
  ]);

const structDecl: fc.Arbitrary<Toks> = fc
  .tuple(identifier, fc.option(fc.array(field, { maxLength: 4 }), { freq: 4 }), optSemi)
  .map(([name, fields, semi]) => (fields === null ? ['struct', name, ';'] : ['struct', name, '{', ...fields.flat(), '}', ...semi]));

const caseLabel: fc.Arbitrary<Toks> = fc.oneof(
  fc.array(expr, { minLength: 1, maxLength: 3 }).map((es) => ['case', ...commaList(es), ':']),
  fc.constant<Toks>(['default', ':']),
);

const unionDecl: fc.Arbitrary<Toks> = fc
  .tuple(
    identifier,
    fc.option(typeRef),
    fc.array(fc.tuple(fc.array(caseLabel, { maxLength: 2 }), field), { maxLength: 4 }),
    optSemi,
  )
  .map(([name, sw, arms, semi]) => [
    'union',
    name,
    ...(sw ? ['switch', '(', ...sw, ')'] : []),
    '{',
    ...arms.flatMap(([labels, f]) => [...labels.flat(), ...f]),
    '}',
    ...semi,
  ]);

const typedefDecl: fc.Arbitrary<Toks> = fc
  .tuple(typeRef, identifier, dims)
  .map(([t, n, d]) => ['typedef', ...t, n, ...d, ';']);

const callbackDecl: fc.Arbitrary<Toks> = fc
  .tuple(attrLists, typeRef, identifier, paramList)
  .map(([at, t, n, ps]) => ['callback', ...at, ...t, n, ...ps, ';']);

const accessPath: fc.Arbitrary<Toks> = fc
  .tuple(
    identifier,
    fc.array(fc.tuple(fc.constantFrom('.', '->'), identifier), { maxLength: 3 }),
    fc.option(fc.tuple(fc.constantFrom('.', '->'), fc.constantFrom<Toks>(['*'], ['*', '*']))),
  )
  .map(([root, segs, wild]) => [root, ...segs.flat(), ...(wild ? [wild[0], ...wild[1]] : [])]);

const accessClause = (word: string): fc.Arbitrary<Toks> =>
  fc.array(accessPath, { maxLength: 3 }).map((ps) => [word, '(', ...commaList(ps), ')']);

const functionDecl: fc.Arbitrary<Toks> = fc
  .tuple(
    attrLists,
    fc.constantFrom('upcall', 'downcall', 'critical'),
    attrLists,
    typeRef,
    identifier,
    paramList,
    fc.option(accessClause('reads')),
    fc.option(accessClause('writes')),
    fc.boolean(),
  )
  .map(([at, role, rat, t, n, ps, reads, writes, writesFirst]) => {
    const clauses = [reads ?? [], writes ?? []];
    if (writesFirst) clauses.reverse();
    return [...at, role, ...rat, ...t, n, ...ps, ...clauses.flat(), ';'];
  });

const interfaceDecl: fc.Arbitrary<Toks> = fc
  .tuple(identifier, fc.array(functionDecl, { maxLength: 3 }), optSemi)
  .map(([name, fns, semi]) => ['interface', name, '{', ...fns.flat(), '}', ...semi]);

const decl: fc.Arbitrary<Toks> = fc
  .tuple(
    attrLists,
    fc.oneof(
      { weight: 3, arbitrary: constDecl },
      { weight: 1, arbitrary: enumDecl },
      { weight: 2, arbitrary: structDecl },
      { weight: 2, arbitrary: unionDecl },
      { weight: 1, arbitrary: typedefDecl },
      { weight: 1, arbitrary: callbackDecl },
      { weight: 2, arbitrary: interfaceDecl },
    ),
  )
  .map(([at, d]) => [...at, ...d]);

const moduleDecl: fc.Arbitrary<Toks> = fc
  .tuple(identifier, intLiteral)
  .map(([name, v]) => ['module', name, 'version', v, ';']);
const importDecl: fc.Arbitrary<Toks> = fc
  .stringMatching(/^[a-z0-9_./-]{1,12}$/)
  .map((p) => ['import', `"${p}"`, ';']);

const documentTokens: fc.Arbitrary<Toks> = fc
  .tuple(fc.option(moduleDecl), fc.array(importDecl, { maxLength: 2 }), fc.array(decl, { maxLength: 6 }))
  .map(([m, imports, decls]) => [...(m ?? []), ...imports.flat(), ...decls.flat()]);

const commentText: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom('// note', '//', '/* c */', '/**/', '/** doc\n * more\n */', '// has */ inside', '/* has // inside */', '/*\n\n*/'),
  fc.string({ unit: 'grapheme-ascii', maxLength: 20 }).map((s) => '// ' + s.replace(/[\r\n]/g, ' ')),
  fc.string({ unit: 'binary', maxLength: 20 }).map((s) => '/*' + s.replace(/\*\//g, '* /') + '*/'),
);

const separator: fc.Arbitrary<string> = fc.oneof(
  { weight: 20, arbitrary: fc.constantFrom(' ', ' ', ' ', '\n', '\n    ', '\n\n', '\t', '\n\n\n') },
  {
    weight: 3,
    arbitrary: fc
      .tuple(fc.constantFrom(' ', '\n', '\n\n'), commentText, fc.constantFrom(' ', '\n', '\n\n'))
      .map(([before, c, after]) => before + c + (c.startsWith('//') && !after.includes('\n') ? '\n' : after)),
  },
);

const validSource: fc.Arbitrary<string> = fc
  .tuple(documentTokens, fc.array(separator, { minLength: 1, maxLength: 40 }), separator, separator)
  .map(([toks, seps, head, tail]) => {
    // The first and last separators put comments before the first and after the last item.
    const body = toks.map((t, i) => (i ? seps[i % seps.length]! : '') + t).join('');
    return head + body + tail;
  });

// ---- the properties ----------------------------------------------------------------------------

describe('fuzz: parser and printer', () => {
  describe('random text', () => {
    it('ASCII strings never make the parser throw', () => {
      fc.assert(fc.property(fc.string({ maxLength: 200 }), checkAny), runs(400));
    });

    it('arbitrary code points never make the parser throw', () => {
      fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 200 }), checkAny), runs(300));
      fc.assert(fc.property(fc.string({ unit: 'binary-ascii', maxLength: 200 }), checkAny), runs(300));
      fc.assert(fc.property(fc.string({ unit: 'grapheme', maxLength: 100 }), checkAny), runs(200));
    });

    it('soups of IDL tokens never make the parser throw', () => {
      fc.assert(fc.property(tokenSoup, checkAny), runs(1500));
    });
  });

  describe('mutated corpus', () => {
    it('the corpus itself is valid', () => {
      const { document, diagnostics } = checkParse(CORPUS);
      expect(diagnostics).to.deep.equal([]);
      expect(document).to.not.equal(null);
      expect(CORPUS_PIECES.join('')).to.equal(CORPUS);
    });

    it('deleting, inserting, duplicating and swapping pieces never makes the parser throw', () => {
      fc.assert(
        fc.property(fc.array(mutation, { minLength: 1, maxLength: 6 }), (ms) => checkAny(mutate(CORPUS_PIECES, ms))),
        runs(800),
      );
    });
  });

  describe('generated valid sources', () => {
    it('parse cleanly, print idempotently and survive the round trip', () => {
      fc.assert(
        fc.property(validSource, (src) => {
          const { document, diagnostics } = parseMdl(src, 'fuzz.mdl');
          expect(diagnostics.map((d) => `${d.loc.line}:${d.loc.column} ${d.message}`), src).to.deep.equal([]);
          if (!document) throw new Error('no document');
          checkRoundTrip(document);
        }),
        runs(400),
      );
    });
  });

  describe('pathological inputs', () => {
    it('100k nested parentheses', () => {
      const r = checkParse('const A = ' + '('.repeat(100_000) + '1;');
      expect(r.document).to.equal(null);
    });

    it('100k nested braces and brackets', () => {
      expect(checkParse('{'.repeat(100_000)).document).to.equal(null);
      expect(checkParse('struct s { u8 a' + '['.repeat(100_000) + '; }').document).to.equal(null);
    });

    it('100k minus signs before a number', () => {
      const r = checkParse('const A = ' + '-'.repeat(100_000) + '1;');
      expect(r.diagnostics).to.not.be.empty;
    });

    it('100k mixed unary operators', () => {
      expect(checkParse('const A = ' + '-~+'.repeat(33_000) + 'x;').diagnostics).to.not.be.empty;
    });

    it('a 20k-term sum', () => {
      const r = checkParse('const A = ' + Array<string>(20_000).fill('1').join('+') + ';');
      expect(r.diagnostics).to.not.be.empty;
    });

    it('a 20k-term sum nested in attribute arguments and array sizes', () => {
      const sum = Array<string>(20_000).fill('x').join(' * ');
      expect(checkParse(`struct s { [max(${sum})] u8 a[${sum}]; }`).diagnostics).to.not.be.empty;
    });

    it('parentheses alternating with unary minus up to the limits', () => {
      for (const n of [31, 32, 33, 63, 64, 65]) {
        checkAny('const A = ' + '-('.repeat(n) + '1' + ')'.repeat(n) + ';');
        checkAny('const A = ' + '('.repeat(n) + '1' + ')'.repeat(n) + ';');
      }
    });

    it('100k unmatched closing brackets and 5k broken declarations', () => {
      expect(checkParse(')'.repeat(100_000)).document).to.equal(null);
      expect(checkParse('const A = ;'.repeat(5_000)).document).to.equal(null);
    });

    it('huge single tokens', () => {
      checkAny('const ' + 'a'.repeat(1_000_000) + ' = 1;');
      checkAny('const A = ' + '9'.repeat(100_000) + ';');
      checkAny('const A = 0x' + 'f'.repeat(100_000) + ';');
      expect(checkParse('/*' + 'x'.repeat(1_000_000)).document).to.equal(null);
      expect(checkParse('"' + 'x'.repeat(1_000_000)).document).to.equal(null);
      checkAny('//' + 'x'.repeat(1_000_000));
    });

    it('100k comments and nothing else', () => {
      const text = '// c\n/* d */\n'.repeat(50_000);
      expect(checkParse(text).diagnostics).to.deep.equal([]);
      checkAny(text);
    });

    it('a 1 MB file of valid consts parses and prints back unchanged', () => {
      const parts: string[] = [];
      let size = 0;
      for (let i = 0; size < 1_000_000; i++) {
        const line = `const C${i} = ${i} + 0x10 * (3 - 1);\n`;
        parts.push(line);
        size += line.length;
      }
      const text = parts.join('');
      const r = checkParse(text);
      expect(r.diagnostics).to.deep.equal([]);
      if (!r.document) throw new Error('no document');
      expect(r.document.decls).to.have.length(parts.length);
      expect(printDocument(r.document)).to.equal(text);
    });
  });
});
