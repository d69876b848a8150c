// The generated C stubs of bench/c/cbench.mdl with runtime/c, built with gcc -O2 into
// bench/c/cbench.c's program, which times (interleaved, round by round) a call through the stubs
// against memcpy of the call message's bytes (in-process transport: the codec and dispatch alone),
// the stubs' marshaling with no transport at all against the same memcpy, and a call over a
// SOCK_SEQPACKET socketpair to a thread against a raw ping-pong of the same bytes.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { cKernelBackend, cUserBackend } from '../../compiler/backends/c/index.js';
import { frontEnd } from '../../compiler/pipeline.js';
import { figure, type BenchOptions, type Figure, type Section } from '../figure.js';
import { ratios, spread } from '../stats.js';

interface Line {
  mode: 'codec' | 'marshal' | 'call';
  payload: number;
  message: number;
  iters: number;
  /** A call's serving threads: pinned to the caller's CPU, or to another. */
  cpu?: 'same' | 'other';
  /** [ns, floor ns], and for marshal then [encode ns, decode ns] (the first is their sum). */
  rounds: number[][];
}

function run(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 1 << 26 });
  if (r.error) throw new Error(`${cmd}: ${r.error.message} (the C figures need it installed)`);
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}):\n${r.stderr}`);
  return r.stdout;
}

function generate(root: string, dir: string): { user: string; kernel: string } {
  const idl = path.join(root, 'bench/c/cbench.mdl');
  const fe = frontEnd([idl]);
  if (!fe.ir) throw new Error(`bench/c/cbench.mdl does not check: ${fe.diagnostics.map((d) => d.message).join('; ')}`);
  const ctx = { sources: ['bench/c/cbench.mdl'], version: 'bench' };
  for (const f of [...cKernelBackend.generate(fe.ir, ctx), ...cUserBackend.generate(fe.ir, ctx)]) fs.writeFileSync(path.join(dir, f.path), f.content);
  return { user: path.join(dir, 'cbench_user.c'), kernel: path.join(dir, 'cbench_kernel.c') };
}

const size = (n: number): string => (n >= 1024 ? `${n / 1024} KiB` : `${n} B`);

export const cCodecSection: Section = {
  name: 'c',
  async run(o: BenchOptions): Promise<Figure[]> {
    const dir = path.join(o.tmp, 'cbench');
    fs.mkdirSync(dir);
    const g = generate(o.root, dir);
    const runtime = path.join(o.root, 'runtime/c');
    const exe = path.join(dir, 'cbench');
    run('gcc', ['-std=gnu11', '-O2', '-Wall', '-Wextra', '-Werror', `-I${runtime}`, `-I${dir}`, path.join(o.root, 'bench/c/cbench.c'), g.user, g.kernel, path.join(runtime, 'mdidl_rpc.c'), '-o', exe, '-lpthread']);
    const out = run(exe, o.quick ? ['3', '2000'] : ['21', '200000']);
    const lines = out.trim().split('\n').map((l) => JSON.parse(l) as Line);
    const figures: Figure[] = [];
    const ns = (xs: number[]): string => spread(xs).median.toFixed(0);
    for (const l of lines) {
      const call = l.rounds.map((r) => r[0]!);
      const floor = l.rounds.map((r) => r[1]!);
      const ratio = spread(ratios(call, floor));
      if (l.mode === 'codec') {
        figures.push(
          figure({
            id: `c.codec.${l.payload}`,
            section: 'c',
            label: `C call through the stubs, in-process (${size(l.payload)} payload, ${l.message}-byte message) ÷ memcpy of the message`,
            unit: 'x',
            value: ratio,
            target: { op: '<=', value: 3 },
            limits: `a round trip is two messages, each built and checked (header, ids, bounds), plus the channel's call lock, three takings of its table lock and the dispatch: ${ns(call)} ns median against ${ns(floor)} ns of memcpy. That fixed cost dominates small payloads, where a 64-byte memcpy takes a few ns; large ones approach the one copy a call needs (into the message: the callee reads its const byte array in place), 1× memcpy`,
          }),
        );
      } else if (l.mode === 'marshal') {
        const enc = l.rounds.map((r) => r[2]!);
        const dec = l.rounds.map((r) => r[3]!);
        figures.push(
          figure({
            id: `c.marshal.${l.payload}`,
            section: 'c',
            label: `C marshaling through the stubs, no transport (${size(l.payload)} payload): encode the call + decode its reply, decode the call + encode its reply ÷ memcpy of the call message`,
            unit: 'x',
            value: ratio,
            target: { op: '<=', value: 3 },
            limits: `the caller's side ${ns(enc)} ns (call lock, message set-up, the payload copied in, the reply checked), the callee's ${ns(dec)} ns (header and bounds checks, dispatch, the payload read in place, the reply built), memcpy ${ns(floor)} ns: one copy of the payload, as memcpy makes, so large sizes approach 1×; small ones pay the per-message checks and bookkeeping`,
          }),
        );
      } else {
        const other = l.cpu === 'other';
        const added = spread(call).median - spread(floor).median;
        figures.push(
          figure({
            id: `c.call.${l.payload}${other ? '.other' : ''}`,
            section: 'c',
            label: `C call through the stubs over a socketpair (${size(l.payload)} payload), the serving thread on ${other ? 'another CPU than' : 'the same CPU as'} the caller ÷ raw write+read ping-pong of the same bytes, placed alike`,
            unit: 'x',
            value: ratio,
            target: null,
            limits: other
              ? `the transport: two system calls and a wake-up of a thread on another vCPU each way, ${spread(floor).median.toFixed(0)} ns raw (an idle vCPU of this VM takes ~100 µs to wake); the stubs add ${added.toFixed(0)} ns median`
              : `the transport: two system calls and a hand-off to a thread on the same CPU each way, ${spread(floor).median.toFixed(0)} ns raw; the stubs add ${added.toFixed(0)} ns median (the poll before each receive, the two messages' building and checking)`,
          }),
        );
      }
    }
    for (const l of lines.filter((x) => x.mode === 'codec' && x.payload === 312)) {
      figures.push(
        figure({
          id: 'c.codec.312.ns',
          section: 'c',
          label: 'C call through the stubs, in-process, 312-byte payload (issue #12 measured 45 µs)',
          unit: 'ns',
          value: spread(l.rounds.map((r) => r[0]!)),
          target: null,
          limits: 'per-call locking and bookkeeping: nothing is allocated (the outermost call keeps its buffer and its reply lands in it, the callee replies in the channel\'s serve buffer, taken with no lock of its own, and reads the array in place)',
        }),
      );
    }
    o.log(`c: ${lines.length} series`);
    return figures;
  },
};
