// What `compile` and `check` share, so they can never disagree: the inputs, the targets (the same
// default with or without a config), each target's folder, and the banner's names for the inputs.
import { configContext } from './backend-options.js';
import * as path from 'node:path';
import { availableTargets } from '../backends/registry.js';
import type { Target } from '../backends/types.js';
import { regenerate, type TargetPlan } from '../check/index.js';
import type { MdidlConfig } from '../config.js';
import { frontEnd } from '../pipeline.js';
import { EXIT_INPUT, printDiagnostics, requireFiles, UsageError } from './io.js';
import { version } from './main.js';
import { targetDir, targetNames } from './targets.js';
import { generateReported } from './write-generated.js';

export interface GenerationOptions {
  include: string[];
  target: string[];
  outDir?: string;
  templates?: string;
  abi?: 'lp64' | 'ilp32';
}

/**
 * The inputs as the banner names them: relative to the config's folder when there is a config,
 * else relative to the target's own folder. Either way the bytes do not depend on the folder mdidl
 * runs from.
 */
export function bannerSources(inputs: string[], dir: string, config: MdidlConfig | null): string[] {
  const base = config ? config.baseDir : path.resolve(dir);
  return inputs.map((f) => path.relative(base, path.resolve(f)).split(path.sep).join('/'));
}

/** Every target generated in memory, or the exit status when the IDL does not check. */
export async function generateAll(
  command: 'compile' | 'check',
  files: string[],
  opts: GenerationOptions,
  config: MdidlConfig | null,
  overrides?: ReadonlyMap<string, string>,
): Promise<TargetPlan[] | number> {
  const inputs = files.length ? files : (config?.inputs ?? []);
  if (!inputs.length) throw new UsageError(`${command} needs .mdl files, or a mdidl.config.json listing inputs`);
  requireFiles(inputs, files.length ? null : (config?.configPath ?? null));
  const targets: Target[] = targetNames(opts.target.length ? opts.target : (config?.targets ?? availableTargets()));
  for (const t of targets) {
    if (!availableTargets().includes(t))
      throw new UsageError(`target '${t}' is not implemented yet; available: ${availableTargets().join(', ')}`);
  }
  const result = frontEnd(inputs, {
    includePaths: [...opts.include, ...(config?.includePaths ?? [])],
    abi: opts.abi ?? config?.abi ?? 'lp64',
    ...(overrides ? { overrides } : {}),
  });
  printDiagnostics(result.diagnostics, result.program.sources);
  if (!result.ir) return EXIT_INPUT;
  const templatesDir = opts.templates ?? config?.templates ?? undefined;
  const ir = result.ir;
  // A broken template is a located error at the template, not an internal error.
  const plans = await generateReported(() =>
    regenerate(
      ir,
      targets.map((t) => {
        const dir = targetDir(t, opts.outDir, config);
        return { target: t, dir, ctx: { sources: bannerSources(inputs, dir, config), version: version(), ...(templatesDir ? { templatesDir } : {}), ...configContext(config) } };
      }),
    ),
  );
  return plans ?? EXIT_INPUT;
}
