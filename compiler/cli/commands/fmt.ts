// `mdidl fmt`: rewrite .mdl files in canonical form, or with --check only report which are not.
// Every file is parsed before any is written, so a syntax error anywhere changes nothing.
import { createTwoFilesPatch } from 'diff';
import { parseMdl } from '../../../idl/parse.js';
import { printDocument } from '../../../idl/printer.js';
import type { Diagnostic } from '../../../idl/diagnostics.js';
import { readInput } from '../../../idl/read-input.js';
import { EXIT_INPUT, EXIT_OK, expandMdlFiles, printDiagnostics, readStdin, UsageError, writeFileAtomic } from '../io.js';

export interface FmtOptions {
  check?: boolean;
  /** Like --check, with what would change as a unified diff on stdout. */
  diff?: boolean;
}

export function runFmt(args: string[], opts: FmtOptions): number {
  if (args.length === 0) throw new UsageError('fmt needs files or folders (or - for standard input), or a mdidl.config.json listing inputs');
  const dryRun = opts.check === true || opts.diff === true;
  const files = expandMdlFiles(args);
  const sources = new Map<string, string>();
  const diagnostics: Diagnostic[] = [];
  const results: { file: string; before: string; after: string }[] = [];
  for (const file of files) {
    const name = file === '-' ? '<stdin>' : file;
    let text: string;
    try {
      text = file === '-' ? readStdin() : readOrThrow(file);
    } catch (e) {
      throw new UsageError(`cannot read ${name}: ${(e as Error).message}`);
    }
    sources.set(name, text);
    const parsed = parseMdl(text, name);
    diagnostics.push(...parsed.diagnostics.filter((d) => d.severity === 'error'));
    if (parsed.document) results.push({ file, before: text, after: printDocument(parsed.document) });
  }
  if (diagnostics.length) {
    printDiagnostics(diagnostics, sources);
    return EXIT_INPUT;
  }
  let unformatted = 0;
  for (const r of results) {
    const name = r.file === '-' ? '<stdin>' : r.file;
    if (r.file === '-' && !dryRun) {
      process.stdout.write(r.after);
      continue;
    }
    if (r.before === r.after) continue;
    unformatted++;
    if (opts.diff) process.stdout.write(unifiedDiff(name, r.before, r.after));
    else if (opts.check) process.stdout.write(`${name}\n`);
    else writeFileAtomic(r.file, r.after);
  }
  if (dryRun && unformatted) {
    process.stderr.write(`${unformatted} file${unformatted === 1 ? ' is' : 's are'} not formatted; run 'mdidl fmt' on ${unformatted === 1 ? 'it' : 'them'}\n`);
    return EXIT_INPUT;
  }
  return EXIT_OK;
}

function readOrThrow(file: string): string {
  const r = readInput(file);
  if ('problem' in r) throw new Error(r.problem);
  return r.text;
}

/** `--- a/FILE` / `+++ b/FILE` as git prints it, so `git apply` and review tools read it. */
function unifiedDiff(file: string, before: string, after: string): string {
  const name = file.split('\\').join('/');
  const [a, b] = name.startsWith('/') || name.startsWith('<') ? [name, name] : [`a/${name}`, `b/${name}`];
  const patch = createTwoFilesPatch(a, b, before, after, '', '', { context: 3 });
  const lines = patch
    .split('\n')
    .filter((l) => !l.startsWith('====='))
    .map((l) => (l.startsWith('--- ') || l.startsWith('+++ ') ? l.replace(/\t$/, '') : l));
  return lines.join('\n').trimEnd() + '\n';
}
