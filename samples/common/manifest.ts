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
  const m = JSON.parse(fs.readFileSync(file, 'utf8')) as SampleManifest;
  for (const key of ['name', 'header', 'lower', 'idl', 'config', 'kdriver', 'udriver', 'shared'] as const) {
    if (m[key] === undefined) throw new Error(`${file}: error: '${key}' is missing`);
  }
  return m;
}

/** The `mdidl lower` command line that makes the sample's IDL, run in the sample's folder. */
export function lowerArgs(m: SampleManifest, include: string): string[] {
  return ['lower', '-I', include, '--module', m.lower.module, '--interface', m.lower.interface, m.header];
}
