// `npm run demo`: the whole pipeline on every sample, then the samples running. For each one:
// lower its annotated header to IDL, generate the stubs, check the checked-in stubs are current,
// then run its scenario split (u-driver in a worker, generated stubs between the halves) and
// monolithic (both halves on the kernel thread, no RPC), and print what happened.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { main as mdidlMain } from '../compiler/cli/main.js';
import { lowerArgs, readManifest, type SampleManifest } from './common/manifest.js';
import { failures, runBothModes, type ScenarioOptions, type ScenarioResult } from './common/scenario.js';
import { renderSample, type SampleInfo } from './common/table.js';

/** The repository (this file runs as dist/samples/demo.js). */
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const tty = process.stdout.isTTY === true;

interface Runnable {
  info: SampleInfo;
  run: (o: ScenarioOptions) => Promise<ScenarioResult>;
}

/** The paper's four drivers, in the order the brief lists them; each module exports info and its runner. */
const SAMPLES: { name: string; load: () => Promise<Runnable> }[] = [
  { name: 'rtl8139', load: async () => ({ info: (await import('./rtl8139/scenario.js')).info, run: (await import('./rtl8139/scenario.js')).runRtl8139 }) },
  { name: 'e1000', load: async () => ({ info: (await import('./e1000/scenario.js')).info, run: (await import('./e1000/scenario.js')).runE1000 }) },
  { name: 'ens1371', load: async () => ({ info: (await import('./ens1371/scenario.js')).info, run: (await import('./ens1371/scenario.js')).runEns1371 }) },
  { name: 'uhci', load: async () => ({ info: (await import('./uhci/scenario.js')).info, run: (await import('./uhci/scenario.js')).runUhci }) },
];

/** Runs an mdidl command in `cwd`, in this process (the CLI's own entry point, without a new Node). */
async function mdidlRun(cwd: string, args: string[]): Promise<{ ms: number }> {
  const t0 = performance.now();
  const here = process.cwd();
  process.chdir(cwd);
  let code: number;
  try {
    code = await mdidlMain(args);
  } finally {
    process.chdir(here);
  }
  if (code !== 0) throw new Error(`mdidl ${args.join(' ')} in ${path.relative(root, cwd) || '.'} failed (exit ${code})`);
  return { ms: performance.now() - t0 };
}

function count(idl: string): { types: number; functions: number } {
  const types = idl.match(/^(struct|union|enum|typedef|callback)\s/gm)?.length ?? 0;
  const functions = idl.match(/^\s+(upcall|downcall|critical)\s/gm)?.length ?? 0;
  return { types, functions };
}

function filesUnder(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? filesUnder(path.join(dir, e.name)) : [path.join(dir, e.name)]));
}

/** lower -> compile -> check for one sample folder, saying what each step did. */
async function pipeline(dir: string, lower: string[], output: string): Promise<void> {
  const rel = (p: string): string => path.relative(root, p);
  const before = fs.existsSync(path.join(dir, output)) ? fs.readFileSync(path.join(dir, output), 'utf8') : '';
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mdidl-demo-'));
  let idl: string;
  let lowered: { ms: number };
  try {
    lowered = await mdidlRun(dir, [...lower, '-o', path.join(tmp, output)]);
    idl = fs.readFileSync(path.join(tmp, output), 'utf8');
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  const { types, functions } = count(idl);
  const changed = idl !== before;
  if (changed) fs.writeFileSync(path.join(dir, output), idl);
  console.log(`  lower:   ${lower[lower.length - 1]} -> lowered ${types} types and ${functions} functions to ${rel(path.join(dir, output))}${changed ? ' (CHANGED: rebuild with `npx tsc -p .` to run it)' : ' (same as checked in)'} [${lowered.ms.toFixed(0)} ms]`);
  const compiled = await mdidlRun(dir, ['compile']);
  const config = JSON.parse(fs.readFileSync(path.join(dir, 'mdidl.config.json'), 'utf8')) as { outputs: Record<string, string> };
  const generated = Object.entries(config.outputs).map(([target, out]) => `${target}: ${filesUnder(path.join(dir, out)).map((f) => path.basename(f)).sort().join(', ')}`);
  console.log(`  compile: generated ${generated.join('; ')} [${compiled.ms.toFixed(0)} ms]`);
  const checked = await mdidlRun(dir, ['check']);
  console.log(`  check:   passed: the checked-in stubs are what the IDL generates [${checked.ms.toFixed(0)} ms]`);
}

function progress(label: string): { update: (done: number, total: number) => void; end: () => void } {
  let shown = -1;
  return {
    update: (done, total) => {
      const pct = Math.floor((done / total) * 100);
      if (tty) {
        if (pct !== shown) process.stdout.write(`\r  ${label}: ${done.toLocaleString('en-US')}/${total.toLocaleString('en-US')} (${pct}%)   `);
      } else if (pct >= shown + 25 || done === total) {
        console.log(`  ${label}: ${done.toLocaleString('en-US')}/${total.toLocaleString('en-US')}`);
      } else {
        return;
      }
      shown = pct;
    },
    end: () => {
      if (tty) process.stdout.write('\r\x1b[K');
    },
  };
}

async function main(): Promise<number> {
  const events = Number(process.env.MDL_DEMO_EVENTS ?? 100_000);
  const problems: string[] = [];
  const tables: string[][] = [];

  console.log('== nic: the simulated NIC driver');
  await pipeline(path.join(root, 'samples/nic'), ['lower', '-I', path.join(root, 'include'), '--module', 'nic', '--interface', 'kernel', 'nic.h'], 'nic.mdl');
  const nic = await import('./nic/run.js');
  const report = await nic.runDemo();
  for (const l of report.lines) console.log(`  ${l}`);
  if (report.kernelLog.length) problems.push(...report.kernelLog.map((l) => `nic: kernel log: ${l}`));

  for (const s of SAMPLES) {
    const dir = path.join(root, 'samples', s.name);
    const m: SampleManifest = readManifest(dir);
    console.log(`\n== ${s.name}: ${m.title}`);
    await pipeline(dir, lowerArgs(m, path.join(root, 'include')), m.lower.output);
    const sample = await s.load();
    let bar = progress('');
    const run = await runBothModes(sample.run, {
      events,
      warmup: Math.min(5000, events),
      onMode: (md) => {
        bar.end();
        bar = progress(`${md} ${sample.info.unit}`);
        console.log(`  running ${md}${md === 'split' ? ' (u-driver in a worker, stubs between the halves)' : ' (both halves on the kernel thread, no RPC)'}`);
      },
      progress: (done, total) => bar.update(done, total),
    });
    bar.end();
    const table = renderSample(sample.info, run);
    tables.push(table);
    problems.push(...failures(run));
  }

  console.log('\n================ summary ================');
  for (const t of tables) console.log(t.join('\n') + '\n');
  if (problems.length) {
    console.log(`${problems.length} problem(s):\n${problems.map((p) => `  ${p}`).join('\n')}`);
    return 1;
  }
  console.log('every check passed: no upcall from any critical path, every packet, period and transfer intact and in order, nothing lost across the crashes');
  return 0;
}

process.exitCode = await main();
