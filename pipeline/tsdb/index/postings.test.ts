import { describe, expect, it } from 'vitest';
import type { Labels } from '../../../schemas/labels.js';
import { InvalidMatcherError } from '../errors.js';
import type { LabelMatcher } from '../querier.js';
import { MemPostings, intersectPostings, subtractPostings, unionPostings } from './postings.js';
import { postingsForMatchers } from './postings-for-matchers.js';
import { SymbolTable } from './symbol-table.js';

const series: Labels[] = [
  { __name__: 'up', job: 'node', instance: 'a' },
  { __name__: 'up', job: 'node', instance: 'b' },
  { __name__: 'up', job: 'api' },
  { __name__: 'http_requests_total', job: 'api', code: '200' },
  { __name__: 'http_requests_total', job: 'api', code: '500' },
];

function index(): MemPostings {
  const p = new MemPostings();
  series.forEach((l, i) => p.add(i + 1, l));
  return p;
}

const m = (name: string, type: LabelMatcher['type'], value: string): LabelMatcher => ({ name, type, value });

describe('postings index', () => {
  it('answers equality matchers by intersecting postings', () => {
    expect(postingsForMatchers(index(), [m('__name__', '=', 'up'), m('job', '=', 'node')])).toEqual([1, 2]);
  });

  it('answers != by subtracting the series holding that value', () => {
    expect(postingsForMatchers(index(), [m('__name__', '=', 'up'), m('job', '!=', 'node')])).toEqual([3]);
  });

  it('anchors regular expressions at both ends', () => {
    expect(postingsForMatchers(index(), [m('__name__', '=~', 'http.*')])).toEqual([4, 5]);
    expect(postingsForMatchers(index(), [m('__name__', '=~', 'http')])).toEqual([]);
    expect(postingsForMatchers(index(), [m('code', '=~', '5..')])).toEqual([5]);
  });

  it('answers one matcher object across indexes of different series as each index alone would', () => {
    const other = new MemPostings();
    other.add(1, { __name__: 'http_requests_total', code: '503' });
    other.add(2, { __name__: 'http_requests_total', code: '200' });
    const fives = m('code', '=~', '5..');
    const notFives = m('code', '!~', '5..');
    for (let round = 0; round < 2; round++) {
      expect(postingsForMatchers(index(), [fives])).toEqual([5]);
      expect(postingsForMatchers(other, [fives])).toEqual([1]);
      expect(postingsForMatchers(index(), [m('__name__', '=', 'http_requests_total'), notFives])).toEqual([4]);
      expect(postingsForMatchers(other, [notFives])).toEqual([2]);
    }
  });

  it('answers a regular expression over more distinct values than it remembers', () => {
    const many = new MemPostings();
    for (let i = 0; i < 10_000; i++) many.add(i + 1, { __name__: 'x', id: String(i) });
    const endsInSeven = m('id', '=~', '.*7');
    for (let round = 0; round < 2; round++) {
      const got = postingsForMatchers(many, [endsInSeven]);
      expect(got.length).toBe(1_000);
      expect([...got].every((ref) => (ref - 1) % 10 === 7)).toBe(true);
    }
  });

  it('answers !~ including series that lack the label', () => {
    expect(postingsForMatchers(index(), [m('code', '!~', '2..')])).toEqual([1, 2, 3, 5]);
  });

  it('treats {a=""} as selecting series without the label', () => {
    expect(postingsForMatchers(index(), [m('instance', '=', '')])).toEqual([3, 4, 5]);
    expect(postingsForMatchers(index(), [m('instance', '!=', '')])).toEqual([1, 2]);
    expect(postingsForMatchers(index(), [m('code', '=~', '200|')])).toEqual([1, 2, 3, 4]);
  });

  it('uses a set lookup for literal alternations with the same answer as the regex', () => {
    expect(postingsForMatchers(index(), [m('instance', '=~', 'a|b|zz')])).toEqual([1, 2]);
    expect(postingsForMatchers(index(), [m('job', '=~', '.+')])).toEqual([1, 2, 3, 4, 5]);
  });

  it('looks up the values of a literal alternation, missing ones included', () => {
    expect(postingsForMatchers(index(), [m('instance', '=~', 'b|a|zz')])).toEqual([1, 2]);
    expect(postingsForMatchers(index(), [m('job', '=~', 'api'), m('code', '=~', '(2|5)00')])).toEqual([4, 5]);
  });

  it('matches RE2 syntax JavaScript lacks: inline flags, POSIX classes, \\Q…\\E', () => {
    expect(postingsForMatchers(index(), [m('__name__', '=~', '((?i)HTTP).*')])).toEqual([4, 5]);
    expect(postingsForMatchers(index(), [m('code', '=~', '[[:digit:]]+')])).toEqual([4, 5]);
    expect(postingsForMatchers(index(), [m('code', '=~', '\\Q5\\E.*')])).toEqual([5]);
  });

  it('rejects an invalid regular expression with a named error carrying the label', () => {
    expect(() => postingsForMatchers(index(), [m('job', '=~', '(')])).toThrow(InvalidMatcherError);
  });

  it('drops refs on retain and forgets values with no series left', () => {
    const p = index();
    p.retain((r) => r !== 3);
    expect(p.allPostings()).toEqual([1, 2, 4, 5]);
    p.retain((r) => r < 4);
    expect([...p.labelValues('code')]).toEqual([]);
    expect(p.labelNames()).not.toContain('code');
  });

  it('combines sorted lists with intersect, subtract and union', () => {
    expect(intersectPostings([1, 3, 5, 7], [2, 3, 7, 9])).toEqual([3, 7]);
    expect(subtractPostings([1, 3, 5, 7], [3, 4, 7])).toEqual([1, 5]);
    expect(unionPostings([[1, 5], [2, 5, 9], []])).toEqual([1, 2, 5, 9]);
  });

  it('unions few lists and many lists alike: ascending, each ref once', () => {
    let seed = 5;
    const rnd = (n: number): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % n;
    for (const count of [2, 3, 7, 32, 33, 200]) {
      const lists = Array.from({ length: count }, (_, i) => [...new Set(Array.from({ length: i % 5 === 0 ? 0 : rnd(40) }, () => rnd(500)))].sort((a, b) => a - b));
      const want = [...new Set(lists.flat())].sort((a, b) => a - b);
      expect(unionPostings(lists), `${count} lists`).toEqual(want);
    }
    expect(unionPostings([[], []])).toEqual([]);
  });

  it('interns equal strings to one instance and sorts symbols byte-wise', () => {
    const s = new SymbolTable();
    const a = s.intern(['jo', 'b'].join(''));
    expect(s.intern('job')).toBe(a);
    s.intern('Z');
    s.intern('a');
    expect(s.sorted()).toEqual(['Z', 'a', 'job']);
  });
});
