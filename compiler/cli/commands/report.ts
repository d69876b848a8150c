// `mdidl report`: the paper's table for split drivers, from `mdidl split --json` files (several
// drivers side by side) or from a driver's units directly.
import * as fs from 'node:fs';
import type { Diagnostic } from '../../../idl/diagnostics.js';
import { computeReport, type Report } from '../../report/metrics.js';
import { readSplitJson } from '../../report/read.js';
import { renderJson, renderMarkdown, renderText } from '../../report/render.js';
import { splitDriver } from '../../split/index.js';
import { EXIT_INPUT, EXIT_OK, UsageError } from '../io.js';
import { printWithSources } from './split.js';

export interface ReportCliOptions {
  sidecar: string[];
  name?: string;
  json?: boolean;
  markdown?: boolean;
}

export async function runReport(files: string[], opts: ReportCliOptions): Promise<number> {
  if (!files.length) throw new UsageError('report: name split JSON files, or one driver\'s .i files');
  if (opts.json && opts.markdown) throw new UsageError('--json and --markdown: choose one');
  const reports: Report[] = [];
  const diagnostics: Diagnostic[] = [];
  if (files.every((f) => f.endsWith('.json'))) {
    if (opts.sidecar.length) throw new UsageError('--sidecar applies to .i inputs, not to split JSON files');
    for (const f of files) {
      let text: string;
      try {
        text = fs.readFileSync(f, 'utf8');
      } catch (e) {
        diagnostics.push({ severity: 'error', code: 'file-not-found', message: `cannot read '${f}': ${(e as Error).message}`, loc: { file: f, line: 1, column: 1, offset: 0, endOffset: 0, endLine: 1, endColumn: 2 } });
        continue;
      }
      const r = readSplitJson(text, f);
      diagnostics.push(...r.diagnostics);
      if (r.result) reports.push(computeReport(r.result));
    }
  } else {
    const { result, diagnostics: d } = await splitDriver({ files, sidecars: opts.sidecar, ...(opts.name !== undefined ? { name: opts.name } : {}) });
    diagnostics.push(...d);
    if (result) reports.push(computeReport(result));
  }
  printWithSources(diagnostics);
  if (diagnostics.some((d) => d.severity === 'error')) return EXIT_INPUT;
  process.stdout.write(opts.json ? renderJson(reports) : opts.markdown ? renderMarkdown(reports) : renderText(reports));
  return EXIT_OK;
}
