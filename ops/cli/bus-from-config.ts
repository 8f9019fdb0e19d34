import { join } from 'node:path';
import type { Logger } from 'pino';
import type { Bus } from '../../pipeline/bus/bus.js';
import { EmbeddedBus } from '../../pipeline/bus/embedded/index.js';
import type { TidemarkConfig } from '../config/index.js';
import { queryActivity } from '../../pipeline/query/query-activity.js';

/** Longest wait of log compaction for the queries in flight to end: a steady query load slows it, not stops it. */
const COMPACTION_MAX_YIELD_MS = 10_000;

/**
 * The bus the configuration asks for: Kafka when `bus.type` is kafka (whose retention is the
 * broker's), else the embedded log under `dataDir/bus`, which deletes what the store group made
 * durable once it is older than `bus.embedded.replay_window_ms`. `onConsumerFailed` hears of any consumer that failed for good (Kafka: it could
 * not rejoin its group).
 */
export async function busFromConfig(cfg: TidemarkConfig, dataDir: string, log: Logger, onConsumerFailed?: (err: Error) => void): Promise<Bus> {
  if (cfg.bus.type === 'kafka' && cfg.bus.kafka !== undefined) {
    const k = cfg.bus.kafka;
    // Loaded only for Kafka: every start on the embedded bus paid for importing the client.
    const { KafkaBus } = await import('../../pipeline/bus/kafka/index.js');
    return new KafkaBus({
      brokers: k.brokers,
      clientId: k.client_id,
      ssl: k.ssl,
      sasl: k.sasl,
      logger: log,
      consumerTiming: {
        sessionTimeout: k.consumer.session_timeout_ms,
        heartbeatInterval: k.consumer.heartbeat_interval_ms,
        rebalanceTimeout: k.consumer.rebalance_timeout_ms,
      },
      rejoin: {
        attempts: k.consumer.rejoin_attempts,
        initialBackoffMs: k.consumer.rejoin_backoff_ms,
        maxBackoffMs: k.consumer.rejoin_backoff_max_ms,
      },
      maxWaitTimeMs: k.consumer.max_wait_ms,
      compression: cfg.bus.compression,
      idempotent: k.producer.idempotent,
      onConsumerFailed,
    });
  }
  // What the store group made durable its shards hold, and the aggregator's group its checkpoint:
  // the log keeps it only for the replay window.
  const durableGroups = [cfg.store.group, cfg.aggregation.group ?? `${cfg.store.group}.aggregate`];
  return EmbeddedBus.open({
    dataDir: join(dataDir, 'bus'), config: cfg.bus.embedded, compression: cfg.bus.compression, logger: log, durableGroups,
    // In `tidemark up` the query API shares the cores: compaction waits while it answers.
    compactionYieldTo: () => queryActivity.whenIdle(COMPACTION_MAX_YIELD_MS),
  });
}

/** Creates the pipeline's topics (samples with the configured partition count; the rest with one). */
export async function ensurePipelineTopics(bus: Bus, cfg: TidemarkConfig): Promise<void> {
  const t = cfg.bus.topics;
  await bus.ensureTopic(t.samples, cfg.bus.partitions);
  await bus.ensureTopic(t.aggregates, cfg.bus.partitions);
  await bus.ensureTopic(t.alerts, 1);
  await bus.ensureTopic(t.deadletter, 1);
}
