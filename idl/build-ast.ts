// Turns a syntax-error-free CST into the typed AST, and reports the few mistakes that are easier to
// see here than in the grammar (literal forms, declaration order, wildcard placement, depth).
import type { CstElement, CstNode, IToken } from 'chevrotain';
import type * as A from './ast.js';
import { BINARY_PRECEDENCE } from './ast.js';
import type { Diagnostic } from './diagnostics.js';
import type { LineIndex } from './line-index.js';

/** Deeper expression trees are rejected: no real interface needs them (a mask of 200 ORed flags
 * fits), and every later stage recurses over the tree. */
export const MAX_EXPR_DEPTH = 256;

/** Fields one access path may step through: the IR's selections and every backend walk a path's
 * steps recursively, and a driver's deepest real path (dev->priv->ring->desc->addr) is a handful. */
export const MAX_ACCESS_PATH_SEGMENTS = 64;

type Children = Record<string, CstElement[] | undefined>;

/** What text.split('\n').length is, without an array of every line of the file. */
function lineCount(text: string): number {
  let n = 1;
  for (let at = text.indexOf('\n'); at >= 0; at = text.indexOf('\n', at + 1)) n++;
  return n;
}

export class AstBuilder {
  readonly diagnostics: Diagnostic[] = [];
  constructor(
    private readonly file: string,
    private readonly lines: LineIndex,
  ) {}

  // ---- helpers -------------------------------------------------------------------------------

  private nodes(c: Children, key: string): CstNode[] {
    return (c[key] ?? []) as CstNode[];
  }
  private node(c: Children, key: string, i = 0): CstNode | undefined {
    return this.nodes(c, key)[i];
  }
  private toks(c: Children, key: string): IToken[] {
    return (c[key] ?? []) as IToken[];
  }
  private tok(c: Children, key: string, i = 0): IToken | undefined {
    return this.toks(c, key)[i];
  }
  private mustNode(c: Children, key: string, i = 0): CstNode {
    const n = this.node(c, key, i);
    if (!n) throw new Error(`internal: CST without ${key}`);
    return n;
  }
  private mustTok(c: Children, key: string, i = 0): IToken {
    const t = this.tok(c, key, i);
    if (!t) throw new Error(`internal: CST without token ${key}`);
    return t;
  }

  tokLoc(t: IToken): A.Loc {
    return this.loc(t.startOffset, t.startOffset + t.image.length - 1);
  }
  nodeLoc(n: CstNode): A.Loc {
    const l = n.location;
    if (!l) throw new Error('internal: CST node without location');
    return this.loc(l.startOffset, l.endOffset ?? l.startOffset);
  }
  /** The location from the first to the last character (inclusive offsets), as chevrotain positions them. */
  private loc(first: number, last: number): A.Loc {
    const line = this.lines.line(first);
    const endLine = this.lines.line(last);
    return {
      file: this.file,
      line,
      column: this.lines.column(first, line),
      offset: first,
      endOffset: last + 1,
      endLine,
      endColumn: this.lines.column(last, endLine) + 1,
    };
  }
  private span(a: A.Loc, b: A.Loc): A.Loc {
    return { ...a, endOffset: b.endOffset, endLine: b.endLine, endColumn: b.endColumn };
  }
  private name(t: IToken): A.Name {
    return { kind: 'Name', value: t.image, loc: this.tokLoc(t) };
  }
  private error(code: string, message: string, loc: A.Loc): void {
    this.diagnostics.push({ severity: 'error', code, message, loc });
  }

  // ---- document ------------------------------------------------------------------------------

  document(cst: CstNode, text: string, comments: A.Comment[]): A.Document {
    const doc = this.begin(text, comments);
    for (const item of this.nodes(cst.children, 'topItem')) this.item(doc, item);
    return doc;
  }

  /** A document without declarations yet: item() adds them in the file's order. */
  begin(text: string, comments: A.Comment[]): A.Document {
    return {
      kind: 'Document',
      file: this.file,
      module: null,
      imports: [],
      decls: [],
      comments,
      loc: {
        file: this.file,
        line: 1,
        column: 1,
        offset: 0,
        endOffset: text.length,
        endLine: lineCount(text),
        endColumn: text.length - text.lastIndexOf('\n'),
      },
    };
  }

  /** One top-level item (module, import or declaration) of doc, after those before it. */
  item(doc: A.Document, item: CstNode): void {
    const c = item.children;
    const mod = this.node(c, 'moduleDecl');
    const imp = this.node(c, 'importDecl');
    if (mod) {
      const m = this.moduleDecl(mod);
      if (doc.module) this.error('duplicate-module', 'a file declares its module once', m.loc);
      else if (doc.imports.length || doc.decls.length)
        this.error('module-not-first', 'the module declaration must come first in the file', m.loc);
      else doc.module = m;
    } else if (imp) {
      const i = this.importDecl(imp);
      if (doc.decls.length) this.error('import-after-decl', 'imports must come before declarations', i.loc);
      else doc.imports.push(i);
    } else {
      const attrs = this.attrLists(this.nodes(c, 'attrList'));
      const decl = this.declBody(this.mustNode(c, 'declBody'), attrs);
      decl.loc = this.nodeLoc(item);
      doc.decls.push(decl);
    }
  }

  private moduleDecl(n: CstNode): A.ModuleDecl {
    const c = n.children;
    return {
      kind: 'Module',
      name: this.name(this.mustTok(c, 'Identifier')),
      version: this.intLiteral(this.mustTok(c, 'IntLiteral')),
      loc: this.nodeLoc(n),
    };
  }

  private importDecl(n: CstNode): A.ImportDecl {
    const t = this.mustTok(n.children, 'StringLiteral');
    const raw = t.image.slice(1, -1);
    if (/\\/.test(raw)) this.error('bad-import-path', 'import paths take no escapes; use forward slashes', this.tokLoc(t));
    if (raw === '') this.error('bad-import-path', 'import path is empty', this.tokLoc(t));
    return { kind: 'Import', path: raw, loc: this.nodeLoc(n) };
  }

  private declBody(n: CstNode, attrs: A.Attribute[]): A.Decl {
    const c = n.children;
    const which = Object.keys(c)[0];
    const inner = which ? this.mustNode(c, which) : undefined;
    if (!inner) throw new Error('internal: empty declaration');
    switch (which) {
      case 'constDecl':
        return this.constDecl(inner, attrs);
      case 'enumDecl':
        return this.enumDecl(inner, attrs);
      case 'structDecl':
        return this.structDecl(inner, attrs);
      case 'unionDecl':
        return this.unionDecl(inner, attrs);
      case 'typedefDecl':
        return this.typedefDecl(inner, attrs);
      case 'callbackDecl':
        return this.callbackDecl(inner, attrs);
      case 'interfaceDecl':
        return this.interfaceDecl(inner, attrs);
      default:
        throw new Error(`internal: unknown declaration ${which}`);
    }
  }

  // ---- attributes ----------------------------------------------------------------------------

  private attrList(n: CstNode): A.Attribute[] {
    return this.nodes(n.children, 'attribute').map((a) => this.attribute(a));
  }

  /** The attributes of several lists, in order (a loop: flatMap costs more than the lists hold). */
  private attrLists(lists: CstNode[]): A.Attribute[] {
    const out: A.Attribute[] = [];
    for (const n of lists) for (const a of this.nodes(n.children, 'attribute')) out.push(this.attribute(a));
    return out;
  }

  private attribute(n: CstNode): A.Attribute {
    const c = n.children;
    const t = this.tok(c, 'Identifier') ?? this.mustTok(c, 'Switch');
    const exprs = this.nodes(c, 'expr');
    const strings = this.toks(c, 'StringLiteral');
    const paths = this.nodes(c, 'memberPaths');
    return {
      kind: 'Attribute',
      name: this.name(t),
      // Arguments in source order; only a mix of kinds needs sorting.
      args: !strings.length && !paths.length
        ? exprs.map((e) => this.expr(e))
        : [
            ...exprs.map((e) => ({ at: e.location?.startOffset ?? 0, arg: this.expr(e) })),
            ...strings.map((t) => ({ at: t.startOffset, arg: this.stringLiteral(t) })),
            ...paths.map((p) => ({ at: p.location?.startOffset ?? 0, arg: this.memberPaths(p) })),
          ]
            .sort((x, y) => x.at - y.at)
            .map((x) => x.arg),
      hasParens: this.toks(c, 'LParen').length > 0,
      loc: this.nodeLoc(n),
    };
  }

  /** `a.b` (a MemberPath), or `a | b.c` (a MemberChoice of names and paths, in source order). */
  private memberPaths(n: CstNode): A.MemberPath | A.MemberChoice {
    const c = n.children;
    const toks = [...this.toks(c, 'Identifier'), ...this.toks(c, 'Dot'), ...this.toks(c, 'Pipe')].sort((a, b) => a.startOffset - b.startOffset);
    const groups: IToken[][] = [[]];
    for (const t of toks) {
      if (t.image === '|') groups.push([]);
      else if (t.image !== '.') groups[groups.length - 1]!.push(t);
    }
    const refs = groups.map((g): A.NameRef | A.MemberPath => {
      const loc = this.span(this.tokLoc(g[0]!), this.tokLoc(g[g.length - 1]!));
      if (g.length === 1) return { kind: 'NameRef', name: this.name(g[0]!), loc };
      if (g.length > MAX_ACCESS_PATH_SEGMENTS + 1)
        this.error('access-path-too-long', `member path has ${g.length - 1} steps; at most ${MAX_ACCESS_PATH_SEGMENTS} are allowed`, loc);
      return { kind: 'MemberPath', names: g.map((t) => this.name(t)), loc };
    });
    if (refs.length === 1) return refs[0] as A.MemberPath;
    return { kind: 'MemberChoice', paths: refs, loc: this.nodeLoc(n) };
  }

  private stringLiteral(t: IToken): A.StringLiteral {
    return { kind: 'StringLiteral', value: t.image.slice(1, -1), loc: this.tokLoc(t) };
  }

  private leadingAttrs(c: Children, before: number): A.Attribute[] {
    return this.attrLists(this.nodes(c, 'attrList').filter((n) => (n.location?.startOffset ?? 0) < before));
  }
  private trailingAttrs(c: Children, after: number): A.Attribute[] {
    return this.attrLists(this.nodes(c, 'attrList').filter((n) => (n.location?.startOffset ?? 0) > after));
  }

  // ---- declarations --------------------------------------------------------------------------

  private constDecl(n: CstNode, attrs: A.Attribute[]): A.ConstDecl {
    const c = n.children;
    const ids = this.toks(c, 'Identifier');
    const typeTok = ids.length === 2 ? ids[0] : undefined;
    const nameTok = ids[ids.length - 1];
    if (!nameTok) throw new Error('internal: const without name');
    const type: A.TypeRef | null = typeTok
      ? { kind: 'TypeRef', isConst: false, name: this.name(typeTok), pointers: 0, loc: this.tokLoc(typeTok) }
      : null;
    return {
      kind: 'Const',
      attrs,
      type,
      name: this.name(nameTok),
      value: this.expr(this.mustNode(c, 'expr')),
      loc: this.nodeLoc(n),
    };
  }

  private enumDecl(n: CstNode, attrs: A.Attribute[]): A.EnumDecl {
    const c = n.children;
    const base = this.node(c, 'typeRef');
    return {
      kind: 'Enum',
      attrs,
      name: this.name(this.mustTok(c, 'Identifier')),
      base: base ? this.typeRef(base) : null,
      members: this.nodes(c, 'enumMember').map((m) => {
        const mc = m.children;
        const value = this.node(mc, 'expr');
        return {
          kind: 'EnumMember' as const,
          attrs: this.attrLists(this.nodes(mc, 'attrList')),
          name: this.name(this.mustTok(mc, 'Identifier')),
          value: value ? this.expr(value) : null,
          loc: this.nodeLoc(m),
        };
      }),
      loc: this.nodeLoc(n),
    };
  }

  private structDecl(n: CstNode, attrs: A.Attribute[]): A.StructDecl {
    const c = n.children;
    return {
      kind: 'Struct',
      attrs,
      name: this.name(this.mustTok(c, 'Identifier')),
      fields: this.toks(c, 'LBrace').length ? this.nodes(c, 'fieldDecl').map((f) => this.field(f)) : null,
      loc: this.nodeLoc(n),
    };
  }

  private field(n: CstNode): A.Field {
    const c = n.children;
    const bits = this.node(c, 'expr');
    return {
      kind: 'Field',
      attrs: this.attrLists(this.nodes(c, 'attrList')),
      type: this.typeRef(this.mustNode(c, 'typeRef')),
      name: this.name(this.mustTok(c, 'Identifier')),
      dims: this.nodes(c, 'dim').map((d) => this.expr(this.mustNode(d.children, 'expr'))),
      bits: bits ? this.expr(bits) : null,
      loc: this.nodeLoc(n),
    };
  }

  private unionDecl(n: CstNode, attrs: A.Attribute[]): A.UnionDecl {
    const c = n.children;
    const sw = this.node(c, 'typeRef');
    return {
      kind: 'Union',
      attrs,
      name: this.name(this.mustTok(c, 'Identifier')),
      switchType: sw ? this.typeRef(sw) : null,
      arms: this.nodes(c, 'unionArm').map((arm) => {
            const ac = arm.children;
            const labels = this.nodes(ac, 'caseLabel');
            return {
              kind: 'UnionArm' as const,
              cases: labels.flatMap((l) => this.nodes(l.children, 'expr').map((e) => this.expr(e))),
              isDefault: labels.some((l) => this.toks(l.children, 'Default').length > 0),
              field: this.field(this.mustNode(ac, 'fieldDecl')),
              loc: this.nodeLoc(arm),
            };
          }),
      loc: this.nodeLoc(n),
    };
  }

  private typedefDecl(n: CstNode, attrs: A.Attribute[]): A.TypedefDecl {
    const c = n.children;
    return {
      kind: 'Typedef',
      attrs,
      type: this.typeRef(this.mustNode(c, 'typeRef')),
      name: this.name(this.mustTok(c, 'Identifier')),
      dims: this.nodes(c, 'dim').map((d) => this.expr(this.mustNode(d.children, 'expr'))),
      loc: this.nodeLoc(n),
    };
  }

  private callbackDecl(n: CstNode, attrs: A.Attribute[]): A.CallbackDecl {
    const c = n.children;
    return {
      kind: 'Callback',
      attrs,
      returnAttrs: this.attrLists(this.nodes(c, 'attrList')),
      returnType: this.typeRef(this.mustNode(c, 'typeRef')),
      name: this.name(this.mustTok(c, 'Identifier')),
      params: this.params(this.mustNode(c, 'paramList')),
      loc: this.nodeLoc(n),
    };
  }

  private interfaceDecl(n: CstNode, attrs: A.Attribute[]): A.InterfaceDecl {
    const c = n.children;
    return {
      kind: 'Interface',
      attrs,
      name: this.name(this.mustTok(c, 'Identifier')),
      functions: this.nodes(c, 'functionDecl').map((f) => this.functionDecl(f)),
      loc: this.nodeLoc(n),
    };
  }

  private functionDecl(n: CstNode): A.FunctionDecl {
    const c = n.children;
    const roleNode = this.mustNode(c, 'role');
    const roleTok = Object.values(roleNode.children)[0]?.[0] as IToken | undefined;
    if (!roleTok) throw new Error('internal: function without role');
    const roleAt = roleTok.startOffset;
    let reads: A.AccessPath[] | null = null;
    let writes: A.AccessPath[] | null = null;
    for (const clause of this.nodes(c, 'accessClause')) {
      const cc = clause.children;
      const paths = this.nodes(cc, 'accessPath').map((p) => this.accessPath(p));
      const isReads = this.toks(cc, 'Reads').length > 0;
      const prev = isReads ? reads : writes;
      if (prev) {
        this.error(
          'duplicate-access-clause',
          `a function has one ${isReads ? 'reads' : 'writes'}(...) clause; list every path in it`,
          this.nodeLoc(clause),
        );
        continue;
      }
      if (isReads) reads = paths;
      else writes = paths;
    }
    return {
      kind: 'Function',
      attrs: this.leadingAttrs(c, roleAt),
      role: roleTok.image as A.Role,
      returnAttrs: this.trailingAttrs(c, roleAt),
      returnType: this.typeRef(this.mustNode(c, 'typeRef')),
      name: this.name(this.mustTok(c, 'Identifier')),
      params: this.params(this.mustNode(c, 'paramList')),
      reads,
      writes,
      loc: this.nodeLoc(n),
    };
  }

  private params(n: CstNode): A.Param[] {
    return this.nodes(n.children, 'param').map((p) => {
      const c = p.children;
      return {
        kind: 'Param' as const,
        attrs: this.attrLists(this.nodes(c, 'attrList')),
        type: this.typeRef(this.mustNode(c, 'typeRef')),
        name: this.name(this.mustTok(c, 'Identifier')),
        dims: this.nodes(c, 'dim').map((d) => this.expr(this.mustNode(d.children, 'expr'))),
        loc: this.nodeLoc(p),
      };
    });
  }

  private accessPath(n: CstNode): A.AccessPath {
    const c = n.children;
    const fields: A.Name[] = [];
    let wildcard: A.AccessPath['wildcard'] = 'none';
    const segments = this.nodes(c, 'accessSegment');
    if (segments.length > MAX_ACCESS_PATH_SEGMENTS)
      this.error('access-path-too-long', `access path has ${segments.length} steps; at most ${MAX_ACCESS_PATH_SEGMENTS} are allowed`, this.nodeLoc(n));
    for (const seg of segments) {
      const sc = seg.children;
      const id = this.tok(sc, 'Identifier');
      if (wildcard !== 'none') {
        this.error('wildcard-not-last', "a wildcard ('*' or '**') must end the access path", this.nodeLoc(seg));
        break;
      }
      if (id) fields.push(this.name(id));
      else wildcard = this.toks(sc, 'Star').length === 2 ? 'deep' : 'shallow';
    }
    return { kind: 'AccessPath', root: this.name(this.mustTok(c, 'Identifier')), fields, wildcard, loc: this.nodeLoc(n) };
  }

  private typeRef(n: CstNode): A.TypeRef {
    const c = n.children;
    return {
      kind: 'TypeRef',
      isConst: this.toks(c, 'Const').length > 0,
      name: this.name(this.mustTok(c, 'Identifier')),
      pointers: this.toks(c, 'Star').length,
      loc: this.nodeLoc(n),
    };
  }

  // ---- expressions ---------------------------------------------------------------------------

  /** A whole expression: built iteratively, then rejected if its tree is deeper than later stages recurse. */
  private expr(n: CstNode): A.Expr {
    const e = this.exprInner(n);
    if (treeDepth(e) <= MAX_EXPR_DEPTH) return e;
    this.error('expression-too-deep', `expression nests more than ${MAX_EXPR_DEPTH} levels deep`, e.loc);
    return { kind: 'IntLiteral', text: '0', value: '0', loc: e.loc };
  }

  private exprInner(n: CstNode): A.Expr {
    return this.binary(this.mustNode(n.children, 'binary'));
  }

  private binary(n: CstNode): A.Expr {
    const c = n.children;
    const operands = this.nodes(c, 'unary');
    // One operand has no operator after it: nothing to order.
    if (operands.length === 1) return this.unary(operands[0]!);
    const ops: IToken[] = [];
    // A loop, not push(...els): spreading 100,000 operators as arguments overflows the stack.
    for (const [key, els] of Object.entries(c)) if (key !== 'unary') for (const t of (els ?? []) as IToken[]) ops.push(t);
    ops.sort((a, b) => a.startOffset - b.startOffset);
    // Shunting-yard over the flat operand/operator list: left-associative, C precedence.
    const out: A.Expr[] = [];
    const stack: IToken[] = [];
    const reduce = (): void => {
      const op = stack.pop();
      const right = out.pop();
      const left = out.pop();
      if (!op || !right || !left) throw new Error('internal: unbalanced expression');
      out.push({ kind: 'Binary', op: op.image as A.BinaryOp, left, right, loc: this.span(left.loc, right.loc) });
    };
    const first = operands[0];
    if (!first) throw new Error('internal: expression without operand');
    out.push(this.unary(first));
    ops.forEach((op, i) => {
      const prec = PREC[op.image] ?? 0;
      while (stack.length && (PREC[stack[stack.length - 1]!.image] ?? 0) >= prec) reduce();
      stack.push(op);
      const operand = operands[i + 1];
      if (!operand) throw new Error('internal: operator without operand');
      out.push(this.unary(operand));
    });
    while (stack.length) reduce();
    const result = out[0];
    if (!result) throw new Error('internal: empty expression');
    return result;
  }

  private unary(n: CstNode): A.Expr {
    const c = n.children;
    if (!c['Minus'] && !c['Tilde'] && !c['Plus']) return this.primary(this.mustNode(c, 'primary'));
    const ops = [...this.toks(c, 'Minus'), ...this.toks(c, 'Tilde'), ...this.toks(c, 'Plus')].sort(
      (a, b) => a.startOffset - b.startOffset,
    );
    let e = this.primary(this.mustNode(c, 'primary'));
    for (let i = ops.length - 1; i >= 0; i--) {
      const op = ops[i]!;
      e = { kind: 'Unary', op: op.image as A.UnaryOp, operand: e, loc: this.span(this.tokLoc(op), e.loc) };
    }
    return e;
  }

  private primary(n: CstNode): A.Expr {
    const c = n.children;
    const lit = this.tok(c, 'IntLiteral');
    if (lit) return this.intLiteral(lit);
    const id = this.tok(c, 'Identifier');
    if (id) return { kind: 'NameRef', name: this.name(id), loc: this.tokLoc(id) };
    const ty = this.node(c, 'typeRef');
    if (ty) return { kind: 'Sizeof', type: this.typeRef(ty), loc: this.nodeLoc(n) };
    // Parenthesised: recursion here is bounded by the bracket-nesting limit checked before parsing.
    return this.exprInner(this.mustNode(c, 'expr'));
  }

  intLiteral(t: IToken): A.IntLiteral {
    const text = t.image;
    const loc = this.tokLoc(t);
    if (/^0[0-9]/.test(text)) {
      this.error(
        'ambiguous-octal',
        `'${text}' has a leading zero; write 0o${text.slice(1).replace(/^0+(?=.)/, '')} for octal or drop the zero`,
        loc,
      );
      return { kind: 'IntLiteral', text, value: '0', loc };
    }
    let value = '0';
    if (/^0[oO]/.test(text)) value = BigInt('0o' + text.slice(2)).toString();
    else value = BigInt(text).toString();
    return { kind: 'IntLiteral', text, value, loc };
  }
}

const PREC: Readonly<Record<string, number>> = BINARY_PRECEDENCE;

/** Depth of an expression tree, measured without recursion since the tree may be very deep. */
function treeDepth(root: A.Expr): number {
  let max = 0;
  const stack: [A.Expr, number][] = [[root, 1]];
  while (stack.length) {
    const [e, d] = stack.pop()!;
    if (d > max) max = d;
    if (e.kind === 'Unary') stack.push([e.operand, d + 1]);
    else if (e.kind === 'Binary') stack.push([e.left, d + 1], [e.right, d + 1]);
  }
  return max;
}
