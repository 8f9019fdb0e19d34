import { describe, expect, it } from 'vitest';
import { withTenantGroupingLabel } from './tenant-gate.js';
import { routeScope } from './tenant-routes.js';

describe('the tenant gate', () => {
  it('adds the tenant to a Pushgateway grouping key and refuses a key that names the tenant label', () => {
    expect(withTenantGroupingLabel('/metrics/job/batch', 'tenant_id', 'a')).toBe('/metrics/job/batch/tenant_id/a');
    expect(withTenantGroupingLabel('/metrics/job@base64/YmF0Y2g/instance/x/', 'tenant_id', 'a')).toBe('/metrics/job@base64/YmF0Y2g/instance/x/tenant_id/a');
    expect(() => withTenantGroupingLabel('/metrics/job/batch/tenant_id/b', 'tenant_id', 'a')).toThrow(/may not name the tenant label/);
    expect(() => withTenantGroupingLabel('/metrics/job/batch/tenant_id@base64/Yg', 'tenant_id', 'a')).toThrow(/may not name the tenant label/);
  });

  it('confines reads by what they select, and asks no tenant of the process endpoints', () => {
    expect(routeScope('GET', '/api/v1/query')).toBe('query');
    expect(routeScope('POST', '/api/v1/query_range')).toBe('query');
    expect(routeScope('GET', '/api/v1/label/job/values')).toBe('match');
    expect(routeScope('GET', '/federate')).toBe('match');
    expect(routeScope('POST', '/api/v1/admin/tsdb/delete_series')).toBe('match');
    expect(routeScope('POST', '/api/v1/read')).toBe('remote_read');
    expect(routeScope('PUT', '/metrics/job/x')).toBe('pushgateway');
    expect(routeScope('GET', '/api/v1/status/tsdb')).toBe('refused');
    expect(routeScope('GET', '/api/v1/metrics')).toBe('refused');
    expect(routeScope('POST', '/api/v1/store/select')).toBe('refused');
    expect(routeScope('POST', '/api/v1/admin/tsdb/rebuild_downsampled')).toBe('refused');
    expect(routeScope('GET', '/metrics')).toBe('open');
    expect(routeScope('GET', '/-/healthy')).toBe('open');
    expect(routeScope('POST', '/api/v1/write')).toBe('tenant');
    expect(routeScope('GET', '/api/v1/rules')).toBe('rules');
    expect(routeScope('GET', '/api/v1/metadata')).toBe('tenant');
    expect(routeScope('POST', '/api/v2/alerts')).toBe('am_post_alerts');
    expect(routeScope('GET', '/api/v2/alerts/groups')).toBe('am_alerts');
    expect(routeScope('DELETE', '/api/v2/silence/abc')).toBe('am_silence');
    expect(routeScope('GET', '/api/v1/targets')).toBe('targets');
    expect(routeScope('GET', '/api/v1/targets/metadata')).toBe('tenant');
  });
});
