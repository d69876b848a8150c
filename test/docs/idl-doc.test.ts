// Every example in docs/idl.md is checked, so the language reference cannot drift from the
// language. Fences:
//   ```mdl                   a valid block: no errors, no warnings, already in `mdidl fmt` form
//   ```mdl warns=a,b         the same, but exactly these warning codes (the text explains them)
//   ```mdl file=NAME         one file of a multi-file example; the files under one heading are
//                            loaded together, each block in turn as the entry file
//   ```mdl-error CODE        rejected input: CODE must be among the errors
// A block that does not start with `module` is checked as `module doc version 1;` + block.
import { expect } from 'chai';
import * as fs from 'node:fs';
import type { Diagnostic } from '../../idl/diagnostics.js';
import { parseMdl } from '../../idl/parse.js';
import { printDocument } from '../../idl/printer.js';
import { brief, checkSources } from '../helpers.js';

interface Block {
  /** 1-based position among the doc's mdl blocks. */
  index: number;
  heading: string;
  /** Line of the opening fence, for failure messages. */
  line: number;
  kind: 'mdl' | 'mdl-error';
  text: string;
  file: string | null;
  warns: string[];
  code: string | null;
}

const DOC = new URL('../../../docs/idl.md', import.meta.url);
const IDL_SOURCES = new URL('../../../idl/', import.meta.url);
const PRELUDE = 'module doc version 1;\n';

/** The mdl fences of a markdown text, with the heading each sits under. */
function extractBlocks(markdown: string): Block[] {
  const lines = markdown.split('\n');
  const blocks: Block[] = [];
  let heading = '(no heading)';
  let open: { info: string; line: number; body: string[] } | null = null;
  lines.forEach((raw, i) => {
    const line = raw.replace(/\r$/, '');
    if (open) {
      if (/^```\s*$/.test(line)) {
        const words = open.info.trim().split(/\s+/);
        const lang = words[0] ?? '';
        if (lang === 'mdl' || lang === 'mdl-error') blocks.push(toBlock(lang, words.slice(1), open, heading, blocks.length + 1));
        else if (lang.startsWith('mdl')) throw new Error(`docs/idl.md:${open.line}: unknown fence '${open.info}'`);
        open = null;
      } else open.body.push(line);
      return;
    }
    // A fence that is indented or quoted would be skipped silently; refuse it instead.
    if (/^[ \t>]+```\s*mdl/.test(line)) throw new Error(`docs/idl.md:${i + 1}: an mdl fence must start at column 0`);
    const fence = /^```(.*)$/.exec(line);
    if (fence) {
      open = { info: fence[1]!, line: i + 1, body: [] };
      return;
    }
    const h = /^#{1,6}\s+(.*?)\s*$/.exec(line);
    if (h) heading = h[1]!;
  });
  if (open) throw new Error(`docs/idl.md:${(open as { line: number }).line}: fence is never closed`);
  return blocks;
}

function toBlock(
  lang: 'mdl' | 'mdl-error',
  args: string[],
  open: { info: string; line: number; body: string[] },
  heading: string,
  index: number,
): Block {
  const block: Block = { index, heading, line: open.line, kind: lang, text: open.body.join('\n') + '\n', file: null, warns: [], code: null };
  const where = `docs/idl.md:${open.line}`;
  if (lang === 'mdl-error') {
    if (args.length !== 1 || !/^[a-z][a-z-]*$/.test(args[0]!)) throw new Error(`${where}: write '\`\`\`mdl-error CODE'`);
    block.code = args[0]!;
    return block;
  }
  for (const arg of args) {
    const m = /^(file|warns)=(.+)$/.exec(arg);
    if (!m) throw new Error(`${where}: unknown fence option '${arg}'`);
    if (m[1] === 'file') block.file = m[2]!;
    else block.warns = m[2]!.split(',').sort();
  }
  return block;
}

function withPrelude(text: string): string {
  return /^module\b/.test(text) ? text : PRELUDE + text;
}

function show(diags: Diagnostic[]): string {
  return diags.map((d) => `${d.loc.file}:${brief(d)} [${d.code}]`).join('\n');
}

/** The block parses on its own and is exactly what `mdidl fmt` prints for it. */
function expectCanonical(b: Block): void {
  const parsed = parseMdl(b.text, 'block.mdl');
  expect(show(parsed.diagnostics), 'syntax errors').to.equal('');
  expect(parsed.document).to.not.equal(null);
  expect(printDocument(parsed.document!), 'not in canonical `mdidl fmt` form').to.equal(b.text);
}

function expectClean(diags: Diagnostic[], warns: string[]): void {
  expect(show(diags.filter((d) => d.severity === 'error')), 'errors').to.equal('');
  const got = diags.filter((d) => d.severity === 'warning');
  expect(got.map((d) => d.code).sort(), `warnings:\n${show(got)}`).to.deep.equal(warns);
}

function title(b: Block): string {
  return `${b.heading}, block ${b.index}${b.file ? ` (${b.file})` : ''}${b.code ? ` rejects: ${b.code}` : ''} [line ${b.line}]`;
}

/** Diagnostic codes the parser and checker can report, read from their sources. */
function sourceCodes(): string[] {
  const codes = new Set<string>();
  const files = fs.readdirSync(IDL_SOURCES, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts'));
  for (const f of files) {
    const text = fs.readFileSync(new URL(f, IDL_SOURCES), 'utf8');
    for (const m of text.matchAll(/(?:ctx|this)\.(?:error|warn)\(\s*'([a-z-]+)'/g)) codes.add(m[1]!);
    for (const m of text.matchAll(/\bcode: (?:\w+ \? )?'([a-z-]+)'(?: : '([a-z-]+)')?/g)) {
      codes.add(m[1]!);
      if (m[2]) codes.add(m[2]);
    }
  }
  return [...codes].sort();
}

const markdown = fs.readFileSync(DOC, 'utf8');
const blocks = extractBlocks(markdown);

describe('docs/idl.md examples', () => {
  it('has examples of every kind', () => {
    expect(blocks.filter((b) => b.kind === 'mdl' && !b.file).length).to.be.greaterThan(40);
    expect(blocks.filter((b) => b.kind === 'mdl-error').length).to.be.greaterThan(10);
    expect(blocks.filter((b) => b.file).length).to.be.greaterThanOrEqual(2);
  });

  it('lists every diagnostic code in the rejection section', () => {
    const section = /^## 11\..*?(?=^## 12\.)/ms.exec(markdown)?.[0] ?? '';
    const listed = new Set([...section.matchAll(/`([a-z-]+)`/g)].map((m) => m[1]!));
    const codes = sourceCodes();
    expect(codes.length, 'no codes found in idl/: has the source layout changed?').to.be.greaterThan(50);
    expect(codes.filter((c) => !listed.has(c)), 'codes missing from section 11 of docs/idl.md').to.deep.equal([]);
  });

  for (const b of blocks) {
    if (b.kind === 'mdl' && !b.file) {
      it(title(b), () => {
        expectCanonical(b);
        const r = checkSources({ 'doc.mdl': withPrelude(b.text) });
        expectClean(r.diagnostics, b.warns);
        expect(r.ir).to.not.equal(null);
      });
    } else if (b.kind === 'mdl-error') {
      it(title(b), () => {
        // Rejected input is canonical too when it parses, so the doc shows one style throughout.
        if (parseMdl(b.text, 'block.mdl').document) expectCanonical(b);
        const r = checkSources({ 'doc.mdl': withPrelude(b.text) });
        const errors = r.diagnostics.filter((d) => d.severity === 'error');
        expect(errors.map((d) => d.code), show(r.diagnostics)).to.include(b.code);
      });
    }
  }

  // Multi-file examples: the file= blocks under one heading form one program.
  const groups = new Map<string, Block[]>();
  for (const b of blocks) if (b.file) groups.set(b.heading, [...(groups.get(b.heading) ?? []), b]);
  for (const [heading, group] of groups) {
    const files: Record<string, string> = {};
    for (const b of group) {
      if (Object.prototype.hasOwnProperty.call(files, b.file!)) throw new Error(`docs/idl.md:${b.line}: ${b.file} appears twice under '${heading}'`);
      files[b.file!] = withPrelude(b.text);
    }
    for (const b of group) {
      it(title(b), () => {
        expectCanonical(b);
        const r = checkSources(files, b.file!);
        expect(show(r.diagnostics.filter((d) => d.severity === 'error')), 'errors').to.equal('');
        expectClean(r.diagnostics.filter((d) => d.loc.file === b.file), b.warns);
      });
    }
    it(`${heading}: some file imports all the others`, () => {
      const sizes = group.map((b) => checkSources(files, b.file!).ir?.modules.length ?? 0);
      expect(Math.max(...sizes)).to.equal(group.length);
    });
  }
});
