import { describe, expect, it } from 'vitest';
import { tenantsConfigSchema } from './config.js';
import { TenantLimiter } from './tenant-limits.js';

function limiter(overrides: Record<string, unknown>, clock: { t: number }): TenantLimiter {
  const config = tenantsConfigSchema.parse({ enabled: true, active_series_idle_timeout: '1m', overrides: { t: overrides } });
  return new TenantLimiter(config, () => clock.t);
}

describe('tenant limits', () => {
  it('lets a tenant push its burst at once, then its rate per second', () => {
    const clock = { t: 0 };
    const l = limiter({ ingestion_rate: 10, ingestion_burst_size: 20 }, clock);
    expect(l.takeSamples('t', 20)).toBe(true);
    expect(l.takeSamples('t', 1)).toBe(false);
    clock.t += 500;
    expect(l.takeSamples('t', 5)).toBe(true);
    expect(l.takeSamples('t', 1)).toBe(false);
  });

  it('takes nothing from a refused push and takes back what an unstored push gave', () => {
    const clock = { t: 0 };
    const l = limiter({ ingestion_rate: 10 }, clock);
    expect(l.takeSamples('t', 11)).toBe(false);
    expect(l.takeSamples('t', 10)).toBe(true);
    l.returnSamples('t', 4);
    expect(l.takeSamples('t', 4)).toBe(true);
  });

  it('leaves tenants without limits unlimited', () => {
    const l = limiter({}, { t: 0 });
    expect(l.takeSamples('other', 1e9)).toBe(true);
    expect(l.mayAddSeries('other', 1e9)).toBe(true);
  });

  it('counts series pushed within the idle timeout against max_active_series', () => {
    const clock = { t: 0 };
    const l = limiter({ max_active_series: 2 }, clock);
    l.markActive('t', ['a', 'b']);
    expect(l.activeSeries('t')).toBe(2);
    expect(l.isActive('t', 'a')).toBe(true);
    expect(l.mayAddSeries('t', 1)).toBe(false);
    clock.t += 61_000;
    expect(l.activeSeries('t')).toBe(0);
    expect(l.mayAddSeries('t', 2)).toBe(true);
  });
});
