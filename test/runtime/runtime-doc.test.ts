// docs/runtime.md must not drift from the code: every ```ts block in it is a file under
// runtime/ts/examples/ (named by the `<!-- example: PATH -->` line before the fence), quoted
// verbatim, and running the compiled file prints the ```text block that follows.
import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import { fileURLToPath } from 'node:url';

const ROOT = new URL('../../../', import.meta.url);

interface Example {
  path: string;
  line: number;
  code: string;
  output: string | null;
}

function examples(markdown: string): Example[] {
  const lines = markdown.split('\n');
  const found: Example[] = [];
  let i = 0;
  const fence = (from: number): { body: string; end: number } => {
    const end = lines.findIndex((l, j) => j > from && /^```\s*$/.test(l));
    if (end === -1) throw new Error(`docs/runtime.md:${from + 1}: unclosed fence`);
    return { body: lines.slice(from + 1, end).join('\n') + '\n', end };
  };
  while (i < lines.length) {
    const line = lines[i]!;
    if (/^```ts\b/.test(line)) {
      const marker = /^<!-- example: (\S+) -->$/.exec(lines[i - 1] ?? '');
      if (!marker) throw new Error(`docs/runtime.md:${i + 1}: a ts block must follow <!-- example: runtime/ts/examples/NAME.ts -->`);
      const { body, end } = fence(i);
      let output: string | null = null;
      const next = lines.findIndex((l, j) => j > end && /^```/.test(l));
      if (next !== -1 && /^```text\s*$/.test(lines[next]!)) {
        const out = fence(next);
        output = out.body;
        i = out.end + 1;
      } else i = end + 1;
      found.push({ path: marker[1]!, line: end, code: body, output });
      continue;
    }
    i++;
  }
  return found;
}

describe('runtime: docs/runtime.md', () => {
  const doc = fs.readFileSync(new URL('docs/runtime.md', ROOT), 'utf8');
  const list = examples(doc);

  it('has at least one example', () => {
    expect(list).to.not.be.empty;
  });

  for (const ex of list) {
    describe(ex.path, () => {
      it('is quoted verbatim from the file', () => {
        expect(ex.path).to.match(/^runtime\/ts\/examples\/[\w-]+\.ts$/);
        expect(ex.code).to.equal(fs.readFileSync(new URL(ex.path, ROOT), 'utf8'));
      });

      it('runs and prints the output the doc shows', () => {
        const js = fileURLToPath(new URL('dist/' + ex.path.replace(/\.ts$/, '.js'), ROOT));
        const stdout = execFileSync(process.execPath, [js], { encoding: 'utf8' });
        expect(ex.output, 'a ```text block with the output follows the example').to.be.a('string');
        expect(stdout).to.equal(ex.output);
      });
    });
  }
});
