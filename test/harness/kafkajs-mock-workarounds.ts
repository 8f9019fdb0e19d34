/**
 * Test-only adjustments that let kafkajs 2.2.4 run against librdkafka's mock cluster
 * (shared/TEST-SERVICES.md §3). Production code never imports this file: the Kafka adapter takes
 * these through its settings (`consumerTiming`, `partitionAssigners`, `patchKafka`).
 */
import kafkajs from 'kafkajs';
import type { Kafka, PartitionAssigner } from 'kafkajs';
import type { KafkaBusSettings } from '../../pipeline/bus/kafka/index.js';

const { PartitionAssigners } = kafkajs;

/**
 * The mock reports ControllerId 0 while its brokers are 1..N, so every controller request
 * (createTopics, idempotent producers' InitProducerId) fails with "Broker 0 not found". This wraps
 * the client's cluster factory so each cluster falls back to the first known broker.
 */
export function patchControllerLookup(kafka: Kafka): void {
  const target = kafka as unknown as Record<symbol, unknown>;
  const sym = Object.getOwnPropertySymbols(target).find(
    (s) => s.description === 'private:Kafka:createCluster',
  );
  if (!sym || typeof target[sym] !== 'function') {
    throw new Error('patchControllerLookup: kafkajs internals changed (createCluster not found)');
  }
  const createCluster = target[sym] as (...args: unknown[]) => MockableCluster;
  target[sym] = (...args: unknown[]): MockableCluster => {
    const cluster = createCluster(...args);
    const original = cluster.findControllerBroker.bind(cluster);
    cluster.findControllerBroker = async () => {
      try {
        return await original();
      } catch (err) {
        if (!(err instanceof Error) || !/not found in the cached metadata/.test(err.message)) {
          throw err;
        }
        const [first] = [...cluster.getNodeIds()].sort((a, b) => a - b);
        if (first === undefined) throw err;
        return cluster.findBroker({ nodeId: first });
      }
    };
    return cluster;
  };
}

interface MockableCluster {
  findControllerBroker(): Promise<unknown>;
  getNodeIds(): number[];
  findBroker(node: { nodeId: number }): Promise<unknown>;
}

/**
 * The mock waits 3 s on a group's first join and `sessionTimeout - 1000` ms on later rebalances;
 * sessionTimeout <= 3000 makes the first JoinGroup time out. These keep rebalances near 3 s.
 */
export const mockConsumerTiming = {
  sessionTimeout: 4000,
  heartbeatInterval: 500,
  rebalanceTimeout: 10_000,
} as const;

/**
 * Round-robin, but the leader answers SyncGroup late: when the leader's SyncGroup reaches the mock
 * before a follower's, the follower gets INVALID_REQUEST and crashes. Keeps the round-robin name
 * so it interoperates with production members.
 */
export function delayedRoundRobin(minMs = 100, maxMs = 300): PartitionAssigner {
  return (config) => {
    const inner = PartitionAssigners.roundRobin(config);
    return {
      ...inner,
      async assign(group) {
        const ms = minMs + Math.floor(Math.random() * (maxMs - minMs + 1));
        await new Promise((r) => setTimeout(r, ms));
        return inner.assign(group);
      },
    };
  };
}

/** KafkaBus settings for the mock cluster: every workaround above, logging quiet. */
export function mockKafkaBusSettings(
  brokers: readonly string[],
  overrides: Partial<KafkaBusSettings> = {},
): KafkaBusSettings {
  return {
    brokers,
    clientId: 'tidemark-test',
    logLevel: 'silent',
    consumerTiming: mockConsumerTiming,
    partitionAssigners: [delayedRoundRobin()],
    patchKafka: patchControllerLookup,
    ...overrides,
  };
}
