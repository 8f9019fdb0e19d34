import { describe, expect, it } from 'vitest';
import { apiValue } from './api-value.js';

describe('apiValue', () => {
  it('reads the values the query API writes, infinities included', () => {
    expect(['1', '-2.5e-7', '0.30000000000000004', '+Inf', '-Inf'].map(apiValue)).toEqual([1, -2.5e-7, 0.30000000000000004, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]);
    expect(apiValue('NaN')).toBeNaN();
  });
});
