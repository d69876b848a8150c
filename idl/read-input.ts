// The one way input files are read: only regular files, and only up to MAX_INPUT_BYTES. A path
// may name a device (/dev/zero), a FIFO or a folder; reading those whole would hang or exhaust
// memory, so they are refused before a byte is read.
import * as fs from 'node:fs';

/** Larger than any real input: a kbuild-preprocessed kernel translation unit is a few MB. */
export const MAX_INPUT_BYTES = 64 * 1024 * 1024;

export type InputRead = { text: string } | { problem: string };

/** A file's text, or why it cannot be used as input (missing, not a regular file, too large). */
export function readInput(file: string): InputRead {
  let fd: number;
  try {
    // O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer forever.
    fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
  } catch (e) {
    return { problem: reason(e) };
  }
  try {
    const st = fs.fstatSync(fd);
    if (st.isDirectory()) return { problem: 'it is a folder, not a file' };
    if (!st.isFile()) return { problem: 'it is not a regular file' };
    if (st.size > MAX_INPUT_BYTES) return { problem: tooLarge() };
    // The size can lie (/proc files say 0, a file may grow while read): read to the limit, no further.
    return readBounded(fd);
  } catch (e) {
    return { problem: reason(e) };
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Everything an open descriptor gives until end of file, up to the input size limit. Standard input
 * may be a non-blocking pipe: with nothing to read yet, the read sleeps a millisecond and tries again
 * (as a blocking read would wait) instead of spinning.
 */
export function readBounded(fd: number): InputRead {
  const chunks: Buffer[] = [];
  let total = 0;
  try {
    for (;;) {
      const buf = Buffer.allocUnsafe(Math.min(1 << 20, MAX_INPUT_BYTES + 1 - total));
      let n: number;
      try {
        n = fs.readSync(fd, buf, 0, buf.length, null);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === 'EAGAIN') {
          Atomics.wait(PAUSE, 0, 0, 1);
          continue;
        }
        if (code === 'EOF') break;
        throw e;
      }
      if (n === 0) break;
      chunks.push(buf.subarray(0, n));
      total += n;
      if (total > MAX_INPUT_BYTES) return { problem: tooLarge() };
    }
  } catch (e) {
    return { problem: reason(e) };
  }
  return { text: Buffer.concat(chunks, total).toString('utf8') };
}

const PAUSE = new Int32Array(new SharedArrayBuffer(4));

/** The text, or null when the file cannot be used as input (for callers that say "not found"). */
export function readInputFile(file: string): string | null {
  const r = readInput(file);
  return 'text' in r ? r.text : null;
}

function tooLarge(): string {
  return `it is larger than ${MAX_INPUT_BYTES / (1024 * 1024)} MiB, the input size limit`;
}

function reason(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  switch (code) {
    case 'ENOENT':
      return 'no such file';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EISDIR':
      return 'it is a folder, not a file';
    case 'ENOTDIR':
      return 'a component of the path is not a folder';
    case 'ENAMETOOLONG':
      return 'the path is too long';
    case 'ELOOP':
      return 'too many symbolic links';
    default:
      return (e as Error).message;
  }
}
