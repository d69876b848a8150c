// Counting a TypeScript file's functions from its tokens. A function is something with a body that
// has a name a reader would look for: `function` declarations and expressions, methods (classes and
// object literals, constructors and accessors included), and arrow functions assigned to a name
// (`const f = () => ...`, a class property, a property of an object literal). Callbacks passed
// inline (`xs.map((x) => x + 1)`) are part of the function they sit in, and signatures without a
// body (interfaces, overloads, function types) are not functions.
import type { Token } from './samples-tokens.js';

const NOT_METHODS = new Set(['if', 'for', 'while', 'switch', 'catch', 'with', 'function', 'return', 'typeof', 'new', 'await', 'yield', 'super', 'import', 'delete', 'void', 'in', 'of', 'instanceof', 'case']);
// After these a `{` opens a type literal, not a body (`(): { a: number } {`).
const TYPE_BRACE_AFTER = new Set([':', '|', '&', '=>', ',', '<', '(', '[', '?', 'keyof', 'typeof', 'readonly']);

type Opener = { text: '(' | '[' | '{'; object: boolean };

export function countFunctions(t: readonly Token[]): number {
  // Matching brackets, found with an explicit stack.
  const match = new Map<number, number>();
  const open: number[] = [];
  for (let i = 0; i < t.length; i++) {
    const x = t[i]!.text;
    if (x === '(' || x === '[' || x === '{') open.push(i);
    else if (x === ')' || x === ']' || x === '}') {
      const o = open.pop();
      if (o !== undefined) match.set(o, i);
    }
  }
  const text = (i: number): string => t[i]?.text ?? '';

  /** After a parameter list closing at `close`: '{' when a body follows, '=>' for an arrow, else null. */
  const afterParams = (close: number): '{' | '=>' | null => {
    let j = close + 1;
    if (text(j) === '{') return '{';
    if (text(j) === '=>') return '=>';
    if (text(j) !== ':') return null;
    let depth = 0;
    for (j++; j < t.length; j++) {
      const x = text(j);
      if (x === '(' || x === '[' || x === '<') depth++;
      else if (x === ')' || x === ']' || x === '>') depth--;
      else if (x === '{') {
        if (depth > 0 || TYPE_BRACE_AFTER.has(text(j - 1))) {
          const end = match.get(j);
          if (end === undefined) return null;
          j = end;
          continue;
        }
        return '{';
      } else if (depth === 0 && x === '=>') {
        // `(): (a: T) => U` is a function type only inside brackets; at depth 0 it ends the return type.
        return '=>';
      }
      if (depth < 0 || (depth === 0 && (x === ';' || x === '=' || x === '}' || x === ','))) return null;
    }
    return null;
  };

  /** The token after a `<...>` type-argument list starting at `j` (nested ones included); `j` itself when there is none. */
  const pastTypeArgs = (j: number): number => {
    if (text(j) !== '<') return j;
    let depth = 0;
    for (; j < t.length; j++) {
      if (text(j) === '<') depth++;
      else if (text(j) === '>' && --depth === 0) break;
    }
    return j + 1;
  };

  /** Whether tokens from `j` start an arrow function: `[async] (params) [: T] =>` or `[async] x =>`. */
  const arrowAt = (j: number): boolean => {
    if (text(j) === 'async' && text(j + 1) !== '=>') j++;
    j = pastTypeArgs(j);
    if (text(j) === '(') {
      const close = match.get(j);
      return close !== undefined && afterParams(close) === '=>';
    }
    return t[j]?.kind === 'id' && text(j + 1) === '=>';
  };

  /** Whether the `=` at `i` is a type alias's (`type F = (x: T) => U` is not a function). */
  const typeAlias = (i: number): boolean => {
    let j = i - 1;
    if (text(j) === '>') {
      let depth = 0;
      for (; j >= 0; j--) {
        if (text(j) === '>') depth++;
        else if (text(j) === '<' && --depth === 0) break;
      }
      j--;
    }
    return t[j]?.kind === 'id' && text(j - 1) === 'type';
  };

  /** A property's key at `k`: `{ key:` or `, key:` (a return type's `): T` is not one). */
  const isPropertyKey = (k: number): boolean => (t[k]?.kind === 'id' || t[k]?.kind === 'str' || t[k]?.kind === 'num') && (text(k - 1) === '{' || text(k - 1) === ',');

  let n = 0;
  const stack: Opener[] = [];
  for (let i = 0; i < t.length; i++) {
    const tok = t[i]!;
    const x = tok.text;
    const prev = text(i - 1);
    if (x === '(' || x === '[') stack.push({ text: x, object: false });
    else if (x === '{') {
      // An object literal follows an assignment, an argument position or a return; a property
      // value inside an object literal is one too. Blocks, class bodies and types are not.
      const top = stack[stack.length - 1];
      const object =
        (prev === '=' && !typeAlias(i - 1)) ||
        ['(', ',', '[', 'return', '?', '||', '&&', '??', '...'].includes(prev) ||
        (prev === ':' && top?.text === '{' && top.object);
      stack.push({ text: '{', object });
    } else if (x === ')' || x === ']' || x === '}') stack.pop();

    if (x === 'function' && tok.kind === 'id') {
      let j = i + 1;
      if (text(j) === '*') j++;
      if (t[j]?.kind === 'id') j++;
      if (text(j) === '<') while (j < t.length && text(j) !== '(') j++;
      const close = text(j) === '(' ? match.get(j) : undefined;
      if (close !== undefined && afterParams(close) === '{') n++;
      continue;
    }
    if (tok.kind === 'id' && !NOT_METHODS.has(x) && prev !== 'function' && !(prev === '*' && text(i - 2) === 'function') && prev !== '.' && prev !== '?.' && (text(i + 1) === '(' || text(i + 1) === '<')) {
      let j = i + 1;
      j = pastTypeArgs(j);
      const close = text(j) === '(' ? match.get(j) : undefined;
      if (close !== undefined && afterParams(close) === '{') n++;
      continue;
    }
    if (x === '=' && !typeAlias(i) && arrowAt(i + 1)) n++;
    else if (x === ':' && isPropertyKey(i - 1) && stack[stack.length - 1]?.text === '{' && stack[stack.length - 1]!.object && arrowAt(i + 1)) n++;
  }
  return n;
}
