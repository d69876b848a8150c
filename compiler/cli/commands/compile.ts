// `mdidl compile`: IDL to generated code, one folder per target. Everything is generated in
// memory first and written only when every target succeeded, all targets' files at once.
import { availableTargets } from '../../backends/registry.js';
import { regenerate } from '../../check/index.js';
import type { MdidlConfig } from '../../config.js';
import { frontEnd } from '../../pipeline.js';
import { EXIT_INPUT, printDiagnostics, UsageError } from '../io.js';
import { generateReported, writeGenerated } from '../write-generated.js';
import { version } from '../main.js';
import { targetDir, targetNames } from '../targets.js';

export interface CompileOptions {
  include: string[];
  target: string[];
  outDir?: string;
  templates?: string;
  abi?: 'lp64' | 'ilp32';
}

export async function runCompile(files: string[], opts: CompileOptions, config: MdidlConfig | null): Promise<number> {
  const inputs = files.length ? files : (config?.inputs ?? []);
  if (!inputs.length) throw new UsageError('compile needs .mdl files, or a mdidl.config.json listing inputs');
  const targets = targetNames(opts.target.length ? opts.target : (config?.targets ?? ['ts']));
  for (const t of targets) {
    if (!availableTargets().includes(t))
      throw new UsageError(`target '${t}' is not implemented yet; available: ${availableTargets().join(', ')}`);
  }
  const result = frontEnd(inputs, {
    includePaths: [...opts.include, ...(config?.includePaths ?? [])],
    abi: opts.abi ?? config?.abi ?? 'lp64',
  });
  printDiagnostics(result.diagnostics, result.program.sources);
  if (!result.ir) return EXIT_INPUT;
  const templatesDir = opts.templates ?? config?.templates;
  // Everything is generated before anything is written.
  const ir = result.ir;
  const plans = await generateReported(() =>
    regenerate(
      ir,
      targets.map((t) => ({ target: t, dir: targetDir(t, opts.outDir, config) })),
      { sources: result.program.inputs, version: version(), ...(templatesDir ? { templatesDir } : {}) },
    ),
  );
  if (!plans) return EXIT_INPUT;
  // All targets' files replace the old ones together, or none do (compiler/output/).
  return writeGenerated(plans.map((p) => ({ dir: p.dir, label: `target '${p.target}'`, files: p.files })));
}
