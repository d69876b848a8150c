// `mdidl report`: the paper's table for split drivers, from `mdidl split --json` files (several
// drivers side by side) or from a driver's units directly; and for the simulated samples, from
// their folders or sample.json files.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Diagnostic } from '../../../idl/diagnostics.js';
import { computeReport, type Report } from '../../report/metrics.js';
import { readSplitJson } from '../../report/read.js';
import { renderJson, renderMarkdown, renderText } from '../../report/render.js';
import { computeSampleReport, type SampleReport } from '../../report/samples-metrics.js';
import { readSampleJson, sampleJsonPath } from '../../report/samples-read.js';
import { renderSamplesJson, renderSamplesMarkdown, renderSamplesText } from '../../report/samples-render.js';
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
  if (!files.length) throw new UsageError('report: name split JSON files, one driver\'s .i files, or sample folders');
  if (opts.json && opts.markdown) throw new UsageError('--json and --markdown: choose one');
  const isSample = (f: string): boolean => path.basename(f) === 'sample.json' || isDirectory(f);
  if (files.some(isSample)) {
    if (!files.every(isSample)) throw new UsageError('report: name sample folders (or their sample.json) or split inputs, not both');
    if (opts.sidecar.length || opts.name !== undefined) throw new UsageError('--sidecar and --name apply to .i inputs, not to samples');
    return reportSamples(files, opts);
  }
  const reports: Report[] = [];
  const diagnostics: Diagnostic[] = [];
  if (files.every((f) => f.endsWith('.json'))) {
    if (opts.sidecar.length) throw new UsageError('--sidecar applies to .i inputs, not to split JSON files');
    for (const f of files) {
      let text: string;
      try {
        text = fs.readFileSync(f, 'utf8');
      } catch (e) {
        diagnostics.push(unreadable(f, e));
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

function isDirectory(f: string): boolean {
  try {
    return fs.statSync(f).isDirectory();
  } catch {
    return false;
  }
}

function unreadable(f: string, e: unknown): Diagnostic {
  return { severity: 'error', code: 'file-not-found', message: `cannot read '${f}': ${(e as Error).message}`, loc: { file: f, line: 1, column: 1, offset: 0, endOffset: 0, endLine: 1, endColumn: 2 } };
}

/** Samples side by side: every sample is read and checked before anything is printed. */
function reportSamples(inputs: string[], opts: ReportCliOptions): number {
  const reports: SampleReport[] = [];
  const diagnostics: Diagnostic[] = [];
  for (const input of inputs) {
    const file = sampleJsonPath(input);
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch (e) {
      diagnostics.push(unreadable(file, e));
      continue;
    }
    const { sample, diagnostics: d } = readSampleJson(text, file);
    diagnostics.push(...d);
    if (!sample) continue;
    // The files were there when sample.json was checked; one that cannot be read now is still an input error.
    let r: ReturnType<typeof computeSampleReport>;
    try {
      r = computeSampleReport(sample);
    } catch (e) {
      diagnostics.push({ ...unreadable(file, e), message: `cannot count the sample's files: ${(e as Error).message}` });
      continue;
    }
    diagnostics.push(...r.diagnostics);
    if (r.report) reports.push(r.report);
  }
  printWithSources(diagnostics);
  if (diagnostics.some((d) => d.severity === 'error')) return EXIT_INPUT;
  process.stdout.write(opts.json ? renderSamplesJson(reports) : opts.markdown ? renderSamplesMarkdown(reports) : renderSamplesText(reports));
  return EXIT_OK;
}
