import { describe, expect, it } from 'vitest';
import { parseExpr } from '../promql/index.js';
import { formatDuration, formatExpr } from './expr-printer.js';

describe('formatExpr', () => {
  it.each([
    ['sum(rate(x[5m]))by(job)', 'sum by (job) (rate(x[5m]))'],
    ['topk without(a,b)(3,x)', 'topk without (a, b) (3, x)'],
    ['x{a="b"}offset 90m', 'x{a="b"} offset 1h30m'],
    ['{__name__=~"a.*", b!="c"}', '{__name__=~"a.*", b!="c"}'],
    ['x @ 1700000000', 'x @ 1700000000.000'],
    ['rate(x[1m] @ end())', 'rate(x[1m] @ end())'],
    ['max_over_time(deriv(x[5m])[1h:] offset -5m)', 'max_over_time(deriv(x[5m])[1h:] offset -5m)'],
    ['a/on(i)group_left(v)b', 'a / on (i) group_left (v) b'],
    ['a>bool ignoring(x)b', 'a > bool ignoring (x) b'],
    ['-(a+1)', '-(a + 1)'],
    ['label_replace(x,"a","$1","b","(.*)")', 'label_replace(x, "a", "$1", "b", "(.*)")'],
  ])('prints %s as %s', (input, output) => {
    expect(formatExpr(parseExpr(input))).toBe(output);
  });

  it('prints durations as Prometheus does', () => {
    expect(formatDuration(0)).toBe('0s');
    expect(formatDuration(90 * 60_000)).toBe('1h30m');
    expect(formatDuration(86_400_000 * 8)).toBe('1w1d');
    expect(formatDuration(1500)).toBe('1s500ms');
  });
});
