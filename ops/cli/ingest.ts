import { dirname, join } from 'node:path';
import { hostname } from 'node:os';
import { LagBackpressure, type Backpressure } from '../../connectors/http-edge/index.js';
import { createInfluxConnector } from '../../connectors/influx/index.js';
import { createOtlpConnector } from '../../connectors/otlp/index.js';
import { createImportConnector } from '../../connectors/import/index.js';
import type { NatsConfig, NatsSettings, createNatsOutputSink } from '../../connectors/nats/index.js';
import { createPushgatewayConnector } from '../../connectors/pushgateway/index.js';
import { createRemoteWriteConnector } from '../../connectors/remote-write/index.js';
import { ScrapeManager, createTargetsApi, parseShard, scrapeConfigSchema, type ScrapeConfig } from '../../connectors/scrape/index.js';
import type { ExemplarSink } from '../../schemas/exemplar-sink.js';
import type { MetadataSink } from '../../schemas/metadata-sink.js';
import type { Appender, SampleSink } from '../../schemas/sample-sink.js';
import type { TidemarkConfig } from '../config/index.js';
import { tenantScrapeConfigs } from '../tenants/index.js';
import type { HttpHandler } from '../server/http-router.js';
import type { ListenAddress } from '../server/http-server.js';
import type { Service } from '../server/service.js';
import { BusService } from './bus-service.js';
import { mountBusStatus } from './bus-status-api.js';
import { mountReplayedAlertHistory } from './replayed-alert-history-api.js';
import { DeferredBusSink } from './deferred-bus-sink.js';
import { SideDataService } from './side-data.js';
import { mountWebUi } from '../server/web-ui.js';
import type { RoleContext, RoleDefinition } from './run-role.js';
import { storeLagReader } from './store-lag.js';

/** The scrape loops of `scrape_configs`, reloaded with the configuration. */
class ScrapeService implements Service {
  readonly name = 'scrape';
  readonly manager: ScrapeManager;

  constructor(
    private readonly ctx: RoleContext,
    sink: SampleSink,
    private readonly scrapeSelf: boolean,
    side: { metadata?: MetadataSink; exemplars?: ExemplarSink } = {},
  ) {
    this.manager = new ScrapeManager({
      sink,
      metadata: side.metadata,
      exemplars: side.exemplars,
      shard: ctx.flags.shard === undefined ? undefined : parseShard(ctx.flags.shard),
      baseDir: ctx.flags.config === undefined ? process.cwd() : dirname(ctx.flags.config),
      onError: (err, target) => ctx.log.warn({ err, target: target?.labels }, 'scrape could not hand samples on'),
    });
    this.manager.applyConfig(this.scrapeConfig(ctx.config));
  }

  /** The file's scrape_configs and the tenants' jobs, plus the process' own /metrics where `scrapeSelf` asks for it. */
  private scrapeConfig(cfg: TidemarkConfig): Parameters<ScrapeManager['applyConfig']>[0] {
    const address = this.ctx.address();
    const jobs = [...cfg.scrape_configs, ...tenantScrapeConfigs(cfg.tenants)];
    if (!this.scrapeSelf || address === undefined) return { global: cfg.global, scrape_configs: jobs };
    return { global: cfg.global, scrape_configs: [...jobs, selfScrapeConfig(address)] };
  }

  async start(): Promise<void> {
    // The listener is bound before services start: now the own address is known.
    this.manager.applyConfig(this.scrapeConfig(this.ctx.config));
    this.manager.start();
  }

  ready(): boolean {
    return this.manager.ready();
  }

  async applyConfig(cfg: TidemarkConfig): Promise<void> {
    this.manager.applyConfig(this.scrapeConfig(cfg));
  }

  stop(): Promise<void> {
    return this.manager.stop();
  }
}

/**
 * Job `tidemark`: the process scraping its own /metrics, as Prometheus' default configuration
 * scrapes Prometheus, so `up` and a graph show something in the first minute.
 */
function selfScrapeConfig(address: ListenAddress): ScrapeConfig {
  const host = address.host === '0.0.0.0' || address.host === '::' ? 'localhost' : address.host;
  const target = `${host.includes(':') ? `[${host}]` : host}:${address.port}`;
  // 15 s, as the prometheus.yml Prometheus ships: a first point within seconds, not a minute.
  return scrapeConfigSchema.parse({ job_name: 'tidemark', scrape_interval: '15s', static_configs: [{ targets: [target] }] });
}

interface Connector {
  readonly routes: ReadonlyArray<{ readonly methods: string[]; readonly path: string; readonly handler: HttpHandler }>;
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** A connector (remote_write, Influx, Pushgateway, NATS bridge) as a role service. */
class ConnectorService implements Service {
  private running = false;
  constructor(
    readonly name: string,
    readonly connector: Connector,
  ) {}
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
 * The NATS bridge (nats.inputs), its module and the NATS client loaded as it starts: they cost
 * every start of a role that has no NATS inputs (`tidemark up`'s default) about 0.09 CPU-s.
 */
function natsBridgeConnector(settings: NatsSettings, config: NatsConfig): Connector {
  let bridge: Promise<Connector> | undefined;
  const loaded = (): Promise<Connector> => (bridge ??= import('../../connectors/nats/index.js').then((m) => m.createNatsConnector(settings, config)));
  return {
    routes: [],
    start: async () => (await loaded()).start(),
    stop: async () => {
      if (bridge !== undefined) await (await bridge).stop();
    },
  };
}

/**
 * Edge mode (`nats.output` set): samples go to NATS JetStream instead of the bus, for a
 * `tidemark ingest` inside a cluster that may only open outbound connections.
 */
class NatsOutputService implements Service, SampleSink {
  readonly name = 'nats-output';
  private out: Awaited<ReturnType<typeof createNatsOutputSink>> | undefined;
  constructor(private readonly ctx: RoleContext) {}
  async start(): Promise<void> {
    const nats = this.ctx.config.nats;
    if (nats === undefined) throw new Error('nats.output needs the nats section');
    const { createNatsOutputSink } = await import('../../connectors/nats/index.js');
    this.out = await createNatsOutputSink({ registry: this.ctx.metrics, source: `ingest/${hostname()}` }, nats);
  }
  appender(): Appender {
    if (this.out === undefined) throw new Error('NATS output used before it started');
    return this.out.sink.appender();
  }
  ready(): boolean {
    return this.out !== undefined;
  }
  async stop(): Promise<void> {
    const out = this.out;
    this.out = undefined;
    await out?.close();
  }
}

/**
 * The connectors of `tidemark ingest` (also part of `tidemark up`), handing samples to `sink`:
 * scrape loops, remote_write, Influx, OTLP, the Pushgateway API and the NATS bridge. Their HTTP routes
 * are mounted on the role's router; the role's own `/metrics` keeps its path (with no
 * `route_prefix`, the Pushgateway's exposition view is `/api/v1/metrics` only). With
 * `scrapeSelf`, the process also scrapes its own /metrics as job `tidemark`. Metric metadata and
 * exemplars of scrapes and remote_write requests go to `opts.metadata` and `opts.exemplars`
 * (none: not kept).
 */
export function ingestServices(
  ctx: RoleContext,
  sink: SampleSink,
  bus?: BusService,
  opts: { scrapeSelf?: boolean; metadata?: MetadataSink; exemplars?: ExemplarSink } = {},
): Service[] {
  const cfg = ctx.config;
  // With tenants, every sample gets its tenant's label before it reaches the bus.
  sink = ctx.tenancy?.sink(sink) ?? sink;
  if (ctx.tenancy !== undefined && opts.exemplars !== undefined) opts = { ...opts, exemplars: ctx.tenancy.exemplars(opts.exemplars) };
  if (ctx.tenancy !== undefined && opts.metadata !== undefined) opts = { ...opts, metadata: ctx.tenancy.metadata(opts.metadata) };
  const scrape = new ScrapeService(ctx, sink, opts.scrapeSelf ?? false, opts);
  const services: Service[] = [scrape];
  let backpressure: Backpressure | undefined;
  if (bus !== undefined && cfg.ingest.max_store_lag > 0) {
    const guard = new LagBackpressure({
      readLag: storeLagReader(() => bus.bus, cfg.store.group, cfg.bus.topics.samples),
      maxLag: cfg.ingest.max_store_lag,
    });
    backpressure = guard;
    services.push({ name: 'store-lag', start: async () => guard.start(), ready: () => true, stop: async () => guard.stop() });
  }
  const connectors = [
    new ConnectorService('remote_write', createRemoteWriteConnector({ sink, metadata: opts.metadata, exemplars: opts.exemplars, registry: ctx.metrics, backpressure }, cfg.ingest.remote_write)),
    new ConnectorService('influx', createInfluxConnector({ sink, registry: ctx.metrics, backpressure }, cfg.ingest.influx)),
    new ConnectorService('otlp', createOtlpConnector({ sink, metadata: opts.metadata, registry: ctx.metrics, backpressure }, cfg.ingest.otlp)),
    new ConnectorService('import', createImportConnector({ sink, registry: ctx.metrics, backpressure }, cfg.ingest.import)),
    new ConnectorService(
      'pushgateway',
      createPushgatewayConnector(
        {
          sink,
          registry: ctx.metrics,
          dataDir: join(ctx.flags.data, 'pushgateway'),
          defaultIntervalMs: cfg.global.scrape_interval,
          logger: ctx.log,
          backpressure,
        },
        cfg.ingest.pushgateway,
      ),
    ),
  ];
  if (cfg.nats !== undefined && cfg.nats.inputs.length > 0) {
    connectors.push(
      new ConnectorService('nats', natsBridgeConnector({ sink, registry: ctx.metrics, defaultServers: cfg.nats.servers, logger: ctx.log }, cfg.nats)),
    );
  }
  for (const r of createTargetsApi(scrape.manager).routes) ctx.router.add(r.methods, r.path, r.handler);
  for (const c of connectors) {
    for (const r of c.connector.routes) {
      if (r.path === '/metrics' && r.methods.includes('GET')) continue;
      ctx.router.add(r.methods, r.path, r.handler);
    }
  }
  return [...services, ...connectors];
}

export const ingestRole: RoleDefinition = {
  name: 'ingest',
  async build(ctx) {
    mountWebUi(ctx.router, { apps: ['pushgateway', 'bus'] });
    if (ctx.config.nats?.output !== undefined) {
      const out = new NatsOutputService(ctx);
      return [out, ...ingestServices(ctx, out)];
    }
    const bus = new BusService(ctx.config, ctx.flags.data, ctx.log, ctx.fail);
    mountBusStatus(ctx, bus);
    mountReplayedAlertHistory(ctx, bus);
    const sink = new DeferredBusSink(bus, ctx.config, `ingest/${hostname()}`);
    const side = new SideDataService(ctx, bus, { follow: false });
    return [bus, sink, side, ...ingestServices(ctx, sink, bus, { metadata: side, exemplars: side })];
  },
};
