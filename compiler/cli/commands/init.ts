// `mdidl init`: a new driver project's starting point. The view model below decides every name and
// path; the templates in templates/init/ only print them. Every file is checked before any is
// written, so an existing file stops the run with nothing changed.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRenderer } from '../../backends/render.js';
import { EXIT_INPUT, EXIT_OK, displayPath, note, UsageError, verbose, writeFileAtomic } from '../io.js';

export interface InitOptions {
  module?: string;
  force?: boolean;
}

/** The package root: compiled JS runs from dist/compiler/cli/commands/. */
const PACKAGE_ROOT = fileURLToPath(new URL('../../../../', import.meta.url));

/** A path from `from` to `to`, with forward slashes, as config files and Makefiles want it. */
function rel(from: string, to: string): string {
  return path.relative(from, to).split(path.sep).join('/') || '.';
}

export function runInit(dirArg: string, opts: InitOptions): number {
  const dir = path.resolve(dirArg);
  const module = opts.module ?? path.basename(dir).replace(/[^A-Za-z0-9_]/g, '_');
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(module))
    throw new UsageError(`the module name ${JSON.stringify(module)} is not a C identifier; name one with --module`);
  if (fs.existsSync(dir) && !fs.statSync(dir).isDirectory()) throw new UsageError(`${dirArg} is not a folder`);
  const kernelDir = path.join(dir, 'kernel');
  const view = {
    module,
    upper: module.toUpperCase(),
    device: `mdidl-${module.replace(/_/g, '-')}`,
    schema: JSON.stringify(rel(dir, path.join(PACKAGE_ROOT, 'compiler', 'config.schema.json'))),
    idl: JSON.stringify(`${module}.mdl`),
    header: JSON.stringify(`${module}.h`),
    include: JSON.stringify(rel(dir, path.join(PACKAGE_ROOT, 'include'))),
    runtime: rel(kernelDir, path.join(PACKAGE_ROOT, 'runtime', 'c')),
  };
  if (/\s/.test(view.runtime)) throw new UsageError(`make cannot take a path with spaces: ${view.runtime}; install mdidl under a path without them`);
  const render = createRenderer('init');
  const files: { file: string; template: string }[] = [
    { file: 'mdidl.config.json', template: 'config' },
    { file: `${module}.h`, template: 'header' },
    { file: `kernel/${module}_main.c`, template: 'main' },
    { file: 'kernel/Kbuild', template: 'kbuild' },
    { file: 'kernel/Makefile', template: 'makefile' },
    { file: 'kernel/.gitignore', template: 'gitignore' },
    { file: '.github/workflows/mdidl.yml', template: 'ci' },
  ];
  const existing = files.filter((f) => fs.existsSync(path.join(dir, f.file)));
  if (existing.length && !opts.force)
    throw new UsageError(`init would overwrite ${existing.map((f) => displayPath(path.join(dir, f.file))).join(', ')}; use --force to replace them`);
  const rendered = files.map((f) => ({ file: path.join(dir, f.file), text: render(f.template, view) }));
  // Folders first: a file in the way or a folder that cannot be written stops the run before any
  // file is written.
  const fail = (file: string, e: unknown): number => {
    process.stderr.write(`mdidl: error: cannot write ${displayPath(file)}: ${(e as Error).message}\n`);
    return EXIT_INPUT;
  };
  for (const r of rendered) {
    try {
      fs.mkdirSync(path.dirname(r.file), { recursive: true });
      fs.accessSync(path.dirname(r.file), fs.constants.W_OK);
    } catch (e) {
      return fail(r.file, e);
    }
  }
  for (const r of rendered) {
    try {
      writeFileAtomic(r.file, r.text);
    } catch (e) {
      return fail(r.file, e);
    }
    verbose(`mdidl init: wrote ${displayPath(r.file)}`);
  }
  note(
    `mdidl init: ${module} is ready in ${displayPath(dir) || '.'}. Next: edit ${module}.h, then\n` +
      `  mdidl lower && mdidl compile && mdidl check     # the IDL, the stubs, and that they agree\n` +
      `  make -C kernel KDIR=/lib/modules/$(uname -r)/build   # the k-driver module`,
  );
  return EXIT_OK;
}
