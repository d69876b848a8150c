// `mdidl compile`: IDL to generated code, one folder per target. Everything is generated in
// memory first and written only when every target succeeded, all targets' files at once.
import * as path from 'node:path';
import type { MdidlConfig } from '../../config.js';
import { displayPath, EXIT_OK, verbose } from '../io.js';
import { writeGenerated } from '../write-generated.js';
import { generateAll, type GenerationOptions } from '../generation.js';

export type CompileOptions = GenerationOptions;

export async function runCompile(files: string[], opts: CompileOptions, config: MdidlConfig | null): Promise<number> {
  // Everything is generated before anything is written.
  const plans = await generateAll('compile', files, opts, config);
  if (typeof plans === 'number') return plans;
  // All targets' files replace the old ones together, or none do (compiler/output/).
  const status = writeGenerated(plans.map((p) => ({ dir: p.dir, label: `target '${p.target}'`, files: p.files })));
  if (status !== EXIT_OK) return status;
  for (const { dir, files } of plans) for (const f of files) verbose(`mdidl compile: wrote ${displayPath(path.join(dir, f.path))}`);
  return EXIT_OK;
}
