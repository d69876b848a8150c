// The synthetic program the compile figure measures: n structs and n functions shaped like a
// driver's (scalars, a string, a counted array, a pointer to the next struct, an embedded struct),
// each function with explicit access sets two levels deep and every tenth one with a deep read.
// The structs form chains of five ending in a leaf, so a deep read reaches at most five of them and
// what the compiler must generate grows linearly with n (any super-linear time is the compiler's).
export function syntheticProgram(n: number): string {
  const out = [`module synth version 1;`, '', 'const MAXN = 64;', '', 'struct pos {', '    u32 x;', '    u32 y;', '}', '', 'struct leaf {', '    u32 v;', '}', ''];
  for (let i = 0; i < n; i++) {
    out.push(
      `struct t${i} {`,
      '    u32 f0;',
      '    u32 f1;',
      '    u64 f2;',
      '    s16 f3;',
      '    [string, max(32)] char *name;',
      '    u32 nitems;',
      '    [count(nitems), max(MAXN)] u32 *items;',
      '    pos at;',
      `    ${i % 5 === 4 || i === n - 1 ? 'leaf' : `t${i + 1}`} *next;`,
      '}',
    );
  }
  out.push('', 'interface synth_ops {');
  for (let i = 0; i < n; i++) {
    const kind = i % 2 ? 'downcall' : 'upcall';
    const reads = i % 10 === 0 ? `p.**` : `p.f0, p.name, p.items, p.next.*`;
    out.push(`    ${kind} s32 fn${i}(t${i} *p, u32 arg) reads(${reads}) writes(p.f2, p.at.y);`);
  }
  out.push('}', '');
  return out.join('\n');
}
