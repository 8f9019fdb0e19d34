import { describe, expect, it } from 'vitest';
import { KafkaBusError } from './errors.js';
import { mapTimestampLookup, resolveStartOffset, validateStartPosition } from './start-position.js';

const bounds = { partition: 0, low: 10, high: 50 };

describe('resolveStartOffset', () => {
  it('maps earliest to the retention start and latest to the high watermark', () => {
    expect(resolveStartOffset('earliest', bounds)).toBe(10);
    expect(resolveStartOffset('latest', bounds)).toBe(50);
  });

  it('clamps an explicit offset into the retained range', () => {
    expect(resolveStartOffset({ offset: 3 }, bounds)).toBe(10);
    expect(resolveStartOffset({ offset: 42 }, bounds)).toBe(42);
    expect(resolveStartOffset({ offset: 99 }, bounds)).toBe(50);
  });

  it('takes the broker timestamp answer and treats -1 (nothing at or after that time) as the high watermark', () => {
    expect(resolveStartOffset({ timestampMs: 5 }, bounds, 17)).toBe(17);
    expect(resolveStartOffset({ timestampMs: 5 }, bounds, -1)).toBe(50);
    expect(resolveStartOffset({ timestampMs: 5 }, bounds, undefined)).toBe(50);
    expect(resolveStartOffset({ timestampMs: 5 }, bounds, Number.NaN)).toBe(50);
  });
});

describe('mapTimestampLookup', () => {
  it('returns one offset per partition in partition order, filling unanswered partitions with their high watermark', () => {
    const result = mapTimestampLookup(
      [
        { partition: 2, offset: '7' },
        { partition: 0, offset: '-1' },
      ],
      [
        { partition: 2, low: 0, high: 9 },
        { partition: 1, low: 0, high: 4 },
        { partition: 0, low: 0, high: 3 },
      ],
    );
    expect(result).toEqual([
      { partition: 0, offset: 3 },
      { partition: 1, offset: 4 },
      { partition: 2, offset: 7 },
    ]);
  });

  it('never answers an offset below the retention start', () => {
    expect(mapTimestampLookup([{ partition: 0, offset: '2' }], [{ partition: 0, low: 5, high: 9 }]))
      .toEqual([{ partition: 0, offset: 5 }]);
  });
});

describe('validateStartPosition', () => {
  it('accepts the four position kinds', () => {
    for (const to of ['earliest', 'latest', { offset: 0 }, { timestampMs: 1 }] as const) {
      expect(() => validateStartPosition(to, { topic: 't' })).not.toThrow();
    }
  });

  it('rejects negative or fractional offsets and non-finite times with a non-retryable error naming the topic', () => {
    for (const to of [{ offset: -1 }, { offset: 1.5 }, { timestampMs: Number.NaN }]) {
      let caught: unknown;
      try {
        validateStartPosition(to, { topic: 'metrics', partition: 3 });
      } catch (err) {
        caught = err;
      }
      expect(caught).toBeInstanceOf(KafkaBusError);
      expect(caught).toMatchObject({ code: 'invalid_argument', topic: 'metrics', partition: 3, retryable: false });
    }
  });
});
