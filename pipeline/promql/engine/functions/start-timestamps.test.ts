import { describe, expect, it } from 'vitest';
import { startInRange, startTimestampReset } from './start-timestamps.js';

describe('start timestamps in counter functions', () => {
  it('counts a start timestamp after the previous sample as a reset, however the value moved', () => {
    expect(startTimestampReset(0, 100, 150, 200)).toBe(true);
    expect(startTimestampReset(50, 100, 199, 200)).toBe(true);
  });

  it('counts a start timestamp at the previous sample as a reset only after a sample that had its own start (delta-style)', () => {
    expect(startTimestampReset(50, 100, 100, 200)).toBe(true);
    expect(startTimestampReset(0, 100, 100, 200)).toBe(false); // cumulative of unknown start
    expect(startTimestampReset(150, 100, 100, 200)).toBe(false); // the previous start was invalid
  });

  it('ignores no start timestamp, one before the previous sample, and one not before its own sample', () => {
    for (const st of [0, 50, 200, 250]) expect(startTimestampReset(50, 100, st, 200)).toBe(false);
  });

  it('takes the first sample start timestamp only inside the range and before the sample', () => {
    const w = (st: number) => ({ metric: {}, ts: [1000, 2000], vs: [1, 2], lo: 0, hi: 2, dropName: false, sts: [st, 0] });
    expect(startInRange(w(500), 0)).toBe(500);
    expect(startInRange(w(500), 500)).toBe(0);
    expect(startInRange(w(1000), 0)).toBe(0);
    expect(startInRange(w(0), -1)).toBe(0);
    expect(startInRange({ ...w(500), sts: null }, 0)).toBe(0);
  });
});
