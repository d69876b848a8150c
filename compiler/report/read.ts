// Reading `mdidl split --json` output back for `report`: the file may have been edited or be from
// another tool, so everything the report uses is checked, and problems are located errors.
import type { Diagnostic } from '../../idl/diagnostics.js';
import { escapePointerSegment, makeLocator, parseJsonLocated, type JsonValue } from '../json-locate.js';
import type { SplitResult } from '../split/index.js';

export function readSplitJson(text: string, file: string): { result: SplitResult | null; diagnostics: Diagnostic[] } {
  const parsed = parseJsonLocated(text);
  const locate = makeLocator(file, text);
  const error = (start: number, message: string): Diagnostic => ({ severity: 'error', code: 'split-json', message, loc: locate({ start, end: start + 1 }) });
  if (!parsed.ok) return { result: null, diagnostics: [error(parsed.at.start, parsed.message)] };
  const v = parsed.value;
  const at = (pointer: string): number => parsed.entries.get(pointer)?.value.start ?? 0;
  const problems: Diagnostic[] = [];
  const isObj = (x: JsonValue | undefined): x is { [k: string]: JsonValue } => typeof x === 'object' && x !== null && !Array.isArray(x);
  if (!isObj(v)) return { result: null, diagnostics: [error(0, 'expected the JSON object `mdidl split --json` prints')] };
  const need = (key: string, ok: (x: JsonValue | undefined) => boolean, what: string): void => {
    if (!ok(v[key])) problems.push(error(at(`/${key}`), `'${key}' must be ${what}`));
  };
  const arr = (x: JsonValue | undefined): boolean => Array.isArray(x);
  need('driver', (x) => typeof x === 'string', 'a string');
  need('functions', arr, 'an array');
  need('crossings', arr, 'an array');
  need('defaulted', arr, 'an array');
  need('sourceLines', isObj, 'an object');
  need('annotations', (x) => isObj(x) && typeof x['sidecar'] === 'number' && typeof x['source'] === 'number', 'an object with numbers sidecar and source');
  if (problems.length) return { result: null, diagnostics: problems };
  (v['functions'] as JsonValue[]).forEach((f, i) => {
    if (!isObj(f) || typeof f['fn'] !== 'string' || typeof f['lines'] !== 'number' || !['kernel', 'user', 'both'].includes(f['side'] as string))
      problems.push(error(at(`/functions/${i}`), 'a function needs fn (string), lines (number) and side (kernel, user or both)'));
  });
  (v['crossings'] as JsonValue[]).forEach((c, i) => {
    if (!isObj(c) || typeof c['fn'] !== 'string' || !['upcall', 'downcall'].includes(c['role'] as string))
      problems.push(error(at(`/crossings/${i}`), 'a crossing needs fn (string) and role (upcall or downcall)'));
    else if (c['bytes'] !== undefined && !(isObj(c['bytes']) && typeof c['bytes']['pruned'] === 'number' && typeof c['bytes']['full'] === 'number'))
      problems.push(error(at(`/crossings/${i}/bytes`), 'bytes needs numbers pruned and full'));
  });
  for (const [k, n] of Object.entries(v['sourceLines'] as object)) if (typeof n !== 'number') problems.push(error(at(`/sourceLines/${escapePointerSegment(k)}`), 'a line count must be a number'));
  if (problems.length) return { result: null, diagnostics: problems };
  return { result: v as unknown as SplitResult, diagnostics: [] };
}
