// docs/tutorial.md, run: every ```sh block, in order, in one bash session in a fresh folder, with
// `mdidl` on PATH. Each command must end with the status the tutorial states (`# exit N`, else 0),
// so the tutorial cannot drift from what mdidl does.
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { kernelHeadersDir } from '../qemu/vm.js';
import { BIN, GIT_ENV, ROOT, tempDir } from './helpers.js';

interface Step {
  command: string;
  expect: number;
}

/** The commands of the ```sh blocks; a line ending in `\`, a quote left open or a heredoc continues a command. */
export function tutorialSteps(markdown: string): Step[] {
  const steps: Step[] = [];
  const blocks = [...markdown.matchAll(/^```sh\n([\s\S]*?)^```$/gm)].map((m) => m[1]!);
  for (const block of blocks) {
    const lines = block.split('\n');
    let current: string[] = [];
    let open = false;
    for (const line of lines) {
      if (!current.length && line.trim() === '') continue;
      current.push(line);
      // A single-quoted argument spanning lines (node -e '...') stays open until its quote closes.
      const quotes = (line.match(/'/g) ?? []).length;
      if (quotes % 2 === 1) open = !open;
      if (open || line.endsWith('\\')) continue;
      const command = current.join('\n');
      const m = /#\s*exit (\d+)\b/.exec(current[current.length - 1]!);
      steps.push({ command, expect: m ? Number(m[1]) : 0 });
      current = [];
    }
    if (current.length) throw new Error(`unterminated command in docs/tutorial.md: ${current.join('\n')}`);
  }
  return steps;
}

describe('docs/tutorial.md', function () {
  let dir: string;
  before(() => {
    dir = tempDir('tutorial');
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('has commands, some of them expected to fail', () => {
    const steps = tutorialSteps(fs.readFileSync(path.join(ROOT, 'docs/tutorial.md'), 'utf8'));
    expect(steps.length).to.be.greaterThan(15);
    expect(steps.filter((s) => s.expect === 1).length).to.be.greaterThan(1);
  });

  it('every command runs and ends as the tutorial says, and the k-driver builds without warnings', () => {
    const steps = tutorialSteps(fs.readFileSync(path.join(ROOT, 'docs/tutorial.md'), 'utf8'));
    const bin = path.join(dir, 'bin');
    fs.mkdirSync(bin);
    fs.writeFileSync(path.join(bin, 'mdidl'), `#!/bin/sh\nexec ${JSON.stringify(process.execPath)} ${JSON.stringify(BIN)} "$@"\n`, { mode: 0o755 });
    const work = path.join(dir, 'work');
    fs.mkdirSync(work);
    // One script: `cd` carries over from step to step as in a terminal. Each step's output and
    // status go to files the assertions read.
    const logs = path.join(dir, 'logs');
    fs.mkdirSync(logs);
    const script = steps
      .map((s, i) => `( ${s.command}\n) >${logs}/${i}.out 2>&1\necho $? >${logs}/${i}.status\n` + (/^cd |&& cd /.test(s.command) ? `${cdOf(s.command)}\n` : ''))
      .join('');
    fs.writeFileSync(path.join(dir, 'tutorial.sh'), script);
    const r = spawnSync('bash', [path.join(dir, 'tutorial.sh')], {
      cwd: work,
      encoding: 'utf8',
      timeout: 600000,
      env: {
        ...process.env,
        ...GIT_ENV,
        NO_COLOR: '1',
        PATH: `${bin}:${process.env['PATH'] ?? ''}`,
        // The machine's running kernel has no headers here; Debian's do. W=1's extra warnings too.
        KDIR: kernelHeadersDir(),
        KBUILD_EXTRA_WARN: '1',
      },
    });
    expect(r.status, r.stderr).to.equal(0);
    steps.forEach((s, i) => {
      const out = fs.readFileSync(path.join(logs, `${i}.out`), 'utf8');
      const status = Number(fs.readFileSync(path.join(logs, `${i}.status`), 'utf8'));
      expect(status, `step ${i + 1}: ${s.command}\n${out}`).to.equal(s.expect);
      expect(out, `step ${i + 1}: ${s.command}`).not.to.match(/internal error|\n\s+at .*\(.*:\d+:\d+\)/);
      if (s.command.startsWith('make ')) expect(out, 'kbuild printed warnings').not.to.match(/warning:/i);
    });
    const project = path.join(work, 'mydrv');
    expect(fs.existsSync(path.join(project, 'kernel', 'mydrv.ko'))).to.equal(true);
    // What the tutorial says each failing step shows.
    const outOf = (pattern: RegExp): string => {
      const i = steps.findIndex((s) => pattern.test(s.command));
      return fs.readFileSync(path.join(logs, `${i}.out`), 'utf8');
    };
    expect(outOf(/^mdidl check\s+# exit 1/)).to.match(/^stale: mydrv\.mdl$/m);
    expect(outOf(/^mdidl diff --against HEAD\s+# exit 1/)).to.contain('access-set-grew');
    expect(outOf(/^mdidl --error-format github diff/)).to.match(/^::error file=mydrv\.mdl,line=\d+,/m);
    expect(outOf(/^node -e/) + outOf(/^mdidl diff --against HEAD$/)).to.contain('accepted by breaking.ignore');
    const log = spawnSync('git', ['log', '--format=%s'], { cwd: project, encoding: 'utf8' });
    expect(log.stdout.trim().split('\n')).to.deep.equal(['mydrv: open reads rx_packets', 'mydrv: first interface']);
    expect(spawnSync('git', ['status', '--porcelain'], { cwd: project, encoding: 'utf8' }).stdout).to.equal('');
  });
});

/** The folder a step leaves the session in, as a `cd` that runs outside the step's subshell. */
function cdOf(command: string): string {
  const cds = [...command.matchAll(/(?:^|&&\s*)cd\s+(\S+)/g)].map((m) => m[1]!);
  return cds.map((d) => `cd ${d}`).join('\n');
}
