// The C lexer: every token class, line splicing, comments in awkward places, and locations that
// point at the original text even across splices.
import { expect } from 'chai';
import { lexC, type LexToken } from '../../compiler/lower/c-lexer.js';

function texts(src: string): string[] {
  return lexC(src, 't.h').tokens.map((t) => t.text);
}
function kinds(src: string): string[] {
  return lexC(src, 't.h').tokens.map((t) => `${t.kind}:${t.text}`);
}
function at(t: LexToken): string {
  return `${t.text}@${t.loc.line}:${t.loc.column}`;
}

describe('C lexer', () => {
  describe('token classes', () => {
    it('identifiers, including $ and the literal prefixes used as plain names', () => {
      expect(kinds('foo _bar $x a1_2 L u U u8 Lx')).to.deep.equal([
        'ident:foo',
        'ident:_bar',
        'ident:$x',
        'ident:a1_2',
        'ident:L',
        'ident:u',
        'ident:U',
        'ident:u8',
        'ident:Lx',
      ]);
    });

    it('pp-numbers are one token however odd (6.4.8)', () => {
      expect(kinds('0x1fUL 1e10 08 1.5e-3f .5 0x1p-3 1e+5 1.2.3 0xe+1 12ab 0b101 1..2')).to.deep.equal([
        'number:0x1fUL',
        'number:1e10',
        'number:08',
        'number:1.5e-3f',
        'number:.5',
        'number:0x1p-3',
        'number:1e+5',
        'number:1.2.3',
        // the famous one: a pp-number, not 0xe + 1
        'number:0xe+1',
        'number:12ab',
        'number:0b101',
        'number:1..2',
      ]);
    });

    it('a sign continues a number only after e, E, p or P', () => {
      expect(texts('1+2 0x1f-1 1E-2 1P+2')).to.deep.equal(['1', '+', '2', '0x1f', '-', '1', '1E-2', '1P+2']);
    });

    it('string literals with escapes and every prefix', () => {
      expect(kinds(String.raw`"a\"b" L"w" u"x" U"y" u8"z" "" "\\" x"s"`)).to.deep.equal([
        String.raw`string:"a\"b"`,
        'string:L"w"',
        'string:u"x"',
        'string:U"y"',
        'string:u8"z"',
        'string:""',
        String.raw`string:"\\"`,
        // x is no prefix: an identifier, then a string
        'ident:x',
        'string:"s"',
      ]);
    });

    it('character literals with escapes and prefixes', () => {
      expect(kinds(String.raw`'a' '\'' '\\' L'x' u'y' U'z' u8'q' '\x41' 'ab'`)).to.deep.equal([
        "char:'a'",
        String.raw`char:'\''`,
        String.raw`char:'\\'`,
        "char:L'x'",
        "char:u'y'",
        "char:U'z'",
        "char:u8'q'",
        String.raw`char:'\x41'`,
        "char:'ab'",
      ]);
    });

    it('all punctuators, longest match first', () => {
      const all = '[ ] ( ) { } . -> ++ -- & * + - ~ ! / % << >> < > <= >= == != ^ | && || ? : ; ... = *= /= %= += -= <<= >>= &= ^= |= , # ##';
      expect(texts(all)).to.deep.equal(all.split(' '));
      expect(texts('a<<=b>>=c...d->e##f')).to.deep.equal(['a', '<<=', 'b', '>>=', 'c', '...', 'd', '->', 'e', '##', 'f']);
      expect(texts('x+++++y')).to.deep.equal(['x', '++', '++', '+', 'y']);
      expect(texts('a..b')).to.deep.equal(['a', '.', '.', 'b']);
    });

    it('digraphs are spelled as the punctuator they stand for', () => {
      expect(texts('<: :> <% %> %: %:%:')).to.deep.equal(['[', ']', '{', '}', '#', '##']);
      expect(texts('a<:1:>')).to.deep.equal(['a', '[', '1', ']']);
    });

    it('any other character is a token of its own, not an error (6.4p3)', () => {
      const r = lexC('@ ` \\ x', 't.h');
      expect(r.tokens.map((t) => `${t.kind}:${t.text}`)).to.deep.equal(['punct:@', 'punct:`', 'punct:\\', 'ident:x']);
      expect(r.diagnostics).to.deep.equal([]);
    });

    it('non-ASCII letters belong to identifiers, as GCC allows', () => {
      expect(kinds('größe = 1')).to.deep.equal(['ident:größe', 'punct:=', 'number:1']);
    });
  });

  describe('comments and whitespace', () => {
    it('skips both comment forms, which count as whitespace', () => {
      const toks = lexC('a/* x */b // c\nd/**/e', 't.h').tokens;
      expect(toks.map((t) => t.text)).to.deep.equal(['a', 'b', 'd', 'e']);
      expect(toks.map((t) => t.space)).to.deep.equal([false, true, true, true]);
    });

    it('comment markers inside strings and chars are text', () => {
      expect(texts('"/* no */" \'//\' "// no"')).to.deep.equal(['"/* no */"', "'//'", '"// no"']);
    });

    it('a block comment spanning lines does not start a new logical line', () => {
      const toks = lexC('/* one\n two */ #define X\nY', 't.h').tokens;
      expect(toks.map((t) => [t.text, t.bol])).to.deep.equal([
        ['#', true],
        ['define', false],
        ['X', false],
        ['Y', true],
      ]);
      expect(at(toks[0]!)).to.equal('#@2:9');
    });

    it('a comment between tokens of one directive keeps them on the line', () => {
      const toks = lexC('#/**/define/* a\n b */X 1\nY', 't.h').tokens;
      expect(toks.map((t) => t.bol)).to.deep.equal([true, false, false, false, true]);
    });

    it('`/` alone, `/=` and a comment right after an operator', () => {
      expect(texts('a/b/=c/*x*/+/**/-d')).to.deep.equal(['a', '/', 'b', '/=', 'c', '+', '-', 'd']);
    });

    it('records bol and space per token', () => {
      const toks = lexC('a b\n  c\td\n#e', 't.h').tokens;
      expect(toks.map((t) => `${t.text}:${t.bol ? 'B' : '-'}${t.space ? 'S' : '-'}`)).to.deep.equal(['a:B-', 'b:-S', 'c:BS', 'd:-S', '#:BS', 'e:--']);
    });

    it('accepts \\r\\n line ends', () => {
      const toks = lexC('a\r\nb "s"\r\n', 't.h').tokens;
      expect(toks.map(at)).to.deep.equal(['a@1:1', 'b@2:1', '"s"@2:3']);
    });
  });

  describe('line splicing', () => {
    it('joins lines before tokenizing, even inside a token', () => {
      expect(texts('ab\\\ncd "x\\\ny" 1\\\n2')).to.deep.equal(['abcd', '"xy"', '12']);
    });

    it('a spliced line continues a // comment (phase 2 before phase 3)', () => {
      expect(texts('a // comment \\\n still comment\nb')).to.deep.equal(['a', 'b']);
    });

    it('splices with \\r\\n and with blanks before the newline, as GCC does', () => {
      expect(texts('ab\\\r\ncd ef\\  \ngh')).to.deep.equal(['abcd', 'efgh']);
    });

    it('a directive continued over several lines is one logical line', () => {
      const toks = lexC('#define X \\\n  1 \\\n  2\nY', 't.h').tokens;
      expect(toks.map((t) => t.bol)).to.deep.equal([true, false, false, false, false, true]);
    });

    it('locations are those of the original text', () => {
      const toks = lexC('#define X \\\n  1 \\\n  2\nY z\n', 't.h').tokens;
      expect(toks.map(at)).to.deep.equal(['#@1:1', 'define@1:2', 'X@1:9', '1@2:3', '2@3:3', 'Y@4:1', 'z@4:3']);
    });

    it('a token broken by a splice is located at its start', () => {
      const toks = lexC('  ab\\\ncd x', 't.h').tokens;
      expect(toks.map(at)).to.deep.equal(['abcd@1:3', 'x@2:4']);
    });
  });

  describe('locations', () => {
    it('gives file, 1-based line and column', () => {
      const toks = lexC('int x;\n  /* c */ y\n', 'drv.h').tokens;
      expect(toks.map((t) => t.loc)).to.deep.equal([
        { file: 'drv.h', line: 1, column: 1 },
        { file: 'drv.h', line: 1, column: 5 },
        { file: 'drv.h', line: 1, column: 6 },
        { file: 'drv.h', line: 2, column: 11 },
      ]);
    });

    it('counts the lines inside block comments', () => {
      const toks = lexC('/*\n\n\n*/ a\n/* x\n */ b', 't.h').tokens;
      expect(toks.map(at)).to.deep.equal(['a@4:4', 'b@6:5']);
    });
  });

  describe('malformed input', () => {
    it('an unterminated comment is an error at its start', () => {
      const r = lexC('a\n  /* never closed\nb', 't.h');
      expect(r.tokens.map((t) => t.text)).to.deep.equal(['a']);
      expect(r.diagnostics.map((d) => `${d.loc.file}:${d.loc.line}:${d.loc.column} ${d.code}`)).to.deep.equal(['t.h:2:3 c-unterminated-comment']);
    });

    it('an unterminated string or char ends at the line end, with an error', () => {
      const r = lexC('a "abc\nb \'x\nc', 't.h');
      expect(r.tokens.map((t) => `${t.kind}:${t.text}`)).to.deep.equal(['ident:a', 'string:"abc', 'ident:b', "char:'x", 'ident:c']);
      expect(r.diagnostics.map((d) => `${d.loc.line}:${d.loc.column} ${d.message}`)).to.deep.equal([
        '1:3 missing terminating " character',
        "2:3 missing terminating ' character",
      ]);
    });

    it('an unterminated literal at the very end, and a lone backslash at the end', () => {
      expect(lexC('"abc', 't.h').tokens.map((t) => t.text)).to.deep.equal(['"abc']);
      expect(lexC('x\\', 't.h').tokens.map((t) => t.text)).to.deep.equal(['x', '\\']);
    });

    it('the empty text and blank text give no tokens', () => {
      expect(lexC('', 't.h')).to.deep.equal({ tokens: [], diagnostics: [] });
      expect(lexC(' \n\t\f\v\r\n', 't.h')).to.deep.equal({ tokens: [], diagnostics: [] });
    });
  });
});
