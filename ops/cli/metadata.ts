import { BusMetadataSink } from '../../pipeline/publish/index.js';
import { MetadataCatalog, MetadataFollower, metadataRoutes, type MetadataReader } from '../../pipeline/query/index.js';
import type { MetadataSink } from '../../schemas/metadata-sink.js';
import type { MetricMetadataSnapshot } from '../../schemas/metric-metadata-codec.js';
import type { Service } from '../server/service.js';
import type { BusService } from './bus-service.js';
import type { RoleContext } from './run-role.js';

/**
 * Metric metadata on the metadata topic: as a sink, writes what the role's connectors announce;
 * with `follow`, keeps `catalog` up to date with everything on the topic (query side). Started
 * after the bus and before the connectors, so it is stopped after them (a target that goes away
 * announces so on its way out) and before the bus.
 */
export class MetadataService implements Service, MetadataSink {
  readonly name = 'metadata';
  readonly catalog = new MetadataCatalog();
  private sink: BusMetadataSink | undefined;
  private follower: MetadataFollower | undefined;
  private started = false;

  constructor(
    private readonly ctx: RoleContext,
    private readonly bus: BusService,
    private readonly opts: { readonly follow: boolean },
  ) {}

  announce(snapshot: MetricMetadataSnapshot): void {
    this.sink ??= new BusMetadataSink({
      bus: this.bus.bus,
      topic: this.ctx.config.bus.topics.metadata,
      onError: (err, s) => this.ctx.log.warn({ err, source: s.source }, 'metric metadata not written; the source announces it again on its next change or refresh'),
    });
    this.sink.announce(snapshot);
  }

  async start(): Promise<void> {
    if (this.opts.follow) {
      this.follower = new MetadataFollower({
        bus: this.bus.bus,
        topic: this.ctx.config.bus.topics.metadata,
        catalog: this.catalog,
        groupPrefix: `${this.ctx.config.store.group}.metadata`,
        onBadRecord: (err, where) => this.ctx.log.warn({ err, ...where }, 'skipped a metadata topic record that is no metadata snapshot'),
      });
      await this.follower.start();
    }
    this.started = true;
  }

  ready(): boolean {
    return this.started;
  }

  async stop(): Promise<void> {
    await this.follower?.stop();
    await this.sink?.flushed();
  }
}

/** `/api/v1/metadata` and `/api/v1/targets/metadata` over a catalog. */
export function mountMetadataApi(ctx: RoleContext, catalog: MetadataReader): void {
  for (const r of metadataRoutes(catalog)) ctx.router.add(r.methods, r.path, r.handler);
}
