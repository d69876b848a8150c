// A throwaway C tokenizer for parser tests, so they do not depend on the real lexer: identifiers,
// pp-numbers, strings and chars (with prefixes), punctuators, comments skipped, and `#` lines
// skipped as a preprocessed file's line markers would be.
import type { CToken } from '../../compiler/lower/c-ast.js';

const TOKEN =
  /(\s+|\/\/[^\n]*|\/\*[\s\S]*?\*\/)|((?:L|u8|u|U)?"(?:[^"\\\n]|\\.)*")|((?:L|u8|u|U)?'(?:[^'\\\n]|\\.)*')|([A-Za-z_$][A-Za-z0-9_$]*)|(\.?[0-9](?:[eEpP][+-]|[0-9A-Za-z_.'])*)|(\.\.\.|<<=|>>=|->|\+\+|--|<<|>>|<=|>=|==|!=|&&|\|\||[-+*/%&|^]=|##|[^\s])/y;

export function ctok(src: string, file = 't.h'): CToken[] {
  const out: CToken[] = [];
  let line = 1;
  let lineStart = 0;
  let atLineStart = true;
  TOKEN.lastIndex = 0;
  for (let m = TOKEN.exec(src); m !== null && m[0].length > 0; m = TOKEN.exec(src)) {
    const start = m.index;
    const text = m[0];
    if (m[1] === undefined && atLineStart && text === '#') {
      // A line marker or directive: drop the rest of the line.
      const nl = src.indexOf('\n', start);
      TOKEN.lastIndex = nl < 0 ? src.length : nl;
      continue;
    }
    if (m[1] === undefined) {
      const kind = m[2] !== undefined ? 'string' : m[3] !== undefined ? 'char' : m[4] !== undefined ? 'ident' : m[5] !== undefined ? 'number' : 'punct';
      out.push({ kind, text, loc: { file, line, column: start - lineStart + 1 } });
      atLineStart = false;
    }
    for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) {
      line++;
      lineStart = start + i + 1;
      atLineStart = true;
    }
    if (TOKEN.lastIndex >= src.length) break;
  }
  return out;
}
