import { describe, expect, it } from 'vitest';
import { scopeMatchers, scopeQuery, scopeSeriesSelector, tenantSelector } from './selector-scoping.js';

describe('selector scoping', () => {
  it('confines every selector of an expression, inside functions, aggregations, binary operations and subqueries', () => {
    const q = scopeQuery('sum by (job) (rate(http_requests_total[5m])) / on(job) max_over_time(up[1h:1m]) + count({__name__=~"node_.*"})', 'tenant_id', 'a');
    expect(q.match(/tenant_id="a"/g)).toHaveLength(3);
    expect(q).toContain('http_requests_total{tenant_id="a"}[5m]');
    expect(q).toContain('up{tenant_id="a"}[1h:1m]');
  });

  it('replaces what a query says about the tenant label, so a forged tenant selects only its own series', () => {
    expect(scopeQuery('up{tenant_id="b", job="x"}', 'tenant_id', 'a')).toBe('up{job="x", tenant_id="a"}');
    expect(scopeQuery('up{tenant_id=~".*"}', 'tenant_id', 'a')).toBe('up{tenant_id="a"}');
    expect(scopeQuery('up{tenant_id!="a"}', 'tenant_id', 'a')).toBe('up{tenant_id="a"}');
  });

  it('leaves a query without selectors as it is', () => {
    expect(scopeQuery('1 + 2', 'tenant_id', 'a')).toBe('1 + 2');
  });

  it('confines match[] selectors and refuses one that is not a selector', () => {
    expect(scopeSeriesSelector('{job="x"}', 'tenant_id', 'a')).toBe('{job="x", tenant_id="a"}');
    expect(() => scopeSeriesSelector('sum(up)', 'tenant_id', 'a')).toThrow(/not a series selector/);
    expect(() => scopeSeriesSelector('up{', 'tenant_id', 'a')).toThrow();
    expect(tenantSelector('tenant_id', "it's")).toBe(`{tenant_id="it's"}`);
  });

  it('puts exactly one equality matcher on the tenant label', () => {
    expect(scopeMatchers([{ type: '=~', name: 'tenant_id', value: '.+' }, { type: '=', name: 'job', value: 'x' }], 'tenant_id', 'a')).toEqual([
      { type: '=', name: 'job', value: 'x' },
      { type: '=', name: 'tenant_id', value: 'a' },
    ]);
  });
});
