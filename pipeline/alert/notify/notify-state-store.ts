import type { NotificationLogEntry } from './dedup.js';
import type { Silence } from './silence.js';

/** Timers of one aggregation group, shared by notifier replicas. */
export interface GroupState {
  readonly groupKey: string;
  /** When the group was created (first alert seen), Unix ms. */
  readonly createdAt: number;
  /** When the group is next due to flush, Unix ms. */
  readonly nextFlushAt: number;
}

/**
 * Where the notifier keeps shared state: group timers, the notification log and silences. The
 * embedded implementation is in memory; a Redis one shares it between replicas. Methods are
 * async so both fit; implementations must make `setGroup`/`putLog` last-writer-wins per key.
 */
export interface NotifyStateStore {
  getGroup(groupKey: string): Promise<GroupState | undefined>;
  setGroup(state: GroupState): Promise<void>;
  deleteGroup(groupKey: string): Promise<void>;
  /** Log entries are keyed by group key plus receiver integration (`receiver/type/index`). */
  getLog(groupKey: string, integration: string): Promise<NotificationLogEntry | undefined>;
  putLog(groupKey: string, integration: string, entry: NotificationLogEntry, retainMs: number): Promise<void>;
  listSilences(): Promise<readonly Silence[]>;
  putSilence(s: Silence): Promise<void>;
  deleteSilence(id: string): Promise<boolean>;
}
