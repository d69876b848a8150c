// The generated C against test/vectors/messages/graph.json: the kernel stubs (kernel flavour on
// the user-space shim) and the user stubs encode the same calls from fresh tables to exactly the
// bytes the TypeScript codec produced, accept the other side's messages, and the user side's reply
// to take-deep-graph is itself byte for byte the stored reply. Under ASan and UBSan.
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { generateC, tempDir } from './generate.js';
import { ROOT, runProgram, RUNTIME_C, sanitizerFlags, TEST_C } from './vectors.js';
import { Codec } from '../../runtime/ts/codec.js';
import { ObjectTable } from '../../runtime/ts/object-table.js';
import { WireWriter } from '../../runtime/ts/wire-writer.js';
import { graph, graphPlan } from '../runtime/graph-scenario.js';

/**
 * A reply to walk(A, visit), whose writes() is empty, that writes A's value all the same: made by
 * a TypeScript codec whose plan was edited to say walk writes head.value.
 */
function outsideWrites(): string {
  const plan = graphPlan();
  const ops = plan.interfaces.find((i) => i.name === 'user_ops')!;
  const walk = ops.functions.find((f) => f.name === 'walk')!;
  walk.writes = [[0, { all: 0, fields: [[0, null]] }]];
  const k = new Codec(plan, new ObjectTable('kernel'));
  const u = new Codec(plan, new ObjectTable('user'));
  const w = new WireWriter(new ArrayBuffer(1 << 16));
  const { A } = graph();
  const call = k.encodeCall(w, ops, walk, [A, () => 0], 1).slice();
  const got = u.decodeCall(call);
  got.apply();
  const a = got.call.args[0] as Record<string, unknown>;
  a['value'] = 999;
  return Buffer.from(u.encodeReply(w, ops, walk, got.call.args, 0, 1)).toString('hex');
}

interface MessageVector {
  name: string;
  from: 'kernel' | 'user';
  hex: string;
}

const WARN = ['-std=gnu11', '-Wall', '-Wextra', '-Werror'];

function build(args: string[]): void {
  const r = spawnSync('gcc', [...WARN, ...args, '-lpthread'], { encoding: 'utf8' });
  if (r.status !== 0 || r.stderr) throw new Error(`gcc ${args.join(' ')}\n${r.stderr}`);
}

describe('C backends: shared message vectors with the TypeScript codec', function () {
  this.timeout(120000);
  const vectors = JSON.parse(fs.readFileSync(path.join(ROOT, 'test/vectors/messages/graph.json'), 'utf8')) as MessageVector[];
  const sent = new Map<string, string>();
  const accepted = new Map<string, string>();
  let output = '';
  let dir = '';

  before(() => {
    dir = tempDir('mdl-c-msg-');
    const g = generateC('test/c/corpus/graph.mdl', dir);
    const san = sanitizerFlags().flags;
    const msgs = path.join(TEST_C, 'messages');
    const common = [...san, `-I${RUNTIME_C}`, `-I${dir}`, `-I${msgs}`, '-DMDL_QUIET'];
    build([...common, '-D__KERNEL__', `-I${path.join(TEST_C, 'shim')}`, path.join(msgs, 'kernel_vec.c'), g.kernelC, path.join(RUNTIME_C, 'mdidl_rpc.c'), '-o', path.join(dir, 'kernel_vec')]);
    build([...common, path.join(msgs, 'user_vec.c'), g.userC, path.join(RUNTIME_C, 'mdidl_rpc.c'), '-o', path.join(dir, 'user_vec')]);
    const args = [...vectors.map((v) => `${v.name}=${v.hex}`), `walk-reply-outside-writes=${outsideWrites()}`];
    for (const exe of ['kernel_vec', 'user_vec']) {
      const run = runProgram(path.join(dir, exe), args, 60000);
      output += run.stdout + run.stderr;
      expect(run.status, output).to.equal(0);
    }
    for (const line of output.split('\n')) {
      const s = /^sent (\S+) ([0-9a-f]+)$/.exec(line);
      if (s) sent.set(s[1]!, s[2]!);
      const a = /^accept (\S+) (.*)$/.exec(line);
      if (a) accepted.set(a[1]!, a[2]!);
    }
  });

  after(() => {
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('there are vectors from both sides', () => {
    expect(vectors.some((v) => v.from === 'kernel') && vectors.some((v) => v.from === 'user')).to.equal(true);
  });

  for (const v of vectors) {
    it(`${v.name}: the ${v.from} C stubs produce these bytes`, () => {
      expect(sent.get(v.name), output).to.equal(v.hex);
    });
    it(`${v.name}: the ${v.from === 'kernel' ? 'user' : 'kernel'} C stubs accept it`, () => {
      expect(accepted.get(v.name), output).to.equal('ok');
    });
  }

  it('a reply writing fields outside its function\'s writes() is refused and changes nothing', () => {
    expect(output).to.match(/^refuse walk-reply-outside-writes ok$/m);
  });

  it('a call that would give the peer more objects than the table allows it is refused', () => {
    expect(output).to.match(/^refuse set-shape-over-peer-cap ok$/m);
  });

  it('no sanitizer report', () => {
    expect(output).not.to.match(/Sanitizer|runtime error/);
  });
});
