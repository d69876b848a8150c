// The configuration a command runs with: `--config FILE`, else the nearest mdidl.config.json in the
// working folder or above it (as git and tsc find theirs), else none. The loader (and ajv) is
// imported only when a file exists.
import * as fs from 'node:fs';
import { readInputFile } from '../../idl/read-input.js';
import * as path from 'node:path';
import type { MdidlConfig } from '../config.js';
import { displayPath, printDiagnostics, UsageError, verbose } from './io.js';

export const DEFAULT_CONFIG = 'mdidl.config.json';

/** The nearest config at or above `dir`, without loading ajv. */
function nearestConfig(dir: string): string | null {
  let d = path.resolve(dir);
  for (;;) {
    const candidate = path.join(d, DEFAULT_CONFIG);
    if (fs.existsSync(candidate) && fs.statSync(candidate).isFile()) return candidate;
    const parent = path.dirname(d);
    if (parent === d) return null;
    d = parent;
  }
}

/** The loaded config, null when there is none, or 'invalid' after printing why. */
export async function cliConfig(explicit: string | undefined): Promise<MdidlConfig | null | 'invalid'> {
  if (explicit !== undefined && !fs.existsSync(explicit)) throw new UsageError(`no such config file: ${explicit}`);
  const found = explicit ?? nearestConfig(process.cwd());
  if (found === null) {
    verbose('mdidl: no mdidl.config.json here or above; using the command line only');
    return null;
  }
  const file = explicit ?? displayPath(found);
  verbose(`mdidl: using ${file}`);
  const { loadConfig } = await import('../config.js');
  const { config, diagnostics } = loadConfig(file);
  if (!config) {
    let text = '';
    try {
      text = readInputFile(file) ?? '';
    } catch {
      // The loader already reported the read failure.
    }
    printDiagnostics(diagnostics, new Map([[file, text]]));
    return 'invalid';
  }
  return config;
}
