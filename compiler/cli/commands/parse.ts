// `mdidl parse`: check a file and its imports; with --json print its syntax tree, with --ir the
// checked IR that backends read. JSON goes to stdout, diagnostics to stderr.
import { hasErrors } from '../../../idl/diagnostics.js';
import { parseMdl } from '../../../idl/parse.js';
import { frontEnd } from '../../pipeline.js';
import { readInput } from '../../../idl/read-input.js';
import { EXIT_INPUT, EXIT_OK, printDiagnostics, requireFiles, UsageError } from '../io.js';

export interface ParseOptions {
  json?: boolean;
  ir?: boolean;
  include?: string[];
  abi?: 'lp64' | 'ilp32';
}

export function runParse(file: string, opts: ParseOptions): number {
  requireFiles([file], null);
  if (opts.json && !opts.ir) {
    const read = readInput(file);
    if ('problem' in read) throw new UsageError(`cannot read ${file}: ${read.problem}`);
    const text = read.text;
    const parsed = parseMdl(text, file);
    if (!parsed.document || hasErrors(parsed.diagnostics)) {
      printDiagnostics(parsed.diagnostics, new Map([[file, text]]));
      if (parsed.document) process.stdout.write(JSON.stringify(parsed.document, null, 2) + '\n');
      return EXIT_INPUT;
    }
    // The tree is printed whenever the syntax is sound; the exit status still says whether the
    // file checks (unknown names, bad layouts), as it does without --json.
    process.stdout.write(JSON.stringify(parsed.document, null, 2) + '\n');
    const checked = frontEnd([file], { includePaths: opts.include ?? [], abi: opts.abi ?? 'lp64' });
    printDiagnostics(checked.diagnostics, checked.program.sources);
    return checked.ir ? EXIT_OK : EXIT_INPUT;
  }
  const result = frontEnd([file], { includePaths: opts.include ?? [], abi: opts.abi ?? 'lp64' });
  printDiagnostics(result.diagnostics, result.program.sources);
  if (!result.ir) return EXIT_INPUT;
  if (opts.ir && opts.json) process.stdout.write(JSON.stringify(result.ir, null, 2) + '\n');
  else {
    const ir = result.ir;
    const fns = ir.interfaces.reduce((n, i) => n + i.functions.length, 0);
    process.stdout.write(
      `${file}: ok (${ir.modules.length} module${ir.modules.length === 1 ? '' : 's'}, ${ir.types.length} types, ` +
        `${ir.constants.length} constants, ${ir.interfaces.length} interfaces, ${fns} functions)\n`,
    );
  }
  return EXIT_OK;
}
