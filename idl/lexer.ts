// Tokens of the IDL. C's reserved words are hard keywords; the IDL's own words (module, interface,
// upcall, reads, ...) are soft: they lex as keywords but also match Identifier, because they are
// ordinary C identifiers and a driver may well have a field named `version` or `reads`.
import type { IToken, TokenType } from 'chevrotain';
import { createToken, Lexer } from './chevrotain.js';

export const Identifier = createToken({ name: 'Identifier', pattern: /[A-Za-z_][A-Za-z0-9_]*/, label: 'identifier' });

function hard(word: string): TokenType {
  return createToken({ name: cap(word), pattern: new RegExp(word), longer_alt: Identifier, label: `'${word}'` });
}
function soft(word: string): TokenType {
  return createToken({
    name: cap(word),
    pattern: new RegExp(word),
    longer_alt: Identifier,
    categories: [Identifier],
    label: `'${word}'`,
  });
}
function cap(word: string): string {
  return word.charAt(0).toUpperCase() + word.slice(1);
}
function punct(name: string, text: string): TokenType {
  return createToken({ name, pattern: text, label: `'${text}'` });
}

export const WhiteSpace = createToken({ name: 'WhiteSpace', pattern: /[ \t\r\n\f\v]+/, group: Lexer.SKIPPED });
export const LineComment = createToken({ name: 'LineComment', pattern: /\/\/[^\n]*/, group: 'comments' });
export const BlockComment = createToken({ name: 'BlockComment', pattern: /\/\*[\s\S]*?\*\//, group: 'comments' });
/** Matched only when no closing delimiter follows, so the error can say what is wrong. */
export const UnterminatedComment = createToken({ name: 'UnterminatedComment', pattern: /\/\*[\s\S]*/, label: 'unterminated comment' });
export const StringLiteral = createToken({ name: 'StringLiteral', pattern: /"(?:[^"\\\n]|\\[^\n])*"/, label: 'string' });
export const UnterminatedString = createToken({ name: 'UnterminatedString', pattern: /"(?:[^"\\\n]|\\[^\n])*/, label: 'unterminated string' });
export const IntLiteral = createToken({
  name: 'IntLiteral',
  pattern: /(?:0[xX][0-9a-fA-F]+|0[bB][01]+|0[oO][0-7]+|[0-9]+)(?![0-9A-Za-z_])/,
  label: 'integer',
});
/** Digits run into letters (`12ab`, `0x`, `10UL`): one token so the error names the whole thing. */
export const BadNumber = createToken({ name: 'BadNumber', pattern: /[0-9][0-9A-Za-z_]*/, label: 'malformed number' });

export const Const = hard('const');
export const Enum = hard('enum');
export const Struct = hard('struct');
export const Union = hard('union');
export const Switch = hard('switch');
export const Case = hard('case');
export const Default = hard('default');
export const Typedef = hard('typedef');
export const Sizeof = hard('sizeof');

export const Module = soft('module');
export const Version = soft('version');
export const Import = soft('import');
export const Callback = soft('callback');
export const Interface = soft('interface');
export const Upcall = soft('upcall');
export const Downcall = soft('downcall');
export const Critical = soft('critical');
export const Reads = soft('reads');
export const Writes = soft('writes');

export const LBrace = punct('LBrace', '{');
export const RBrace = punct('RBrace', '}');
export const LParen = punct('LParen', '(');
export const RParen = punct('RParen', ')');
export const LBracket = punct('LBracket', '[');
export const RBracket = punct('RBracket', ']');
export const Semi = punct('Semi', ';');
export const Comma = punct('Comma', ',');
export const Colon = punct('Colon', ':');
export const Equals = punct('Equals', '=');
export const Arrow = punct('Arrow', '->');
export const Dot = punct('Dot', '.');
export const Star = punct('Star', '*');
export const Plus = punct('Plus', '+');
export const Minus = punct('Minus', '-');
export const Slash = punct('Slash', '/');
export const Percent = punct('Percent', '%');
export const ShiftLeft = punct('ShiftLeft', '<<');
export const ShiftRight = punct('ShiftRight', '>>');
export const Amp = punct('Amp', '&');
export const Pipe = punct('Pipe', '|');
export const Caret = punct('Caret', '^');
export const Tilde = punct('Tilde', '~');

export const keywordTokens = [
  Const, Enum, Struct, Union, Switch, Case, Default, Typedef, Sizeof,
  Module, Version, Import, Callback, Interface, Upcall, Downcall, Critical, Reads, Writes,
];

// Order matters: comments before Slash, `->` before `-`, keywords before Identifier.
export const allTokens: TokenType[] = [
  WhiteSpace,
  LineComment,
  BlockComment,
  UnterminatedComment,
  StringLiteral,
  UnterminatedString,
  IntLiteral,
  BadNumber,
  ...keywordTokens,
  Identifier,
  LBrace, RBrace, LParen, RParen, LBracket, RBracket, Semi, Comma, Colon, Equals,
  Arrow, Dot, Star, Plus, Minus, Slash, Percent, ShiftLeft, ShiftRight, Amp, Pipe, Caret, Tilde,
];

/** Tokens that lex fine but are always errors; the parser never consumes them. */
export const errorTokens: ReadonlySet<TokenType> = new Set([UnterminatedComment, UnterminatedString, BadNumber]);

/**
 * Tokens whose pattern holds no line break as chevrotain sees it (so a lone `\r` in them ends no
 * line), though they can hold a `\r`: line comments (in the comments group) and string literals.
 */
export const noLineBreaks: ReadonlySet<TokenType> = new Set([LineComment, StringLiteral, UnterminatedString]);

/** Offsets only: lines and columns are counted once per file, by idl/line-index.ts. */
export const mdlLexer = new Lexer(allTokens, {
  positionTracking: 'onlyOffset',
  ensureOptimizations: false,
});

// With offsets only, chevrotain's tokens carry no end offset, which the parser's node locations
// are built from; each token gets it when it is made, in the same shape, rather than as a property
// added to every token afterwards (a second allocation per token).
type MakeToken = (image: string, startOffset: number, tokenTypeIdx: number, tokenType: TokenType, line: unknown, column: unknown, length: number) => IToken;
(mdlLexer as unknown as { createTokenInstance: MakeToken }).createTokenInstance = (
  image: string,
  startOffset: number,
  tokenTypeIdx: number,
  tokenType: TokenType,
  _line: unknown,
  _column: unknown,
  length: number,
): IToken => ({ image, startOffset, endOffset: startOffset + length - 1, tokenTypeIdx, tokenType }) as IToken;
