// `mdidl compile`: IDL to generated code, one folder per target. Everything is generated in
// memory first and written only when every target succeeded, each file atomically.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { MdidlConfig } from '../../config.js';
import { displayPath, EXIT_OK, verbose, writeFileAtomic } from '../io.js';
import { generateAll, type GenerationOptions } from '../generation.js';

export type CompileOptions = GenerationOptions;

export async function runCompile(files: string[], opts: CompileOptions, config: MdidlConfig | null): Promise<number> {
  // Everything is generated before anything is written.
  const plans = await generateAll('compile', files, opts, config);
  if (typeof plans === 'number') return plans;
  for (const { dir, files } of plans) {
    for (const f of files) {
      const file = path.join(dir, f.path);
      fs.mkdirSync(path.dirname(file), { recursive: true });
      writeFileAtomic(file, f.content);
      verbose(`mdidl compile: wrote ${displayPath(file)}`);
    }
  }
  return EXIT_OK;
}
