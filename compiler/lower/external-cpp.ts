// Input that a real compiler already preprocessed: `--cpp "CMD"`, or the `.i` files kbuild makes
// with `make foo.i`. Kernel headers lean on GCC details no built-in preprocessor matches exactly,
// so this path is the faithful one; its linemarkers let every token still point at the header line
// it came from.
import { spawnSync } from 'node:child_process';
import { MAX_INPUT_BYTES } from '../../idl/read-input.js';
import type { Diagnostic } from '../../idl/diagnostics.js';
import type { CToken } from './c-ast.js';
import { problemDiagnostic, scanWith, unterminatedCommentDiagnostic } from './c-lexer.js';

/**
 * GCC writes linemarker file names with `\\`, `\"` and octal escapes for bytes it will not
 * print; the octal ones are bytes of a UTF-8 name.
 */
function unescapeFileName(s: string): string {
  if (s.indexOf('\\') < 0) return s;
  if (!/\\[0-7]/.test(s)) return s.replace(/\\(.)/g, '$1');
  const bytes: number[] = [];
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c === '\\' && i + 1 < s.length) {
      const oct = /^[0-7]{1,3}/.exec(s.slice(i + 1));
      if (oct) {
        bytes.push(parseInt(oct[0], 8) & 0xff);
        i += oct[0].length;
      } else {
        bytes.push(...Buffer.from(s[++i]!, 'utf8'));
      }
    } else {
      bytes.push(...Buffer.from(c, 'utf8'));
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

export function tokenizePreprocessed(text: string, file: string): { tokens: CToken[]; diagnostics: Diagnostic[] } {
  const tokens: CToken[] = [];
  const diagnostics: Diagnostic[] = [];
  // One string per file name, so the many locations of a header share it.
  const names = new Map<string, string>();
  let current = file;
  // Presumed line minus physical line, as set by the last linemarker.
  let delta = 0;
  // The directive line being collected: its tokens and the physical line of its last token.
  let directive: { kind: string; text: string }[] | null = null;
  let directiveEnd = 0;

  // `# 12 "f.h" 1 3` (GNU linemarker) or `#line 12 "f.h"`; pragmas and leftovers (-dD's #define
  // lines, #ident) carry nothing for the declarations and are dropped.
  const finishDirective = (): void => {
    const d = directive!;
    directive = null;
    let a = 0;
    if (d[0]?.kind === 'ident' && d[0].text === 'line') a = 1;
    const num = d[a];
    if (!num || num.kind !== 'number' || !/^[0-9]+$/.test(num.text)) return;
    delta = Number(num.text) - (directiveEnd + 1);
    const name = d[a + 1];
    if (name && name.kind === 'string' && name.text.startsWith('"')) {
      const spelled = unescapeFileName(name.text.slice(1, -1));
      let interned = names.get(spelled);
      if (interned === undefined) {
        interned = spelled;
        names.set(spelled, interned);
      }
      current = interned;
    }
  };

  // Tokens are built straight from the scanner: an 80,000-line .i file has 700,000 of them.
  const info = scanWith(text, (kind, tokText, line, column, offset, pos, end, bol, space, problem) => {
    if (bol) {
      if (directive !== null) finishDirective();
      if (kind === 'punct' && tokText === '#') {
        directive = [];
        directiveEnd = line;
        return;
      }
    }
    if (directive !== null) {
      directive.push({ kind, text: tokText });
      directiveEnd = line;
      return;
    }
    const loc = { file: current, line: line + delta, column };
    if (problem !== null) {
      const d = problemDiagnostic(current, { kind, text: tokText, line, column, offset, pos, end, bol, space, problem });
      d.loc.line = d.loc.endLine = loc.line;
      diagnostics.push(d);
    }
    tokens.push({ kind, text: tokText, loc });
  });
  if (directive !== null) finishDirective();
  for (const off of info.unterminatedComments) diagnostics.push(unterminatedCommentDiagnostic(file, info, off));
  return { tokens, diagnostics };
}

function shellQuote(s: string): string {
  return /^[A-Za-z0-9_./=:,+@%-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/**
 * Runs `cmd` (through the shell, so it may carry its own flags: "gcc -E -nostdinc") on `file` with
 * the include paths and defines as -I/-D flags plus -D__MDIDL__, and tokenizes what it prints.
 */
export function runExternalCpp(
  cmd: string,
  file: string,
  opts: { includePaths: string[]; defines?: Record<string, string> },
): { tokens: CToken[]; diagnostics: Diagnostic[] } {
  const args = [
    ...opts.includePaths.map((p) => `-I${p}`),
    ...Object.entries(opts.defines ?? {}).map(([name, value]) => `-D${name}=${value}`),
    '-D__MDIDL__',
    file,
  ];
  const command = `${cmd} ${args.map(shellQuote).join(' ')}`;
  // What the preprocessor prints is input like any file, with the same size limit.
  const r = spawnSync(command, { shell: true, encoding: 'utf8', maxBuffer: MAX_INPUT_BYTES });
  const loc = { file, line: 1, column: 1, offset: 0, endOffset: 0, endLine: 1, endColumn: 1 };
  if (r.error && (r.error as NodeJS.ErrnoException).code === 'ENOBUFS') {
    return { tokens: [], diagnostics: [{ severity: 'error', code: 'cpp-external-failed', message: `preprocessor '${cmd}' printed more than ${MAX_INPUT_BYTES / (1024 * 1024)} MiB, the input size limit`, loc }] };
  }
  if (r.error) {
    return { tokens: [], diagnostics: [{ severity: 'error', code: 'cpp-external-failed', message: `could not run preprocessor '${cmd}': ${r.error.message}`, loc }] };
  }
  if (r.status !== 0) {
    const how = r.status === null ? `was killed by ${r.signal ?? 'a signal'}` : `exited with status ${r.status}`;
    const stderr = (r.stderr ?? '').trim();
    const shown = stderr.length > 4000 ? stderr.slice(0, 4000) + '\n...' : stderr;
    return {
      tokens: [],
      diagnostics: [{ severity: 'error', code: 'cpp-external-failed', message: `preprocessor '${cmd}' ${how}${shown ? ':\n' + shown : ''}`, loc }],
    };
  }
  return tokenizePreprocessed(r.stdout, file);
}
