// Text to AST for one file: lex, parse with recovery, build. Never throws on any input; every
// problem comes back as a located diagnostic.
import type { CstNode, IToken } from 'chevrotain';
import type * as A from './ast.js';
import { AstBuilder } from './build-ast.js';
import { pointLoc, type Diagnostic } from './diagnostics.js';
import { discardGrammar, grammar, MAX_RESYNC_SCAN, MAX_SYNTAX_ERRORS, TooManySyntaxErrors } from './grammar.js';
import * as T from './lexer.js';
import { LineIndex } from './line-index.js';

export interface ParseResult {
  /** null when the file has any error: later stages only ever see complete, well-formed trees. */
  document: A.Document | null;
  diagnostics: Diagnostic[];
}

/** Brackets nested deeper than this are rejected before parsing, so recursion stays bounded. */
export const MAX_NESTING = 64;

export function parseMdl(text: string, file: string): ParseResult {
  const diagnostics: Diagnostic[] = [];
  const lexed = T.mdlLexer.tokenize(text);
  const comments = lexed.groups['comments'] ?? [];
  // Lines are counted once, here, not by the lexer in every token (see line-index.ts).
  const lines = new LineIndex(text, () => [...comments.filter((t) => t.tokenType === T.LineComment), ...lexed.tokens.filter((t) => T.noLineBreaks.has(t.tokenType))]);
  const builder = new AstBuilder(file, lines);

  for (const e of lexed.errors) {
    const ch = text.slice(e.offset, e.offset + (e.length || 1));
    const line = lines.line(e.offset);
    const column = lines.column(e.offset, line);
    diagnostics.push({
      severity: 'error',
      code: 'unexpected-character',
      message: `unexpected character ${JSON.stringify(ch)}`,
      loc: { file, line, column, offset: e.offset, endOffset: e.offset, endLine: line, endColumn: column },
    });
  }

  const tokens: IToken[] = [];
  let depth = 0;
  let tooDeep = false;
  // Indexed: this loop runs once per file, before V8 optimizes it, and an iterator made an
  // object per token there.
  for (let i = 0; i < lexed.tokens.length; i++) {
    const t = lexed.tokens[i]!;
    if (T.errorTokens.has(t.tokenType)) {
      diagnostics.push(errorTokenDiagnostic(t, builder.tokLoc(t)));
      // A malformed number still stands where a number goes, so the parser does not pile a
      // second, misleading error on top of the first.
      if (t.tokenType === T.BadNumber) tokens.push({ ...t, tokenType: T.IntLiteral, tokenTypeIdx: T.IntLiteral.tokenTypeIdx! });
      continue;
    }
    if (t.tokenType === T.LParen || t.tokenType === T.LBracket || t.tokenType === T.LBrace) {
      depth++;
      if (depth > MAX_NESTING && !tooDeep) {
        tooDeep = true;
        diagnostics.push({
          severity: 'error',
          code: 'nesting-too-deep',
          message: `brackets nest more than ${MAX_NESTING} levels deep`,
          loc: builder.tokLoc(t),
        });
      }
    } else if (t.tokenType === T.RParen || t.tokenType === T.RBracket || t.tokenType === T.RBrace) {
      depth = Math.max(0, depth - 1);
    }
    tokens.push(t);
  }
  if (tooDeep) return { document: null, diagnostics };

  const commentNodes: A.Comment[] = comments.map((t) => {
    const loc = builder.tokLoc(t);
    // A line comment in a CRLF file would otherwise carry the CR into the printed text.
    if (t.image.endsWith('\r')) return { kind: 'Comment', text: t.image.slice(0, -1), block: false, loc: { ...loc, endOffset: loc.endOffset - 1, endColumn: loc.endColumn - 1 } };
    return { kind: 'Comment', text: t.image, block: t.tokenType === T.BlockComment, loc };
  });

  // Without syntax errors (the fast parse succeeds), the AST is built item by item as it parses.
  let streamed: A.Document | null = builder.begin(text, commentNodes);
  let cst: CstNode | null = parseWithoutRecovery(tokens, streamed, builder);
  let stopped: 'count' | 'resync' | 'stack' | null = null;
  if (!cst) {
    // What the items before the syntax error made is not used; the recovering parse reports instead.
    streamed = null;
    builder.diagnostics.length = 0;
    const parser = grammar();
    parser.input = tokens;
    try {
      cst = parser.document();
    } catch (e) {
      if (e instanceof TooManySyntaxErrors) stopped = e.reason;
      // A backstop: every known way to exhaust the parser's stack is bounded before parsing.
      else if (e instanceof RangeError) stopped = 'stack';
      else throw e;
      discardGrammar();
    }
    for (const e of parser.errors) {
      const t = e.token;
      const loc = Number.isFinite(t.startOffset) && t.tokenType.name !== 'EOF'
        ? builder.tokLoc(t)
        : pointLoc(file, text, lastTokenEnd(tokens, text));
      diagnostics.push({ severity: 'error', code: 'syntax', message: e.message, loc });
    }
    // The parser is kept for the next file; it must not keep this file's tokens alive with it.
    parser.input = [];
  }
  if (stopped) {
    const last = diagnostics[diagnostics.length - 1];
    diagnostics.push({
      severity: 'error',
      code: 'too-many-syntax-errors',
      message:
        stopped === 'count'
          ? `too many syntax errors (more than ${MAX_SYNTAX_ERRORS}); parsing stopped here`
          : stopped === 'resync'
            ? `no place to resume within ${MAX_RESYNC_SCAN} tokens after this syntax error; parsing stopped here`
            : 'the file is too complex to parse; parsing stopped here',
      loc: last?.loc ?? pointLoc(file, text, 0),
    });
  }
  if (diagnostics.length || !cst) return { document: null, diagnostics: dedupe(diagnostics) };

  const document = streamed ?? builder.document(cst, text, commentNodes);
  // The builder drops what it rejects (a misplaced import, a second reads clause); a tree with a
  // hole must not reach the printer, which would silently delete that text.
  if (builder.diagnostics.length) return { document: null, diagnostics: builder.diagnostics };
  return { document, diagnostics };
}

/**
 * The tree of a file without syntax errors, or null. Without recovery the parser does less per
 * rule and token and builds the same tree (node locations included); a file with any syntax error
 * is parsed again with recovery on, so that one run reports every error, as before. Each top-level
 * item goes to the builder as soon as it is parsed (MdlGrammar.onTopItem), into doc.
 */
function parseWithoutRecovery(tokens: IToken[], doc: A.Document, builder: AstBuilder): CstNode | null {
  const parser = grammar(false);
  parser.input = tokens;
  parser.onTopItem = (item) => builder.item(doc, item);
  try {
    const cst = parser.document();
    return parser.errors.length ? null : cst;
  } catch {
    // Whatever stopped it stops the recovering parse too, which reports it.
    discardGrammar();
    return null;
  } finally {
    parser.input = [];
    parser.onTopItem = null;
  }
}

function errorTokenDiagnostic(t: IToken, loc: A.Loc): Diagnostic {
  switch (t.tokenType) {
    case T.UnterminatedComment:
      return { severity: 'error', code: 'unterminated-comment', message: "block comment is not closed with '*/'", loc: { ...loc, endOffset: loc.offset + 2, endLine: loc.line, endColumn: loc.column + 2 } };
    case T.UnterminatedString:
      return { severity: 'error', code: 'unterminated-string', message: 'string is not closed before the end of the line', loc };
    default:
      return { severity: 'error', code: 'bad-number', message: `malformed integer literal '${t.image}' (integers are decimal, 0x hex, 0o octal or 0b binary, without suffixes)`, loc };
  }
}

function lastTokenEnd(tokens: IToken[], text: string): number {
  const last = tokens[tokens.length - 1];
  return last ? (last.endOffset ?? last.startOffset) + 1 : text.length;
}

/** Recovery can report the same spot twice; once is enough. */
function dedupe(diags: Diagnostic[]): Diagnostic[] {
  const seen = new Set<string>();
  return diags.filter((d) => {
    const key = `${d.loc.offset}:${d.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
