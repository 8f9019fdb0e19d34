import { canonicalLabels, type Labels } from '../../schemas/labels.js';
import { checkConsistency } from './consistency.js';
import { InconsistentPushError } from './errors.js';
import {
  PUSH_FAILURE_TIME_HELP,
  PUSH_FAILURE_TIME_METRIC,
  PUSH_TIME_HELP,
  PUSH_TIME_METRIC,
  timestampFamily,
  type PushedFamily,
} from './pushed-family.js';

export interface StoredFamily {
  readonly family: PushedFamily;
  /** When the push that wrote this family arrived (ms). */
  readonly pushedAtMs: number;
}

/** One grouping key's metrics, as the Pushgateway's MetricGroup. */
export interface MetricGroup {
  readonly key: string;
  /** The grouping key: `job` and the URL's labels. */
  readonly labels: Labels;
  readonly families: Map<string, StoredFamily>;
  /** Last successful push (ms), 0 if none; push_time_seconds. */
  lastPushMs: number;
  /** Last failed push (ms), 0 if none; push_failure_time_seconds. */
  lastFailureMs: number;
  /** When each of the two timestamp families was last written (the API's `time_stamp`). */
  pushFamilyAtMs: number;
  failureFamilyAtMs: number;
}

export interface PushRequest {
  readonly grouping: Labels;
  readonly families: ReadonlyMap<string, PushedFamily>;
  /** PUT: replace the whole group; POST: replace only the families pushed. */
  readonly replace: boolean;
  readonly hasTimestamps: boolean;
  readonly nowMs: number;
}

/**
 * The Pushgateway's store: groups by grouping key, PUT/POST/DELETE semantics, push timestamps,
 * and the consistency check run before a push is applied. Synchronous, so one push is applied
 * atomically with respect to every other request.
 */
export class MetricStore {
  private readonly groups = new Map<string, MetricGroup>();

  constructor(private readonly consistencyCheck = true) {}

  static groupKey(grouping: Labels): string {
    return canonicalLabels(grouping);
  }

  get size(): number {
    return this.groups.size;
  }

  /** Groups in insertion order. */
  all(): IterableIterator<MetricGroup> {
    return this.groups.values();
  }

  get(grouping: Labels): MetricGroup | undefined {
    return this.groups.get(MetricStore.groupKey(grouping));
  }

  /**
   * Applies a push, or throws InconsistentPushError after recording the failure time on the group
   * (creating it if needed), as the Pushgateway does.
   */
  push(req: PushRequest): MetricGroup {
    const key = MetricStore.groupKey(req.grouping);
    if (req.hasTimestamps) this.fail(key, req, 'pushed metrics must not have timestamps');
    if (this.consistencyCheck) {
      const detail = checkConsistency(this.familiesWith(key, req));
      if (detail !== undefined) this.fail(key, req, detail);
    }
    const group = this.groups.get(key) ?? this.create(key, req.grouping, req.nowMs);
    if (req.replace) group.families.clear();
    for (const [name, family] of req.families) group.families.set(name, { family, pushedAtMs: req.nowMs });
    group.lastPushMs = req.nowMs;
    group.pushFamilyAtMs = req.nowMs;
    return group;
  }

  delete(grouping: Labels): MetricGroup | undefined {
    const key = MetricStore.groupKey(grouping);
    const g = this.groups.get(key);
    this.groups.delete(key);
    return g;
  }

  deleteGroup(group: MetricGroup): void {
    this.groups.delete(group.key);
  }

  wipe(): MetricGroup[] {
    const all = [...this.groups.values()];
    this.groups.clear();
    return all;
  }

  /** Puts a group back as persisted (restart). */
  restore(group: MetricGroup): void {
    this.groups.set(group.key, group);
  }

  /** The group's families as exposed: the pushed ones plus its two timestamp gauges. */
  static exposedFamilies(g: MetricGroup): PushedFamily[] {
    const out = [...g.families.values()].map((s) => s.family);
    out.push(timestampFamily(PUSH_TIME_METRIC, PUSH_TIME_HELP, g.labels, g.lastPushMs));
    out.push(timestampFamily(PUSH_FAILURE_TIME_METRIC, PUSH_FAILURE_TIME_HELP, g.labels, g.lastFailureMs));
    return out;
  }

  private fail(key: string, req: PushRequest, detail: string): never {
    const group = this.groups.get(key) ?? this.create(key, req.grouping, req.nowMs);
    group.lastFailureMs = req.nowMs;
    group.failureFamilyAtMs = req.nowMs;
    throw new InconsistentPushError(detail);
  }

  private create(key: string, grouping: Labels, nowMs: number): MetricGroup {
    const g: MetricGroup = {
      key,
      labels: { ...grouping },
      families: new Map(),
      lastPushMs: 0,
      lastFailureMs: 0,
      pushFamilyAtMs: nowMs,
      failureFamilyAtMs: nowMs,
    };
    this.groups.set(key, g);
    return g;
  }

  /** Every family in gathering order as it would be after the push: the pushed group last. */
  private *familiesWith(key: string, req: PushRequest): Generator<PushedFamily> {
    for (const g of this.groups.values()) {
      if (g.key === key) continue;
      for (const s of g.families.values()) yield s.family;
    }
    const existing = this.groups.get(key);
    if (existing !== undefined && !req.replace) {
      for (const [name, s] of existing.families) if (!req.families.has(name)) yield s.family;
    }
    yield* req.families.values();
  }
}
