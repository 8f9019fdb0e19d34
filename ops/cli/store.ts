import { hostname } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { Redis } from 'ioredis';
import {
  InProcessShardRegistry,
  RedisShardRegistry,
  StoreWorker,
  storeHttpApi,
  type ShardRegistry,
} from '../../pipeline/ingest/index.js';
import type { Service } from '../server/service.js';
import { BusService } from './bus-service.js';
import type { RoleContext, RoleDefinition } from './run-role.js';

/** The shard registry a role uses: Redis (shared, with TTLs) with --redis / `redis.url`, else in-process. */
export function shardRegistryOf(ctx: RoleContext): { registry: ShardRegistry; close(): Promise<void> } {
  const url = ctx.config.redis?.url;
  if (url === undefined) return { registry: new InProcessShardRegistry(), close: async () => {} };
  const redis = new Redis(url, { maxRetriesPerRequest: 2 });
  const registry = new RedisShardRegistry({ redis, onError: (err) => ctx.log.warn({ err }, 'shard registry heartbeat failed') });
  return {
    registry,
    close: async () => {
      redis.disconnect();
    },
  };
}

/**
 * A store worker as a role service: the shards of the partitions this member of the "store"
 * group owns, announced in the shard registry under the role's HTTP address so query roles can
 * find them.
 */
export class StoreService implements Service {
  readonly name = 'store';
  private worker: StoreWorker | undefined;
  private readonly storeId = `${hostname()}-${process.pid}`;

  constructor(
    private readonly ctx: RoleContext,
    private readonly bus: BusService,
    readonly registry: ShardRegistry,
  ) {
    for (const r of storeHttpApi({
      querier: (mint, maxt) => this.running.querier(mint, maxt),
      deleteSeries: (m, s, e) => this.running.deleteSeries(m, s, e),
      snapshot: () => this.running.snapshot(),
    }).routes) {
      ctx.router.add(r.methods, r.path, r.handler);
    }
  }

  /** The worker, also the local Queryable of `tidemark up`. */
  get running(): StoreWorker {
    if (this.worker === undefined) throw new Error('store used before it started');
    return this.worker;
  }

  async start(): Promise<void> {
    const cfg = this.ctx.config;
    const dataDir = isAbsolute(cfg.store.data_dir) ? cfg.store.data_dir : join(this.ctx.flags.data, cfg.store.data_dir);
    this.worker = new StoreWorker({
      bus: this.bus.bus,
      topic: cfg.bus.topics.samples,
      deadLetterTopic: cfg.bus.topics.deadletter,
      config: { ...cfg.store, data_dir: dataDir },
      registry: this.ctx.metrics,
      logger: this.ctx.log.child({ component: 'store' }),
      onShardsChanged: (partitions) => {
        const addr = this.ctx.address();
        const host = addr === undefined || addr.host === '0.0.0.0' || addr.host === '::' ? hostname() : addr.host;
        const url = `http://${host.includes(':') ? `[${host}]` : host}:${addr?.port ?? 0}`;
        this.registry.announce(this.storeId, url, partitions).catch((err: unknown) => {
          this.ctx.log.warn({ err }, 'announcing shards failed; the heartbeat retries');
        });
      },
    });
    await this.worker.start();
  }

  ready(): boolean {
    return this.worker?.ready() ?? false;
  }

  async stop(): Promise<void> {
    const w = this.worker;
    if (w === undefined) return;
    await w.stop();
    await this.registry.withdraw(this.storeId).catch(() => undefined);
  }
}

export const storeRole: RoleDefinition = {
  name: 'store',
  async build(ctx) {
    const bus = new BusService(ctx.config, ctx.flags.data, ctx.log);
    const shards = shardRegistryOf(ctx);
    const store = new StoreService(ctx, bus, shards.registry);
    const registryCloser: Service = { name: 'shard-registry', start: async () => {}, ready: () => true, stop: () => shards.close() };
    return [registryCloser, bus, store];
  },
};
