// `npm run bench [-- --quick] [-- --out FILE] [-- --doc FILE] [-- --only SECTION,...]`: every figure of
// docs/benchmarks.md, written to bench/results.json and rendered into docs/benchmarks.md. Timings
// live here and never in tests. `--quick` is a smoke run of seconds (the test suite runs it) that
// writes only where --out/--doc say, or to a temporary folder, never over the committed results.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BenchOptions, Figure, Section } from './figure.js';
import { machine } from './machine.js';
import { renderMarkdown, type Results } from './report.js';
import { accessSetsSection } from './sections/access-sets.js';
import { cCodecSection } from './sections/c-codec.js';
import { compileSection } from './sections/compile.js';
import { e1000QemuSection } from './sections/e1000-qemu.js';
import { lowerSection } from './sections/lower.js';
import { nicSection } from './sections/nic.js';
import { tsChannelSection } from './sections/ts-channel.js';
import { tsCodecSection } from './sections/ts-codec.js';

const SECTIONS: Section[] = [cCodecSection, compileSection, lowerSection, tsChannelSection, tsCodecSection, nicSection, accessSetsSection, e1000QemuSection];

interface Args {
  quick: boolean;
  out: string | null;
  doc: string | null;
  only: string[] | null;
}

function parseArgs(argv: string[]): Args {
  const a: Args = { quick: false, out: null, doc: null, only: null };
  for (let i = 0; i < argv.length; i++) {
    const x = argv[i]!;
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${x} needs a value`);
      return v;
    };
    if (x === '--quick') a.quick = true;
    else if (x === '--out') a.out = value();
    else if (x === '--doc') a.doc = value();
    else if (x === '--only') a.only = value().split(',');
    else throw new Error(`unknown option ${x} (bench takes --quick, --out FILE, --doc FILE, --only SECTION,...)`);
  }
  for (const s of a.only ?? []) if (!SECTIONS.some((x) => x.name === s)) throw new Error(`no section ${s}; sections: ${SECTIONS.map((x) => x.name).join(', ')}`);
  return a;
}

async function main(): Promise<number> {
  let args: Args;
  try {
    args = parseArgs(process.argv.slice(2));
  } catch (e) {
    process.stderr.write(`bench: ${(e as Error).message}\n`);
    return 2;
  }
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mdidl-bench-'));
  // A partial or quick run must not replace the committed results unless asked to by path.
  const partial = args.quick || args.only !== null;
  const out = args.out ?? (partial ? path.join(tmp, 'results.json') : path.join(root, 'bench/results.json'));
  const doc = args.doc ?? (partial ? path.join(tmp, 'benchmarks.md') : path.join(root, 'docs/benchmarks.md'));
  const t0 = Date.now();
  const results: Results = { format: 1, date: new Date().toISOString(), quick: args.quick, seconds: 0, machine: machine(), figures: [] };
  const log = (line: string): void => void process.stderr.write(`${line}\n`);
  const opts: BenchOptions = { quick: args.quick, root, tmp, log };
  try {
    for (const s of SECTIONS) {
      if (args.only && !args.only.includes(s.name)) continue;
      const started = Date.now();
      const figures: Figure[] = await s.run(opts);
      results.figures.push(...figures);
      log(`== ${s.name}: ${figures.length} figures in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    }
  } finally {
    for (const f of fs.readdirSync(tmp)) if (f !== 'results.json' && f !== 'benchmarks.md') fs.rmSync(path.join(tmp, f), { recursive: true, force: true });
  }
  results.seconds = (Date.now() - t0) / 1000;
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, JSON.stringify(results, null, 2) + '\n');
  fs.mkdirSync(path.dirname(doc), { recursive: true });
  fs.writeFileSync(doc, renderMarkdown(results));
  for (const f of results.figures) {
    const verdict = f.met === null ? '' : f.met ? '  met' : '  NOT MET';
    process.stdout.write(`${f.label}: ${f.value.median.toPrecision(4)} ${f.unit} (p10 ${f.value.p10.toPrecision(4)}, p90 ${f.value.p90.toPrecision(4)})${verdict}\n`);
  }
  process.stdout.write(`results: ${out}\ndoc: ${doc}\n`);
  if (!fs.readdirSync(tmp).length) fs.rmdirSync(tmp);
  return 0;
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(`bench: ${(e as Error).stack ?? String(e)}\n`);
    process.exit(1);
  },
);
