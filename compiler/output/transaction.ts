// All-or-nothing replacement of the generated files of several output folders at once (the
// protocol and what a kill at each step leaves are in docs/output.md).
//
// 1. recover: a staging folder left by an interrupted run is finished (committed) or deleted (not).
// 2. stage: every new file is written into a staging folder next to its output folder
//    (`<parent>/.<name>.mdidl-staging/`) with a manifest of where each goes; output folders and
//    the folders inside them are created and checked (nothing in the way) before anything commits.
// 3. commit: one file, COMMIT, appears atomically (rename) in the first staging folder.
// 4. apply: staged files are renamed into place, files to remove are removed, staging folders are
//    deleted, the first one last. Renames are idempotent, so a run that finds a committed staging
//    folder simply does step 4 again.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { OutputError, describeFsError, showPath } from './errors.js';
import { makeDirs, statOrNull } from './mkdirs.js';

export { OutputError } from './errors.js';

/** Points between which a run can be killed; tests kill a child process at each to check recovery. */
export type WriteStep = 'staged-set' | 'committed' | 'moved-file' | 'removed-file' | 'finished-set';

export interface OutputSet {
  /** The output folder. */
  dir: string;
  /** What the user calls it in messages, e.g. "target 'ts'". */
  label: string;
  /** Files to create or replace, relative to dir with forward slashes. */
  files: { path: string; content: string }[];
  /** Files to delete, relative to dir. */
  remove?: string[];
}

interface Manifest {
  version: 1;
  /** The staging folder whose COMMIT decides the whole set. */
  primary: string;
  /** Every staging folder of the run, the primary first. */
  members: string[];
  dir: string;
  writes: { staged: string; path: string }[];
  removes: string[];
}

const STAGING_SUFFIX = '.mdidl-staging';
const MANIFEST = 'manifest.json';
const COMMIT = 'COMMIT';
const OWNER = 'owner';

export function stagingDirOf(dir: string): string {
  const abs = path.resolve(dir);
  return path.join(path.dirname(abs), `.${path.basename(abs)}${STAGING_SUFFIX}`);
}

/** Staging folders an interrupted run left next to these output folders. */
export function pendingStaging(dirs: string[]): string[] {
  return dirs.map(stagingDirOf).filter((s) => {
    try {
      return fs.lstatSync(s).isDirectory();
    } catch {
      return false;
    }
  });
}

/** Finishes what an interrupted run committed and deletes what it had not; see the file comment.
 * A committed run is finished in every folder it staged, not only in the ones asked about. */
export function recoverOutputs(dirs: string[]): void {
  for (const staging of pendingStaging(dirs)) {
    if (!exists(staging)) continue; // finished along with an earlier one
    const owner = liveOwner(staging);
    if (owner !== null)
      throw new OutputError(`another mdidl run (process ${owner}) is writing next to '${showPath(staging)}'; wait for it to finish`);
    const manifest = readManifest(staging);
    if (!manifest || !exists(path.join(manifest.primary, COMMIT))) {
      removeTree(staging);
      continue;
    }
    const primary = readManifest(manifest.primary);
    const members = (primary?.members ?? [staging]).filter((m) => exists(m));
    const found = members.map((m) => ({ staging: m, manifest: readManifest(m) }));
    for (const f of found) if (f.manifest) apply(f.staging, f.manifest);
    finish(members, manifest.primary);
  }
}

/** Deletes the staging folders of a finished run; the primary holds the decision, so it goes last. */
function finish(members: string[], primary: string, step?: (s: WriteStep) => void): void {
  for (const m of members)
    if (m !== primary) {
      removeTree(m);
      step?.('finished-set');
    }
  removeTree(primary);
  step?.('finished-set');
}

/** Replaces the files of every set, all or none. OutputError (with nothing changed) when an output
 * cannot be written; after the commit point an error says the next run will finish the job. */
export function writeOutputs(sets: OutputSet[], opts: { onStep?: (step: WriteStep) => void } = {}): void {
  const step = opts.onStep ?? ((): void => {});
  if (sets.length === 0) return;
  assertDisjoint(sets);
  recoverOutputs(sets.map((s) => s.dir));
  const stagings: string[] = [];
  const manifests: Manifest[] = [];
  try {
    const members = sets.map((s) => stagingDirOf(s.dir));
    for (const set of sets) {
      const { staging, manifest } = stage(set, members);
      stagings.push(staging);
      manifests.push(manifest);
      step('staged-set');
    }
  } catch (e) {
    for (const s of stagings) removeTree(s);
    throw e;
  }
  // The commit point.
  const primary = stagings[0]!;
  try {
    writeDurably(path.join(primary, COMMIT), 'committed\n');
    step('committed');
  } catch (e) {
    for (const s of stagings) removeTree(s);
    throw new OutputError(`cannot write ${sets[0]!.label}: cannot commit in '${showPath(primary)}': ${describeFsError(e)}`);
  }
  try {
    stagings.forEach((s, i) => apply(s, manifests[i]!, step));
    finish(stagings, primary, step);
  } catch (e) {
    throw new OutputError(
      `writing the generated files was interrupted (${describeFsError(e)}); the new files are staged in ` +
        `'${showPath(primary)}' and the next 'mdidl compile' or 'mdidl check --fix' puts them in place`,
    );
  }
}

function stage(set: OutputSet, members: string[]): { staging: string; manifest: Manifest } {
  const what = `${set.label} to '${showPath(set.dir)}'`;
  const dir = path.resolve(set.dir);
  makeDirs(dir, what);
  // Every folder a file goes into exists and nothing is in the way of any file, before the commit.
  for (const f of set.files) {
    const target = path.join(dir, ...f.path.split('/'));
    makeDirs(path.dirname(target), what);
    const st = statOrNull(target, what);
    if (st && !st.isFile()) throw new OutputError(`cannot write ${what}: '${showPath(target)}' is in the way (not a regular file)`);
  }
  const staging = stagingDirOf(dir);
  try {
    fs.mkdirSync(staging);
  } catch (e) {
    const how = (e as NodeJS.ErrnoException).code === 'EEXIST' ? 'another mdidl run is writing there' : describeFsError(e);
    throw new OutputError(`cannot write ${what}: cannot create staging folder '${showPath(staging)}': ${how}`);
  }
  // Claimed at once, so a concurrent run's recovery leaves this folder alone (see liveOwner).
  fs.writeFileSync(path.join(staging, OWNER), `${process.pid} ${startTime(process.pid) ?? ''}\n`);
  // A rename only moves a file within one file system: an output folder that is a mount point
  // cannot be staged next to.
  if (fs.statSync(staging).dev !== fs.statSync(dir).dev) {
    removeTree(staging);
    throw new OutputError(`cannot write ${what}: it is a mount point, so files cannot be moved into it atomically from '${showPath(path.dirname(dir))}'`);
  }
  const manifest: Manifest = { version: 1, primary: members[0]!, members, dir, writes: [], removes: set.remove ?? [] };
  try {
    set.files.forEach((f, i) => {
      const staged = `${i}`;
      writeDurably(path.join(staging, staged), f.content);
      manifest.writes.push({ staged, path: f.path });
    });
    writeDurably(path.join(staging, MANIFEST), JSON.stringify(manifest));
  } catch (e) {
    throw new OutputError(`cannot write ${what}: cannot stage the files in '${showPath(staging)}': ${describeFsError(e)}`);
  }
  return { staging, manifest };
}

/** Step 4 for one folder: safe to repeat after a kill at any point. */
function apply(staging: string, m: Manifest, step?: (s: WriteStep) => void): void {
  for (const w of m.writes) {
    const from = path.join(staging, w.staged);
    const to = path.join(m.dir, ...w.path.split('/'));
    if (!exists(from)) continue;
    // Created and checked while staging; only a folder removed since then is missing here.
    makeDirs(path.dirname(to), `'${showPath(m.dir)}'`);
    fs.renameSync(from, to);
    step?.('moved-file');
  }
  for (const r of m.removes) {
    fs.rmSync(path.join(m.dir, ...r.split('/')), { force: true });
    step?.('removed-file');
  }
}

function readManifest(staging: string): Manifest | null {
  try {
    const m = JSON.parse(fs.readFileSync(path.join(staging, MANIFEST), 'utf8')) as Manifest;
    const isRel = (p: unknown): boolean => typeof p === 'string' && p !== '' && !path.isAbsolute(p) && !p.split('/').includes('..');
    const ok =
      m.version === 1 &&
      typeof m.primary === 'string' &&
      Array.isArray(m.members) &&
      m.members.every((x) => typeof x === 'string' && path.basename(x).endsWith(STAGING_SUFFIX)) &&
      path.resolve(m.dir) === m.dir &&
      stagingDirOf(m.dir) === staging &&
      Array.isArray(m.writes) &&
      m.writes.every((w) => /^[0-9]+$/.test(w.staged) && isRel(w.path)) &&
      Array.isArray(m.removes) &&
      m.removes.every(isRel);
    // A manifest that does not describe this folder is not ours to act on.
    return ok ? m : null;
  } catch {
    return null;
  }
}

/** Written and flushed before the next step relies on it, so the order survives a crash too. */
function writeDurably(file: string, text: string): void {
  const fd = fs.openSync(file, 'w');
  try {
    fs.writeSync(fd, text);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

function exists(p: string): boolean {
  try {
    fs.lstatSync(p);
    return true;
  } catch {
    return false;
  }
}

function removeTree(p: string): void {
  fs.rmSync(p, { recursive: true, force: true });
}

/** Two sets in one folder (or one inside the other) would fight over the same files. */
function assertDisjoint(sets: OutputSet[]): void {
  const dirs = sets.map((s) => path.resolve(s.dir));
  for (let i = 0; i < dirs.length; i++)
    for (let j = i + 1; j < dirs.length; j++) {
      const a = dirs[i]!;
      const b = dirs[j]!;
      if (a === b || b.startsWith(a + path.sep) || a.startsWith(b + path.sep))
        throw new OutputError(
          `${sets[i]!.label} and ${sets[j]!.label} write to overlapping folders ('${showPath(sets[i]!.dir)}', '${showPath(sets[j]!.dir)}'): give each its own folder`,
        );
    }
}

/** The process that made a staging folder, if it is still running (and is not this one): a killed
 * run's folder is fair game for recovery, a running one's is not. The owner file holds the pid and,
 * where /proc has it, the process's start time, so a reused pid is not taken for the owner. */
function liveOwner(staging: string): number | null {
  let pid: number;
  let started: string;
  try {
    [pid, started] = ((s: string[]): [number, string] => [Number(s[0]), s[1] ?? ''])(
      fs.readFileSync(path.join(staging, OWNER), 'utf8').trim().split(' '),
    );
  } catch {
    return null;
  }
  if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid) return null;
  try {
    process.kill(pid, 0);
  } catch (e) {
    // EPERM: it exists but belongs to someone else, so it is running.
    if ((e as NodeJS.ErrnoException).code !== 'EPERM') return null;
  }
  const now = startTime(pid);
  return started && now && now !== started ? null : pid;
}

/** Field 22 of /proc/PID/stat: when the process started, in clock ticks since boot. */
function startTime(pid: number): string | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) is in parentheses and may hold spaces; fields after it are plain.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? null;
  } catch {
    return null;
  }
}
