import type { Kafka } from 'kafkajs';
import { pino } from 'pino';
import { Writable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { KafkaBus, type KafkaBusSettings } from '../../../pipeline/bus/kafka/index.js';
import {
  createKafkaTopic,
  kafkaBrokers,
  mockKafkaBusSettings,
  patchControllerLookup,
  startKafkaMock,
  testNamespace,
} from '../../harness/index.js';

const ns = testNamespace('kafka-rejoin');
const buses: KafkaBus[] = [];

afterAll(async () => {
  await Promise.all(buses.map((b) => b.close()));
});

/** A pino logger whose lines the test can read. */
function capturedLogger(): { logger: pino.Logger; lines: Array<{ level: number; msg: string }> } {
  const lines: Array<{ level: number; msg: string }> = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const l of chunk.toString().split('\n')) if (l.trim() !== '') lines.push(JSON.parse(l) as { level: number; msg: string });
      done();
    },
  });
  return { logger: pino({ level: 'info' }, stream), lines };
}

function bus(brokers: readonly string[], overrides: Partial<KafkaBusSettings>): KafkaBus {
  const b = new KafkaBus(mockKafkaBusSettings(brokers, overrides));
  buses.push(b);
  return b;
}

const noop = async (): Promise<void> => {};

describe('a Kafka consumer that cannot join its group', () => {
  it('rejoins after its group sync is refused, until it holds its share of the partitions', async () => {
    const topic = ns.topic('sync-refused');
    const group = ns.group('sync-refused');
    await createKafkaTopic(topic, 4);
    const failed: Error[] = [];
    const leader = capturedLogger();
    const a = await bus(kafkaBrokers(), { logger: leader.logger }).consume({ group, topic, onFailed: (e) => void failed.push(e) }, noop);
    await a.ready;

    // The follower's first two SyncGroups reach the mock after the leader's, which the mock
    // answers with INVALID_REQUEST (TEST-SERVICES.md §3); kafkajs then gives the member up.
    let lateSyncs = 2;
    const { logger, lines } = capturedLogger();
    const follower = bus(kafkaBrokers(), {
      logger,
      rejoin: { attempts: 5, initialBackoffMs: 200, maxBackoffMs: 400 },
      patchKafka: (kafka) => {
        patchControllerLookup(kafka);
        delaySyncGroup(kafka, () => (lateSyncs-- > 0 ? 1500 : 0));
      },
    });
    const b = await follower.consume({ group, topic, onFailed: (e) => void failed.push(e) }, noop);
    await b.ready;
    await waitUntil(() => a.assignment().length + b.assignment().length === 4 && b.assignment().length > 0);
    expect([...a.assignment(), ...b.assignment()].sort()).toEqual([0, 1, 2, 3]);
    // One late sync may instead meet a rebalance that kafkajs retries itself: at least one rejoin.
    expect(lines.filter((l) => l.msg === 'consumer left its group; rejoining after a pause').length).toBeGreaterThanOrEqual(1);
    expect(failed).toEqual([]);
    // Three regroups later, the member that stayed has logged nothing at error level.
    expect(leader.lines.filter((l) => l.level >= 50)).toEqual([]);
    await Promise.all([a.stop(), b.stop()]);
  }, 120_000);

  it('gives up after its rejoin attempts when the cluster is gone, hands its partitions back and reports the failure', async () => {
    const mock = await startKafkaMock({ initialTopics: { lost: 2 } });
    try {
      const { logger, lines } = capturedLogger();
      const b = bus(mock.brokers, { logger, rejoin: { attempts: 2, initialBackoffMs: 100, maxBackoffMs: 200 }, retry: { retries: 1, initialRetryTime: 100 } });
      let failure: Error | undefined;
      const revoked: number[][] = [];
      const consumer = await b.consume(
        { group: 'lost', topic: 'lost', onRevoked: (ps) => void revoked.push(ps), onFailed: (err) => (failure = err) },
        noop,
      );
      await consumer.ready;
      expect(consumer.assignment()).toEqual([0, 1]);

      await mock.stop();
      await waitUntil(() => failure !== undefined, 120_000);
      expect(failure?.message).toMatch(/group lost/);
      expect(revoked).toEqual([[0, 1]]);
      expect(consumer.assignment()).toEqual([]);
      // One late sync may instead meet a rebalance that kafkajs retries itself: at least one rejoin.
    expect(lines.filter((l) => l.msg === 'consumer left its group; rejoining after a pause').length).toBeGreaterThanOrEqual(1);
      expect(lines.filter((l) => l.msg === 'consumer could not rejoin its group; giving up' && l.level === 50)).toHaveLength(1);
    } finally {
      await mock.stop();
    }
  });
});

async function waitUntil(pred: () => boolean, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!pred()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Delays this client's SyncGroup requests by `delayMs()` (test fault injection on kafkajs internals). */
function delaySyncGroup(kafka: Kafka, delayMs: () => number): void {
  const target = kafka as unknown as Record<symbol, unknown>;
  const sym = Object.getOwnPropertySymbols(target).find((x) => x.description === 'private:Kafka:createCluster');
  if (!sym) throw new Error('delaySyncGroup: kafkajs internals changed (createCluster not found)');
  const createCluster = target[sym] as (...args: unknown[]) => { findGroupCoordinator(...a: unknown[]): Promise<SyncingBroker> };
  target[sym] = (...args: unknown[]) => {
    const cluster = createCluster(...args);
    const find = cluster.findGroupCoordinator.bind(cluster);
    cluster.findGroupCoordinator = async (...a: unknown[]) => {
      const broker = await find(...a);
      if (!delayed.has(broker)) {
        delayed.add(broker);
        const sync = broker.syncGroup.bind(broker);
        broker.syncGroup = async (...r: unknown[]) => {
          const ms = delayMs();
          if (ms > 0) await new Promise((res) => setTimeout(res, ms));
          return sync(...r);
        };
      }
      return broker;
    };
    return cluster;
  };
}

interface SyncingBroker {
  syncGroup(...args: unknown[]): Promise<unknown>;
}
const delayed = new WeakSet<SyncingBroker>();
