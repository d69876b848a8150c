// compile's and check --fix's one way to put generated files on disk: all-or-nothing across every
// target (compiler/output/), with a failure to write or a broken template reported as the user's
// problem to fix.
import { OutputError, writeOutputs, type OutputSet } from '../output/transaction.js';
import { TemplateError } from '../backends/render.js';
import { EXIT_INPUT, EXIT_OK, printDiagnostics } from './io.js';

export function writeGenerated(sets: OutputSet[]): number {
  try {
    writeOutputs(sets);
    return EXIT_OK;
  } catch (e) {
    if (!(e instanceof OutputError)) throw e;
    process.stderr.write(`mdidl: error: ${e.message}\n`);
    return EXIT_INPUT;
  }
}

/** Runs the backends; a broken template is printed as a located error and gives null. */
export async function generateReported<T>(generate: () => Promise<T>): Promise<T | null> {
  try {
    return await generate();
  } catch (e) {
    if (!(e instanceof TemplateError)) throw e;
    printDiagnostics([e.diagnostic], new Map(e.source ? [[e.diagnostic.loc.file, e.source]] : []));
    return null;
  }
}
