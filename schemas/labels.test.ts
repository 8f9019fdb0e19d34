import { describe, expect, it } from 'vitest';
import { canonicalLabels, compareStrings, sortedLabelNames } from './labels.js';

describe('canonicalLabels', () => {
  const SEP = '\ud800';

  it('writes each label as name SEP value SEP in byte-wise name order, empty values included', () => {
    expect(canonicalLabels({ b: '2', __name__: 'x', a: '', B: 'é' })).toBe(`B${SEP}é${SEP}__name__${SEP}x${SEP}a${SEP}${SEP}b${SEP}2${SEP}`);
  });

  it('is empty for no labels and equal for equal label sets in any key order', () => {
    expect(canonicalLabels({})).toBe('');
    expect(canonicalLabels({ job: 'a', __name__: 'up' })).toBe(canonicalLabels({ __name__: 'up', job: 'a' }));
  });
});

describe('sortedLabelNames', () => {
  it('orders names byte-wise ascending, for small label sets and large ones alike', () => {
    const alphabet = ['a', 'b', 'B', '_', 'é', 'z', '0'];
    let seed = 7;
    const next = (): number => {
      seed ^= seed << 13;
      seed ^= seed >>> 17;
      seed ^= seed << 5;
      return seed >>> 0;
    };
    for (const size of [0, 1, 2, 5, 32, 33, 80]) {
      const labels: Record<string, string> = {};
      while (Object.keys(labels).length < size) {
        const name = Array.from({ length: 1 + (next() % 4) }, () => alphabet[next() % alphabet.length]).join('');
        labels[name] = String(size);
      }
      const names = sortedLabelNames(labels);
      expect(names).toEqual(Object.keys(labels).sort(compareStrings));
      expect(names).toHaveLength(size);
    }
    expect(sortedLabelNames({ mode: 'x', __name__: 'm', instance: 'i', cpu: '0' })).toEqual(['__name__', 'cpu', 'instance', 'mode']);
  });
});
