// Integer constant expressions as GCC folds them on x86-64: C's types, promotions and wrap-around,
// and null — never an exception — for anything that has no integer value.
import { expect } from 'chai';
import fc from 'fast-check';
import { evalCConst, type CConstEnv } from '../../compiler/lower/c-const.js';
import type { CToken, CTokenKind, CType } from '../../compiler/lower/c-ast.js';
import { parseC, parseCTypeName } from '../../compiler/lower/c-parser.js';
import { ctok } from './ctokens.js';

const SIZES: Record<string, bigint> = {
  char: 1n, 'signed char': 1n, 'unsigned char': 1n, _Bool: 1n, short: 2n, 'unsigned short': 2n, int: 4n, 'unsigned int': 4n,
  long: 8n, 'unsigned long': 8n, 'long long': 8n, 'unsigned long long': 8n, __int128: 16n, 'unsigned __int128': 16n,
};

/** A small world: a few typedefs and enum constants, sizes of base types, pointers and one struct. */
function env(): CConstEnv {
  const { unit } = parseC(ctok('typedef unsigned int u32; typedef unsigned char u8; typedef int s32; typedef u32 u32_alias; typedef struct big { char b[40]; } big_t;'));
  const enums = new Map<string, bigint>([['FOO', 3n], ['BAR', -1n], ['HUGE', 1n << 40n]]);
  const sizeOf = (t: CType): bigint | null => {
    if (t.kind === 'base') return SIZES[t.name] ?? null;
    if (t.kind === 'pointer') return 8n;
    if (t.kind === 'array' && t.size?.length === 1) {
      const of = sizeOf(t.of);
      return of === null ? null : of * BigInt(t.size[0]!.text);
    }
    if (t.kind === 'record' && t.record.tag === 'big') return 40n;
    if (t.kind === 'typedef') {
      const d = unit.typedefs.get(t.name);
      return d ? sizeOf(d.type) : null;
    }
    return null;
  };
  return {
    enumValue: (name) => enums.get(name) ?? null,
    sizeof: sizeOf,
    // Scalars align to their size; struct big holds only chars.
    alignof: (t) => (t.kind === 'record' && t.record.tag === 'big' ? 1n : sizeOf(t)),
    parseType: (tokens) => parseCTypeName(tokens, unit.typedefs.keys()),
    typedefType: (name) => unit.typedefs.get(name)?.type ?? null,
  };
}

const ev = (src: string, e: CConstEnv = env()): bigint | null => evalCConst(ctok(src), e);

describe('C constant expressions', () => {
  const cases: [string, bigint | null][] = [
    // the brief's examples
    ['(1UL << 12) - 1', 4095n],
    ['sizeof(long) * 8', 64n],
    ["'a' + 1", 98n],
    ['1 ? 2 : 3', 2n],
    ['0 ? 2 : 3', 3n],
    ['(unsigned long)1', 1n],
    ['1 / 0', null],
    // literals
    ['0x1F', 31n],
    ['0X1f', 31n],
    ['017', 15n],
    ['0', 0n],
    ['0b101', 5n],
    ['1000000000000', 1000000000000n],
    ['18446744073709551615ULL', 18446744073709551615n],
    ['0xffffffffffffffff', 18446744073709551615n],
    ['1ull', 1n],
    ['1LLU', 1n],
    ['1uL', 1n],
    ['08', null],
    ['1.5', null],
    ['1e3', null],
    ['1lL', null],
    ['0x', null],
    // character constants: plain char is signed on x86-64
    ["'\\n'", 10n],
    ["'\\0'", 0n],
    ["'\\x41'", 65n],
    ["'\\101'", 65n],
    ["'\\''", 39n],
    ["'\\xff'", -1n],
    ["'ab'", 24930n],
    ["L'\\xff'", 255n],
    ["U'\\xffffffff'", 4294967295n],
    // types, promotion, wrap-around
    ['~0U', 4294967295n],
    ['~0', -1n],
    ['-1UL', 18446744073709551615n],
    ['1ULL << 63', 9223372036854775808n],
    ['1 << 31', -2147483648n],
    ['2147483647 + 1', -2147483648n],
    ['2147483648', 2147483648n],
    ['0x80000000', 2147483648n],
    ['-0x80000000', 2147483648n],
    ['0x80000000 >> 31', 1n],
    ['-16 >> 2', -4n],
    ['(-16) / 3', -5n],
    ['-16 % 3', -1n],
    ['-1 < 0', 1n],
    ['-1 < 0U', 0n],
    ['-1L < 0U', 1n],
    ['-1 < 0UL', 0n],
    ['(unsigned char)300', 44n],
    ['(signed char)200', -56n],
    ['(unsigned short)-1', 65535n],
    ['(int)0xffffffff', -1n],
    ['(_Bool)42', 1n],
    ['(long)-1 >> 63', -1n],
    ['(unsigned long)-1 >> 63', 1n],
    ['(unsigned __int128)1 << 100', 1267650600228229401496703205376n],
    ['(char)-1 == -1', 1n],
    ['(void *)0 == 0', 1n],
    // shifts out of range are undefined behaviour: no value
    ['1 << 32', null],
    ['1UL << 64', null],
    ['1 << -1', null],
    ['1UL << 63', 9223372036854775808n],
    // operators and precedence
    ['1 + 2 * 3', 7n],
    ['(1 + 2) * 3', 9n],
    ['1 << 2 + 1', 8n],
    ['6 & 3 | 8 ^ 1', 11n],
    ['!0 + !5', 1n],
    ['-(-3)', 3n],
    ['+ - + 4', -4n],
    ['1 == 1 != 0', 1n],
    ['3 > 2 > 1', 0n],
    ['2 >= 2 && 1 <= 0', 0n],
    ['0 || 7', 1n],
    ['1, 2', 2n],
    ['(1, 2) + 1', 3n],
    // ternary: arms share a type, and only the taken arm is evaluated
    ['1 ? -1 : 0U', 4294967295n],
    ['1 ? 1 : 2 ? 3 : 4', 1n],
    ['0 ? 1 : 0 ? 3 : 4', 4n],
    ['0 ? 1 / 0 : 5', 5n],
    ['1 ? 5 : 1 / 0', 5n],
    ['0 && 1 / 0', 0n],
    ['1 || 1 / 0', 1n],
    ['1 && 1 / 0', null],
    ['0 ? unknown : 1', 1n],
    ['5 ?: 9', 5n],
    ['0 ?: 9', 9n],
    // enum constants and names
    ['FOO + 1', 4n],
    ['BAR * 2', -2n],
    ['HUGE >> 40', 1n],
    ['FOO << HUGE', null],
    ['nope + 1', null],
    // casts to typedefs resolve through the environment
    ['(u32)-1', 4294967295n],
    ['(u32_alias)-1', 4294967295n],
    ['(u8)0x1ff', 255n],
    ['(s32)0xffffffffU', -1n],
    // sizeof and alignof
    ['sizeof(int)', 4n],
    ['sizeof (unsigned long long)', 8n],
    ['sizeof(char *) * 2', 16n],
    ['sizeof(u32[4])', 16n],
    ['sizeof(struct big)', 40n],
    ['sizeof(big_t) / sizeof(char)', 40n],
    ['sizeof(struct unknown_s)', null],
    ['sizeof x', null],
    ['sizeof(x)', null],
    ['__alignof__(long)', 8n],
    ['_Alignof(struct big)', 1n],
    ['sizeof(int) - 5 > 0', 1n],
    // not constants
    ['__builtin_offsetof(struct big, b)', null],
    ['offsetof(struct big, b[1])', null],
    ['f(1)', null],
    ['a[1]', null],
    ['x.y', null],
    ['p->q', null],
    ['"str"', null],
    ['(struct big){0}', null],
    ['({ 1; })', null],
    // malformed
    ['', null],
    ['1 +', null],
    ['(1', null],
    ['1)', null],
    ['1 2', null],
    ['? :', null],
    ['5 % 0', null],
    ['(-2147483647 - 1) / -1', -2147483648n],
  ];
  for (const [src, want] of cases) {
    it(`${src || '(empty)'} → ${want === null ? 'null' : want.toString()}`, () => {
      expect(ev(src)).to.equal(want);
    });
  }

  it('without typedefType, casts to typedef names have no value but sizeof still works', () => {
    const e = { ...env(), typedefType: undefined };
    expect(ev('(u32)1', e)).to.equal(null);
    expect(ev('sizeof(u32)', e)).to.equal(4n);
  });

  it('an environment that throws yields null', () => {
    const e: CConstEnv = {
      enumValue: () => {
        throw new Error('boom');
      },
      sizeof: () => null,
      parseType: () => null,
    };
    expect(evalCConst(ctok('A + 1'), e)).to.equal(null);
  });

  it('deep nesting yields null instead of exhausting the stack', () => {
    const n = 100000;
    expect(ev('('.repeat(n) + '1' + ')'.repeat(n))).to.equal(null);
    expect(ev('-'.repeat(n) + '1')).to.equal(null);
    expect(ev('1 ? '.repeat(n) + '1' + ' : 0'.repeat(n))).to.equal(null);
    expect(ev('(' .repeat(100) + '1' + ')'.repeat(100))).to.equal(1n);
  });

  it('long flat chains are fine', () => {
    expect(ev(Array.from({ length: 100000 }, () => '1').join(' + '))).to.equal(100000n);
  });

  it('never throws on random tokens', () => {
    const vocab: [CTokenKind, string][] = [
      ...['(', ')', '+', '-', '*', '/', '%', '<<', '>>', '<', '>', '<=', '>=', '==', '!=', '&', '|', '^', '&&', '||', '?', ':', '~', '!', ',', '{', '}', '[', ']', '.', '->'].map(
        (p): [CTokenKind, string] => ['punct', p],
      ),
      ...['sizeof', 'int', 'unsigned', 'long', 'char', 'u32', 'struct', 'big', 'FOO', 'x', '__alignof__', 'offsetof', '_Bool'].map((w): [CTokenKind, string] => ['ident', w]),
      ['number', '0'], ['number', '1'], ['number', '31'], ['number', '0xffffffff'], ['number', '1UL'], ['number', '1.5'], ['number', '9x'],
      ['char', "'a'"], ['char', "'\\x'"], ['char', "''"], ['char', "'\\777'"], ['string', '"s"'],
    ];
    const e = env();
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...vocab), { maxLength: 40 }), (list) => {
        const toks: CToken[] = list.map(([kind, text], i) => ({ kind, text, loc: { file: 'r', line: 1, column: i + 1 } }));
        const r = evalCConst(toks, e);
        expect(r === null || typeof r === 'bigint').to.equal(true);
      }),
      { seed: 42, numRuns: 3000 },
    );
  });
});
