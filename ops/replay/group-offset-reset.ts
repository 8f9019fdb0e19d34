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

/** A partition whose oldest retained record is newer than the replay's time (records before it were deleted). */
export interface PartitionRetained {
  readonly partition: number;
  readonly low: number;
  readonly high: number;
  /** Timestamp (ms) of the oldest record the partition holds. */
  readonly oldestMs: number;
}

/**
 * A replay to a time before what the log still holds would start at the oldest retained record
 * and miss whatever retention deleted before it: refused, naming what each partition holds.
 */
export class ReplayTimeBeforeLogError extends Error {
  constructor(readonly topic: string, readonly timestampMs: number, readonly partitions: readonly PartitionRetained[]) {
    const held = partitions.map((p) => `partition ${p.partition} holds offsets ${p.low}..${p.high - 1} from ${new Date(p.oldestMs).toISOString()}`).join('; ');
    super(`--to-time ${new Date(timestampMs).toISOString()} is earlier than what topic "${topic}" still holds (${held}; the records before were deleted by retention): give a time at or after the oldest record, or --to-offset`);
    this.name = 'ReplayTimeBeforeLogError';
  }
}

/** Latest valid millisecond timestamp (ECMAScript's Date range). */
const MAX_TIME_MS = 8.64e15;

/**
 * Partitions that deleted records (low > 0) and whose oldest retained record is newer than
 * `timestampMs`. The oldest timestamp is found by bisecting the bus's time lookup: below it the
 * lookup answers `low`, from it on a later offset.
 */
async function partitionsStartingAfter(bus: Bus, topic: string, timestampMs: number, targets: readonly PartitionOffset[]): Promise<PartitionRetained[]> {
  const offsets = new Map((await bus.offsets(topic)).map((o) => [o.partition, o]));
  const suspects = targets.filter((t) => {
    const o = offsets.get(t.partition);
    return o !== undefined && o.low > 0 && o.high > o.low && t.offset === o.low;
  });
  if (suspects.length === 0) return [];
  // At low for timestampMs + 1 too: the oldest record is later than timestampMs.
  const next = new Map((await bus.offsetsForTimestamp(topic, timestampMs + 1)).map((t) => [t.partition, t.offset]));
  const out: PartitionRetained[] = [];
  for (const s of suspects) {
    const o = offsets.get(s.partition)!;
    if (next.get(s.partition) !== o.low) continue;
    let lo = timestampMs + 1; // answers low
    let hi = MAX_TIME_MS;
    while (hi - lo > 1) {
      const mid = Math.floor((lo + hi) / 2);
      const at = (await bus.offsetsForTimestamp(topic, mid)).find((t) => t.partition === s.partition)?.offset;
      if (at === o.low) lo = mid;
      else hi = mid;
    }
    out.push({ partition: s.partition, low: o.low, high: o.high, oldestMs: lo });
  }
  return out;
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
    if (typeof to === 'object' && 'timestampMs' in to) {
      targets = await bus.offsetsForTimestamp(topic, to.timestampMs);
      const short = await partitionsStartingAfter(bus, topic, to.timestampMs, targets);
      if (short.length > 0) throw new ReplayTimeBeforeLogError(topic, to.timestampMs, short);
    } else {
      const offsets = await bus.offsets(topic);
      targets = offsets.map((o) => ({
        partition: o.partition,
        offset: to === 'earliest' ? o.low : to === 'latest' ? o.high : Math.min(Math.max((to as { offset: number }).offset, o.low), o.high),
      }));
    }
    committed = await bus.committedOffsets(group, topic);
  } catch (err) {
    if (err instanceof ReplayTimeBeforeLogError) throw err;
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
