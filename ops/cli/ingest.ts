import { dirname } from 'node:path';
import { hostname } from 'node:os';
import type { PushConnector } from '../../connectors/http-edge/index.js';
import { createInfluxConnector } from '../../connectors/influx/index.js';
import { createRemoteWriteConnector } from '../../connectors/remote-write/index.js';
import { ScrapeManager, createTargetsApi, parseShard } from '../../connectors/scrape/index.js';
import type { SampleSink } from '../../connectors/sample-sink.js';
import type { TidemarkConfig } from '../config/index.js';
import type { Service } from '../server/service.js';
import { BusService } from './bus-service.js';
import { DeferredBusSink } from './deferred-bus-sink.js';
import type { RoleContext, RoleDefinition } from './run-role.js';

/** The scrape loops of `scrape_configs`, reloaded with the configuration. */
class ScrapeService implements Service {
  readonly name = 'scrape';
  readonly manager: ScrapeManager;

  constructor(ctx: RoleContext, sink: SampleSink, shard: string | undefined) {
    this.manager = new ScrapeManager({
      sink,
      shard: shard === undefined ? undefined : parseShard(shard),
      baseDir: ctx.flags.config === undefined ? process.cwd() : dirname(ctx.flags.config),
      onError: (err, target) => ctx.log.warn({ err, target: target?.labels }, 'scrape could not hand samples to the bus'),
    });
    this.manager.applyConfig({ global: ctx.config.global, scrape_configs: ctx.config.scrape_configs });
  }

  async start(): Promise<void> {
    this.manager.start();
  }

  ready(): boolean {
    return this.manager.ready();
  }

  async applyConfig(cfg: TidemarkConfig): Promise<void> {
    this.manager.applyConfig({ global: cfg.global, scrape_configs: cfg.scrape_configs });
  }

  stop(): Promise<void> {
    return this.manager.stop();
  }
}

/** A push connector (remote_write, Influx, ...) as a role service. */
class PushConnectorService implements Service {
  private running = false;
  constructor(
    readonly name: string,
    private readonly connector: PushConnector,
  ) {}
  get routes(): PushConnector['routes'] {
    return this.connector.routes;
  }
  async start(): Promise<void> {
    await this.connector.start();
    this.running = true;
  }
  ready(): boolean {
    return this.running;
  }
  async stop(): Promise<void> {
    this.running = false;
    await this.connector.stop();
  }
}

/**
 * The connectors of `tidemark ingest` (also part of `tidemark up`): scrape loops, remote_write
 * and Influx receivers, all handing samples to the bus. Routes are mounted on the role's router.
 */
export function ingestServices(ctx: RoleContext, bus: BusService, shard?: string): Service[] {
  const sink = new DeferredBusSink(bus, ctx.config, `ingest/${hostname()}`);
  const scrape = new ScrapeService(ctx, sink, shard);
  for (const r of createTargetsApi(scrape.manager).routes) ctx.router.add(r.methods, r.path, r.handler);
  const push = [
    new PushConnectorService('remote_write', createRemoteWriteConnector({ sink, registry: ctx.metrics }, ctx.config.ingest.remote_write)),
    new PushConnectorService('influx', createInfluxConnector({ sink, registry: ctx.metrics }, ctx.config.ingest.influx)),
  ];
  for (const p of push) {
    for (const r of p.routes) ctx.router.add(r.methods, r.path, r.handler);
  }
  return [scrape, ...push];
}

export const ingestRole: RoleDefinition = {
  name: 'ingest',
  async build(ctx) {
    const bus = new BusService(ctx.config, ctx.flags.data, ctx.log);
    return [bus, ...ingestServices(ctx, bus, ctx.flags.shard)];
  },
};
