// The canonical formatter behind `mdidl fmt`: AST back to text in one fixed layout. The only input
// besides the tree is the comment list, so every comment is re-attached to a node by its position
// (see placeComments) and printed next to that node; the layout itself never looks at the source.
import type * as A from './ast.js';
import { BINARY_PRECEDENCE } from './ast.js';

const INDENT = '    ';

export function printDocument(doc: A.Document): string {
  const tops = topItems(doc);
  const placed = placeComments(doc, tops);
  const lines: string[] = [];
  emitItems(lines, tops, placed, placed.ends.get(doc) ?? [], '', topSeparator);
  return lines.length ? lines.join('\n') + '\n' : '';
}

// ---- comment placement -----------------------------------------------------------------------

/** Anything comments can attach to: a top-level item or a member of a body. */
interface Anchor {
  node: TopItem | Member;
  loc: A.Loc;
  body: Body | null;
}

/** The `{ ... }` of a struct, union, enum or interface. */
interface Body {
  owner: A.Decl;
  /** Offset where the header ends; comments past it (and inside the span) belong to the body. */
  start: number;
  members: Anchor[];
}

type TopItem = A.ModuleDecl | A.ImportDecl | A.Decl;
type Member = A.Field | A.UnionArm | A.EnumMember | A.FunctionDecl;

interface Slot {
  leading: A.Comment[];
  trailing: A.Comment[];
}

interface Placement {
  slots: Map<object, Slot>;
  /** Comments after the last member of a body (keyed by its decl) or at the end of the file (keyed by the document). */
  ends: Map<object, A.Comment[]>;
}

function topItems(doc: A.Document): Anchor[] {
  const items: TopItem[] = [...(doc.module ? [doc.module] : []), ...doc.imports, ...doc.decls];
  // The builder already keeps source order; sorting makes the binary search below safe regardless.
  return items.sort((a, b) => a.loc.offset - b.loc.offset).map((node) => ({ node, loc: node.loc, body: bodyOf(node) }));
}

function bodyOf(item: TopItem): Body | null {
  const leaf = (node: Member): Anchor => ({ node, loc: node.loc, body: null });
  switch (item.kind) {
    case 'Struct':
      return item.fields ? { owner: item, start: item.name.loc.endOffset, members: item.fields.map(leaf) } : null;
    case 'Union':
      // `union u;` and `union u {}` give the same AST; both are treated (and printed) as a body.
      return { owner: item, start: (item.switchType ?? item.name).loc.endOffset, members: item.arms.map(leaf) };
    case 'Enum':
      return { owner: item, start: (item.base ?? item.name).loc.endOffset, members: item.members.map(leaf) };
    case 'Interface':
      return { owner: item, start: item.name.loc.endOffset, members: item.functions.map(leaf) };
    default:
      return null;
  }
}

/**
 * Every comment goes to exactly one place:
 * - inside an item's span: into its body when past the header, else before the item;
 * - starting on the line where the previous item ends: after that item on the same line;
 * - otherwise before the next item, or, when there is none, before the closing `}` / at end of file.
 */
function placeComments(doc: A.Document, tops: Anchor[]): Placement {
  const placed: Placement = { slots: new Map(), ends: new Map() };
  const slot = (node: object): Slot => {
    let s = placed.slots.get(node);
    if (!s) placed.slots.set(node, (s = { leading: [], trailing: [] }));
    return s;
  };
  const comments = [...doc.comments].sort((a, b) => a.loc.offset - b.loc.offset);
  for (const c of comments) {
    const o = c.loc.offset;
    let members = tops;
    let owner: object = doc;
    for (;;) {
      const i = lastStartingAtOrBefore(members, o);
      const at = i >= 0 ? members[i] : undefined;
      if (at && o < at.loc.endOffset) {
        if (at.body && o >= at.body.start) {
          members = at.body.members;
          owner = at.body.owner;
          continue;
        }
        slot(at.node).leading.push(c);
      } else if (at && at.loc.endLine === c.loc.line) {
        slot(at.node).trailing.push(c);
      } else {
        const next = members[i + 1];
        if (next) slot(next.node).leading.push(c);
        else {
          const ends = placed.ends.get(owner);
          if (ends) ends.push(c);
          else placed.ends.set(owner, [c]);
        }
      }
      break;
    }
  }
  return placed;
}

/** Members never overlap, so the one that could contain `offset` is the last one starting before it. */
function lastStartingAtOrBefore(items: Anchor[], offset: number): number {
  let lo = 0;
  let hi = items.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (items[mid]!.loc.offset <= offset) {
      found = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return found;
}

// ---- layout ----------------------------------------------------------------------------------

/** Whether a blank line separates two neighbouring items of the same list. */
type Separator = (prev: Anchor['node'], next: Anchor['node']) => boolean;

// One-line declarations of a kind read as a list; anything with a body stands apart.
const oneLiner = (n: Anchor['node']): string | null =>
  n.kind === 'Const' || n.kind === 'Import' || n.kind === 'Typedef'
    ? n.kind
    : n.kind === 'Struct' && n.fields === null
      ? 'ForwardStruct'
      : null;
const topSeparator: Separator = (prev, next) => oneLiner(prev) === null || oneLiner(prev) !== oneLiner(next);
const memberSeparator: Separator = () => false;

/** The source had at least one blank line between a comment ending on `endLine` and what starts on `line`. */
function gap(endLine: number, line: number): boolean {
  return line > endLine + 1;
}

function emitItems(
  lines: string[],
  items: Anchor[],
  placed: Placement,
  ends: A.Comment[],
  indent: string,
  separator: Separator,
): void {
  let prev: Anchor | undefined;
  for (const item of items) {
    if (prev && separator(prev.node, item.node)) lines.push('');
    const s = placed.slots.get(item.node);
    emitLeading(lines, s?.leading ?? [], item, indent);
    const printed = printItem(item, placed, indent);
    const trailing = s?.trailing ?? [];
    if (trailing.length) printed[printed.length - 1] += ' ' + trailing.map((c) => c.text).join(' ');
    lines.push(...printed);
    prev = item;
  }
  // Comments after the last item keep one blank line if the source had any before them.
  let endLine = prev ? lastLine(prev, placed) : undefined;
  for (const c of ends) {
    if (endLine !== undefined && gap(endLine, c.loc.line)) lines.push('');
    lines.push(indent + c.text);
    endLine = c.loc.endLine;
  }
}

function lastLine(item: Anchor, placed: Placement): number {
  const trailing = placed.slots.get(item.node)?.trailing ?? [];
  return trailing[trailing.length - 1]?.loc.endLine ?? item.loc.endLine;
}

/**
 * Comments written before the item keep one blank line where the source had one (between
 * themselves and before the item); comments moved out of the item's span go right above it.
 */
function emitLeading(lines: string[], leading: A.Comment[], item: Anchor, indent: string): void {
  leading.forEach((c, i) => {
    lines.push(indent + c.text);
    if (c.loc.offset >= item.loc.offset) return;
    const next = leading[i + 1];
    const nextLine = next && next.loc.offset < item.loc.offset ? next.loc.line : item.loc.line;
    if (gap(c.loc.endLine, nextLine)) lines.push('');
  });
}

/** The item's lines, the first one indented; the caller appends trailing comments to the last. */
function printItem(item: Anchor, placed: Placement, indent: string): string[] {
  const node = item.node;
  switch (node.kind) {
    case 'Module':
      return [`${indent}module ${node.name.value} version ${node.version.text};`];
    case 'Import':
      return [`${indent}import "${node.path}";`];
    case 'Const': {
      const type = node.type ? typeAlone(node.type) + ' ' : '';
      return [`${indent}${attrs(node.attrs)}const ${type}${node.name.value} = ${printExpr(node.value)};`];
    }
    case 'Typedef':
      return [`${indent}${attrs(node.attrs)}typedef ${declarator(node.type, node.name)}${dims(node.dims)};`];
    case 'Callback':
      return [
        `${indent}${attrs(node.attrs)}callback ${attrs(node.returnAttrs)}` +
          `${declarator(node.returnType, node.name)}(${params(node.params)});`,
      ];
    case 'Struct':
      if (!node.fields) return [`${indent}${attrs(node.attrs)}struct ${node.name.value};`];
      return withBody(`${indent}${attrs(node.attrs)}struct ${node.name.value}`, item, placed, indent);
    case 'Union': {
      const sw = node.switchType ? ` switch (${typeAlone(node.switchType)})` : '';
      return withBody(`${indent}${attrs(node.attrs)}union ${node.name.value}${sw}`, item, placed, indent);
    }
    case 'Enum': {
      const base = node.base ? ` : ${typeAlone(node.base)}` : '';
      return withBody(`${indent}${attrs(node.attrs)}enum ${node.name.value}${base}`, item, placed, indent);
    }
    case 'Interface':
      return withBody(`${indent}${attrs(node.attrs)}interface ${node.name.value}`, item, placed, indent);
    case 'Field':
      return [indent + field(node)];
    case 'UnionArm': {
      // Labels collapse to one `case` list; the AST keeps them flat, so this re-parses identically.
      const cases = node.cases.length ? `case ${node.cases.map(printExpr).join(', ')}: ` : '';
      return [indent + cases + (node.isDefault ? 'default: ' : '') + field(node.field)];
    }
    case 'EnumMember':
      return [`${indent}${attrs(node.attrs)}${node.name.value}${node.value ? ' = ' + printExpr(node.value) : ''},`];
    case 'Function': {
      const reads = node.reads ? ` reads(${node.reads.map(accessPath).join(', ')})` : '';
      const writes = node.writes ? ` writes(${node.writes.map(accessPath).join(', ')})` : '';
      return [
        `${indent}${attrs(node.attrs)}${node.role} ${attrs(node.returnAttrs)}` +
          `${declarator(node.returnType, node.name)}(${params(node.params)})${reads}${writes};`,
      ];
    }
  }
}

function withBody(header: string, item: Anchor, placed: Placement, indent: string): string[] {
  const body = item.body;
  const ends = body ? placed.ends.get(body.owner) ?? [] : [];
  if (!body || (!body.members.length && !ends.length)) return [header + ' {}'];
  const lines = [header + ' {'];
  emitItems(lines, body.members, placed, ends, indent + INDENT, memberSeparator);
  lines.push(indent + '}');
  return lines;
}

// ---- pieces ----------------------------------------------------------------------------------

function attrs(list: A.Attribute[]): string {
  return list.length ? `[${list.map(attribute).join(', ')}] ` : '';
}

function attribute(a: A.Attribute): string {
  return a.hasParens || a.args.length ? `${a.name.value}(${a.args.map(printExpr).join(', ')})` : a.name.value;
}

function field(f: A.Field): string {
  const bits = f.bits ? ` : ${printExpr(f.bits)}` : '';
  return `${attrs(f.attrs)}${declarator(f.type, f.name)}${dims(f.dims)}${bits};`;
}

function params(list: A.Param[]): string {
  return list.map((p) => `${attrs(p.attrs)}${declarator(p.type, p.name)}${dims(p.dims)}`).join(', ');
}

function dims(list: A.Expr[]): string {
  return list.map((d) => `[${printExpr(d)}]`).join('');
}

/** `const u8 *name`: the stars go with the name, as in C. */
function declarator(t: A.TypeRef, name: A.Name): string {
  return `${t.isConst ? 'const ' : ''}${t.name.value} ${'*'.repeat(t.pointers)}${name.value}`;
}

/** A type with no name after it (sizeof, enum base, switch): `u8 *`. */
function typeAlone(t: A.TypeRef): string {
  return `${t.isConst ? 'const ' : ''}${t.name.value}${t.pointers ? ' ' + '*'.repeat(t.pointers) : ''}`;
}

function accessPath(p: A.AccessPath): string {
  const wildcard = p.wildcard === 'shallow' ? '.*' : p.wildcard === 'deep' ? '.**' : '';
  return [p.root, ...p.fields].map((n) => n.value).join('.') + wildcard;
}

// ---- expressions -----------------------------------------------------------------------------

export function printExpr(e: A.Expr): string {
  switch (e.kind) {
    case 'IntLiteral':
      return e.text;
    case 'StringLiteral':
      return `"${e.value}"`;
    case 'MemberPath':
      return e.names.map((n) => n.value).join('.');
    case 'MemberChoice':
      return e.paths.map(printExpr).join(' | ');
    case 'NameRef':
      return e.name.value;
    case 'Sizeof':
      return `sizeof(${typeAlone(e.type)})`;
    case 'Unary': {
      // No parentheses around a nested unary: each pair would count towards the parser's depth limit.
      const operand = e.operand.kind === 'Binary' ? `(${printExpr(e.operand)})` : printExpr(e.operand);
      return e.op + (operand.startsWith(e.op) && e.op !== '~' ? ' ' : '') + operand;
    }
    case 'Binary': {
      const prec = BINARY_PRECEDENCE[e.op];
      // Left-associative: an equal-precedence operand needs parentheses only on the right.
      const left = e.left.kind === 'Binary' && BINARY_PRECEDENCE[e.left.op] < prec ? `(${printExpr(e.left)})` : printExpr(e.left);
      const right =
        e.right.kind === 'Binary' && BINARY_PRECEDENCE[e.right.op] <= prec ? `(${printExpr(e.right)})` : printExpr(e.right);
      return `${left} ${e.op} ${right}`;
    }
  }
}
