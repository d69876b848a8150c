// The configuration a command runs with: `--config FILE`, else `mdidl.config.json` in the current
// folder if there is one, else none. The loader (and ajv) is imported only when a file exists.
import * as fs from 'node:fs';
import type { MdidlConfig } from '../config.js';
import { printDiagnostics, UsageError } from './io.js';

export const DEFAULT_CONFIG = 'mdidl.config.json';

/** The loaded config, null when there is none, or 'invalid' after printing why. */
export async function cliConfig(explicit: string | undefined): Promise<MdidlConfig | null | 'invalid'> {
  const file = explicit ?? (fs.existsSync(DEFAULT_CONFIG) ? DEFAULT_CONFIG : null);
  if (file === null) return null;
  if (explicit !== undefined && !fs.existsSync(explicit)) throw new UsageError(`no such config file: ${explicit}`);
  const { loadConfig } = await import('../config.js');
  const { config, diagnostics } = loadConfig(file);
  if (!config) {
    let text = '';
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch {
      // The loader already reported the read failure.
    }
    printDiagnostics(diagnostics, new Map([[file, text]]));
    return 'invalid';
  }
  return config;
}
