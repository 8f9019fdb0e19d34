import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../config/index.js';
import { configFromFlags } from './config-from-flags.js';
import type { CommonFlags } from './flags.js';

const base: CommonFlags = { listen: '127.0.0.1:0', data: './data', logLevel: 'info' };

describe('configuration from the file and the flags', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tidemark-flags-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function file(name: string, text: string): Promise<string> {
    const path = join(dir, name);
    await writeFile(path, text);
    return path;
  }

  it('lets --kafka complete a file that says bus.type kafka without brokers', async () => {
    const config = await file('kafka-no-brokers.yml', 'bus:\n  type: kafka\n  partitions: 4\n');
    const cfg = await configFromFlags({ ...base, config, kafka: 'k1:9092,k2:9092' });
    expect(cfg.bus.type).toBe('kafka');
    expect(cfg.bus.kafka?.brokers).toEqual(['k1:9092', 'k2:9092']);
    expect(cfg.bus.partitions).toBe(4);
  });

  it('still rejects that file when no --kafka completes it', async () => {
    const config = await file('kafka-no-brokers-2.yml', 'bus:\n  type: kafka\n');
    const err = await configFromFlags({ ...base, config }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).problems.map((p) => p.message)).toContain('bus.type is kafka but bus.kafka.brokers is not set');
  });

  it('replaces the brokers of the file but keeps its other Kafka settings', async () => {
    const config = await file('kafka-full.yml', "bus:\n  type: kafka\n  kafka:\n    brokers: ['old:9092']\n    client_id: edge-7\n");
    const cfg = await configFromFlags({ ...base, config, kafka: 'new:9092' });
    expect(cfg.bus.kafka).toMatchObject({ brokers: ['new:9092'], client_id: 'edge-7' });
  });

  it('lets --redis and --nats take precedence over the file', async () => {
    const config = await file('shared.yml', "redis: { url: 'redis://old:6379' }\nnats: { servers: ['nats://old:4222'], dead_letter_subject: dl }\n");
    const cfg = await configFromFlags({ ...base, config, redis: 'redis://new:6379', nats: 'nats://a:4222, nats://b:4222' });
    expect(cfg.redis?.url).toBe('redis://new:6379');
    expect(cfg.nats?.servers).toEqual(['nats://a:4222', 'nats://b:4222']);
    expect(cfg.nats?.dead_letter_subject).toBe('dl');
  });

  it('reports a malformed flag value as a configuration error naming the setting', async () => {
    const err = await configFromFlags({ ...base, kafka: 'no-port' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).problems[0]?.path).toBe('bus.kafka.brokers[0]');
  });

  it('applies the flags to the embedded defaults when there is no file', async () => {
    const cfg = await configFromFlags({ ...base, kafka: 'k1:9092' });
    expect(cfg.bus.type).toBe('kafka');
    expect(cfg.bus.kafka?.client_id).toBe('tidemark');
    expect(cfg.bus.topics.samples).toBe('tidemark.samples');
  });
});
