import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { testNamespace } from '../../test/harness/index.js';
import { tenantsConfigSchema } from './config.js';
import { RedisTenantLimits } from './redis-tenant-limits.js';

const IDLE = 600_000;
const limits = (l: { ingestion_rate?: number; ingestion_burst_size?: number; max_active_series?: number }) => tenantsConfigSchema.parse({ limits: l }).limits;

describe('RedisTenantLimits', () => {
  const ns = testNamespace('redis-tenant-limits');
  const errors: Error[] = [];
  let a: RedisTenantLimits;
  let b: RedisTenantLimits;
  beforeAll(() => {
    a = new RedisTenantLimits(inject('redisUrl'), (err) => errors.push(err), ns.redisPrefix);
    b = new RedisTenantLimits(inject('redisUrl'), (err) => errors.push(err), ns.redisPrefix);
  });
  afterAll(async () => {
    await Promise.all([a.close(), b.close()]);
    expect(errors).toEqual([]);
  });

  it('shares one rate bucket between two replicas: what one took, the other cannot take', async () => {
    const l = limits({ ingestion_rate: 0.001, ingestion_burst_size: 10 });
    expect(await a.admit('rate', 6, new Set(), l, IDLE)).toBe('ok');
    expect(await b.admit('rate', 6, new Set(), l, IDLE)).toBe('ingestion_rate');
    expect(await b.admit('rate', 4, new Set(), l, IDLE)).toBe('ok');
    expect(await a.admit('rate', 1, new Set(), l, IDLE)).toBe('ingestion_rate');
  });

  it('gives back what a push that was not stored took', async () => {
    const l = limits({ ingestion_rate: 0.001, ingestion_burst_size: 10 });
    expect(await a.admit('give', 10, new Set(), l, IDLE)).toBe('ok');
    a.giveBack('give', 5, l);
    // The give-back runs in the background; the next command on the same connection runs after it.
    expect(await a.admit('give', 5, new Set(), l, IDLE)).toBe('ok');
  });

  it('counts active series across replicas: a series another replica has is not new, one more than the limit is refused', async () => {
    const l = limits({ max_active_series: 3 });
    expect(await a.admit('series', 2, new Set(['{i="1"}', '{i="2"}']), l, IDLE)).toBe('ok');
    expect(await b.admit('series', 2, new Set(['{i="3"}', '{i="4"}']), l, IDLE)).toBe('max_active_series');
    expect(await b.admit('series', 3, new Set(['{i="1"}', '{i="2"}', '{i="3"}']), l, IDLE)).toBe('ok');
    expect(b.activeSeries('series')).toBe(3);
    expect(await a.admit('series', 1, new Set(['{i="4"}']), l, IDLE)).toBe('max_active_series');
  });

  it('counts series that arrived outside a request without refusing them', async () => {
    b.touch('scraped', new Set(['{j="1"}', '{j="2"}']), IDLE);
    expect(await b.admit('scraped', 1, new Set(['{j="1"}']), limits({ max_active_series: 2 }), IDLE)).toBe('ok');
    expect(await a.admit('scraped', 1, new Set(['{j="3"}']), limits({ max_active_series: 2 }), IDLE)).toBe('max_active_series');
    expect(a.activeSeries('scraped')).toBe(2);
  });
});
