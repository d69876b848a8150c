// What every command shares: printing diagnostics, exit codes, expanding file arguments.
import * as fs from 'node:fs';
import * as path from 'node:path';
import pc from 'picocolors';
import { capDiagnostics, formatDiagnostic, type Diagnostic } from '../../idl/diagnostics.js';

/** Exit statuses: 1 for problems in the input, 2 for a wrong command line. */
export const EXIT_OK = 0;
export const EXIT_INPUT = 1;
export const EXIT_USAGE = 2;

export class UsageError extends Error {}

export function printDiagnostics(diags: readonly Diagnostic[], sources: ReadonlyMap<string, string>): void {
  const color = pc.isColorSupported && process.stderr.isTTY === true;
  for (const d of capDiagnostics(diags)) process.stderr.write(formatDiagnostic(d, { sources, color }) + '\n');
  const errors = diags.filter((d) => d.severity === 'error').length;
  const warnings = diags.length - errors;
  if (errors || warnings) {
    const parts = [];
    if (errors) parts.push(`${errors} error${errors === 1 ? '' : 's'}`);
    if (warnings) parts.push(`${warnings} warning${warnings === 1 ? '' : 's'}`);
    process.stderr.write(parts.join(', ') + '\n');
  }
}

/** Files as given, and folders expanded to the .mdl files under them, sorted for stable output. */
export function expandMdlFiles(args: string[]): string[] {
  const out: string[] = [];
  for (const a of args) {
    if (a === '-') {
      out.push(a);
      continue;
    }
    let st: fs.Stats;
    try {
      st = fs.statSync(a);
    } catch {
      throw new UsageError(`no such file or folder: ${a}`);
    }
    if (st.isDirectory()) out.push(...walk(a));
    else out.push(a);
  }
  return out;
}

function walk(dir: string): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    if (e.name === 'node_modules' || e.name.startsWith('.')) continue;
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...walk(p));
    else if (e.name.endsWith('.mdl')) out.push(p);
  }
  return out;
}

export function readStdin(): string {
  return fs.readFileSync(0, 'utf8');
}

/** Replaces a file in one step, so an interrupted run never leaves it half-written. */
export function writeFileAtomic(file: string, text: string): void {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.tmp`);
  fs.writeFileSync(tmp, text);
  fs.renameSync(tmp, file);
}
