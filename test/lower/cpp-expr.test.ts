// The #if expression evaluator: C11 6.10.1 integer arithmetic in intmax_t/uintmax_t with GCC's
// choices where C leaves them open (checked against gcc -E on x86-64).
import { expect } from 'chai';
import { lexC } from '../../compiler/lower/c-lexer.js';
import { evaluatePpExpr, parseCharConstant, parseIntegerConstant } from '../../compiler/lower/pp-expr.js';

function ev(expr: string): { value: boolean; diags: string[] } {
  const toks = lexC(expr, 'e.h').tokens;
  const end = { file: 'e.h', line: 1, column: expr.length + 1, offset: expr.length, endOffset: expr.length, endLine: 1, endColumn: expr.length + 1 };
  const r = evaluatePpExpr(toks, end);
  return { value: r.value, diags: r.diagnostics.map((d) => `${d.loc.column} ${d.severity}: ${d.message}`) };
}

/** True and without diagnostics. */
function holds(expr: string): void {
  expect(ev(expr), expr).to.deep.equal({ value: true, diags: [] });
}

describe('#if expressions', () => {
  it('precedence and associativity of every operator', () => {
    holds('1 + 2 * 3 == 7');
    holds('(1 + 2) * 3 == 9');
    holds('10 - 4 - 3 == 3');
    holds('64 / 4 / 2 == 8');
    holds('1 << 2 + 1 == 8');
    holds('(1 | 2 ^ 3 & 4) == 3');
    holds('(1 == 1 == 1) == 1');
    holds('1 < 2 == 1');
    holds('(1 || 0 && 0) == 1');
    holds('1 ? 2 : 0 ? 3 : 4');
    holds('(0 ? 2 : 0 ? 3 : 4) == 4');
    holds('-2 * -3 == 6');
    holds('~0 == -1 && !0 == 1 && !7 == 0 && +4 == 4 && -(-3) == 3');
    holds('- - 1 == 1');
  });

  it('division truncates toward zero', () => {
    holds('10 / 3 == 3 && 10 % 3 == 1');
    holds('-7 / 2 == -3 && -7 % 2 == -1 && 7 % -2 == 1');
  });

  it('shifts: arithmetic right shift, counts past the width, negative counts as GCC does', () => {
    holds('1 << 4 == 16 && 256 >> 4 == 16');
    holds('-1 >> 1 == -1 && -16 >> 2 == -4');
    holds('(-1 >> 64) == -1 && (1u << 64) == 0 && (1u >> 64) == 0');
    holds('(1 >> -1) == 2 && (4 << -1) == 2');
  });

  it('comparisons and bitwise operators', () => {
    holds('1 < 2 && 2 <= 2 && 3 > 2 && 3 >= 3 && 1 != 2 && 2 == 2');
    holds('(6 & 3) == 2 && (6 | 3) == 7 && (6 ^ 3) == 5');
  });

  it('the usual arithmetic conversions to uintmax_t', () => {
    holds('-1 > 0u');
    holds('!(-1 > 0)');
    holds('0xffffffffffffffff == -1');
    holds('(1 ? -1 : 0u) > 0');
    holds('~0u == 18446744073709551615u');
    holds('(0u - 1) / 2 == 9223372036854775807');
    holds('-1 < 1 && !(-1 < 1u)');
  });

  it('integer constants in every base and with every suffix', () => {
    holds('010 == 8 && 0b101 == 5 && 0x10 == 16 && 0X1F == 31 && 0 == 0');
    holds('1u == 1 && 1UL == 1 && 1ull == 1 && 1LLU == 1 && 1lu == 1 && 1L == 1 && 1ll == 1');
    holds('201112L > 199901L');
    expect(parseIntegerConstant('0x1fUL')).to.deep.equal({ value: 31n, unsigned: true });
    expect(parseIntegerConstant('9223372036854775807')).to.deep.equal({ value: 9223372036854775807n, unsigned: false });
    expect(parseIntegerConstant('0x8000000000000000')).to.deep.equal({ value: 9223372036854775808n, unsigned: true });
    expect(parseIntegerConstant('9223372036854775808')).to.deep.equal({
      value: 9223372036854775808n,
      unsigned: true,
      warning: 'integer constant is so large that it is unsigned',
    });
  });

  it('character constants as GCC on x86-64 sees them', () => {
    holds("'a' == 97 && '\\n' == 10 && '\\0' == 0 && '\\x41' == 65 && '\\101' == 65 && '\\'' == 39 && '\\e' == 27");
    // plain char is signed
    holds("'\\377' < 0 && '\\xff' == -1");
    holds("L'\\xff' == 255 && u'x' == 120 && U'\\xffffffff' > 0 && u'\\xffff' == 65535");
    expect(parseCharConstant("L'\\xffffffff'")).to.deep.equal({ value: -1n, unsigned: false });
    expect(parseCharConstant("'ab'")).to.deep.equal({ value: 24930n, unsigned: false, warning: 'multi-character character constant' });
    expect(ev("'ab' == 24930")).to.deep.equal({ value: true, diags: ['1 warning: multi-character character constant'] });
  });

  it('identifiers left after expansion are 0; __has_* calls are 0', () => {
    holds('!FOO && FOO == 0');
    holds('!__has_attribute(__packed__) && !__has_builtin(__builtin_expect)');
    holds('__has_attribute(x) + 1 == 1');
  });

  it('short-circuit operands and unchosen ?: arms are not evaluated', () => {
    holds('1 || 1 / 0');
    holds('!(0 && 1 / 0)');
    holds('0 ? 1 / 0 : 2');
    holds('1 ? 2 : 1 % 0');
    holds('!(0 && (1 << 63) * 4)');
  });

  it('the comma operator, as GCC accepts it', () => {
    expect(ev('(1, 0)').value).to.equal(false);
    expect(ev('0, 1').value).to.equal(true);
  });

  it('overflow wraps with a warning, as in GCC', () => {
    expect(ev('(1 << 63) < 0')).to.deep.equal({ value: true, diags: ['4 warning: integer overflow in preprocessor expression'] });
    expect(ev('9223372036854775807 + 1 < 0')).to.deep.equal({ value: true, diags: ['21 warning: integer overflow in preprocessor expression'] });
    expect(ev('(-9223372036854775807 - 1) / -1 < 0')).to.deep.equal({ value: true, diags: ['28 warning: integer overflow in preprocessor expression'] });
    holds('18446744073709551615u + 1 == 0');
  });

  it('errors make the condition false', () => {
    const cases: [string, string][] = [
      ['1 / 0', '3 error: division by zero in #if'],
      ['1 % 0', '3 error: division by zero in #if'],
      ['', '1 error: #if with no expression'],
      ['1.0', '1 error: floating constant in preprocessor expression'],
      ['1e5', '1 error: floating constant in preprocessor expression'],
      ['0x1p3', '1 error: floating constant in preprocessor expression'],
      ['08', '1 error: invalid digit "8" in octal constant'],
      ['0b102', '1 error: invalid digit "2" in binary constant'],
      ['1abc', '1 error: invalid suffix "abc" on integer constant'],
      ['1lL', '1 error: invalid suffix "lL" on integer constant'],
      ['0x', '1 error: invalid suffix "x" on integer constant'],
      ['2i', '1 error: imaginary number in preprocessor expression'],
      ['"s"', '1 error: token ""s"" is not valid in preprocessor expressions'],
      ['a = 1', '3 error: token "=" is not valid in preprocessor expressions'],
      ['x++', '2 error: token "++" is not valid in preprocessor expressions'],
      ['{1}', '1 error: token "{" is not valid in preprocessor expressions'],
      ['1 2', '3 error: missing binary operator before token "2"'],
      ['foo(1)', '4 error: missing binary operator before token "("'],
      ['(1', "3 error: missing ')' in expression"],
      ['1)', "2 error: missing '(' in expression"],
      ['()', "2 error: missing expression between '(' and ')'"],
      ['1 ? 2', "6 error: '?' without following ':'"],
      ['1 +', "4 error: operator '+' has no right operand"],
      ['* 1', "1 error: operator '*' has no left operand"],
      ["''", '1 error: empty character constant'],
      ['__has_attribute(x', '18 error: missing \')\' after "__has_attribute" operand'],
      ['99999999999999999999 > 0', '1 warning: integer constant is too large for its type'],
    ];
    for (const [expr, diag] of cases) {
      const r = ev(expr);
      expect(r.diags, expr).to.deep.equal([diag]);
      if (diag.includes('error')) expect(r.value, expr).to.equal(false);
    }
  });

  it('nesting is bounded', () => {
    expect(ev('('.repeat(300) + '1' + ')'.repeat(300)).diags).to.deep.equal(['257 error: #if expression nested too deeply (more than 256 levels)']);
    expect(ev('('.repeat(200) + '1' + ')'.repeat(200)).value).to.equal(true);
    expect(ev('!'.repeat(299) + '0').diags).to.have.length(1);
    expect(ev('1 ? '.repeat(300) + '1' + ' : 0'.repeat(300)).diags).to.have.length(1);
  });
});
