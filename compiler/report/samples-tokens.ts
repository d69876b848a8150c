// A small tokenizer for the samples' TypeScript and C, enough to count code lines and function
// bodies without a compiler: `typescript` is a devDependency (and version 7 has no JS API), and the
// report runs from the installed CLI. Comments and whitespace make no tokens; strings, template
// literals and regular expressions are one token each, spanning the lines they cover.

export interface Token {
  text: string;
  /** 'id' for identifiers and keywords, 'num', 'str' (strings, templates, regexes), 'punct'. */
  kind: 'id' | 'num' | 'str' | 'punct';
  line: number;
  endLine: number;
}

// Longest first, so `===` is never read as `==` and `=`; `>` stays single so generics close one by one.
const PUNCT = ['>>>=', '...', '===', '!==', '**=', '<<=', '>>=', '&&=', '||=', '??=', '=>', '==', '!=', '<=', '>=', '&&', '||', '??', '?.', '++', '--', '+=', '-=', '*=', '/=', '%=', '&=', '|=', '^=', '**', '<<', '::', '->', '##'];

const isIdStart = (c: string): boolean => /[A-Za-z_$\u0080-\uffff]/.test(c);
const isIdPart = (c: string): boolean => /[A-Za-z0-9_$\u0080-\uffff]/.test(c);

/** Whether a `/` after `prev` starts a regular expression (TypeScript only) rather than dividing. */
function regexAllowed(prev: Token | undefined): boolean {
  if (!prev) return true;
  if (prev.kind === 'num' || prev.kind === 'str') return false;
  if (prev.kind === 'id') return ['return', 'typeof', 'case', 'do', 'else', 'in', 'of', 'new', 'delete', 'void', 'throw', 'yield', 'await'].includes(prev.text);
  return ![')', ']', '}'].includes(prev.text);
}

export function tokenize(text: string, lang: 'ts' | 'c'): Token[] {
  const out: Token[] = [];
  let i = 0;
  let line = 1;
  // Template literals nest through `${ ... }`: each entry counts the braces open inside one substitution.
  const templates: number[] = [];
  const push = (t: string, kind: Token['kind'], startLine: number): void => {
    out.push({ text: t, kind, line: startLine, endLine: line });
  };
  const readTemplate = (start: number, startLine: number): void => {
    // From just after a backquote or a substitution's closing brace, to the closing backquote or `${`.
    while (i < text.length) {
      const c = text[i]!;
      if (c === '\\') {
        if (text[i + 1] === '\n') line++;
        i += 2;
        continue;
      }
      if (c === '\n') line++;
      if (c === '`') {
        i++;
        push(text.slice(start, i), 'str', startLine);
        return;
      }
      if (c === '$' && text[i + 1] === '{') {
        i += 2;
        push(text.slice(start, i), 'str', startLine);
        templates.push(0);
        return;
      }
      i++;
    }
    push(text.slice(start, i), 'str', startLine);
  };
  while (i < text.length) {
    const c = text[i]!;
    if (c === '\n') {
      line++;
      i++;
      continue;
    }
    if (c === ' ' || c === '\t' || c === '\r' || c === '\f' || c === '\v') {
      i++;
      continue;
    }
    if (c === '\\' && text[i + 1] === '\n' && lang === 'c') {
      i += 2;
      line++;
      continue;
    }
    if (c === '/' && text[i + 1] === '/') {
      while (i < text.length && text[i] !== '\n') i++;
      continue;
    }
    if (c === '/' && text[i + 1] === '*') {
      i += 2;
      while (i < text.length && !(text[i] === '*' && text[i + 1] === '/')) {
        if (text[i] === '\n') line++;
        i++;
      }
      i += 2;
      continue;
    }
    const startLine = line;
    const start = i;
    if (c === '"' || c === "'") {
      i++;
      while (i < text.length && text[i] !== c && text[i] !== '\n') {
        // A backslash-newline continues the string on the next line.
        if (text[i] === '\\' && text[i + 1] === '\n') line++;
        i += text[i] === '\\' ? 2 : 1;
      }
      i++;
      push(text.slice(start, i), 'str', startLine);
      continue;
    }
    if (lang === 'ts' && c === '`') {
      i++;
      readTemplate(start, startLine);
      continue;
    }
    if (lang === 'ts' && c === '}' && templates.length && templates[templates.length - 1] === 0) {
      templates.pop();
      i++;
      readTemplate(start, startLine);
      continue;
    }
    if (lang === 'ts' && c === '/' && regexAllowed(out[out.length - 1])) {
      i++;
      let inClass = false;
      while (i < text.length && text[i] !== '\n') {
        const d = text[i]!;
        if (d === '\\') i++;
        else if (d === '[') inClass = true;
        else if (d === ']') inClass = false;
        else if (d === '/' && !inClass) break;
        i++;
      }
      i++;
      while (i < text.length && isIdPart(text[i]!)) i++;
      push(text.slice(start, i), 'str', startLine);
      continue;
    }
    if (isIdStart(c) || (lang === 'c' && c === '#')) {
      i++;
      while (i < text.length && isIdPart(text[i]!)) i++;
      push(text.slice(start, i), 'id', startLine);
      continue;
    }
    if (/[0-9]/.test(c) || (c === '.' && /[0-9]/.test(text[i + 1] ?? ''))) {
      i++;
      while (i < text.length && /[0-9A-Za-z_.]/.test(text[i]!)) i++;
      push(text.slice(start, i), 'num', startLine);
      continue;
    }
    const p = PUNCT.find((q) => text.startsWith(q, i)) ?? c;
    i += p.length;
    if (templates.length) {
      if (p === '{') templates[templates.length - 1]!++;
      else if (p === '}') templates[templates.length - 1]!--;
    }
    push(p, 'punct', startLine);
  }
  return out;
}

/** Non-blank, non-comment lines: those holding at least part of a token. */
export function codeLines(tokens: readonly Token[]): Set<number> {
  const lines = new Set<number>();
  for (const t of tokens) for (let l = t.line; l <= t.endLine; l++) lines.add(l);
  return lines;
}
