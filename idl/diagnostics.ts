// Diagnostics are values, never exceptions: every stage returns them so one run can report all of
// a file's problems, and the CLI decides how to print them.
import type { Loc } from './ast.js';

export type Severity = 'error' | 'warning';

export interface Diagnostic {
  severity: Severity;
  /** Stable kebab-case identifier of the rule, for tests, `--json` consumers and suppressions. */
  code: string;
  message: string;
  loc: Loc;
  /** Extra located remarks, e.g. where the first of two duplicates is. */
  related?: { message: string; loc: Loc }[];
}

export function hasErrors(diags: readonly Diagnostic[]): boolean {
  return diags.some((d) => d.severity === 'error');
}

/** Orders by file, then position, so output does not depend on the order rules ran in. */
export function sortDiagnostics(diags: Diagnostic[]): Diagnostic[] {
  return [...diags].sort(
    (a, b) =>
      (a.loc.file < b.loc.file ? -1 : a.loc.file > b.loc.file ? 1 : 0) ||
      a.loc.offset - b.loc.offset ||
      (a.message < b.message ? -1 : a.message > b.message ? 1 : 0),
  );
}

export function pointLoc(file: string, text: string, offset: number): Loc {
  let line = 1;
  let lineStart = 0;
  const end = Math.min(offset, text.length);
  for (let i = 0; i < end; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  const column = end - lineStart + 1;
  return { file, line, column, offset: end, endOffset: end, endLine: line, endColumn: column };
}

export interface FormatOptions {
  /** Source text per file, for code frames; a file missing here gets no frame. */
  sources?: ReadonlyMap<string, string>;
  color?: boolean;
}

const RED = '\u001b[31m';
const YELLOW = '\u001b[33m';
const BOLD = '\u001b[1m';
const CYAN = '\u001b[36m';
const RESET = '\u001b[0m';

/** `file:line:col: error: message`, then a code frame with a caret under the span. */
export function formatDiagnostic(d: Diagnostic, opts: FormatOptions = {}): string {
  const paint = (code: string, s: string): string => (opts.color ? code + s + RESET : s);
  const where = `${d.loc.file}:${d.loc.line}:${d.loc.column}`;
  const sev = paint(d.severity === 'error' ? RED + BOLD : YELLOW + BOLD, `${d.severity}:`);
  const out = [`${paint(BOLD, where + ':')} ${sev} ${d.message}`];
  const frame = codeFrame(d.loc, opts.sources, (s) => paint(CYAN, s));
  if (frame) out.push(frame);
  for (const r of d.related ?? []) {
    out.push(`${r.loc.file}:${r.loc.line}:${r.loc.column}: note: ${r.message}`);
  }
  return out.join('\n');
}

/** Line start offsets per source text, computed once per text: formatting thousands of
 * diagnostics must not split a large file once per diagnostic. */
const lineIndex = new WeakMap<ReadonlyMap<string, string>, Map<string, number[]>>();

function lineStarts(sources: ReadonlyMap<string, string>, file: string, text: string): number[] {
  let perFile = lineIndex.get(sources);
  if (!perFile) lineIndex.set(sources, (perFile = new Map()));
  let starts = perFile.get(file);
  if (!starts) {
    starts = [0];
    for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
    perFile.set(file, starts);
  }
  return starts;
}

/** A code frame shows at most this many characters of a line, around the caret. */
export const MAX_FRAME_WIDTH = 160;

function codeFrame(loc: Loc, sources: ReadonlyMap<string, string> | undefined, paint: (s: string) => string): string | null {
  const text = sources?.get(loc.file);
  if (text === undefined || !sources) return null;
  const starts = lineStarts(sources, loc.file, text);
  const lineStart = starts[loc.line - 1];
  if (lineStart === undefined) return null;
  const lineEnd = loc.line < starts.length ? starts[loc.line]! - 1 : text.length;
  let start = Math.max(0, loc.column - 1);
  // Only a window of a very long line is shown (minified or generated input).
  let from = 0;
  let to = lineEnd - lineStart;
  if (to > MAX_FRAME_WIDTH) {
    from = Math.max(0, Math.min(start - MAX_FRAME_WIDTH / 4, to - MAX_FRAME_WIDTH));
    to = from + MAX_FRAME_WIDTH;
  }
  const shown = text.slice(lineStart + from, lineStart + to).replace(/\t/g, ' ').replace(/\r$/, '');
  start -= from;
  const gutter = String(loc.line);
  const pad = ' '.repeat(gutter.length);
  const width =
    loc.endLine === loc.line ? Math.max(1, loc.endColumn - loc.column) : Math.max(1, shown.length - start);
  const caret = ' '.repeat(Math.min(start, shown.length)) + '^'.repeat(Math.min(width, Math.max(1, shown.length - start)));
  return `${paint(` ${gutter} |`)} ${shown}\n${paint(` ${pad} |`)} ${caret}`;
}

/** A run shows at most this many diagnostics; the rest are counted, as compilers do. */
export const MAX_DIAGNOSTICS_SHOWN = 100;

/** The first MAX_DIAGNOSTICS_SHOWN diagnostics in the order given, then one
 * located note that says how many more there are. */
export function capDiagnostics(diags: readonly Diagnostic[], max = MAX_DIAGNOSTICS_SHOWN): Diagnostic[] {
  if (diags.length <= max) return [...diags];
  const shown = diags.slice(0, max);
  const first = diags[max]!;
  const more = diags.length - max;
  shown.push({
    severity: hasErrors(diags) ? 'error' : 'warning',
    code: 'too-many-diagnostics',
    message: `too many ${hasErrors(diags) ? 'errors' : 'warnings'} (${more} more not shown)`,
    loc: first.loc,
  });
  return shown;
}
