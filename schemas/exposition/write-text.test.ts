import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { MetricType } from './parser.js';
import { parseExposition } from './parse-exposition.js';
import { writeText, type WritableFamily } from './write-text.js';

describe('writeText', () => {
  it('writes the text format with HELP, TYPE, escaped label values, special floats and timestamps', () => {
    const text = writeText([
      {
        name: 'http_requests_total',
        type: 'counter',
        help: 'Requests\nby "code", with \\ too.',
        samples: [
          { labels: { __name__: 'http_requests_total', code: '200', path: 'a"b\\c\nd' }, value: 1027, timestamp: 1395066363000 },
          { labels: { __name__: 'http_requests_total', code: '500' }, value: Infinity },
        ],
      },
      { name: 'temp', type: 'unknown', samples: [{ labels: { __name__: 'temp' }, value: NaN }] },
    ]);
    expect(text).toBe(
      '# HELP http_requests_total Requests\\nby "code", with \\\\ too.\n' +
        '# TYPE http_requests_total counter\n' +
        'http_requests_total{code="200",path="a\\"b\\\\c\\nd"} 1027 1395066363000\n' +
        'http_requests_total{code="500"} +Inf\n' +
        '# TYPE temp untyped\n' +
        'temp NaN\n',
    );
  });

  it('writes OpenMetrics with the counter family name, seconds, exemplars and # EOF', () => {
    const text = writeText(
      [
        {
          name: 'rpc_total',
          type: 'counter',
          help: 'Calls "made".',
          unit: '',
          samples: [{ labels: { __name__: 'rpc_total' }, value: 3, timestamp: 1500, exemplar: { labels: { id: 'x' }, value: 1, timestamp: 1250 } }],
        },
      ],
      { format: 'openmetrics' },
    );
    expect(text).toBe('# TYPE rpc counter\n# HELP rpc Calls \\"made\\".\nrpc_total 3 1.5 # {id="x"} 1 1.25\n# EOF\n');
    expect(parseExposition(text, { format: 'openmetrics' }).samples[0]).toEqual({
      labels: { __name__: 'rpc_total' },
      value: 3,
      timestamp: 1500,
      exemplar: { labels: { id: 'x' }, value: 1, timestamp: 1250 },
    });
  });

  const labelName = fc.stringMatching(/^[a-zA-Z_][a-zA-Z0-9_]{0,8}$/).filter((n) => !n.startsWith('__') && n !== 'le' && n !== 'quantile');
  const value = fc.oneof(fc.double(), fc.integer(), fc.constantFrom(Infinity, -Infinity, NaN));
  const family = (type: MetricType, i: number) =>
    fc.record({
      // Leading blanks of a help text do not survive the text format (the parser skips them).
      help: fc.string({ maxLength: 20, unit: 'grapheme' }).map((h) => h.replace(/^[ \t]+/, '')),
      samples: fc.uniqueArray(fc.dictionary(labelName, fc.string({ maxLength: 12, unit: 'grapheme' }), { maxKeys: 3 }), {
        minLength: 1,
        maxLength: 4,
        selector: (l) => JSON.stringify(Object.entries(l).sort()),
      }),
      values: fc.array(value, { minLength: 4, maxLength: 4 }),
      ts: fc.option(fc.integer({ min: 0, max: 2 ** 42 }), { nil: undefined }),
    }).map(({ help, samples, values, ts }): WritableFamily => {
      const name = `m${i}${type === 'counter' ? '_total' : ''}`;
      return {
        name,
        type,
        help,
        samples: samples.map((l, k) => ({ labels: { __name__: name, ...l }, value: values[k], ...(ts === undefined ? {} : { timestamp: ts }) })),
      };
    });

  it('round-trips generated gauges and untyped families through the text format parser', () => {
    fc.assert(
      fc.property(fc.tuple(family('gauge', 0), family('unknown', 1), family('counter', 2)), (fams) => {
        const back = parseExposition(writeText(fams));
        expect(back.families.map((f) => ({ name: f.name, type: f.type, help: f.help, samples: f.samples }))).toEqual(
          fams.map((f) => ({ name: f.name, type: f.type, help: f.help, samples: f.samples })),
        );
      }),
      { numRuns: 200 },
    );
  });

  it('round-trips generated gauge families through OpenMetrics', () => {
    const nonNegative = (f: WritableFamily): WritableFamily => f;
    fc.assert(
      fc.property(fc.tuple(family('gauge', 0), family('gauge', 1)), (fams) => {
        const back = parseExposition(writeText(fams.map(nonNegative), { format: 'openmetrics' }), { format: 'openmetrics' });
        expect(back.samples).toEqual(fams.flatMap((f) => f.samples));
      }),
      { numRuns: 200 },
    );
  });
});
