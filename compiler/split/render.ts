// The outputs of `mdidl split`: the partition file (every function, its side and why), the call
// graph as DOT coloured by side, and JSON. All ordered by name, so they are byte-stable.
import type { SplitResult } from './index.js';

export function renderPartition(r: SplitResult): string {
  const out: string[] = [];
  out.push(`# mdidl split: ${r.driver} (${r.units.join(', ')})`);
  out.push('# side    function  (file:line, lines)  why; for the kernel side, the call path from its critical root');
  for (const f of r.functions) {
    out.push(`${f.side.padEnd(6)}  ${f.fn}  (${f.file}:${f.line}, ${f.lines})  ${f.why}`);
    if (f.path && f.path.length > 1) out.push(`        path: ${f.path.join(' -> ')}`);
  }
  out.push('');
  out.push('# critical roots');
  for (const root of r.roots) out.push(`root    ${root.fn}  ${root.why}`);
  const areas = Object.entries(r.privateArea ?? {});
  if (areas.length) {
    out.push('');
    out.push('# private area: members the code converts to a driver struct (access paths go through them)');
    for (const [carrier, a] of areas) out.push(`private ${carrier} -> ${a.to}${a.carrier === 'computed' ? '  (computed, not a pointer field)' : ''}`);
  }
  out.push('');
  out.push('# interface');
  for (const c of r.crossings) {
    const target = c.target ? ` [${c.target}${c.variadic ? ', variadic' : ''}]` : '';
    out.push(`${c.role.padEnd(9)}${c.fn}(${c.params.join(', ')})${target} reads(${c.reads.join(', ')}) writes(${c.writes.join(', ')})  # ${c.source}`);
    out.push(`        ${c.role === 'upcall' ? 'via' : 'called by'}: ${c.via.join(', ')}`);
    if (c.unreached?.length) out.push(`        not reached from the parameters: ${c.unreached.join(', ')}`);
  }
  if (r.defaulted.length) {
    out.push('');
    out.push('# kernel services with the conservative default access sets (no sidecar summary)');
    for (const d of r.defaulted) out.push(`default ${d}`);
  }
  return out.join('\n') + '\n';
}

const COLOURS: Record<string, string> = { kernel: '#f4a582', user: '#92c5de', both: '#d9d9d9' };

export function renderDot(r: SplitResult): string {
  const q = (s: string): string => `"${s.replace(/["\\]/g, '\\$&')}"`;
  const out: string[] = [`digraph ${q(r.driver)} {`, '  rankdir=LR;', '  node [shape=box, style=filled, fontname="monospace"];'];
  for (const f of r.functions) out.push(`  ${q(f.fn)} [fillcolor=${q(COLOURS[f.side]!)}, tooltip=${q(f.side)}];`);
  for (const e of r.edges) out.push(`  ${q(e.from)} -> ${q(e.to)}${e.indirect ? ' [style=dashed]' : ''};`);
  out.push('}');
  return out.join('\n') + '\n';
}

/** JSON without timings (they differ run to run); `withTiming` adds them. */
export function renderJson(r: SplitResult, withTiming = false): string {
  const stable: Partial<SplitResult> = { ...r };
  if (!withTiming) delete stable.timing;
  return JSON.stringify(stable, null, 2) + '\n';
}
