// `compile` (every target: ts, c-kernel, c-user) of a synthetic program of n structs and n
// functions, at n = 250, 500, 1000, 2000 in each run: the time at 1000 and how it grows per
// doubling (2.0 is linear). Files are generated in memory, as `mdidl compile` does before it
// writes them; the front end (parse, check, IR) is included.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { regenerate } from '../../compiler/check/index.js';
import { frontEnd } from '../../compiler/pipeline.js';
import { figure, type BenchOptions, type Figure, type Section } from '../figure.js';
import { ratios, spread } from '../stats.js';
import { syntheticProgram } from './synthetic.js';

async function compileOnce(file: string): Promise<{ ms: number; cpuMs: number; bytes: number }> {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const fe = frontEnd([file]);
  if (!fe.ir) throw new Error(`the synthetic program does not check: ${fe.diagnostics.map((d) => d.message).join('; ')}`);
  const ctx = { sources: [path.basename(file)], version: 'bench' };
  const plans = await regenerate(
    fe.ir,
    (['ts', 'c-kernel', 'c-user'] as const).map((target) => ({ target, dir: target, ctx })),
  );
  const ms = performance.now() - t0;
  const c = process.cpuUsage(c0);
  const bytes = plans.reduce((n, p) => n + p.files.reduce((m, f) => m + f.content.length, 0), 0);
  return { ms, cpuMs: (c.user + c.system) / 1000, bytes };
}

export const compileSection: Section = {
  name: 'compile',
  async run(o: BenchOptions): Promise<Figure[]> {
    const sizes = o.quick ? [25, 50, 100, 200] : [250, 500, 1000, 2000];
    const runs = o.quick ? 1 : 3;
    const files = sizes.map((n) => {
      const f = path.join(o.tmp, `synth${n}.mdl`);
      fs.writeFileSync(f, syntheticProgram(n));
      return f;
    });
    // One warm-up compile loads the backends and templates.
    await compileOnce(files[0]!);
    const ms = sizes.map(() => [] as number[]);
    const cpu = sizes.map(() => [] as number[]);
    let bytes = 0;
    for (let r = 0; r < runs; r++) {
      for (let i = 0; i < sizes.length; i++) {
        const t = await compileOnce(files[i]!);
        ms[i]!.push(t.ms);
        cpu[i]!.push(t.cpuMs);
        if (i === 2) bytes = t.bytes;
      }
      o.log(`compile run ${r + 1}/${runs}: ${sizes.map((n, i) => `${n}: ${ms[i]![r]!.toFixed(0)} ms`).join(', ')}`);
    }
    const big = sizes[2]!;
    // Targets are held against CPU time: on a shared machine the wall time of a single-threaded
    // compile is mostly how long other processes held the cores (both are reported).
    const out: Figure[] = [
      figure({
        id: 'compile.cpu',
        section: 'compile',
        label: `compile (ts, c-kernel, c-user) of ${big} types + ${big} functions, CPU time (${(bytes / 1e6).toFixed(1)} MB generated)`,
        unit: 'ms',
        value: spread(cpu[2]!),
        target: o.quick ? null : { op: '<=', value: 1000 },
        limits: 'front end (parse, check, IR) about a third, each C backend about a third of the rest (both print the same per-type code), V8 garbage collection of the generated text',
      }),
      figure({
        id: 'compile.time',
        section: 'compile',
        label: `the same, wall time`,
        unit: 'ms',
        value: spread(ms[2]!),
        target: null,
        limits: 'the CPU time plus however long other processes held the cores',
      }),
    ];
    for (let i = 1; i < sizes.length; i++) {
      out.push(
        figure({
          id: `compile.growth.${sizes[i]}`,
          section: 'compile',
          label: `compile CPU time ${sizes[i]} ÷ ${sizes[i - 1]} (per doubling; 2.0 is linear)`,
          unit: 'x',
          value: spread(ratios(cpu[i]!, cpu[i - 1]!)),
          target: o.quick || i < 3 ? null : { op: '<=', value: 2.2 },
          limits: "generated output grows linearly by construction (chains of 5 structs), so growth above 2 is the compiler's",
        }),
      );
    }
    for (let i = 0; i < sizes.length; i++) {
      if (i === 2) continue;
      out.push(
        figure({
          id: `compile.cpu.${sizes[i]}`,
          section: 'compile',
          label: `compile of ${sizes[i]} types + ${sizes[i]} functions, CPU time`,
          unit: 'ms',
          value: spread(cpu[i]!),
          target: null,
          limits: 'as above',
        }),
      );
    }
    return out;
  },
};
