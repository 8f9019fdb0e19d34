import { describe, expect, it } from 'vitest';
import { aggregatesConfigSchema } from './config.js';

function issues(input: unknown): string[] {
  const r = aggregatesConfigSchema.safeParse(input);
  return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
}

describe('aggregates configuration', () => {
  it('accepts vmagent stream aggregation rules as they are written', () => {
    expect(issues([
      { match: ['http_requests_total', '{__name__=~"rpc_.+"}'], interval: '1m', without: ['instance'], outputs: ['total', 'quantiles(0.5, 0.99)', 'histogram_bucket'] },
      { match: 'x', interval: '30s', staleness_interval: '5m', dedup_interval: '10s', by: ['job'], outputs: ['rate_avg'], drop_input: true, keep_metric_names: false },
    ])).toEqual([]);
  });

  it('names the rule and key of each mistake', () => {
    expect(issues([
      { match: 'up{', interval: '1m', outputs: ['sum_samples'] },
      { match: 'x', interval: '1m', by: ['job'], without: ['instance'], outputs: ['avg', 'avg'] },
      { match: 'x', interval: '1m', dedup_interval: '7s', outputs: ['quantiles(2)', 'median'] },
      { match: 'rate(x[5m])', interval: '0s', outputs: [] },
    ])).toEqual([
      expect.stringMatching(/^0\.match: .+/),
      '1.without: `by` and `without` cannot both be set',
      '1.outputs.1: output avg is listed twice',
      '2.outputs.0: "quantiles(2)": φ "2" must be a number in [0, 1]',
      expect.stringMatching(/^2\.outputs\.1: unknown output "median"/),
      '2.dedup_interval: dedup_interval 7s must divide interval 1m',
      '3.match: "rate(x[5m])" is not a series selector',
      '3.interval: duration "0s" must be above zero',
      expect.stringMatching(/^3\.outputs: /),
    ]);
  });
});
