// Creating an output folder and its parents one component at a time, so every failure names the
// component that is in the way. fs.mkdirSync({ recursive: true }) gives ENOTDIR without saying
// which part is a file, and under /proc it retries forever.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { OutputError, describeFsError, showPath } from './errors.js';

/** Makes `dir` (absolute) exist as a folder, creating missing parents; OutputError if it cannot. */
export function makeDirs(dir: string, what: string): void {
  const missing: string[] = [];
  let cur = dir;
  for (;;) {
    const st = statOrNull(cur, what);
    if (st) {
      if (!st.isDirectory()) throw new OutputError(`cannot write ${what}: '${showPath(cur)}' is not a folder`);
      break;
    }
    const parent = path.dirname(cur);
    missing.push(cur);
    if (parent === cur) break;
    cur = parent;
  }
  for (let i = missing.length - 1; i >= 0; i--) {
    const d = missing[i]!;
    try {
      fs.mkdirSync(d);
    } catch (e) {
      // Another process may have made it meanwhile; anything else is a real failure.
      if ((e as NodeJS.ErrnoException).code === 'EEXIST' && fs.statSync(d).isDirectory()) continue;
      throw new OutputError(`cannot write ${what}: cannot create folder '${showPath(d)}': ${describeFsError(e)}`);
    }
    // Some file systems (/proc, /sys) accept nothing yet report oddly; check it really is there.
    const st = statOrNull(d, what);
    if (!st?.isDirectory()) throw new OutputError(`cannot write ${what}: folder '${showPath(d)}' could not be created`);
  }
}

export function statOrNull(p: string, what: string): fs.Stats | null {
  try {
    return fs.statSync(p);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return null;
    if (code === 'ENOTDIR') {
      const file = firstNonFolder(p);
      if (file) throw new OutputError(`cannot write ${what}: '${showPath(file)}' is a file, not a folder`);
    }
    throw new OutputError(`cannot write ${what}: '${showPath(p)}': ${describeFsError(e)}`);
  }
}

/** The ancestor of `p` that exists and is not a folder: what ENOTDIR complains about. */
function firstNonFolder(p: string): string | null {
  const chain: string[] = [];
  for (let cur = path.dirname(p); ; cur = path.dirname(cur)) {
    chain.push(cur);
    if (path.dirname(cur) === cur) break;
  }
  for (let i = chain.length - 1; i >= 0; i--) {
    try {
      if (!fs.statSync(chain[i]!).isDirectory()) return chain[i]!;
    } catch {
      return null;
    }
  }
  return null;
}
