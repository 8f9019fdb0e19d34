import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import './provided-context.js';

/**
 * Names that belong to one test file (or one test): every service is shared by the whole run, so
 * each file prefixes its topics, groups, Redis keys and NATS subjects with a unique id.
 */
export interface TestNamespace {
  /** Unique id, `[a-z0-9-]`, safe in every service's names. */
  readonly id: string;
  /** A Kafka topic (or bus topic) name: `t-<id>-<name>`. */
  topic(name: string): string;
  /** A consumer group id: `g-<id>-<name>`. */
  group(name: string): string;
  /** Prefix for every Redis key this file writes: `<id>:`. */
  readonly redisPrefix: string;
  /** A NATS subject under this namespace: `<id>.<name>`. */
  subject(name: string): string;
  /** A JetStream stream name (no dots allowed there). */
  stream(name: string): string;
}

let counter = 0;

export function testNamespace(label = 'test'): TestNamespace {
  const safe = label.toLowerCase().replace(/[^a-z0-9]+/g, '-').slice(0, 40);
  const id = `${safe}-${process.pid}-${++counter}-${randomBytes(3).toString('hex')}`;
  return {
    id,
    topic: (name) => `t-${id}-${name}`,
    group: (name) => `g-${id}-${name}`,
    redisPrefix: `${id}:`,
    subject: (name) => `${id}.${name}`,
    stream: (name) => `${id}-${name}`.replace(/[^A-Za-z0-9_-]/g, '_'),
  };
}

/** The shared Kafka mock cluster's brokers. */
export function kafkaBrokers(): string[] {
  return inject('kafkaBrokers').split(',');
}

export function redisUrl(): string {
  return inject('redisUrl');
}

export function natsUrl(): string {
  return inject('natsUrl');
}

/** Creates a topic with exactly `partitions` partitions on the shared Kafka mock. */
export async function createKafkaTopic(
  name: string,
  partitions: number,
  replicationFactor?: number,
): Promise<void> {
  const res = await fetch(`${inject('kafkaControlUrl')}/topics`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name, partitions, replicationFactor }),
  });
  if (res.status !== 201) {
    throw new Error(`creating Kafka topic ${name}: ${res.status} ${(await res.text()).trim()}`);
  }
}
