import type { Consumer as KafkajsConsumer } from 'kafkajs';
import type { PartitionOffset } from '../bus.js';
import { KafkaBusError, kafkaBusError } from './errors.js';

/**
 * Moves a group's committed offsets by joining it as its only member and committing, for brokers
 * that lack DescribeGroups (which kafkajs' admin.setOffsets needs). Fails if other members are
 * running: they would hold some partitions and overwrite the commits.
 */
export async function resetGroupByJoining(
  createConsumer: () => KafkajsConsumer,
  group: string,
  topic: string,
  targets: readonly PartitionOffset[],
): Promise<void> {
  const kc = createConsumer();
  try {
    const joined = new Promise<number[]>((resolve, reject) => {
      kc.on(kc.events.GROUP_JOIN, (e) => resolve(e.payload.memberAssignment[topic] ?? []));
      kc.on(kc.events.CRASH, (e) => reject(e.payload.error));
    });
    await kc.connect();
    await kc.subscribe({ topic, fromBeginning: true });
    // Nothing is consumed: batches stay unresolved and the member only exists to commit.
    await kc.run({ autoCommit: false, eachBatchAutoResolve: false, eachBatch: async () => {} });
    const held = new Set(await joined);
    kc.pause([{ topic }]);
    const missing = targets.filter((t) => !held.has(t.partition)).map((t) => t.partition);
    if (missing.length > 0) {
      throw new KafkaBusError(
        `group has other running members holding partitions ${missing.join(',')}`,
        { code: 'group_failed', topic, group, retryable: true },
      );
    }
    await kc.commitOffsets(
      targets.map((t) => ({ topic, partition: t.partition, offset: String(t.offset) })),
    );
  } catch (err) {
    throw kafkaBusError(err, 'could not reset group offsets', { code: 'group_failed', topic, group });
  } finally {
    await kc.disconnect().catch(() => undefined);
  }
}
