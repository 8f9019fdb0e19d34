import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { conformancePath } from '../../../test/conformance/conformance-dir.js';
import { expandHistogramItem, HistogramNotationError, parseHistogramLiteral } from './histogram-notation.js';

describe('native histogram literals', () => {
  it('read every key of the notation', () => {
    const { histogram: h, counterResetHintSet } = parseHistogramLiteral(
      '{{schema:1 sum:-0.3 count:3.1 z_bucket:7.1 z_bucket_w:0.05 buckets:[5.1 10 7] offset:-3 n_buckets:[4.1 5] n_offset:-5 counter_reset_hint:gauge}}',
    );
    expect(counterResetHintSet).toBe(true);
    expect(h).toMatchObject({
      schema: 1, sum: -0.3, count: 3.1, zeroCount: 7.1, zeroThreshold: 0.05, counterResetHint: 'gauge',
      positiveSpans: [{ offset: -3, length: 3 }], positiveBuckets: [5.1, 10, 7],
      negativeSpans: [{ offset: -5, length: 2 }], negativeBuckets: [4.1, 5],
    });
  });

  it('default every key: {{}} is an empty exponential histogram with an unnamed hint', () => {
    const { histogram: h, counterResetHintSet } = parseHistogramLiteral('{{}}');
    expect(counterResetHintSet).toBe(false);
    expect(h).toMatchObject({ schema: 0, count: 0, sum: 0, counterResetHint: 'unknown', positiveSpans: [], negativeSpans: [] });
  });

  it('read custom bounds, Inf and NaN', () => {
    const { histogram: h } = parseHistogramLiteral('{{schema:-53 sum:NaN count:Inf custom_values:[-2 3 1e3] buckets:[1 0x10]}}');
    expect([...h.customValues]).toEqual([-2, 3, 1000]);
    expect(h.sum).toBeNaN();
    expect(h.count).toBe(Infinity);
    expect(h.positiveBuckets).toEqual([1, 16]);
  });

  it.each([
    ['{{schema:1 schema:2}}', 'duplicate key "schema"'],
    ['{{foo:1}}', 'unknown key "foo"'],
    ['{{schema:1.5}}', 'schema must be an integer, got "1.5"'],
    ['{{buckets:1}}', 'buckets must be a list [...]'],
    ['{{buckets:[1 x]}}', '"x" is not a number'],
    ['{{counter_reset_hint:maybe}}', 'counter_reset_hint must be one of unknown, reset, not_reset, gauge, got "maybe"'],
    ['{{count 1}}', 'expected "key:value"'],
    ['{schema:1}', 'expected {{...}}'],
  ])('reject %s', (text, message) => {
    expect(() => parseHistogramLiteral(text)).toThrow(HistogramNotationError);
    expect(() => parseHistogramLiteral(text)).toThrow(message);
  });
});

describe('native histogram series items', () => {
  it('repeat a literal N+1 times with xN, as independent copies', () => {
    const { histograms } = expandHistogramItem('{{schema:0 sum:5 count:4 buckets:[1 2 1]}}x2');
    expect(histograms).toHaveLength(3);
    histograms[0].count = 99;
    expect(histograms[1].count).toBe(4);
  });

  it('add the increment N times with +, taking the hint flag from the increment', () => {
    const { histograms, counterResetHintSet } = expandHistogramItem('{{schema:0 count:1 sum:1 buckets:[1] offset:1}}+{{count:1 sum:2 buckets:[1] offset:1 counter_reset_hint:not_reset}}x3');
    expect(counterResetHintSet).toBe(true);
    expect(histograms.map((h) => h.toString())).toEqual([
      '{count:1, sum:1, (1,2]:1}',
      '{count:2, sum:3, (1,2]:2}',
      '{count:3, sum:5, (1,2]:3}',
      '{count:4, sum:7, (1,2]:4}',
    ]);
  });

  it('subtract the increment N times with -', () => {
    const { histograms } = expandHistogramItem('{{count:10 sum:10 buckets:[10]}}-{{count:3 sum:3 buckets:[3]}}x2');
    expect(histograms.map((h) => h.count)).toEqual([10, 7, 4]);
  });

  it('reject an increment without a repeat count and histograms that cannot be combined', () => {
    expect(() => expandHistogramItem('{{count:1}}+{{count:1}}')).toThrow('"+" needs a repeat count (xN)');
    expect(() => expandHistogramItem('{{count:1}}+{{schema:-53 custom_values:[1]}}x1')).toThrow('cannot combine the histograms');
  });
});

describe('the shared PromQL corpus', () => {
  const dir = conformancePath('promql');
  const items = readdirSync(dir)
    .filter((f) => f.endsWith('.test'))
    .flatMap((file) => [...readFileSync(`${dir}/${file}`, 'utf8').matchAll(/\{\{[^}]*\}\}(?:[+-]\{\{[^}]*\}\})?(?:x\d+)?/g)].map((m) => ({ file, item: m[0] })));

  it('holds hundreds of native histogram items', () => {
    expect(items.length).toBeGreaterThan(700);
  });

  it('parses and expands every native histogram item without error', () => {
    const failures: string[] = [];
    let histograms = 0;
    for (const { file, item } of items) {
      try {
        histograms += expandHistogramItem(item).histograms.length;
      } catch (e) {
        failures.push(`${file}: ${(e as Error).message}`);
      }
    }
    expect(failures).toEqual([]);
    expect(histograms).toBeGreaterThan(items.length);
  });

  it('writes each single literal back in the notation so that it reads as the same histogram', () => {
    for (const { item } of items.filter(({ item }) => /^\{\{[^}]*\}\}$/.test(item))) {
      const h = parseHistogramLiteral(item).histogram;
      const again = parseHistogramLiteral(h.testExpression()).histogram;
      expect(again.copy().compact().equals(h.copy().compact()), item).toBe(true);
    }
  });
});
