// The IR: the checked program as one plain, JSON-serialisable structure. Every backend reads this
// and nothing else: names are resolved, typedefs kept by name with their meaning beside them,
// layouts computed for the target ABI, access sets resolved into trees, wire ids assigned.
// Integers that may exceed 2^53 (constant values, case labels) are decimal strings.

export const IR_VERSION = 'mdidl-ir/1';

export interface IrSource {
  file: string;
  line: number;
  column: number;
}

export type IrType =
  | { kind: 'int'; name: string; bits: number; signed: boolean }
  | { kind: 'bool' }
  | { kind: 'char' }
  | { kind: 'void' }
  | { kind: 'struct' | 'union' | 'enum' | 'callback' | 'interface'; name: string }
  | { kind: 'alias'; name: string; target: IrType }
  | { kind: 'pointer'; to: IrType; isConst: boolean }
  | { kind: 'array'; of: IrType; length: number };

export type IrExpr =
  | { kind: 'literal'; value: string }
  | { kind: 'constant'; name: string; value: string }
  /** A sibling field (in a struct) or a parameter (in a function), by name and index. */
  | { kind: 'slot'; name: string; index: number }
  | { kind: 'sizeof'; type: IrType; value: string }
  | { kind: 'unary'; op: '-' | '~' | '+'; operand: IrExpr }
  | { kind: 'binary'; op: string; left: IrExpr; right: IrExpr };

export type IrPointerMode = 'tracked' | 'ops' | 'opaque' | 'counted' | 'string' | 'interior' | 'container' | 'value';

/** How a value crosses: everything a backend needs besides the C type. */
export interface IrMarshal {
  /** 'value' for scalars, arrays and embedded aggregates; the pointer mode for pointers. */
  mode: 'value' | 'callback' | 'skip' | 'combolock' | IrPointerMode;
  nonNull: boolean;
  count: IrExpr | null;
  max: number | null;
  /** [string]: a NUL-terminated char pointer or char array. */
  string: boolean;
  /** [as(T)]: the struct or union the carrier really points to. */
  asType: string | null;
  /**
   * [container(T, f)]: the enclosing struct, and the field it points at (a member path `a.b.c`
   * through embedded structs). With a choice `[container(T, a | b.c)]`, `field` is the first member
   * and `alternatives` every one in the order written (null for one member).
   */
  container: { type: string; field: string; alternatives: string[] | null } | null;
  /** [switch(x)]: the discriminant's name and index among the siblings or parameters. */
  switchOn: { name: string; index: number } | null;
  recursive: boolean;
  /**
   * [trailing(accessor)]: the field is the area the kernel's object carries after itself, which
   * the kernel C reaches as `accessor(obj)`; null otherwise.
   */
  trailing: string | null;
}

export interface IrField {
  name: string;
  type: IrType;
  marshal: IrMarshal;
  offset: number;
  size: number;
  bitOffset: number | null;
  bitWidth: number | null;
  source: IrSource;
}

export interface IrStruct {
  kind: 'struct';
  name: string;
  module: string;
  /** [header("path")]: the C header that defines this type (kernel C includes it, never redefines the type). */
  header: string | null;
  /** [header("path", "spelling")]: the C name of a struct or union its header declares without a tag. */
  cSpelling: string | null;
  id: number;
  /** false for `struct x;`: known by name only, used behind handles. */
  complete: boolean;
  size: number;
  align: number;
  fields: IrField[];
  source: IrSource;
}

export interface IrUnionArm {
  cases: string[];
  isDefault: boolean;
  field: IrField;
}

export interface IrUnion {
  kind: 'union';
  name: string;
  module: string;
  /** [header("path")]: the C header that defines this type (kernel C includes it, never redefines the type). */
  header: string | null;
  /** [header("path", "spelling")]: the C name of a struct or union its header declares without a tag. */
  cSpelling: string | null;
  id: number;
  discriminant: IrType | null;
  size: number;
  align: number;
  arms: IrUnionArm[];
  source: IrSource;
}

export interface IrEnum {
  kind: 'enum';
  name: string;
  module: string;
  /** [header("path")]: the C header that defines this type (kernel C includes it, never redefines the type). */
  header: string | null;
  /** [header("path", "spelling")]: the C name of an enum its header declares without a tag (`e1000_mac_type`). */
  cSpelling: string | null;
  id: number;
  base: IrType;
  size: number;
  members: { name: string; value: string }[];
  source: IrSource;
}

export interface IrTypedef {
  kind: 'typedef';
  name: string;
  module: string;
  /** [header("path")]: the C header that defines this type (kernel C includes it, never redefines the type). */
  header: string | null;
  target: IrType;
  source: IrSource;
}

export interface IrParam {
  name: string;
  type: IrType;
  direction: 'in' | 'out' | 'inout';
  marshal: IrMarshal;
  source: IrSource;
}

export interface IrCallback {
  kind: 'callback';
  name: string;
  module: string;
  /** [header("path")]: the C header that defines this type (kernel C includes it, never redefines the type). */
  header: string | null;
  id: number;
  returns: { type: IrType; marshal: IrMarshal };
  params: IrParam[];
  source: IrSource;
}

export type IrTypeDecl = IrStruct | IrUnion | IrEnum | IrTypedef | IrCallback;

/** Which fields of an object cross. `fields` names them; `all` widens to every field ('shallow') or everything reachable ('deep'). */
export interface IrSelection {
  all: 'none' | 'shallow' | 'deep';
  /**
   * `through`: no path ends at this field, they only pass through it to select inside what it
   * holds or points to. Of an embedded struct the receiver then merges only the fields selected
   * inside it. (A pointer a writes path passes through is also in the reads, `implicit`.)
   */
  fields: { name: string; index: number; implicit: boolean; through: boolean; select: IrSelection | null }[];
}

export interface IrAccess {
  param: string;
  index: number;
  select: IrSelection;
}

export interface IrFunction {
  name: string;
  id: number;
  role: 'upcall' | 'downcall' | 'critical';
  returns: { type: IrType; marshal: IrMarshal };
  params: IrParam[];
  /** Whether the sets below were written (true) or are the conservative default (false). */
  explicitReads: boolean;
  explicitWrites: boolean;
  reads: IrAccess[];
  writes: IrAccess[];
  source: IrSource;
}

export interface IrInterface {
  name: string;
  module: string;
  /** [header("path")]: the C header that defines the ops-table struct of this name (kernel C uses it). */
  header: string | null;
  id: number;
  functions: IrFunction[];
  source: IrSource;
}

export interface IrProgram {
  version: typeof IR_VERSION;
  abi: 'lp64' | 'ilp32';
  modules: { name: string; version: number; file: string; input: boolean }[];
  constants: { name: string; module: string; type: IrType | null; value: string; source: IrSource }[];
  types: IrTypeDecl[];
  interfaces: IrInterface[];
}
