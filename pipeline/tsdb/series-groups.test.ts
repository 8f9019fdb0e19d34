import { describe, expect, it } from 'vitest';
import type { Labels } from '../../schemas/labels.js';
import type { Series } from './querier.js';
import { groupByLabels, type LabelGroups } from './series-groups.js';

function series(labels: Labels, t: number): Series {
  return { labels, timestamps: [t], values: [t], stale: null };
}

/** The groups as arrays of their series. */
function arrays({ series, start }: LabelGroups): Series[][] {
  return Array.from({ length: start.length - 1 }, (_, g) => series.slice(start[g], start[g + 1]));
}

/** Each group as its labels' job and its series' timestamps. */
function shape(groups: LabelGroups): [string, number[]][] {
  return arrays(groups).map((g) => [g[0].labels.job, g.map((s) => s.timestamps[0])]);
}

describe('groupByLabels', () => {
  it('merges sorted sets into groups in label order, equal labels in set order', () => {
    const a = [series({ job: 'a' }, 1), series({ job: 'c' }, 2), series({ job: 'e' }, 3)];
    const b = [series({ job: 'b' }, 4), series({ job: 'c' }, 5)];
    const c = [series({ job: 'a' }, 6), series({ job: 'f' }, 7)];
    expect(shape(groupByLabels([a, b, c]))).toEqual([
      ['a', [1, 6]], ['b', [4]], ['c', [2, 5]], ['e', [3]], ['f', [7]],
    ]);
  });

  it('keeps the series of separate label objects with equal labels together', () => {
    const groups = arrays(groupByLabels([[series({ job: 'x', i: '1' }, 1)], [series({ i: '1', job: 'x' }, 2)]]));
    expect(groups).toHaveLength(1);
    expect(groups[0].map((s) => s.timestamps[0])).toEqual([1, 2]);
  });

  it('sorts a set that is out of order, keeping its equal labels in their order', () => {
    const a = [series({ job: 'd' }, 1), series({ job: 'b' }, 2), series({ job: 'd' }, 3)];
    const b = [series({ job: 'c' }, 4), series({ job: 'd' }, 5)];
    expect(shape(groupByLabels([a, b]))).toEqual([['b', [2]], ['c', [4]], ['d', [1, 3, 5]]]);
  });

  it('groups nothing from empty sets', () => {
    expect(arrays(groupByLabels([[], []]))).toEqual([]);
    expect(shape(groupByLabels([[], [series({ job: 'a' }, 1)]]))).toEqual([['a', [1]]]);
  });
});
