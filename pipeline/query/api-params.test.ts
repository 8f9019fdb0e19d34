import { describe, expect, it } from 'vitest';
import { parseDurationParam, parseLimitParam, parseTimeParam } from './api-params.js';
import { InvalidParamError } from './errors.js';

const p = (o: Record<string, string>) => new URLSearchParams(o);

describe('API parameters', () => {
  it('reads times as float seconds or RFC 3339', () => {
    expect(parseTimeParam(p({ time: '1700000000.123' }), 'time')).toBe(1_700_000_000_123);
    expect(parseTimeParam(p({ time: '2023-11-14T22:13:20Z' }), 'time')).toBe(1_700_000_000_000);
    expect(parseTimeParam(p({ time: '2023-11-14T23:13:20.5+01:00' }), 'time')).toBe(1_700_000_000_500);
    expect(parseTimeParam(p({}), 'time', 42)).toBe(42);
  });

  it('names the parameter in errors, as Prometheus does', () => {
    expect(() => parseTimeParam(p({ end: 'soon' }), 'end')).toThrow('invalid parameter "end": cannot parse "soon" to a valid timestamp');
    expect(() => parseTimeParam(p({}), 'start')).toThrow(InvalidParamError);
    expect(() => parseDurationParam(p({ step: '5x' }), 'step')).toThrow('invalid parameter "step": cannot parse "5x" to a valid duration');
    expect(() => parseDurationParam(p({ step: '1e30' }), 'step')).toThrow('It overflows int64');
    expect(() => parseLimitParam(p({ limit: '-1' }))).toThrow('invalid parameter "limit"');
  });

  it('reads durations as float seconds or Prometheus durations', () => {
    expect(parseDurationParam(p({ step: '15' }), 'step')).toBe(15_000);
    expect(parseDurationParam(p({ step: '0.5' }), 'step')).toBe(500);
    expect(parseDurationParam(p({ step: '1h30m' }), 'step')).toBe(5_400_000);
    expect(parseDurationParam(p({ step: '250ms' }), 'step')).toBe(250);
    expect(parseDurationParam(p({}), 'step')).toBeUndefined();
  });
});
