// What every command shares: printing diagnostics, exit codes, expanding file arguments.
import * as fs from 'node:fs';
import { readBounded } from '../../idl/read-input.js';
import * as path from 'node:path';
import pc from 'picocolors';
import { capDiagnostics, formatDiagnostic, type Diagnostic } from '../../idl/diagnostics.js';

/** Exit statuses: 0 success, 1 problems in the input, 2 a wrong command line (including a file that does not exist). */
export const EXIT_OK = 0;
export const EXIT_INPUT = 1;
export const EXIT_USAGE = 2;

export class UsageError extends Error {}

export type ErrorFormat = 'text' | 'json' | 'github';
export const ERROR_FORMATS: readonly ErrorFormat[] = ['text', 'json', 'github'];

/** How every command reports: set once from the global options before a command runs. */
interface Reporting {
  format: ErrorFormat;
  quiet: boolean;
  verbose: boolean;
}
const reporting: Reporting = { format: 'text', quiet: false, verbose: false };

export function setReporting(r: Partial<Reporting>): void {
  Object.assign(reporting, r);
}

export function errorFormat(): ErrorFormat {
  return reporting.format;
}

/**
 * Diagnostics on stderr: `file:line:col: severity: message` with a code frame (text), one JSON
 * object per line (json), or GitHub Actions workflow commands that annotate the pull request
 * (github). --quiet drops warnings; errors are never dropped.
 */
export function printDiagnostics(all: readonly Diagnostic[], sources: ReadonlyMap<string, string>): void {
  const diags = reporting.quiet ? all.filter((d) => d.severity === 'error') : all;
  if (reporting.format === 'json') {
    for (const d of diags) process.stderr.write(JSON.stringify(diagnosticJson(d)) + '\n');
    return;
  }
  if (reporting.format === 'github') {
    for (const d of diags) process.stderr.write(githubAnnotation(d) + '\n');
    return;
  }
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

/** One finding that is about a file as a whole (check's stale files): reported like a diagnostic. */
export function fileDiagnostic(file: string, message: string, code: string, severity: Diagnostic['severity'] = 'error'): Diagnostic {
  return { severity, code, message, loc: { file, line: 1, column: 1, offset: 0, endOffset: 0, endLine: 1, endColumn: 1 } };
}

export function diagnosticJson(d: Diagnostic): Record<string, unknown> {
  return {
    file: d.loc.file,
    line: d.loc.line,
    column: d.loc.column,
    endLine: d.loc.endLine,
    endColumn: d.loc.endColumn,
    severity: d.severity,
    code: d.code,
    message: d.message,
    ...(d.related?.length
      ? { related: d.related.map((r) => ({ file: r.loc.file, line: r.loc.line, column: r.loc.column, message: r.message })) }
      : {}),
  };
}

/** `::error file=F,line=L,col=C,endLine=..,endColumn=..,title=mdidl CODE::MESSAGE`, escaped as the runner wants. */
export function githubAnnotation(d: Diagnostic): string {
  const data = (s: string): string => s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
  const prop = (s: string): string => data(s).replace(/:/g, '%3A').replace(/,/g, '%2C');
  const props = [
    `file=${prop(d.loc.file.split(path.sep).join('/'))}`,
    `line=${d.loc.line}`,
    `col=${d.loc.column}`,
    ...(d.loc.endLine >= d.loc.line ? [`endLine=${d.loc.endLine}`, `endColumn=${d.loc.endColumn}`] : []),
    `title=${prop(`mdidl ${d.code}`)}`,
  ];
  const notes = (d.related ?? []).map((r) => `\n${r.loc.file}:${r.loc.line}:${r.loc.column}: note: ${r.message}`).join('');
  return `::${d.severity === 'error' ? 'error' : 'warning'} ${props.join(',')}::${data(d.message + notes)}`;
}

/** A remark about progress or a result that is not a problem: hidden by --quiet. */
export function note(text: string): void {
  if (!reporting.quiet) process.stderr.write(text + '\n');
}

/** Detail only --verbose asks for: which config, which files were written. */
export function verbose(text: string): void {
  if (reporting.verbose && !reporting.quiet) process.stderr.write(text + '\n');
}

/** Input files named on the command line or in the config must exist: a missing one is a usage error (exit 2). */
export function requireFiles(files: readonly string[], origin: string | null): void {
  for (const f of files) {
    if (f === '-') continue;
    if (!fs.existsSync(f)) throw new UsageError(`no such file or folder: ${displayPath(f)}${origin ? ` (listed in ${displayPath(origin)})` : ''}`);
  }
}

/** A path as the user would type it from here: relative when it is below the working folder. */
export function displayPath(file: string): string {
  const rel = path.relative(process.cwd(), file);
  return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : file;
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

/** Standard input, bounded like every input file: `fmt - < /dev/zero` stops at the limit with an error. */
export function readStdin(): string {
  const r = readBounded(0);
  if ('problem' in r) throw new Error(r.problem);
  return r.text;
}

/** Replaces a file in one step, so an interrupted run never leaves it half-written. */
export function writeFileAtomic(file: string, text: string): void {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.tmp`);
  fs.writeFileSync(tmp, text);
  fs.renameSync(tmp, file);
}
