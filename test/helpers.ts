// In-memory programs for tests: files live under a virtual root so nothing touches the disk.
import * as path from 'node:path';
import type { Diagnostic } from '../idl/diagnostics.js';
import { checkProgram } from '../idl/checker/index.js';
import { loadProgram } from '../idl/program.js';
import { buildIr } from '../compiler/ir/build.js';
import type { IrProgram } from '../compiler/ir/types.js';
import { hasErrors } from '../idl/diagnostics.js';

const ROOT = path.resolve('/virtual-mdidl-test');

export function loadSources(files: Record<string, string>, entry?: string) {
  const read = (abs: string): string | null => {
    const rel = path.relative(ROOT, abs);
    return Object.prototype.hasOwnProperty.call(files, rel) ? files[rel]! : null;
  };
  const first = entry ?? Object.keys(files)[0]!;
  return loadProgram([path.join(ROOT, first)], {
    readFile: read,
    displayName: (abs) => path.relative(ROOT, abs),
  });
}

/** Loads and checks; returns every diagnostic of both stages. */
export function checkSources(files: Record<string, string>, entry?: string): { diagnostics: Diagnostic[]; ir: IrProgram | null } {
  const loaded = loadSources(files, entry);
  if (hasErrors(loaded.diagnostics)) return { diagnostics: loaded.diagnostics, ir: null };
  const checked = checkProgram(loaded.program);
  const diagnostics = [...loaded.diagnostics, ...checked.diagnostics];
  return { diagnostics, ir: hasErrors(diagnostics) ? null : buildIr(checked.ctx) };
}

/** `line:col severity message`, the form assertions compare. */
export function brief(d: Diagnostic): string {
  return `${d.loc.line}:${d.loc.column} ${d.severity}: ${d.message}`;
}

/** Diagnostics of a one-file program whose text is `module t version 1;` followed by `body`. */
export function diagnose(body: string): string[] {
  return checkSources({ 't.mdl': `module t version 1;\n${body}` }).diagnostics.map(brief);
}

export function irOf(body: string): IrProgram {
  const r = checkSources({ 't.mdl': `module t version 1;\n${body}` });
  if (!r.ir) throw new Error('expected a valid program, got:\n' + r.diagnostics.map(brief).join('\n'));
  return r.ir;
}
