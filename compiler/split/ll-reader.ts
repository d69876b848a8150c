// A reader of the LLVM IR text clang prints for a C translation unit (`clang -S -emit-llvm -g -O0`),
// limited to what split needs: function definitions and declarations with their signatures, calls
// (direct, through a cast, indirect, inline asm skipped), getelementptr/load/store/bitcast for field
// accesses, function addresses taken anywhere, global initializers (which function sits in which
// member of which table), aliases (init_module) and the debug info. Instructions it does not model
// are skipped, but any function address they mention is still recorded as taken, so skipping never
// hides an entry point. Malformed lines become located diagnostics; nothing here recurses.
import type { Diagnostic } from '../../idl/diagnostics.js';
import { DebugInfo, metaRef } from './ll-metadata.js';
import { LlSyntaxError, parseType, typeText, type LType } from './ll-types.js';

export interface LlOperand {
  type: LType;
  /** The value's text: `%12`, `@f`, `null`, a constant expression. */
  value: string;
}

export type LlInstr =
  | { op: 'call'; res?: string; callee: string | null; sig: string; args: LlOperand[]; line: number }
  | { op: 'gep'; res: string; src: LType; base: string; indices: LlOperand[]; line: number }
  | { op: 'load'; res: string; type: LType; ptr: string; line: number }
  | { op: 'store'; value: LlOperand; ptr: string; line: number }
  | { op: 'cast'; res: string; value: string; to: LType; line: number };

/** A function address that appears as a value (not as the callee of a call). */
export interface FnRef {
  fn: string;
  /** Index of the instruction that mentions it (a store or a call argument, or another instruction). */
  at: number;
  how: 'store' | 'arg' | 'other';
  /** For `arg`: the argument index. */
  argIndex?: number;
}

export interface LlFunction {
  name: string;
  defined: boolean;
  ret: LType;
  params: LType[];
  varargs: boolean;
  /** Signature as LLVM prints the function type: the key for resolving indirect calls. */
  sig: string;
  linkage: string;
  section?: string;
  /** The DISubprogram. */
  dbg?: number;
  instrs: LlInstr[];
  /** Basic blocks in order: the first instruction index of each and the blocks it may branch to. */
  blocks: { start: number; succ: number[] }[];
  /** DILocalVariable nodes of the parameters (from llvm.dbg.declare), for their names and types. */
  dbgVars: number[];
  fnRefs: FnRef[];
  /** Lines covered by the body (first line of the definition to the last statement), 0 if unknown. */
  firstLine: number;
  lastLine: number;
  /** Which input unit defined it. */
  unit: string;
}

/** A function stored in an initialized global: which member of which table. */
export interface TableSlot {
  global: string;
  /** The LLVM struct type holding the slot (`%struct.net_device_ops`), or null at the top level. */
  struct: string | null;
  /** Field index in that struct. */
  field: number;
  fn: string;
  /**
   * For a slot of the global's own value when clang gave it a literal struct type (it does when an
   * initializer does not fit the named type exactly): that type, and the global's debug info, which
   * still names the C struct.
   */
  literal?: { type: LType; dbg?: number };
}

export interface LlModule {
  file: string;
  structs: Map<string, LType>;
  functions: Map<string, LlFunction>;
  slots: TableSlot[];
  aliases: Map<string, string>;
  debug: DebugInfo;
  /** Globals that are initialized (tables, arrays), by name, with their type text. */
  globals: Map<string, string>;
  diagnostics: Diagnostic[];
}

const FN_KEYWORDS = new Set([
  'internal', 'private', 'external', 'dso_local', 'dso_preemptable', 'hidden', 'protected', 'default', 'weak', 'linkonce',
  'linkonce_odr', 'weak_odr', 'common', 'available_externally', 'extern_weak', 'noundef', 'zeroext', 'signext', 'inreg',
  'noalias', 'nonnull', 'fastcc', 'ccc', 'coldcc', 'cold', 'tail', 'musttail', 'notail', 'fast', 'nnan', 'ninf', 'nsz',
  'arcp', 'contract', 'afn', 'reassoc', 'unnamed_addr', 'local_unnamed_addr', 'x86_64_sysvcc', 'preallocated',
]);

function skipAttrs(s: string, i: number): number {
  for (;;) {
    while (s[i] === ' ') i++;
    const m = /^([A-Za-z_][\w]*)/.exec(s.slice(i, i + 40));
    if (!m) return i;
    const w = m[1]!;
    if (FN_KEYWORDS.has(w)) {
      i += w.length;
      continue;
    }
    if ((w === 'align' || w === 'addrspace') && /^\s*\(?\d/.test(s.slice(i + w.length, i + w.length + 4))) {
      i += w.length;
      const n = /^\s*(\(\d+\)|\d+)/.exec(s.slice(i))!;
      i += n[0].length;
      continue;
    }
    if (/^(dereferenceable|dereferenceable_or_null)$/.test(w) && s[i + w.length] === '(') {
      i = s.indexOf(')', i) + 1;
      continue;
    }
    return i;
  }
}

/** Splits a parenthesized list at top-level commas; `open` is the index of `(`. Returns parts and the end. */
function splitList(s: string, open: number): { parts: string[]; end: number } {
  let depth = 0;
  let inStr = false;
  let last = open + 1;
  const parts: string[] = [];
  for (let i = open; i < s.length; i++) {
    const c = s[i];
    if (inStr) {
      if (c === '"') inStr = false;
      continue;
    }
    if (c === '"') inStr = true;
    else if (c === '(' || c === '[' || c === '{' || c === '<') depth++;
    else if (c === ')' || c === ']' || c === '}' || c === '>') {
      depth--;
      if (depth === 0) {
        const tail = s.slice(last, i).trim();
        if (tail || parts.length) parts.push(tail);
        return { parts, end: i + 1 };
      }
    } else if (c === ',' && depth === 1) {
      parts.push(s.slice(last, i).trim());
      last = i + 1;
    }
  }
  throw new LlSyntaxError('unbalanced parentheses', open);
}

/** `TYPE attrs VALUE` → operand. */
function operand(part: string): LlOperand {
  const t = parseType(part, 0);
  const rest = skipAttrs(part, t.end);
  return { type: t.type, value: part.slice(rest).trim() };
}

const FN_REF = /@("(?:[^"\\]|\\.)*"|[-\w$.]+)/g;

function refsIn(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(FN_REF)) out.push(m[1]!.replace(/^"|"$/g, ''));
  return out;
}

function nameOf(ref: string): string {
  return ref.replace(/^@/, '').replace(/^"|"$/g, '');
}

export function readLlModule(text: string, file: string, unit: string): LlModule {
  const diagnostics: Diagnostic[] = [];
  const structs = new Map<string, LType>();
  const functions = new Map<string, LlFunction>();
  const meta = new Map<number, string>();
  const aliases = new Map<string, string>();
  const globalLines: { name: string; line: string; lineNo: number }[] = [];
  const globals = new Map<string, string>();
  const lines = text.split('\n');
  const err = (lineNo: number, col: number, message: string): void => {
    diagnostics.push({
      severity: 'error',
      code: 'llvm-ir',
      message,
      loc: { file, line: lineNo, column: col, offset: 0, endOffset: 0, endLine: lineNo, endColumn: col + 1 },
    });
  };
  const dbgLines: { fn: LlFunction; locs: number[]; defLine: number }[] = [];

  let cur: { fn: LlFunction; locs: number[] } | null = null;
  for (let n = 0; n < lines.length; n++) {
    const line = lines[n]!;
    const lineNo = n + 1;
    try {
      if (cur) {
        if (line === '}') {
          const b = pendingSucc.get(cur.fn);
          if (b) cur.fn.blocks.forEach((blk, i) => (blk.succ = (b.succ[i] ?? []).map((l) => b.labels.get(l) ?? -1).filter((x) => x >= 0)));
          pendingSucc.delete(cur.fn);
          dbgLines.push({ fn: cur.fn, locs: cur.locs, defLine: lineNo });
          cur = null;
          continue;
        }
        readInstr(line, cur.fn, cur.locs);
        continue;
      }
      if (line.startsWith('!')) {
        // `!123 = ...`: the number by hand, this runs for most lines of the file.
        let k = 1;
        let id = 0;
        for (let c = line.charCodeAt(k); c >= 48 && c <= 57; c = line.charCodeAt(++k)) id = id * 10 + (c - 48);
        if (k > 1 && line.startsWith(' = ', k)) meta.set(id, line);
        continue;
      }
      if (line.startsWith('%')) {
        const m = /^(%[-\w$.]+|%"[^"]*") = type (.*)$/.exec(line);
        if (!m) continue;
        if (m[2] === 'opaque') continue;
        structs.set(m[1]!, parseType(m[2]!, 0).type);
        continue;
      }
      if (line.startsWith('define ') || line.startsWith('declare ')) {
        const fn = readHeader(line, unit);
        const prev = functions.get(fn.name);
        if (!prev || fn.defined) functions.set(fn.name, fn);
        if (fn.defined) cur = { fn, locs: [] };
        continue;
      }
      if (line.startsWith('@')) {
        const m = /^@("(?:[^"\\]|\\.)*"|[-\w$.]+) = (.*)$/.exec(line);
        if (!m) continue;
        const name = nameOf(m[1]!);
        const a = /\balias ([^@]*), .*?@("(?:[^"\\]|\\.)*"|[-\w$.]+)\s*$/.exec(m[2]!);
        if (a) {
          aliases.set(name, nameOf(a[2]!));
          continue;
        }
        globalLines.push({ name, line: m[2]!, lineNo });
      }
    } catch (e) {
      if (!(e instanceof LlSyntaxError)) throw e;
      err(lineNo, e.offset + 1, `cannot read this LLVM IR: ${e.message}`);
      if (cur && line.trim() === '}') cur = null;
    }
  }
  if (cur) err(lines.length, 1, `the body of @${cur.fn.name} has no closing '}'`);

  const debug = new DebugInfo(meta);
  for (const { fn, locs } of dbgLines) {
    const sp = debug.node(fn.dbg);
    const first = Number(sp?.fields.get('line') ?? 0) || 0;
    let last = first;
    for (const l of locs) {
      const line = debug.lineOf(l);
      if (line !== undefined && line > last) last = line;
    }
    fn.firstLine = first;
    fn.lastLine = last;
    for (const ins of fn.instrs) {
      const dl = (ins as { dbgRef?: number }).dbgRef;
      ins.line = debug.lineOf(dl) ?? 0;
      delete (ins as { dbgRef?: number }).dbgRef;
    }
  }

  const slots: TableSlot[] = [];
  for (const g of globalLines) {
    try {
      const m = /^(?:[\w_]+ )*?(global|constant) /.exec(g.line);
      if (!m) continue;
      const rest = m.index + m[0].length;
      const t = parseType(g.line, rest);
      globals.set(g.name, typeText(t.type));
      walkInitializer(g.line, t.end, t.type, g.name, functions, slots, metaRef(/!dbg (!\d+)\s*$/.exec(g.line)?.[1]));
    } catch (e) {
      if (!(e instanceof LlSyntaxError)) throw e;
      err(g.lineNo, e.offset + 1, `cannot read the initializer of @${g.name}: ${e.message}`);
    }
  }
  return { file, structs, functions, slots, aliases, debug, globals, diagnostics };
}

function readHeader(line: string, unit: string): LlFunction {
  const defined = line.startsWith('define ');
  const at = line.search(/ @("(?:[^"\\]|\\.)*"|[-\w$.]+)\(/);
  if (at < 0) throw new LlSyntaxError('expected @name( in a function header', 0);
  const nm = /@("(?:[^"\\]|\\.)*"|[-\w$.]+)\(/.exec(line.slice(at))!;
  const name = nameOf(nm[1]!);
  const head = line.slice(defined ? 7 : 8, at);
  const linkage = /\b(internal|private|external|weak|linkonce_odr|linkonce|weak_odr|available_externally|extern_weak)\b/.exec(head)?.[1] ?? 'external';
  const start = skipAttrs(head, 0);
  const ret = parseType(head, start).type;
  const open = at + nm.index + nm[0].length - 1;
  const list = splitList(line, open);
  const params: LType[] = [];
  let varargs = false;
  for (const p of list.parts) {
    if (p === '...') {
      varargs = true;
      continue;
    }
    if (!p) continue;
    params.push(parseType(p, 0).type);
  }
  const after = line.slice(list.end);
  const section = /section "([^"]*)"/.exec(after)?.[1];
  const dbg = metaRef(/!dbg (!\d+)/.exec(after)?.[1]);
  const fnType: LType = { k: 'fn', ret, params, varargs };
  return {
    name,
    defined,
    ret,
    params,
    varargs,
    sig: typeText(fnType),
    linkage,
    ...(section !== undefined ? { section } : {}),
    ...(dbg !== undefined ? { dbg } : {}),
    instrs: [],
    blocks: [],
    dbgVars: [],
    fnRefs: [],
    firstLine: 0,
    lastLine: 0,
    unit,
  };
}

/** Instructions that end a block (callbr may have a result). */
const TERMINATOR = /^(?:%[-\w$.]+ = )?(?:br|switch|indirectbr|callbr|ret|unreachable|resume)\b/;

/** Block labels of the function being read, to number branch targets once the body is complete. */
const pendingSucc = new WeakMap<LlFunction, { labels: Map<string, number>; succ: string[][] }>();

function readInstr(line: string, fn: LlFunction, locs: number[]): void {
  const body = line.trimStart();
  let blocks = pendingSucc.get(fn);
  if (!blocks) {
    blocks = { labels: new Map(), succ: [[]] };
    pendingSucc.set(fn, blocks);
    fn.blocks.push({ start: 0, succ: [] });
  }
  // Labels start in column 0, instructions are indented.
  const label = line.charCodeAt(0) === 32 ? null : /^([-\w$.]+|"[^"]*"):/.exec(body);
  if (label) {
    const prevStart = fn.blocks[fn.blocks.length - 1]!.start;
    if (fn.instrs.length === prevStart && fn.blocks.length === 1 && blocks.labels.size === 0 && fn.instrs.length === 0) {
      blocks.labels.set(`%${label[1]}`, 0);
    } else {
      blocks.labels.set(`%${label[1]}`, fn.blocks.length);
      fn.blocks.push({ start: fn.instrs.length, succ: [] });
      blocks.succ.push([]);
    }
    return;
  }
  if (!body || body.startsWith(';')) return;
  const dbgRef = trailingDbg(body);
  if (dbgRef !== undefined) locs.push(dbgRef);
  if (TERMINATOR.test(body)) {
    const targets = [...body.matchAll(/label (%[-\w$.]+|%"[^"]*")/g)].map((m) => m[1]!);
    blocks.succ[blocks.succ.length - 1]!.push(...targets);
  }
  if (body.startsWith('call void @llvm.dbg.declare(')) {
    const v = /metadata (!\d+), metadata !DIExpression/.exec(body);
    const ref = metaRef(v?.[1]);
    if (ref !== undefined) fn.dbgVars.push(ref);
    return;
  }
  if (body.startsWith('call void @llvm.dbg.')) return;
  const resM = body.charCodeAt(0) === 37 ? /^(%[-\w$.]+|%"[^"]*") = /.exec(body) : null;
  const res = resM?.[1];
  const s = resM ? body.slice(resM[0].length) : body;
  const index = fn.instrs.length;
  // Most instructions are none of those read below (alloca, arithmetic, compares, branches): only
  // the function addresses they mention matter, and most mention none.
  const c0 = s.charCodeAt(0);
  if (c0 !== 99 && c0 !== 116 && c0 !== 109 && c0 !== 110 && c0 !== 105 && c0 !== 103 && c0 !== 108 && c0 !== 115 && c0 !== 98 && c0 !== 97) {
    if (s.includes('@')) for (const r of refsIn(s.replace(/, !dbg !\d+\s*$/, ''))) fn.fnRefs.push({ fn: r, at: index, how: 'other' });
    return;
  }
  let ins: LlInstr | null = null;
  if (/^(call|tail call|musttail call|notail call|callbr|invoke) /.test(s)) {
    let i = s.indexOf(s.startsWith('callbr') ? 'callbr' : s.startsWith('invoke') ? 'invoke' : 'call') + (s.startsWith('callbr') ? 6 : s.startsWith('invoke') ? 6 : 4);
    i = skipAttrs(s, i);
    const t = parseType(s, i);
    let j = t.end;
    while (s[j] === ' ') j++;
    if (s.startsWith('asm ', j)) {
      // Inline asm: no call edge, but function addresses among its operands are still taken.
      for (const r of refsIn(s.slice(j))) fn.fnRefs.push({ fn: r, at: index, how: 'other' });
      return;
    }
    // The callee ends where the argument list opens: after `@name`, `%n` or a constant expression.
    let k = j;
    if (s[k] === '@' || s[k] === '%') {
      const m = /^[@%]("(?:[^"\\]|\\.)*"|[-\w$.]+)/.exec(s.slice(k))!;
      k += m[0].length;
    } else {
      const m = /^[a-z]+\s*/.exec(s.slice(k));
      if (!m) throw new LlSyntaxError('expected a callee', k);
      k += m[0].length;
      k = splitList(s, k).end;
    }
    const calleeText = s.slice(j, k).trim();
    const list = splitList(s, k);
    const args = list.parts.filter((p) => p !== '').map(operand);
    let callee: string | null = null;
    if (calleeText.startsWith('@')) callee = nameOf(calleeText);
    else if (!calleeText.startsWith('%')) callee = refsIn(calleeText)[0] ?? null;
    const sig = t.type.k === 'fn' ? typeText(t.type) : typeText({ k: 'fn', ret: t.type, params: args.map((a) => a.type), varargs: false });
    ins = { op: 'call', ...(res !== undefined ? { res } : {}), callee, sig, args, line: 0 };
    args.forEach((a, argIndex) => {
      for (const r of refsIn(a.value)) fn.fnRefs.push({ fn: r, at: index, how: 'arg', argIndex });
    });
  } else if (res && s.startsWith('getelementptr ')) {
    let i = s.indexOf(' ') + 1;
    if (s.startsWith('inbounds ', i)) i += 9;
    const src = parseType(s, i);
    const list = splitAfter(s, src.end);
    const base = operand(list[0] ?? '');
    ins = { op: 'gep', res, src: src.type, base: base.value, indices: list.slice(1).map(operand), line: 0 };
  } else if (res && s.startsWith('load ')) {
    let i = 5;
    if (s.startsWith('volatile ', i)) i += 9;
    if (s.startsWith('atomic ', i)) i += 7;
    const t = parseType(s, i);
    const list = splitAfter(s, t.end);
    const p = operand(list[0] ?? '');
    ins = { op: 'load', res, type: t.type, ptr: p.value, line: 0 };
  } else if (s.startsWith('store ')) {
    let i = 6;
    if (s.startsWith('volatile ', i)) i += 9;
    if (s.startsWith('atomic ', i)) i += 7;
    const parts = splitAfter(s, i - 1, true);
    const value = operand(parts[0] ?? '');
    const ptr = operand(parts[1] ?? '');
    ins = { op: 'store', value, ptr: ptr.value, line: 0 };
    for (const r of refsIn(value.value)) fn.fnRefs.push({ fn: r, at: index, how: 'store' });
  } else if (res && /^(bitcast|addrspacecast) /.test(s)) {
    const i = s.indexOf(' ') + 1;
    const t = parseType(s, i);
    const toAt = s.lastIndexOf(' to ');
    const value = s.slice(t.end, toAt).trim();
    const to = parseType(s, toAt + 4).type;
    ins = { op: 'cast', res, value, to, line: 0 };
  }
  if (ins) {
    (ins as { dbgRef?: number }).dbgRef = dbgRef;
    fn.instrs.push(ins);
    return;
  }
  // Not modelled: record function addresses it mentions (select, phi, icmp, ptrtoint, …).
  if (s.includes('@')) for (const r of refsIn(s.replace(/, !dbg !\d+\s*$/, ''))) fn.fnRefs.push({ fn: r, at: index, how: 'other' });
}

/** The `!N` of a line's trailing `, !dbg !N` (what /, !dbg (!\d+)\s*$/ finds), without a regex over the line. */
function trailingDbg(body: string): number | undefined {
  const at = body.lastIndexOf(', !dbg !');
  if (at < 0) return undefined;
  let k = at + 8;
  let id = 0;
  const digits = k;
  for (let c = body.charCodeAt(k); c >= 48 && c <= 57; c = body.charCodeAt(++k)) id = id * 10 + (c - 48);
  if (k === digits) return undefined;
  for (; k < body.length; k++) {
    const c = body.charCodeAt(k);
    if (c !== 32 && c !== 9 && c !== 10 && c !== 13 && c !== 11 && c !== 12) return undefined;
  }
  return id;
}

/** The comma-separated operands after `pos` (`, T* %p, i32 0`), ending at metadata or attributes. */
function splitAfter(s: string, pos: number, fromStart = false): string[] {
  let text = s.slice(pos);
  if (!fromStart) text = text.replace(/^\s*,/, '');
  return splitTopLevel(text).filter((p) => !/^(align \d+|!\w+ !\d+|!dbg !\d+|!\w+|#\d+|syncscope.*|seq_cst|acquire|release|monotonic|unordered)$/.test(p));
}

/**
 * `text` split at the commas outside brackets and strings, each part trimmed: what splitList reads
 * from `(text))`, without copying the text into it. Unbalanced text is an error, as there.
 */
function splitTopLevel(text: string): string[] {
  let depth = 0;
  let inStr = false;
  let last = 0;
  const parts: string[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inStr) {
      if (c === 34) inStr = false;
      continue;
    }
    if (c === 34) inStr = true;
    else if (c === 40 || c === 91 || c === 123 || c === 60) depth++;
    else if (c === 41 || c === 93 || c === 125 || c === 62) {
      depth--;
      // The wrapper's own ')' closes here: the rest of the line is outside the list.
      if (depth < 0) {
        const tail = text.slice(last, i).trim();
        if (tail || parts.length) parts.push(tail);
        return parts;
      }
    } else if (c === 44 && depth === 0) {
      parts.push(text.slice(last, i).trim());
      last = i + 1;
    }
  }
  // One bracket left open is closed by the list's extra ')' there; more never close.
  if (inStr || depth > 1) throw new LlSyntaxError('unbalanced parentheses', 0);
  const tail = (depth === 1 ? `${text.slice(last)})` : text.slice(last)).trim();
  if (tail || parts.length) parts.push(tail);
  return parts;
}

const VALUE = /(c"(?:[^"\\]|\\.)*"|@("(?:[^"\\]|\\.)*"|[-\w$.]+)|[-\w$.]+)/y;

interface InitFrame {
  struct: string | null;
  /** The aggregate's type when it is a literal struct at the top level. */
  literal: LType | null;
  field: number;
  close: string;
  /** Element types, for a literal struct type. */
}

/**
 * Walks a global's initializer with an explicit stack of aggregates, recording each function whose
 * address sits directly (or under a cast) in a member of a struct.
 */
function walkInitializer(s: string, pos: number, type: LType, global: string, functions: ReadonlyMap<string, LlFunction>, slots: TableSlot[], dbg?: number): void {
  let i = pos;
  const ws = (): void => {
    while (s[i] === ' ') i++;
  };
  const stack: InitFrame[] = [];
  const named = (t: LType): string | null => (t.k === 'named' ? t.name : null);
  // The value of the global itself.
  let pendingType: LType | null = type;
  ws();
  if (i >= s.length || s[i] === ',') return; // a declaration: no initializer
  for (let guard = 0; guard < s.length + 10; guard++) {
    ws();
    if (i >= s.length) return;
    const top = stack[stack.length - 1];
    if (pendingType === null) {
      // Between elements: `,`, a closing bracket, or the end of the global's value.
      if (!top) return;
      if (s[i] === ',') {
        i++;
        top.field++;
        ws();
        pendingType = parseTypeAt();
        continue;
      }
      if (s.startsWith(top.close, i)) {
        i += top.close.length;
        stack.pop();
        continue;
      }
      throw new LlSyntaxError(`expected ',' or '${top.close}' in an initializer`, i);
    }
    // A value of pendingType.
    const vt: LType = pendingType;
    pendingType = null;
    const opener = s.startsWith('<{', i) ? '<{' : s[i] === '{' || s[i] === '[' || s[i] === '<' ? s[i]! : null;
    if (opener) {
      const close = opener === '<{' ? '}>' : opener === '{' ? '}' : opener === '[' ? ']' : '>';
      i += opener.length;
      ws();
      if (s.startsWith(close, i)) {
        i += close.length;
        continue;
      }
      const isStruct = opener === '{' || opener === '<{';
      stack.push({ struct: isStruct ? named(vt) : null, literal: isStruct && vt.k === 'struct' && stack.length === 0 ? vt : null, field: 0, close });
      pendingType = parseTypeAt();
      continue;
    }
    // A scalar, a function, or a constant expression `kw (...)`.
    VALUE.lastIndex = i;
    const m = VALUE.exec(s);
    if (!m) throw new LlSyntaxError('expected a value in an initializer', i);
    i += m[0].length;
    let refs: string[] = m[2] !== undefined ? [nameOf(m[2])] : [];
    ws();
    while (!m[2] && /^[a-z]/.test(m[0]) && s[i] !== '(') {
      const kw = /^[a-z]+ /.exec(s.slice(i, i + 24));
      if (!kw) break;
      i += kw[0].length;
      ws();
    }
    if (!m[2] && s[i] === '(' && /^[a-z]/.test(m[0])) {
      const list = splitList(s, i);
      refs = refsIn(s.slice(i, list.end));
      i = list.end;
    }
    for (const fnName of refs) {
      if (!functions.has(fnName)) continue;
      const frame = stack[stack.length - 1];
      slots.push({
        global,
        struct: frame?.struct ?? null,
        field: frame?.field ?? 0,
        fn: fnName,
        ...(frame?.literal ? { literal: { type: frame.literal, ...(dbg !== undefined ? { dbg } : {}) } } : {}),
      });
    }
  }

  function parseTypeAt(): LType {
    ws();
    const t = parseType(s, i);
    i = t.end;
    return t.type;
  }
}
