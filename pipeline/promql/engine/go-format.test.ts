import { describe, expect, it } from 'vitest';
import { formatGoG, formatOpenMetricsFloat, goQuote } from './go-format.js';

describe('Go number and string formatting for annotations and labels', () => {
  it('formats %g with shortest digits and two-digit exponents outside [1e-4, 1e6)', () => {
    expect([1.5, -0.1, 0, 100000, 1e6, 1e-5, 0.0001, 1.5e300, NaN, Infinity, -Infinity].map(formatGoG))
      .toEqual(['1.5', '-0.1', '0', '100000', '1e+06', '1e-05', '0.0001', '1.5e+300', 'NaN', '+Inf', '-Inf']);
  });

  it('formats OpenMetrics floats with .0 on whole numbers', () => {
    expect([0.5, 1, 0, 1e6, Infinity, NaN].map(formatOpenMetricsFloat)).toEqual(['0.5', '1.0', '0.0', '1e+06', '+Inf', 'NaN']);
  });

  it('quotes as strconv.Quote: escapes, printable Unicode kept, control characters in hex', () => {
    expect(goQuote('a"b\\c\n')).toBe('"a\\"b\\\\c\\n"');
    expect(goQuote('größe ✓')).toBe('"größe ✓"');
    expect(goQuote('\x00\x7f\u200b')).toBe('"\\x00\\x7f\\u200b"');
  });
});
