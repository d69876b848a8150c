// `mdidl check [--fix]`: regenerate in memory and compare with the checked-in files: the IDL
// against its C headers (when the config has a lower step), the generated files against the IDL.
import * as fs from 'node:fs';
import * as path from 'node:path';
import pc from 'picocolors';
import { compare, compareIdl, fixSets, type FileProblem } from '../../check/index.js';
import { pendingStaging } from '../../output/transaction.js';
import type { MdidlConfig } from '../../config.js';
import {
  displayPath,
  errorFormat,
  EXIT_INPUT,
  EXIT_OK,
  fileDiagnostic,
  note,
  printDiagnostics,
  writeFileAtomic,
} from '../io.js';
import { generateAll, type GenerationOptions } from '../generation.js';
import { lowerInputOf, runLowerStep } from '../lower-step.js';
import { writeGenerated } from '../write-generated.js';

export interface CheckOptions extends GenerationOptions {
  fix?: boolean;
}

export async function runCheck(files: string[], opts: CheckOptions, config: MdidlConfig | null): Promise<number> {
  const problems: FileProblem[] = [];
  // The IDL first: with --fix the re-lowered IDL (in memory, not yet written) is what the
  // generated files are made from; it is written last, once they are.
  let relowered: { file: string; text: string } | null = null;
  if (config?.lower && files.length === 0) {
    const lowered = runLowerStep(lowerInputOf(config.lower, config), config.configPath);
    if (lowered.text === null) return EXIT_INPUT;
    const idl = compareIdl(config.lower.output, lowered.text);
    if (idl) {
      problems.push(idl);
      if (opts.fix) relowered = { file: idl.file, text: lowered.text };
    }
  }
  const overrides = relowered ? new Map([[path.resolve(relowered.file), relowered.text]]) : undefined;
  const plans = await generateAll('check', files, opts, config, overrides);
  if (typeof plans === 'number') return plans;
  // After --fix rewrote the IDL, the generated files are judged against it; without --fix the
  // stale IDL is the problem to show first.
  for (const staging of pendingStaging(plans.map((p) => p.dir)))
    note(`mdidl check: an interrupted write left '${displayPath(staging)}'; 'mdidl compile' or 'mdidl check --fix' finishes or discards it`);
  const generated = compare(plans);
  problems.push(...generated);
  if (problems.length === 0) return EXIT_OK;
  report(problems);
  if (opts.fix) {
    const status = writeGenerated(fixSets(plans, generated));
    if (status !== EXIT_OK) return status;
    // A failure above leaves the IDL and the generated files as they were; one here leaves the
    // new stubs with the old IDL, which the next `check` names as stale.
    if (relowered) {
      fs.mkdirSync(path.dirname(relowered.file), { recursive: true });
      writeFileAtomic(relowered.file, relowered.text);
    }
    note(`mdidl check: fixed ${problems.length} file${problems.length === 1 ? '' : 's'}`);
    return EXIT_OK;
  }
  const n = problems.length;
  const idlStale = problems.some((p) => p.target === 'idl');
  note(
    idlStale
      ? `mdidl check: ${n} file${n === 1 ? ' differs' : 's differ'} from ${n === 1 ? 'its' : 'their'} source; run 'mdidl check --fix' (or 'mdidl lower' and 'mdidl compile')`
      : `mdidl check: ${n} generated file${n === 1 ? ' differs' : 's differ'} from the IDL; run 'mdidl check --fix' (or 'mdidl compile')`,
  );
  return EXIT_INPUT;
}

const WHY: Record<FileProblem['status'], string> = {
  stale: 'differs from what mdidl generates now',
  missing: 'is missing',
  extra: 'is left over: nothing generates it now',
};

function report(problems: FileProblem[]): void {
  if (errorFormat() !== 'text') {
    const diags = problems.map((p) =>
      fileDiagnostic(
        displayPath(p.file),
        p.target === 'idl'
          ? p.status === 'missing'
            ? 'the IDL file is missing; run mdidl lower to make it from its C headers'
            : 'the IDL differs from what its C headers lower to now (mdidl lower)'
          : `generated file ${WHY[p.status]}`,
        `check-${p.status}`,
      ),
    );
    printDiagnostics(diags, new Map());
    return;
  }
  const color = pc.isColorSupported && process.stdout.isTTY === true;
  for (const p of problems) {
    const label = color ? (p.status === 'extra' ? pc.yellow(p.status) : pc.red(p.status)) : p.status;
    process.stdout.write(`${label}: ${path.relative(process.cwd(), p.file) || p.file}\n`);
    if (p.patch) process.stdout.write(p.patch + '\n');
  }
}
