// The layout both report tables share (real splits and samples): one row per measure, one column per
// driver, then per driver the bytes of each management call.

export type Row = [label: string, value: string];

export const pct = (x: number): string => `${(x * 100).toFixed(1)}%`;

export const mdEscape = (s: string): string => s.replace(/\|/g, '\\|');

/** Rows of label/value pairs per driver into rows of label then one value per driver. */
function transpose(perDriver: Row[][]): string[][] {
  const first = perDriver[0] ?? [];
  return first.map(([label], i) => [label, ...perDriver.map((rs) => rs[i]![1])]);
}

/** Labels left-aligned, values right-aligned, columns two spaces apart. */
export function textTable(names: string[], perDriver: Row[][]): string[] {
  const table = [['', ...names], ...transpose(perDriver)];
  const widths = table[0]!.map((_, i) => Math.max(...table.map((row) => row[i]!.length)));
  return table.map((row) => row.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ').trimEnd());
}

export function markdownTable(names: string[], perDriver: Row[][]): string[] {
  const out = [`| | ${names.map(mdEscape).join(' | ')} |`, `|---|${names.map(() => '---:').join('|')}|`];
  for (const row of transpose(perDriver)) out.push(`| ${row.map(mdEscape).join(' | ')} |`);
  return out;
}

export interface CallBytes {
  fn: string;
  pruned: number;
  full: number;
}

export function callBytesText(name: string, calls: CallBytes[]): string[] {
  if (!calls.length) return [];
  return ['', `${name}: bytes per management call (pruned / everything reachable)`, ...calls.map((c) => `  ${c.fn}  ${c.pruned} / ${c.full}`)];
}

export function callBytesMarkdown(name: string, calls: CallBytes[]): string[] {
  if (!calls.length) return [];
  return [
    '',
    `**${mdEscape(name)}**: bytes per management call`,
    '',
    '| call | pruned | everything reachable |',
    '|---|---:|---:|',
    ...calls.map((c) => `| ${mdEscape(c.fn)} | ${c.pruned} | ${c.full} |`),
  ];
}

/** The mean bytes per call, or `-` for a driver without management calls. */
export function meanBytes(total: number, calls: readonly unknown[]): string {
  return calls.length ? (total / calls.length).toFixed(0) : '-';
}
