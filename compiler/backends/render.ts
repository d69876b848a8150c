// Handlebars, set up for printing code: no HTML escaping, strict (a template naming a field the
// view model lacks is a bug, reported, not printed as empty), partials from files named `_x.hbs`.
// Templates stay logic-free; the view models hand them ready-made strings and lists.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import Handlebars from 'handlebars';
import type { Diagnostic } from '../../idl/diagnostics.js';
import { readInput } from '../../idl/read-input.js';

/** The package's templates folder: compiled JS runs from dist/compiler/backends/. */
export const BUILTIN_TEMPLATES = new URL('../../../templates/', import.meta.url);

export type Render = (template: string, view: object) => string;

/** A broken template (a user's override, usually): reported as `file:line:col: error: ...`. */
export class TemplateError extends Error {
  constructor(
    readonly diagnostic: Diagnostic,
    readonly source: string,
  ) {
    super(diagnostic.message);
  }
}

const COMPILE_OPTIONS = { noEscape: true, strict: true, preventIndent: false } as const;

/**
 * Renderers of the package's own templates, by backend and shared folder: they are files of the
 * installed package, the same for the life of a process, so each is read, checked and compiled
 * once instead of at every compile. A templates folder of the user's is read afresh every time.
 */
const builtinRenderers = new Map<string, Render>();

/** `shared` names a templates folder whose partials several backends print through (c-kernel, c-user). */
export function createRenderer(backend: string, overrideDir?: string, shared?: string): Render {
  if (overrideDir !== undefined) return newRenderer(backend, overrideDir, shared);
  const key = `${backend}\0${shared ?? ''}`;
  let render = builtinRenderers.get(key);
  if (!render) {
    render = newRenderer(backend, undefined, shared);
    builtinRenderers.set(key, render);
  }
  return render;
}

function newRenderer(backend: string, overrideDir?: string, shared?: string): Render {
  const hb = Handlebars.create();
  if (overrideDir === undefined) hb.registerHelper('each', plainEach(hb.helpers['each'] as Handlebars.HelperDelegate));
  const builtin = path.join(fileURLToPath(BUILTIN_TEMPLATES), backend);
  if (overrideDir !== undefined) {
    const st = fs.statSync(overrideDir, { throwIfNoEntry: false });
    if (!st?.isDirectory()) throw templateError(overrideDir, '', `templates folder '${overrideDir}' ${st ? 'is not a folder' : 'does not exist'}`, null);
  }
  const load = (file: string): { file: string; text: string } => {
    const r = readInput(file);
    if ('problem' in r) throw templateError(file, '', `cannot read template '${file}': ${r.problem}`, null);
    return { file, text: r.text };
  };
  const read = (name: string): { file: string; text: string } => {
    const custom = overrideDir ? path.join(overrideDir, backend, name) : null;
    if (custom && fs.existsSync(custom)) return load(custom);
    const flat = overrideDir ? path.join(overrideDir, name) : null;
    if (flat && fs.existsSync(flat)) return load(flat);
    return load(path.join(builtin, name));
  };
  const partialDirs = shared ? [path.join(fileURLToPath(BUILTIN_TEMPLATES), shared), builtin] : [builtin];
  const partials: { name: string; file: string; text: string }[] = [];
  for (const dir of partialDirs) {
    for (const file of fs.readdirSync(dir).sort()) {
      if (!file.startsWith('_') || !file.endsWith('.hbs')) continue;
      // An override (per backend or flat) wins over the shared and built-in partials alike.
      const custom = overrideDir ? [path.join(overrideDir, backend, file), path.join(overrideDir, file)].find((f) => fs.existsSync(f)) : undefined;
      partials.push({ name: file.slice(1, -4), ...load(custom ?? path.join(dir, file)) });
    }
  }
  const names = new Set(partials.map((p) => p.name));
  // @index, @first and the like need a data frame per {{#each}} and per iteration; the package's
  // own templates name none (no '@' in them), so theirs is skipped. A user's templates keep it.
  const data = (text: string): boolean => overrideDir !== undefined || partials.some((p) => p.text.includes('@')) || text.includes('@');
  for (const p of partials) {
    checkTemplate(hb, p.file, p.text, names);
    const compiled = hb.compile(p.text, { ...COMPILE_OPTIONS, data: data(p.text) });
    // Precompiled and wrapped, so an error inside a partial names the partial's file, not the caller's.
    hb.registerPartial(p.name, ((context: unknown, options: unknown) => {
      try {
        return compiled(context, options as RuntimeOptions);
      } catch (e) {
        throw located(e, p.file, p.text);
      }
    }) as unknown as HandlebarsTemplateDelegate);
  }
  const cache = new Map<string, { run: HandlebarsTemplateDelegate; file: string; text: string }>();
  return (template, view) => {
    let t = cache.get(template);
    if (!t) {
      const src = read(`${template}.hbs`);
      checkTemplate(hb, src.file, src.text, names);
      t = { run: hb.compile(src.text, { ...COMPILE_OPTIONS, data: data(src.text) }), ...src };
      cache.set(template, t);
    }
    try {
      return t.run(view);
    } catch (e) {
      throw located(e, t.file, t.text);
    }
  };
}

type RuntimeOptions = Parameters<HandlebarsTemplateDelegate>[1];

/**
 * {{#each}} over an array for the package's own templates, which name no @index and declare no
 * block parameters: the body once per element, as Handlebars' helper does, without the data frame
 * and block-parameter arrays it builds per element (the C sources iterate tens of thousands of
 * blocks). Anything else (an object, @data, block parameters) goes to Handlebars' own helper.
 */
function plainEach(each: Handlebars.HelperDelegate): Handlebars.HelperDelegate {
  return function (this: unknown, context: unknown, options: Handlebars.HelperOptions): string {
    const fn = options.fn as Handlebars.TemplateDelegate & { blockParams?: number };
    if (!Array.isArray(context) || options.data || fn.blockParams) return each.call(this, context, options) as string;
    let out = '';
    for (let i = 0; i < context.length; i++) if (i in context) out += fn(context[i]);
    return context.length ? out : options.inverse(this);
  };
}

/** Parses a template and checks every partial it names exists, so both fail at a line and column. */
function checkTemplate(hb: typeof Handlebars, file: string, text: string, partials: Set<string>): void {
  let ast: hbs.AST.Program;
  try {
    ast = hb.parse(text);
  } catch (e) {
    const m = /^Parse error on line (\d+):/.exec((e as Error).message);
    const detail = (e as Error).message.split('\n').pop() ?? '';
    throw templateError(file, text, `template syntax error: ${detail}`, m ? { line: Number(m[1]), column: 1 } : null);
  }
  const work: unknown[] = [ast];
  while (work.length) {
    const node = work.pop();
    if (Array.isArray(node)) {
      for (const n of node) work.push(n);
      continue;
    }
    if (!node || typeof node !== 'object') continue;
    const n = node as { type?: string; name?: { type?: string; original?: unknown }; loc?: { start: { line: number; column: number } } };
    if ((n.type === 'PartialStatement' || n.type === 'PartialBlockStatement') && n.name?.type !== 'SubExpression') {
      const name = String(n.name?.original ?? '');
      if (!partials.has(name))
        throw templateError(file, text, `partial '${name}' does not exist (partials: ${[...partials].sort().join(', ') || 'none'})`, n.loc ? { line: n.loc.start.line, column: n.loc.start.column + 1 } : null);
    }
    for (const key of ['body', 'program', 'inverse']) work.push((node as Record<string, unknown>)[key]);
  }
}

/** Handlebars runtime errors carry "- line:col" (0-based column); the innermost file wins. */
function located(e: unknown, file: string, text: string): Error {
  if (e instanceof TemplateError) return e;
  const err = e as Error & { lineNumber?: number; column?: number };
  if (!(err instanceof Error)) return err;
  if (/Maximum call stack/.test(err.message)) return templateError(file, text, 'template recursion too deep', null);
  const message = err.message.replace(/ - \d+:\d+$/, '').replace(/ in \[object Object\]| in undefined/, ' in the view model');
  const at = typeof err.lineNumber === 'number' ? { line: err.lineNumber, column: (err.column ?? 0) + 1 } : null;
  return templateError(file, text, `template error: ${message}`, at);
}

function templateError(file: string, text: string, message: string, at: { line: number; column: number } | null): TemplateError {
  const line = at?.line ?? 1;
  const column = at?.column ?? 1;
  let offset = 0;
  for (let l = 1; l < line; l++) {
    const nl = text.indexOf('\n', offset);
    if (nl < 0) break;
    offset = nl + 1;
  }
  offset += column - 1;
  return new TemplateError(
    { severity: 'error', code: 'template', message, loc: { file, line, column, offset, endOffset: offset + 1, endLine: line, endColumn: column + 1 } },
    text,
  );
}
