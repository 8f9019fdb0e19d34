import { describe, expect, it } from 'vitest';

import { formatDuration, parseDuration } from './duration.js';

describe('Prometheus durations', () => {
  it('parses compound durations in milliseconds', () => {
    expect(parseDuration('1h30m')).toBe(5_400_000);
    expect(parseDuration('5m')).toBe(300_000);
    expect(parseDuration('0s')).toBe(0);
    expect(parseDuration('0')).toBe(0);
    expect(parseDuration('1w2d')).toBe(9 * 86_400_000);
    expect(parseDuration('1y')).toBe(365 * 86_400_000);
    expect(parseDuration('250ms')).toBe(250);
  });

  it('rejects empty, unordered, fractional and unitless durations', () => {
    expect(() => parseDuration('')).toThrow('empty duration string');
    expect(() => parseDuration('30m1h')).toThrow('not a valid duration string: "30m1h"');
    expect(() => parseDuration('1.5h')).toThrow();
    expect(() => parseDuration('10')).toThrow();
  });

  it('formats like model.Duration.String', () => {
    expect(formatDuration(4 * 3_600_000)).toBe('4h');
    expect(formatDuration(5_400_000)).toBe('1h30m');
    expect(formatDuration(0)).toBe('0s');
    expect(formatDuration(14 * 86_400_000)).toBe('2w');
  });
});
