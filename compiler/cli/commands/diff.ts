// `mdidl diff`: compare two versions of an interface on the checked IR and classify every change
// (docs/diff.md). Exit 0 when nothing reaches --fail-on, 1 when something does or a side does not
// check, 2 for a wrong command line (including a bad revision or a missing file).
import pc from 'picocolors';
import type { Abi } from '../../../idl/checker/types.js';
import {
  diff,
  DiffUsageError,
  type FailOn,
  FAIL_ON_CHOICES,
  gitSides,
  loadSide,
  pathSides,
  renderJson,
  renderMarkdown,
  renderText,
  type SideSpec,
} from '../../diff/index.js';
import type { DiffReport } from '../../diff/report.js';
import { failed } from '../../diff/report.js';
import { fails, type Change } from '../../diff/change.js';
import type { Diagnostic } from '../../../idl/diagnostics.js';
import type { BreakingIgnore, MdidlConfig } from '../../config.js';
import { compareIdl } from '../../check/index.js';
import { lowerFiles } from '../../lower/index.js';
import { displayPath, errorFormat, EXIT_INPUT, EXIT_OK, note, printDiagnostics, UsageError } from '../io.js';
import { lowerInputOf } from '../lower-step.js';

export interface DiffCliOptions {
  against?: string;
  json?: boolean;
  markdown?: boolean;
  all?: boolean;
  failOn: string;
  include: string[];
  abi: Abi;
}

/** The changes the config's breaking.ignore accepts, and the rest. */
export function partitionIgnored(changes: Change[], ignore: readonly BreakingIgnore[]): { kept: Change[]; ignored: { change: Change; rule: BreakingIgnore }[] } {
  const kept: Change[] = [];
  const ignored: { change: Change; rule: BreakingIgnore }[] = [];
  for (const c of changes) {
    const rule = ignore.find((r) => (c.subject === r.subject || c.subject.startsWith(r.subject + '.')) && (r.kind === null || r.kind === c.kind));
    if (rule && c.class !== 'cosmetic') ignored.push({ change: c, rule });
    else kept.push(c);
  }
  return { kept, ignored };
}

export function runDiff(paths: string[], opts: DiffCliOptions, config: MdidlConfig | null): number {
  const configInputs = config?.inputs ?? [];
  if (opts.json && opts.markdown) throw new UsageError('--json and --markdown exclude each other');
  if (!(FAIL_ON_CHOICES as readonly string[]).includes(opts.failOn))
    throw new UsageError(`--fail-on ${opts.failOn}: expected one of ${FAIL_ON_CHOICES.join(', ')}`);
  let sides: [SideSpec, SideSpec];
  try {
    if (opts.against !== undefined) {
      const files = paths.length ? paths : configInputs;
      if (!files.length) throw new UsageError('diff --against REV needs the files or folders to compare, or a mdidl.config.json listing inputs');
      sides = gitSides(opts.against, files);
    } else {
      if (paths.length !== 2)
        throw new UsageError('diff needs OLD and NEW (two files or two folders), or --against REV [FILES...]');
      sides = pathSides(paths[0]!, paths[1]!);
    }
  } catch (e) {
    if (e instanceof DiffUsageError) throw new UsageError(e.message);
    throw e;
  }
  // The working tree's .mdl may lag behind its headers; the diff then compares what is checked in,
  // not what the headers say, and must say so rather than report "no changes" silently.
  if (opts.against !== undefined && config?.lower && paths.length === 0) {
    const lowered = lowerFiles(lowerInputOf(config.lower, config));
    if (lowered.text !== null && compareIdl(config.lower.output, lowered.text))
      process.stderr.write(
        `mdidl diff: warning: ${displayPath(config.lower.output)} is stale against its C headers; this compares the .mdl as it is (run 'mdidl lower' first)\n`,
      );
  }
  const load = { includePaths: opts.include, abi: opts.abi };
  const [oldSpec, newSpec] = sides;
  const oldSide = loadSide(oldSpec, load);
  const newSide = loadSide(newSpec, load);
  // A side that does not check has no IR to compare; its diagnostics say why. Warnings of a side
  // that does check are not the diff's business (`mdidl parse` shows them).
  let broken = false;
  for (const [which, spec, side] of [
    ['old', oldSpec, oldSide],
    ['new', newSpec, newSide],
  ] as const) {
    if (side.ir) continue;
    broken = true;
    process.stderr.write(`mdidl: the ${which} version (${spec.label}) does not check:\n`);
    printDiagnostics(side.diagnostics, side.program.sources);
  }
  if (broken || !oldSide.ir || !newSide.ir) return EXIT_INPUT;
  // Accepted changes leave the report (they neither show as breaking nor fail the run) and are
  // listed on stderr with the reason the config gives, so no exception goes unseen.
  const { kept, ignored } = partitionIgnored(
    diff({ program: oldSide.program, ir: oldSide.ir }, { program: newSide.program, ir: newSide.ir }),
    config?.breakingIgnore ?? [],
  );
  for (const { change, rule } of ignored)
    note(`mdidl diff: accepted by breaking.ignore: ${change.class} ${change.kind} ${change.subject}: ${rule.reason}`);
  const report: DiffReport = {
    oldLabel: oldSpec.label,
    newLabel: newSpec.label,
    changes: kept,
    all: opts.all === true,
    failOn: opts.failOn as FailOn,
  };
  // For tools and pull-request annotations, each change that is shown is also a diagnostic at
  // its new place (or its old one, for a removal): an error when it fails the run.
  if (errorFormat() !== 'text') {
    const shown = kept.filter((c) => c.class !== 'cosmetic' || report.all);
    printDiagnostics(
      shown.map((c) => {
        const at = c.new ?? c.old!;
        const file = c.new || opts.against === undefined ? at.file : at.file.slice(at.file.indexOf(':') + 1);
        return {
          severity: fails([c], report.failOn) ? 'error' : 'warning',
          code: c.kind,
          message: `${c.class}: ${c.subject}: ${c.message}`,
          loc: { file, line: at.line, column: at.column, offset: 0, endOffset: 0, endLine: at.line, endColumn: at.column },
        } satisfies Diagnostic;
      }),
      new Map(),
    );
  }
  const color = pc.isColorSupported && process.stdout.isTTY === true;
  process.stdout.write(opts.json ? renderJson(report) : opts.markdown ? renderMarkdown(report) : renderText(report, { color }));
  return failed(report) ? EXIT_INPUT : EXIT_OK;
}
