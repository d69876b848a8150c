// The C backends: c-kernel prints the module header and the k-driver's stubs, c-user the same
// header and the u-driver's. One model (view.ts) serves both; the side decides which functions
// are called and which are served.
import { bannerLines, DEFAULT_LICENSE } from '../banner.js';
import { createRenderer } from '../render.js';
import type { Backend, BackendContext, GeneratedFile } from '../types.js';
import { CModel, type Side } from './view.js';
import type { IrProgram } from '../../ir/types.js';

function generate(side: Side, ir: IrProgram, ctx: BackendContext): GeneratedFile[] {
  const target = side === 'kernel' ? 'c-kernel' : 'c-user';
  const render = createRenderer(target, ctx.templatesDir, 'c');
  const banner = bannerLines(ctx.sources, ctx.version);
  const model = modelOf(ir);
  const license = ctx.license ?? DEFAULT_LICENSE;
  const userLayout = ctx.userLayout ?? 'idl';
  const header = `${model.prefix}.h`;
  return [
    { path: header, content: render('header', model.header(banner, side, { license, kernelIncludes: ctx.kernelIncludes ?? [], userLayout })) },
    { path: `${model.prefix}_${side}.c`, content: render('source', model.source(side, banner, header, license, userLayout)) },
  ];
}

/**
 * One model per IR, shared by c-kernel and c-user: a compile generates both from the same IR, and
 * what the model prints for one side that the other prints alike is printed once. An IR is never
 * changed once built (compiler/ir/build.ts), so a model stays valid as long as its IR lives.
 */
const models = new WeakMap<IrProgram, CModel>();

function modelOf(ir: IrProgram): CModel {
  let model = models.get(ir);
  if (!model) {
    model = new CModel(ir);
    models.set(ir, model);
  }
  return model;
}

export const cKernelBackend: Backend = { target: 'c-kernel', generate: (ir, ctx) => generate('kernel', ir, ctx) };
export const cUserBackend: Backend = { target: 'c-user', generate: (ir, ctx) => generate('user', ir, ctx) };
