// Whatever a header holds, the lexer and the preprocessor answer with tokens and diagnostics:
// random sequences of the fragments that make preprocessors misbehave never throw or hang.
import { expect } from 'chai';
import fc from 'fast-check';
import * as path from 'node:path';
import { lexC } from '../../compiler/lower/c-lexer.js';
import { tokenizePreprocessed } from '../../compiler/lower/external-cpp.js';
import { preprocess } from '../../compiler/lower/preprocessor.js';
import type { Diagnostic } from '../../idl/diagnostics.js';

const VOCAB = [
  '\n',
  ' ',
  '\\\n',
  '#',
  '##',
  '#define ',
  '#undef ',
  '#if ',
  '#ifdef ',
  '#ifndef ',
  '#elif ',
  '#else',
  '#endif',
  '#include "a.h"',
  '#include <b.h>',
  '#include ',
  '#include_next <b.h>',
  '#line ',
  '#error x',
  '#pragma once',
  '# 3 "x.h"',
  'defined',
  '__has_include',
  '__VA_ARGS__',
  '__LINE__',
  '__FILE__',
  '_Pragma',
  '...',
  'f',
  'g',
  'x',
  'f(',
  'g(x)',
  '(',
  ')',
  ',',
  '1',
  '0x1fUL',
  '08',
  '1.5',
  "'a'",
  "'",
  '"s"',
  '"',
  '/*',
  '*/',
  '//',
  '<',
  '>',
  '+',
  '/',
  '?',
  ':',
  '!',
  '-',
  '@',
  '\\',
  '\u00e9',
];

const program = fc.array(fc.constantFrom(...VOCAB), { maxLength: 60 }).map((a) => a.join(''));

function wellFormed(d: Diagnostic): boolean {
  return (
    (d.severity === 'error' || d.severity === 'warning') &&
    /^[a-z]+(-[a-z0-9]+)*$/.test(d.code) &&
    d.message.length > 0 &&
    Number.isInteger(d.loc.line) &&
    Number.isInteger(d.loc.column) &&
    d.loc.endOffset >= d.loc.offset
  );
}

describe('preprocessor on random input', () => {
  it('the lexer never throws and locates every token inside the text', () => {
    fc.assert(
      fc.property(program, (src) => {
        const r = lexC(src, 'f.h');
        const lines = src.split('\n');
        for (const t of r.tokens) {
          expect(t.loc.line).to.be.within(1, lines.length);
          expect(t.loc.column).to.be.within(1, lines[t.loc.line - 1]!.length + 1);
        }
        expect(r.diagnostics.every(wellFormed)).to.equal(true);
      }),
      { numRuns: 500 },
    );
  });

  it('preprocess never throws, whatever the main file and its headers hold', () => {
    const root = path.resolve('/virtual-fuzz');
    fc.assert(
      fc.property(program, program, program, (main, a, b) => {
        const files: Record<string, string> = { 'main.h': main, 'a.h': a, 'inc/b.h': b };
        const r = preprocess(path.join(root, 'main.h'), {
          includePaths: [path.join(root, 'inc')],
          readFile: (abs) => files[path.relative(root, abs)] ?? null,
          limits: { maxIncludes: 200, maxIncludeDepth: 20, maxTokens: 20_000 },
        });
        expect(r.diagnostics.every(wellFormed)).to.equal(true);
        for (const t of r.tokens) expect(t.text.length).to.be.above(0);
      }),
      { numRuns: 500 },
    );
  });

  it('tokenizePreprocessed never throws', () => {
    fc.assert(
      fc.property(program, (src) => {
        const r = tokenizePreprocessed(src, 'f.i');
        expect(r.diagnostics.every(wellFormed)).to.equal(true);
      }),
      { numRuns: 300 },
    );
  });

  it('a macro-dense driver header of 4,000 lines', () => {
    // A few thousand lines in the style of a driver's register header.
    const lines: string[] = ['#ifndef DRV_H', '#define DRV_H', '#define BIT(n) (1UL << (n))', '#define GENMASK(h, l) (((~0UL) << (l)) & (~0UL >> (63 - (h))))'];
    lines.push('#define FIELD(t, n, ...) t n __VA_ARGS__;', '#define REG(name, off) name = off,', '#define STR(x) #x', '#define CAT(a, b) a##b');
    for (let i = 0; i < 600; i++) {
      lines.push(`#define DRV_REG_${i} 0x${(i * 4).toString(16)}`);
      lines.push(`#define DRV_REG_${i}_MASK GENMASK(${i % 32 + 8}, ${i % 32})`);
      lines.push(`#if defined(CONFIG_DRV_${i % 7}) || DRV_REG_${i} > 0x100`);
      lines.push(`struct drv_block_${i} { FIELD(unsigned int, CAT(reg, ${i}), __attribute__((aligned(4)))) FIELD(char, name[sizeof(STR(DRV_REG_${i}))]) };`);
      lines.push('#else', `enum drv_e_${i} { REG(DRV_E_${i}, DRV_REG_${i}) };`, '#endif');
    }
    lines.push('#endif');
    const src = lines.join('\n');
    const r = preprocess('/virtual/drv.h', { includePaths: [], readFile: () => src });
    expect(r.diagnostics).to.deep.equal([]);
    expect(r.tokens).to.have.length(15_030);
  });
});
