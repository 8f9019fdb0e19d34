import { describe, expect, it } from 'vitest';
import { checkMetrics } from './check-metrics.js';

describe('checkMetrics', () => {
  it('accepts a clean exposition with no lint problems', () => {
    expect(checkMetrics('# HELP up_total Ups.\n# TYPE up_total counter\nup_total 1\n')).toEqual({ ok: true, problems: [] });
  });

  it('reports a parse error with line, column and message', () => {
    const r = checkMetrics('# HELP a b\na{x=1} 1\n');
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect([r.line, r.column]).toEqual([2, 5]);
    expect(r.message).toMatch(/expected '"' at start of label value/);
  });

  it('parses OpenMetrics when asked, where # EOF is required', () => {
    expect(checkMetrics('a 1\n', { openMetrics: true }).ok).toBe(false);
    expect(checkMetrics('# HELP a x\na 1\n# EOF\n', { openMetrics: true })).toEqual({ ok: true, problems: [] });
  });

  it("lints as promtool's promlint does, sorted by metric", () => {
    const r = checkMetrics(
      '# TYPE requests counter\nrequests 1\n# HELP fooBar x\nfooBar_milliseconds{le="1"} 2\n# HELP x_gauge_ms y\nx_gauge_ms{quantile="1"} 1\n',
    );
    expect(r).toEqual({
      ok: true,
      problems: [
        { metric: 'fooBar_milliseconds', text: "metric names should be written in 'snake_case' not 'camelCase'" },
        { metric: 'fooBar_milliseconds', text: 'no help text' },
        { metric: 'fooBar_milliseconds', text: 'non-histogram metrics should not have "le" label' },
        { metric: 'fooBar_milliseconds', text: 'use base unit "seconds" instead of "milliseconds"' },
        { metric: 'requests', text: 'counter metrics should have "_total" suffix' },
        { metric: 'requests', text: 'no help text' },
        { metric: 'x_gauge_ms', text: "metric name should not include type 'gauge'" },
        { metric: 'x_gauge_ms', text: 'metric names should not contain abbreviated units' },
        { metric: 'x_gauge_ms', text: 'non-summary metrics should not have "quantile" label' },
      ],
    });
  });
});
