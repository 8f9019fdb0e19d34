import { describe, expect, it } from 'vitest';
import { computeLag } from './partition-lag.js';

describe('computeLag', () => {
  it('counts from the committed offset, or from the retention start where nothing is committed', () => {
    expect(
      computeLag(
        [
          { partition: 1, low: 5, high: 20 },
          { partition: 0, low: 0, high: 10 },
        ],
        [{ partition: 0, offset: 4 }, { partition: 1, offset: -1 }],
      ),
    ).toEqual([
      { partition: 0, committed: 4, high: 10, lag: 6 },
      { partition: 1, committed: -1, high: 20, lag: 15 },
    ]);
  });

  it('treats a partition missing from the committed list as uncommitted', () => {
    expect(computeLag([{ partition: 0, low: 2, high: 2 }], [])).toEqual([
      { partition: 0, committed: -1, high: 2, lag: 0 },
    ]);
  });
});
