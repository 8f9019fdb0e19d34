import { describe, expect, it } from 'vitest';

import { TimeIntervalError } from './errors.js';
import { intervalContains, parseTimeInterval } from './time-intervals.js';

const at = (iso: string) => Date.parse(iso);

describe('time intervals', () => {
  it('matches business hours on weekdays in UTC by default', () => {
    const ti = parseTimeInterval({ weekdays: ['monday:friday'], times: [{ start_time: '09:00', end_time: '17:00' }] });
    expect(intervalContains(ti, at('2024-06-03T09:00:00Z'))).toBe(true); // Monday
    expect(intervalContains(ti, at('2024-06-03T17:00:00Z'))).toBe(false); // end is exclusive
    expect(intervalContains(ti, at('2024-06-08T10:00:00Z'))).toBe(false); // Saturday
  });

  it('evaluates in the configured location', () => {
    const ti = parseTimeInterval({ times: [{ start_time: '09:00', end_time: '10:00' }], location: 'Asia/Tokyo' });
    expect(intervalContains(ti, at('2024-01-01T00:30:00Z'))).toBe(true); // 09:30 in Tokyo
    expect(intervalContains(ti, at('2024-01-01T09:30:00Z'))).toBe(false);
  });

  it('counts negative days of month from the end of the month', () => {
    const last = parseTimeInterval({ days_of_month: ['-1'] });
    expect(intervalContains(last, at('2024-02-29T12:00:00Z'))).toBe(true);
    expect(intervalContains(last, at('2023-02-28T12:00:00Z'))).toBe(true);
    expect(intervalContains(last, at('2024-02-28T12:00:00Z'))).toBe(false);
    const lastWeek = parseTimeInterval({ days_of_month: ['-7:-1'] });
    expect(intervalContains(lastWeek, at('2024-04-24T00:00:00Z'))).toBe(true);
    expect(intervalContains(lastWeek, at('2024-04-23T00:00:00Z'))).toBe(false);
  });

  it('skips a day range starting beyond the month', () => {
    const d31 = parseTimeInterval({ days_of_month: ['31'] });
    expect(intervalContains(d31, at('2024-04-30T00:00:00Z'))).toBe(false);
  });

  it('matches months by name or number and years', () => {
    const ti = parseTimeInterval({ months: ['december', '1:2'], years: ['2024:2025'] });
    expect(intervalContains(ti, at('2024-12-05T00:00:00Z'))).toBe(true);
    expect(intervalContains(ti, at('2025-02-05T00:00:00Z'))).toBe(true);
    expect(intervalContains(ti, at('2025-03-05T00:00:00Z'))).toBe(false);
    expect(intervalContains(ti, at('2026-01-05T00:00:00Z'))).toBe(false);
  });

  it('rejects invalid definitions with upstream messages', () => {
    expect(() => parseTimeInterval({ times: [{ start_time: '10:00', end_time: '09:00' }] })).toThrow('start time cannot be equal or greater than end time');
    expect(() => parseTimeInterval({ times: [{ start_time: '9:00', end_time: '10:00' }] })).toThrow(TimeIntervalError);
    expect(() => parseTimeInterval({ days_of_month: ['-3:5'] })).toThrow('end day must be negative if start day is negative');
    expect(() => parseTimeInterval({ days_of_month: ['0'] })).toThrow('0 is not a valid day of the month: out of range');
    expect(() => parseTimeInterval({ years: ['2025:2024'] })).toThrow('end year 2024 is before start year 2025');
    expect(() => parseTimeInterval({ location: 'Mars/Olympus' })).toThrow('unknown time zone Mars/Olympus');
  });
});
