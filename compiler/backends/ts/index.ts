// The TypeScript backend: declarations of every IDL type for the simulated split driver.
import { bannerLines, DEFAULT_LICENSE } from '../banner.js';
import { createRenderer } from '../render.js';
import type { Backend } from '../types.js';
import { planOf, planSource } from './plan.js';
import { stubsView } from './stubs-view.js';
import { typesView } from './types-view.js';

/** Where generated code imports the runtime from; the package exports it under this name. */
export const RUNTIME_IMPORT = 'mdidl/runtime';

export const tsBackend: Backend = {
  target: 'ts',
  generate(ir, ctx) {
    const render = createRenderer('ts', ctx.templatesDir);
    // The same SPDX licence as the C files, as the first banner line (`// SPDX-License-Identifier: MIT`).
    const banner = [`SPDX-License-Identifier: ${ctx.license ?? DEFAULT_LICENSE}`, ...bannerLines(ctx.sources, ctx.version)];
    // One self-contained file per program, named after its first input module: what it imports
    // (the kernel's types) is declared in it too, so it compiles on its own.
    const first = ir.modules.find((m) => m.input) ?? ir.modules[0];
    if (!first) return [];
    const plan = planSource(planOf(ir, first.name, first.version));
    return [
      { path: `${first.name}.types.ts`, content: render('types', typesView(ir, banner, RUNTIME_IMPORT)) },
      { path: `${first.name}.plan.ts`, content: render('plan', { banner, runtimeImport: RUNTIME_IMPORT, module: first.name, plan }) },
      { path: `${first.name}.stubs.ts`, content: render('stubs', stubsView(ir, banner, RUNTIME_IMPORT, `${first.name}.types.js`)) },
    ];
  },
};
