import { describe, expect, it } from 'vitest';
import { parseExpr } from '../../promql/index.js';
import { ruleSelectors } from './rule-selectors.js';

describe('ruleSelectors', () => {
  it('collects every selector and the longest reach back (range, offset, subquery, lookback)', () => {
    const s = ruleSelectors(parseExpr('rate(a{x="1"}[10m] offset 5m) > on() max_over_time(b[1h:1m]) or c'), 300_000);
    expect(s.matchers.map((m) => m.find((x) => x.name === '__name__')?.value)).toEqual(['a', 'b', 'c']);
    // b: subquery 1h + step 1m, then the lookback of the instant selector inside.
    expect(s.spanMs).toBe(3_600_000 + 60_000 + 300_000);
  });

  it('needs only the lookback delta for an instant selector', () => {
    expect(ruleSelectors(parseExpr('up == 0'), 300_000).spanMs).toBe(300_000);
    expect(ruleSelectors(parseExpr('up offset 10m'), 300_000).spanMs).toBe(900_000);
  });
});
