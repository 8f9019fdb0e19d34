import type { Kafka, PartitionAssigner, RetryOptions } from 'kafkajs';
import type { Level, Logger } from 'pino';
import type { BusCompression } from '../record-compression.js';
import type { RejoinPolicy } from './kafka-consumer.js';

/**
 * What code injects into the Kafka adapter (user YAML maps onto `brokers`, `clientId`, `logLevel`
 * and the numeric knobs). The kafkajs hooks exist so tests can run against librdkafka's mock
 * cluster (test/harness/kafkajs-mock-workarounds.ts); production leaves them unset.
 */
export interface KafkaBusSettings {
  readonly brokers: readonly string[];
  /** Default 'tidemark'. */
  readonly clientId?: string;
  /** Connect to the brokers with TLS (system trust store). */
  readonly ssl?: boolean;
  /** SASL authentication after connecting. */
  readonly sasl?: {
    readonly mechanism: 'plain' | 'scram-sha-256' | 'scram-sha-512';
    readonly username: string;
    readonly password: string;
  };
  /** pino level for kafkajs' own logs; default 'warn'. */
  readonly logLevel?: Level | 'silent';
  /** Parent logger; the adapter logs through a child `{ component: 'kafka-bus' }`. */
  readonly logger?: Logger;
  /** Consumer group timing (kafkajs defaults: 30000 / 3000 / 60000 ms). */
  readonly consumerTiming?: {
    readonly sessionTimeout?: number;
    readonly heartbeatInterval?: number;
    readonly rebalanceTimeout?: number;
  };
  /**
   * How a consumer that lost its group (failed join or sync, crash) rejoins: attempts before it
   * gives up and reports `onFailed`, first pause, longest pause. Default 10, 1 s, 60 s.
   */
  readonly rejoin?: Partial<RejoinPolicy>;
  /**
   * Told when any consumer of this bus fails for good (besides its own `onFailed`): a role uses
   * it to exit, whichever of its parts the consumer belongs to.
   */
  readonly onConsumerFailed?: (err: Error) => void;
  /** Group assignment strategies; default kafkajs round-robin. */
  readonly partitionAssigners?: PartitionAssigner[];
  /** Called once on the kafkajs client right after it is built, before any connection. */
  readonly patchKafka?: (kafka: Kafka) => void;
  /** Replication factor for topics `ensureTopic` creates; default the broker's (-1). */
  readonly replicationFactor?: number;
  /** Handler calls in parallel across partitions of one consumer (never within one); default 1. */
  readonly partitionsConsumedConcurrently?: number;
  /** Fetch size per partition; default 4 MiB. */
  readonly maxBytesPerPartition?: number;
  /** Longest a fetch waits on the broker for new data (ms); default 100. */
  readonly maxWaitTimeMs?: number;
  /** Codec of produced record batches (`bus.compression`); default lz4. Consumers read any codec kafkajs knows. */
  readonly compression?: BusCompression;
  /**
   * Idempotent producer (KIP-98): the brokers drop a batch a retry sends again, so a produce
   * retried after a lost acknowledgement cannot write its records twice. Default false.
   */
  readonly idempotent?: boolean;
  /** Broker ack wait for produce requests (ms); default 30000. */
  readonly produceTimeoutMs?: number;
  readonly connectionTimeoutMs?: number;
  readonly requestTimeoutMs?: number;
  /** kafkajs retry policy for every client. */
  readonly retry?: RetryOptions;
}
