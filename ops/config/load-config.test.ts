import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ConfigError } from './errors.js';
import { defaultConfig, parseConfig } from './load-config.js';

function problemsOf(text: string) {
  try {
    parseConfig(text, 'tidemark.yml');
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems;
  }
  throw new Error('expected the configuration to be rejected');
}

describe('tidemark.yml', () => {
  it('runs on embedded defaults when empty', () => {
    const cfg = defaultConfig();
    expect(cfg.bus.type).toBe('embedded');
    expect(cfg.bus.topics.samples).toBe('tidemark.samples');
    expect(cfg.global.scrape_interval).toBe(60_000);
    expect(parseConfig('', 'x.yml').bus.partitions).toBe(8);
  });

  it('loads a plain prometheus.yml unchanged', () => {
    const cfg = parseConfig(
      `global:
  scrape_interval: 15s
  evaluation_interval: 30s
  external_labels: { cluster: eu-1 }
rule_files: [rules/*.yml]
alerting:
  alertmanagers:
    - static_configs: [{ targets: ['localhost:9093'] }]
scrape_configs:
  - job_name: node
    static_configs: [{ targets: ['localhost:9100'] }]
remote_write:
  - url: http://example/api/v1/write
`,
      'prometheus.yml',
    );
    expect(cfg.global.scrape_interval).toBe(15_000);
    expect(cfg.global.external_labels).toEqual({ cluster: 'eu-1' });
    expect(cfg.scrape_configs[0].job_name).toBe('node');
    expect(cfg.rule_files).toEqual(['rules/*.yml']);
  });

  it('names the YAML path and line of a bad value', () => {
    const problems = problemsOf(`global:
  scrape_interval: 15s
  evaluation_interval: 3 days
bus:
  partitions: 8
  embedded:
    segment_bytes: many
`);
    expect(problems.map((p) => [p.path, p.line])).toEqual([
      ['global.evaluation_interval', 3],
      ['bus.embedded.segment_bytes', 7],
    ]);
    expect(problems[0].message).toMatch(/not a valid duration/);
  });

  it('rejects unknown keys at their own line', () => {
    const problems = problemsOf(`bus:
  type: kafka
  kafka: { brokers: ['k1:9092'] }
  partitons: 8
`);
    expect(problems.map((p) => [p.path, p.line])).toEqual([['bus.partitons', 4]]);
  });

  it('requires brokers when the bus is kafka', () => {
    const problems = problemsOf('bus:\n  type: kafka\n');
    expect(problems[0].path).toBe('bus.kafka');
    expect(problems[0].message).toMatch(/brokers/);
  });

  it('reports YAML syntax errors with their line', () => {
    const problems = problemsOf('global:\n  scrape_interval: [15s\n');
    expect(problems[0].message).toMatch(/YAML syntax/);
    expect(problems[0].line).toBeGreaterThanOrEqual(2);
  });

  it('rejects two scrape configs with the same job name', () => {
    const problems = problemsOf('scrape_configs:\n  - job_name: a\n  - job_name: a\n');
    expect(problems[0].path).toBe('scrape_configs[1].job_name');
    expect(problems[0].line).toBe(3);
  });

  it('loads the Prometheus 3 scrape settings of a prometheus.yml', () => {
    const cfg = parseConfig(
      `global:
  metric_name_validation_scheme: legacy
  metric_name_escaping_scheme: dots
  keep_dropped_targets: 10
scrape_configs:
  - job_name: api
    fallback_scrape_protocol: PrometheusText0.0.4
    native_histogram_bucket_limit: 160
    native_histogram_min_bucket_factor: 1.1
    enable_compression: false
    static_configs: [{ targets: ['api:8080'] }]
`,
      'prometheus.yml',
    );
    expect(cfg.global.metric_name_escaping_scheme).toBe('dots');
    expect(cfg.scrape_configs[0]).toMatchObject({ fallback_scrape_protocol: 'PrometheusText0.0.4', native_histogram_bucket_limit: 160, native_histogram_min_bucket_factor: 1.1, enable_compression: false });
  });

  it("accepts the README's native-histogram scrape example", () => {
    const readme = readFileSync(fileURLToPath(new URL('../../README.md', import.meta.url)), 'utf8');
    const block = /```yaml\n(global:\n  scrape_native_histograms: true[\s\S]*?)```/.exec(readme);
    expect(block, 'README has the scrape_native_histograms example').not.toBeNull();
    const cfg = parseConfig(block![1], 'README.md');
    expect(cfg.scrape_configs[0]).toMatchObject({ native_histogram_bucket_limit: 160, fallback_scrape_protocol: 'PrometheusText0.0.4' });
  });

  it('refuses allow-utf-8 escaping, set globally, at a scrape config whose name validation is legacy', () => {
    const problems = problemsOf('global:\n  metric_name_escaping_scheme: allow-utf-8\nscrape_configs:\n  - job_name: a\n    metric_name_validation_scheme: legacy\n  - job_name: b\n');
    expect(problems.map((p) => p.path)).toEqual(['scrape_configs[0].metric_name_escaping_scheme']);
    expect(problems[0].message).toBe('utf8 metric names requested but validation scheme is not set to UTF8');
  });
});
