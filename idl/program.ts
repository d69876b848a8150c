// A program is the set of files reachable from the inputs through `import`. Files are loaded once
// each, so import cycles are harmless; the checker sees every document of the program.
import * as path from 'node:path';
import type * as A from './ast.js';
import type { Diagnostic } from './diagnostics.js';
import { parseMdl } from './parse.js';
import { readInput } from './read-input.js';

export interface Program {
  /** Documents in load order: inputs first, then imports breadth-first. */
  documents: A.Document[];
  /** The files given as inputs (not those only imported). */
  inputs: string[];
  /** Source text by file name, for code frames. */
  sources: Map<string, string>;
}

export interface LoadOptions {
  includePaths?: string[];
  /** Reads a file; tests and `mdidl diff` substitute their own (e.g. a git revision). */
  readFile?: (file: string) => string | null;
  /** Maps an absolute path to the name shown in diagnostics. */
  displayName?: (file: string) => string;
  /** Texts by absolute path that stand in for the files (`check --fix` compiles an IDL before writing it). */
  overrides?: ReadonlyMap<string, string>;
}


export function defaultDisplayName(file: string): string {
  const rel = path.relative(process.cwd(), file);
  return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : file;
}

export function loadProgram(inputs: string[], opts: LoadOptions = {}): { program: Program; diagnostics: Diagnostic[] } {
  // Resolving an import reads the candidate to see that it exists; the loop then needs the same
  // text, so every file is read once.
  // Why a path that exists could not be used (a device, a folder, too large), for the error.
  const problems = new Map<string, string>();
  const defaultRead = (file: string): string | null => {
    const r = readInput(file);
    if ('text' in r) return r.text;
    if (r.problem !== 'no such file') problems.set(file, r.problem);
    return null;
  };
  const fileRead = opts.readFile ?? defaultRead;
  const rawRead = (file: string): string | null => opts.overrides?.get(file) ?? fileRead(file);
  const cache = new Map<string, string | null>();
  const read = (file: string): string | null => {
    if (!cache.has(file)) cache.set(file, rawRead(file));
    return cache.get(file) ?? null;
  };
  const display = opts.displayName ?? defaultDisplayName;
  const includePaths = (opts.includePaths ?? []).map((p) => path.resolve(p));
  const program: Program = { documents: [], inputs: [], sources: new Map() };
  const diagnostics: Diagnostic[] = [];
  const loaded = new Set<string>();
  const queue: { abs: string; from: A.ImportDecl | null }[] = [];

  for (const input of inputs) {
    const abs = path.resolve(input);
    program.inputs.push(display(abs));
    queue.push({ abs, from: null });
  }

  for (let next = 0; next < queue.length; next++) {
    const { abs, from } = queue[next]!;
    if (loaded.has(abs)) continue;
    loaded.add(abs);
    const name = display(abs);
    const text = read(abs);
    if (text === null) {
      diagnostics.push({
        severity: 'error',
        code: from ? 'import-not-found' : 'file-not-found',
        message:
          (from ? `cannot read imported file '${from.path}' (${name})` : `cannot read '${name}'`) +
          (problems.has(abs) ? `: ${problems.get(abs)}` : ''),
        loc: from?.loc ?? { file: name, line: 1, column: 1, offset: 0, endOffset: 0, endLine: 1, endColumn: 1 },
      });
      continue;
    }
    program.sources.set(name, text);
    const parsed = parseMdl(text, name);
    diagnostics.push(...parsed.diagnostics);
    if (!parsed.document) continue;
    program.documents.push(parsed.document);
    for (const imp of parsed.document.imports) {
      const target = resolveImport(imp.path, path.dirname(abs), includePaths, read);
      if (!target) {
        const unusable = importCandidates(imp.path, path.dirname(abs), includePaths).find((c) => problems.has(c));
        if (unusable) {
          diagnostics.push({
            severity: 'error',
            code: 'import-not-found',
            message: `cannot use '${display(unusable)}' as an import: ${problems.get(unusable)}`,
            loc: imp.loc,
          });
          continue;
        }
        diagnostics.push({
          severity: 'error',
          code: 'import-not-found',
          message:
            `cannot find '${imp.path}' next to ${name}` +
            (includePaths.length ? ` or in the include paths (${includePaths.map(display).join(', ')})` : ' (add an include path with -I)'),
          loc: imp.loc,
        });
        continue;
      }
      queue.push({ abs: target, from: imp });
    }
  }
  return { program, diagnostics };
}

function resolveImport(
  spec: string,
  fromDir: string,
  includePaths: string[],
  read: (file: string) => string | null,
): string | null {
  for (const candidate of importCandidates(spec, fromDir, includePaths)) if (read(candidate) !== null) return candidate;
  return null;
}

function importCandidates(spec: string, fromDir: string, includePaths: string[]): string[] {
  if (path.isAbsolute(spec)) return [spec];
  return [fromDir, ...includePaths].map((dir) => path.resolve(dir, spec));
}
