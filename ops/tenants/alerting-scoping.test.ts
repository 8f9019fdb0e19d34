import { describe, expect, it } from 'vitest';
import { ownsSilence, scopeAlertFilters, scopePostedSilence, stampPostedAlerts, stampReplayedAlertEvents, tenantAlerts, tenantRules } from './alerting-scoping.js';
import { routeScope } from './tenant-routes.js';

describe('alerting scoping', () => {
  it('replaces Alertmanager filters on the tenant label with the tenant\'s own', () => {
    const p = new URLSearchParams([['filter', 'alertname="X"'], ['filter', 'tenant_id=~".*"'], ['filter', '"tenant_id"!="a"'], ['active', 'true']]);
    scopeAlertFilters(p, 'tenant_id', 'a');
    expect(p.getAll('filter')).toEqual(['alertname="X"', 'tenant_id="a"']);
    expect(p.get('active')).toBe('true');
  });

  it('labels every posted alert with the tenant, and leaves a body that is not an array to the API', () => {
    const out = JSON.parse(stampPostedAlerts(Buffer.from(JSON.stringify([{ labels: { alertname: 'X', tenant_id: 'b' } }, {}])), 'tenant_id', 'a').toString());
    expect(out).toEqual([{ labels: { alertname: 'X', tenant_id: 'a' } }, { labels: { tenant_id: 'a' } }]);
    expect(stampPostedAlerts(Buffer.from('{"not":"an array"}'), 'tenant_id', 'a').toString()).toBe('{"not":"an array"}');
  });

  it('labels every alert state change a tenant\'s replay hands over with the tenant, and leaves another body to the endpoint', () => {
    expect(routeScope('POST', '/api/v1/alert_history/replayed')).toBe('alert_history');
    const body = { run: 'r', events: [{ rule: 'Hot', labels: { alertname: 'Hot', tenant_id: 'b' } }, { rule: 'Cold', labels: {} }] };
    const out = JSON.parse(stampReplayedAlertEvents(Buffer.from(JSON.stringify(body)), 'tenant_id', 'a').toString()) as typeof body;
    expect(out.events.map((e) => e.labels)).toEqual([{ alertname: 'Hot', tenant_id: 'a' }, { tenant_id: 'a' }]);
    expect(out.run).toBe('r');
    expect(stampReplayedAlertEvents(Buffer.from('[1]'), 'tenant_id', 'a').toString()).toBe('[1]');
  });

  it('gives a posted silence the tenant\'s equality matcher in place of any on the tenant label, and says which silence it updates', () => {
    const body = Buffer.from(JSON.stringify({ id: 's1', matchers: [{ name: 'tenant_id', value: '.*', isRegex: true }, { name: 'alertname', value: 'X', isRegex: false }] }));
    const out = scopePostedSilence(body, 'tenant_id', 'a');
    expect(out.id).toBe('s1');
    expect(JSON.parse(out.body.toString()).matchers).toEqual([
      { name: 'alertname', value: 'X', isRegex: false },
      { name: 'tenant_id', value: 'a', isRegex: false, isEqual: true },
    ]);
    expect(scopePostedSilence(Buffer.from('{"matchers":[]}'), 'tenant_id', 'a').id).toBeUndefined();
  });

  it('tells a tenant\'s silence by its equality matcher on the tenant label', () => {
    expect(ownsSilence({ id: 'x', matchers: [{ type: '=', name: 'tenant_id', value: 'a' }] }, 'tenant_id', 'a')).toBe(true);
    expect(ownsSilence({ id: 'x', matchers: [{ type: '=~', name: 'tenant_id', value: 'a' }] }, 'tenant_id', 'a')).toBe(false);
    expect(ownsSilence({ id: 'x', matchers: [{ type: '=', name: 'tenant_id', value: 'b' }] }, 'tenant_id', 'a')).toBe(false);
  });

  it('keeps the tenant\'s rules and alerts in the answers that list everyone\'s', () => {
    const rules = { status: 'success', data: { groups: [
      { name: 'g1', rules: [{ name: 'r1', labels: { tenant_id: 'a' } }, { name: 'r2' }] },
      { name: 'g2', rules: [{ name: 'r3', labels: { tenant_id: 'b' } }] },
    ] } };
    expect(tenantRules(rules, 'tenant_id', 'a')).toEqual({ status: 'success', data: { groups: [{ name: 'g1', rules: [{ name: 'r1', labels: { tenant_id: 'a' } }] }] } });
    const alerts = { status: 'success', data: { alerts: [{ labels: { tenant_id: 'a' } }, { labels: { tenant_id: 'b' } }, { labels: {} }] } };
    expect(tenantAlerts(alerts, 'tenant_id', 'b')).toEqual({ status: 'success', data: { alerts: [{ labels: { tenant_id: 'b' } }] } });
  });
});
