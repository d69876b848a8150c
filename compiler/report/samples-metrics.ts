// The paper's table for a simulated sample (samples/<x>/sample.json), computed from the sample's
// own files: code lines and functions on each side, annotation lines over the driver's lines, the
// interface from the checked IR, and the bytes per management call with and without access sets.
// Lines are non-blank, non-comment lines (a line holding at least part of a token).
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Diagnostic } from '../../idl/diagnostics.js';
import { frontEnd } from '../pipeline.js';
import { parseSidecar } from '../sidecar/index.js';
import { sampleCallBytes, type CallBytes } from './samples-bytes.js';
import { countFunctions } from './samples-functions.js';
import type { SampleFiles } from './samples-read.js';
import { codeLines, tokenize, type Token } from './samples-tokens.js';

export const SIDES = ['kdriver', 'udriver', 'shared', 'device', 'generated'] as const;
export type Side = (typeof SIDES)[number];

export interface FileCount {
  /** Relative to the sample's folder, with forward slashes. */
  file: string;
  lines: number;
  functions: number;
}

export interface SampleReport {
  sample: string;
  /** Per side, the files and their sums. device and generated are listed, never part of the driver. */
  sides: Record<Side, { lines: number; functions: number; files: FileCount[] }>;
  /** Shares of the driver's TypeScript (k-driver + u-driver + shared). */
  share: { lines: { kdriver: number; udriver: number; shared: number }; functions: { kdriver: number; udriver: number; shared: number } };
  /** Code lines of the annotated header. */
  headerLines: number;
  /** header + k-driver + u-driver + shared. */
  driverLines: number;
  annotations: { header: number; sidecar: number; total: number; share: number };
  interface: { upcalls: string[]; downcalls: string[]; critical: string[] };
  bytes: { calls: CallBytes[]; pruned: number; full: number };
}

/** Files under a path, sorted, walked with an explicit stack. */
function filesUnder(root: string): string[] {
  const out: string[] = [];
  const stack = [root];
  // A symlink back up the tree must not walk forever: each real folder is read once.
  const seen = new Set<string>();
  while (stack.length) {
    const p = stack.pop()!;
    const st = fs.statSync(p);
    if (st.isDirectory()) {
      const real = fs.realpathSync(p);
      if (seen.has(real)) continue;
      seen.add(real);
      for (const e of fs.readdirSync(p)) stack.push(path.join(p, e));
    }
    else if (st.isFile()) out.push(p);
  }
  return out.sort();
}

/** C functions: at file scope, a name, its parameter list and a body. */
function countCFunctions(t: readonly Token[]): number {
  let n = 0;
  let depth = 0;
  for (let i = 0; i < t.length; i++) {
    const x = t[i]!.text;
    if (x === '{') depth++;
    else if (x === '}') depth--;
    else if (depth === 0 && x === '(' && t[i - 1]?.kind === 'id') {
      let d = 0;
      let j = i;
      for (; j < t.length; j++) {
        if (t[j]!.text === '(') d++;
        else if (t[j]!.text === ')' && --d === 0) break;
      }
      if (t[j + 1]?.text === '{') n++;
      i = j;
    }
  }
  return n;
}

export function countFile(file: string, shown: string): FileCount {
  const text = fs.readFileSync(file, 'utf8');
  const ts = /\.[cm]?tsx?$/.test(file) || /\.[cm]?js$/.test(file);
  const tokens = tokenize(text, ts ? 'ts' : 'c');
  return { file: shown, lines: codeLines(tokens).size, functions: ts ? countFunctions(tokens) : /\.[ch]$/.test(file) ? countCFunctions(tokens) : 0 };
}

/** Header lines holding an MDL_ annotation outside comments and preprocessor directives (the split report's rule). */
export function annotationLines(text: string): number {
  // Directive lines, with their backslash continuations: `#define MDL_OUT ...` defines, it does not annotate.
  const directive = new Set<number>();
  const raw = text.split('\n');
  for (let l = 0; l < raw.length; l++) {
    if (!/^\s*#/.test(raw[l]!)) continue;
    directive.add(l + 1);
    while (/\\\s*$/.test(raw[l]!) && l + 1 < raw.length) directive.add(++l + 1);
  }
  const lines = new Set<number>();
  for (const t of tokenize(text, 'c')) if (t.kind === 'id' && /^MDL_[A-Z_]+/.test(t.text) && !directive.has(t.line)) lines.add(t.line);
  return lines.size;
}

export function computeSampleReport(s: SampleFiles): { report: SampleReport | null; diagnostics: Diagnostic[] } {
  const rel = (p: string): string => path.relative(s.dir, p).split(path.sep).join('/');
  const sides = {} as SampleReport['sides'];
  for (const side of SIDES) {
    const files = side === 'generated' ? s.generated.flatMap((g) => filesUnder(path.resolve(s.dir, g))) : s[side].map((f) => path.resolve(s.dir, f));
    const counts = files.map((f) => countFile(f, rel(f)));
    sides[side] = { lines: counts.reduce((a, c) => a + c.lines, 0), functions: counts.reduce((a, c) => a + c.functions, 0), files: counts };
  }
  const headerText = fs.readFileSync(path.resolve(s.dir, s.header), 'utf8');
  const headerLines = codeLines(tokenize(headerText, 'c')).size;
  const diagnostics: Diagnostic[] = [];
  let sidecar = 0;
  if (s.sidecar !== null) {
    const file = path.resolve(s.dir, s.sidecar);
    const r = parseSidecar(fs.readFileSync(file, 'utf8'), file);
    diagnostics.push(...r.diagnostics);
    sidecar = r.sidecar?.annotationLines ?? 0;
  }
  const fe = frontEnd(s.idl.map((f) => path.resolve(s.dir, f)), { includePaths: [s.dir] });
  diagnostics.push(...fe.diagnostics.filter((d) => d.severity === 'error'));
  if (!fe.ir || diagnostics.some((d) => d.severity === 'error')) return { report: null, diagnostics };
  const ir = fe.ir;
  // Every interface of the program, imported ones included: they are the sample's boundary too.
  const fns = ir.interfaces.flatMap((i) => i.functions.map((f) => ({ i, f })));
  const named = (role: string): string[] => fns.filter(({ f }) => f.role === role).map(({ i, f }) => `${i.name}.${f.name}`);
  const calls = fns.filter(({ f }) => f.role === 'upcall').map(({ i, f }) => ({ ...sampleCallBytes(ir, f), fn: `${i.name}.${f.name}` }));
  const k = sides.kdriver;
  const u = sides.udriver;
  const sh = sides.shared;
  const ratio = (a: number, b: number): number => (b ? a / b : 0);
  const tsLines = k.lines + u.lines + sh.lines;
  const tsFns = k.functions + u.functions + sh.functions;
  const header = annotationLines(headerText);
  const driverLines = headerLines + tsLines;
  return {
    report: {
      sample: s.name,
      sides,
      share: {
        lines: { kdriver: ratio(k.lines, tsLines), udriver: ratio(u.lines, tsLines), shared: ratio(sh.lines, tsLines) },
        functions: { kdriver: ratio(k.functions, tsFns), udriver: ratio(u.functions, tsFns), shared: ratio(sh.functions, tsFns) },
      },
      headerLines,
      driverLines,
      annotations: { header, sidecar, total: header + sidecar, share: ratio(header + sidecar, driverLines) },
      interface: { upcalls: named('upcall'), downcalls: named('downcall'), critical: named('critical') },
      bytes: { calls, pruned: calls.reduce((a, c) => a + c.pruned, 0), full: calls.reduce((a, c) => a + c.full, 0) },
    },
    diagnostics,
  };
}
