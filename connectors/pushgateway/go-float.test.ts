import { describe, expect, it } from 'vitest';
import { expfmtFloat, goFloat } from './go-float.js';

describe('goFloat', () => {
  it('writes plain decimals for exponents from -4 to 5 and exponent form outside, as Go does', () => {
    expect(goFloat(100000)).toBe('100000');
    expect(goFloat(123456.7)).toBe('123456.7');
    expect(goFloat(1e6)).toBe('1e+06');
    expect(goFloat(1795285491.3730016)).toBe('1.7952854913730016e+09');
    expect(goFloat(0.0001)).toBe('0.0001');
    expect(goFloat(0.00001)).toBe('1e-05');
    expect(goFloat(-2.5e-7)).toBe('-2.5e-07');
    expect(goFloat(1e100)).toBe('1e+100');
    expect(goFloat(0.1)).toBe('0.1');
  });

  it('spells the special values as expfmt does', () => {
    expect(goFloat(Infinity)).toBe('+Inf');
    expect(goFloat(-Infinity)).toBe('-Inf');
    expect(goFloat(Number.NaN)).toBe('NaN');
    expect(goFloat(-0)).toBe('-0');
    expect(expfmtFloat(-0)).toBe('0');
  });
});
