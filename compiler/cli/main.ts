// The `mdidl` command line. Commands load lazily so `mdidl --help` and each command start fast.
import * as fs from 'node:fs';
import { Command, CommanderError, Option } from 'commander';
import { cliConfig } from './config-option.js';
import { displayPath, ERROR_FORMATS, EXIT_INPUT, EXIT_USAGE, setReporting, UsageError, type ErrorFormat } from './io.js';

export function version(): string {
  const pkg = JSON.parse(fs.readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** Every command's help ends with this: the statuses are the same for all of them. */
const EXIT_HELP = `
Exit status (every command):
  0  success
  1  problems in the input: a located error, a stale generated file, a breaking change
  2  a wrong command line: unknown option or target, a file that does not exist`;

interface GlobalOptions {
  config?: string;
  errorFormat: ErrorFormat;
  quiet?: boolean;
  verbose?: boolean;
}

export function buildCli(setExit: (code: number) => void): Command {
  const program = new Command('mdidl')
    .description('Interface compiler for split device drivers (Microdrivers): IDL, checker and stub generators')
    .version(version(), '-V, --version')
    .option('-c, --config <file>', 'configuration file (default: the nearest mdidl.config.json in the current folder or above)')
    .addOption(new Option('--error-format <format>', 'how problems are printed on stderr').choices([...ERROR_FORMATS]).default('text'))
    .option('-q, --quiet', 'print errors only: no warnings, no remarks')
    .option('-v, --verbose', 'also say which config is used and which files are written')
    .addHelpText('afterAll', EXIT_HELP)
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureOutput({ outputError: (str, write) => write(`mdidl: ${str.replace(/^error: /, 'error: ')}`) })
    .hook('preAction', () => {
      const g = program.opts<GlobalOptions>();
      if (g.quiet && g.verbose) throw new UsageError('--quiet and --verbose exclude each other');
      setReporting({ format: g.errorFormat, quiet: g.quiet === true, verbose: g.verbose === true });
    });

  program
    .command('fmt')
    .summary('format .mdl files canonically')
    .description('Rewrite .mdl files in canonical form (folders are searched for .mdl files; - reads standard input and writes standard output).')
    .argument('[files...]', ".mdl files or folders (default: the config's inputs)")
    .option('--check', 'change nothing; list files that are not formatted and exit 1 if any')
    .option('--diff', 'change nothing; print what formatting would change as a unified diff and exit 1 if anything')
    .action(async (files: string[], opts: { check?: boolean; diff?: boolean }) => {
      const config = await cliConfig(program.opts<{ config?: string }>().config);
      if (config === 'invalid') return setExit(EXIT_INPUT);
      const { runFmt } = await import('./commands/fmt.js');
      // Config inputs are absolute; fmt names files as the user would type them from here.
      setExit(runFmt(files.length ? files : (config?.inputs ?? []).map(displayPath), opts));
    });

  program
    .command('parse')
    .summary('check an IDL file; print its syntax tree or IR as JSON')
    .description(
      'Check FILE and everything it imports. With --json, print the syntax tree of FILE (syntax only); with --ir --json, the checked IR that every backend reads.',
    )
    .argument('<file>', 'the .mdl file')
    .option('--json', 'print JSON to standard output')
    .option('--ir', 'the checked IR instead of the syntax tree')
    .option('-I, --include <dir>', 'search DIR for imports (repeatable)', collect, [])
    .addOption(new Option('--abi <abi>', "data model for layouts (default: the config's, else lp64)").choices(['lp64', 'ilp32']))
    .action(async (file: string, opts: { json?: boolean; ir?: boolean; include: string[]; abi?: 'lp64' | 'ilp32' }) => {
      const config = await cliConfig(program.opts<{ config?: string }>().config);
      if (config === 'invalid') return setExit(EXIT_INPUT);
      const { runParse } = await import('./commands/parse.js');
      setExit(
        runParse(file, {
          ...opts,
          include: [...opts.include, ...(config?.includePaths ?? [])],
          abi: opts.abi ?? config?.abi ?? 'lp64',
        }),
      );
    });

  program
    .command('compile')
    .summary('generate code from IDL')
    .description(
      "Check the IDL and generate code for each target into its own folder (default: the config's outputs, else generated/<target>). " +
        "Targets: c-kernel (the k-driver's C stubs), c-user (the u-driver's), ts (TypeScript); default: the config's, else all three.",
    )
    .argument('[files...]', ".mdl files (default: the config's inputs)")
    .option('-I, --include <dir>', 'search DIR for imports (repeatable)', collect, [])
    .option('-t, --target <target>', "what to generate (repeatable; default: the config's targets, else all)", collect, [])
    .option('-o, --out-dir <dir>', 'write each target to DIR/<target>')
    .option('--templates <dir>', 'templates overriding the built-in ones')
    .addOption(new Option('--abi <abi>', 'data model for layouts').choices(['lp64', 'ilp32']))
    .action(async (files: string[], opts: import('./commands/compile.js').CompileOptions) => {
      const config = await cliConfig(program.opts<{ config?: string }>().config);
      if (config === 'invalid') return setExit(EXIT_INPUT);
      const { runCompile } = await import('./commands/compile.js');
      setExit(await runCompile(files, opts, config));
    });

  program
    .command('check')
    .summary('check that the generated files are what the IDL generates now')
    .description(
      "Regenerate every target in memory and compare with the files on disk: list stale, missing and extra generated files with a short diff; " +
        "with a lower step in the config, also re-lower the C headers and compare with the .mdl. Exit 1 when anything differs. --fix rewrites them.",
    )
    .argument('[files...]', ".mdl files (default: the config's inputs)")
    .option('--fix', 'rewrite stale and missing files and remove extra ones')
    .option('-I, --include <dir>', 'search DIR for imports (repeatable)', collect, [])
    .option('-t, --target <target>', "targets to check (repeatable; default: the config's targets, else all)", collect, [])
    .option('-o, --out-dir <dir>', 'the generated files are in DIR/<target>')
    .option('--templates <dir>', 'templates overriding the built-in ones')
    .addOption(new Option('--abi <abi>', "data model for layouts (default: the config's, else lp64)").choices(['lp64', 'ilp32']))
    .action(async (files: string[], opts: import('./commands/check.js').CheckOptions) => {
      const config = await cliConfig(program.opts<{ config?: string }>().config);
      if (config === 'invalid') return setExit(EXIT_INPUT);
      const { runCheck } = await import('./commands/check.js');
      setExit(await runCheck(files, opts, config));
    });

  program
    .command('lower')
    .summary('lower annotated C driver headers to IDL')
    .description(
      'Read annotated C headers (or one kbuild-preprocessed .i file) and write the IDL of what crosses: the functions marked ' +
        'MDL_UPCALL/MDL_DOWNCALL/MDL_CRITICAL (or listed with --upcall/--downcall/--critical), and the types and fields ' +
        'their access sets reach. See docs/annotations.md. Without files, runs the "lower" step of mdidl.config.json and writes its output.',
    )
    .argument('[files...]', 'headers, or one .i file (default: the config\'s lower step)')
    .option('-o, --output <file>', "write the IDL here (default: standard output; without files, the config's lower.output)")
    .option('-I, --include <dir>', 'search DIR for #include (repeatable)', collect, [])
    .option('-D, --define <name[=value]>', 'define a macro (repeatable)', collect, [])
    .option('--cpp <command>', 'use this C preprocessor instead of the built-in one (e.g. "gcc -E")')
    .option('--module <name>', 'module name (default: the first file name)')
    .option('--module-version <n>', 'module version (default: 1)')
    .option('--interface <name>', 'interface for annotated free functions (default: the module name)')
    .option('--upcall <name>', 'FUNCTION or STRUCT.MEMBER crosses as an upcall (repeatable)', collect, [])
    .option('--downcall <name>', 'FUNCTION or STRUCT.MEMBER crosses as a downcall (repeatable)', collect, [])
    .option('--critical <name>', 'FUNCTION or STRUCT.MEMBER stays in the kernel (repeatable)', collect, [])
    .option('--own <dir>', "the driver's own sources, emitted whole (default: the inputs' folders; repeatable)", collect, [])
    .option('--own-headers', "the k-driver includes the driver's own headers: their types get [header(\"...\")] like the kernel's")
    .option('--sidecar <file>', 'annotations for code you cannot edit, one per line (.mda; repeatable; docs/annotations.md)', collect, [])
    .option('--no-builtin-sidecar', "do not apply the built-in sidecar of Linux header conventions")
    .addOption(new Option('--abi <abi>', 'target data model (32-bit targets: ilp32)').choices(['lp64', 'ilp32']))
    .action(async (files: string[], opts: import('./commands/lower.js').LowerCliOptions) => {
      const config = await cliConfig(program.opts<{ config?: string }>().config);
      if (config === 'invalid') return setExit(EXIT_INPUT);
      const { runLower } = await import('./commands/lower.js');
      setExit(runLower(files, opts, config));
    });

  program
    .command('diff')
    .summary('compare two versions of an interface and classify every change')
    .description(
      'Compare two versions of an interface on the checked IR: OLD and NEW (two .mdl files, each with its imports, or two ' +
        'folders), or with --against REV the working tree against the same files at a git revision. Every change is ' +
        'wire-breaking, source-breaking, compatible or cosmetic; see docs/diff.md. Exit 1 when a change reaches --fail-on.',
    )
    .argument('[paths...]', "OLD NEW; with --against, the files or folders to compare (default: the config's inputs)")
    .option('--against <rev>', 'compare the working tree with this git revision (read with git; nothing is checked out)')
    .option('--json', 'print the report as JSON')
    .option('--markdown', 'print the report as Markdown, for a review comment')
    .option('--all', 'also show cosmetic changes (comments, formatting)')
    .addOption(
      new Option('--fail-on <class>', 'exit 1 when a change of this class or a worse one is found')
        .choices(['wire-breaking', 'source-breaking', 'compatible', 'cosmetic', 'any', 'none'])
        .default('wire-breaking'),
    )
    .option('-I, --include <dir>', 'search DIR for imports, on both sides (repeatable)', collect, [])
    .addOption(new Option('--abi <abi>', "data model for layouts (default: the config's, else lp64)").choices(['lp64', 'ilp32']))
    .action(async (paths: string[], opts: Omit<import('./commands/diff.js').DiffCliOptions, 'abi'> & { abi?: 'lp64' | 'ilp32' }) => {
      const config = await cliConfig(program.opts<{ config?: string }>().config);
      if (config === 'invalid') return setExit(EXIT_INPUT);
      const { runDiff } = await import('./commands/diff.js');
      setExit(
        runDiff(
          paths,
          { ...opts, include: [...opts.include, ...(config?.includePaths ?? [])], abi: opts.abi ?? config?.abi ?? 'lp64' },
          config,
        ),
      );
    });

  program
    .command('init')
    .summary('start a driver project: config, annotated header, Kbuild and CI')
    .description(
      'Write a starting point into DIR (default: the current folder): mdidl.config.json with a lower step, an annotated header ' +
        'skeleton, kernel/Kbuild and kernel/Makefile that build the k-driver\'s stubs with the runtime, and a CI workflow that runs ' +
        'fmt --check, check and diff. Nothing is overwritten unless --force.',
    )
    .argument('[dir]', 'the project folder', '.')
    .option('--module <name>', "the driver's module name (default: the folder's name)")
    .option('--force', 'overwrite files that exist')
    .action(async (dir: string, opts: import('./commands/init.js').InitOptions) => {
      const { runInit } = await import('./commands/init.js');
      setExit(runInit(dir, opts));
    });

  program
    .command('split')
    .summary('partition a driver into its kernel and user-mode parts')
    .description(
      "Compile the driver's units (kbuild .i files, or C files) with clang to LLVM IR, find its entry points and critical roots, " +
        'keep everything they reach in the kernel and move the rest to user mode; print the partition (every function, its side ' +
        'and why), or with -o DIR write DIR/<name>.partition, .dot and .split.json. See docs/split.md.',
    )
    .argument('<files...>', "the driver's translation units")
    .option('--sidecar <file>', 'sidecar annotation file: critical functions and members, summaries of kernel services (repeatable)', collect, [])
    .option('--name <name>', "the driver's name in outputs (default: the first unit's name)")
    .option('-o, --out-dir <dir>', 'write the partition, the DOT call graph and the JSON here')
    .option('--json', 'print the result as JSON')
    .option('--timing', 'print clang, reading and analysis times to standard error (and into --json)')
    .option('--clang <command>', 'the clang to run (default: clang, or $MDIDL_CLANG)')
    .option('--idl', "also write DIR/<name>.mdl: the interface, lowered from the first unit with the split's roles and access sets")
    .option('--no-builtin-sidecar', "for --idl: do not apply lower's built-in sidecar of Linux header conventions")
    .option('--emit <dir>', "write the k-driver as a kbuild tree to DIR/kdriver/ (the driver's sources with user-side functions replaced by upcalls, the kernel stubs, the runtime and the glue) and the u-driver to DIR/udriver/ (the user-side functions, the user stubs, kernel-service shims, a main and a Makefile) (docs/real-e1000-split.md)")
    .action(async (files: string[], opts: import('./commands/split.js').SplitCliOptions) => {
      const { runSplit } = await import('./commands/split.js');
      setExit(await runSplit(files, opts));
    });

  program
    .command('report')
    .summary("the paper's table for split drivers")
    .description(
      'Functions and lines on each side, the share moved to user mode, annotation lines, the interface and the bytes per ' +
        'management call with and without access sets: from `mdidl split --json` files (one column each), from one ' +
        "driver's units, or from simulated samples (a sample folder or its sample.json, one column each). See docs/report.md.",
    )
    .argument('<files...>', "split JSON files, one driver's .i files, or sample folders")
    .option('--sidecar <file>', 'sidecar annotation file, for .i inputs (repeatable)', collect, [])
    .option('--name <name>', "the driver's name, for .i inputs")
    .option('--json', 'print JSON')
    .option('--markdown', 'print a Markdown table')
    .action(async (files: string[], opts: import('./commands/report.js').ReportCliOptions) => {
      const { runReport } = await import('./commands/report.js');
      setExit(await runReport(files, opts));
    });

  return program;
}

export async function main(argv: string[]): Promise<number> {
  let code = 0;
  const program = buildCli((c) => (code = c));
  try {
    if (argv.length === 0) {
      program.outputHelp();
      return EXIT_USAGE;
    }
    await program.parseAsync(argv, { from: 'user' });
    return code;
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help') return 0;
      return EXIT_USAGE;
    }
    if (e instanceof UsageError) {
      process.stderr.write(`mdidl: error: ${e.message}\n`);
      return EXIT_USAGE;
    }
    // A bug in mdidl, not in the input: say so plainly; the stack only on request.
    process.stderr.write(`mdidl: internal error: ${(e as Error).message}\n`);
    if (process.env['MDIDL_DEBUG']) process.stderr.write(`${(e as Error).stack}\n`);
    else process.stderr.write('mdidl: set MDIDL_DEBUG=1 for details and report this as a bug\n');
    return EXIT_INPUT;
  }
}
