// The project's docs: the config page documents every key of the schema, nothing cites a file
// outside the repository, and every relative link points at a file that exists.
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ROOT } from './helpers.js';

interface SchemaNode {
  properties?: Record<string, SchemaNode>;
  items?: SchemaNode;
}

/** Every key of the schema as docs/config.md writes it: `lower.inputs`, `breaking.ignore[].reason`. */
function schemaKeys(node: SchemaNode, prefix = ''): string[] {
  const out: string[] = [];
  const stack: { node: SchemaNode; prefix: string }[] = [{ node, prefix }];
  while (stack.length) {
    const { node: n, prefix: p } = stack.pop()!;
    for (const [k, v] of Object.entries(n.properties ?? {})) {
      const name = p ? `${p}.${k}` : k;
      out.push(name);
      stack.push({ node: v, prefix: name });
      if (v.items?.properties) stack.push({ node: v.items, prefix: `${name}[]` });
    }
  }
  return out.sort();
}

function trackedFiles(): string[] {
  const r = spawnSync('git', ['ls-files', '--cached', '--others', '--exclude-standard'], { cwd: ROOT, encoding: 'utf8' });
  expect(r.status, r.stderr).to.equal(0);
  return r.stdout.split('\n').filter((f) => f && fs.existsSync(path.join(ROOT, f)));
}

describe('docs', () => {
  it('docs/config.md documents every key of the config schema', () => {
    const schema = JSON.parse(fs.readFileSync(path.join(ROOT, 'compiler/config.schema.json'), 'utf8')) as SchemaNode;
    const keys = schemaKeys(schema);
    expect(keys).to.include.members(['inputs', 'lower.inputs', 'lower.sidecars', 'breaking.ignore[].reason', 'outputs.c-kernel']);
    const doc = fs.readFileSync(path.join(ROOT, 'docs/config.md'), 'utf8');
    const undocumented = keys.filter((k) => !doc.includes('`' + k + '`'));
    expect(undocumented).to.deep.equal([]);
  });

  it('nothing in the repository cites a file outside it', () => {
    // Spelled in pieces so this file does not cite them itself.
    const outside = ['../' + 'shared', 'DESIGN' + '.md'];
    const hits: string[] = [];
    for (const f of trackedFiles()) {
      if (f.startsWith('node_modules/') || f === 'package-lock.json' || !/\.(md|ts|js|c|h|hbs|json|mdl|sh)$|^\.ci\//.test(f)) continue;
      const text = fs.readFileSync(path.join(ROOT, f), 'utf8');
      for (const o of outside) if (text.includes(o)) hits.push(`${f}: ${o}`);
    }
    expect(hits).to.deep.equal([]);
  });

  it('every relative link in the Markdown files points at a file that exists', () => {
    const broken: string[] = [];
    for (const f of trackedFiles().filter((f) => f.endsWith('.md') && !f.startsWith('node_modules/'))) {
      const text = fs.readFileSync(path.join(ROOT, f), 'utf8').replace(/```[\s\S]*?```/g, '');
      for (const m of text.matchAll(/\]\(([^)\s#]+)(#[^)]*)?\)/g)) {
        const target = m[1]!;
        if (/^[a-z]+:/.test(target)) continue;
        if (!fs.existsSync(path.resolve(path.dirname(path.join(ROOT, f)), target))) broken.push(`${f}: ${target}`);
      }
    }
    expect(broken).to.deep.equal([]);
  });
});
