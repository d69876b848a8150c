// The grammar, as a chevrotain CST parser with error recovery on, so one run reports every syntax
// error (a file is first parsed with recovery off, which costs less: see parse.ts). The CST is
// turned into the typed AST by build-ast.ts; nothing here knows about meaning.
import type { CstNode, IOrAlt, IParserErrorMessageProvider, TokenType, IToken } from 'chevrotain';
import { CstParser, tokenMatcher } from './chevrotain.js';
import * as T from './lexer.js';

function show(tok: IToken): string {
  if (tok.tokenType.name === 'EOF') return 'end of file';
  return `'${tok.image.length > 24 ? tok.image.slice(0, 24) + '…' : tok.image}'`;
}
function label(t: TokenType): string {
  return t.LABEL ?? t.name;
}
function list(items: string[]): string {
  const uniq = [...new Set(items)];
  if (uniq.length <= 1) return uniq[0] ?? '';
  return uniq.slice(0, -1).join(', ') + ' or ' + uniq[uniq.length - 1];
}

const RULE_NOUN: Record<string, string> = {
  topItem: 'a declaration (module, import, const, enum, struct, union, typedef, callback or interface)',
  declBody: 'a declaration (const, enum, struct, union, typedef, callback or interface)',
  functionDecl: 'a function (upcall, downcall or critical)',
  primary: 'an expression',
  unary: 'an expression',
  role: "'upcall', 'downcall' or 'critical'",
  accessSegment: "a field name, '*' or '**'",
};

const messages: IParserErrorMessageProvider = {
  buildMismatchTokenMessage({ expected, actual }) {
    if (expected.name === 'EOF') return `unexpected ${show(actual)}: expected a declaration`;
    return `expected ${label(expected)} but found ${show(actual)}`;
  },
  buildNotAllInputParsedMessage({ firstRedundant }) {
    return `unexpected ${show(firstRedundant)}: expected a declaration`;
  },
  buildNoViableAltMessage({ expectedPathsPerAlt, actual, ruleName }) {
    const noun = RULE_NOUN[ruleName];
    const found = actual[0] ? show(actual[0]) : 'end of file';
    if (noun) return `expected ${noun} but found ${found}`;
    const firsts = expectedPathsPerAlt.flat().map((path) => (path[0] ? label(path[0]) : ''));
    return `expected ${list(firsts.filter((s) => s))} but found ${found}`;
  },
  buildEarlyExitMessage({ expectedIterationPaths, actual, ruleName }) {
    const noun = RULE_NOUN[ruleName];
    const found = actual[0] ? show(actual[0]) : 'end of file';
    if (noun) return `expected ${noun} but found ${found}`;
    const firsts = expectedIterationPaths.map((path) => (path[0] ? label(path[0]) : ''));
    return `expected ${list(firsts.filter((s) => s))} but found ${found}`;
  },
};

/** Syntax errors one file may have before parsing stops. */
export const MAX_SYNTAX_ERRORS = 50;

/** Tokens recovery looks ahead for a place to resume after a syntax error; past it, parsing stops. */
export const MAX_RESYNC_SCAN = 10_000;

/** A CST node's children: own properties only, on a prototype without any (see MdlGrammar). */
const Children = function (): void {} as unknown as new () => Record<string, unknown>;
Children.prototype = Object.create(null);

/** Thrown out of the parser (not a recognition error, so recovery does not catch it). */
export class TooManySyntaxErrors extends Error {
  constructor(readonly reason: 'count' | 'resync') {
    super(reason);
  }
}

export class MdlGrammar extends CstParser {
  // Each OR's alternatives, built once (at self-analysis) instead of at every decision: chevrotain's
  // advice for speed, and a parse makes one decision per declaration, field and path at least.
  private readonly alts: Record<string, IOrAlt<unknown>[]> = {};
  /** The attribute whose arguments are being parsed (attributes do not nest). */
  private attributeName = '';

  /** `recovery`: go on after a syntax error, so one run reports them all (see parse.ts). */
  constructor(recovery = true) {
    super(T.allTokens, {
      recoveryEnabled: recovery,
      maxLookahead: 4,
      // Lines and columns come from offsets (idl/line-index.ts), as the lexer's do.
      nodeLocationTracking: 'onlyOffset',
      errorMessageProvider: messages,
    });
    this.performSelfAnalysis();
    // Each CST node's children, by rule and token name, in an object with hidden classes instead of
    // chevrotain's Object.create(null), a hash table per node: filling those was a large part of
    // parsing a big file. Children's prototype has no members, so no name can resolve to an
    // Object.prototype one (`constructor`).
    const cst = this as unknown as { cstInvocationStateUpdate: (name: string) => void; setInitialNodeLocation: (node: CstNode) => void; CST_STACK: CstNode[] };
    cst.cstInvocationStateUpdate = (name: string): void => {
      const node = { name, children: new Children() } as unknown as CstNode;
      cst.setInitialNodeLocation(node);
      cst.CST_STACK.push(node);
    };
    // Recovery inside a repetition re-enters the rule recursively, once per error, and looks
    // ahead from each: thousands of errors in one rule would cost quadratic time and then the
    // stack. Parsing stops at the limit instead (see parse.ts).
    const self = this as unknown as { SAVE_ERROR: (e: Error) => Error; _errors: unknown[] };
    const save = self.SAVE_ERROR.bind(this);
    self.SAVE_ERROR = (e: Error): Error => {
      if (self._errors.length >= MAX_SYNTAX_ERRORS) throw new TooManySyntaxErrors('count');
      return save(e);
    };
    // After an error, recovery looks ahead for a token to resume at, as chevrotain does, but
    // only so far: its own search runs to the end of the file for every error.
    const parser = this as unknown as { findReSyncTokenType: () => TokenType; flattenFollowSet: () => TokenType[] };
    parser.findReSyncTokenType = (): TokenType => {
      const resync = parser.flattenFollowSet();
      for (let k = 1; k <= MAX_RESYNC_SCAN; k++) {
        const tok = this.LA(k);
        const found = resync.find((t) => tokenMatcher(tok, t));
        if (found !== undefined) return found;
        if (tok.tokenType.name === 'EOF') break;
      }
      throw new TooManySyntaxErrors('resync');
    };
  }

  /**
   * When set, each top-level item's tree as soon as it is parsed, taken out of the document's: the
   * AST of a declaration is built while its tree is young, and the tree dies young, instead of the
   * whole file's tree surviving (and being copied by) the garbage collections of the parse.
   */
  onTopItem: ((item: CstNode) => void) | null = null;

  document = this.RULE('document', () => {
    this.MANY(() => {
      const item = this.SUBRULE(this.topItem);
      this.ACTION(() => {
        if (!this.onTopItem) return;
        const stack = (this as unknown as { CST_STACK: CstNode[] }).CST_STACK;
        const items = stack[stack.length - 1]!.children['topItem'] as CstNode[];
        if (items[items.length - 1] !== item) throw new Error('internal: the parsed item is not the last of the document');
        items.pop();
        this.onTopItem(item);
      });
    });
  });

  topItem = this.RULE('topItem', () => {
    this.OR((this.alts.topItem ??= [
      { ALT: () => this.SUBRULE(this.moduleDecl) },
      { ALT: () => this.SUBRULE(this.importDecl) },
      {
        ALT: () => {
          this.MANY(() => this.SUBRULE(this.attrList));
          this.SUBRULE(this.declBody);
        },
      },
    ]));
  });

  moduleDecl = this.RULE('moduleDecl', () => {
    this.CONSUME(T.Module);
    this.CONSUME(T.Identifier);
    this.CONSUME(T.Version);
    this.CONSUME(T.IntLiteral);
    this.CONSUME(T.Semi);
  });

  importDecl = this.RULE('importDecl', () => {
    this.CONSUME(T.Import);
    this.CONSUME(T.StringLiteral);
    this.CONSUME(T.Semi);
  });

  declBody = this.RULE('declBody', () => {
    this.OR((this.alts.declBody ??= [
      { ALT: () => this.SUBRULE(this.constDecl) },
      { ALT: () => this.SUBRULE(this.enumDecl) },
      { ALT: () => this.SUBRULE(this.structDecl) },
      { ALT: () => this.SUBRULE(this.unionDecl) },
      { ALT: () => this.SUBRULE(this.typedefDecl) },
      { ALT: () => this.SUBRULE(this.callbackDecl) },
      { ALT: () => this.SUBRULE(this.interfaceDecl) },
    ]));
  });

  attrList = this.RULE('attrList', () => {
    this.CONSUME(T.LBracket);
    this.AT_LEAST_ONE_SEP({ SEP: T.Comma, DEF: () => this.SUBRULE(this.attribute) });
    this.CONSUME(T.RBracket);
  });

  attribute = this.RULE('attribute', () => {
    // `switch` is a C keyword but the natural name of the discriminant attribute.
    const name = this.OR((this.alts.attribute ??= [
      { ALT: () => this.CONSUME(T.Identifier) },
      { ALT: () => this.CONSUME(T.Switch) },
    ]));
    // The cached alternatives below outlive this call: they read the name from here.
    this.attributeName = (name as IToken | undefined)?.image ?? '';
    this.OPTION(() => {
      this.CONSUME(T.LParen);
      // A string argument names something outside the IDL (a C header), `a.b` a member inside
      // embedded structs ([container]), `a | b.c` one of several such members (only [container]:
      // elsewhere `a | b` is a bitwise or); everything else is an expression.
      this.MANY_SEP({
        SEP: T.Comma,
        DEF: () =>
          this.OR2((this.alts.attributeArgument ??= [
            { ALT: () => this.CONSUME(T.StringLiteral) },
            {
              GATE: () => this.memberPathsAhead(this.attributeName === 'container'),
              IGNORE_AMBIGUITIES: true,
              ALT: () => this.SUBRULE(this.memberPaths),
            },
            { ALT: () => this.SUBRULE(this.expr) },
          ])),
      });
      this.CONSUME(T.RParen);
    });
  });

  /** A name, then a dot (`a.b`) or, with `choice`, a pipe (`a | b.c`): what decides a member path. */
  private memberPathsAhead(choice: boolean): boolean {
    if (!tokenMatcher(this.LA(1), T.Identifier)) return false;
    const sep = this.LA(2);
    return tokenMatcher(sep, T.Dot) || (choice && tokenMatcher(sep, T.Pipe));
  }

  // One rule for a member path and a choice of them keeps the CST flat; build-ast.ts splits it at
  // the pipes.
  memberPaths = this.RULE('memberPaths', () => {
    this.CONSUME(T.Identifier);
    this.MANY({
      // Outside [container], a pipe ends the path (and the argument: `a.b | c` is no expression).
      GATE: () => !tokenMatcher(this.LA(1), T.Pipe) || this.attributeName === 'container',
      DEF: () => {
        this.OR((this.alts.memberPathsSeparator ??= [
          { ALT: () => this.CONSUME(T.Dot) },
          { ALT: () => this.CONSUME(T.Pipe) },
        ]));
        this.CONSUME2(T.Identifier);
      },
    });
  });

  constDecl = this.RULE('constDecl', () => {
    this.CONSUME(T.Const);
    this.CONSUME(T.Identifier);
    this.OPTION(() => this.CONSUME2(T.Identifier));
    this.CONSUME(T.Equals);
    this.SUBRULE(this.expr);
    this.CONSUME(T.Semi);
  });

  enumDecl = this.RULE('enumDecl', () => {
    this.CONSUME(T.Enum);
    this.CONSUME(T.Identifier);
    this.OPTION(() => {
      this.CONSUME(T.Colon);
      this.SUBRULE(this.typeRef);
    });
    this.CONSUME(T.LBrace);
    this.OPTION2(() => {
      this.SUBRULE(this.enumMember);
      this.MANY(() => {
        this.CONSUME(T.Comma);
        this.SUBRULE2(this.enumMember);
      });
      this.OPTION3(() => this.CONSUME2(T.Comma));
    });
    this.CONSUME(T.RBrace);
    this.OPTION4(() => this.CONSUME(T.Semi));
  });

  enumMember = this.RULE('enumMember', () => {
    this.MANY(() => this.SUBRULE(this.attrList));
    this.CONSUME(T.Identifier);
    this.OPTION(() => {
      this.CONSUME(T.Equals);
      this.SUBRULE(this.expr);
    });
  });

  structDecl = this.RULE('structDecl', () => {
    this.CONSUME(T.Struct);
    this.CONSUME(T.Identifier);
    this.OR((this.alts.structBody ??= [
      {
        ALT: () => {
          this.CONSUME(T.LBrace);
          this.MANY(() => this.SUBRULE(this.fieldDecl));
          this.CONSUME(T.RBrace);
          this.OPTION(() => this.CONSUME(T.Semi));
        },
      },
      { ALT: () => this.CONSUME2(T.Semi) },
    ]));
  });

  fieldDecl = this.RULE('fieldDecl', () => {
    this.MANY(() => this.SUBRULE(this.attrList));
    this.SUBRULE(this.typeRef);
    this.CONSUME(T.Identifier);
    this.MANY2(() => this.SUBRULE(this.dim));
    this.OPTION(() => {
      this.CONSUME(T.Colon);
      this.SUBRULE(this.expr);
    });
    this.CONSUME(T.Semi);
  });

  dim = this.RULE('dim', () => {
    this.CONSUME(T.LBracket);
    this.SUBRULE(this.expr);
    this.CONSUME(T.RBracket);
  });

  unionDecl = this.RULE('unionDecl', () => {
    this.CONSUME(T.Union);
    this.CONSUME(T.Identifier);
    this.OPTION(() => {
      this.CONSUME(T.Switch);
      this.CONSUME(T.LParen);
      this.SUBRULE(this.typeRef);
      this.CONSUME(T.RParen);
    });
    // No forward declaration: an incomplete union could only ever be a handle, and C drivers
    // pass those as void * anyway.
    this.CONSUME(T.LBrace);
    this.MANY(() => this.SUBRULE(this.unionArm));
    this.CONSUME(T.RBrace);
    this.OPTION2(() => this.CONSUME(T.Semi));
  });

  unionArm = this.RULE('unionArm', () => {
    this.MANY(() => this.SUBRULE(this.caseLabel));
    this.SUBRULE(this.fieldDecl);
  });

  caseLabel = this.RULE('caseLabel', () => {
    this.OR((this.alts.caseLabel ??= [
      {
        ALT: () => {
          this.CONSUME(T.Case);
          this.AT_LEAST_ONE_SEP({ SEP: T.Comma, DEF: () => this.SUBRULE(this.expr) });
        },
      },
      { ALT: () => this.CONSUME(T.Default) },
    ]));
    this.CONSUME(T.Colon);
  });

  typedefDecl = this.RULE('typedefDecl', () => {
    this.CONSUME(T.Typedef);
    this.SUBRULE(this.typeRef);
    this.CONSUME(T.Identifier);
    this.MANY(() => this.SUBRULE(this.dim));
    this.CONSUME(T.Semi);
  });

  callbackDecl = this.RULE('callbackDecl', () => {
    this.CONSUME(T.Callback);
    this.MANY(() => this.SUBRULE(this.attrList));
    this.SUBRULE(this.typeRef);
    this.CONSUME(T.Identifier);
    this.SUBRULE(this.paramList);
    this.CONSUME(T.Semi);
  });

  interfaceDecl = this.RULE('interfaceDecl', () => {
    this.CONSUME(T.Interface);
    this.CONSUME(T.Identifier);
    this.CONSUME(T.LBrace);
    this.MANY(() => this.SUBRULE(this.functionDecl));
    this.CONSUME(T.RBrace);
    this.OPTION(() => this.CONSUME(T.Semi));
  });

  functionDecl = this.RULE('functionDecl', () => {
    this.MANY(() => this.SUBRULE(this.attrList));
    this.SUBRULE(this.role);
    this.MANY2(() => this.SUBRULE2(this.attrList));
    this.SUBRULE(this.typeRef);
    this.CONSUME(T.Identifier);
    this.SUBRULE(this.paramList);
    this.MANY3(() => this.SUBRULE(this.accessClause));
    this.CONSUME(T.Semi);
  });

  role = this.RULE('role', () => {
    this.OR((this.alts.role ??= [
      { ALT: () => this.CONSUME(T.Upcall) },
      { ALT: () => this.CONSUME(T.Downcall) },
      { ALT: () => this.CONSUME(T.Critical) },
    ]));
  });

  paramList = this.RULE('paramList', () => {
    this.CONSUME(T.LParen);
    this.MANY_SEP({ SEP: T.Comma, DEF: () => this.SUBRULE(this.param) });
    this.CONSUME(T.RParen);
  });

  param = this.RULE('param', () => {
    this.MANY(() => this.SUBRULE(this.attrList));
    this.SUBRULE(this.typeRef);
    this.CONSUME(T.Identifier);
    this.MANY2(() => this.SUBRULE(this.dim));
  });

  accessClause = this.RULE('accessClause', () => {
    this.OR((this.alts.accessClause ??= [
      { ALT: () => this.CONSUME(T.Reads) },
      { ALT: () => this.CONSUME(T.Writes) },
    ]));
    this.CONSUME(T.LParen);
    this.MANY_SEP({ SEP: T.Comma, DEF: () => this.SUBRULE(this.accessPath) });
    this.CONSUME(T.RParen);
  });

  accessPath = this.RULE('accessPath', () => {
    this.CONSUME(T.Identifier);
    this.MANY(() => {
      this.OR((this.alts.pathStep ??= [{ ALT: () => this.CONSUME(T.Dot) }, { ALT: () => this.CONSUME(T.Arrow) }]));
      this.SUBRULE(this.accessSegment);
    });
  });

  accessSegment = this.RULE('accessSegment', () => {
    this.OR((this.alts.accessSegment ??= [
      { ALT: () => this.CONSUME(T.Identifier) },
      {
        ALT: () => {
          this.CONSUME(T.Star);
          this.OPTION(() => this.CONSUME2(T.Star));
        },
      },
    ]));
  });

  typeRef = this.RULE('typeRef', () => {
    this.OPTION(() => this.CONSUME(T.Const));
    this.CONSUME(T.Identifier);
    this.MANY(() => this.CONSUME(T.Star));
  });

  expr = this.RULE('expr', () => {
    this.SUBRULE(this.binary);
  });

  // One rule for all binary levels keeps the CST flat; build-ast.ts applies precedence.
  binary = this.RULE('binary', () => {
    this.SUBRULE(this.unary);
    this.MANY(() => {
      this.OR((this.alts.binaryOperator ??= [
        { ALT: () => this.CONSUME(T.Pipe) },
        { ALT: () => this.CONSUME(T.Caret) },
        { ALT: () => this.CONSUME(T.Amp) },
        { ALT: () => this.CONSUME(T.ShiftLeft) },
        { ALT: () => this.CONSUME(T.ShiftRight) },
        { ALT: () => this.CONSUME(T.Plus) },
        { ALT: () => this.CONSUME(T.Minus) },
        { ALT: () => this.CONSUME(T.Star) },
        { ALT: () => this.CONSUME(T.Slash) },
        { ALT: () => this.CONSUME(T.Percent) },
      ]));
      this.SUBRULE2(this.unary);
    });
  });

  unary = this.RULE('unary', () => {
    this.MANY(() => {
      this.OR((this.alts.unaryOperator ??= [
        { ALT: () => this.CONSUME(T.Minus) },
        { ALT: () => this.CONSUME(T.Tilde) },
        { ALT: () => this.CONSUME(T.Plus) },
      ]));
    });
    this.SUBRULE(this.primary);
  });

  primary = this.RULE('primary', () => {
    this.OR((this.alts.primary ??= [
      { ALT: () => this.CONSUME(T.IntLiteral) },
      { ALT: () => this.CONSUME(T.Identifier) },
      {
        ALT: () => {
          this.CONSUME(T.Sizeof);
          this.CONSUME(T.LParen);
          this.SUBRULE(this.typeRef);
          this.CONSUME(T.RParen);
        },
      },
      {
        ALT: () => {
          this.CONSUME2(T.LParen);
          this.SUBRULE(this.expr);
          this.CONSUME2(T.RParen);
        },
      },
    ]));
  });
}

let shared: MdlGrammar | null = null;
let sharedFast: MdlGrammar | null = null;
/** Self-analysis costs milliseconds, so one instance serves every parse (one per recovery mode). */
export function grammar(recovery = true): MdlGrammar {
  if (!recovery) return (sharedFast ??= new MdlGrammar(false));
  shared ??= new MdlGrammar();
  return shared;
}

/** After a parse was aborted, its half-unwound state is not reused. */
export function discardGrammar(): void {
  shared = null;
  sharedFast = null;
}
