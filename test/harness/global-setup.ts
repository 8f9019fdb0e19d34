import type { TestProject } from 'vitest/node';
import './provided-context.js';
import { startKafkaMockControl } from './kafka-mock-control.js';
import { startKafkaMock, startNats, startRedis } from './services.js';

/**
 * Starts the real services every run shares (Kafka mock cluster, Redis, NATS with JetStream) on
 * random ports, and tells test files where they are. Test files isolate themselves by naming
 * (see test-namespace.ts). The teardown stops everything; if the runner is killed instead, the
 * services die with its stdin pipes.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const [kafkaR, redisR, natsR] = await Promise.allSettled([
    startKafkaMock(),
    startRedis(),
    startNats(),
  ]);
  const started = [kafkaR, redisR, natsR].flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  const stopAll = async (): Promise<void> => {
    await Promise.all(started.map((s) => s.stop()));
  };
  if (kafkaR.status === 'rejected' || redisR.status === 'rejected' || natsR.status === 'rejected') {
    await stopAll();
    const failed = [kafkaR, redisR, natsR].find((r) => r.status === 'rejected');
    throw (failed as PromiseRejectedResult).reason;
  }
  const kafka = kafkaR.value;
  const redis = redisR.value;
  const nats = natsR.value;
  const control = await startKafkaMockControl(kafka);

  project.provide('kafkaBrokers', kafka.bootstrap);
  project.provide('kafkaControlUrl', control.url);
  project.provide('redisUrl', redis.url);
  project.provide('natsUrl', nats.url);

  return async () => {
    await control.close();
    await stopAll();
  };
}
