// `mdidl lower`: annotated C headers (or a preprocessed .i) to the IDL a team checks in.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type * as A from '../../../idl/ast.js';
import { lowerFiles } from '../../lower/index.js';
import { EXIT_INPUT, EXIT_OK, printDiagnostics, UsageError, writeFileAtomic } from '../io.js';

export interface LowerCliOptions {
  output?: string;
  include: string[];
  define: string[];
  cpp?: string;
  module?: string;
  moduleVersion?: string;
  interface?: string;
  upcall: string[];
  downcall: string[];
  critical: string[];
  own: string[];
  ownHeaders?: boolean;
  sidecar: string[];
  /** commander's negation of --no-builtin-sidecar. */
  builtinSidecar?: boolean;
  abi?: 'lp64' | 'ilp32';
}

export function runLower(files: string[], opts: LowerCliOptions): number {
  const defines: Record<string, string> = {};
  for (const d of opts.define) {
    const m = /^([A-Za-z_]\w*)(?:=(.*))?$/s.exec(d);
    if (!m) throw new UsageError(`-D ${d}: expected NAME or NAME=VALUE`);
    defines[m[1]!] = m[2] ?? '1';
  }
  let version = 1;
  if (opts.moduleVersion !== undefined) {
    if (!/^\d+$/.test(opts.moduleVersion) || Number(opts.moduleVersion) > 65535)
      throw new UsageError(`--module-version ${opts.moduleVersion}: expected an integer within 0..65535`);
    version = Number(opts.moduleVersion);
  }
  if (opts.module !== undefined && !/^[A-Za-z_]\w*$/.test(opts.module)) throw new UsageError(`--module ${opts.module}: not an identifier`);
  const crossing: { name: string; role: A.Role }[] = [];
  for (const [role, names] of [
    ['upcall', opts.upcall],
    ['downcall', opts.downcall],
    ['critical', opts.critical],
  ] as const) {
    for (const name of names) {
      if (!/^[A-Za-z_]\w*(\.[A-Za-z_]\w*)?$/.test(name)) throw new UsageError(`--${role} ${name}: expected FUNCTION or STRUCT.MEMBER`);
      crossing.push({ name, role });
    }
  }
  const result = lowerFiles({
    files,
    includePaths: opts.include,
    defines,
    ...(opts.cpp !== undefined ? { cpp: opts.cpp } : {}),
    ...(opts.module !== undefined ? { module: opts.module } : {}),
    version,
    ...(opts.interface !== undefined ? { interfaceName: opts.interface } : {}),
    abi: opts.abi ?? 'lp64',
    crossing,
    ...(opts.own.length ? { ownDirs: opts.own } : {}),
    ownHeaders: opts.ownHeaders ?? false,
    sidecars: opts.sidecar ?? [],
    builtinSidecar: opts.builtinSidecar !== false,
  });
  const sources = new Map<string, string>();
  for (const d of result.diagnostics) {
    if (sources.has(d.loc.file)) continue;
    try {
      sources.set(d.loc.file, fs.readFileSync(d.loc.file, 'utf8'));
    } catch {
      // No frame for a file we cannot read again (e.g. the command line).
    }
  }
  printDiagnostics(result.diagnostics, sources);
  if (result.text === null) return EXIT_INPUT;
  if (opts.output) {
    fs.mkdirSync(path.dirname(path.resolve(opts.output)), { recursive: true });
    writeFileAtomic(opts.output, result.text);
  }
  else process.stdout.write(result.text);
  return EXIT_OK;
}
