import { describe, expect, it } from 'vitest';
import { canonicalLabels } from './labels.js';

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
