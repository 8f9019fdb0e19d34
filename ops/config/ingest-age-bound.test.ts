import { describe, expect, it } from 'vitest';
import { defaultConfig, parseConfig } from './load-config.js';

const PUSH_CONNECTORS = ['remote_write', 'influx', 'otlp', 'import', 'pushgateway'] as const;

describe('the push endpoints\' age bound', () => {
  it('is the stores\' retention on every push endpoint by default', () => {
    const cfg = defaultConfig();
    for (const c of PUSH_CONNECTORS) expect(cfg.ingest[c].limits.max_age_ms).toBe(15 * 24 * 3600_000);
  });

  it('follows store.retention_ms as configured, also in a file that only an ingest role reads', () => {
    const cfg = parseConfig('store:\n  retention_ms: 3600000\n', 'tidemark.yml');
    for (const c of PUSH_CONNECTORS) expect(cfg.ingest[c].limits.max_age_ms).toBe(3_600_000);
  });

  it('is unbounded where the stores keep everything (retention 0)', () => {
    const cfg = parseConfig('store:\n  retention_ms: 0\n', 'tidemark.yml');
    for (const c of PUSH_CONNECTORS) expect(cfg.ingest[c].limits.max_age_ms).toBe(0);
  });

  it('keeps a value set for one endpoint, 0 included, and leaves the others on the retention', () => {
    const cfg = parseConfig('ingest:\n  import:\n    limits:\n      max_age_ms: 0\n  influx:\n    limits:\n      max_age_ms: 60000\n', 'tidemark.yml');
    expect(cfg.ingest.import.limits.max_age_ms).toBe(0);
    expect(cfg.ingest.influx.limits.max_age_ms).toBe(60_000);
    expect(cfg.ingest.remote_write.limits.max_age_ms).toBe(15 * 24 * 3600_000);
    expect(cfg.ingest.import.limits.max_future_ms).toBe(600_000);
  });
});
