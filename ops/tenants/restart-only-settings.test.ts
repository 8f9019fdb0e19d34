import { describe, expect, it } from 'vitest';
import { tenantsConfigSchema } from './config.js';
import { checkTenantsReload } from './restart-only-settings.js';

describe('checkTenantsReload', () => {
  const on = tenantsConfigSchema.parse({ enabled: true });
  const off = tenantsConfigSchema.parse({});

  it('refuses turning tenants on or off, naming tenants.enabled', () => {
    expect(() => checkTenantsReload(off, on)).toThrow('tenants.enabled changed from false to true: this takes a restart');
    expect(() => checkTenantsReload(on, off)).toThrow(/^tenants\.enabled changed from true to false/);
  });

  it('refuses a new tenant label while tenants are on, and lets users, limits and overrides change', () => {
    expect(() => checkTenantsReload(on, tenantsConfigSchema.parse({ enabled: true, label: 'org' }))).toThrow(/^tenants\.label changed from "tenant_id" to "org"/);
    expect(() => checkTenantsReload(off, tenantsConfigSchema.parse({ label: 'org' }))).not.toThrow();
    const changed = tenantsConfigSchema.parse({ enabled: true, header: 'X-Tenant', users: { u: 'a' }, limits: { ingestion_rate: 5 }, overrides: { b: { max_active_series: 1 } } });
    expect(() => checkTenantsReload(on, changed)).not.toThrow();
  });
});
