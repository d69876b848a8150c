// The parser's fast paths give what the full ones gave: lines and columns counted from offsets
// (idl/line-index.ts) are chevrotain's own with full position tracking, and a file parsed without
// recovery gets the tree the recovering parser builds.
import { expect } from 'chai';
import fc from 'fast-check';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { AstBuilder } from '../../idl/build-ast.js';
import { Lexer } from '../../idl/chevrotain.js';
import { grammar } from '../../idl/grammar.js';
import * as T from '../../idl/lexer.js';
import { LineIndex } from '../../idl/line-index.js';
import { parseMdl } from '../../idl/parse.js';

const SEED = 7;
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

/** The lexer as it was: chevrotain counting lines and columns in every token. */
const fullLexer = new Lexer(T.allTokens, { positionTracking: 'full', ensureOptimizations: false });

/** Every .mdl file of the samples and the test fixtures. */
function corpus(): { file: string; text: string }[] {
  const out: { file: string; text: string }[] = [];
  const stack = [path.join(root, 'samples'), path.join(root, 'test')];
  while (stack.length) {
    const dir = stack.pop()!;
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) stack.push(p);
      else if (e.name.endsWith('.mdl')) out.push({ file: path.relative(root, p), text: fs.readFileSync(p, 'utf8') });
    }
  }
  return out.sort((a, b) => (a.file < b.file ? -1 : 1));
}

/** Each token's start and end line and column, from chevrotain and from the line index; they must agree. */
function comparePositions(text: string): void {
  const full = fullLexer.tokenize(text);
  const fast = T.mdlLexer.tokenize(text);
  const all = (r: typeof full) => [...r.tokens, ...(r.groups['comments'] ?? [])].sort((a, b) => a.startOffset - b.startOffset);
  const want = all(full);
  const got = all(fast);
  expect(got.length, JSON.stringify(text)).to.equal(want.length);
  const comments = fast.groups['comments'] ?? [];
  const lines = new LineIndex(text, [...comments.filter((t) => t.tokenType === T.LineComment), ...fast.tokens.filter((t) => T.noLineBreaks.has(t.tokenType))]);
  want.forEach((w, i) => {
    const g = got[i]!;
    const line = lines.line(g.startOffset);
    const last = g.startOffset + g.image.length - 1;
    const endLine = lines.line(last);
    const at = `${JSON.stringify(g.image)} at ${g.startOffset} in ${JSON.stringify(text)}`;
    expect([g.startOffset, g.endOffset], at).to.deep.equal([w.startOffset, w.endOffset]);
    expect([line, lines.column(g.startOffset, line)], at).to.deep.equal([w.startLine, w.startColumn]);
    // Chevrotain's end of a token that ends in a line break after others is not a column; no token
    // the parser keeps ends so (an unterminated comment's error names its start).
    if (!/[\r\n]$/.test(g.image)) expect([endLine, lines.column(last, endLine)], at).to.deep.equal([w.endLine, w.endColumn]);
  });
}

describe('parser fast paths', () => {
  it('has a corpus to check', () => {
    expect(corpus().length).to.be.greaterThan(10);
  });

  it("lines and columns of every token of the corpus are chevrotain's, in LF, CRLF and CR files", () => {
    for (const { text } of corpus()) {
      comparePositions(text);
      comparePositions(text.replace(/\n/g, '\r\n'));
      comparePositions(text.replace(/\n/g, '\r'));
    }
  });

  it("lines and columns are chevrotain's around lone CRs in comments and strings", () => {
    for (const text of [
      '// a\rb\nstruct x;\n',
      '[header("a\rb")] struct x;\r\nstruct y {\r u32 a; }',
      '/* a\rb\r\n*/ struct x; struct y @',
      '"ab\r\rc" x\r@ "d',
      '\r\r@\n\n@\n\r\r\n',
      'struct x { u32 a; }\n// c\r\n// d\r\rstruct y { u8 b }',
    ])
      comparePositions(text);
  });

  it("lines and columns are chevrotain's on arbitrary text made of the IDL's pieces", () => {
    const piece = fc.constantFrom('\r', '\n', '\r\n', '"', '//', '/*', '*/', ' ', 'x', 'struct', '0x1', '9z', '\t', 'é', '😀', ';', '{', '}', '@');
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 40 }), (parts) => comparePositions(parts.join(''))),
      { seed: SEED, numRuns: 2000 },
    );
  });

  it('a file of the corpus parses to the tree the recovering parser builds, positions included', () => {
    for (const { file, text } of corpus()) {
      const fast = parseMdl(text, file);
      if (!fast.document) continue;
      // The recovering parser, as parse.ts used it before the fast path, on the same tokens.
      const lexed = T.mdlLexer.tokenize(text);
      const comments = lexed.groups['comments'] ?? [];
      const lines = new LineIndex(text, [...comments.filter((t) => t.tokenType === T.LineComment), ...lexed.tokens.filter((t) => T.noLineBreaks.has(t.tokenType))]);
      const parser = grammar(true);
      parser.input = lexed.tokens;
      const cst = parser.document();
      expect(parser.errors, file).to.deep.equal([]);
      parser.input = [];
      const slow = new AstBuilder(file, lines).document(cst, text, fast.document.comments);
      expect(JSON.stringify(slow), file).to.equal(JSON.stringify(fast.document));
    }
  });
});
