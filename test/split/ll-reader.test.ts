// The LLVM IR reader on IR it does not expect: it never throws and never recurses; what it cannot
// read is a located error (file:line:col), and unknown instructions are skipped without losing the
// function addresses they mention.
import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { readLlModule } from '../../compiler/split/ll-reader.js';
import { Layouts, parseType, typeText } from '../../compiler/split/ll-types.js';
import { FIXTURES, preprocessFixture, removeFixtureDirs } from './util.js';
import * as path from 'node:path';

function irOf(name: string): string {
  const i = preprocessFixture(name);
  return execFileSync('clang', ['-x', 'cpp-output', '-S', '-emit-llvm', '-g', '-O0', '-w', '-o', '-', i], { encoding: 'utf8', maxBuffer: 64 << 20 });
}

describe('split: LLVM IR reader', () => {
  after(removeFixtureDirs);
  it('reads types with an explicit stack: 100 000 levels of nesting', () => {
    const deep = '{ '.repeat(100000) + 'i32' + ' }'.repeat(100000);
    const t = parseType(deep, 0);
    expect(t.end).to.equal(deep.length);
    const nestedArrays = '[2 x '.repeat(100000) + 'i8' + ']'.repeat(100000);
    expect(new Layouts(new Map()).of(parseType(nestedArrays, 0).type).align).to.equal(1);
    const twenty = '[2 x '.repeat(20) + 'i16' + ']'.repeat(20);
    expect(new Layouts(new Map()).of(parseType(twenty, 0).type).size).to.equal(2 * 2 ** 20);
    expect(typeText(parseType('void (%struct.a*, i32 (i8*, ...)*)*', 0).type)).to.equal('void (%struct.a*, i32 (i8*, ...)*)*');
  });

  it('lays out structs as x86-64 does', () => {
    const bodies = new Map([['%struct.s', parseType('{ i8, i32, i16, i64, [3 x i8] }', 0).type]]);
    const l = new Layouts(bodies).of({ k: 'named', name: '%struct.s' });
    expect([l.size, l.align, l.offsets]).to.deep.equal([32, 8, [0, 4, 8, 16, 24]]);
    const packed = new Layouts(new Map()).of(parseType('<{ i8, i32 }>', 0).type);
    expect([packed.size, packed.offsets]).to.deep.equal([5, [0, 1]]);
  });

  it('turns every mangled line into a located error or a skip, never an exception', () => {
    const ir = irOf('minic');
    const lines = ir.split('\n');
    let seed = 12345;
    const rand = (n: number): number => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    let errors = 0;
    for (let round = 0; round < 60; round++) {
      const copy = [...lines];
      for (let k = 0; k < 5; k++) {
        const i = rand(copy.length);
        const l = copy[i]!;
        const cut = rand(l.length + 1);
        copy[i] = rand(2) ? l.slice(0, cut) : l.slice(0, cut) + '{[(<' + l.slice(cut + 1);
      }
      const m = readLlModule(copy.join('\n'), 'x.ll', 'x');
      for (const d of m.diagnostics) {
        expect(d.loc.file).to.equal('x.ll');
        expect(d.loc.line).to.be.within(1, copy.length);
        expect(d.message).to.match(/^cannot read|has no closing/);
      }
      errors += m.diagnostics.length;
    }
    expect(errors, 'some mangled lines were reported').to.be.greaterThan(0);
  });

  it('skips instructions it does not model but keeps the function addresses they mention', () => {
    const ir = [
      'define internal void @cb() {',
      '  ret void',
      '}',
      'define void @f(i1 %c) {',
      '  %1 = select i1 %c, void ()* @cb, void ()* null',
      '  %2 = frobnicate i32 7',
      '  ret void',
      '}',
    ].join('\n');
    const m = readLlModule(ir, 'y.ll', 'y');
    expect(m.diagnostics).to.deep.equal([]);
    expect(m.functions.get('f')!.fnRefs.map((r) => [r.fn, r.how])).to.deep.equal([['cb', 'other']]);
  });

  it('reads the fixtures\' tables: which function sits in which member', () => {
    const m = readLlModule(irOf('minic'), path.join(FIXTURES, 'x.ll'), 'minic');
    const slots = m.slots.filter((s) => s.global === 'minic_netdev_ops').map((s) => [s.field, s.fn]);
    expect(slots).to.deep.equal([
      [0, 'minic_open'],
      [1, 'minic_stop'],
      [2, 'minic_start_xmit'],
      [3, 'minic_set_mac'],
      [4, 'minic_change_mtu'],
    ]);
  });
});
