// Failures to write generated files. They come from the environment (a file where a folder should
// be, a read-only or full disk, a path the OS refuses), not from mdidl, so they reach the user as
// an error that names the path and what to do, never as an internal error.

export class OutputError extends Error {}

/** The part of a Node fs error a user can act on, without the syscall noise. */
export function describeFsError(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  switch (code) {
    case 'ENOTDIR':
      return 'a component of the path is a file, not a folder';
    case 'EEXIST':
      return 'something is already there';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EROFS':
      return 'the file system is read-only';
    case 'ENOSPC':
      return 'no space left on the device';
    case 'EDQUOT':
      return 'disk quota exceeded';
    case 'ENAMETOOLONG':
      return 'the path is too long';
    case 'EISDIR':
      return 'a folder is in the way';
    case 'ENOENT':
      return 'no such file or folder';
    case 'ELOOP':
      return 'too many symbolic links';
    case 'EXDEV':
      return 'it is on another file system';
    default:
      return (e as Error).message;
  }
}

/** A path as shown in a message: a path of megabytes is cut in the middle. */
export function showPath(p: string): string {
  return p.length <= 200 ? p : `${p.slice(0, 120)}…(${p.length - 180} characters)…${p.slice(-60)}`;
}
