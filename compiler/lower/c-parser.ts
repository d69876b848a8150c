// GNU C declaration parser: preprocessed tokens in, the declarations of a translation unit out.
// Only what an interface needs is modelled (types, records, enums, prototypes, typedefs); function
// bodies and initializers are skipped by bracket matching, never parsed. Errors are diagnostics:
// one bad declaration resynchronises at the next `;`/`}` so the rest of a header still comes out.
import type {
  CAttribute,
  CDecl,
  CEnum,
  CLoc,
  CMember,
  CParam,
  CQualifier,
  CRecord,
  CToken,
  CTranslationUnit,
  CType,
} from './c-ast.js';
import type { Diagnostic } from '../../idl/diagnostics.js';

/** DriverSlicer names the summary of kernel function f `MICRODRIVERS__MODIF_f` (compiler/lower/summaries.ts). */
export const SUMMARY_PREFIX = 'MICRODRIVERS__MODIF_';

/** Deeper than this many nested records, declarators, parameter lists or typeofs is refused, so hostile input cannot exhaust the stack. */
export const MAX_NESTING = 256;

export interface ParseCOptions {
  /** Typedef names already in scope, e.g. from a previous unit. */
  typedefNames?: Iterable<string>;
}

export interface ParseCResult {
  unit: CTranslationUnit;
  diagnostics: Diagnostic[];
}

export function parseC(tokens: CToken[], options: ParseCOptions = {}): ParseCResult {
  const p = new Parser(tokens, options.typedefNames);
  try {
    p.translationUnit();
  } catch (e) {
    // Each declaration already catches its own failures; this is the last line for a parser bug.
    p.internalError(e);
  }
  return {
    unit: { decls: p.decls, records: p.records, enums: p.enums, typedefs: p.typedefMap },
    diagnostics: p.diags,
  };
}

/**
 * Parses `tokens` as exactly one type name (`unsigned long`, `struct x *`, `int (*)(void)`), the
 * operand of a cast or `sizeof`; null when they are not one. Suits `evalCConst`'s `parseType`.
 */
export function parseCTypeName(tokens: CToken[], typedefNames: Iterable<string> = []): CType | null {
  const p = new Parser(tokens, typedefNames);
  try {
    const t = p.typeName();
    return p.pos === tokens.length && p.diags.length === 0 ? t : null;
  } catch {
    return null;
  }
}

// ---- vocabulary --------------------------------------------------------------------------------

// Word classes, looked up once per token; a Map of small ints keeps the hot loop cheap.
const W_STORAGE = 1;
const W_TYPEDEF = 2;
const W_INLINE = 3;
const W_QUAL = 4;
const W_ATTR = 5;
const W_EXTENSION = 6;
const W_IGNORE = 7;
const W_IGNORE_FN = 8;
const W_ATOMIC = 9;
const W_ALIGNAS = 10;
const W_NORETURN = 11;
const W_BASE = 12;
const W_STRUCT = 13;
const W_ENUM = 14;
const W_TYPEOF = 15;
const W_AUTO_TYPE = 16;
const W_BUILTIN_TYPEDEF = 17;
const W_EXOTIC_TYPE = 18;
const W_STATIC_ASSERT = 19;
const W_ASM = 20;
const W_INT128_T = 21;
/** Statement and expression keywords: never names, never start a declaration. */
const W_OTHER = 22;

// Indexes into the arithmetic specifier counts.
const B_VOID = 0;
const B_CHAR = 1;
const B_SHORT = 2;
const B_INT = 3;
const B_LONG = 4;
const B_FLOAT = 5;
const B_DOUBLE = 6;
const B_SIGNED = 7;
const B_UNSIGNED = 8;
const B_BOOL = 9;
const B_INT128 = 10;
const B_COMPLEX = 11;
const B_COUNT = 12;

const WORDS = new Map<string, number>();
const BASE_INDEX = new Map<string, number>();
const QUAL_NAME = new Map<string, CQualifier>();

function words(cls: number, list: string[]): void {
  for (const w of list) WORDS.set(w, cls);
}
words(W_STORAGE, ['static', 'extern', 'register', 'auto', '_Thread_local', '__thread', 'thread_local']);
words(W_TYPEDEF, ['typedef']);
words(W_INLINE, ['inline', '__inline', '__inline__', '__always_inline']);
words(W_QUAL, ['const', '__const', '__const__', 'volatile', '__volatile', '__volatile__', 'restrict', '__restrict', '__restrict__']);
words(W_ATTR, ['__attribute__', '__attribute']);
words(W_EXTENSION, ['__extension__']);
// Sparse and section annotations that survive when a header is read without the kernel's macros.
words(W_IGNORE, [
  '__user', '__kernel', '__iomem', '__rcu', '__percpu', '__force', '__bitwise', '__bitwise__', '__safe', '__nocast',
  '__private', '__must_check', '__cold', '__hot', 'notrace', '__init', '__exit', '__initdata', '__initconst',
  '__exitdata', '__ref', '__sched', '__visible', '__read_mostly', '__ro_after_init', '__maybe_unused',
  '__always_unused', '__seg_gs', '__seg_fs',
]);
words(W_IGNORE_FN, ['__acquires', '__releases', '__must_hold']);
words(W_ATOMIC, ['_Atomic']);
words(W_ALIGNAS, ['_Alignas', 'alignas']);
words(W_NORETURN, ['_Noreturn', 'noreturn']);
words(W_STRUCT, ['struct', 'union']);
words(W_ENUM, ['enum']);
words(W_TYPEOF, ['typeof', '__typeof__', '__typeof', 'typeof_unqual', '__typeof_unqual__']);
words(W_AUTO_TYPE, ['__auto_type']);
words(W_BUILTIN_TYPEDEF, ['__builtin_va_list']);
words(W_INT128_T, ['__int128_t', '__uint128_t']);
words(W_EXOTIC_TYPE, [
  '_Float16', '_Float32', '_Float64', '_Float128', '_Float32x', '_Float64x', '_Float128x', '__float128', '__float80',
  '__ibm128', '__bf16', '_Decimal32', '_Decimal64', '_Decimal128',
]);
words(W_STATIC_ASSERT, ['_Static_assert', 'static_assert']);
words(W_ASM, ['asm', '__asm__', '__asm']);
words(W_OTHER, [
  'sizeof', 'return', 'if', 'else', 'while', 'do', 'for', 'switch', 'case', 'default', 'break', 'continue', 'goto',
  '_Alignof', '__alignof__', '__alignof', 'alignof', '_Generic',
]);
for (const [w, i] of [
  ['void', B_VOID], ['char', B_CHAR], ['short', B_SHORT], ['int', B_INT], ['long', B_LONG], ['float', B_FLOAT],
  ['double', B_DOUBLE], ['signed', B_SIGNED], ['__signed', B_SIGNED], ['__signed__', B_SIGNED],
  ['unsigned', B_UNSIGNED], ['_Bool', B_BOOL], ['__int128', B_INT128], ['_Complex', B_COMPLEX],
  ['__complex__', B_COMPLEX],
] as const) {
  WORDS.set(w, W_BASE);
  BASE_INDEX.set(w, i);
}
for (const w of ['const', '__const', '__const__']) QUAL_NAME.set(w, 'const');
for (const w of ['volatile', '__volatile', '__volatile__']) QUAL_NAME.set(w, 'volatile');
for (const w of ['restrict', '__restrict', '__restrict__']) QUAL_NAME.set(w, 'restrict');

/** An identifier that is not a keyword, so it can name something. */
function isName(t: CToken): boolean {
  return t.kind === 'ident' && t.text.length > 0 && !WORDS.has(t.text);
}

/** Classes whose word can begin a type name (used to tell `(*p)` grouping from a parameter list). */
function startsTypeClass(cls: number): boolean {
  return (
    cls === W_QUAL || cls === W_BASE || cls === W_STRUCT || cls === W_ENUM || cls === W_TYPEOF ||
    cls === W_ATOMIC || cls === W_BUILTIN_TYPEDEF || cls === W_INT128_T || cls === W_EXOTIC_TYPE ||
    cls === W_STORAGE || cls === W_TYPEDEF || cls === W_INLINE || cls === W_EXTENSION || cls === W_AUTO_TYPE ||
    cls === W_ALIGNAS || cls === W_NORETURN || cls === W_IGNORE || cls === W_IGNORE_FN
  );
}

/** `__aligned__` → `aligned`, as GCC treats both spellings as one attribute. */
function attrName(s: string): string {
  return s.length > 4 && s.startsWith('__') && s.endsWith('__') ? s.slice(2, -2) : s;
}

export function tokText(ts: readonly CToken[]): string {
  let out = '';
  let prev: CToken | null = null;
  for (const t of ts) {
    // A space only where gluing would merge two words (and after commas), so `typeof(x->y)` reads as written.
    if (prev && (prev.text === ',' || (prev.kind !== 'punct' && t.kind !== 'punct'))) out += ' ';
    out += t.text;
    prev = t;
  }
  return out;
}

// ---- declarators -------------------------------------------------------------------------------

/** One derivation step of a declarator, applied to the type built so far. */
type Op =
  | { k: 'ptr'; quals: CQualifier[]; attrs: CAttribute[] }
  | { k: 'arr'; size: CToken[] | null }
  | { k: 'fn'; params: CParam[]; variadic: boolean; attrs: CAttribute[] };

interface Declarator {
  name: CToken | null;
  /** Innermost-last: `ops[0]` wraps the specifiers' type first. */
  ops: Op[];
  attrs: CAttribute[];
}

/** `named`: a declaration's declarator; `abstract`: a type name; `either`: a parameter. */
type Mode = 'named' | 'abstract' | 'either';

interface Specs {
  type: CType;
  /** A type specifier was written (otherwise `type` is the implicit int). */
  hasType: boolean;
  /** Anything at all was consumed. */
  consumed: boolean;
  storage: string[];
  isTypedef: boolean;
  inline: boolean;
  attrs: CAttribute[];
  /** A struct/union/enum specifier supplied the type, so `struct x;` on its own means something. */
  tagType: boolean;
  first: CToken;
}

function applyOps(ops: readonly Op[], base: CType): CType {
  let t = base;
  for (const op of ops) {
    if (op.k === 'ptr') t = { kind: 'pointer', to: t, qualifiers: op.quals, attrs: op.attrs };
    else if (op.k === 'arr') t = { kind: 'array', of: t, size: op.size };
    else t = { kind: 'function', returns: t, params: op.params, variadic: op.variadic, attrs: op.attrs };
  }
  return t;
}

function withQualifiers(t: CType, quals: CQualifier[]): CType {
  if (quals.length === 0) return t;
  switch (t.kind) {
    case 'base':
    case 'typedef':
    case 'record':
    case 'enum':
    case 'pointer': {
      const merged = [...t.qualifiers];
      for (const q of quals) if (!merged.includes(q)) merged.push(q);
      return { ...t, qualifiers: merged };
    }
    default:
      return t;
  }
}

/** Thrown to unwind to the nearest declaration boundary once a diagnostic is recorded. */
const BAIL: unique symbol = Symbol('bail');

class Parser {
  readonly decls: CDecl[] = [];
  readonly records = new Map<string, CRecord>();
  readonly enums = new Map<string, CEnum>();
  readonly typedefMap = new Map<string, Extract<CDecl, { kind: 'typedef' }>>();
  readonly diags: Diagnostic[] = [];
  readonly typedefs: Set<string>;
  pos = 0;
  private readonly toks: CToken[];
  private readonly n: number;
  private readonly eof: CToken;
  private depth = 0;
  private lastDiagTok: CToken | null = null;
  /** The last parameter list parsed was a K&R identifier list (already diagnosed). */
  private sawIdentifierList = false;

  constructor(tokens: CToken[], typedefNames: Iterable<string> | undefined) {
    this.toks = tokens;
    this.n = tokens.length;
    this.typedefs = new Set(typedefNames ?? []);
    const last = tokens[tokens.length - 1];
    this.eof = {
      kind: 'punct',
      text: '',
      loc: last
        ? { file: last.loc.file, line: last.loc.line, column: last.loc.column + last.text.length }
        : { file: '<input>', line: 1, column: 1 },
    };
  }

  // ---- token access ----

  private cur(): CToken {
    return this.toks[this.pos] ?? this.eof;
  }

  private at(k: number): CToken {
    return this.toks[this.pos + k] ?? this.eof;
  }

  private is(text: string): boolean {
    return this.pos < this.n && this.toks[this.pos]!.text === text;
  }

  private found(t: CToken = this.cur()): string {
    return t === this.eof ? 'end of input' : `'${t.text}'`;
  }

  private expect(text: string, context: string): CToken {
    const t = this.cur();
    if (t === this.eof || t.text !== text) this.fail(`expected '${text}' ${context}, found ${this.found(t)}`);
    this.pos++;
    return t;
  }

  // ---- diagnostics ----

  private report(code: string, message: string, tok: CToken, severity: 'error' | 'warning' = 'error'): void {
    // One failure unwinding through several nesting levels must not restate itself at each level.
    if (tok === this.lastDiagTok) return;
    this.lastDiagTok = tok;
    const loc = tok.loc;
    this.diags.push({
      severity,
      code,
      message,
      loc: {
        file: loc.file,
        line: loc.line,
        column: loc.column,
        offset: 0,
        endOffset: 0,
        endLine: loc.line,
        endColumn: loc.column + tok.text.length,
      },
    });
  }

  private fail(message: string, tok: CToken = this.cur(), code = 'c-syntax'): never {
    this.report(code, message, tok);
    throw BAIL;
  }

  private recover(e: unknown): void {
    if (e !== BAIL) this.internalError(e);
  }

  internalError(e: unknown): void {
    const msg = e instanceof Error ? e.message : String(e);
    this.report('c-internal', `internal parser error: ${msg}`, this.cur());
  }

  private enter(tok: CToken): void {
    if (++this.depth > MAX_NESTING) {
      this.fail(`declaration nested more than ${MAX_NESTING} levels deep`, tok, 'c-unsupported');
    }
  }

  /**
   * Skips past the next `;` at bracket depth 0, or past a `}` that closes a group opened during the
   * skip (the end of a function body). In a record body a `}` at depth 0 ends the body and is left
   * for the caller.
   */
  private resync(inRecord: boolean): void {
    let depth = 0;
    while (this.pos < this.n) {
      const s = this.toks[this.pos]!.text;
      if (s === '(' || s === '[' || s === '{') depth++;
      else if (s === ')' || s === ']') {
        if (depth > 0) depth--;
      } else if (s === '}') {
        if (depth === 0) {
          if (inRecord) return;
          this.pos++;
          return;
        }
        depth--;
        if (depth === 0 && !inRecord) {
          this.pos++;
          return;
        }
      } else if (s === ';' && depth === 0) {
        this.pos++;
        return;
      }
      this.pos++;
    }
  }

  // ---- top level ----

  translationUnit(): void {
    while (this.pos < this.n) {
      const start = this.pos;
      try {
        this.externalDeclaration();
      } catch (e) {
        this.recover(e);
        this.depth = 0;
        const s = this.pos === start && start < this.n ? this.toks[start]!.text : '';
        // A stray closer is one bad token; resynchronising from it would swallow the next declaration.
        if (s === ')' || s === ']' || s === '}') this.pos++;
        else this.resync(false);
      }
      if (this.pos === start) this.pos++;
    }
  }

  private externalDeclaration(): void {
    while (this.is('__extension__')) this.pos++;
    const t = this.cur();
    if (t.text === ';') {
      this.pos++;
      return;
    }
    const cls = WORDS.get(t.text);
    if (cls === W_STATIC_ASSERT) return this.staticAssert();
    if (cls === W_ASM) {
      // A top-level `asm("...");` block.
      this.pos++;
      while (this.pos < this.n && (QUAL_NAME.has(this.cur().text) || this.cur().text === 'goto' || this.cur().text === 'inline')) this.pos++;
      if (!this.is('(')) this.fail(`expected '(' after '${t.text}', found ${this.found()}`);
      this.skipBalanced();
      this.expect(';', 'after top-level asm');
      return;
    }
    const specs = this.specifiers('decl');
    if (!specs.consumed) this.fail(`expected a declaration, found ${this.found()}`);
    if (this.is(';')) {
      this.pos++;
      if (specs.tagType) this.decls.push({ kind: 'tag', type: specs.type, loc: tagLoc(specs.type, specs.first.loc) });
      return;
    }
    if (!specs.hasType) this.implicitInt(specs);
    for (let first = true; ; first = false) {
      const d = this.declarator('named', false);
      const trailing = this.trailing();
      const nameTok = d.name!;
      const type = applyOps(d.ops, specs.type);
      const attrs = concatAttrs(specs.attrs, d.attrs, trailing);
      if (specs.isTypedef) {
        const decl = { kind: 'typedef' as const, name: nameTok.text, type, attrs, loc: nameTok.loc };
        this.decls.push(decl);
        this.typedefs.add(nameTok.text);
        this.typedefMap.set(nameTok.text, decl);
      } else if (type.kind === 'function') {
        const hasBody = first && this.is('{');
        this.decls.push({
          kind: 'function',
          name: nameTok.text,
          type,
          storage: specs.storage,
          inline: specs.inline,
          hasBody,
          attrs,
          loc: nameTok.loc,
        });
        if (hasBody) {
          const open = this.pos;
          this.skipBody();
          // DriverSlicer's function summaries are bodies: the one kind of body lower reads.
          if (nameTok.text.startsWith(SUMMARY_PREFIX)) {
            const d = this.decls[this.decls.length - 1];
            if (d?.kind === 'function') d.body = this.toks.slice(open + 1, this.pos - 1);
          }
          return;
        }
      } else {
        this.decls.push({ kind: 'variable', name: nameTok.text, type, storage: specs.storage, attrs, loc: nameTok.loc });
      }
      if (this.is('=')) {
        this.pos++;
        this.skipInitializer();
      }
      if (this.is(',')) {
        this.pos++;
        continue;
      }
      if (this.is(';')) {
        this.pos++;
        return;
      }
      if (this.is('{') && type.kind === 'function' && !specs.isTypedef) {
        this.fail(`a function body must follow the only declarator of its declaration`);
      }
      if (type.kind === 'function' && first && this.sawIdentifierList && this.startsDeclaration()) {
        // An old-style definition (already diagnosed): its parameter declarations sit between `)`
        // and the body. Without the identifier list this is far likelier a missing `;`.
        while (this.pos < this.n && !this.is('{')) this.pos++;
        const d = this.decls[this.decls.length - 1];
        if (d && d.kind === 'function') d.hasBody = this.pos < this.n;
        if (this.pos < this.n) this.skipBody();
        return;
      }
      this.fail(`expected ';' after declaration, found ${this.found()}`);
    }
  }

  private implicitInt(specs: Specs): void {
    this.report('c-implicit-int', `type defaults to 'int': no type specifier before ${this.found()}`, specs.first, 'warning');
  }

  private staticAssert(): void {
    const kw = this.cur();
    this.pos++;
    if (!this.is('(')) this.fail(`expected '(' after '${kw.text}', found ${this.found()}`);
    this.skipBalanced();
    this.expect(';', `after '${kw.text}'`);
  }

  /** Whether the current token could begin declaration specifiers. */
  private startsDeclaration(): boolean {
    const t = this.cur();
    if (t === this.eof) return false;
    const cls = WORDS.get(t.text);
    if (cls !== undefined) return startsTypeClass(cls) || cls === W_ATTR;
    return t.kind === 'ident' && this.typedefs.has(t.text);
  }

  // ---- skipping ----

  /** Skips a `{...}` body by counting braces (strings and chars are single tokens already). */
  private skipBody(): void {
    const open = this.cur();
    let depth = 0;
    while (this.pos < this.n) {
      const s = this.toks[this.pos]!.text;
      this.pos++;
      if (s === '{') depth++;
      else if (s === '}' && --depth === 0) return;
    }
    this.fail(`unterminated function body: no '}' matches this '{'`, open);
  }

  /** Skips an initializer up to the `,` or `;` that ends it. */
  private skipInitializer(): void {
    const start = this.pos;
    let depth = 0;
    while (this.pos < this.n) {
      const s = this.toks[this.pos]!.text;
      if (s === '(' || s === '[' || s === '{') depth++;
      else if (s === ')' || s === ']' || s === '}') {
        if (depth === 0) break;
        depth--;
      } else if (depth === 0 && (s === ',' || s === ';')) break;
      this.pos++;
    }
    if (this.pos === start) this.fail(`expected an initializer after '=', found ${this.found()}`);
    if (this.pos >= this.n) this.fail(`expected ';' after initializer, found end of input`);
  }

  /** Skips a parenthesised group starting at the current `(`. */
  private skipBalanced(): void {
    const open = this.cur();
    let depth = 0;
    while (this.pos < this.n) {
      const s = this.toks[this.pos]!.text;
      this.pos++;
      if (s === '(' || s === '[' || s === '{') depth++;
      else if ((s === ')' || s === ']' || s === '}') && --depth === 0) return;
    }
    this.fail(`unbalanced '${open.text}': no closing bracket before end of input`, open);
  }

  /** The index just past the group opening at `k`, without consuming; n when unbalanced. */
  private skipAhead(k: number): number {
    let depth = 0;
    while (k < this.n) {
      const s = this.toks[k]!.text;
      k++;
      if (s === '(' || s === '[' || s === '{') depth++;
      else if ((s === ')' || s === ']' || s === '}') && --depth === 0) return k;
    }
    return this.n;
  }

  // ---- attributes and annotations ----

  /** `__attribute__((a, b(1, x)))` at the current token, split into attributes. */
  private attributes(): CAttribute[] {
    const kw = this.cur();
    this.pos++;
    this.expect('(', `after '${kw.text}'`);
    this.expect('(', `after '${kw.text}('`);
    const out: CAttribute[] = [];
    for (;;) {
      const t = this.cur();
      if (t === this.eof) this.fail(`expected ')' to close '${kw.text}', found end of input`);
      if (t.text === ')') break;
      if (t.text === ',') {
        this.pos++;
        continue;
      }
      if (t.kind !== 'ident') this.fail(`expected an attribute name, found ${this.found()}`);
      this.pos++;
      const args = this.is('(') ? this.argumentList() : [];
      out.push({ name: attrName(t.text), args, loc: t.loc });
      if (!this.is(',') && !this.is(')')) this.fail(`expected ',' or ')' after attribute '${t.text}', found ${this.found()}`);
    }
    this.pos++;
    this.expect(')', `to close '${kw.text}'`);
    return out;
  }

  /** `(a, f(b, c), d)` → [[a], [f ( b , c )], [d]]; consumes through the closing `)`. */
  private argumentList(): CToken[][] {
    const open = this.cur();
    this.pos++;
    const args: CToken[][] = [];
    let arg: CToken[] = [];
    let depth = 0;
    while (this.pos < this.n) {
      const t = this.toks[this.pos]!;
      this.pos++;
      const s = t.text;
      if (s === '(' || s === '[' || s === '{') depth++;
      else if (s === ')' || s === ']' || s === '}') {
        if (depth === 0) {
          if (s === ')') {
            if (arg.length > 0 || args.length > 0) args.push(arg);
            return args;
          }
        } else depth--;
      } else if (s === ',' && depth === 0) {
        args.push(arg);
        arg = [];
        continue;
      }
      arg.push(t);
    }
    this.fail(`unbalanced '(': no ')' before end of input`, open);
  }

  /**
   * Consumes attributes and ignorable annotations; appends the attributes to `out`. Returns
   * whether anything was consumed. With `asmLabels`, also skips `asm("name")` labels.
   */
  private decorations(out: CAttribute[], asmLabels: boolean): boolean {
    const start = this.pos;
    while (this.pos < this.n) {
      const t = this.toks[this.pos]!;
      const cls = WORDS.get(t.text);
      if (cls === W_ATTR) for (const a of this.attributes()) out.push(a);
      else if (cls === W_IGNORE && !this.typedefs.has(t.text)) this.pos++;
      else if (cls === W_IGNORE_FN && !this.typedefs.has(t.text)) {
        this.pos++;
        if (this.is('(')) this.skipBalanced();
      } else if (cls === W_ASM && asmLabels && this.at(1).text === '(') {
        this.pos++;
        this.skipBalanced();
      } else break;
    }
    return this.pos !== start;
  }

  private trailing(): CAttribute[] {
    const out: CAttribute[] = [];
    this.decorations(out, true);
    return out;
  }

  // ---- declaration specifiers ----

  private specifiers(ctx: 'decl' | 'member' | 'param' | 'typename'): Specs {
    const first = this.cur();
    const start = this.pos;
    const storage: string[] = [];
    const attrs: CAttribute[] = [];
    const quals: CQualifier[] = [];
    const counts = new Array<number>(B_COUNT).fill(0);
    let nBase = 0;
    let firstBase: CToken | null = null;
    let node: CType | null = null;
    let isTypedef = false;
    let inline = false;
    let tagType = false;
    const conflict = (t: CToken): void => {
      const prev = node;
      if ((prev?.kind === 'record' && prev.record.def) || (prev?.kind === 'enum' && prev.enumRef.def)) {
        const what = prev.kind === 'record' ? prev.record.kind : 'enum';
        this.report('c-syntax', `expected ';' after ${what} definition, found '${t.text}'`, t);
      } else this.report('c-syntax', `two or more data types in declaration specifiers ('${t.text}')`, t);
    };
    loop: while (this.pos < this.n) {
      const t = this.toks[this.pos]!;
      const cls = WORDS.get(t.text);
      if (cls === undefined || ((cls === W_IGNORE || cls === W_IGNORE_FN) && this.typedefs.has(t.text))) {
        // (An annotation word reaches here only when it was declared as a typedef name.)
        if (t.kind !== 'ident' || t.text === '' || node !== null || nBase > 0) break;
        if (this.typedefs.has(t.text)) {
          node = { kind: 'typedef', name: t.text, qualifiers: [] };
          this.pos++;
          continue;
        }
        // `foo_t *x;` with foo_t never declared: GCC says "unknown type name"; carrying on with it
        // as a typedef keeps the declaration instead of cascading errors.
        const next = this.at(1);
        if (ctx !== 'typename' && next !== this.eof && ((next.kind === 'ident' && WORDS.get(next.text) !== W_OTHER) || next.text === '*')) {
          this.report('c-unknown-type', `unknown type name '${t.text}'`, t);
          node = { kind: 'typedef', name: t.text, qualifiers: [] };
          this.pos++;
          continue;
        }
        break;
      }
      switch (cls) {
        case W_STORAGE:
          storage.push(t.text);
          this.pos++;
          break;
        case W_TYPEDEF:
          isTypedef = true;
          this.pos++;
          break;
        case W_INLINE:
          inline = true;
          if (t.text === '__always_inline') attrs.push({ name: 'always_inline', args: [], loc: t.loc });
          this.pos++;
          break;
        case W_QUAL: {
          const q = QUAL_NAME.get(t.text)!;
          if (!quals.includes(q)) quals.push(q);
          this.pos++;
          break;
        }
        case W_ATTR:
        case W_IGNORE:
        case W_IGNORE_FN:
          this.decorations(attrs, false);
          break;
        case W_EXTENSION:
          this.pos++;
          break;
        case W_ATOMIC:
          if (this.at(1).text === '(') {
            if (node !== null || nBase > 0) conflict(t);
            const open = this.pos + 1;
            this.pos++;
            this.skipBalanced();
            node = { kind: 'unsupported', text: `_Atomic(${tokText(this.toks.slice(open + 1, this.pos - 1))})`, loc: t.loc };
          } else this.pos++; // as a qualifier it changes nothing an interface can express
          break;
        case W_ALIGNAS:
          this.pos++;
          if (!this.is('(')) this.fail(`expected '(' after '${t.text}', found ${this.found()}`);
          attrs.push({ name: '_Alignas', args: this.argumentList(), loc: t.loc });
          break;
        case W_NORETURN:
          attrs.push({ name: 'noreturn', args: [], loc: t.loc });
          this.pos++;
          break;
        case W_BASE:
          if (node !== null) conflict(t);
          counts[BASE_INDEX.get(t.text)!]!++;
          nBase++;
          firstBase ??= t;
          this.pos++;
          break;
        case W_STRUCT:
        case W_ENUM:
          if (node !== null || nBase > 0) conflict(t);
          node = cls === W_STRUCT ? this.recordSpecifier(attrs) : this.enumSpecifier(attrs);
          tagType = true;
          break;
        case W_TYPEOF:
          if (node !== null || nBase > 0) conflict(t);
          node = this.typeofSpecifier();
          break;
        case W_AUTO_TYPE:
          if (node !== null || nBase > 0) conflict(t);
          node = { kind: 'unsupported', text: t.text, loc: t.loc };
          this.pos++;
          break;
        case W_BUILTIN_TYPEDEF:
          if (node !== null || nBase > 0) conflict(t);
          node = { kind: 'typedef', name: t.text, qualifiers: [] };
          this.pos++;
          break;
        case W_INT128_T:
          if (node !== null || nBase > 0) conflict(t);
          node = { kind: 'base', name: t.text === '__int128_t' ? '__int128' : 'unsigned __int128', qualifiers: [] };
          this.pos++;
          break;
        case W_EXOTIC_TYPE:
          if (node !== null || nBase > 0) conflict(t);
          node = { kind: 'unsupported', text: t.text, loc: t.loc };
          this.pos++;
          break;
        default:
          break loop;
      }
    }
    let type: CType;
    const hasType = node !== null || nBase > 0;
    if (nBase > 0 && node === null) {
      const name = baseTypeName(counts);
      if (name === null) {
        this.report('c-syntax', `invalid combination of type specifiers '${tokText(this.toks.slice(start, this.pos).filter((x) => WORDS.get(x.text) === W_BASE))}'`, firstBase!);
        type = { kind: 'base', name: 'int', qualifiers: [] };
      } else if (counts[B_COMPLEX]! > 0) {
        type = { kind: 'unsupported', text: name, loc: firstBase!.loc };
      } else type = { kind: 'base', name, qualifiers: [] };
    } else type = node ?? { kind: 'base', name: 'int', qualifiers: [] };
    type = withQualifiers(type, quals);
    return { type, hasType, consumed: this.pos !== start, storage, isTypedef, inline, attrs, tagType, first };
  }

  private recordSpecifier(declAttrs: CAttribute[]): CType {
    const kw = this.cur();
    const kind = kw.text === 'union' ? 'union' : 'struct';
    this.pos++;
    const attrs: CAttribute[] = [];
    this.decorations(attrs, false);
    const tag = this.tagName();
    if (tag) this.decorations(attrs, false);
    if (!this.is('{')) {
      if (!tag) this.fail(`expected '{' or a tag name after '${kind}', found ${this.found()}`);
      // On a mere reference the attributes belong to the declaration, not to the type.
      for (const a of attrs) declAttrs.push(a);
      return { kind: 'record', record: { kind, tag: tag.text, def: null }, qualifiers: [] };
    }
    const open = this.cur();
    this.enter(open);
    this.pos++;
    const members = this.memberList();
    if (!this.is('}')) this.fail(`expected '}' to close ${kind} body, found ${this.found()}`);
    this.pos++;
    this.depth--;
    this.decorations(attrs, false);
    const rec: CRecord = { kind, tag: tag ? tag.text : null, members, attrs, loc: (tag ?? kw).loc };
    if (tag) this.records.set(tag.text, rec);
    return { kind: 'record', record: { kind, tag: rec.tag, def: rec }, qualifiers: [] };
  }

  private tagName(): CToken | null {
    const t = this.cur();
    if (t !== this.eof && isName(t)) {
      this.pos++;
      return t;
    }
    return null;
  }

  private memberList(): CMember[] {
    const members: CMember[] = [];
    while (this.pos < this.n && this.toks[this.pos]!.text !== '}') {
      const start = this.pos;
      const depth = this.depth;
      try {
        this.memberDeclaration(members);
      } catch (e) {
        this.recover(e);
        this.depth = depth;
        this.resync(true);
      }
      if (this.pos === start && this.pos < this.n && this.toks[this.pos]!.text !== '}') this.pos++;
    }
    return members;
  }

  private memberDeclaration(members: CMember[]): void {
    const t = this.cur();
    if (t.text === ';') {
      this.pos++;
      return;
    }
    if (WORDS.get(t.text) === W_STATIC_ASSERT || (t.text === '__extension__' && WORDS.get(this.at(1).text) === W_STATIC_ASSERT)) {
      if (t.text === '__extension__') this.pos++;
      return this.staticAssert();
    }
    const specs = this.specifiers('member');
    if (!specs.consumed) this.fail(`expected a member declaration, found ${this.found()}`);
    if (this.is(';')) {
      this.pos++;
      // C11 anonymous struct/union member; a tagged definition here declares only the tag.
      if (specs.type.kind === 'record' && specs.type.record.tag === null) {
        members.push({ name: null, type: specs.type, bits: null, attrs: specs.attrs, loc: specs.first.loc });
      }
      return;
    }
    if (!specs.hasType) this.implicitInt(specs);
    for (;;) {
      let d: Declarator = { name: null, ops: [], attrs: [] };
      if (!this.is(':')) d = this.declarator('named', false);
      let bits: CToken[] | null = null;
      if (this.is(':')) {
        this.pos++;
        bits = this.scanBitWidth();
      }
      const trailing = this.trailing();
      const type = applyOps(d.ops, specs.type);
      if (this.is('{') && type.kind === 'function') {
        this.report('c-unsupported', `a function cannot be defined inside a struct or union`, this.cur(), 'error');
        this.skipBody();
        return;
      }
      members.push({
        name: d.name ? d.name.text : null,
        type,
        bits,
        attrs: concatAttrs(specs.attrs, d.attrs, trailing),
        loc: (d.name ?? specs.first).loc,
      });
      if (this.is(',')) {
        this.pos++;
        continue;
      }
      if (this.is(';')) {
        this.pos++;
        return;
      }
      this.fail(`expected ';' at end of member declaration, found ${this.found()}`);
    }
  }

  /** The width expression after `:`, up to `,`/`;` or trailing attributes at depth 0. */
  private scanBitWidth(): CToken[] {
    const out: CToken[] = [];
    let depth = 0;
    while (this.pos < this.n) {
      const t = this.toks[this.pos]!;
      const s = t.text;
      if (s === '(' || s === '[') depth++;
      else if (s === ')' || s === ']') {
        if (depth === 0) break;
        depth--;
      } else if (depth === 0 && (s === ',' || s === ';' || s === '{' || s === '}' || WORDS.get(s) === W_ATTR)) break;
      out.push(t);
      this.pos++;
    }
    if (out.length === 0) this.fail(`expected a bit-field width after ':', found ${this.found()}`);
    return out;
  }

  private enumSpecifier(declAttrs: CAttribute[]): CType {
    const kw = this.cur();
    this.pos++;
    const attrs: CAttribute[] = [];
    this.decorations(attrs, false);
    const tag = this.tagName();
    if (tag) this.decorations(attrs, false);
    if (this.is(':') && tag) {
      // C23 fixed underlying type: the enum's values are what matter here, not its width.
      this.pos++;
      this.specifiers('typename');
    }
    if (!this.is('{')) {
      if (!tag) this.fail(`expected '{' or a tag name after 'enum', found ${this.found()}`);
      for (const a of attrs) declAttrs.push(a);
      return { kind: 'enum', enumRef: { tag: tag.text, def: null }, qualifiers: [] };
    }
    this.pos++;
    const members: CEnum['members'] = [];
    while (!this.is('}')) {
      const name = this.cur();
      if (name === this.eof || !isName(name)) {
        this.fail(`expected an enumerator name, found ${this.found()}`);
      }
      this.pos++;
      const mattrs: CAttribute[] = [];
      this.decorations(mattrs, false);
      let value: CToken[] | null = null;
      if (this.is('=')) {
        this.pos++;
        value = this.scanEnumValue();
      }
      members.push({ name: name.text, value, attrs: mattrs, loc: name.loc });
      if (this.is(',')) this.pos++;
      else if (!this.is('}')) this.fail(`expected ',' or '}' after enumerator '${name.text}', found ${this.found()}`);
    }
    this.pos++;
    this.decorations(attrs, false);
    const def: CEnum = { tag: tag ? tag.text : null, members, attrs, loc: (tag ?? kw).loc };
    if (tag) this.enums.set(tag.text, def);
    return { kind: 'enum', enumRef: { tag: def.tag, def }, qualifiers: [] };
  }

  private scanEnumValue(): CToken[] {
    const out: CToken[] = [];
    let depth = 0;
    while (this.pos < this.n) {
      const t = this.toks[this.pos]!;
      const s = t.text;
      if (s === '(' || s === '[' || s === '{') depth++;
      else if (s === ')' || s === ']' || s === '}') {
        if (depth === 0) break;
        depth--;
      } else if (depth === 0 && s === ',') break;
      else if (s === ';') break;
      out.push(t);
      this.pos++;
    }
    if (out.length === 0) this.fail(`expected a value after '=', found ${this.found()}`);
    return out;
  }

  private typeofSpecifier(): CType {
    const kw = this.cur();
    this.pos++;
    if (!this.is('(')) this.fail(`expected '(' after '${kw.text}', found ${this.found()}`);
    const open = this.pos;
    // `typeof(type-name)` is just that type; `typeof(expr)` would need expression typing.
    const inner = this.at(1);
    const cls = WORDS.get(inner.text);
    const isType =
      inner !== this.eof &&
      inner.kind === 'ident' &&
      ((cls !== undefined && startsTypeClass(cls) && cls !== W_STORAGE && cls !== W_TYPEDEF) ||
        (cls === undefined && this.typedefs.has(inner.text)));
    if (isType) {
      this.enter(kw);
      this.pos++;
      const t = this.typeName();
      this.expect(')', `to close '${kw.text}('`);
      this.depth--;
      return t;
    }
    this.skipBalanced();
    return { kind: 'unsupported', text: `${kw.text}(${tokText(this.toks.slice(open + 1, this.pos - 1))})`, loc: kw.loc };
  }

  /** A type name as in a cast: specifiers and an abstract declarator. */
  typeName(): CType {
    const specs = this.specifiers('typename');
    if (!specs.hasType) this.fail(`expected a type name, found ${this.found(specs.first)}`, specs.first);
    const d = this.declarator('abstract', true);
    return applyOps(d.ops, specs.type);
  }

  // ---- declarators ----

  private declarator(mode: Mode, nested: boolean): Declarator {
    const attrs: CAttribute[] = [];
    const ptrs: Op[] = [];
    for (;;) {
      if (this.is('*')) {
        this.pos++;
        const quals: CQualifier[] = [];
        const pattrs: CAttribute[] = [];
        for (;;) {
          const t = this.cur();
          const q = QUAL_NAME.get(t.text);
          if (q !== undefined && t !== this.eof) {
            if (!quals.includes(q)) quals.push(q);
            this.pos++;
          } else if (t.text === '_Atomic' && this.at(1).text !== '(') this.pos++;
          else if (!this.decorations(pattrs, false)) break;
        }
        ptrs.push({ k: 'ptr', quals, attrs: pattrs });
      } else if (!this.decorations(attrs, false)) break;
    }
    let name: CToken | null = null;
    let inner: Declarator | null = null;
    const t = this.cur();
    if (t !== this.eof && isName(t) && mode !== 'abstract') {
      name = t;
      this.pos++;
    } else if (t.text === '(' && t !== this.eof && (mode === 'named' || this.isGroupingParen())) {
      this.enter(t);
      this.pos++;
      inner = this.declarator(mode, true);
      this.expect(')', 'to close the parenthesised declarator');
      this.depth--;
    } else if (mode === 'named') {
      this.fail(`expected an identifier or '(' in declarator, found ${this.found()}`);
    }
    const suffixes: Op[] = [];
    for (;;) {
      if (this.is('[')) suffixes.push({ k: 'arr', size: this.arraySize() });
      else if (this.is('(')) {
        const fn = this.parameterList();
        if (nested) this.decorations(fn.attrs, false);
        suffixes.push(fn);
      } else break;
    }
    if (nested) this.decorations(attrs, true);
    const ops = ptrs;
    for (let i = suffixes.length - 1; i >= 0; i--) ops.push(suffixes[i]!);
    if (inner) {
      for (const op of inner.ops) ops.push(op);
      for (const a of inner.attrs) attrs.push(a);
      name = inner.name;
    }
    return { name, ops, attrs };
  }

  /** At `(` where a declarator may be abstract: a grouping `(*p)` rather than a parameter list `(int)`. */
  private isGroupingParen(): boolean {
    let k = this.pos + 1;
    while (k < this.n && WORDS.get(this.toks[k]!.text) === W_ATTR) {
      k++;
      if (k < this.n && this.toks[k]!.text === '(') k = this.skipAhead(k);
    }
    const t = this.toks[k];
    if (!t) return false;
    if (t.text === '*' || t.text === '(' || t.text === '^') return true;
    if (t.kind !== 'ident') return false;
    const cls = WORDS.get(t.text);
    if (cls !== undefined) return !startsTypeClass(cls) || cls === W_IGNORE;
    return !this.typedefs.has(t.text);
  }

  private arraySize(): CToken[] | null {
    const open = this.cur();
    this.pos++;
    while (this.pos < this.n && (this.cur().text === 'static' || QUAL_NAME.has(this.cur().text))) this.pos++;
    const out: CToken[] = [];
    let depth = 0;
    while (this.pos < this.n) {
      const t = this.toks[this.pos]!;
      const s = t.text;
      if (s === '(' || s === '[' || s === '{') depth++;
      else if (s === ')' || s === ']' || s === '}') {
        if (depth === 0) {
          if (s !== ']') this.fail(`expected ']' to close array size, found ${this.found()}`);
          this.pos++;
          return out.length > 0 ? out : null;
        }
        depth--;
      } else if (depth === 0 && s === ';') break;
      out.push(t);
      this.pos++;
    }
    this.fail(`expected ']' to close this '[', found ${this.found()}`, open);
  }

  /** `(a, b)` of an old-style definition: named parameters whose types the declaration list would give. */
  private identifierList(): Extract<Op, { k: 'fn' }> {
    this.report('c-unsupported', `K&R-style parameter lists are not supported (parameter '${this.cur().text}' has no type)`, this.cur());
    const params: CParam[] = [];
    for (;;) {
      const t = this.cur();
      if (t === this.eof || !isName(t)) this.fail(`expected a parameter name, found ${this.found()}`);
      this.pos++;
      params.push({ name: t.text, type: { kind: 'unsupported', text: `K&R parameter ${t.text}`, loc: t.loc }, attrs: [], loc: t.loc });
      if (this.is(',')) this.pos++;
      else if (this.is(')')) break;
      else this.fail(`expected ',' or ')' in parameter list, found ${this.found()}`);
    }
    this.pos++;
    this.depth--;
    this.sawIdentifierList = true;
    return { k: 'fn', params, variadic: false, attrs: [] };
  }

  private parameterList(): Extract<Op, { k: 'fn' }> {
    const open = this.cur();
    this.enter(open);
    this.pos++;
    const params: CParam[] = [];
    let variadic = false;
    this.sawIdentifierList = false;
    // `()` declares no prototype, `(void)` declares none; both leave no parameters here.
    if (this.is(')') || (this.is('void') && this.at(1).text === ')')) {
      this.pos += this.is(')') ? 1 : 2;
      this.depth--;
      return { k: 'fn', params, variadic, attrs: [] };
    }
    for (;;) {
      if (this.is('...')) {
        this.pos++;
        variadic = true;
        this.expect(')', "after '...'");
        break;
      }
      const specs = this.specifiers('param');
      if (!specs.consumed) {
        const t = this.cur();
        if (params.length === 0 && t !== this.eof && isName(t) && (this.at(1).text === ',' || this.at(1).text === ')')) {
          return this.identifierList();
        }
        this.fail(`expected a parameter declaration, found ${this.found()}`);
      }
      if (!specs.hasType) this.implicitInt(specs);
      const d = this.declarator('either', false);
      const trailing = this.trailing();
      params.push({
        name: d.name ? d.name.text : null,
        type: applyOps(d.ops, specs.type),
        attrs: concatAttrs(specs.attrs, d.attrs, trailing),
        loc: (d.name ?? specs.first).loc,
      });
      if (this.is(',')) {
        this.pos++;
        continue;
      }
      if (this.is(')')) {
        this.pos++;
        break;
      }
      this.fail(`expected ',' or ')' in parameter list, found ${this.found()}`);
    }
    this.depth--;
    return { k: 'fn', params, variadic, attrs: [] };
  }
}

function concatAttrs(a: CAttribute[], b: CAttribute[], c: CAttribute[]): CAttribute[] {
  return a.length + b.length + c.length === 0 ? [] : [...a, ...b, ...c];
}

function tagLoc(type: CType, fallback: CLoc): CLoc {
  if (type.kind === 'record' && type.record.def) return type.record.def.loc;
  if (type.kind === 'enum' && type.enumRef.def) return type.enumRef.def.loc;
  return fallback;
}

/** Normalises a multiset of arithmetic specifiers (`long unsigned int long`) to its canonical name; null when invalid. */
function baseTypeName(c: number[]): string | null {
  const [v, ch, sh, i, l, f, d, s, u, b, i128] = [
    c[B_VOID]!, c[B_CHAR]!, c[B_SHORT]!, c[B_INT]!, c[B_LONG]!, c[B_FLOAT]!, c[B_DOUBLE]!,
    c[B_SIGNED]!, c[B_UNSIGNED]!, c[B_BOOL]!, c[B_INT128]!,
  ];
  const cx = c[B_COMPLEX]!;
  const main = v + ch + f + d + b + i128;
  if (main > 1 || i > 1 || sh > 1 || s + u > 1 || cx > 1 || (main === 1 && i === 1)) return null;
  const sign = s + u;
  if (v) return sign || sh || l || cx ? null : 'void';
  if (b) return sign || sh || l || cx ? null : '_Bool';
  if (f) return sign || sh || l ? null : cx ? 'float _Complex' : 'float';
  if (d) {
    if (sign || sh || l > 1) return null;
    const n = l ? 'long double' : 'double';
    return cx ? `${n} _Complex` : n;
  }
  if (cx) return null;
  if (ch) return sh || l ? null : u ? 'unsigned char' : s ? 'signed char' : 'char';
  if (i128) return sh || l ? null : u ? 'unsigned __int128' : '__int128';
  if (sh) return l ? null : u ? 'unsigned short' : 'short';
  if (l === 2) return u ? 'unsigned long long' : 'long long';
  if (l === 1) return u ? 'unsigned long' : 'long';
  if (l > 2) return null;
  return u ? 'unsigned int' : 'int';
}
