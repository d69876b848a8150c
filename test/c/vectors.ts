// What the C tests share: loading test/vectors/*.json, turning them into C tables for tv.h, the
// TypeScript reference decode of the same inputs (to compare the C decoder with), and compiling
// and running a C program under the sanitizers.
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { MessageHeader } from '../../runtime/ts/header.js';
import { decodeErrorPayload, decodeHeader, MessageKind } from '../../runtime/ts/header.js';
import { WireError } from '../../runtime/ts/errors.js';
import { WireReader } from '../../runtime/ts/wire-reader.js';
import { fromHex, SCALAR_SIZE, type ScalarName, type ScalarValue, type ValueSpec } from '../runtime/value-spec.js';

/** The repository root (this file runs as dist/test/c/vectors.js). */
export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const RUNTIME_C = path.join(ROOT, 'runtime', 'c');
export const TEST_C = path.join(ROOT, 'test', 'c');

interface Vector<D> {
  name: string;
  description: string;
  hex: string;
  decoded: D;
}
export type HeaderVector = Vector<{ header: MessageHeader; payloadHex: string; error?: { errno: number; message: string } }>;
export type ValuesVector = Vector<{ values: ValueSpec[] }>;

/** One vector in the order the C tables list them (tv_vectors[index]). */
export type AnyVector = { file: 'header.json'; v: HeaderVector } | { file: 'values.json'; v: ValuesVector };

export function loadVectors(): AnyVector[] {
  const dir = path.join(ROOT, 'test', 'vectors');
  const files = fs.readdirSync(dir).filter((f) => f.endsWith('.json')).sort();
  // A new vector file needs a decoder here and in tv.h; failing beats skipping it silently.
  const known = ['header.json', 'values.json'];
  const unknown = files.filter((f) => !known.includes(f));
  if (unknown.length) throw new Error(`test/vectors has files the C tests do not know how to decode: ${unknown.join(', ')}`);
  const out: AnyVector[] = [];
  for (const file of known) {
    const list = JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8')) as unknown[];
    if (!Array.isArray(list) || list.length === 0) throw new Error(`${file}: no vectors`);
    for (const v of list) out.push(file === 'header.json' ? { file: 'header.json', v: v as HeaderVector } : { file: 'values.json', v: v as ValuesVector });
  }
  return out;
}

// ---- C tables ----------------------------------------------------------------------------------

const SCALAR_KIND: Record<ScalarName, string> = {
  u8: 'TV_U8', u16: 'TV_U16', u32: 'TV_U32', u64: 'TV_U64', u64n: 'TV_U64',
  s8: 'TV_S8', s16: 'TV_S16', s32: 'TV_S32', s64: 'TV_S64', s64n: 'TV_S64',
  bool: 'TV_BOOL', char: 'TV_CHAR',
};

function isScalar(t: string): t is ScalarName {
  return Object.prototype.hasOwnProperty.call(SCALAR_KIND, t);
}

/** A scalar's bits, zero-extended from its width, as a C literal. */
function scalarBits(type: ScalarName, v: ScalarValue): string {
  if (type === 'bool') {
    if (typeof v !== 'boolean') throw new Error(`bool value ${String(v)}`);
    return v ? '1' : '0';
  }
  if (typeof v === 'boolean') throw new Error(`${type} value ${String(v)}`);
  const bits = BigInt.asUintN(SCALAR_SIZE[type] * 8, BigInt(v));
  return `0x${bits.toString(16)}ull`;
}

function cString(s: string): string {
  if (!/^[\x20-\x7e]*$/.test(s)) throw new Error(`vector name ${JSON.stringify(s)} is not printable ASCII`);
  return `"${s.replace(/[\\"]/g, (c) => '\\' + c)}"`;
}

/** A byte array; never empty, since C has no zero-length arrays (the length travels separately). */
function cBytes(name: string, bytes: Uint8Array): string {
  const list = bytes.length ? Array.from(bytes, (b) => `0x${b.toString(16).padStart(2, '0')}`) : ['0'];
  const lines: string[] = [];
  for (let i = 0; i < list.length; i += 16) lines.push('\t' + list.slice(i, i + 16).join(', ') + ',');
  return `static const u8 ${name}[] = {\n${lines.join('\n')}\n};\n`;
}

function valueC(p: string, s: ValueSpec, decls: string[]): string {
  if (isScalar(s.type)) {
    return `{ .kind = ${SCALAR_KIND[s.type]}, .bits = ${scalarBits(s.type, (s as { value: ScalarValue }).value)} }`;
  }
  switch (s.type) {
    case 'string':
    case 'cstring': {
      const max = s.max ?? 65535;
      if (!Number.isInteger(max) || max < 0 || max > 1 << 20) throw new Error(`string max ${max} out of what the harness allocates`);
      const bytes = s.type === 'string' ? (s.value === null ? null : new Uint8Array(Buffer.from(s.value, 'utf8'))) : s.hex === null ? null : fromHex(s.hex);
      if (bytes === null) return `{ .kind = TV_STRING, .max = ${max}u, .is_null = true }`;
      decls.push(cBytes(p, bytes));
      return `{ .kind = TV_STRING, .max = ${max}u, .bytes = ${p}, .len = ${bytes.length}u }`;
    }
    case 'bytes': {
      const bytes = fromHex(s.hex);
      decls.push(cBytes(p, bytes));
      return `{ .kind = TV_BYTES, .nbytes = ${bytes.length}u, .bytes = ${p}, .len = ${bytes.length}u }`;
    }
    case 'counted': {
      if (!isScalar(s.of)) throw new Error(`counted of ${String(s.of)}: only scalar elements are supported`);
      const head = `.kind = TV_COUNTED, .of = ${SCALAR_KIND[s.of]}, .max = ${s.max}u`;
      if (s.value === null) return `{ ${head}, .is_null = true }`;
      const elems = s.value.map((e) => scalarBits(s.of, e));
      decls.push(`static const u64 ${p}[] = { ${elems.length ? elems.join(', ') : '0'} };\n`);
      return `{ ${head}, .elems = ${p}, .len = ${elems.length}u }`;
    }
    default:
      throw new Error(`value type ${JSON.stringify((s as { type: unknown }).type)} is not supported by the C tests`);
  }
}

/** C source defining tv_vectors[] and tv_nvectors for tv.h, in loadVectors() order. */
export function vectorsC(vectors: AnyVector[]): string {
  const decls: string[] = [];
  const entries: string[] = [];
  vectors.forEach((a, i) => {
    const v = a.v;
    if (!/^(?:[0-9a-f]{2})+$/.test(v.hex)) throw new Error(`${v.name}: hex is not lowercase pairs`);
    const wire = fromHex(v.hex);
    decls.push(cBytes(`v${i}_wire`, wire));
    const fields = [`.name = ${cString(v.name)}`, `.wire = v${i}_wire`, `.len = ${wire.length}`];
    if (a.file === 'header.json') {
      const d = a.v.decoded;
      const h = d.header;
      const payload = fromHex(d.payloadHex);
      decls.push(cBytes(`v${i}_payload`, payload));
      fields.push(
        '.is_header = true',
        `.header = { .module_version = ${h.moduleVersion}, .kind = ${h.kind}, .flags = ${h.flags}, .interface_id = ${h.interfaceId}u, ` +
          `.function_id = ${h.functionId}u, .call_id = ${h.callId}u, .payload_length = ${h.payloadLength}u, .object_count = ${h.objectCount}u }`,
        `.payload = v${i}_payload`,
        `.payload_len = ${payload.length}`,
      );
      if (d.error) {
        const msg = new Uint8Array(Buffer.from(d.error.message, 'utf8'));
        decls.push(cBytes(`v${i}_msg`, msg));
        fields.push('.has_error = true', `.err_code = ${d.error.errno}u`, `.err_msg = v${i}_msg`, `.err_len = ${msg.length}u`);
      }
    } else {
      const values = a.v.decoded.values;
      if (!Array.isArray(values) || values.length === 0) throw new Error(`${v.name}: no values`);
      const items = values.map((s, j) => '\t' + valueC(`v${i}_${j}`, s, decls) + ',');
      decls.push(`static const struct tv_value v${i}_values[] = {\n${items.join('\n')}\n};\n`);
      fields.push(`.values = v${i}_values`, `.nvalues = ${values.length}`);
    }
    entries.push(`\t{ ${fields.join(', ')} },`);
  });
  return [
    '/* Generated by test/c/vectors.ts from the JSON files of test/vectors/. */',
    '#include "tv.h"',
    '',
    ...decls,
    `static const struct tv_vector tv_vectors[] = {\n${entries.join('\n')}\n};`,
    `static const size_t tv_nvectors = ${vectors.length};`,
    '',
  ].join('\n');
}

// ---- the TypeScript reference decode -----------------------------------------------------------

/** null: decoded; otherwise the WireError's offset. Anything but a WireError is rethrown. */
export type TsOutcome = null | { offset: number | null; reason: string };

function readScalarLike(r: WireReader, type: ScalarName): void {
  switch (type) {
    case 'u64': case 'u64n': r.u64(); return;
    case 's64': case 's64n': r.s64(); return;
    case 'bool': r.bool(); return;
    default: r[type](); return;
  }
}

/**
 * Decodes `bytes` as the C harness does for this vector: a header vector as a header (and an
 * error payload when the kind says so), a values vector as its value types followed by the end.
 * Strings are read as bytes (cstringBytes) even for `string` specs: the C reader hands out bytes
 * and has no reason to insist on UTF-8, which only a reader that builds a JS string needs.
 */
export function tsDecode(a: AnyVector, bytes: Uint8Array): TsOutcome {
  const buf = new ArrayBuffer(bytes.length);
  new Uint8Array(buf).set(bytes);
  const r = new WireReader(buf);
  try {
    if (a.file === 'header.json') {
      const h = decodeHeader(r);
      if (h.kind === MessageKind.Error) decodeErrorPayload(r);
      return null;
    }
    for (const s of a.v.decoded.values) {
      switch (s.type) {
        case 'string':
        case 'cstring':
          r.cstringBytes(s.max);
          break;
        case 'bytes':
          r.bytes(fromHex(s.hex).length);
          break;
        case 'counted': {
          const n = r.counted(s.max, SCALAR_SIZE[s.of]);
          for (let i = 0; i < (n ?? 0); i++) readScalarLike(r, s.of);
          break;
        }
        default:
          readScalarLike(r, s.type);
      }
    }
    r.expectEnd();
    return null;
  } catch (e) {
    if (e instanceof WireError) return { offset: e.offset, reason: e.reason };
    throw e;
  }
}

// ---- compiling and running C -------------------------------------------------------------------

/** The probe and the tests run with the same options, so a probe that passes means the tests can run. */
function sanitizerEnv(): NodeJS.ProcessEnv {
  // halt_on_error: a finding ends the run with a nonzero status even if recovery were enabled.
  return { ...process.env, ASAN_OPTIONS: 'halt_on_error=1:detect_leaks=1', UBSAN_OPTIONS: 'halt_on_error=1:print_stacktrace=1' };
}

export interface Sanitizers {
  flags: string[];
  /** Why ASan is missing, or null when both ASan and UBSan are on. */
  fallback: string | null;
}

let sanitizers: Sanitizers | undefined;

/**
 * ASan and UBSan when ASan can run here, else UBSan alone. ASan needs a large shadow mapping and
 * no ptrace, which some sandboxes refuse; the probe runs once per process, and a fallback is
 * reported by the callers (never silent).
 */
export function sanitizerFlags(): Sanitizers {
  if (sanitizers) return sanitizers;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mdl-asan-probe-'));
  try {
    const src = path.join(dir, 'probe.c');
    const exe = path.join(dir, 'probe');
    fs.writeFileSync(src, '#include <stdlib.h>\nint main(void) { volatile char *p = malloc(8); p[7] = 1; int r = p[7] - 1; free((void *)p); return r; }\n');
    const cc = spawnSync('gcc', ['-fsanitize=address,undefined', '-o', exe, src], { encoding: 'utf8' });
    const run = cc.status === 0 ? spawnSync(exe, [], { encoding: 'utf8', timeout: 20000, env: sanitizerEnv() }) : null;
    if (run && run.status === 0) sanitizers = { flags: ['-fsanitize=address,undefined', '-fno-sanitize-recover=all'], fallback: null };
    else {
      const why = cc.status !== 0 ? `gcc -fsanitize=address failed: ${cc.stderr.trim()}` : `an ASan program does not run here: ${(run?.stderr ?? '').trim() || `status ${run?.status}`}`;
      sanitizers = { flags: ['-fsanitize=undefined', '-fno-sanitize-recover=all'], fallback: why };
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return sanitizers;
}

/** The flags of the brief's command line, with the sanitizers this machine supports. */
export function cflags(): string[] {
  return ['-std=gnu11', '-Wall', '-Wextra', '-Werror', '-O1', '-g', ...sanitizerFlags().flags, '-I', RUNTIME_C, '-I', TEST_C];
}

/**
 * Writes `generated` (the vector tables) and a translation unit that includes it and the main
 * file from test/c/ into a fresh temp dir, compiles and returns the executable's path; `cleanup`
 * removes the dir.
 */
export function buildProgram(prefix: string, generated: string, mainFile: string): { exe: string; dir: string; cleanup: () => void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  fs.writeFileSync(path.join(dir, 'tv_vectors.h'), generated);
  const src = path.join(dir, 'main.c');
  fs.writeFileSync(src, `#include "tv_vectors.h"\n#include "${mainFile}"\n`);
  const exe = path.join(dir, 'prog');
  try {
    execFileSync('gcc', [...cflags(), '-I', dir, '-o', exe, src], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    const err = e as { stderr?: string; stdout?: string };
    fs.rmSync(dir, { recursive: true, force: true });
    throw new Error(`gcc failed:\n${err.stderr ?? ''}${err.stdout ?? ''}`);
  }
  return { exe, dir, cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

/** Runs a built program; a sanitizer report (or any nonzero exit) becomes an error with its output. */
export function runProgram(exe: string, args: string[], timeoutMs: number): { stdout: string; status: number | null; stderr: string } {
  const run = spawnSync(exe, args, { encoding: 'utf8', timeout: timeoutMs, env: sanitizerEnv(), maxBuffer: 64 << 20 });
  if (run.error) throw run.error;
  return { stdout: run.stdout, status: run.status, stderr: run.stderr };
}

/** The newest /usr/src/linux-headers-*-amd64, or null. */
export function kernelHeaders(): string | null {
  let dirs: string[];
  try {
    dirs = fs.readdirSync('/usr/src').filter((d) => /^linux-headers-.*-amd64$/.test(d));
  } catch {
    return null;
  }
  dirs.sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
  const last = dirs[dirs.length - 1];
  return last ? path.join('/usr/src', last) : null;
}

