// The driver as one program: the LLVM modules of its translation units linked by name (a static
// function stays private to its unit), each function classified as the driver's own code (defined in
// a file under the driver's folder), a kernel header's inline function (`library`: each side has its
// own copy), or a kernel service (declared only: it lives in the kernel).
import * as path from 'node:path';
import type { LlFunction, LlModule } from './ll-reader.js';
import { Layouts } from './ll-types.js';

export type FnKind = 'own' | 'library' | 'kernel';

export interface Fn {
  /** Unique key: the name, or `name@unit` for a static function whose name another unit also defines. */
  key: string;
  name: string;
  kind: FnKind;
  ll: LlFunction;
  module: LlModule;
  /** Source file relative to the driver's folder (own functions), else the header's path. */
  file: string;
  line: number;
  /** Lines of the body (first to last line with code), 0 for kernel services. */
  lines: number;
}

export interface Program {
  fns: Map<string, Fn>;
  modules: LlModule[];
  layouts: Map<LlModule, Layouts>;
  /** The driver's folder, which display paths are relative to. */
  dir: string;
  /** The driver's own source files (display paths). */
  ownFiles: Set<string>;
  /** The call target of `name` as seen from `unit`. */
  resolve(name: string, module: LlModule): Fn | undefined;
}

export function linkProgram(modules: LlModule[], dir: string): Program {
  const fns = new Map<string, Fn>();
  const perModule = new Map<LlModule, Map<string, Fn>>();
  const globalDefs = new Map<string, Fn>();
  const ownFiles = new Set<string>();
  const layouts = new Map<LlModule, Layouts>();
  const inDir = (abs: string): boolean => abs.startsWith(dir + path.sep);
  const display = (abs: string): string => (inDir(abs) ? path.relative(dir, abs).split(path.sep).join('/') : headerPath(abs));

  const defined = new Map<string, number>();
  for (const m of modules) for (const f of m.functions.values()) if (f.defined) defined.set(f.name, (defined.get(f.name) ?? 0) + 1);

  for (const m of modules) {
    layouts.set(m, new Layouts(m.structs));
    const local = new Map<string, Fn>();
    perModule.set(m, local);
    for (const f of m.functions.values()) {
      if (!f.defined) continue;
      const abs = m.debug.fileOf(f.dbg) ?? '';
      const own = abs !== '' && inDir(path.resolve(abs));
      const kind: FnKind = own ? 'own' : 'library';
      const file = abs ? display(path.resolve(abs)) : '';
      if (own) ownFiles.add(file);
      // A header's inline function is the same everywhere: one copy. A static driver function whose
      // name another unit defines too gets the unit in its key.
      if (kind === 'library' && fns.has(f.name) && fns.get(f.name)!.kind === 'library') {
        local.set(f.name, fns.get(f.name)!);
        continue;
      }
      const key = (defined.get(f.name) ?? 0) > 1 && f.linkage === 'internal' && kind === 'own' ? `${f.name}@${f.unit}` : f.name;
      const fn: Fn = { key, name: f.name, kind, ll: f, module: m, file, line: f.firstLine, lines: f.firstLine ? f.lastLine - f.firstLine + 1 : 0 };
      fns.set(key, fn);
      local.set(f.name, fn);
      if (f.linkage !== 'internal' && f.linkage !== 'private') globalDefs.set(f.name, fn);
    }
  }
  // Kernel services: declared but defined nowhere.
  for (const m of modules) {
    for (const f of m.functions.values()) {
      if (f.defined || fns.has(f.name) || f.name.startsWith('llvm.')) continue;
      fns.set(f.name, { key: f.name, name: f.name, kind: 'kernel', ll: f, module: m, file: '', line: 0, lines: 0 });
    }
  }
  const resolve = (name: string, module: LlModule): Fn | undefined => {
    const local = perModule.get(module)?.get(name);
    if (local) return local;
    return globalDefs.get(name) ?? (fns.get(name)?.kind === 'kernel' ? fns.get(name) : fns.get(name));
  };
  return { fns, modules, layouts, dir, ownFiles, resolve };
}

/** A kernel header's path as written in an #include (machine-independent). */
function headerPath(abs: string): string {
  const norm = abs.split(path.sep).join('/');
  const i = norm.lastIndexOf('/include/');
  return i >= 0 ? norm.slice(i + '/include/'.length) : path.basename(norm);
}
