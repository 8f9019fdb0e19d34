import type { Labels } from '../../../schemas/labels.js';
import type { NotificationAlert } from '../receivers/index.js';
import type { Alert } from './alert.js';
import type { NotificationLogEntry, NotificationReason } from './dedup.js';
import type { Silence } from './silence.js';

/** Timers of one aggregation group, shared by notifier replicas. */
export interface GroupState {
  readonly groupKey: string;
  /** When the group was created (first alert seen), Unix ms. */
  readonly createdAt: number;
  /** When the group is next due to flush, Unix ms. */
  readonly nextFlushAt: number;
}

/** What identifies an aggregation group: its key, the route node and receiver, its labels. */
export interface GroupMeta {
  readonly groupKey: string;
  /** `Route.id` of the route node the group belongs to. */
  readonly routeId: string;
  readonly receiver: string;
  readonly labels: Labels;
  readonly createdAt: number;
  /** The tenant whose configuration the group follows (multi-tenant notifier); absent otherwise. */
  readonly tenant?: string;
}

/** One alert joining one group (an alert joins one group per matched route). */
export interface GroupInsert {
  readonly meta: GroupMeta;
  readonly fingerprint: string;
  readonly startsAt: number;
  readonly groupWait: number;
}

/** A notification written ahead of delivery, so that whoever holds the group next delivers it if this replica dies. */
export interface PendingNotification {
  /** `receiver/kind/index`, the notification-log key. */
  readonly integration: string;
  readonly alerts: readonly NotificationAlert[];
  readonly reason: NotificationReason;
  /** The notification-log entry to write once delivered. */
  readonly entry: NotificationLogEntry;
  readonly retainMs: number;
  readonly createdAt: number;
}

/** A group claimed for one flush: the caller holds it until `finishFlush` or until the lease runs out. */
export interface ClaimedGroup {
  readonly meta: GroupMeta;
  readonly token: string;
  /** The time the flush was due (the timer's tick). */
  readonly dueAt: number;
  /** Whether the group had flushed before this claim (Alertmanager's hasFlushed). */
  readonly hadFlushed: boolean;
  readonly members: readonly string[];
  /** Notifications a previous holder wrote ahead but did not confirm. */
  readonly pending: readonly PendingNotification[];
  /** The stored alerts of the members (members whose alert is gone are left out). */
  readonly alerts: readonly Alert[];
  /** The group's notification-log entries by integration, as of the claim. */
  readonly log: ReadonlyMap<string, NotificationLogEntry>;
}

/** A notification that could not be delivered after all retries. */
export interface DeliveryFailure {
  readonly groupKey: string;
  readonly integration: string;
  readonly error: string;
  readonly attempts: number;
  readonly alerts: number;
  readonly at: number;
}

/** A resolved alert as it was when the flush read it; removed from the group only if unchanged since. */
export interface ResolvedSnapshot {
  readonly fingerprint: string;
  readonly updatedAt: number;
}

/**
 * Where the notifier keeps shared state: alerts, aggregation groups and their timers, the
 * notification log, silences and delivery failures. The embedded implementation is in memory;
 * the Redis one shares it between replicas.
 *
 * Concurrency contract: `claimDueGroups` hands a due group to exactly one caller at a time (a
 * lease with a token that expires after `leaseMs` unless renewed). Every method taking a token
 * does nothing and returns false when the token no longer holds the group. `writePending` must
 * be durable before the caller delivers; `resolvePending` writes the log entry and removes the
 * pending notification in one step. `setGroup`/`putLog` are last-writer-wins per key.
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

  /** Store alerts, each merged over the stored alert with its fingerprint (atomic per alert). */
  putAlerts(alerts: readonly Alert[], now: number): Promise<readonly Alert[]>;
  /** Alerts by fingerprint (missing ones left out), or all of them. */
  getAlerts(fingerprints?: readonly string[]): Promise<readonly Alert[]>;
  /** Delete alerts resolved before `resolvedBefore`; returns how many. */
  gcAlerts(resolvedBefore: number): Promise<number>;

  /** Add alerts to groups, creating groups and their group_wait timers as needed. */
  insertIntoGroups(inserts: readonly GroupInsert[], now: number): Promise<void>;
  listGroups(): Promise<readonly { meta: GroupMeta; members: readonly string[] }[]>;
  /** The earliest due time among groups, if any (for sleeping until then). */
  nextDueAt(): Promise<number | undefined>;
  claimDueGroups(owner: string, now: number, leaseMs: number, limit: number): Promise<readonly ClaimedGroup[]>;
  renewClaim(groupKey: string, token: string, now: number, leaseMs: number): Promise<boolean>;
  writePending(groupKey: string, token: string, p: PendingNotification): Promise<boolean>;
  /** Log `entry` (undefined: log nothing, the delivery was given up) and drop the pending notification. */
  resolvePending(groupKey: string, token: string, integration: string, entry: NotificationLogEntry | undefined, retainMs: number): Promise<boolean>;
  /** Remove unchanged resolved alerts, reschedule the group (or delete it when empty) and release it. */
  finishFlush(groupKey: string, token: string, resolved: readonly ResolvedSnapshot[], nextFlushAt: number): Promise<boolean>;

  /**
   * Tenants' Alertmanager configurations uploaded through the configuration API (Mimir's
   * `/api/v1/alerts`), each as the tenant posted it. Every change moves `tenantConfigsVersion`,
   * which replicas compare to know when to load them again.
   */
  listTenantConfigs(): Promise<ReadonlyMap<string, string>>;
  putTenantConfig(tenant: string, body: string): Promise<void>;
  deleteTenantConfig(tenant: string): Promise<boolean>;
  tenantConfigsVersion(): Promise<string>;

  recordFailure(f: DeliveryFailure): Promise<void>;
  listFailures(limit: number): Promise<readonly DeliveryFailure[]>;

  /**
   * The replicas sharing this state: each announces itself (name, address) for `ttlMs` and
   * refreshes that before it expires. A store that is not shared answers undefined: no cluster.
   */
  announcePeer(peer: NotifyPeer, ttlMs: number): Promise<void>;
  listPeers(): Promise<readonly NotifyPeer[] | undefined>;
  close(): Promise<void>;
}

/** A notifier replica sharing the state (the `peers` of `/api/v2/status`). */
export interface NotifyPeer {
  readonly name: string;
  /** Its HTTP address, `host:port`. */
  readonly address: string;
}
