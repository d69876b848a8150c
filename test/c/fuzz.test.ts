// The k-driver's unmarshaler against arbitrary bytes: one libFuzzer harness per interface of the
// test corpus (test/c/fuzz/harness.ts), built with ASan and UBSan over the generated kernel-side
// C and runtime/c/mdidl_rpc.c (the kernel flavour, in user space through test/c/shim/), each run
// for a minute. A sanitizer report, a crash, a leak or an abort of the harness's own checks fails
// the interface's test with the path of the input that caused it.
//
// Two harnesses run at a time (MDL_FUZZ_JOBS), MDL_FUZZ_SECONDS each (60 by default), so the file
// takes about (interfaces / 2) minutes. A finding is saved under the run's temp directory; replay
// it alone with MDL_FUZZ_RESET_EVERY=1 <harness> <crash file> (a fresh channel per input).
import { expect } from 'chai';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { frontEnd } from '../../compiler/pipeline.js';
import type { IrProgram } from '../../compiler/ir/types.js';
import { dictionary, fuzzTargets, harnessC, writeSeeds } from './fuzz/harness.js';
import { generateC } from './generate.js';
import { ROOT, RUNTIME_C, TEST_C } from './vectors.js';

const CORPUS = ['test/c/corpus/graph.mdl', 'test/c/corpus/order.mdl', 'test/c/corpus/view.mdl', 'samples/nic/nic.mdl', 'samples/rtl8139/rtl8139.mdl'];
const SECONDS = Number(process.env['MDL_FUZZ_SECONDS'] ?? 60);
const JOBS = Math.max(1, Number(process.env['MDL_FUZZ_JOBS'] ?? 2));
/** Lines that mean a finding (the libFuzzer INFO lines about its own leak checking are not one). */
const FINDING = /ERROR: AddressSanitizer|ERROR: LeakSanitizer|runtime error|deadly signal|^(?!INFO:).*\bleak/im;

interface Job {
  module: string;
  iface: string;
  ir: IrProgram;
  file: string;
}

interface Outcome {
  status: number | null;
  signal: NodeJS.Signals | null;
  output: string;
  executions: number | null;
  dir: string;
  artifacts: string[];
  seeds: number;
}

function corpusJobs(): Job[] {
  const jobs: Job[] = [];
  for (const file of CORPUS) {
    const fe = frontEnd([path.join(ROOT, file)]);
    if (!fe.ir) throw new Error(`${file}: ${fe.diagnostics.map((d) => d.message).join('; ')}`);
    const ir = fe.ir;
    for (const t of fuzzTargets(ir)) jobs.push({ module: t.prefix, iface: t.iface.name, ir, file });
  }
  return jobs;
}

function clangVersion(): string {
  const r = spawnSync('clang', ['--version'], { encoding: 'utf8' });
  if (r.error || r.status !== 0) throw new Error('clang is not installed: the fuzz harnesses need clang with libFuzzer (-fsanitize=fuzzer)');
  return r.stdout.split('\n')[0] ?? '';
}

/** Builds one harness; returns the executable. */
function build(job: Job, dir: string, extra: string[] = []): { exe: string; seeds: number } {
  const g = generateC(job.file, path.join(dir, 'gen'));
  const harness = path.join(dir, `fuzz_${job.iface}.c`);
  fs.writeFileSync(harness, harnessC(job.ir, job.iface));
  const seeds = writeSeeds(job.ir, job.iface, path.join(dir, 'seeds'));
  fs.writeFileSync(path.join(dir, 'dict'), dictionary(job.ir));
  const exe = path.join(dir, `fuzz_${job.iface}`);
  const args = [
    '-g', '-O1', '-fsanitize=fuzzer,address,undefined', '-fno-sanitize-recover=undefined',
    '-Wall', '-Wextra', '-Wno-unused-parameter', '-Werror',
    '-D__KERNEL__', '-DMDL_QUIET', '-I', path.join(TEST_C, 'shim'), '-I', RUNTIME_C, '-I', g.dir,
    ...extra, '-o', exe, harness, g.kernelC, path.join(RUNTIME_C, 'mdidl_rpc.c'),
  ];
  const r = spawnSync('clang', args, { encoding: 'utf8' });
  if (r.status !== 0) {
    const out = `${r.stderr}${r.stdout}`;
    const hint = /fuzzer|libclang_rt/.test(out) ? '\n(the libFuzzer runtime may be missing: apt-cache search libclang-rt / libfuzzer)' : '';
    throw new Error(`clang failed for ${job.module}.${job.iface}:\n${out}${hint}`);
  }
  return { exe, seeds };
}

function run(exe: string, dir: string, seeds: number, limit = [`-max_total_time=${SECONDS}`]): Promise<Outcome> {
  const corpus = path.join(dir, 'corpus');
  const artifacts = path.join(dir, 'artifacts');
  fs.mkdirSync(corpus, { recursive: true });
  fs.mkdirSync(artifacts, { recursive: true });
  const args = [
    ...limit, '-print_final_stats=1', '-rss_limit_mb=2048', '-timeout=10',
    `-artifact_prefix=${artifacts}/`, `-dict=${path.join(dir, 'dict')}`, corpus, path.join(dir, 'seeds'),
  ];
  const env = { ...process.env, ASAN_OPTIONS: 'halt_on_error=1:detect_leaks=1', UBSAN_OPTIONS: 'halt_on_error=1:print_stacktrace=1' };
  return new Promise((resolve, reject) => {
    const child = spawn(exe, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const chunks: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => chunks.push(b));
    child.stderr.on('data', (b: Buffer) => chunks.push(b));
    // A hung harness (libFuzzer's own -timeout failed) still ends.
    const guard = setTimeout(() => child.kill('SIGKILL'), (SECONDS + 120) * 1000);
    child.on('error', (e) => {
      clearTimeout(guard);
      reject(e);
    });
    child.on('close', (status, signal) => {
      clearTimeout(guard);
      const output = Buffer.concat(chunks).toString('utf8');
      const m = /stat::number_of_executed_units:\s*(\d+)/.exec(output);
      resolve({
        status,
        signal,
        output,
        executions: m ? Number(m[1]) : null,
        dir,
        artifacts: fs.readdirSync(artifacts).map((f) => path.join(artifacts, f)),
        seeds,
      });
    });
  });
}

/** Why the run failed (with the inputs that did it), or null when it found nothing. */
/**
 * libFuzzer's notice that it stopped checking for leaks after each input, because an input ended
 * with more memory allocated than freed that LeakSanitizer found still reachable (the channel's
 * buffers, kept from one input to the next): the notice's continuation lines name LeakSanitizer
 * without being a finding. A real leak is still reported at exit as "ERROR: LeakSanitizer".
 */
const LEAK_CHECK_NOTICE = /^INFO: libFuzzer disabled leak detection after every mutation\.\n(?:[ \t]+[^\n]*\n?)*/gm;

function verdict(key: string, o: Outcome): string | null {
  if (!FINDING.test(o.output.replace(LEAK_CHECK_NOTICE, '')) && o.status === 0 && o.artifacts.length === 0) return null;
  const inputs = o.artifacts.length ? `\ninputs that failed: ${o.artifacts.join(', ')}` : '';
  return `${key}: the fuzzer found something (status ${o.status}${o.signal ? `, signal ${o.signal}` : ''}) in ${o.dir}${inputs}\n${excerpt(o.output)}`;
}

/** The last lines of the output around the first finding, for the failure message. */
function excerpt(output: string): string {
  const lines = output.split('\n');
  const at = lines.findIndex((l) => FINDING.test(l) || /==\d+==|SUMMARY|ABORTING|fuzz:/.test(l));
  const from = at >= 0 ? Math.max(0, at - 5) : Math.max(0, lines.length - 60);
  return lines.slice(from, from + 80).join('\n');
}

describe('c-kernel: libFuzzer on the kernel-side unmarshaler (ASan + UBSan)', function () {
  const jobs = corpusJobs();
  this.timeout((Math.ceil(jobs.length / JOBS) * (SECONDS + 120) + 600) * 1000);
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'mdl-fuzz-'));
  const results = new Map<string, Promise<Outcome>>();
  let started = false;

  /** Builds and runs every harness, JOBS at a time, in corpus order; each test awaits its own. */
  function startAll(): void {
    if (started) return;
    started = true;
    const version = (() => {
      try {
        return { ok: true as const, v: clangVersion() };
      } catch (e) {
        return { ok: false as const, e: e as Error };
      }
    })();
    const settle = new Map<string, { resolve: (o: Outcome) => void; reject: (e: Error) => void }>();
    for (const j of jobs) {
      const key = `${j.module}.${j.iface}`;
      const p = new Promise<Outcome>((resolve, reject) => settle.set(key, { resolve, reject }));
      p.catch(() => undefined); // awaited by its test; never an unhandled rejection meanwhile
      results.set(key, p);
    }
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < jobs.length) {
        const j = jobs[next++]!;
        const key = `${j.module}.${j.iface}`;
        const s = settle.get(key)!;
        try {
          if (!version.ok) throw version.e;
          const dir = path.join(root, key);
          fs.mkdirSync(dir, { recursive: true });
          const { exe, seeds } = build(j, dir);
          s.resolve(await run(exe, dir, seeds));
        } catch (e) {
          s.reject(e as Error);
        }
      }
    };
    for (let k = 0; k < JOBS; k++) void worker();
  }

  it('the corpus has interfaces to fuzz', () => {
    expect(jobs.map((j) => `${j.module}.${j.iface}`)).to.include.members(['graph.user_ops', 'graph.kernel_ops', 'nic.kernel', 'rtl8139.rtl8139_driver']);
  });

  for (const j of jobs) {
    const key = `${j.module}.${j.iface}`;
    it(`${key}: ${SECONDS} s of fuzzing find nothing`, async () => {
      startAll();
      const o = await results.get(key)!;
      console.log(`      ${key}: ${o.executions ?? '?'} executions, ${o.seeds} seeds (${o.dir})`);
      const failed = verdict(key, o);
      if (failed) throw new Error(failed);
      expect(o.executions, `${key}: no stat::number_of_executed_units in the output\n${excerpt(o.output)}`).to.be.a('number');
      expect(o.executions!).to.be.greaterThan(0);
    });
  }

  it('a planted heap overflow fails the run and names the input', async () => {
    clangVersion();
    const j = jobs[0]!;
    const dir = path.join(root, 'planted');
    fs.mkdirSync(dir, { recursive: true });
    const { exe, seeds } = build(j, dir, ['-DFUZZ_PLANTED_BUG']);
    fs.writeFileSync(path.join(dir, 'seeds', 'planted'), Buffer.from('\x00BUG!', 'latin1'));
    const o = await run(exe, dir, seeds, ['-runs=1000']);
    const failed = verdict('planted', o);
    expect(failed, 'the planted bug went unnoticed').to.be.a('string');
    expect(failed).to.match(/heap-buffer-overflow/);
    expect(o.artifacts.some((a) => /crash-/.test(a)), failed!).to.equal(true);
    expect(failed).to.include(o.artifacts[0]!);
    // Replayed alone, the saved input fails again.
    const replay = spawnSync(exe, [o.artifacts[0]!], { encoding: 'utf8', env: { ...process.env, MDL_FUZZ_RESET_EVERY: '1' } });
    expect(replay.status).to.not.equal(0);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  after(() => {
    // Kept when something failed (the inputs are in there), removed otherwise.
    if (this.tests.every((t) => t.state === 'passed')) fs.rmSync(root, { recursive: true, force: true });
  });
});
