// `mdidl diff` as a library: two versions of an interface (files, folders, or the working tree and
// a git revision) are each loaded with their imports and checked, then compared on the checked IR
// (compare.ts) and on the text (cosmetic.ts). docs/diff.md states the rules.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Abi } from '../../idl/checker/types.js';
import { defaultDisplayName, type Program } from '../../idl/program.js';
import type { IrProgram } from '../ir/types.js';
import { frontEnd, type FrontEndResult } from '../pipeline.js';
import type { Change } from './change.js';
import { compareIr } from './compare.js';
import { cosmeticChanges } from './cosmetic.js';
import { GitError, GitRevision } from './git.js';

export { type Change, type ChangeClass, CLASSES, type FailOn, FAIL_ON_CHOICES, fails, countByClass } from './change.js';
export { compareIr } from './compare.js';
export { cosmeticChanges } from './cosmetic.js';
export { GitError, GitRevision } from './git.js';
export type { DiffReport } from './report.js';
export { renderText } from './render-text.js';
export { renderMarkdown } from './render-markdown.js';
export { renderJson, DIFF_JSON_FORMAT } from './render-json.js';

/** The wrong arguments, a missing file, a bad revision: the caller turns it into a usage error. */
export class DiffUsageError extends Error {}

export interface DiffSide {
  program: Program;
  ir: IrProgram;
}

/** Every change from `old` to `nu`: the IR's, then the text's (comments, formatting). */
export function diff(old: DiffSide, nu: DiffSide): Change[] {
  const semantic = compareIr(old.ir, nu.ir);
  return [...semantic, ...cosmeticChanges(old.program, nu.program, semantic)];
}

/** One version to load: its input files and where their text (and their imports' text) comes from. */
export interface SideSpec {
  label: string;
  /** Absolute paths. */
  inputs: string[];
  readFile?: (abs: string) => string | null;
  displayName?: (abs: string) => string;
}

export interface LoadOptions {
  includePaths: string[];
  abi: Abi;
}

export function loadSide(spec: SideSpec, opts: LoadOptions): FrontEndResult {
  return frontEnd(spec.inputs, {
    includePaths: opts.includePaths,
    abi: opts.abi,
    ...(spec.readFile ? { readFile: spec.readFile } : {}),
    ...(spec.displayName ? { displayName: spec.displayName } : {}),
  });
}

/** `mdidl diff OLD NEW`: two files (each with its imports) or two folders (every .mdl file in each). */
export function pathSides(oldArg: string, newArg: string, cwd: string = process.cwd()): [SideSpec, SideSpec] {
  const kind = (arg: string): 'file' | 'dir' => {
    let st: fs.Stats;
    try {
      st = fs.statSync(path.resolve(cwd, arg));
    } catch {
      throw new DiffUsageError(`no such file or folder: ${arg}`);
    }
    return st.isDirectory() ? 'dir' : 'file';
  };
  const ko = kind(oldArg);
  const kn = kind(newArg);
  if (ko !== kn) throw new DiffUsageError(`compare a file with a file or a folder with a folder (${oldArg} is a ${ko}, ${newArg} a ${kn})`);
  const inputs = (arg: string, k: 'file' | 'dir'): string[] => {
    const abs = path.resolve(cwd, arg);
    if (k === 'file') return [abs];
    const found = walkMdl(abs);
    if (!found.length) throw new DiffUsageError(`no .mdl files in ${arg}`);
    return found;
  };
  return [
    { label: oldArg, inputs: inputs(oldArg, ko) },
    { label: newArg, inputs: inputs(newArg, kn) },
  ];
}

/**
 * `mdidl diff --against REV FILES...`: the files as they are in the working tree against the same
 * paths at REV. A folder stands for its .mdl files on each side; a file that exists on one side only
 * was added or deleted, and its declarations are reported as such.
 */
export function gitSides(rev: string, args: string[], cwd: string = process.cwd()): [SideSpec, SideSpec] {
  let repo: GitRevision;
  try {
    repo = GitRevision.open(rev, cwd);
  } catch (e) {
    if (e instanceof GitError) throw new DiffUsageError(e.message);
    throw e;
  }
  const oldInputs: string[] = [];
  const newInputs: string[] = [];
  const push = (list: string[], items: string[]): void => {
    for (const i of items) if (!list.includes(i)) list.push(i);
  };
  for (const arg of args) {
    const abs = path.resolve(cwd, arg);
    let st: fs.Stats | null = null;
    try {
      st = fs.statSync(abs);
    } catch {
      st = null;
    }
    const inTree = st !== null;
    const inRev = repo.hasFolder(abs) || repo.has(abs);
    if (!inTree && !inRev) throw new DiffUsageError(`no such file or folder: ${arg} (neither in the working tree nor at ${rev})`);
    if (st?.isDirectory()) push(newInputs, walkMdl(abs));
    else if (st) push(newInputs, [abs]);
    if (repo.hasFolder(abs)) push(oldInputs, repo.filesUnder(abs, '.mdl'));
    else if (repo.has(abs)) push(oldInputs, [abs]);
  }
  const display = (abs: string): string => defaultDisplayName(abs);
  return [
    { label: rev, inputs: oldInputs, readFile: (abs) => repo.read(abs), displayName: (abs) => `${rev}:${display(abs)}` },
    { label: 'working tree', inputs: newInputs },
  ];
}

/** The .mdl files under a folder, sorted, skipping hidden folders and node_modules (as `fmt` does). */
function walkMdl(dir: string): string[] {
  const out: string[] = [];
  const entries = fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const e of entries) {
    if (e.name === 'node_modules' || e.name.startsWith('.')) continue;
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...walkMdl(p));
    else if (e.name.endsWith('.mdl')) out.push(p);
  }
  return out;
}
