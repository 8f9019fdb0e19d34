import type { Bus, GroupListing, GroupMemberListing, PartitionOffsets } from './bus.js';

/** A consumer group the caller knows of even when the bus cannot list groups. */
export interface KnownGroup {
  readonly group: string;
  readonly topic: string;
}

export interface TopicStatus {
  readonly name: string;
  readonly partitions: readonly PartitionOffsets[];
  /** Records retained: the sum of high - low. */
  readonly records: number;
}

export interface GroupPartitionStatus {
  readonly partition: number;
  /**
   * Committed offset (the next record the group reads), -1 when it has none: for a store group,
   * its durable point, where a restart resumes and what the bus must keep.
   */
  readonly committed: number;
  /** How far the group applied the partition (at least `committed`; see `PartitionLag.applied`). */
  readonly applied: number;
  readonly high: number;
  /** Records the group has yet to apply: high - applied. */
  readonly lag: number;
  /** Records past the committed offset: high - committed. */
  readonly durableLag: number;
  /** The member holding the partition, when the bus tells. */
  readonly member: string | null;
}

export interface GroupStatus {
  readonly group: string;
  readonly topic: string;
  /** Running members on this topic; null when the bus cannot tell. */
  readonly members: number | null;
  /** Sum of the partitions' lag (records not yet applied). */
  readonly lag: number;
  /** Sum of the partitions' durableLag (records past the committed offsets). */
  readonly durableLag: number;
  readonly partitions: readonly GroupPartitionStatus[];
}

export interface BusStatus {
  readonly topics: readonly TopicStatus[];
  readonly groups: readonly GroupStatus[];
  /** What could not be read, e.g. brokers that do not list groups. */
  readonly warnings: readonly string[];
}

/**
 * Topics with their partitions' offsets, and consumer groups with their committed offset and lag
 * per partition: what the bus page shows. Groups come from the bus (`listGroups`); when it cannot
 * list them (librdkafka's mock has no ListGroups) the `known` groups are reported instead, with a
 * warning saying so. A group is listed once per topic it reads.
 */
export async function busStatus(bus: Bus, known: readonly KnownGroup[] = []): Promise<BusStatus> {
  const warnings: string[] = [];
  const names = await bus.listTopics();
  const offsets = new Map<string, PartitionOffsets[]>();
  const topics: TopicStatus[] = [];
  for (const name of names) {
    const parts = await bus.offsets(name);
    offsets.set(name, parts);
    topics.push({ name, partitions: parts, records: parts.reduce((n, p) => n + p.high - p.low, 0) });
  }
  let listed: GroupListing[];
  try {
    listed = await bus.listGroups();
  } catch (err) {
    warnings.push(`consumer groups could not be listed (${err instanceof Error ? err.message : String(err)}); showing the groups of this configuration`);
    listed = [];
  }
  const pairs = new Map<string, { group: string; topic: string; members: GroupMemberListing[] | null }>();
  for (const g of listed) for (const topic of g.topics) pairs.set(`${g.group}\u0000${topic}`, { group: g.group, topic, members: g.members?.filter((m) => m.topic === topic) ?? null });
  if (listed.length === 0) {
    for (const k of known) {
      const key = `${k.group}\u0000${k.topic}`;
      if (!pairs.has(key) && offsets.has(k.topic)) pairs.set(key, { group: k.group, topic: k.topic, members: null });
    }
  }
  const groups: GroupStatus[] = [];
  for (const { group, topic, members } of [...pairs.values()].sort((a, b) => cmp(a.group, b.group) || cmp(a.topic, b.topic))) {
    if (!offsets.has(topic)) continue;
    const owner = new Map<number, string>();
    for (const m of members ?? []) for (const p of m.partitions) owner.set(p, m.id);
    const lag = await bus.lag(group, topic);
    groups.push({
      group,
      topic,
      members: members === null ? null : members.length,
      lag: lag.reduce((n, p) => n + p.appliedLag, 0),
      durableLag: lag.reduce((n, p) => n + p.lag, 0),
      partitions: lag.map((p) => ({
        partition: p.partition,
        committed: p.committed,
        applied: p.applied,
        high: p.high,
        lag: p.appliedLag,
        durableLag: p.lag,
        member: owner.get(p.partition) ?? null,
      })),
    });
  }
  return { topics, groups, warnings };
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
