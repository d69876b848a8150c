// `mdidl split`: partition a driver (kbuild .i units or C files) into its kernel and user-mode parts.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Diagnostic } from '../../../idl/diagnostics.js';
import { readInputFile } from '../../../idl/read-input.js';
import { driverDir } from '../../split/frontend.js';
import { emitKdriver } from '../../split/emit.js';
import { emitUdriver } from '../../split/emit-udriver.js';
import { lowerInterface, type HeaderParams } from '../../split/idl.js';
import { splitDriver } from '../../split/index.js';
import { renderDot, renderJson, renderPartition } from '../../split/render.js';
import { EXIT_INPUT, EXIT_OK, printDiagnostics, UsageError, writeFileAtomic } from '../io.js';
import { version } from '../main.js';
import { generateReported, writeGenerated } from '../write-generated.js';

export interface SplitCliOptions {
  sidecar: string[];
  name?: string;
  outDir?: string;
  json?: boolean;
  timing?: boolean;
  clang?: string;
  idl?: boolean;
  builtinSidecar?: boolean;
  emit?: string;
}

export async function runSplit(files: string[], opts: SplitCliOptions): Promise<number> {
  if (!files.length) throw new UsageError('split: name the driver\'s .i (or .c) files');
  if (opts.name !== undefined && !/^[A-Za-z0-9_][\w.-]*$/.test(opts.name)) throw new UsageError(`--name ${opts.name}: letters, digits, '_', '-' and '.' only`);
  const { result, diagnostics } = await splitDriver({
    files,
    sidecars: opts.sidecar,
    ...(opts.name !== undefined ? { name: opts.name } : {}),
    ...(opts.clang !== undefined ? { clang: opts.clang } : {}),
  });
  printWithSources(diagnostics);
  if (!result) return EXIT_INPUT;
  let idl: { text: string; sidecar: string; header: HeaderParams } | null = null;
  if (opts.idl || opts.emit !== undefined) {
    if (opts.idl && !opts.outDir) throw new UsageError('--idl writes DIR/<name>.mdl: give -o DIR');
    const lowered = lowerInterface(result, files, opts.sidecar, driverDir(files.map((f) => path.resolve(f))), opts.builtinSidecar !== false);
    printWithSources(lowered.diagnostics);
    // Nothing is written when the interface does not lower: no half-updated output folder.
    if (lowered.text === null) return EXIT_INPUT;
    idl = { text: lowered.text, sidecar: lowered.sidecar, header: lowered.header };
  }
  if (opts.emit !== undefined && idl) {
    // The k-driver's kbuild tree and the u-driver's build (docs/real-e1000-split.md): all files of
    // both or none.
    const text = idl.text;
    const input = { result, files, idl: text, version: version(), header: idl.header };
    const k = await generateReported(async () => emitKdriver(input));
    if (!k) return EXIT_INPUT;
    printWithSources(k.diagnostics);
    if (!k.files) return EXIT_INPUT;
    // The same sources: what the k-driver's rewrite refuses, the u-driver's is not asked (no error twice).
    const u = await generateReported(async () => emitUdriver(input));
    if (!u) return EXIT_INPUT;
    printWithSources(u.diagnostics);
    if (!u.files) return EXIT_INPUT;
    // The kernel functions the u-driver binds by name, the k-driver binds to themselves.
    if (u.kernelNamed?.length) {
      const again = await generateReported(async () => emitKdriver({ ...input, kernelBound: u.kernelNamed }));
      if (!again) return EXIT_INPUT;
      printWithSources(again.diagnostics);
      if (!again.files) return EXIT_INPUT;
      k.files = again.files;
    }
    const set = (half: 'kdriver' | 'udriver', fs: { path: string; content: string }[]) => ({ dir: path.join(opts.emit!, half), label: '--emit', files: fs.map((f) => ({ path: f.path.slice(half.length + 1), content: f.content })) });
    const code = writeGenerated([set('kdriver', k.files), set('udriver', u.files)]);
    if (code !== EXIT_OK) return code;
  }
  if (opts.outDir) {
    fs.mkdirSync(opts.outDir, { recursive: true });
    const base = path.join(opts.outDir, result.driver);
    writeFileAtomic(`${base}.partition`, renderPartition(result));
    writeFileAtomic(`${base}.dot`, renderDot(result));
    writeFileAtomic(`${base}.split.json`, renderJson(result));
    if (idl) {
      writeFileAtomic(`${base}.split.mda`, idl.sidecar);
      writeFileAtomic(`${base}.mdl`, idl.text);
    }
  }
  if (opts.json) process.stdout.write(renderJson(result, opts.timing === true));
  else if (!opts.outDir && opts.emit === undefined) process.stdout.write(renderPartition(result));
  if (opts.timing) {
    const t = result.timing;
    process.stderr.write(`split ${result.driver}: clang ${t.clangMs} ms, reading IR ${t.readMs} ms, analysis ${t.analysisMs} ms\n`);
  }
  return EXIT_OK;
}

export function printWithSources(diagnostics: Diagnostic[]): void {
  const sources = new Map<string, string>();
  for (const d of diagnostics) {
    if (sources.has(d.loc.file) || d.loc.file.endsWith('.i')) continue;
    // No code frame for a file that cannot be read again (or never could: a device, a FIFO).
    const text = readInputFile(d.loc.file);
    if (text !== null) sources.set(d.loc.file, text);
  }
  printDiagnostics(diagnostics, sources);
}
