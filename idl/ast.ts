// The syntax tree of one .mdl file, exactly as written. Names are not resolved here: the checker
// does that. Every node carries its source span so every later stage can point at the text.

/** A source span. A top-level declaration's span starts at its leading attribute list, if any. */
export interface Loc {
  file: string;
  /** 1-based line and column of the first character. */
  line: number;
  column: number;
  /** 0-based offset of the first character and one past the last. */
  offset: number;
  endOffset: number;
  endLine: number;
  endColumn: number;
}

export interface Name {
  kind: 'Name';
  value: string;
  loc: Loc;
}

export interface Comment {
  kind: 'Comment';
  /** The full comment text including its `//` or `/* *\/` delimiters. */
  text: string;
  block: boolean;
  loc: Loc;
}

export interface Document {
  kind: 'Document';
  file: string;
  module: ModuleDecl | null;
  imports: ImportDecl[];
  decls: Decl[];
  /** Comments in source order; the printer puts them back between the nodes they sat between. */
  comments: Comment[];
  loc: Loc;
}

export interface ModuleDecl {
  kind: 'Module';
  name: Name;
  version: IntLiteral;
  loc: Loc;
}

export interface ImportDecl {
  kind: 'Import';
  /** The path as written, without quotes; resolved against the importing file and include paths. */
  path: string;
  loc: Loc;
}

/** `[name]` or `[name(arg, ...)]`; arguments are expressions, type names appear as NameRefs. */
export interface Attribute {
  kind: 'Attribute';
  name: Name;
  args: Expr[];
  /** True when written with parentheses, even empty ones, so the printer can keep `f()` apart from `f`. */
  hasParens: boolean;
  loc: Loc;
}

export type Decl =
  | ConstDecl
  | EnumDecl
  | StructDecl
  | UnionDecl
  | TypedefDecl
  | CallbackDecl
  | InterfaceDecl;

export interface ConstDecl {
  kind: 'Const';
  attrs: Attribute[];
  /** Optional declared type: `const u16 MTU = 1500;`. */
  type: TypeRef | null;
  name: Name;
  value: Expr;
  loc: Loc;
}

export interface EnumDecl {
  kind: 'Enum';
  attrs: Attribute[];
  name: Name;
  /** Underlying integer type: `enum state : u8 { ... }`; the C default (s32) when absent. */
  base: TypeRef | null;
  members: EnumMember[];
  loc: Loc;
}

export interface EnumMember {
  kind: 'EnumMember';
  attrs: Attribute[];
  name: Name;
  value: Expr | null;
  loc: Loc;
}

export interface StructDecl {
  kind: 'Struct';
  attrs: Attribute[];
  name: Name;
  /** null for a forward declaration (`struct pci_dev;`): an incomplete type, usable only behind handles. */
  fields: Field[] | null;
  loc: Loc;
}

export interface UnionDecl {
  kind: 'Union';
  attrs: Attribute[];
  name: Name;
  /** `union u switch (T)`: the discriminant type; null for a plain C union (only usable unmarshaled). */
  switchType: TypeRef | null;
  arms: UnionArm[];
  loc: Loc;
}

export interface UnionArm {
  kind: 'UnionArm';
  /** Case labels; empty with isDefault false for an unlabeled member of a plain union. */
  cases: Expr[];
  isDefault: boolean;
  field: Field;
  loc: Loc;
}

export interface TypedefDecl {
  kind: 'Typedef';
  attrs: Attribute[];
  type: TypeRef;
  name: Name;
  dims: Expr[];
  loc: Loc;
}

/** A function-pointer type: `callback s32 irq_handler_t(s32 irq, [opaque] void *dev);`. */
export interface CallbackDecl {
  kind: 'Callback';
  attrs: Attribute[];
  returnAttrs: Attribute[];
  returnType: TypeRef;
  name: Name;
  params: Param[];
  loc: Loc;
}

/** A set of functions; as a pointee type it is the C ops table (struct of function pointers). */
export interface InterfaceDecl {
  kind: 'Interface';
  attrs: Attribute[];
  name: Name;
  functions: FunctionDecl[];
  loc: Loc;
}

export type Role = 'upcall' | 'downcall' | 'critical';

export interface FunctionDecl {
  kind: 'Function';
  attrs: Attribute[];
  role: Role;
  returnAttrs: Attribute[];
  returnType: TypeRef;
  name: Name;
  params: Param[];
  /** null when the clause is absent (the default set applies), [] for an explicit empty `reads()`. */
  reads: AccessPath[] | null;
  writes: AccessPath[] | null;
  loc: Loc;
}

export interface Param {
  kind: 'Param';
  attrs: Attribute[];
  type: TypeRef;
  name: Name;
  dims: Expr[];
  loc: Loc;
}

export interface Field {
  kind: 'Field';
  attrs: Attribute[];
  type: TypeRef;
  name: Name;
  /** Fixed array dimensions, outermost first: `u8 a[2][3]` has dims [2, 3]. */
  dims: Expr[];
  /** Bitfield width: `u32 up : 1;`. */
  bits: Expr | null;
  loc: Loc;
}

/** A type as written at a use: a name, `const`, and pointer stars. */
export interface TypeRef {
  kind: 'TypeRef';
  isConst: boolean;
  name: Name;
  pointers: number;
  loc: Loc;
}

/** `dev.priv.flags`, `dev.priv.*` (every field of priv) or `dev.priv.**` (everything reachable). */
export interface AccessPath {
  kind: 'AccessPath';
  root: Name;
  fields: Name[];
  wildcard: 'none' | 'shallow' | 'deep';
  loc: Loc;
}

export type Expr = IntLiteral | NameRef | UnaryExpr | BinaryExpr | SizeofExpr | StringLiteral | MemberPath | MemberChoice;

/**
 * `watchdog_task.work`: only an attribute argument ([container]), a member reached through
 * embedded structs, two names or more (one name is a NameRef).
 */
export interface MemberPath {
  kind: 'MemberPath';
  names: Name[];
  loc: Loc;
}

/**
 * `watchdog_task | fifo_stall_task | phy_info.work`: one of several members, each a name or a
 * member path, in the order written; only the field argument of [container], two or more.
 */
export interface MemberChoice {
  kind: 'MemberChoice';
  paths: Array<NameRef | MemberPath>;
  loc: Loc;
}

/** `"linux/netdevice.h"`: only as an attribute argument; the text between the quotes, as written. */
export interface StringLiteral {
  kind: 'StringLiteral';
  value: string;
  loc: Loc;
}

export interface IntLiteral {
  kind: 'IntLiteral';
  /** As written (`0x10`), so formatting keeps the author's radix. */
  text: string;
  /** Decimal value; a string because JSON has no 64-bit integers. */
  value: string;
  loc: Loc;
}

export interface NameRef {
  kind: 'NameRef';
  name: Name;
  loc: Loc;
}

export type UnaryOp = '-' | '~' | '+';
export interface UnaryExpr {
  kind: 'Unary';
  op: UnaryOp;
  operand: Expr;
  loc: Loc;
}

export type BinaryOp = '|' | '^' | '&' | '<<' | '>>' | '+' | '-' | '*' | '/' | '%';
export interface BinaryExpr {
  kind: 'Binary';
  op: BinaryOp;
  left: Expr;
  right: Expr;
  loc: Loc;
}

export interface SizeofExpr {
  kind: 'Sizeof';
  type: TypeRef;
  loc: Loc;
}

/** Binding strength of binary operators, as in C: larger binds tighter. */
export const BINARY_PRECEDENCE: Record<BinaryOp, number> = {
  '|': 1,
  '^': 2,
  '&': 3,
  '<<': 4,
  '>>': 4,
  '+': 5,
  '-': 5,
  '*': 6,
  '/': 6,
  '%': 6,
};

export type Node =
  | Document
  | ModuleDecl
  | ImportDecl
  | Attribute
  | Decl
  | EnumMember
  | UnionArm
  | FunctionDecl
  | Param
  | Field
  | TypeRef
  | AccessPath
  | Expr
  | Name
  | Comment;
