/**
 * Bus replay for a consumer group: its committed offsets moved back (or forward) per partition, to
 * the first record at or after a time, or to an offset, so the group's members read from there
 * when they next start. The bus refuses while the group has running members (they would commit
 * over the reset); that refusal is reported as GroupHasMembersError.
 */
import type { Bus, PartitionOffset, StartPosition } from '../../pipeline/bus/bus.js';
import { DataDirLockedError, GroupActiveError } from '../../pipeline/bus/embedded/index.js';

export interface GroupOffsetMove {
  readonly partition: number;
  /** Committed before, -1 when the group had none. */
  readonly from: number;
  readonly to: number;
}

export class GroupHasMembersError extends Error {
  constructor(readonly group: string, readonly topic: string, cause: Error) {
    super(`consumer group "${group}" has active members on topic "${topic}": stop them (or the tidemark process using this data directory) and run the replay again (${cause.message})`, { cause });
    this.name = 'GroupHasMembersError';
  }
}

export class TopicNotFoundError extends Error {
  constructor(readonly topic: string) {
    super(`topic "${topic}" does not exist on this bus`);
    this.name = 'TopicNotFoundError';
  }
}

/** Active members show as these errors: the embedded bus's own, its data directory lock, Kafka's. */
function isActiveGroupError(err: unknown): err is Error {
  if (err instanceof GroupActiveError || err instanceof DataDirLockedError) return true;
  return err instanceof Error && /running (members|instances)|other running members|current state: (Stable|PreparingRebalance|CompletingRebalance)/i.test(err.message);
}

/** Where each partition would go, and where the group is now. */
export async function planGroupReset(bus: Bus, group: string, topic: string, to: StartPosition): Promise<GroupOffsetMove[]> {
  let committed: PartitionOffset[];
  let targets: PartitionOffset[];
  try {
    if (typeof to === 'object' && 'timestampMs' in to) targets = await bus.offsetsForTimestamp(topic, to.timestampMs);
    else {
      const offsets = await bus.offsets(topic);
      targets = offsets.map((o) => ({
        partition: o.partition,
        offset: to === 'earliest' ? o.low : to === 'latest' ? o.high : Math.min(Math.max((to as { offset: number }).offset, o.low), o.high),
      }));
    }
    committed = await bus.committedOffsets(group, topic);
  } catch (err) {
    if (err instanceof Error && /unknown topic|does not exist|not exist|UNKNOWN_TOPIC/i.test(err.message)) throw new TopicNotFoundError(topic);
    throw err;
  }
  const before = new Map(committed.map((c) => [c.partition, c.offset]));
  return targets.map((t) => ({ partition: t.partition, from: before.get(t.partition) ?? -1, to: t.offset })).sort((a, b) => a.partition - b.partition);
}

/** Moves the group's offsets; returns where each partition was and where it is committed now. */
export async function resetGroupOffsets(bus: Bus, group: string, topic: string, to: StartPosition): Promise<GroupOffsetMove[]> {
  const plan = await planGroupReset(bus, group, topic, to);
  try {
    await bus.resetGroup(group, topic, to);
  } catch (err) {
    if (isActiveGroupError(err)) throw new GroupHasMembersError(group, topic, err);
    throw err;
  }
  const now = new Map((await bus.committedOffsets(group, topic)).map((c) => [c.partition, c.offset]));
  return plan.map((p) => ({ ...p, to: now.get(p.partition) ?? -1 }));
}
