// The `lower` step of mdidl.config.json as a lowerFiles() input: what `mdidl lower` runs without
// arguments and what `mdidl check` re-runs in memory to see that the IDL still matches its headers.
import type { LowerConfig, MdidlConfig } from '../config.js';
import { lowerFiles, type LowerInput, type LowerOutput } from '../lower/index.js';
import { readInputFile } from '../../idl/read-input.js';
import { displayPath, printDiagnostics, requireFiles } from './io.js';

export function lowerInputOf(lower: LowerConfig, config: MdidlConfig): LowerInput {
  return {
    files: lower.inputs,
    includePaths: lower.includePaths,
    defines: lower.defines,
    ...(lower.cpp !== null ? { cpp: lower.cpp } : {}),
    ...(lower.module !== null ? { module: lower.module } : {}),
    version: lower.moduleVersion,
    ...(lower.interfaceName !== null ? { interfaceName: lower.interfaceName } : {}),
    abi: config.abi,
    ...(lower.own.length ? { ownDirs: lower.own } : {}),
    sidecars: lower.sidecars,
    builtinSidecar: lower.builtinSidecar,
  };
}

/** Lowers and prints the diagnostics (with code frames from the C files); text is null on errors. */
export function runLowerStep(input: LowerInput, origin: string | null): LowerOutput {
  requireFiles(input.files, origin);
  const result = lowerFiles(input);
  // Config paths are absolute; diagnostics name files as the user would type them from here.
  const shown = result.diagnostics.map((d) => ({
    ...d,
    loc: { ...d.loc, file: displayPath(d.loc.file) },
    ...(d.related ? { related: d.related.map((r) => ({ ...r, loc: { ...r.loc, file: displayPath(r.loc.file) } })) } : {}),
  }));
  const sources = new Map<string, string>();
  for (const d of result.diagnostics) {
    const name = displayPath(d.loc.file);
    if (sources.has(name)) continue;
    // No frame for a file that cannot be read again (the command line, a device, a FIFO).
    const text = readInputFile(d.loc.file);
    if (text !== null) sources.set(name, text);
  }
  printDiagnostics(shown, sources);
  return result;
}
