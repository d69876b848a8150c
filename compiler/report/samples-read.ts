// Reading a sample's sample.json for `report`: every key the report uses is checked, and problems
// are located errors (the file may be hand-edited). The shape is samples/README.md's.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Diagnostic } from '../../idl/diagnostics.js';
import { makeLocator, parseJsonLocated, type JsonValue } from '../json-locate.js';

export interface SampleFiles {
  /** The sample.json file; every path below is resolved against its folder. */
  file: string;
  dir: string;
  name: string;
  header: string;
  sidecar: string | null;
  idl: string[];
  kdriver: string[];
  udriver: string[];
  shared: string[];
  device: string[];
  generated: string[];
}

/** A sample folder or its sample.json, to the manifest's path. */
export function sampleJsonPath(input: string): string {
  return path.basename(input) === 'sample.json' ? input : path.join(input, 'sample.json');
}

export function readSampleJson(text: string, file: string): { sample: SampleFiles | null; diagnostics: Diagnostic[] } {
  const parsed = parseJsonLocated(text);
  const locate = makeLocator(file, text);
  const error = (start: number, message: string): Diagnostic => ({ severity: 'error', code: 'sample-json', message, loc: locate({ start, end: start + 1 }) });
  if (!parsed.ok) return { sample: null, diagnostics: [error(parsed.at.start, parsed.message)] };
  const v = parsed.value;
  const isObj = (x: JsonValue | undefined): x is { [k: string]: JsonValue } => typeof x === 'object' && x !== null && !Array.isArray(x);
  if (!isObj(v)) return { sample: null, diagnostics: [error(0, 'expected the JSON object of a sample (samples/README.md)')] };
  const at = (pointer: string): number => parsed.entries.get(pointer)?.value.start ?? 0;
  const problems: Diagnostic[] = [];
  // JSON keeps the last of repeated keys; the reader likely meant one of them, so say which counts.
  const warnings: Diagnostic[] = parsed.duplicates.map((d) => ({
    severity: 'warning',
    code: 'sample-json-duplicate',
    message: 'key repeated: this last one counts',
    loc: locate(d.key),
    related: [{ message: 'first here', loc: locate(d.first) }],
  }));
  const str = (key: string): string => {
    const x = v[key];
    if (typeof x === 'string' && x !== '') return x;
    problems.push(error(at(`/${key}`), x === undefined ? `'${key}' is missing: it must be a non-empty string` : `'${key}' must be a non-empty string`));
    return '';
  };
  const list = (key: string): string[] => {
    const x = v[key];
    if (!Array.isArray(x)) {
      problems.push(error(at(`/${key}`), x === undefined ? `'${key}' is missing: it must be a list of paths` : `'${key}' must be a list of paths`));
      return [];
    }
    x.forEach((p, i) => {
      if (typeof p !== 'string' || p === '') problems.push(error(at(`/${key}/${i}`), `'${key}' must hold paths (non-empty strings)`));
    });
    return x.filter((p): p is string => typeof p === 'string');
  };
  const name = str('name');
  const header = str('header');
  const sc = v['sidecar'];
  if (sc !== undefined && sc !== null && (typeof sc !== 'string' || sc === '')) problems.push(error(at('/sidecar'), `'sidecar' must be a path or null`));
  const sample: SampleFiles = {
    file,
    dir: path.dirname(file),
    name,
    header,
    sidecar: typeof sc === 'string' && sc !== '' ? sc : null,
    idl: list('idl'),
    kdriver: list('kdriver'),
    udriver: list('udriver'),
    shared: list('shared'),
    device: list('device'),
    generated: list('generated'),
  };
  if (!problems.length && !sample.idl.length) problems.push(error(at('/idl'), `'idl' must name at least one .mdl file`));
  if (!problems.length && !sample.udriver.length && !sample.kdriver.length) problems.push(error(at('/kdriver'), 'a sample needs k-driver or u-driver files'));
  if (!problems.length) {
    // Each listed path must exist, located at its entry, before anything is counted.
    const check = (key: string, paths: string[], dirs: boolean, single = false): void =>
      paths.forEach((p, i) => {
        const pointer = single ? `/${key}` : `/${key}/${i}`;
        const full = path.resolve(sample.dir, p);
        let st: fs.Stats | undefined;
        try {
          st = fs.statSync(full);
        } catch {
          st = undefined;
        }
        if (!st) problems.push(error(at(pointer), `'${p}' does not exist (paths are relative to the sample's folder)`));
        else if (!dirs && !st.isFile()) problems.push(error(at(pointer), `'${p}' is not a file`));
      });
    check('header', [header], false, true);
    if (sample.sidecar !== null) check('sidecar', [sample.sidecar], false, true);
    for (const key of ['idl', 'kdriver', 'udriver', 'shared', 'device'] as const) check(key, sample[key], false);
    check('generated', sample.generated, true);
  }
  return problems.length ? { sample: null, diagnostics: [...warnings, ...problems] } : { sample, diagnostics: warnings };
}
