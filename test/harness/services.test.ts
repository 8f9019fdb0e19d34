import { Redis } from 'ioredis';
import { connect } from 'nats';
import { describe, expect, it } from 'vitest';
import { createKafkaTopic, natsUrl, redisUrl, testNamespace } from './test-namespace.js';
import { freePort, startKafkaMock, startNats, startRedis } from './services.js';

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('service harness', () => {
  it('starts a kafka-mock with initial topics, creates more on command, reports a duplicate, and leaves no process after stop', async () => {
    const mock = await startKafkaMock({ initialTopics: { first: 2 } });
    expect(mock.brokers).toHaveLength(3);
    expect(mock.brokers.every((b) => /^127\.0\.0\.1:\d+$/.test(b))).toBe(true);
    await mock.createTopic('second', 16);
    await expect(mock.createTopic('second', 4)).rejects.toThrow(/already exists/i);
    await expect(mock.createTopic('bad name', 1)).rejects.toThrow(/invalid Kafka topic name/);
    await mock.stop();
    await mock.stop(); // idempotent
    expect(alive(mock.pid)).toBe(false);
  });

  it('starts redis-server on a free port and stops it', async () => {
    const redis = await startRedis();
    const client = new Redis(redis.url, { lazyConnect: true, maxRetriesPerRequest: 0 });
    await client.connect();
    expect(await client.ping()).toBe('PONG');
    client.disconnect();
    await redis.stop();
    expect(alive(redis.pid)).toBe(false);
  });

  it('starts nats-server with JetStream and stops it', async () => {
    const nats = await startNats();
    const nc = await connect({ servers: nats.url });
    const info = await (await nc.jetstreamManager()).getAccountInfo();
    expect(info.limits).toBeDefined();
    await nc.close();
    await nats.stop();
    expect(alive(nats.pid)).toBe(false);
  });

  it('hands out a port nobody is listening on', async () => {
    const port = await freePort();
    expect(port).toBeGreaterThan(0);
    expect(port).toBeLessThan(65536);
  });
});

describe('services provided by the global setup', () => {
  it('give each test file its own names and reach the shared Redis, NATS and Kafka mock', async () => {
    const a = testNamespace('same label');
    const b = testNamespace('same label');
    expect(a.id).not.toBe(b.id);
    expect(a.topic('x')).toMatch(/^[A-Za-z0-9._-]+$/);
    expect(a.stream('x')).toMatch(/^[A-Za-z0-9_-]+$/);

    const client = new Redis(redisUrl(), { lazyConnect: true, maxRetriesPerRequest: 0 });
    await client.connect();
    await client.set(`${a.redisPrefix}k`, 'v');
    expect(await client.get(`${a.redisPrefix}k`)).toBe('v');
    expect(await client.get(`${b.redisPrefix}k`)).toBeNull();
    client.disconnect();

    const nc = await connect({ servers: natsUrl() });
    await nc.flush();
    await nc.close();

    await createKafkaTopic(a.topic('t'), 3);
    await expect(createKafkaTopic(a.topic('t'), 3)).rejects.toThrow(/already exists/i);
  });
});
