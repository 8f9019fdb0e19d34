import { BusExemplarSink, BusMetadataSink } from '../../pipeline/publish/index.js';
import { CircularExemplarStorage, MetadataCatalog, TopicFollower } from '../../pipeline/query/index.js';
import { decodeExemplarBatch, type SeriesExemplar } from '../../schemas/exemplar-codec.js';
import type { ExemplarSink } from '../../schemas/exemplar-sink.js';
import type { MetadataSink } from '../../schemas/metadata-sink.js';
import { decodeMetricMetadata, type MetricMetadataSnapshot } from '../../schemas/metric-metadata-codec.js';
import type { Service } from '../server/service.js';
import type { BusService } from './bus-service.js';
import type { RoleContext } from './run-role.js';

/**
 * What travels beside the samples: metric metadata (`bus.topics.metadata`) and exemplars
 * (`bus.topics.exemplars`). As a sink, writes what the role's connectors hand over; with
 * `follow`, keeps `metadata` and `exemplars` up to date with everything on both topics (the
 * query side). Started after the bus and before the connectors, so it is stopped after them (a
 * target that goes away announces so on its way out) and before the bus.
 */
export class SideDataService implements Service, MetadataSink, ExemplarSink {
  readonly name = 'side-data';
  readonly metadata = new MetadataCatalog();
  readonly exemplars: CircularExemplarStorage;
  private metadataSink: BusMetadataSink | undefined;
  private exemplarSink: BusExemplarSink | undefined;
  private readonly followers: TopicFollower<unknown>[] = [];
  private started = false;
  /** The side topics could not be made: nothing is written to them. */
  private disabled = false;
  private following: Promise<void> = Promise.resolve();

  constructor(
    private readonly ctx: RoleContext,
    private readonly bus: BusService,
    private readonly opts: { readonly follow: boolean },
  ) {
    this.exemplars = new CircularExemplarStorage(ctx.config.query.max_exemplars);
  }

  announce(snapshot: MetricMetadataSnapshot): void {
    if (this.disabled) return;
    this.metadataSink ??= new BusMetadataSink({
      bus: this.bus.bus,
      topic: this.ctx.config.bus.topics.metadata,
      onError: (err, s) => this.ctx.log.warn({ err, source: s.source }, 'metric metadata not written; the source announces it again on its next change or refresh'),
    });
    this.metadataSink.announce(snapshot);
  }

  record(exemplars: readonly SeriesExemplar[]): void {
    if (this.disabled) return;
    this.exemplarSink ??= new BusExemplarSink({
      bus: this.bus.bus,
      topic: this.ctx.config.bus.topics.exemplars,
      onError: (err, count) => this.ctx.log.warn({ err, count }, 'exemplars not written'),
    });
    this.exemplarSink.record(exemplars);
  }

  async start(): Promise<void> {
    // The side topics are not needed to store or query samples: a bus that cannot create them
    // (a cluster without the rights, say) costs metadata and exemplars, not the role.
    const topics = this.ctx.config.bus.topics;
    try {
      await this.bus.bus.ensureTopic(topics.metadata, 1);
      await this.bus.bus.ensureTopic(topics.exemplars, 1);
    } catch (err) {
      this.ctx.log.error({ err, topics: [topics.metadata, topics.exemplars] }, 'metadata and exemplars topics missing and not created: they are not kept');
      this.disabled = true;
      this.started = true;
      return;
    }
    if (this.opts.follow) {
      const common = {
        bus: this.bus.bus,
        groupPrefix: `${this.ctx.config.store.group}.side-data`,
        onBadRecord: (err: Error, where: { partition: number; offset: number }) => this.ctx.log.warn({ err, ...where }, 'skipped a record that does not decode'),
      };
      const metadata = new TopicFollower({ ...common, topic: topics.metadata, decode: decodeMetricMetadata, apply: (s) => this.metadata.apply(s) });
      const exemplars = new TopicFollower({ ...common, topic: topics.exemplars, decode: decodeExemplarBatch, apply: (b) => void this.exemplars.add(b) });
      this.followers.push(metadata as TopicFollower<unknown>, exemplars as TopicFollower<unknown>);
      // Not awaited: the query API is ready without them (joining a Kafka group takes seconds);
      // until they have read the topics, metadata and exemplars answers are incomplete.
      this.following = Promise.all(this.followers.map((f) => f.start())).then(
        () => undefined,
        (err: unknown) => this.ctx.log.error({ err }, 'metadata and exemplars topics not followed: their APIs answer from what was read'),
      );
    }
    this.started = true;
  }

  ready(): boolean {
    return this.started;
  }

  async stop(): Promise<void> {
    await this.following;
    await Promise.all(this.followers.map((f) => f.stop()));
    await this.metadataSink?.flushed();
    await this.exemplarSink?.flushed();
  }
}
