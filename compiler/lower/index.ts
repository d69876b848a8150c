// `mdidl lower`, end to end: C text to tokens (built-in preprocessor, an external one, or an
// already-preprocessed .i), tokens to declarations, declarations to IDL text, and that text through
// the IDL checker and printer, so what comes out is canonical and known to check.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type * as A from '../../idl/ast.js';
import { checkProgram } from '../../idl/checker/index.js';
import { hasErrors, sortDiagnostics, type Diagnostic } from '../../idl/diagnostics.js';
import { parseMdl } from '../../idl/parse.js';
import { printDocument } from '../../idl/printer.js';
import { loadProgram } from '../../idl/program.js';
import type { CToken } from './c-ast.js';
import { parseC } from './c-parser.js';
import type { Abi } from './c-scalars.js';
import { runExternalCpp, tokenizePreprocessed } from './external-cpp.js';
import { lowerUnit } from './lower.js';
import { preprocess } from './preprocessor.js';

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

  // 1. tokens
  const diagnostics: Diagnostic[] = [];
  let tokens: CToken[] = [];
  for (const f of files) if (!fs.existsSync(f)) diagnostics.push(fileError(f, `cannot read '${f}'`));
  if (diagnostics.length) return { text: null, diagnostics };
  if (preprocessed) {
    for (const f of files) {
      const r = tokenizePreprocessed(fs.readFileSync(f, 'utf8'), f);
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
  if (hasErrors(diagnostics)) return { text: null, diagnostics: sortDiagnostics(diagnostics) };

  // 2. declarations
  const parsed = parseC(tokens);
  diagnostics.push(...parsed.diagnostics);
  if (hasErrors(diagnostics)) return { text: null, diagnostics: sortDiagnostics(diagnostics) };

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
  });
  diagnostics.push(...lowered.diagnostics);
  if (!lowered.text || hasErrors(diagnostics)) return { text: null, diagnostics: sortDiagnostics(diagnostics) };

  // 4. the IDL checker has the last word; its complaints are pointed back at the C declaration.
  const name = `${module}.mdl`;
  const loaded = loadProgram([path.resolve(name)], { readFile: () => lowered.text, displayName: () => name });
  const syntax = loaded.diagnostics;
  const checked = syntax.length ? null : checkProgram(loaded.program, input.abi ?? 'lp64');
  const idlDiags = [...syntax, ...(checked?.diagnostics ?? [])];
  for (const d of idlDiags) diagnostics.push(relocate(d, lowered.text, files));
  if (hasErrors(diagnostics)) return { text: null, diagnostics: sortDiagnostics(diagnostics) };
  const doc = parseMdl(lowered.text, name).document;
  if (!doc) return { text: null, diagnostics };
  return { text: printDocument(doc), diagnostics: sortDiagnostics(diagnostics) };
}

/** An IDL diagnostic, moved to the C declaration the offending IDL came from. */
function relocate(d: Diagnostic, text: string, files: string[]): Diagnostic {
  const lines = text.split('\n');
  for (let i = d.loc.line - 1; i >= 0; i--) {
    const m = /^\s*\/\/ (.+):(\d+)$/.exec(lines[i] ?? '');
    if (!m) continue;
    const file = files.find((f) => toPosix(f).endsWith('/' + m[1]!)) ?? m[1]!;
    const line = Number(m[2]);
    return {
      ...d,
      message: `${d.message} (in the IDL lowered from here: ${lines[d.loc.line - 1]?.trim() ?? ''})`,
      loc: { file, line, column: 1, offset: 0, endOffset: 0, endLine: line, endColumn: 2 },
    };
  }
  return d;
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
