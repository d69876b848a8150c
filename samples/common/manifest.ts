// samples/<name>/sample.json: what a sample is made of, for the demo, the tests and `mdidl report`
// (which counts lines per side). Paths are relative to the sample's folder.
import * as fs from 'node:fs';
import * as path from 'node:path';

export interface SampleManifest {
  name: string;
  title: string;
  /** The annotated C header `mdidl lower` reads. */
  header: string;
  /** A sidecar annotation file, if the header has none of its own. */
  sidecar: string | null;
  lower: { module: string; interface: string; output: string };
  idl: string[];
  config: string;
  /** The k-driver's hand-written files, the u-driver's, and those both halves use. */
  kdriver: string[];
  udriver: string[];
  shared: string[];
  /** The simulated device the sample runs against. */
  device: string[];
  /** Folders of checked-in generated stubs. */
  generated: string[];
}

export function readManifest(dir: string): SampleManifest {
  const file = path.join(dir, 'sample.json');
  const bad = (message: string): Error => new Error(`${file}:1:1: error: ${message}`);
  let m: unknown;
  try {
    m = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    throw bad(e instanceof SyntaxError ? `not JSON: ${e.message}` : `cannot read it: ${(e as Error).message}`);
  }
  if (!m || typeof m !== 'object' || Array.isArray(m)) throw bad('expected an object');
  const o = m as Record<string, unknown>;
  for (const key of ['name', 'title', 'header', 'config'] as const) if (typeof o[key] !== 'string') throw bad(`'${key}' must be a string`);
  if (o.sidecar !== null && typeof o.sidecar !== 'string') throw bad(`'sidecar' must be a string or null`);
  for (const key of ['idl', 'kdriver', 'udriver', 'shared', 'device', 'generated'] as const) {
    if (!Array.isArray(o[key]) || !(o[key] as unknown[]).every((x) => typeof x === 'string')) throw bad(`'${key}' must be a list of paths`);
  }
  const lower = o.lower as Record<string, unknown> | undefined;
  if (!lower || typeof lower !== 'object' || !['module', 'interface', 'output'].every((k) => typeof lower[k] === 'string')) {
    throw bad(`'lower' must be { "module", "interface", "output" }`);
  }
  return m as SampleManifest;
}

/** The `mdidl lower` command line that makes the sample's IDL, run in the sample's folder. */
export function lowerArgs(m: SampleManifest, include: string): string[] {
  return ['lower', '-I', include, '--module', m.lower.module, '--interface', m.lower.interface, m.header];
}
