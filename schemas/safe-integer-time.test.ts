import { describe, expect, it } from 'vitest';
import { isSafeIntegerTime } from './safe-integer-time.js';

describe('isSafeIntegerTime', () => {
  it('accepts exactly what Number.isSafeInteger accepts', () => {
    const cases = [0, -0, 1, -1, 1.5, -1.5, 1.7e12, 1_700_000_000_000.5, 2 ** 53 - 1, 2 ** 53, -(2 ** 53) + 1, -(2 ** 53), Number.MAX_VALUE, Number.MIN_VALUE, Infinity, -Infinity, NaN, 1e-300];
    for (const x of cases) expect([x, isSafeIntegerTime(x)]).toEqual([x, Number.isSafeInteger(x)]);
  });
});
