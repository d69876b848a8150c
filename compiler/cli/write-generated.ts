// compile's and check --fix's one way to put generated files on disk: all-or-nothing across every
// target (compiler/output/), with a failure to write reported as the user's problem to fix.
import { OutputError, writeOutputs, type OutputSet } from '../output/transaction.js';
import { EXIT_INPUT, EXIT_OK } from './io.js';

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
