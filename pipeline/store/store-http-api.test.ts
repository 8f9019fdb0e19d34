import { describe, expect, it } from 'vitest';
import { StoreRequestError } from './errors.js';
import { parseTime } from './store-http-api.js';

describe('parseTime', () => {
  it('reads unix seconds with fractions and RFC 3339 times as milliseconds', () => {
    expect(parseTime('1700000000.123', 'start', 0)).toBe(1_700_000_000_123);
    expect(parseTime('2023-11-14T22:13:20Z', 'start', 0)).toBe(1_700_000_000_000);
    expect(parseTime('2023-11-14T23:13:20.5+01:00', 'end', 0)).toBe(1_700_000_000_500);
  });

  it('defaults a missing time and rejects an unparsable one naming the parameter', () => {
    expect(parseTime(null, 'end', 7)).toBe(7);
    expect(() => parseTime('yesterday', 'end', 0)).toThrow(StoreRequestError);
    expect(() => parseTime('yesterday', 'end', 0)).toThrow(/invalid parameter "end": cannot parse "yesterday"/);
  });
});
