import { describe, expect, it } from 'vitest';
import { parsePromDurationMs } from './prom-duration.js';

describe('parsePromDurationMs', () => {
  it('reads Prometheus durations as milliseconds', () => {
    expect(parsePromDurationMs('0')).toBe(0);
    expect(parsePromDurationMs('1h30m')).toBe(5_400_000);
    expect(parsePromDurationMs('500ms')).toBe(500);
    expect(parsePromDurationMs('1w2d')).toBe(777_600_000);
  });

  it('answers undefined for what is not a duration, for the rule file to say where', () => {
    expect(parsePromDurationMs('')).toBeUndefined();
    expect(parsePromDurationMs('5 minutes')).toBeUndefined();
    expect(parsePromDurationMs('30m1h')).toBeUndefined();
  });
});
