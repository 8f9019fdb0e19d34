import { describe, expect, it } from 'vitest';
import { DurationError, formatDuration, parseDuration } from './duration.js';

describe('parseDuration', () => {
  it('reads Prometheus duration strings', () => {
    expect(parseDuration('15s')).toBe(15_000);
    expect(parseDuration('1h30m')).toBe(5_400_000);
    expect(parseDuration('500ms')).toBe(500);
    expect(parseDuration('2d')).toBe(172_800_000);
    expect(parseDuration('1w')).toBe(604_800_000);
    expect(parseDuration('0')).toBe(0);
    expect(parseDuration('0s')).toBe(0);
  });

  it('rejects units out of order, repeated, unknown or missing', () => {
    for (const bad of ['', '1m1h', '5', '1x', '1h1h', '-1s', '1.5h']) {
      expect(() => parseDuration(bad)).toThrow(DurationError);
    }
  });

  it('formats milliseconds the way Prometheus prints durations', () => {
    expect(formatDuration(5_400_000)).toBe('1h30m');
    expect(formatDuration(0)).toBe('0s');
    expect(formatDuration(90_061_001)).toBe('1d1h1m1s1ms');
    expect(formatDuration(4 * 3_600_000)).toBe('4h');
  });

  it('uses weeks and years only when they divide the duration exactly, as model.Duration does', () => {
    expect(formatDuration(14 * 86_400_000)).toBe('2w');
    expect(formatDuration(365 * 86_400_000)).toBe('1y');
    expect(formatDuration(90 * 86_400_000)).toBe('90d');
  });

  it('names the problem the way model.ParseDuration does', () => {
    expect(() => parseDuration('')).toThrow('empty duration string');
    expect(() => parseDuration('30m1h')).toThrow('not a valid duration string: "30m1h"');
    expect(parseDuration('1y')).toBe(365 * 86_400_000);
  });
});
