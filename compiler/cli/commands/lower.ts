// `mdidl lower`: annotated C headers (or a preprocessed .i) to the IDL a team checks in.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type * as A from '../../../idl/ast.js';
import type { MdidlConfig } from '../../config.js';
import { displayPath, EXIT_INPUT, EXIT_OK, UsageError, verbose, writeFileAtomic } from '../io.js';
import { lowerInputOf, runLowerStep } from '../lower-step.js';

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
  sidecar: string[];
  /** commander's negation of --no-builtin-sidecar. */
  builtinSidecar?: boolean;
  abi?: 'lp64' | 'ilp32';
}

export function runLower(files: string[], opts: LowerCliOptions, config: MdidlConfig | null): number {
  // Without headers on the command line, the config's lower step runs, with its own options.
  if (files.length === 0) {
    if (!config?.lower) throw new UsageError('lower needs C headers, or a mdidl.config.json with a "lower" section');
    const result = runLowerStep(lowerInputOf(config.lower, config), config.configPath);
    if (result.text === null) return EXIT_INPUT;
    const output = opts.output ?? config.lower.output;
    write(output, result.text);
    verbose(`mdidl lower: wrote ${displayPath(output)}`);
    return EXIT_OK;
  }
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
  const result = runLowerStep(
    {
      files,
      includePaths: opts.include,
      defines,
      ...(opts.cpp !== undefined ? { cpp: opts.cpp } : {}),
      ...(opts.module !== undefined ? { module: opts.module } : {}),
      version,
      ...(opts.interface !== undefined ? { interfaceName: opts.interface } : {}),
      abi: opts.abi ?? config?.abi ?? 'lp64',
      crossing,
      ...(opts.own.length ? { ownDirs: opts.own } : {}),
      sidecars: opts.sidecar ?? [],
      builtinSidecar: opts.builtinSidecar !== false,
    },
    null,
  );
  if (result.text === null) return EXIT_INPUT;
  if (opts.output) write(opts.output, result.text);
  else process.stdout.write(result.text);
  return EXIT_OK;
}

function write(output: string, text: string): void {
  fs.mkdirSync(path.dirname(path.resolve(output)), { recursive: true });
  writeFileAtomic(output, text);
}
