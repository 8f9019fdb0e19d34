import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseFloatLiteral, parseIntLiteral } from './float-literal.js';

const parse = (s: string) => parseFloatLiteral(s, 0, s.length);

describe('parseFloatLiteral', () => {
  it('reads every double written in shortest form, and its exponent forms, exactly', () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true }), (x) => {
        const neg0 = Object.is(x, -0);
        expect(parse(neg0 ? '-0' : String(x))).toBe(x);
        expect(parse(neg0 ? '-0e+0' : x.toExponential())).toBe(x);
      }),
      { numRuns: 2000 },
    );
  });

  it('reads long decimals as the engine does', () => {
    for (const s of ['0.1', '123456789012345678901234567890', '1.7560473e+06', '0000000000000000000000000000000000000000001.2e-1', '9223372036854775808', '.5', '5.', '-0', '1e-400', '1e400']) {
      expect(parse(s)).toBe(Number(s));
    }
  });

  it('reads Inf, Infinity and NaN in any case, signs only on infinities', () => {
    expect([parse('+Inf'), parse('-inf'), parse('INFINITY'), parse('nan')]).toEqual([Infinity, -Infinity, Infinity, NaN]);
    expect(parse('-NaN')).toBeUndefined();
  });

  it('rejects hex, binary, octal, underscores, blanks and empty input', () => {
    for (const s of ['0x1', '0x1p-3', '0b1', '0o1', '1_2', ' 1', '1 ', '', '+', '.', 'e5', '1e', '1.2.3', 'Infx']) {
      expect(parse(s), s).toBeUndefined();
    }
  });
});

describe('parseIntLiteral', () => {
  it('reads signed base-10 integers and rejects anything else', () => {
    expect(parseIntLiteral('-1234', 0, 5)).toBe(-1234);
    expect(parseIntLiteral('1.5', 0, 3)).toBeUndefined();
    expect(parseIntLiteral('99999999999999999999', 0, 20)).toBeUndefined();
  });
});
