// The C front end: clang turns each kbuild-preprocessed unit into LLVM IR with debug info (see
// docs/split.md for why clang). Units compile in parallel; the IR text is read as each finishes.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Diagnostic } from '../../idl/diagnostics.js';
import { MAX_INPUT_BYTES } from '../../idl/read-input.js';
import { readLlModule, type LlModule } from './ll-reader.js';

export interface FrontendResult {
  modules: LlModule[];
  diagnostics: Diagnostic[];
  /** Milliseconds in clang (wall clock, all units) and in reading the IR. */
  clangMs: number;
  readMs: number;
}

function fileDiag(file: string, message: string, code = 'clang'): Diagnostic {
  return { severity: 'error', code, message, loc: { file, line: 1, column: 1, offset: 0, endOffset: 0, endLine: 1, endColumn: 2 } };
}

function runClang(clang: string, input: string, signal?: AbortSignal): Promise<{ ir: string | null; error: string | null }> {
  return new Promise((resolve) => {
    if (signal?.aborted) {
      resolve({ ir: null, error: 'cancelled' });
      return;
    }
    const lang = input.endsWith('.i') ? 'cpp-output' : 'c';
    // -gno-column-info: the reader wants lines only; without columns clang makes a sixth fewer
    // locations and a fifth less IR text to print and read, and the split is byte for byte the same.
    const args = ['-x', lang, '-S', '-emit-llvm', '-g', '-gno-column-info', '-O0', '-w', '-o', '-', input];
    let child;
    try {
      child = spawn(clang, args, { stdio: ['ignore', 'pipe', 'pipe'], ...(signal ? { signal } : {}) });
    } catch (e) {
      resolve({ ir: null, error: (e as Error).message });
      return;
    }
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', (e) => resolve({ ir: null, error: signal?.aborted ? 'cancelled' : `cannot run '${clang}': ${e.message}` }));
    child.on('close', (code) => {
      if (code === 0) resolve({ ir: Buffer.concat(out).toString('utf8'), error: null });
      else resolve({ ir: null, error: Buffer.concat(err).toString('utf8').trim().split('\n').slice(0, 20).join('\n') || `clang exited with ${code}` });
    });
  });
}

/**
 * Compiles and reads every unit; a unit clang rejects becomes a diagnostic at that file. `signal`
 * stops the clangs still running (the caller found an error of its own meanwhile).
 */
export async function compileUnits(files: string[], clang = process.env['MDIDL_CLANG'] ?? 'clang', signal?: AbortSignal): Promise<FrontendResult> {
  const diagnostics: Diagnostic[] = [];
  for (const f of files) {
    const problem = inputProblem(f);
    if (problem) diagnostics.push(fileDiag(f, `cannot read '${f}': ${problem}`, 'file-not-found'));
  }
  if (diagnostics.length) return { modules: [], diagnostics, clangMs: 0, readMs: 0 };
  const t0 = performance.now();
  let readMs = 0;
  const modules: (LlModule | null)[] = new Array(files.length).fill(null);
  await Promise.all(
    files.map(async (f, i) => {
      const r = await runClang(clang, f, signal);
      if (r.ir === null) {
        diagnostics.push(fileDiag(f, `clang could not compile this unit:\n${r.error ?? ''}`));
        return;
      }
      const t = performance.now();
      const unit = path.basename(f).replace(/\.[^.]*$/, '');
      const m = readLlModule(r.ir, f, unit);
      readMs += performance.now() - t;
      diagnostics.push(...m.diagnostics);
      modules[i] = m;
    }),
  );
  const clangMs = performance.now() - t0 - readMs;
  return { modules: modules.filter((m): m is LlModule => m !== null), diagnostics, clangMs, readMs };
}

/** Why clang should not be given this file (a device or a FIFO would never end), or null. */
function inputProblem(file: string): string | null {
  const st = fs.statSync(file, { throwIfNoEntry: false });
  if (!st) return 'no such file';
  if (!st.isFile()) return st.isDirectory() ? 'it is a folder, not a file' : 'it is not a regular file';
  if (st.size > MAX_INPUT_BYTES) return `it is larger than ${MAX_INPUT_BYTES / (1024 * 1024)} MiB, the input size limit`;
  return null;
}

/**
 * The driver's folder: where the first unit's main source file was (the first line marker of a .i
 * names it), else the folder of the first input.
 */
export function driverDir(files: string[]): string {
  const first = files[0]!;
  if (first.endsWith('.i')) {
    const fd = fs.openSync(first, 'r');
    const buf = Buffer.alloc(4096);
    const n = fs.readSync(fd, buf, 0, buf.length, 0);
    fs.closeSync(fd);
    const m = /^# \d+ "([^"]+)"/m.exec(buf.subarray(0, n).toString('utf8'));
    // A relative marker is relative to where the preprocessor ran, normally here too.
    if (m && !m[1]!.startsWith('<')) return path.dirname(path.resolve(m[1]!));
  }
  return path.dirname(path.resolve(first));
}
