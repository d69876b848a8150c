// Sidecar annotation files (.mda): annotations for code nobody can edit, attached by name. This reads
// and validates one file; compiler/lower/sidecar-merge.ts attaches its entries to the declarations.
import { readInput } from '../../idl/read-input.js';
import { sortDiagnostics, type Diagnostic } from '../../idl/diagnostics.js';
import { diag, parseLines, toEntry } from './parse.js';
import type { Sidecar } from './types.js';
import { validateEntries } from './validate.js';

export type { SizedBuffer, Sidecar, SidecarEntry, SidecarTarget } from './types.js';
export { sidecarVocabulary } from './validate.js';

/** Parses and validates sidecar text; `sidecar` is null when any line is in error. */
export function parseSidecar(text: string, file: string): { sidecar: Sidecar | null; diagnostics: Diagnostic[] } {
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const parsed = parseLines(text, file);
  const diagnostics = [...parsed.diagnostics, ...validateEntries(parsed.entries)];
  withOffsets(diagnostics, text);
  if (diagnostics.length) return { sidecar: null, diagnostics: sortDiagnostics(diagnostics) };
  const lines = new Set(parsed.entries.map((e) => e.line));
  return { sidecar: { file, entries: parsed.entries.map(toEntry), annotationLines: lines.size }, diagnostics: [] };
}

export function loadSidecar(file: string): { sidecar: Sidecar | null; diagnostics: Diagnostic[] } {
  const read = readInput(file);
  if ('problem' in read) return { sidecar: null, diagnostics: [diag({ file, line: 1, column: 1 }, `cannot read sidecar file '${file}': ${read.problem}`, 'file-not-found')] };
  return parseSidecar(read.text, file);
}

/** Loads every file, so one run reports the errors of all of them; `sidecars` holds the good ones. */
export function loadSidecars(files: readonly string[]): { sidecars: Sidecar[]; diagnostics: Diagnostic[] } {
  const sidecars: Sidecar[] = [];
  const diagnostics: Diagnostic[] = [];
  for (const f of files) {
    const r = loadSidecar(f);
    diagnostics.push(...r.diagnostics);
    if (r.sidecar) sidecars.push(r.sidecar);
  }
  return { sidecars, diagnostics };
}

/** Real offsets, so diagnostics sort by position and editors can jump to them. */
function withOffsets(diags: Diagnostic[], text: string): void {
  const starts = [0];
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) starts.push(i + 1);
  for (const d of diags) {
    const off = (starts[d.loc.line - 1] ?? 0) + d.loc.column - 1;
    d.loc = { ...d.loc, offset: off, endOffset: off + 1 };
  }
}
