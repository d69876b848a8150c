// Files as they were at a git revision, read through git itself (`git ls-tree`, `git cat-file`):
// the working tree, the index and HEAD are never touched, so `mdidl diff --against REV` is safe to
// run in the middle of an edit. Paths are the working tree's; a path inside the repository maps to
// the same path in the revision, one outside it (a system include folder) is read from disk, since
// the revision has no version of it.
import { readInputFile } from '../../idl/read-input.js';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

/** A problem with the revision or the repository: the command line was wrong, not the input. */
export class GitError extends Error {}

export class GitRevision {
  private readonly files: Set<string>;
  private readonly cache = new Map<string, string | null>();

  private constructor(
    readonly rev: string,
    readonly commit: string,
    /** The repository's top folder, as the working tree's paths spell it. */
    readonly root: string,
    private readonly cwd: string,
    files: string[],
  ) {
    this.files = new Set(files);
  }

  /** Opens `rev` in the repository that holds `cwd`; throws GitError when either is not there. */
  static open(rev: string, cwd: string = process.cwd()): GitRevision {
    if (rev === '' || rev.startsWith('-')) throw new GitError(`'${rev}' is not a revision`);
    let top: string;
    try {
      top = git(['rev-parse', '--show-toplevel'], cwd).trim();
    } catch (e) {
      throw new GitError(`--against needs a git repository: ${firstLine(e)}`);
    }
    let commit: string;
    try {
      commit = git(['rev-parse', '--verify', '--quiet', '--end-of-options', `${rev}^{commit}`], cwd).trim();
    } catch {
      commit = '';
    }
    if (!/^[0-9a-f]{40,64}$/.test(commit)) throw new GitError(`unknown revision '${rev}'`);
    const listing = git(['ls-tree', '-r', '-z', '--full-tree', '--name-only', commit], cwd);
    const files = listing.split('\0').filter(Boolean);
    // git prints the top folder with symlinks resolved; the working tree's paths may not be.
    const root = sameFolderAs(cwd, top);
    return new GitRevision(rev, commit, root, cwd, files);
  }

  /** The path inside the repository (with `/`; '' for its top), or null for a path outside it. */
  relative(abs: string): string | null {
    const rel = path.relative(this.root, path.resolve(this.cwd, abs));
    if (rel.startsWith('..') || path.isAbsolute(rel)) return null;
    return rel.split(path.sep).join('/');
  }

  has(abs: string): boolean {
    const rel = this.relative(abs);
    return rel === null ? fs.existsSync(abs) : this.files.has(rel);
  }

  /** The file's text at the revision; null when it has no such file (a folder is not a file). */
  read(abs: string): string | null {
    const rel = this.relative(abs);
    if (rel === null) return readInputFile(abs);
    if (!this.files.has(rel)) return null;
    let text = this.cache.get(rel);
    if (text === undefined) {
      text = git(['cat-file', 'blob', `${this.commit}:${rel}`], this.cwd);
      this.cache.set(rel, text);
    }
    return text;
  }

  /** Files at the revision under a folder (given as a working-tree path), ending in `suffix`, sorted. */
  filesUnder(absDir: string, suffix: string): string[] {
    const rel = this.relative(absDir);
    const prefix = rel === null ? null : rel === '' ? '' : `${rel}/`;
    if (prefix === null) return [];
    return [...this.files]
      .filter((f) => f.startsWith(prefix) && f.endsWith(suffix) && !f.split('/').some((seg) => seg.startsWith('.') || seg === 'node_modules'))
      .sort()
      .map((f) => path.join(this.root, ...f.split('/')));
  }

  /** Whether the revision has a folder at this working-tree path. */
  hasFolder(absDir: string): boolean {
    const rel = this.relative(absDir);
    if (rel === null) return false;
    if (rel === '') return true;
    const prefix = `${rel}/`;
    for (const f of this.files) if (f.startsWith(prefix)) return true;
    return false;
  }
}

function git(args: string[], cwd: string): string {
  return execFileSync('git', args, {
    cwd,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    maxBuffer: 256 * 1024 * 1024,
    // Read-only plumbing: no pager, no prompts, no locale-dependent messages to parse.
    env: { ...process.env, GIT_PAGER: 'cat', GIT_TERMINAL_PROMPT: '0', LC_ALL: 'C' },
  });
}

function firstLine(e: unknown): string {
  const err = e as { stderr?: string | Buffer; message?: string };
  const text = (err.stderr ? String(err.stderr) : '') || err.message || String(e);
  return text.trim().split('\n')[0] ?? '';
}

/**
 * The repository top as a prefix of `cwd`'s own spelling: when `cwd` reaches the repository through
 * a symlink, git's answer is the resolved path and would not be a prefix of the paths we hold.
 */
function sameFolderAs(cwd: string, top: string): string {
  const abs = path.resolve(cwd);
  let real: string;
  try {
    real = fs.realpathSync(abs);
  } catch {
    return top;
  }
  const rel = path.relative(top, real);
  if (rel.startsWith('..') || path.isAbsolute(rel)) return top;
  // Walk up from cwd as many levels as cwd is below the top.
  const depth = rel === '' ? 0 : rel.split(path.sep).length;
  let dir = abs;
  for (let i = 0; i < depth; i++) dir = path.dirname(dir);
  return dir;
}
