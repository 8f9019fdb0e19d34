import { isResolvedAt, putOver, type Alert } from './alert.js';
import type { NotificationLogEntry } from './dedup.js';
import type {
  ClaimedGroup, DeliveryFailure, GroupInsert, GroupMeta, GroupState, NotifyStateStore, PendingNotification, ResolvedSnapshot,
} from './notify-state-store.js';
import type { Silence } from './silence.js';

interface MemGroup {
  meta: GroupMeta;
  members: Set<string>;
  dueAt: number;
  flushed: boolean;
  lease?: { token: string; until: number };
  pending: Map<string, PendingNotification>;
}

const MAX_FAILURES = 1000;

/** One notification-log entry with the time it expires (what a saved log holds). */
export interface LoggedNotification {
  readonly groupKey: string;
  readonly integration: string;
  readonly entry: NotificationLogEntry;
  /** Unix ms. */
  readonly expiresAt: number;
}

/**
 * In-process NotifyStateStore for `tidemark up` and unit tests. Leases work as in Redis, so
 * several dispatchers in one process also share it correctly; log entries expire after their
 * retention.
 */
export class MemoryStateStore implements NotifyStateStore {
  private readonly groups = new Map<string, MemGroup>();
  /** group key -> integration -> entry. */
  private readonly log = new Map<string, Map<string, { entry: NotificationLogEntry; expiresAt: number }>>();
  private readonly silences = new Map<string, Silence>();
  private readonly alerts = new Map<string, Alert>();
  private readonly failures: DeliveryFailure[] = [];
  private readonly tenantConfigs = new Map<string, string>();
  private tenantConfigsChanges = 0;
  private tokens = 0;

  constructor(protected readonly now: () => number = Date.now) {}

  async getGroup(groupKey: string): Promise<GroupState | undefined> {
    const g = this.groups.get(groupKey);
    return g === undefined ? undefined : { groupKey, createdAt: g.meta.createdAt, nextFlushAt: g.dueAt };
  }

  async setGroup(state: GroupState): Promise<void> {
    const g = this.groups.get(state.groupKey);
    if (g !== undefined) g.dueAt = state.nextFlushAt;
    else this.groups.set(state.groupKey, { meta: { groupKey: state.groupKey, routeId: '', receiver: '', labels: {}, createdAt: state.createdAt }, members: new Set(), dueAt: state.nextFlushAt, flushed: false, pending: new Map() });
  }

  async deleteGroup(groupKey: string): Promise<void> {
    this.groups.delete(groupKey);
  }

  async getLog(groupKey: string, integration: string): Promise<NotificationLogEntry | undefined> {
    const hit = this.log.get(groupKey)?.get(integration);
    if (hit === undefined) return undefined;
    if (hit.expiresAt <= this.now()) {
      this.log.get(groupKey)!.delete(integration);
      return undefined;
    }
    return hit.entry;
  }

  async putLog(groupKey: string, integration: string, entry: NotificationLogEntry, retainMs: number): Promise<void> {
    let m = this.log.get(groupKey);
    if (m === undefined) this.log.set(groupKey, (m = new Map()));
    m.set(integration, { entry, expiresAt: this.now() + retainMs });
  }

  /** The log entries not yet expired. */
  loggedNotifications(): LoggedNotification[] {
    const now = this.now();
    const out: LoggedNotification[] = [];
    for (const [groupKey, m] of this.log) {
      for (const [integration, { entry, expiresAt }] of m) if (expiresAt > now) out.push({ groupKey, integration, entry, expiresAt });
    }
    return out;
  }

  /** Put back a saved log entry with its own expiry. */
  restoreLog(n: LoggedNotification): void {
    let m = this.log.get(n.groupKey);
    if (m === undefined) this.log.set(n.groupKey, (m = new Map()));
    m.set(n.integration, { entry: n.entry, expiresAt: n.expiresAt });
  }

  async listSilences(): Promise<readonly Silence[]> {
    return [...this.silences.values()];
  }

  async putSilence(s: Silence): Promise<void> {
    this.silences.set(s.id, s);
  }

  async deleteSilence(id: string): Promise<boolean> {
    return this.silences.delete(id);
  }

  async putAlerts(alerts: readonly Alert[], now: number): Promise<readonly Alert[]> {
    return alerts.map((a) => {
      const merged = putOver(this.alerts.get(a.fingerprint), a, now);
      this.alerts.set(a.fingerprint, merged);
      return merged;
    });
  }

  async getAlerts(fingerprints?: readonly string[]): Promise<readonly Alert[]> {
    if (fingerprints === undefined) return [...this.alerts.values()];
    const out: Alert[] = [];
    for (const fp of fingerprints) {
      const a = this.alerts.get(fp);
      if (a !== undefined) out.push(a);
    }
    return out;
  }

  async gcAlerts(resolvedBefore: number): Promise<number> {
    const now = this.now();
    for (const [gk, m] of this.log) {
      for (const [k, v] of m) if (v.expiresAt <= now) m.delete(k);
      if (m.size === 0) this.log.delete(gk);
    }
    let n = 0;
    for (const [fp, a] of this.alerts) {
      if (isResolvedAt(a, resolvedBefore)) {
        this.alerts.delete(fp);
        n++;
      }
    }
    return n;
  }

  async insertIntoGroups(inserts: readonly GroupInsert[], now: number): Promise<void> {
    for (const ins of inserts) {
      const gk = ins.meta.groupKey;
      const overdue = ins.startsAt + ins.groupWait < now;
      let g = this.groups.get(gk);
      if (g === undefined) {
        g = { meta: ins.meta, members: new Set(), dueAt: overdue ? now : now + ins.groupWait, flushed: false, pending: new Map() };
        this.groups.set(gk, g);
      } else if (!g.flushed && overdue && now < g.dueAt) {
        g.dueAt = now;
      }
      g.members.add(ins.fingerprint);
    }
  }

  async listGroups(): Promise<readonly { meta: GroupMeta; members: readonly string[] }[]> {
    return [...this.groups.values()].map((g) => ({ meta: g.meta, members: [...g.members] }));
  }

  async nextDueAt(): Promise<number | undefined> {
    let min: number | undefined;
    for (const g of this.groups.values()) if (min === undefined || g.dueAt < min) min = g.dueAt;
    return min;
  }

  async claimDueGroups(owner: string, now: number, leaseMs: number, limit: number): Promise<readonly ClaimedGroup[]> {
    const due = [...this.groups.values()].filter((g) => g.dueAt <= now).sort((a, b) => a.dueAt - b.dueAt);
    const out: ClaimedGroup[] = [];
    for (const g of due) {
      if (out.length >= limit) break;
      if (g.lease !== undefined && g.lease.until > now) continue;
      const token = `${owner}:${++this.tokens}`;
      g.lease = { token, until: now + leaseMs };
      const members = [...g.members];
      const alerts = members.map((fp) => this.alerts.get(fp)).filter((a): a is Alert => a !== undefined);
      const log = new Map<string, NotificationLogEntry>();
      for (const [k, v] of this.log.get(g.meta.groupKey) ?? []) if (v.expiresAt > now) log.set(k, v.entry);
      out.push({ meta: g.meta, token, dueAt: g.dueAt, hadFlushed: g.flushed, members, pending: [...g.pending.values()], alerts, log });
      g.flushed = true;
      g.dueAt = now + leaseMs;
    }
    return out;
  }

  private held(groupKey: string, token: string): MemGroup | undefined {
    const g = this.groups.get(groupKey);
    return g?.lease?.token === token && g.lease.until > this.now() ? g : undefined;
  }

  async renewClaim(groupKey: string, token: string, now: number, leaseMs: number): Promise<boolean> {
    const g = this.held(groupKey, token);
    if (g === undefined) return false;
    g.lease = { token, until: now + leaseMs };
    g.dueAt = now + leaseMs;
    return true;
  }

  async writePending(groupKey: string, token: string, p: PendingNotification): Promise<boolean> {
    const g = this.held(groupKey, token);
    if (g === undefined) return false;
    g.pending.set(p.integration, p);
    return true;
  }

  async resolvePending(groupKey: string, token: string, integration: string, entry: NotificationLogEntry | undefined, retainMs: number): Promise<boolean> {
    const g = this.held(groupKey, token);
    if (g === undefined) return false;
    if (entry !== undefined) await this.putLog(groupKey, integration, entry, retainMs);
    g.pending.delete(integration);
    return true;
  }

  async finishFlush(groupKey: string, token: string, resolved: readonly ResolvedSnapshot[], nextFlushAt: number): Promise<boolean> {
    const g = this.held(groupKey, token);
    if (g === undefined) return false;
    for (const r of resolved) {
      const a = this.alerts.get(r.fingerprint);
      if (a === undefined || a.updatedAt === r.updatedAt) g.members.delete(r.fingerprint);
    }
    g.lease = undefined;
    if (g.members.size === 0 && g.pending.size === 0) this.groups.delete(groupKey);
    else g.dueAt = nextFlushAt;
    return true;
  }

  async listTenantConfigs(): Promise<ReadonlyMap<string, string>> {
    return new Map(this.tenantConfigs);
  }

  async putTenantConfig(tenant: string, body: string): Promise<void> {
    this.tenantConfigs.set(tenant, body);
    this.tenantConfigsChanges++;
  }

  async deleteTenantConfig(tenant: string): Promise<boolean> {
    const had = this.tenantConfigs.delete(tenant);
    if (had) this.tenantConfigsChanges++;
    return had;
  }

  async tenantConfigsVersion(): Promise<string> {
    return String(this.tenantConfigsChanges);
  }

  async recordFailure(f: DeliveryFailure): Promise<void> {
    this.failures.unshift(f);
    if (this.failures.length > MAX_FAILURES) this.failures.length = MAX_FAILURES;
  }

  async listFailures(limit: number): Promise<readonly DeliveryFailure[]> {
    return this.failures.slice(0, limit);
  }

  async announcePeer(): Promise<void> {}

  /** Held by this process alone: there is no cluster. */
  async listPeers(): Promise<undefined> {
    return undefined;
  }

  async close(): Promise<void> {}
}
