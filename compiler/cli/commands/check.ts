// `mdidl check [--fix]`: regenerate in memory and compare with the checked-in files.
import * as path from 'node:path';
import pc from 'picocolors';
import { compare, fixSets, regenerate } from '../../check/index.js';
import { availableTargets } from '../../backends/registry.js';
import type { MdidlConfig } from '../../config.js';
import { frontEnd } from '../../pipeline.js';
import { EXIT_INPUT, EXIT_OK, printDiagnostics, UsageError } from '../io.js';
import { generateReported, writeGenerated } from '../write-generated.js';
import { pendingStaging } from '../../output/transaction.js';
import { version } from '../main.js';
import { targetDir, targetNames } from '../targets.js';

export interface CheckOptions {
  fix?: boolean;
  include: string[];
  target: string[];
  outDir?: string;
  templates?: string;
}

export async function runCheck(files: string[], opts: CheckOptions, config: MdidlConfig | null): Promise<number> {
  const inputs = files.length ? files : (config?.inputs ?? []);
  if (!inputs.length) throw new UsageError('check needs .mdl files, or a mdidl.config.json listing inputs');
  const wanted = targetNames(opts.target.length ? opts.target : (config?.targets ?? availableTargets()));
  // A target a config lists but no backend implements yet cannot be stale; say so once.
  const targets = wanted.filter((t) => availableTargets().includes(t));
  const skipped = wanted.filter((t) => !availableTargets().includes(t));
  if (skipped.length) process.stderr.write(`mdidl check: not checking ${skipped.join(', ')}: no backend yet\n`);
  const result = frontEnd(inputs, { includePaths: [...opts.include, ...(config?.includePaths ?? [])], abi: config?.abi ?? 'lp64' });
  printDiagnostics(result.diagnostics, result.program.sources);
  if (!result.ir) return EXIT_INPUT;
  const dirs = targets.map((t) => ({ target: t, dir: targetDir(t, opts.outDir, config) }));
  const templatesDir = opts.templates ?? config?.templates;
  const ir = result.ir;
  const plans = await generateReported(() => regenerate(ir, dirs, { sources: result.program.inputs, version: version(), ...(templatesDir ? { templatesDir } : {}) }));
  if (!plans) return EXIT_INPUT;
  for (const staging of pendingStaging(dirs.map((d) => d.dir)))
    process.stderr.write(`mdidl check: an interrupted write left '${staging}'; 'mdidl compile' or 'mdidl check --fix' finishes or discards it\n`);
  const problems = compare(plans);
  if (problems.length === 0) return EXIT_OK;
  const color = pc.isColorSupported && process.stdout.isTTY === true;
  for (const p of problems) {
    const label = color ? (p.status === 'extra' ? pc.yellow(p.status) : pc.red(p.status)) : p.status;
    process.stdout.write(`${label}: ${path.relative(process.cwd(), p.file) || p.file}\n`);
    if (p.patch) process.stdout.write(p.patch + '\n');
  }
  if (opts.fix) {
    const status = writeGenerated(fixSets(plans, problems));
    if (status !== EXIT_OK) return status;
    process.stderr.write(`mdidl check: fixed ${problems.length} file${problems.length === 1 ? '' : 's'}\n`);
    return EXIT_OK;
  }
  process.stderr.write(`mdidl check: ${problems.length} generated file${problems.length === 1 ? ' differs' : 's differ'} from the IDL; run 'mdidl check --fix' (or 'mdidl compile')\n`);
  return EXIT_INPUT;
}
