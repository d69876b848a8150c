// The built-in C preprocessor (C11 6.10, GNU behaviour where the two differ), so `mdidl lower`
// can read driver headers without a kernel build tree's compiler.
//
// Macro expansion follows Dave Prosser's algorithm, the reference model for 6.10.3.4: every token
// carries a hide set, the names of the macros whose expansion produced it, and a name in its own
// hide set is never expanded again ("painted blue"). Expansion results are pushed back onto a
// stack that sits in front of the rest of the input, which gives rescanning with the rest of the
// file (`#define h g(~` ... `h 5)`) for free. Hostile input is bounded everywhere: include depth,
// include count, argument pre-expansion depth and the total number of tokens produced; each limit
// ends in a diagnostic, never in a hang or an exception.
import * as path from 'node:path';
import type { Loc } from '../../idl/ast.js';
import type { Diagnostic } from '../../idl/diagnostics.js';
import { readInputFile } from '../../idl/read-input.js';
import type { CLoc, CToken, CTokenKind } from './c-ast.js';
import { problemDiagnostic, scanC, tokenLoc, unterminatedCommentDiagnostic, type RawToken, type ScanResult } from './c-lexer.js';
import { evaluatePpExpr, locOfToken } from './pp-expr.js';

export interface PreprocessOptions {
  /** -I, searched for <x.h> and, after the including file's folder, for "x.h". */
  includePaths: string[];
  /** -D NAME=VALUE; the value is '' or '1' for a plain -D NAME. A key `F(x)` defines a function-like macro. */
  defines?: Record<string, string>;
  /** -U NAME, applied after the defines. */
  undefines?: string[];
  /** Default: the file system; null when the file is missing or unreadable. */
  readFile?: (absPath: string) => string | null;
  /** Safety limits; the defaults suit real kernels, tests lower them to hit them quickly. */
  limits?: Partial<PreprocessLimits>;
}

export interface PreprocessLimits {
  /** Nested #include levels, counting the main file (GCC's default is also 200). */
  maxIncludeDepth: number;
  /** #include directives executed in total: a header including itself twice would otherwise recurse exponentially within the depth limit. */
  maxIncludes: number;
  /** Work, counted in tokens: those created by macro substitution, collected as macro arguments, and output. */
  maxTokens: number;
  /** Nesting of macro invocations inside macro arguments, each of which is expanded recursively. */
  maxArgNesting: number;
}

export const DEFAULT_LIMITS: PreprocessLimits = {
  maxIncludeDepth: 200,
  maxIncludes: 20_000,
  maxTokens: 20_000_000,
  maxArgNesting: 200,
};

export interface PreprocessResult {
  tokens: CToken[];
  diagnostics: Diagnostic[];
  /** Every file read, in order of first reading, spelled as in token locations. */
  files: string[];
}

/** Predefined macros: a GCC 12 on x86-64 compiling C11, as kernel headers expect to see. */
const PREDEFINED = `
#define __MDIDL__ 1
#define __GNUC__ 12
#define __GNUC_MINOR__ 2
#define __GNUC_PATCHLEVEL__ 0
#define __STDC__ 1
#define __STDC_VERSION__ 201112L
#define __STDC_HOSTED__ 1
#define __x86_64__ 1
#define __x86_64 1
#define __LP64__ 1
#define _LP64 1
#define __CHAR_BIT__ 8
#define __SIZEOF_SHORT__ 2
#define __SIZEOF_INT__ 4
#define __SIZEOF_LONG__ 8
#define __SIZEOF_LONG_LONG__ 8
#define __SIZEOF_POINTER__ 8
#define __ORDER_LITTLE_ENDIAN__ 1234
#define __ORDER_BIG_ENDIAN__ 4321
#define __BYTE_ORDER__ __ORDER_LITTLE_ENDIAN__
`;

/** Names `defined` reports as macros although they only work inside #if, as in GCC. */
const IF_OPERATORS = new Set(['__has_include', '__has_include_next', '__has_attribute', '__has_cpp_attribute', '__has_c_attribute', '__has_builtin']);

// ---------------------------------------------------------------------------------------------
// Hide sets

/** An interned, immutable set of macro names; equal sets are the same object, so caches work by identity. */
class HideSet {
  readonly adds = new Map<string, HideSet>();
  readonly unions = new Map<HideSet, HideSet>();
  readonly intersections = new Map<HideSet, HideSet | null>();
  constructor(readonly names: ReadonlySet<string>) {}
}

class HideSets {
  private readonly table = new Map<string, HideSet>();
  private readonly singles = new Map<string, HideSet>();

  private intern(names: string[]): HideSet {
    names.sort();
    const key = names.join(' ');
    let hs = this.table.get(key);
    if (!hs) {
      hs = new HideSet(new Set(names));
      this.table.set(key, hs);
    }
    return hs;
  }

  add(hs: HideSet | null, name: string): HideSet {
    if (hs === null) {
      let s = this.singles.get(name);
      if (!s) {
        s = this.intern([name]);
        this.singles.set(name, s);
      }
      return s;
    }
    if (hs.names.has(name)) return hs;
    let r = hs.adds.get(name);
    if (!r) {
      r = this.intern([...hs.names, name]);
      hs.adds.set(name, r);
    }
    return r;
  }

  union(a: HideSet | null, b: HideSet | null): HideSet | null {
    if (b === null || a === b) return a;
    if (a === null) return b;
    let r = a.unions.get(b);
    if (!r) {
      r = a;
      for (const n of b.names) r = this.add(r, n);
      a.unions.set(b, r);
    }
    return r;
  }

  intersect(a: HideSet | null, b: HideSet | null): HideSet | null {
    if (a === null || b === null) return null;
    if (a === b) return a;
    let r = a.intersections.get(b);
    if (r === undefined) {
      const names = [...a.names].filter((n) => b.names.has(n));
      r = names.length === 0 ? null : this.intern(names);
      a.intersections.set(b, r);
    }
    return r;
  }
}

// ---------------------------------------------------------------------------------------------
// Tokens and macros

interface PPTok {
  kind: CTokenKind;
  /** '' for a placemarker (6.10.3.3), which exists only during substitution. */
  text: string;
  loc: CLoc;
  /** Original offset and length of what `loc` points at, for diagnostics. */
  offset: number;
  length: number;
  space: boolean;
  hs: HideSet | null;
}

type BodyItem =
  | { type: 'tok'; tok: PPTok }
  | { type: 'param'; index: number; space: boolean }
  | { type: 'str'; index: number; space: boolean }
  | { type: 'paste' }
  /** `__VA_OPT__(items)` and `#__VA_OPT__(items)` (C23). */
  | { type: 'vaopt'; items: BodyItem[]; space: boolean }
  | { type: 'strvaopt'; items: BodyItem[]; space: boolean };

interface Macro {
  name: string;
  fn: boolean;
  params: string[];
  variadic: boolean;
  body: BodyItem[];
  loc: Loc;
  /** Dynamic macros (__FILE__, __LINE__, ...) compute their one token at each use. */
  builtin?: (at: PPTok) => PPTok;
  /** _Pragma: an operator taking one argument and producing nothing here. */
  pragmaOperator?: boolean;
}

interface Cond {
  directive: string;
  loc: Loc;
  /** Some group of this chain has been taken, so the remaining ones are skipped. */
  taken: boolean;
  sawElse: boolean;
  sawElif: boolean;
  /** The macro of an include guard `#ifndef X` that opens the file. */
  guard: string | null;
}

interface Frame {
  /** As shown in locations and in `files`. */
  path: string;
  abs: string;
  /** Synthetic sources (<built-in>, <command-line>) have no folder to search. */
  dir: string | null;
  toks: RawToken[];
  scan: ScanResult;
  pos: number;
  conds: Cond[];
  /** #line state: the presumed file name and the difference between presumed and physical line. */
  presumed: string;
  lineDelta: number;
  /** Index in includePaths where this file was found, for #include_next; -1 otherwise. */
  includeIdx: number;
}

interface Stream {
  /** Tokens to rescan; the last element is the next one. */
  stack: PPTok[];
  /** Whether the stream continues into the source files once the stack is empty. */
  fromSource: boolean;
  /** Inside #if: the operands of `defined` and `__has_include` must not be expanded. */
  ifMode: boolean;
}

const BODY_LOC: CLoc = { file: '<macro body>', line: 0, column: 0 };

function isPunct(t: PPTok | RawToken | undefined, text: string): boolean {
  return t !== undefined && t.kind === 'punct' && t.text === text;
}

function quoteString(s: string): string {
  return '"' + s.replace(/\\/g, '\\\\').replace(/"/g, '\\"') + '"';
}

function defaultReadFile(abs: string): string | null {
  // The only place that talks to the file system: an unreadable or missing file is simply "not
  // here"; so is a device, a folder or a file past the input size limit (see idl/read-input.ts).
  return readInputFile(abs);
}

function cLocToLoc(loc: CLoc, offset: number, length: number): Loc {
  return locOfToken({ kind: 'punct', text: '', loc, offset, length });
}

// ---------------------------------------------------------------------------------------------

class Preprocessor {
  private readonly macros = new Map<string, Macro>();
  private readonly hidesets = new HideSets();
  private readonly frames: Frame[] = [];
  private readonly out: CToken[] = [];
  private readonly diagnostics: Diagnostic[] = [];
  private readonly files: string[] = [];
  private readonly cache = new Map<string, ScanResult | null>();
  /** Files preprocessed at least once (a file only probed by __has_include is not one). */
  private readonly entered = new Set<string>();
  private readonly onceFiles = new Set<string>();
  /** File → its include guard macro, for files wholly wrapped in `#ifndef X ... #endif`. */
  private readonly guards = new Map<string, string>();
  private readonly pushedMacros = new Map<string, (Macro | undefined)[]>();
  private readonly pasteCache = new Map<string, { kind: CTokenKind; text: string } | null>();
  private readonly limits: PreprocessLimits;
  private readonly readFile: (abs: string) => string | null;
  private readonly top: Stream = { stack: [], fromSource: true, ifMode: false };
  private work = 0;
  private includes = 0;
  private argNesting = 0;
  private collectingArgs = 0;
  private counter = 0;
  private depthReported = false;
  private aborted = false;
  private baseFile = '';

  constructor(private readonly opts: PreprocessOptions) {
    this.limits = { ...DEFAULT_LIMITS, ...opts.limits };
    this.readFile = opts.readFile ?? defaultReadFile;
    this.defineBuiltins();
  }

  // ----- driver

  run(file: string): PreprocessResult {
    this.baseFile = file;
    this.runSynthetic('<built-in>', PREDEFINED);
    const cmd: string[] = [];
    for (const [name, value] of Object.entries(this.opts.defines ?? {})) cmd.push(`#define ${name} ${value.replace(/[\r\n]+/g, ' ')}`);
    for (const name of this.opts.undefines ?? []) cmd.push(`#undef ${name}`);
    this.runSynthetic('<command-line>', cmd.join('\n') + '\n');

    const abs = path.resolve(file);
    const loaded = this.load(abs);
    if (!loaded) {
      this.diagnostics.push({
        severity: 'error',
        code: 'cpp-file-not-found',
        message: `cannot read file '${file}'`,
        loc: { file, line: 1, column: 1, offset: 0, endOffset: 0, endLine: 1, endColumn: 1 },
      });
    } else {
      this.pushFrame(file, abs, path.dirname(file), loaded, -1);
      this.drain();
    }
    return { tokens: this.out, diagnostics: this.diagnostics, files: this.files };
  }

  private runSynthetic(name: string, text: string): void {
    const scan = scanC(text);
    this.frames.push({ path: name, abs: name, dir: null, toks: scan.tokens, scan, pos: 0, conds: [], presumed: name, lineDelta: 0, includeIdx: -1 });
    this.drain();
  }

  /** Expands and outputs until every file on the include stack has ended. */
  private drain(): void {
    const emit = (t: PPTok): void => this.emit(t);
    while (this.frames.length > 0) {
      this.expand(this.top, emit);
      if (this.aborted) {
        this.frames.length = 0;
        this.top.stack.length = 0;
        return;
      }
      this.popFrame();
    }
  }

  private emit(t: PPTok): void {
    if (this.aborted) return;
    if (++this.work > this.limits.maxTokens) return this.abortTooMany(t);
    this.out.push({ kind: t.kind, text: t.text, loc: t.loc });
  }

  private abortTooMany(at: PPTok): void {
    if (this.aborted) return;
    this.aborted = true;
    this.error(
      'cpp-too-many-tokens',
      `macro expansion produced more than ${this.limits.maxTokens} tokens; preprocessing stopped (runaway or exponential macro?)`,
      this.locOf(at),
    );
  }

  // ----- diagnostics

  private error(code: string, message: string, loc: Loc, related?: Diagnostic['related']): void {
    this.diagnostics.push(related ? { severity: 'error', code, message, loc, related } : { severity: 'error', code, message, loc });
  }

  private warn(code: string, message: string, loc: Loc, related?: Diagnostic['related']): void {
    this.diagnostics.push(related ? { severity: 'warning', code, message, loc, related } : { severity: 'warning', code, message, loc });
  }

  private locOf(t: PPTok): Loc {
    return cLocToLoc(t.loc, t.offset, t.length);
  }

  private rawLoc(f: Frame, t: RawToken): Loc {
    const loc = tokenLoc(f.presumed, t);
    if (f.lineDelta !== 0) {
      loc.line += f.lineDelta;
      loc.endLine += f.lineDelta;
    }
    return loc;
  }

  // ----- files

  /** A file's tokens, scanned once however often it is included; null when it cannot be read. */
  private load(abs: string): ScanResult | null {
    const cached = this.cache.get(abs);
    if (cached !== undefined) return cached;
    const text = this.readFile(abs);
    const scan = text === null ? null : scanC(text);
    this.cache.set(abs, scan);
    return scan;
  }

  private pushFrame(display: string, abs: string, dir: string, scan: ScanResult, includeIdx: number): void {
    if (!this.entered.has(abs)) {
      this.entered.add(abs);
      this.files.push(display);
      for (const off of scan.unterminatedComments) this.diagnostics.push(unterminatedCommentDiagnostic(display, scan, off));
    }
    this.frames.push({
      path: display,
      abs,
      dir,
      toks: scan.tokens,
      scan,
      pos: 0,
      conds: [],
      presumed: display,
      lineDelta: 0,
      includeIdx,
    });
  }

  private popFrame(): void {
    const f = this.frames.pop();
    if (!f) return;
    for (const c of f.conds) this.error('cpp-unterminated-conditional', `unterminated #${c.directive}: no matching #endif in this file`, c.loc);
  }

  private get frame(): Frame | undefined {
    return this.frames[this.frames.length - 1];
  }

  /** The next token of the current file, after running any directives before it; null at its end. */
  private readSource(): PPTok | null {
    for (;;) {
      const f = this.frame;
      if (!f || this.aborted || f.pos >= f.toks.length) return null;
      const r = f.toks[f.pos]!;
      if (r.bol && r.kind === 'punct' && r.text === '#') {
        this.directive(f);
        continue;
      }
      f.pos++;
      if (r.problem !== null) this.diagnostics.push(problemDiagnostic(f.presumed, r));
      return this.fromRaw(f, r);
    }
  }

  private fromRaw(f: Frame, r: RawToken): PPTok {
    return {
      kind: r.kind,
      text: r.text,
      loc: { file: f.presumed, line: r.line + f.lineDelta, column: r.column },
      offset: r.offset,
      length: Math.max(1, r.end - r.pos),
      space: r.space,
      hs: null,
    };
  }

  // ----- macro expansion

  private next(s: Stream): PPTok | null {
    const t = s.stack.pop();
    if (t !== undefined) return t;
    return s.fromSource ? this.readSource() : null;
  }

  /** Expands a stream until it runs dry, handing each finished token to `emit`. */
  private expand(s: Stream, emit: (t: PPTok) => void): void {
    while (!this.aborted) {
      const t = this.next(s);
      if (t === null) return;
      if (t.kind === 'ident') {
        if (s.ifMode && (t.text === 'defined' || t.text === '__has_include' || t.text === '__has_include_next') && !this.macros.has(t.text)) {
          emit(t);
          this.passOperand(s, emit);
          continue;
        }
        const m = this.macros.get(t.text);
        if (m !== undefined && (t.hs === null || !t.hs.names.has(t.text)) && this.expandMacro(t, m, s)) continue;
      }
      emit(t);
    }
  }

  /** Copies the operand of `defined` / `__has_include` unexpanded: one token, or a parenthesised group. */
  private passOperand(s: Stream, emit: (t: PPTok) => void): void {
    const first = this.next(s);
    if (first === null) return;
    emit(first);
    if (!isPunct(first, '(')) return;
    let depth = 1;
    while (depth > 0) {
      const t = this.next(s);
      if (t === null) return;
      if (isPunct(t, '(')) depth++;
      else if (isPunct(t, ')')) depth--;
      emit(t);
    }
  }

  /** Replaces a macro invocation by its substituted body on the stream; false when `t` is not an invocation. */
  private expandMacro(t: PPTok, m: Macro, s: Stream): boolean {
    if (m.builtin) {
      s.stack.push(m.builtin(t));
      return true;
    }
    if (!m.fn) {
      this.pushBody(s, this.subst(m, [], false, t, this.hidesets.add(t.hs, m.name), s.ifMode));
      return true;
    }
    const paren = this.next(s);
    if (paren === null) return false;
    if (!isPunct(paren, '(')) {
      s.stack.push(paren);
      return false;
    }
    const collected = this.collectArgs(s, t, m);
    if (collected === null) return false;
    if (m.pragmaOperator) return true;
    const { args, rparen } = collected;
    const n = m.params.length;
    let vaOmitted = false;
    if (n === 0) {
      if (args.length > 1 || args[0]!.length > 0) {
        this.error('cpp-macro-arguments', `macro "${m.name}" passed ${args.length} arguments, but takes just 0`, this.locOf(t));
        return false;
      }
      args.length = 0;
    } else if (args.length < n) {
      if (m.variadic && args.length === n - 1) {
        args.push([]);
        vaOmitted = true;
      } else {
        this.error('cpp-macro-arguments', `macro "${m.name}" requires ${n} arguments, but only ${args.length} given`, this.locOf(t));
        return false;
      }
    } else if (args.length > n) {
      this.error('cpp-macro-arguments', `macro "${m.name}" passed ${args.length} arguments, but takes just ${n}`, this.locOf(t));
      return false;
    }
    // GNU: with a lone variadic parameter, an empty argument counts as omitted for `, ## __VA_ARGS__`.
    if (m.variadic && n === 1 && args[0]!.length === 0) vaOmitted = true;
    const hs = this.hidesets.add(this.hidesets.intersect(t.hs, rparen.hs), m.name);
    this.pushBody(s, this.subst(m, args, vaOmitted, t, hs, s.ifMode));
    return true;
  }

  private pushBody(s: Stream, body: PPTok[]): void {
    for (let k = body.length - 1; k >= 0; k--) s.stack.push(body[k]!);
  }

  /** Arguments of a function-like macro, the `(` already read; null (after an error) when the list never closes. */
  private collectArgs(s: Stream, name: PPTok, m: Macro): { args: PPTok[][]; rparen: PPTok } | null {
    // While arguments are collected, an #include would splice another file into them.
    this.collectingArgs++;
    const r = this.collectArgList(s, name, m);
    this.collectingArgs--;
    return r;
  }

  private collectArgList(s: Stream, name: PPTok, m: Macro): { args: PPTok[][]; rparen: PPTok } | null {
    const args: PPTok[][] = [[]];
    let depth = 0;
    for (;;) {
      const a = this.next(s);
      if (a === null) {
        if (!this.aborted) this.error('cpp-unterminated-arguments', `unterminated argument list invoking macro "${m.name}"`, this.locOf(name));
        return null;
      }
      if (a.kind === 'punct') {
        if (a.text === '(') depth++;
        else if (a.text === ')') {
          if (depth === 0) return { args, rparen: a };
          depth--;
        } else if (a.text === ',' && depth === 0 && !(m.variadic && args.length === m.params.length)) {
          args.push([]);
          continue;
        }
      }
      // Collected tokens count as work: nested invocations copy their arguments at every level.
      if (++this.work > this.limits.maxTokens) {
        this.abortTooMany(name);
        return null;
      }
      args[args.length - 1]!.push(a);
    }
  }

  /** An argument fully macro-expanded on its own, as if it were the rest of the file (6.10.3.1). */
  private expandArg(arg: PPTok[], at: PPTok, ifMode: boolean): PPTok[] {
    if (this.argNesting >= this.limits.maxArgNesting) {
      // Each level expands the whole rest of the nest again; going on would be quadratic at best.
      if (!this.aborted) {
        this.aborted = true;
        this.error('cpp-nesting', `macro invocations nested too deeply in macro arguments (more than ${this.limits.maxArgNesting} levels); preprocessing stopped`, this.locOf(at));
      }
      return [];
    }
    this.argNesting++;
    const out: PPTok[] = [];
    const stack: PPTok[] = [];
    for (let k = arg.length - 1; k >= 0; k--) stack.push(arg[k]!);
    this.expand({ stack, fromSource: false, ifMode }, (t) => out.push(t));
    this.argNesting--;
    return out;
  }

  /** Tokens of a whole list, expanded in isolation (for #include, #line and #if). */
  private expandList(toks: PPTok[], ifMode: boolean): PPTok[] {
    const out: PPTok[] = [];
    const stack: PPTok[] = [];
    for (let k = toks.length - 1; k >= 0; k--) stack.push(toks[k]!);
    this.expand({ stack, fromSource: false, ifMode }, (t) => out.push(t));
    return out;
  }

  /**
   * The replacement list with parameters substituted, `#` and `##` applied and placemarkers
   * removed (6.10.3.1-6.10.3.3). Every token gets the invocation's location and `hs` added to its
   * hide set; a pasted token keeps only the names both operands were hidden from.
   */
  private subst(m: Macro, args: PPTok[][], vaOmitted: boolean, inv: PPTok, hs: HideSet, ifMode: boolean): PPTok[] {
    const expanded: (PPTok[] | undefined)[] = [];
    const copy = (t: PPTok, space: boolean): PPTok => {
      if (++this.work > this.limits.maxTokens) this.abortTooMany(inv);
      return { kind: t.kind, text: t.text, loc: inv.loc, offset: inv.offset, length: inv.length, space, hs: this.hidesets.union(t.hs, hs) };
    };
    const pushArg = (out: PPTok[], toks: PPTok[], space: boolean): void => {
      for (let k = 0; k < toks.length && !this.aborted; k++) out.push(copy(toks[k]!, k === 0 ? space : toks[k]!.space));
    };
    const placemarker = (space: boolean): PPTok => ({ kind: 'punct', text: '', loc: inv.loc, offset: inv.offset, length: inv.length, space, hs: null });
    const expandedArg = (index: number): PPTok[] => (expanded[index] ??= this.expandArg(args[index]!, inv, ifMode));
    // __VA_OPT__ takes its content when the variable arguments expand to at least one token (C23, GCC 12).
    const vaPresent = (): boolean => m.variadic && expandedArg(m.params.length - 1).length > 0;
    const vaOpt = (items: BodyItem[], space: boolean): PPTok[] => {
      const toks: PPTok[] = [];
      if (vaPresent()) run(items, toks);
      if (toks.length === 0) return [placemarker(space)];
      toks[0] = { ...toks[0]!, space };
      return toks;
    };

    const run = (body: BodyItem[], out: PPTok[]): void => {
      for (let k = 0; k < body.length && !this.aborted; k++) {
        const item = body[k]!;
        switch (item.type) {
          case 'tok':
            out.push(copy(item.tok, item.tok.space));
            break;
          case 'str':
            out.push(copy(this.stringify(args[item.index]!, inv), item.space));
            break;
          case 'vaopt':
            for (const t of vaOpt(item.items, item.space)) out.push(t);
            break;
          case 'strvaopt':
            out.push(copy(this.stringify(vaOpt(item.items, false), inv), item.space));
            break;
          case 'param': {
            if (body[k + 1]?.type === 'paste') {
              // An operand of ## is substituted as written, not expanded (6.10.3.1).
              const arg = args[item.index]!;
              if (arg.length === 0) out.push(placemarker(item.space));
              else pushArg(out, arg, item.space);
            } else {
              pushArg(out, expandedArg(item.index), item.space);
            }
            break;
          }
          case 'paste': {
            const rhsItem = body[++k]!;
            // Only GNU comma swallowing can leave nothing to the left; a placemarker stands in.
            const lhs = out.pop() ?? placemarker(false);
            let rhs: PPTok[];
            if (rhsItem.type === 'param') {
              const arg = args[rhsItem.index]!;
              if (m.variadic && rhsItem.index === m.params.length - 1 && lhs.kind === 'punct' && lhs.text === ',') {
                // GNU `, ## __VA_ARGS__`: the comma goes when the variable arguments were omitted,
                // otherwise it stays and the arguments follow without being pasted to it.
                if (!vaOmitted) {
                  out.push(lhs);
                  pushArg(out, arg, rhsItem.space);
                }
                break;
              }
              rhs = arg.map((t) => copy(t, t.space));
            } else if (rhsItem.type === 'str') {
              rhs = [copy(this.stringify(args[rhsItem.index]!, inv), rhsItem.space)];
            } else if (rhsItem.type === 'strvaopt') {
              rhs = [copy(this.stringify(vaOpt(rhsItem.items, false), inv), rhsItem.space)];
            } else if (rhsItem.type === 'vaopt') {
              rhs = vaOpt(rhsItem.items, rhsItem.space);
            } else if (rhsItem.type === 'tok') {
              const after = body[k + 2];
              if (vaOmitted && rhsItem.tok.text === ',' && body[k + 1]?.type === 'paste' && after?.type === 'param' && after.index === m.params.length - 1) {
                // `x ## , ## __VA_ARGS__` with the arguments omitted: the comma goes before it is pasted, as in GCC.
                out.push(lhs);
                k += 2;
                break;
              }
              rhs = [copy(rhsItem.tok, rhsItem.tok.space)];
            } else {
              rhs = [];
            }
            if (rhs.length === 0) {
              out.push(lhs);
              break;
            }
            for (const t of this.paste(lhs, rhs[0]!)) out.push(t);
            for (let r = 1; r < rhs.length; r++) out.push(rhs[r]!);
            break;
          }
        }
      }
    };

    const out: PPTok[] = [];
    run(m.body, out);
    const result = out.some((t) => t.text === '') ? out.filter((t) => t.text !== '') : out;
    if (result.length > 0) {
      // The expansion stands where the macro name stood, as far as whitespace goes.
      const first = result[0]!;
      if (first.space !== inv.space) result[0] = { ...first, space: inv.space };
    }
    return result;
  }

  /** `#x`: the argument's spelling as a string literal, spaces between tokens collapsed to one (6.10.3.2). */
  private stringify(arg: PPTok[], inv: PPTok): PPTok {
    let s = '';
    for (let k = 0; k < arg.length; k++) {
      const t = arg[k]!;
      if (t.text === '') continue;
      if (k > 0 && t.space && s.length > 0) s += ' ';
      s += t.kind === 'string' || t.kind === 'char' ? t.text.replace(/[\\"]/g, '\\$&') : t.text;
    }
    return { kind: 'string', text: '"' + s + '"', loc: inv.loc, offset: inv.offset, length: inv.length, space: false, hs: null };
  }

  /** `a ## b`; a result that is not one token is an error, and both tokens are kept, as GCC does. */
  private paste(lhs: PPTok, rhs: PPTok): PPTok[] {
    if (lhs.text === '') return [{ ...rhs, space: lhs.space }];
    if (rhs.text === '') return [lhs];
    const text = lhs.text + rhs.text;
    let r = this.pasteCache.get(text);
    if (r === undefined) {
      const scan = scanC(text);
      const only = scan.tokens[0];
      r = scan.tokens.length === 1 && only!.end === text.length && only!.pos === 0 && only!.problem === null ? { kind: only!.kind, text: only!.text } : null;
      this.pasteCache.set(text, r);
    }
    if (r === null) {
      this.error('cpp-paste', `pasting "${lhs.text}" and "${rhs.text}" does not give a valid preprocessing token`, this.locOf(lhs));
      return [lhs, rhs];
    }
    return [{ ...lhs, kind: r.kind, text: r.text, hs: this.hidesets.intersect(lhs.hs, rhs.hs) }];
  }

  // ----- builtins

  private defineBuiltins(): void {
    const loc: Loc = { file: '<built-in>', line: 0, column: 0, offset: 0, endOffset: 0, endLine: 0, endColumn: 0 };
    const builtin = (name: string, make: (at: PPTok) => { kind: CTokenKind; text: string }): void => {
      this.macros.set(name, {
        name,
        fn: false,
        params: [],
        variadic: false,
        body: [],
        loc,
        builtin: (at) => ({ ...make(at), loc: at.loc, offset: at.offset, length: at.length, space: at.space, hs: null }),
      });
    };
    builtin('__FILE__', (at) => ({ kind: 'string', text: quoteString(at.loc.file) }));
    builtin('__LINE__', (at) => ({ kind: 'number', text: String(at.loc.line) }));
    builtin('__COUNTER__', () => ({ kind: 'number', text: String(this.counter++) }));
    builtin('__INCLUDE_LEVEL__', () => ({ kind: 'number', text: String(Math.max(0, this.frames.length - 1)) }));
    builtin('__BASE_FILE__', () => ({ kind: 'string', text: quoteString(this.baseFile) }));
    // Fixed, so that output does not depend on when it was produced.
    builtin('__DATE__', () => ({ kind: 'string', text: '"Jan  1 1970"' }));
    builtin('__TIME__', () => ({ kind: 'string', text: '"00:00:00"' }));
    this.macros.set('_Pragma', { name: '_Pragma', fn: true, params: ['x'], variadic: false, body: [], loc, pragmaOperator: true });
  }

  private isDefined(name: string): boolean {
    if (name === '_Pragma') return false;
    return this.macros.has(name) || IF_OPERATORS.has(name);
  }

  // ----- directives

  private directive(f: Frame): void {
    const hash = f.toks[f.pos]!;
    let end = f.pos + 1;
    while (end < f.toks.length && !f.toks[end]!.bol) end++;
    const line = f.toks.slice(f.pos + 1, end);
    f.pos = end;
    const nameTok = line[0];
    if (nameTok === undefined) return; // the null directive
    if (nameTok.kind === 'number') return this.lineDirective(f, line, 0, hash);
    const name = nameTok.kind === 'ident' ? nameTok.text : '';
    switch (name) {
      case 'define':
        return this.define(f, line);
      case 'undef':
        return this.undef(f, line);
      case 'include':
      case 'include_next':
      case 'import':
        return this.include(f, line, name === 'include_next');
      case 'if':
        return this.ifDirective(f, line, hash);
      case 'ifdef':
      case 'ifndef':
        return this.ifdef(f, line, hash, name === 'ifndef');
      case 'elif':
      case 'elifdef':
      case 'elifndef':
        return this.elif(f, line, hash);
      case 'else':
        return this.elseDirective(f, line, hash);
      case 'endif':
        return this.endif(f, line, hash);
      case 'line':
        return this.lineDirective(f, line, 1, hash);
      case 'error':
      case 'warning': {
        const text = this.spell(line.slice(1));
        const message = `#${name}${text ? ' ' + text : ''}`;
        if (name === 'error') this.error('cpp-error-directive', message, this.rawLoc(f, hash));
        else this.warn('cpp-warning-directive', message, this.rawLoc(f, hash));
        return;
      }
      case 'pragma':
        return this.pragma(f, line);
      case 'ident':
      case 'sccs':
      case 'assert':
      case 'unassert':
        return;
      default:
        this.error('cpp-unknown-directive', `invalid preprocessing directive #${nameTok.text}`, this.rawLoc(f, nameTok));
    }
  }

  /** A directive line's tokens, spelled back as text with single spaces. */
  private spell(toks: readonly { text: string; space: boolean }[]): string {
    let s = '';
    for (const t of toks) s += (s.length > 0 && t.space ? ' ' : '') + t.text;
    return s;
  }

  private reportProblems(f: Frame, line: RawToken[]): void {
    for (const t of line) if (t.problem !== null) this.diagnostics.push(problemDiagnostic(f.presumed, t));
  }

  private extraTokens(f: Frame, t: RawToken | undefined, directive: string): void {
    if (t) this.warn('cpp-extra-tokens', `extra tokens at end of #${directive} directive`, this.rawLoc(f, t));
  }

  private define(f: Frame, line: RawToken[]): void {
    this.reportProblems(f, line);
    const nameTok = line[1];
    if (!nameTok || nameTok.kind !== 'ident') {
      this.error('cpp-bad-define', nameTok ? 'macro names must be identifiers' : 'no macro name given in #define directive', this.rawLoc(f, nameTok ?? line[0]!));
      return;
    }
    const name = nameTok.text;
    if (name === 'defined' || name === '__has_include' || name === '__has_include_next') {
      this.error('cpp-bad-define', `"${name}" cannot be used as a macro name`, this.rawLoc(f, nameTok));
      return;
    }
    const params: string[] = [];
    let variadic = false;
    let fn = false;
    let i = 2;
    if (isPunct(line[2], '(') && !line[2]!.space) {
      fn = true;
      i = 3;
      if (isPunct(line[i], ')')) {
        i++;
      } else {
        for (;;) {
          const p = line[i];
          if (p && p.kind === 'ident') {
            if (p.text === '__VA_ARGS__') {
              this.error('cpp-bad-define', '__VA_ARGS__ can only appear in the expansion of a variadic macro', this.rawLoc(f, p));
              return;
            }
            if (params.includes(p.text)) {
              this.error('cpp-bad-define', `duplicate macro parameter "${p.text}"`, this.rawLoc(f, p));
              return;
            }
            params.push(p.text);
            i++;
            if (isPunct(line[i], '...')) {
              variadic = true;
              i++;
            }
          } else if (isPunct(p, '...')) {
            params.push('__VA_ARGS__');
            variadic = true;
            i++;
          } else {
            this.error('cpp-bad-define', p ? `expected parameter name, found "${p.text}"` : 'missing \')\' in macro parameter list', this.rawLoc(f, p ?? line[line.length - 1]!));
            return;
          }
          const sep = line[i];
          if (isPunct(sep, ')')) {
            i++;
            break;
          }
          if (!variadic && isPunct(sep, ',')) {
            i++;
            continue;
          }
          this.error(
            'cpp-bad-define',
            sep ? (variadic ? "missing ')' after \"...\"" : `expected ',' or ')', found "${sep.text}"`) : "missing ')' in macro parameter list",
            this.rawLoc(f, sep ?? line[line.length - 1]!),
          );
          return;
        }
      }
    }

    const defLoc = this.rawLoc(f, nameTok);
    const body = this.parseBody(f, line, i, line.length, fn, params, variadic, false);
    if (body === null) return;
    const macro: Macro = { name, fn, params, variadic, body, loc: defLoc };
    const old = this.macros.get(name);
    if (old && !sameDefinition(old, macro)) {
      this.warn(
        'cpp-macro-redefined',
        old.builtin || old.pragmaOperator ? `redefining builtin macro "${name}"` : `"${name}" redefined`,
        defLoc,
        old.builtin || old.pragmaOperator ? undefined : [{ message: 'this is the location of the previous definition', loc: old.loc }],
      );
    }
    this.macros.set(name, macro);
  }

  /** The replacement list line[from..to): parameters, `#`, `##` and `__VA_OPT__` found once, here. */
  private parseBody(f: Frame, line: RawToken[], from: number, to: number, fn: boolean, params: string[], variadic: boolean, inVaOpt: boolean): BodyItem[] | null {
    const body: BodyItem[] = [];
    const where = inVaOpt ? '__VA_OPT__' : 'a macro expansion';
    for (let k = from; k < to; k++) {
      const t = line[k]!;
      const space = k === from ? false : t.space;
      if (t.kind === 'punct' && t.text === '##') {
        if (k === from || k === to - 1) {
          this.error('cpp-bad-define', `'##' cannot appear at either end of ${where}`, this.rawLoc(f, t));
          return null;
        }
        // `a ## ## b` pastes once, as in GCC.
        if (body[body.length - 1]?.type !== 'paste') body.push({ type: 'paste' });
        continue;
      }
      if (variadic && t.kind === 'ident' && t.text === '__VA_OPT__') {
        const group = this.vaOptGroup(f, line, k, to, fn, params, inVaOpt);
        if (group === null) return null;
        body.push({ type: 'vaopt', items: group.items, space });
        k = group.close;
        continue;
      }
      if (fn && t.kind === 'punct' && t.text === '#') {
        const p = line[k + 1];
        if (variadic && p?.kind === 'ident' && p.text === '__VA_OPT__' && k + 1 < to) {
          const group = this.vaOptGroup(f, line, k + 1, to, fn, params, inVaOpt);
          if (group === null) return null;
          body.push({ type: 'strvaopt', items: group.items, space });
          k = group.close;
          continue;
        }
        const index = p && k + 1 < to && p.kind === 'ident' ? params.indexOf(p.text) : -1;
        if (index < 0) {
          this.error('cpp-stringify', "'#' is not followed by a macro parameter", this.rawLoc(f, t));
          return null;
        }
        body.push({ type: 'str', index, space });
        k++;
        continue;
      }
      if (t.kind === 'ident') {
        const index = fn ? params.indexOf(t.text) : -1;
        if (index >= 0) {
          body.push({ type: 'param', index, space });
          continue;
        }
        if (t.text === '__VA_ARGS__') {
          this.warn('cpp-va-args', '__VA_ARGS__ can only appear in the expansion of a variadic macro', this.rawLoc(f, t));
        }
      }
      body.push({
        type: 'tok',
        // Only the text matters: a substituted token takes the invocation's location.
        tok: { kind: t.kind, text: t.text, loc: BODY_LOC, offset: 0, length: 0, space, hs: null },
      });
    }
    return body;
  }

  /** `__VA_OPT__ ( ... )` starting at line[at]: its parsed content and the index of its `)`. */
  private vaOptGroup(f: Frame, line: RawToken[], at: number, to: number, fn: boolean, params: string[], inVaOpt: boolean): { items: BodyItem[]; close: number } | null {
    const t = line[at]!;
    if (inVaOpt) {
      this.error('cpp-bad-define', '__VA_OPT__ may not appear in a __VA_OPT__', this.rawLoc(f, t));
      return null;
    }
    if (!isPunct(line[at + 1], '(') || at + 1 >= to) {
      this.error('cpp-bad-define', "__VA_OPT__ must be followed by an open parenthesis", this.rawLoc(f, t));
      return null;
    }
    let depth = 0;
    for (let k = at + 1; k < to; k++) {
      if (isPunct(line[k], '(')) depth++;
      else if (isPunct(line[k], ')') && --depth === 0) {
        const items = this.parseBody(f, line, at + 2, k, fn, params, true, true);
        return items === null ? null : { items, close: k };
      }
    }
    this.error('cpp-bad-define', 'unterminated __VA_OPT__', this.rawLoc(f, t));
    return null;
  }

  private undef(f: Frame, line: RawToken[]): void {
    const nameTok = line[1];
    if (!nameTok || nameTok.kind !== 'ident') {
      this.error('cpp-bad-define', nameTok ? 'macro names must be identifiers' : 'no macro name given in #undef directive', this.rawLoc(f, nameTok ?? line[0]!));
      return;
    }
    this.extraTokens(f, line[2], 'undef');
    this.macros.delete(nameTok.text);
  }

  private pragma(f: Frame, line: RawToken[]): void {
    const what = line[1]?.text;
    if (what === 'once' && f.dir !== null) {
      this.onceFiles.add(f.abs);
    } else if ((what === 'push_macro' || what === 'pop_macro') && isPunct(line[2], '(') && line[3]?.kind === 'string') {
      const name = line[3].text.slice(1, -1);
      if (what === 'push_macro') {
        const stack = this.pushedMacros.get(name) ?? [];
        stack.push(this.macros.get(name));
        this.pushedMacros.set(name, stack);
      } else {
        const stack = this.pushedMacros.get(name);
        if (stack && stack.length > 0) {
          const m = stack.pop();
          if (m) this.macros.set(name, m);
          else this.macros.delete(name);
        }
      }
    }
    // Every other pragma concerns code generation or warnings, nothing an interface needs.
  }

  private lineDirective(f: Frame, line: RawToken[], from: number, hash: RawToken): void {
    this.reportProblems(f, line);
    const raw = line.slice(from).map((t) => this.fromRaw(f, t));
    // A GNU linemarker (`# 33 "file" 1 3`) is already in final form; `#line` operands are macro-expanded.
    const toks = from === 0 ? raw : this.expandList(raw, false);
    const num = toks[0];
    if (!num || num.kind !== 'number' || !/^[0-9]+$/.test(num.text)) {
      this.error('cpp-line-directive', `"${num ? num.text : ''}" after #line is not a positive integer`, num ? this.locOf(num) : this.rawLoc(f, hash));
      return;
    }
    const fileTok = toks[1];
    if (fileTok && (fileTok.kind !== 'string' || !fileTok.text.startsWith('"'))) {
      this.error('cpp-line-directive', `invalid filename "${fileTok.text}" in #line directive`, this.locOf(fileTok));
      return;
    }
    // A linemarker's trailing flags (1 = entering a file, 2 = returning, 3 = system header) are fine.
    const extra = toks[2];
    if (from === 1 && extra) this.warn('cpp-extra-tokens', 'extra tokens at end of #line directive', this.locOf(extra));
    const last = line[line.length - 1]!;
    f.lineDelta = Number(num.text) - (last.line + 1);
    if (fileTok) f.presumed = unescapeString(fileTok.text.slice(1, -1));
  }

  // ----- conditionals

  private ifDirective(f: Frame, line: RawToken[], hash: RawToken): void {
    const value = this.evalCondition(f, line, hash, 'if');
    const guard = f.conds.length === 0 && hash === f.toks[0] ? guardOfIf(line) : null;
    this.openCond(f, 'if', hash, value, guard);
  }

  private ifdef(f: Frame, line: RawToken[], hash: RawToken, negate: boolean): void {
    const directive = negate ? 'ifndef' : 'ifdef';
    const nameTok = line[1];
    let value = false;
    if (!nameTok || nameTok.kind !== 'ident') {
      this.error('cpp-bad-conditional', nameTok ? 'macro names must be identifiers' : `no macro name given in #${directive} directive`, this.rawLoc(f, nameTok ?? line[0]!));
    } else {
      this.extraTokens(f, line[2], directive);
      value = this.isDefined(nameTok.text) !== negate;
    }
    const guard = negate && nameTok?.kind === 'ident' && f.conds.length === 0 && hash === f.toks[0] ? nameTok.text : null;
    this.openCond(f, directive, hash, value, guard);
  }

  private openCond(f: Frame, directive: string, hash: RawToken, value: boolean, guard: string | null): void {
    f.conds.push({ directive, loc: this.rawLoc(f, hash), taken: value, sawElse: false, sawElif: false, guard });
    if (!value) this.skipGroup(f);
  }

  private elif(f: Frame, line: RawToken[], hash: RawToken): void {
    const directive = line[0]!.text;
    const c = f.conds[f.conds.length - 1];
    if (!c) {
      this.error('cpp-unbalanced-conditional', `#${directive} without #if`, this.rawLoc(f, hash));
      return;
    }
    if (c.sawElse) {
      this.error('cpp-unbalanced-conditional', `#${directive} after #else`, this.rawLoc(f, hash));
    }
    c.sawElif = true;
    if (c.taken) return this.skipGroup(f);
    let value: boolean;
    if (directive === 'elif') {
      value = this.evalCondition(f, line, hash, 'elif');
    } else {
      const nameTok = line[1];
      if (!nameTok || nameTok.kind !== 'ident') {
        this.error('cpp-bad-conditional', `no macro name given in #${directive} directive`, this.rawLoc(f, nameTok ?? line[0]!));
        value = false;
      } else {
        value = this.isDefined(nameTok.text) === (directive === 'elifdef');
      }
    }
    if (value) c.taken = true;
    else this.skipGroup(f);
  }

  private elseDirective(f: Frame, line: RawToken[], hash: RawToken): void {
    const c = f.conds[f.conds.length - 1];
    if (!c) {
      this.error('cpp-unbalanced-conditional', '#else without #if', this.rawLoc(f, hash));
      return;
    }
    if (c.sawElse) this.error('cpp-unbalanced-conditional', '#else after #else', this.rawLoc(f, hash));
    c.sawElse = true;
    this.extraTokens(f, line[1], 'else');
    if (c.taken) return this.skipGroup(f);
    c.taken = true;
  }

  private endif(f: Frame, line: RawToken[], hash: RawToken): void {
    const c = f.conds.pop();
    if (!c) {
      this.error('cpp-unbalanced-conditional', '#endif without #if', this.rawLoc(f, hash));
      return;
    }
    this.extraTokens(f, line[1], 'endif');
    // The multiple-include optimisation: a file that is one #ifndef X ... #endif is skipped
    // unread while X stays defined, as GCC does; kernel headers are included many times over.
    if (c.guard !== null && !c.sawElse && !c.sawElif && f.pos === f.toks.length && f.conds.length === 0) {
      this.guards.set(f.abs, c.guard);
    }
  }

  /** Moves past a group whose condition is false, to the #elif/#else/#endif that ends it. */
  private skipGroup(f: Frame): void {
    const toks = f.toks;
    let depth = 0;
    for (let k = f.pos; k < toks.length; k++) {
      const t = toks[k]!;
      if (!t.bol || t.kind !== 'punct' || t.text !== '#') continue;
      const d = toks[k + 1];
      if (!d || d.bol || d.kind !== 'ident') continue;
      switch (d.text) {
        case 'if':
        case 'ifdef':
        case 'ifndef':
          depth++;
          break;
        case 'endif':
          if (depth-- === 0) {
            f.pos = k;
            return;
          }
          break;
        case 'elif':
        case 'elifdef':
        case 'elifndef':
        case 'else':
          if (depth === 0) {
            f.pos = k;
            return;
          }
          break;
      }
    }
    f.pos = toks.length;
  }

  /** `#if`/`#elif`: expand macros (not the operands of `defined`), resolve the operators, evaluate. */
  private evalCondition(f: Frame, line: RawToken[], hash: RawToken, directive: string): boolean {
    this.reportProblems(f, line);
    const toks = this.expandList(line.slice(1).map((t) => this.fromRaw(f, t)), true);
    if (this.aborted) return false;
    const resolved: PPTok[] = [];
    for (let k = 0; k < toks.length; k++) {
      const t = toks[k]!;
      if (t.kind === 'ident' && (t.text === 'defined' || t.text === '__has_include' || t.text === '__has_include_next')) {
        const r = t.text === 'defined' ? this.resolveDefined(toks, k) : this.resolveHasInclude(f, toks, k);
        if (r === null) return false;
        resolved.push({ ...t, kind: 'number', text: r.value ? '1' : '0' });
        k = r.last;
        continue;
      }
      resolved.push(t);
    }
    const last = line[line.length - 1] ?? hash;
    const endLoc = this.rawLoc(f, last);
    endLoc.column = endLoc.endColumn;
    endLoc.offset = endLoc.endOffset;
    const r = evaluatePpExpr(resolved, endLoc, directive);
    for (const d of r.diagnostics) this.diagnostics.push(d);
    return r.value;
  }

  private resolveDefined(toks: PPTok[], k: number): { value: boolean; last: number } | null {
    const t = toks[k]!;
    let j = k + 1;
    const paren = isPunct(toks[j], '(');
    if (paren) j++;
    const name = toks[j];
    if (!name || name.kind !== 'ident' || (paren && !isPunct(toks[j + 1], ')'))) {
      this.error('cpp-if-expression', paren && name?.kind === 'ident' ? "missing ')' after \"defined\"" : 'operator "defined" requires an identifier', this.locOf(name ?? t));
      return null;
    }
    return { value: this.isDefined(name.text), last: paren ? j + 1 : j };
  }

  private resolveHasInclude(f: Frame, toks: PPTok[], k: number): { value: boolean; last: number } | null {
    const t = toks[k]!;
    if (!isPunct(toks[k + 1], '(')) {
      this.error('cpp-if-expression', `missing '(' after "${t.text}"`, this.locOf(t));
      return null;
    }
    let j = k + 2;
    let depth = 0;
    for (; j < toks.length; j++) {
      const x = toks[j]!;
      if (isPunct(x, '(')) depth++;
      else if (isPunct(x, ')') && depth-- === 0) break;
    }
    if (j >= toks.length) {
      this.error('cpp-if-expression', `missing ')' after "${t.text}" operand`, this.locOf(t));
      return null;
    }
    let operand = toks.slice(k + 2, j);
    if (operand.length > 0 && operand[0]!.kind !== 'string' && !isPunct(operand[0], '<')) operand = this.expandList(operand, false);
    const header = headerNameOf(operand);
    if (header === null) {
      this.error('cpp-if-expression', `operator "${t.text}" requires a header name`, this.locOf(t));
      return null;
    }
    const found = this.findInclude(f, header.name, header.angled, t.text === '__has_include_next' && f.includeIdx >= 0);
    return { value: found !== null, last: j };
  }

  // ----- #include

  private include(f: Frame, line: RawToken[], next: boolean): void {
    const directive = line[0]!.text;
    const first = line[1];
    let name: string | null = null;
    let angled = false;
    let nameLoc: Loc | null = null;
    if (first && first.kind === 'string' && first.text.startsWith('"')) {
      name = first.text.slice(1, -1);
      nameLoc = this.rawLoc(f, first);
      this.extraTokens(f, line[2], directive);
    } else if (isPunct(first, '<')) {
      // The header name is the raw text up to '>', not tokens: `<linux/if_ether.h>`, `<asm/io.h>`.
      const text = f.scan.spliced;
      const gt = text.indexOf('>', first!.end);
      const nl = text.indexOf('\n', first!.end);
      if (gt < 0 || (nl >= 0 && gt > nl)) {
        this.error('cpp-include-syntax', 'missing terminating > character', this.rawLoc(f, first!));
        return;
      }
      name = text.slice(first!.end, gt);
      angled = true;
      nameLoc = this.rawLoc(f, first!);
      nameLoc.endOffset = nameLoc.offset + (gt + 1 - first!.pos);
      nameLoc.endColumn = nameLoc.column + (gt + 1 - first!.pos);
      this.extraTokens(
        f,
        line.find((t) => t.pos > gt),
        directive,
      );
    } else if (first) {
      this.reportProblems(f, line);
      const toks = this.expandList(line.slice(1).map((t) => this.fromRaw(f, t)), false);
      const h = headerNameOf(toks);
      if (h !== null) {
        name = h.name;
        angled = h.angled;
        nameLoc = this.rawLoc(f, first);
      }
    }
    if (name === null || nameLoc === null) {
      this.error('cpp-include-syntax', `#${directive} expects "FILENAME" or <FILENAME>`, this.rawLoc(f, first ?? line[0]!));
      return;
    }
    if (name === '') {
      this.error('cpp-include-syntax', `empty filename in #${directive}`, nameLoc);
      return;
    }
    if (this.collectingArgs > 0) {
      this.error('cpp-include-syntax', `#${directive} inside the arguments of a macro invocation is not supported`, nameLoc);
      return;
    }
    if (++this.includes > this.limits.maxIncludes) {
      this.aborted = true;
      this.error('cpp-too-many-includes', `more than ${this.limits.maxIncludes} #include directives executed; preprocessing stopped (a header including itself?)`, nameLoc);
      return;
    }
    // #include_next in a file not found through -I (the main file, say) is a plain #include, as in GCC.
    const isNext = next && f.includeIdx >= 0;
    const found = this.findInclude(f, name, angled, isNext);
    if (found === null) {
      const dirs = this.searchDirs(f, angled, isNext).map((d) => d.dir);
      this.error(
        'cpp-include-not-found',
        `cannot find include file '${name}' (searched: ${dirs.length > 0 ? dirs.join(', ') : 'no include paths given'})`,
        nameLoc,
      );
      return;
    }
    if (this.onceFiles.has(found.abs)) return;
    const guard = this.guards.get(found.abs);
    if (guard !== undefined && this.macros.has(guard)) return;
    if (this.frames.length >= this.limits.maxIncludeDepth) {
      if (!this.depthReported) {
        this.depthReported = true;
        this.error('cpp-include-depth', `#include nested too deeply (more than ${this.limits.maxIncludeDepth} levels); is a header including itself?`, nameLoc);
      }
      return;
    }
    this.pushFrame(found.display, found.abs, path.dirname(found.display), found.loaded, found.includeIdx);
  }

  /** Where a header is looked for: the includer's folder for "x" (not for #include_next), then the -I paths. */
  private searchDirs(f: Frame, angled: boolean, next: boolean): { dir: string; includeIdx: number }[] {
    const dirs: { dir: string; includeIdx: number }[] = [];
    if (!angled && !next && f.dir !== null) dirs.push({ dir: f.dir, includeIdx: -1 });
    const paths = this.opts.includePaths;
    for (let k = next ? f.includeIdx + 1 : 0; k < paths.length; k++) dirs.push({ dir: paths[k]!, includeIdx: k });
    return dirs;
  }

  private findInclude(f: Frame, name: string, angled: boolean, next: boolean): { display: string; abs: string; loaded: ScanResult; includeIdx: number } | null {
    if (path.isAbsolute(name)) {
      const loaded = this.load(name);
      return loaded ? { display: name, abs: name, loaded, includeIdx: -1 } : null;
    }
    for (const { dir, includeIdx } of this.searchDirs(f, angled, next)) {
      const display = path.join(dir, name);
      const abs = path.resolve(display);
      const loaded = this.load(abs);
      if (loaded) return { display, abs, loaded, includeIdx };
    }
    return null;
  }
}

/** `"x.h"` or `< x . h >` spelled by tokens (a computed #include or __has_include operand). */
function headerNameOf(toks: PPTok[]): { name: string; angled: boolean } | null {
  const first = toks[0];
  if (!first) return null;
  if (first.kind === 'string' && first.text.startsWith('"') && toks.length === 1) return { name: first.text.slice(1, -1), angled: false };
  if (!isPunct(first, '<')) return null;
  let name = '';
  for (let k = 1; k < toks.length; k++) {
    const t = toks[k]!;
    if (isPunct(t, '>')) return k === toks.length - 1 ? { name, angled: true } : null;
    name += (t.space && name.length > 0 ? ' ' : '') + t.text;
  }
  return null;
}

/** `#if !defined(X)` / `#if !defined X` as the first line of a file is an include guard too. */
function guardOfIf(line: RawToken[]): string | null {
  const t = line.slice(1).map((x) => x.text);
  if (t[0] !== '!' || t[1] !== 'defined') return null;
  if (t.length === 3 && line[3]!.kind === 'ident') return t[2]!;
  if (t.length === 5 && t[2] === '(' && t[4] === ')' && line[4]!.kind === 'ident') return t[3]!;
  return null;
}

function unescapeString(s: string): string {
  return s.replace(/\\(.)/g, '$1');
}

/** 6.10.3p2: a redefinition must have the same parameters and the same replacement list, spacing included. */
function sameDefinition(a: Macro, b: Macro): boolean {
  if (a.builtin || b.builtin || a.pragmaOperator || b.pragmaOperator) return false;
  if (a.fn !== b.fn || a.variadic !== b.variadic || a.params.length !== b.params.length) return false;
  if (a.params.some((p, k) => p !== b.params[k])) return false;
  return sameItems(a.body, b.body);
}

function sameItems(a: BodyItem[], b: BodyItem[]): boolean {
  if (a.length !== b.length) return false;
  return a.every((x, k) => {
    const y = b[k]!;
    if (x.type !== y.type) return false;
    switch (x.type) {
      case 'tok':
        return y.type === 'tok' && x.tok.text === y.tok.text && x.tok.kind === y.tok.kind && x.tok.space === y.tok.space;
      case 'param':
      case 'str':
        return (y.type === 'param' || y.type === 'str') && x.index === y.index && x.space === y.space;
      case 'vaopt':
      case 'strvaopt':
        return (y.type === 'vaopt' || y.type === 'strvaopt') && x.space === y.space && sameItems(x.items, y.items);
      case 'paste':
        return true;
    }
  });
}

/** Runs the preprocessor on `file`; never throws, whatever the input. */
export function preprocess(file: string, opts: PreprocessOptions): PreprocessResult {
  return new Preprocessor(opts).run(file);
}
