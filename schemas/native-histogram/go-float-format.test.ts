import { describe, expect, it } from 'vitest';
import { formatGoFloat } from './go-float-format.js';

describe("Go's %g formatting", () => {
  it.each([
    [0, '0'],
    [-0, '-0'],
    [1, '1'],
    [-0.3, '-0.3'],
    [100000, '100000'],
    [123456.7, '123456.7'],
    [1e6, '1e+06'],
    [2349209.324, '2.349209324e+06'],
    [0.0001, '0.0001'],
    [0.00001, '1e-05'],
    [1.5e-5, '1.5e-05'],
    [1e100, '1e+100'],
    [5e-324, '5e-324'],
    [Number.MAX_VALUE, '1.7976931348623157e+308'],
    [1.189207115002721, '1.189207115002721'],
    [Infinity, '+Inf'],
    [-Infinity, '-Inf'],
    [NaN, 'NaN'],
  ])('prints %s as %s', (v, want) => {
    expect(formatGoFloat(v)).toBe(want);
  });
});
