// Handlebars, set up for printing code: no HTML escaping, strict (a template naming a field the
// view model lacks is a bug, reported, not printed as empty), partials from files named `_x.hbs`.
// Templates stay logic-free; the view models hand them ready-made strings and lists.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import Handlebars from 'handlebars';

/** The package's templates folder: compiled JS runs from dist/compiler/backends/. */
export const BUILTIN_TEMPLATES = new URL('../../../templates/', import.meta.url);

export type Render = (template: string, view: object) => string;

/** `shared` names a templates folder whose partials several backends print through (c-kernel, c-user). */
export function createRenderer(backend: string, overrideDir?: string, shared?: string): Render {
  const hb = Handlebars.create();
  const builtin = path.join(fileURLToPath(BUILTIN_TEMPLATES), backend);
  const read = (name: string): string => {
    const custom = overrideDir ? path.join(overrideDir, backend, name) : null;
    if (custom && fs.existsSync(custom)) return fs.readFileSync(custom, 'utf8');
    const flat = overrideDir ? path.join(overrideDir, name) : null;
    if (flat && fs.existsSync(flat)) return fs.readFileSync(flat, 'utf8');
    return fs.readFileSync(path.join(builtin, name), 'utf8');
  };
  const partialDirs = shared ? [path.join(fileURLToPath(BUILTIN_TEMPLATES), shared), builtin] : [builtin];
  for (const dir of partialDirs) {
    for (const file of fs.readdirSync(dir).sort()) {
      if (!file.startsWith('_') || !file.endsWith('.hbs')) continue;
      // An override (per backend or flat) wins over the shared and built-in partials alike.
      const custom = overrideDir ? [path.join(overrideDir, backend, file), path.join(overrideDir, file)].find((f) => fs.existsSync(f)) : undefined;
      hb.registerPartial(file.slice(1, -4), fs.readFileSync(custom ?? path.join(dir, file), 'utf8'));
    }
  }
  const cache = new Map<string, HandlebarsTemplateDelegate>();
  return (template, view) => {
    let t = cache.get(template);
    if (!t) {
      t = hb.compile(read(`${template}.hbs`), { noEscape: true, strict: true, preventIndent: false });
      cache.set(template, t);
    }
    return t(view);
  };
}
