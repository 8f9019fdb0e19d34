// The harness as test files use it. global-setup.ts is wired in vitest.config.ts, not imported.
export { createKafkaTopic, kafkaBrokers, natsUrl, redisUrl, testNamespace } from './test-namespace.js';
export type { TestNamespace } from './test-namespace.js';
export {
  delayedRoundRobin,
  mockConsumerTiming,
  mockKafkaBusSettings,
  patchControllerLookup,
} from './kafkajs-mock-workarounds.js';
export { freePort, startKafkaMock, startNats, startRedis } from './services.js';
export type { KafkaMock, NatsService, RedisService, RunningService } from './services.js';
export { RecordCollector } from './record-collector.js';
export { temporaryDirectory } from './temporary-directory.js';
export { TestCertificates } from './test-certificates.js';
