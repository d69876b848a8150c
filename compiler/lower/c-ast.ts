// The C front end's data: tokens with their original source location, and the declarations of a
// translation unit as far as an interface needs them (types and prototypes; bodies are skipped).

export interface CLoc {
  file: string;
  line: number;
  column: number;
}

export type CTokenKind = 'ident' | 'number' | 'string' | 'char' | 'punct';

export interface CToken {
  kind: CTokenKind;
  text: string;
  /** Where the token was written; for a macro expansion, where the macro was invoked. */
  loc: CLoc;
}

/** `__attribute__((name(args)))`, `__attribute__((__name__))` normalised to `name`. */
export interface CAttribute {
  name: string;
  /** The arguments, each as its tokens; [] when written without parentheses. */
  args: CToken[][];
  loc: CLoc;
}

export type CQualifier = 'const' | 'volatile' | 'restrict';

export type CType =
  /** Builtin arithmetic types, normalised: 'void', '_Bool', 'char', 'signed char', 'unsigned char', 'short', 'unsigned short', 'int', 'unsigned int', 'long', 'unsigned long', 'long long', 'unsigned long long', 'float', 'double', 'long double', '__int128', 'unsigned __int128'. */
  | { kind: 'base'; name: string; qualifiers: CQualifier[] }
  | { kind: 'typedef'; name: string; qualifiers: CQualifier[] }
  | { kind: 'record'; record: CRecordRef; qualifiers: CQualifier[] }
  | { kind: 'enum'; enumRef: CEnumRef; qualifiers: CQualifier[] }
  | { kind: 'pointer'; to: CType; qualifiers: CQualifier[]; attrs: CAttribute[] }
  | { kind: 'array'; of: CType; size: CToken[] | null }
  | { kind: 'function'; returns: CType; params: CParam[]; variadic: boolean; attrs: CAttribute[] }
  /** Something the front end could not model (typeof, _Atomic(T), vector types); the text says what. */
  | { kind: 'unsupported'; text: string; loc: CLoc };

/** A struct or union named by tag, or the anonymous one defined in place. */
export interface CRecordRef {
  kind: 'struct' | 'union';
  tag: string | null;
  /** The definition when this use defines it (or an anonymous record); null for a reference. */
  def: CRecord | null;
}

export interface CEnumRef {
  tag: string | null;
  def: CEnum | null;
}

export interface CRecord {
  kind: 'struct' | 'union';
  tag: string | null;
  members: CMember[];
  attrs: CAttribute[];
  loc: CLoc;
}

export interface CMember {
  /** null for an anonymous struct/union member or an unnamed bitfield. */
  name: string | null;
  type: CType;
  bits: CToken[] | null;
  attrs: CAttribute[];
  loc: CLoc;
}

export interface CEnum {
  tag: string | null;
  members: { name: string; value: CToken[] | null; attrs: CAttribute[]; loc: CLoc }[];
  attrs: CAttribute[];
  loc: CLoc;
}

export interface CParam {
  name: string | null;
  type: CType;
  attrs: CAttribute[];
  loc: CLoc;
}

export type CDecl =
  | { kind: 'typedef'; name: string; type: CType; attrs: CAttribute[]; loc: CLoc }
  /** A function prototype or definition (the body is skipped, not kept). */
  | {
      kind: 'function';
      name: string;
      type: Extract<CType, { kind: 'function' }>;
      storage: string[];
      inline: boolean;
      hasBody: boolean;
      attrs: CAttribute[];
      loc: CLoc;
      /** The body's tokens, kept only for DriverSlicer summaries (`MICRODRIVERS__MODIF_<fn>`). */
      body?: CToken[];
    }
  | { kind: 'variable'; name: string; type: CType; storage: string[]; attrs: CAttribute[]; loc: CLoc }
  /** `struct x { ... };`, `struct x;`, `enum e { ... };` on their own. */
  | { kind: 'tag'; type: CType; loc: CLoc };

export interface CTranslationUnit {
  decls: CDecl[];
  /** Every struct/union/enum definition by tag (the last complete definition wins), anonymous ones excluded. */
  records: Map<string, CRecord>;
  enums: Map<string, CEnum>;
  typedefs: Map<string, Extract<CDecl, { kind: 'typedef' }>>;
}
