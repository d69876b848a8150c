// `mdidl lower`, end to end: C text to tokens (built-in preprocessor, an external one, or an
// already-preprocessed .i), tokens to declarations, declarations to IDL text, and that text through
// the IDL checker and printer, so what comes out is canonical and known to check.
import * as fs from 'node:fs';
import { readInput } from '../../idl/read-input.js';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import type * as A from '../../idl/ast.js';
import { checkProgram } from '../../idl/checker/index.js';
import { hasErrors, type Diagnostic } from '../../idl/diagnostics.js';
import { parseMdl } from '../../idl/parse.js';
import { printDocument } from '../../idl/printer.js';
import { loadProgram } from '../../idl/program.js';
import type { CLoc, CToken } from './c-ast.js';
import { parseC } from './c-parser.js';
import type { Abi } from './c-scalars.js';
import { runExternalCpp, tokenizePreprocessed } from './external-cpp.js';
import { loadSidecar, loadSidecars, type Sidecar } from '../sidecar/index.js';
import { lowerUnit } from './lower.js';
import { preprocess } from './preprocessor.js';
import { hoistPointerAnnotations } from './pointer-attrs.js';
import { mergeSidecars } from './sidecar-merge.js';
import { applySummaries } from './summaries.js';

/** Well-known conventions of Linux's headers (docs/annotations.md, "Kernel-header defaults"). */
export const BUILTIN_SIDECAR = new URL('../../../compiler/sidecar/builtin/linux.mda', import.meta.url);

export interface LowerInput {
  files: string[];
  includePaths?: string[];
  defines?: Record<string, string>;
  /** An external preprocessor command; its output must carry GNU line markers (gcc -E does). */
  cpp?: string;
  module?: string;
  version?: number;
  interfaceName?: string;
  abi?: Abi;
  crossing?: { name: string; role: A.Role }[];
  /** Folders holding the driver's own sources; default: the folders of the input files. */
  ownDirs?: string[];
  /** The k-driver includes the driver's own headers, so their types get [header(...)]. */
  ownHeaders?: boolean;
  /** Sidecar annotation files (.mda), merged into the declarations they name. */
  sidecars?: string[];
  /** Apply the built-in sidecar of kernel conventions where nothing else annotates (default: true). */
  builtinSidecar?: boolean;
  /**
   * Functions whose `critical` role in the sidecars is dropped because the last sidecar gives them
   * another (split: a critical root the u-driver calls is a downcall into the kernel).
   */
  recast?: ReadonlySet<string>;
  /**
   * Declarations in preprocessed form (GNU line markers) read after the files, as if they ended the
   * translation unit: split's work-function upcalls (docs/split.md, "Work items").
   */
  extra?: { text: string; file: string };
}

export interface LowerOutput {
  text: string | null;
  diagnostics: Diagnostic[];
}

export function lowerFiles(input: LowerInput): LowerOutput {
  const files = input.files.map((f) => path.resolve(f));
  const includePaths = (input.includePaths ?? []).map((p) => path.resolve(p));
  const defines = { ...(input.defines ?? {}), __MDIDL__: '1' };
  const first = files[0];
  if (!first) return { text: null, diagnostics: [] };
  const preprocessed = files.every((f) => f.endsWith('.i'));

  // 0. sidecars: a broken one stops the run before the (long) C front end starts.
  const { sidecars, diagnostics } = loadSidecars(input.sidecars ?? []);
  const recast = input.recast;
  if (recast?.size) {
    for (const sc of sidecars.slice(0, -1)) {
      for (const e of sc.entries) {
        if (e.target.kind === 'function' && recast.has(e.target.name)) e.attrs = e.attrs.filter((a) => a.name !== 'mdl_critical');
      }
    }
  }
  let builtin: Sidecar | null = null;
  if (input.builtinSidecar ?? true) {
    const file = fileURLToPath(BUILTIN_SIDECAR);
    const r = loadSidecar(file);
    diagnostics.push(...r.diagnostics);
    builtin = r.sidecar;
  }
  if (hasErrors(diagnostics)) return { text: null, diagnostics: byPosition(diagnostics) };

  // 1. tokens
  let tokens: CToken[] = [];
  for (const f of files) if (!fs.existsSync(f)) diagnostics.push(fileError(f, `cannot read '${f}'`));
  if (diagnostics.length) return { text: null, diagnostics };
  if (preprocessed) {
    for (const f of files) {
      const read = readInput(f);
      if ('problem' in read) {
        diagnostics.push(fileError(f, `cannot read '${f}': ${read.problem}`));
        continue;
      }
      const r = tokenizePreprocessed(read.text, f);
      diagnostics.push(...r.diagnostics);
      tokens = tokens.concat(r.tokens);
    }
  } else {
    // Several headers are one translation unit: a generated file includes them in order.
    const single = files.length === 1 ? first : writeUmbrella(files);
    const r = input.cpp
      ? runExternalCpp(input.cpp, single, { includePaths, defines })
      : preprocess(single, { includePaths, defines });
    diagnostics.push(...r.diagnostics);
    tokens = r.tokens;
    if (single !== first) fs.rmSync(path.dirname(single), { recursive: true, force: true });
  }
  if (input.extra) {
    const r = tokenizePreprocessed(input.extra.text, input.extra.file);
    diagnostics.push(...r.diagnostics);
    tokens = tokens.concat(r.tokens);
  }
  if (hasErrors(diagnostics)) return { text: null, diagnostics: byPosition(diagnostics) };

  // 2. declarations
  const parsed = parseC(tokens);
  diagnostics.push(...parsed.diagnostics);
  if (hasErrors(diagnostics)) return { text: null, diagnostics: byPosition(diagnostics) };

  // 3. IDL text
  const ownDirs = (input.ownDirs ?? files.map((f) => path.dirname(f))).map((d) => path.resolve(d));
  const isOwn = (file: string): boolean => {
    // Paths in a .i file that are relative belong to the build folder that made it, not to us.
    if (preprocessed && !path.isAbsolute(file)) return false;
    const abs = path.resolve(file);
    return ownDirs.some((d) => abs === d || abs.startsWith(d + path.sep));
  };
  const displayPath = (file: string): string => {
    const abs = path.resolve(file);
    if (isOwn(file)) {
      const base = ownDirs.find((d) => abs.startsWith(d + path.sep)) ?? path.dirname(abs);
      return toPosix(path.relative(base, abs));
    }
    for (const inc of includePaths) if (abs.startsWith(inc + path.sep)) return toPosix(path.relative(inc, abs));
    const norm = toPosix(file);
    const i = norm.lastIndexOf('/include/');
    if (i >= 0) return norm.slice(i + '/include/'.length);
    return norm.replace(/^\.\//, '');
  };
  diagnostics.push(...hoistPointerAnnotations(parsed.unit));
  const merged = mergeSidecars(parsed.unit, sidecars, builtin, (l) => !isOwn(l.file));
  diagnostics.push(...merged.diagnostics);
  diagnostics.push(...applySummaries(parsed.unit, merged.fromSidecar));
  if (hasErrors(diagnostics)) return { text: null, diagnostics: byPosition(diagnostics) };
  const module = input.module ?? sanitize(path.basename(first).replace(/\.[^.]*$/, ''));
  const lowered = lowerUnit(parsed.unit, {
    module,
    version: input.version ?? 1,
    interfaceName: input.interfaceName ?? module,
    abi: input.abi ?? 'lp64',
    crossing: input.crossing ?? [],
    isOwn,
    displayPath,
    ownHeaders: input.ownHeaders ?? false,
    fromSidecar: merged.fromSidecar,
  });
  diagnostics.push(...lowered.diagnostics);
  if (!lowered.text) return { text: null, diagnostics: byPosition(diagnostics) };

  // 4. the IDL checker has the last word; its complaints are pointed back at the C declaration, in
  // the annotation vocabulary. It runs even when lowering found errors, so one run reports all.
  const name = `${module}.mdl`;
  const loaded = loadProgram([path.resolve(name)], { readFile: () => lowered.text, displayName: () => name });
  const syntax = loaded.diagnostics;
  const checked = syntax.length ? null : checkProgram(loaded.program, input.abi ?? 'lp64');
  const idlDiags = [...syntax, ...(checked?.diagnostics ?? [])];
  for (const d of idlDiags) {
    // A declaration lowering already complained about: the checker would only say it again, in IDL terms.
    const from = lowered.lineLocs[d.loc.line - 1];
    if (from && lowered.errored.has(from)) continue;
    // On a function's line, a complaint inside a parameter's text is about that parameter.
    const param = from ? lowered.paramSpans.get(from)?.find((p) => d.loc.column - 1 >= p.start && d.loc.column - 1 < p.end) : undefined;
    const target = param ? param.target : from ? lowered.targets.get(from) : undefined;
    const lineLocs = param ? lowered.lineLocs.map((l) => (l === from ? param.loc : l)) : lowered.lineLocs;
    diagnostics.push(relocate(d, lowered.text, lineLocs, files, target));
  }
  if (hasErrors(diagnostics)) return { text: null, diagnostics: byPosition(diagnostics) };
  const doc = parseMdl(lowered.text, name).document;
  if (!doc) return { text: null, diagnostics };
  return { text: printDocument(doc), diagnostics: byPosition(diagnostics) };
}

/** An IDL diagnostic, moved to the C declaration the offending IDL came from. */
function relocate(d: Diagnostic, text: string, lineLocs: (CLoc | null)[], files: string[], target?: string): Diagnostic {
  const lines = text.split('\n');
  const context = ` (in the IDL lowered from here: ${lines[d.loc.line - 1]?.trim() ?? ''})`;
  const message = annotationVocabulary(d.message) + sidecarHint(d.message, target) + context;
  const exact = lineLocs[d.loc.line - 1];
  if (exact) return { ...d, message, loc: { file: exact.file, line: exact.line, column: exact.column, offset: 0, endOffset: 0, endLine: exact.line, endColumn: exact.column + 1 } };
  for (let i = d.loc.line - 1; i >= 0; i--) {
    const m = /^\s*\/\/ (.+):(\d+)$/.exec(lines[i] ?? '');
    if (!m) continue;
    const file = files.find((f) => toPosix(f).endsWith('/' + m[1]!)) ?? m[1]!;
    const line = Number(m[2]);
    return { ...d, message, loc: { file, line, column: 1, offset: 0, endOffset: 0, endLine: line, endColumn: 2 } };
  }
  return d;
}

/** For a header nobody can edit: the same advice as a sidecar line (`net_device.x: opaque`). */
function sidecarHint(message: string, target: string | undefined): string {
  if (!target) return '';
  const advice = /\b(?:mark it|add|needs?|use)\b[^;]*?(\[[a-z_]+(?:\([^\]]*\))?\])/.exec(message);
  if (!advice) return '';
  const all = [...message.slice(advice.index).matchAll(/\[([a-z_]+(?:\([^\]]*\))?)\]/g)].map((m) => `'${target}: ${m[1]}'`);
  return `; in a sidecar: ${[...new Set(all)].join(' or ')}`;
}

/** `[opaque]`, `[as(T)]` in a checker message become what the C author writes: MDL_OPAQUE, MDL_AS(T). */
export function annotationVocabulary(message: string): string {
  return message.replace(/\[([a-z_]+)(\([^\]]*\))?\]/g, (_all, name: string, args: string | undefined) => `MDL_${name.toUpperCase()}${args ?? ''}`);
}

/** C and sidecar diagnostics carry lines and columns, not offsets: order by those. */
function byPosition(diags: Diagnostic[]): Diagnostic[] {
  return [...diags].sort(
    (a, b) =>
      (a.loc.file < b.loc.file ? -1 : a.loc.file > b.loc.file ? 1 : 0) ||
      a.loc.line - b.loc.line ||
      a.loc.column - b.loc.column ||
      (a.message < b.message ? -1 : a.message > b.message ? 1 : 0),
  );
}

function writeUmbrella(files: string[]): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mdidl-lower-'));
  const file = path.join(dir, 'umbrella.h');
  fs.writeFileSync(file, files.map((f) => `#include "${f}"\n`).join(''));
  return file;
}

function fileError(file: string, message: string): Diagnostic {
  return { severity: 'error', code: 'file-not-found', message, loc: { file, line: 1, column: 1, offset: 0, endOffset: 0, endLine: 1, endColumn: 1 } };
}

function toPosix(p: string): string {
  return p.split(path.sep).join('/');
}

function sanitize(name: string): string {
  const s = name.replace(/[^A-Za-z0-9_]/g, '_');
  return /^[A-Za-z_]/.test(s) ? s : `m_${s}`;
}
