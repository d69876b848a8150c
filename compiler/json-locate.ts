// A JSON parser that remembers where every value sits in the text, so schema errors (which name a
// JSON pointer) can be reported at a line and column. JSON.parse gives neither positions for
// valid input nor reliable ones for invalid input, and the config loader must never throw.
import type { Loc } from '../idl/ast.js';

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/** Offsets into the text: first character, and one past the last. */
export interface Span {
  start: number;
  end: number;
}

export interface JsonEntry {
  value: Span;
  /** For an object member, its key including the quotes. */
  key?: Span;
}

export interface DuplicateKey {
  /** Pointer of the member whose key is repeated; its entry describes the last occurrence. */
  pointer: string;
  key: Span;
  first: Span;
}

export type LocatedJson =
  | {
      ok: true;
      value: JsonValue;
      /** By JSON pointer ("" is the root, "/inputs/0" the first input), escaped as in RFC 6901. */
      entries: Map<string, JsonEntry>;
      /** JSON.parse silently keeps the last of repeated keys; callers may want to say so. */
      duplicates: DuplicateKey[];
    }
  | { ok: false; message: string; at: Span };

/** Deeper nesting is rejected rather than risking a stack overflow on hostile input. */
export const MAX_JSON_DEPTH = 256;

export function escapePointerSegment(key: string): string {
  return key.replace(/~/g, '~0').replace(/\//g, '~1');
}

export function pointerSegments(pointer: string): string[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

class JsonSyntaxError extends Error {
  constructor(
    message: string,
    readonly at: Span,
  ) {
    super(message);
  }
}

/** Parses like JSON.parse (plus a leading byte-order mark, which some editors write). */
export function parseJsonLocated(text: string): LocatedJson {
  try {
    return new Scanner(text).document();
  } catch (e) {
    if (e instanceof JsonSyntaxError) return { ok: false, message: e.message, at: e.at };
    throw e;
  }
}

const NUMBER = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;
const WORD = /[A-Za-z0-9_$.+-]+/y;
const ESCAPES: Readonly<Record<string, string>> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };

class Scanner {
  private pos = 0;
  private readonly entries = new Map<string, JsonEntry>();
  private readonly duplicates: DuplicateKey[] = [];

  constructor(private readonly text: string) {
    if (text.charCodeAt(0) === 0xfeff) this.pos = 1;
  }

  document(): LocatedJson {
    this.skipSpace();
    if (this.pos >= this.text.length) {
      throw new JsonSyntaxError('the file is empty; expected a JSON object', { start: 0, end: 0 });
    }
    const value = this.value('', 0);
    this.skipSpace();
    if (this.pos < this.text.length) {
      const tok = this.tokenAt(this.pos);
      throw new JsonSyntaxError(`unexpected ${this.show(tok)} after the end of the JSON value`, tok);
    }
    return { ok: true, value, entries: this.entries, duplicates: this.duplicates };
  }

  private value(pointer: string, depth: number, key?: Span): JsonValue {
    this.skipSpace();
    const start = this.pos;
    const ch = this.text[start];
    let value: JsonValue;
    if (ch === '{' || ch === '[') {
      if (depth >= MAX_JSON_DEPTH) {
        throw new JsonSyntaxError(`objects and arrays nest more than ${MAX_JSON_DEPTH} levels deep`, { start, end: start + 1 });
      }
      value = ch === '{' ? this.object(pointer, depth) : this.array(pointer, depth);
    } else if (ch === '"') {
      value = this.string();
    } else if (ch === '-' || (ch !== undefined && ch >= '0' && ch <= '9')) {
      value = this.number();
    } else {
      value = this.literal();
    }
    this.entries.set(pointer, key ? { value: { start, end: this.pos }, key } : { value: { start, end: this.pos } });
    return value;
  }

  private object(pointer: string, depth: number): { [key: string]: JsonValue } {
    const open = this.pos++;
    const result: { [key: string]: JsonValue } = {};
    const seen = new Map<string, Span>();
    let comma: number | null = null;
    for (;;) {
      this.skipSpace();
      const ch = this.text[this.pos];
      if (ch === '}') {
        if (comma !== null) throw this.trailingComma(comma, '}');
        this.pos++;
        return result;
      }
      if (ch === undefined) throw this.unclosed(open, '{');
      if (comma === null && seen.size > 0) {
        const tok = this.tokenAt(this.pos);
        throw new JsonSyntaxError(`expected ',' or '}' after a property but found ${this.show(tok)}`, tok);
      }
      if (ch !== '"') {
        const tok = this.tokenAt(this.pos);
        const hint = ch === "'" ? ' (JSON strings use double quotes)' : /[A-Za-z_$]/.test(ch) ? ' (JSON keys must be quoted)' : '';
        throw new JsonSyntaxError(`expected a key in double quotes but found ${this.show(tok)}${hint}`, tok);
      }
      const keyStart = this.pos;
      const name = this.string();
      const keySpan = { start: keyStart, end: this.pos };
      this.skipSpace();
      if (this.text[this.pos] !== ':') {
        const tok = this.tokenAt(this.pos);
        throw new JsonSyntaxError(`expected ':' after the key ${JSON.stringify(name)} but found ${this.show(tok)}`, tok);
      }
      this.pos++;
      const member = `${pointer}/${escapePointerSegment(name)}`;
      const first = seen.get(name);
      if (first) this.duplicates.push({ pointer: member, key: keySpan, first });
      else seen.set(name, keySpan);
      // defineProperty, as JSON.parse does, so a "__proto__" key is data, not a prototype change.
      Object.defineProperty(result, name, {
        value: this.value(member, depth + 1, keySpan),
        enumerable: true,
        writable: true,
        configurable: true,
      });
      comma = this.separator();
    }
  }

  private array(pointer: string, depth: number): JsonValue[] {
    const open = this.pos++;
    const result: JsonValue[] = [];
    let comma: number | null = null;
    for (;;) {
      this.skipSpace();
      const ch = this.text[this.pos];
      if (ch === ']') {
        if (comma !== null) throw this.trailingComma(comma, ']');
        this.pos++;
        return result;
      }
      if (ch === undefined) throw this.unclosed(open, '[');
      if (comma === null && result.length > 0) {
        const tok = this.tokenAt(this.pos);
        throw new JsonSyntaxError(`expected ',' or ']' after an array element but found ${this.show(tok)}`, tok);
      }
      result.push(this.value(`${pointer}/${result.length}`, depth + 1));
      comma = this.separator();
    }
  }

  /** Consumes a comma after a member or element; returns its offset, or null when there is none. */
  private separator(): number | null {
    this.skipSpace();
    if (this.text[this.pos] !== ',') return null;
    return this.pos++;
  }

  private string(): string {
    const open = this.pos++;
    let out = '';
    for (;;) {
      const ch = this.text[this.pos];
      if (ch === undefined || ch === '\n' || ch === '\r') {
        throw new JsonSyntaxError('string is not closed before the end of the line', { start: open, end: open + 1 });
      }
      if (ch === '"') {
        this.pos++;
        return out;
      }
      if (ch === '\\') {
        const esc = this.text[this.pos + 1];
        if (esc === undefined || esc === '\n' || esc === '\r') {
          throw new JsonSyntaxError('string is not closed before the end of the line', { start: open, end: open + 1 });
        }
        if (esc === 'u' && /^[0-9a-fA-F]{4}$/.test(this.text.slice(this.pos + 2, this.pos + 6))) {
          out += String.fromCharCode(parseInt(this.text.slice(this.pos + 2, this.pos + 6), 16));
          this.pos += 6;
          continue;
        }
        const plain = ESCAPES[esc];
        if (plain === undefined) {
          const shown = `\\${esc}`;
          throw new JsonSyntaxError(
            `invalid escape '${shown}' in a string (JSON allows \\" \\\\ \\/ \\b \\f \\n \\r \\t and \\uXXXX)`,
            { start: this.pos, end: this.pos + shown.length },
          );
        }
        out += plain;
        this.pos += 2;
        continue;
      }
      if (ch < ' ') {
        const code = ch.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0');
        throw new JsonSyntaxError(`control character U+${code} must be escaped inside a string`, { start: this.pos, end: this.pos + 1 });
      }
      out += ch;
      this.pos++;
    }
  }

  private number(): number {
    NUMBER.lastIndex = this.pos;
    const m = NUMBER.exec(this.text);
    const tok = this.tokenAt(this.pos);
    // A valid number must also end where the word does: `01`, `1.`, `1e` and `-x` are one bad token.
    if (!m || this.pos + m[0].length !== tok.end) {
      throw new JsonSyntaxError(`malformed number ${this.show(tok)}`, tok);
    }
    this.pos = tok.end;
    return Number(m[0]);
  }

  private literal(): boolean | null {
    const tok = this.tokenAt(this.pos);
    const word = this.text.slice(tok.start, tok.end);
    if (word === 'true' || word === 'false' || word === 'null') {
      this.pos = tok.end;
      return word === 'null' ? null : word === 'true';
    }
    let hint = '';
    if (/^(true|false|null)$/i.test(word)) hint = ` (JSON writes ${word.toLowerCase()} in lowercase)`;
    else if (this.text.startsWith('//', tok.start) || this.text.startsWith('/*', tok.start)) hint = ' (JSON does not allow comments)';
    else if (word === "'") hint = ' (JSON strings use double quotes)';
    throw new JsonSyntaxError(`expected a value but found ${this.show(tok)}${hint}`, tok);
  }

  private trailingComma(comma: number, close: string): JsonSyntaxError {
    return new JsonSyntaxError(`trailing comma before '${close}' (JSON does not allow one)`, { start: comma, end: comma + 1 });
  }

  private unclosed(open: number, bracket: string): JsonSyntaxError {
    const close = bracket === '{' ? '}' : ']';
    return new JsonSyntaxError(`'${bracket}' is not closed: expected '${close}' before the end of the file`, {
      start: open,
      end: open + 1,
    });
  }

  private skipSpace(): void {
    for (;;) {
      const ch = this.text[this.pos];
      if (ch === ' ' || ch === '\t' || ch === '\n' || ch === '\r') this.pos++;
      else if (this.text.startsWith('//', this.pos) || this.text.startsWith('/*', this.pos)) {
        throw new JsonSyntaxError('JSON does not allow comments', { start: this.pos, end: this.pos + 2 });
      } else return;
    }
  }

  /** The extent of whatever starts at `at`, for quoting it in a message. */
  private tokenAt(at: number): Span {
    if (at >= this.text.length) return { start: this.text.length, end: this.text.length };
    if (this.text[at] === '"') {
      const close = this.text.slice(at + 1).search(/["\n]/);
      return { start: at, end: close >= 0 && this.text[at + 1 + close] === '"' ? at + close + 2 : at + 1 };
    }
    WORD.lastIndex = at;
    const m = WORD.exec(this.text);
    if (m) return { start: at, end: at + m[0].length };
    // Keep a surrogate pair together so the message shows the character, not half of it.
    const code = this.text.codePointAt(at) ?? 0;
    return { start: at, end: at + (code > 0xffff ? 2 : 1) };
  }

  private show(tok: Span): string {
    if (tok.start >= this.text.length) return 'end of file';
    const s = this.text.slice(tok.start, tok.end);
    if (s.length === 1 && s < ' ') return `U+${s.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`;
    return `'${s.length > 24 ? s.slice(0, 24) + '…' : s}'`;
  }
}

/** Maps spans of `text` to Locs in the IDL's conventions: 1-based lines and columns, end exclusive. */
export function makeLocator(file: string, text: string): (span: Span) => Loc {
  const lineStarts = [0];
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) lineStarts.push(i + 1);
  const position = (offset: number): { line: number; column: number } => {
    let lo = 0;
    let hi = lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((lineStarts[mid] ?? 0) <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: offset - (lineStarts[lo] ?? 0) + 1 };
  };
  return (span) => {
    const start = Math.max(0, Math.min(span.start, text.length));
    const end = Math.max(start, Math.min(span.end, text.length));
    const a = position(start);
    const b = position(end);
    return { file, line: a.line, column: a.column, offset: start, endOffset: end, endLine: b.line, endColumn: b.column };
  };
}
