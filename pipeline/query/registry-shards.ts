import { RemoteStoreQueryable, type AppliedOffsetsWaiter, type ChangeSource, type RemoteStoreOptions, type ShardRegistry } from '../store-protocol/index.js';
import type { LabelStats, LabelStatsRequest, Queryable } from '../tsdb/index.js';
import type { LabelStatsSource } from './api-settings.js';
import type { QueryConfig } from './config.js';
import { FanoutQueryable, type FanoutShard, type ShardLister } from './fanout-querier.js';
import type { FanoutObserver } from './metrics.js';
import type { ConsistencyStore } from './read-consistency.js';
import { remoteStoreOptions } from './store-client-config.js';
import { fanoutLabelStats, type LabelStatsPart } from './tsdb-status-api.js';

export interface RegistryShardsSettings {
  readonly registry: Pick<ShardRegistry, 'list'>;
  /** The store running in this process (`tidemark up`), read directly rather than over HTTP. */
  readonly local?: { readonly storeId: string; readonly queryable: Queryable };
  readonly remote?: RemoteStoreOptions;
}

/**
 * Lists the shards of a ShardRegistry at query time: the local store (if any) directly, every
 * other store through its HTTP read endpoints. Remote queryables are kept per address.
 */
export function registryShards(settings: RegistryShardsSettings): ShardLister {
  const remotes = new Map<string, Queryable>();
  return async () => {
    const entries = await settings.registry.list();
    const shards: FanoutShard[] = [];
    for (const e of entries) {
      const name = `${e.storeId} (${e.address})`;
      if (settings.local !== undefined && e.storeId === settings.local.storeId) {
        shards.push({ name, queryable: settings.local.queryable, partitions: e.partitions });
        continue;
      }
      let q = remotes.get(e.address);
      if (q === undefined) {
        q = new RemoteStoreQueryable(e.address, settings.remote);
        remotes.set(e.address, q);
      }
      shards.push({ name, queryable: q, partitions: e.partitions });
    }
    return shards;
  };
}

/**
 * The fan-out the `tidemark query` role (and `tidemark up`) reads through, configured from the
 * `query` section: every shard in the registry, replica labels, partial responses, shard timeout.
 */
export function registryQueryable(
  settings: Omit<RegistryShardsSettings, 'remote'> & { readonly config: QueryConfig; readonly partitionCount?: number; readonly observer?: FanoutObserver },
): FanoutQueryable {
  return new FanoutQueryable(registryShards({ ...settings, remote: remoteStoreOptions(settings.config) }), {
    replicaLabels: settings.config.replica_labels,
    partialResponse: settings.config.partial_response,
    partitionCount: settings.partitionCount,
    observer: settings.observer,
  });
}

/**
 * `/api/v1/status/tsdb` of the query role: every store in the registry reports the label
 * statistics of its shards (`POST /api/v1/store/tsdb_status`) and they are added up; a store that
 * cannot be read is a warning, as for queries.
 */
export function registryLabelStats(settings: {
  readonly registry: Pick<ShardRegistry, 'list'>;
  readonly config: QueryConfig;
  readonly local?: { readonly storeId: string; labelStats(req: LabelStatsRequest): Promise<LabelStats> };
}): LabelStatsSource {
  const remotes = new Map<string, RemoteStoreQueryable>();
  const options = remoteStoreOptions(settings.config);
  return async (req) => {
    const parts: LabelStatsPart[] = [];
    for (const e of await settings.registry.list()) {
      const name = `${e.storeId} (${e.address})`;
      if (settings.local !== undefined && e.storeId === settings.local.storeId) {
        const local = settings.local;
        parts.push({ name, labelStats: (r) => local.labelStats(r) });
        continue;
      }
      let q = remotes.get(e.address);
      if (q === undefined) {
        q = new RemoteStoreQueryable(e.address, options);
        remotes.set(e.address, q);
      }
      const remote = q;
      parts.push({ name, labelStats: (r) => remote.labelStats(r) });
    }
    return fanoutLabelStats(parts, req, settings.config.partial_response);
  };
}

/**
 * The stores read-your-writes waits on (read-consistency.ts): every store in the registry with the
 * partitions it announced; the local one (`tidemark up`) is asked directly.
 */
export function registryConsistencyStores(settings: {
  readonly registry: Pick<ShardRegistry, 'list'>;
  readonly config: QueryConfig;
  readonly local?: { readonly storeId: string; readonly waiter: AppliedOffsetsWaiter; readonly changes?: ChangeSource };
}): () => Promise<ConsistencyStore[]> {
  const remotes = new Map<string, RemoteStoreQueryable>();
  const options = remoteStoreOptions(settings.config);
  return async () =>
    (await settings.registry.list()).map((e) => {
      const name = `${e.storeId} (${e.address})`;
      if (settings.local !== undefined && e.storeId === settings.local.storeId) return { name, partitions: e.partitions, waiter: settings.local.waiter, changes: settings.local.changes };
      let q = remotes.get(e.address);
      if (q === undefined) {
        q = new RemoteStoreQueryable(e.address, options);
        remotes.set(e.address, q);
      }
      return { name, partitions: e.partitions, waiter: q, changes: q };
    });
}
