// Generating the C backends' files for a test IDL into a temporary folder, and the corpus of
// IDLs every C test covers: the round-trip corpus, the samples, and the other test IDLs of the
// repository (lower's goldens, diff's fixtures).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { cKernelBackend, cUserBackend } from '../../compiler/backends/c/index.js';
import { frontEnd } from '../../compiler/pipeline.js';
import { ROOT } from './vectors.js';

export interface GeneratedC {
  prefix: string;
  dir: string;
  kernelC: string;
  userC: string;
  header: string;
}

/** The IDL files (relative to the repository root) the C tests build, each a separate program. */
export function cCorpus(): string[] {
  const fromDir = (dir: string, pred: (f: string) => boolean): string[] =>
    fs.existsSync(path.join(ROOT, dir)) ? fs.readdirSync(path.join(ROOT, dir)).filter(pred).sort().map((f) => `${dir}/${f}`) : [];
  const diffDirs = fs.readdirSync(path.join(ROOT, 'test/diff/fixtures')).sort();
  const diff = diffDirs.flatMap((d) =>
    ['old.mdl', 'new.mdl', 'old/drv.mdl', 'new/drv.mdl'].map((f) => `test/diff/fixtures/${d}/${f}`).filter((f) => fs.existsSync(path.join(ROOT, f))),
  );
  return [
    ...fromDir('test/c/corpus', (f) => f.endsWith('.mdl')),
    'samples/nic/nic.mdl',
    'samples/rtl8139/rtl8139.mdl',
    ...fromDir('test/lower/fixtures/lower/golden', (f) => f.endsWith('.mdl')),
    ...diff,
  ];
}

/** Generates both flavours of one IDL file (relative to the root) into `dir`. */
export function generateC(idl: string, dir: string): GeneratedC {
  const fe = frontEnd([path.join(ROOT, idl)]);
  if (!fe.ir) throw new Error(`${idl} does not check: ${fe.diagnostics.map((d) => d.message).join('; ')}`);
  const ctx = { sources: [idl], version: 'test' };
  fs.mkdirSync(dir, { recursive: true });
  const files = [...cKernelBackend.generate(fe.ir, ctx), ...cUserBackend.generate(fe.ir, ctx)];
  for (const f of files) fs.writeFileSync(path.join(dir, f.path), f.content);
  const kernelC = files.find((f) => f.path.endsWith('_kernel.c'))!.path;
  return {
    prefix: kernelC.replace(/_kernel\.c$/, ''),
    dir,
    kernelC: path.join(dir, kernelC),
    userC: path.join(dir, files.find((f) => f.path.endsWith('_user.c'))!.path),
    header: path.join(dir, files.find((f) => f.path.endsWith('.h'))!.path),
  };
}

export function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}
