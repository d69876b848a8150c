// The TypeScript backend's declarations: generated for real programs, they must compile under
// `tsc --strict` against the runtime, and be the same bytes every time.
import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { tsBackend } from '../../compiler/backends/ts/index.js';
import { frontEnd } from '../../compiler/pipeline.js';
import type { IrProgram } from '../../compiler/ir/types.js';
import { irOf } from '../helpers.js';

const TSC = path.resolve('node_modules/typescript/bin/tsc');

function strictCompile(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mdidl-tsgen-'));
  try {
    for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
    fs.writeFileSync(
      path.join(dir, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          strict: true,
          noEmit: true,
          target: 'ES2022',
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          skipLibCheck: true,
          noUncheckedIndexedAccess: true,
          noUnusedLocals: true,
          // The runtime the generated code imports runs on Node (worker threads, timers).
          types: ['node'],
          typeRoots: [path.resolve('node_modules/@types')],
          paths: { 'mdidl/runtime': [path.resolve('runtime/ts/index.ts')] },
        },
        files: Object.keys(files),
      }),
    );
    try {
      execFileSync(process.execPath, [TSC, '-p', dir], { encoding: 'utf8', stdio: 'pipe' });
      return '';
    } catch (e) {
      return String((e as { stdout?: string }).stdout ?? e);
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function generate(ir: IrProgram): string {
  const files = tsBackend.generate(ir, { sources: ['t.mdl'], version: '0.0.0-test' });
  const m = ir.modules.find((x) => x.input)!.name;
  expect(files.map((f) => f.path)).to.deep.equal([`${m}.types.ts`, `${m}.plan.ts`, `${m}.stubs.ts`]);
  return files[0]!.content;
}

const EVERY = `
const ETH_ALEN = 6;
const u64 BIG = 0x100000000;
enum kind : u8 { A = 1, B }
enum wide : u64 { W = 0x100000000 }
struct pci_dev;
typedef u64 dma_addr_t;
typedef u8 mac_t[6];
union arg switch (kind) { case A: u32 a; case B: u8 b[4]; }
callback s32 handler_t(s32 irq, [opaque] void *dev);
struct inner { u16 x; }
struct priv {
    u32 n;
    [count(n)] u8 *buf;
    [count(n)] inner *items;
    [string] char name[16];
    [string, max(32)] char *label;
    [opaque] pci_dev *pdev;
    mac_t mac;
    u32 flags : 3;
    bool up;
    kind k;
    [switch(k)] arg a;
    inner in1;
    [container(priv, in1)] inner *in_p;
    [interior] u8 *cursor;
    [as(inner)] ulong cookie;
    u64 *counter;
    handler_t handler;
    [ref] inner *always;
    [recursive] priv *next;
    [skip] u32 lock_state;
    wide w;
    s64 delta;
    u32 grid[2][3];
    ops *table;
}
interface ops {
    upcall s32 open(priv *p) reads(p.n, p.buf, p.always) writes(p.n);
    downcall void get([out] u32 *len, [out, string, max(8)] char *name);
    critical void xmit([opaque] pci_dev *d);
}
`;

describe('ts backend: declarations', () => {
  it('declares every construct in code that passes tsc --strict; the plan type-checks as a Plan', () => {
    const ir = irOf(EVERY);
    const text = generate(ir);
    const all = tsBackend.generate(ir, { sources: ['t.mdl'], version: '0.0.0-test' });
    const plan = all[1]!.content;
    expect(strictCompile({ 't.types.ts': text, 't.plan.ts': plan, 't.stubs.ts': all[2]!.content })).to.equal('');
    expect(plan).to.contain('export const plan: Plan = {');
    expect(text).to.contain('export interface priv {');
    expect(text).to.contain('  buf: Uint8Array | null;');
    expect(text).to.contain('  items: inner[] | null;');
    expect(text).to.contain('  name: string;');
    expect(text).to.contain('  pdev: Handle | null;');
    expect(text).to.contain('  counter: Box<bigint> | null;');
    expect(text).to.contain('  always: inner;');
    expect(text).to.contain('  cookie: inner | null;');
    expect(text).to.contain('  grid: Uint32Array[];');
    expect(text).to.contain("  | { arm: 'b'; value: Uint8Array };");
    expect(text).to.contain('export const BIG = 4294967296n;');
    expect(text).to.contain('  W: 4294967296n,');
    expect(text).to.contain('  open(p: priv | null): number;');
  });

  it('declares the sample driver, whose types span two modules', () => {
    const r = frontEnd(['samples/rtl8139/rtl8139.mdl']);
    expect(r.ir).to.not.equal(null);
    const text = generate(r.ir!);
    const all = tsBackend.generate(r.ir!, { sources: ['rtl8139.mdl'], version: '0' });
    expect(strictCompile({ 'rtl8139.types.ts': text, 'rtl8139.plan.ts': all[1]!.content, 'rtl8139.stubs.ts': all[2]!.content })).to.equal('');
    expect(text).to.contain('export interface net_device {');
    expect(text).to.contain('export interface rtl8139_private {');
  });

  it('is byte-stable and names its sources, not a time', () => {
    const a = generate(irOf(EVERY));
    const b = generate(irOf(EVERY));
    expect(a).to.equal(b);
    expect(a.split('\n').slice(0, 2)).to.deep.equal(['// SPDX-License-Identifier: MIT', '// DO NOT EDIT: generated by mdidl 0.0.0-test from t.mdl.']);
    expect(a).to.not.match(/20\d\d-\d\d-\d\d/);
  });

  it('templates can be overridden file by file', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mdidl-tpl-'));
    try {
      fs.mkdirSync(path.join(dir, 'ts'));
      fs.writeFileSync(path.join(dir, 'ts', 'types.hbs'), '// custom\n{{#each decls}}{{#each text}}{{this}}\n{{/each}}{{/each}}');
      // plan.hbs is not overridden: the built-in one is used for it.
      const ir = irOf('struct s { u8 a; }');
      const s = ir.types[0]!;
      const id = s.kind === 'struct' ? s.id : -1;
      const files = tsBackend.generate(ir, { sources: ['t.mdl'], version: 'x', templatesDir: dir });
      expect(files[0]!.content).to.equal(`// custom\n/** struct s (wire id ${id}, 1 bytes on lp64) */\nexport interface s {\n  a: number;\n}\n`);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
