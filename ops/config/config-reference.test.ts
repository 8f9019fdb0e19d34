import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { configJsonSchema, configReferenceMarkdown } from './config-reference.js';

const read = (name: string) => readFileSync(new URL(`./${name}`, import.meta.url), 'utf8');

it('keeps the committed JSON Schema and reference in step with the configuration schema (npm run gen:config)', () => {
  expect(read('schema.json')).toBe(JSON.stringify(configJsonSchema(), null, 2) + '\n');
  expect(read('REFERENCE.md')).toBe(configReferenceMarkdown());
});

it('documents every section a user can write', () => {
  const md = configReferenceMarkdown();
  for (const key of ['`global.scrape_interval`', '`bus.partitions`', '`bus.kafka.brokers`', '`store.flush_interval_ms`', '`query.lookback_delta_ms`', '`ingest.remote_write.ha.enabled`', '`ingest.pushgateway.route_prefix`']) {
    expect(md).toContain(key);
  }
});
