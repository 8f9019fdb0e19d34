import type { IncomingMessage, ServerResponse } from 'node:http';
import { isAbsolute, resolve } from 'node:path';
import type { Registry } from 'prom-client';
import {
  ExpositionParseError,
  parseExposition,
  PROMETHEUS_PROTOBUF_CONTENT_TYPE,
  negotiateEscaping,
  PROMETHEUS_TEXT_CONTENT_TYPE,
  prefersDelimitedProtobuf,
  type ScrapeFormat,
} from '../../schemas/exposition/index.js';
import {
  EdgeAuth,
  httpErrorAnswer,
  InvalidPushError,
  PushEdge,
  sendHttpError,
  UnsupportedMediaTypeError,
  type Backpressure,
  type HttpHandler,
  type PushAnswer,
  type PushRequest,
} from '../http-edge/index.js';
import { formatLabels, type Labels } from '../../schemas/labels.js';
import { HistogramError } from '../../schemas/native-histogram/index.js';
import type { HistogramValue } from '../../schemas/sample.js';
import { appendUnit, type SampleSink } from '../../schemas/sample-sink.js';
import { apiEnvelope, apiMetrics } from './api-v1.js';
import type { PushgatewayConfig } from './config.js';
import { GroupEmitter, storedHistogram } from './group-samples.js';
import { parseGroupingKey } from './grouping-key.js';
import { LabelRules } from './label-rules.js';
import { MetricStore, type MetricGroup } from './metric-store.js';
import { PushgatewayMetrics } from './metrics.js';
import { readGroupsFile, writeGroupsFile } from './persistence-file.js';
import { escapeGathered, gatherFamilies, writePushgatewayProtobuf, writePushgatewayText } from './pushgateway-exposition.js';
import { convertPush } from './pushed-family.js';

/** Injected by the composition root. */
export interface PushgatewaySettings {
  readonly sink: SampleSink;
  readonly registry: Registry;
  /** Where a relative persistence_file lives. */
  readonly dataDir?: string;
  /** The global scrape interval: the default emit_interval. */
  readonly defaultIntervalMs?: number;
  readonly backpressure?: Backpressure;
  readonly logger?: { warn(obj: object, msg: string): void };
  /** Clock, for tests of TTLs. */
  readonly now?: () => number;
}

export interface PushgatewayRoute {
  readonly methods: string[];
  readonly path: string;
  readonly handler: HttpHandler;
}

/**
 * The Pushgateway API over a SampleSink: pushes are kept per grouping key (and in a file), served
 * back on `GET /metrics` as the Pushgateway serves them, and handed to the sink as samples on
 * every push and every emit interval, as a Prometheus scraping the Pushgateway with honor_labels
 * would store them, with staleness markers for series that vanish.
 */
export class Pushgateway {
  readonly store: MetricStore;
  readonly routes: PushgatewayRoute[];
  private readonly edge: PushEdge;
  private readonly auth: EdgeAuth;
  private readonly rules: LabelRules;
  private readonly emitter: GroupEmitter;
  private readonly metrics: PushgatewayMetrics;
  private readonly file: string | undefined;
  private readonly intervalMs: number;
  private readonly now: () => number;
  private readonly startTime = new Date();
  private timer: NodeJS.Timeout | undefined;
  private saveTimer: NodeJS.Timeout | undefined;
  private saving: Promise<void> = Promise.resolve();
  private ticking: Promise<void> | undefined;
  private loaded: Promise<void> | undefined;
  private stopped = false;

  constructor(
    private readonly settings: PushgatewaySettings,
    private readonly config: PushgatewayConfig,
  ) {
    this.store = new MetricStore(config.consistency_check);
    this.edge = new PushEdge({ connector: 'pushgateway', registry: settings.registry, auth: config.auth, limits: config.limits, backpressure: settings.backpressure });
    this.auth = new EdgeAuth(config.auth);
    this.rules = new LabelRules(config.label_rules);
    this.emitter = new GroupEmitter(this.rules);
    this.metrics = new PushgatewayMetrics(settings.registry);
    this.now = settings.now ?? Date.now;
    this.intervalMs = config.emit_interval ?? settings.defaultIntervalMs ?? 60_000;
    const pf = config.persistence_file;
    this.file = pf === '' ? undefined : isAbsolute(pf) || settings.dataDir === undefined ? resolve(pf) : resolve(settings.dataDir, pf);
    const p = config.route_prefix;
    const push = this.edge.handler(['PUT', 'POST', 'DELETE'], (r) => this.handlePush(r));
    const pushRoute: HttpHandler = async (req, res, url) => {
      // Only /metrics/job/... and /metrics/job@base64/... exist below /metrics/ (404 like the Pushgateway).
      const rest = url.pathname.slice(p.length + '/metrics'.length);
      if (!rest.startsWith('/job/') && !rest.startsWith('/job@base64/')) return notFound(res);
      await push(req, res, url);
    };
    this.routes = [
      { methods: ['PUT', 'POST', 'DELETE'], path: `${p}/metrics/*`, handler: pushRoute },
      { methods: ['GET'], path: `${p}/metrics`, handler: this.read((res, req) => this.serveMetrics(res, req)) },
      { methods: ['GET'], path: `${p}/api/v1/metrics`, handler: this.read((res) => json(res, apiEnvelope(apiMetrics(this.store.all())))) },
      { methods: ['GET'], path: `${p}/api/v1/status`, handler: this.read((res) => json(res, apiEnvelope(this.status()))) },
    ];
    if (config.enable_admin_api) {
      this.routes.push({ methods: ['PUT'], path: `${p}/api/v1/admin/wipe`, handler: this.read((res) => this.wipe(res)) });
    }
  }

  /** Loads the persistence file (once) and starts the emit loop. */
  async start(): Promise<void> {
    await this.ready();
    if (this.stopped || this.timer !== undefined) return;
    this.timer = setInterval(() => void this.tick(), this.intervalMs);
    this.timer.unref();
  }

  /** Resolves once persisted groups are back (the endpoints answer before, from an empty store). */
  ready(): Promise<void> {
    this.loaded ??= this.load();
    return this.loaded;
  }

  /** Stops the loop and writes the file. Idempotent, safe without start. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    if (this.timer !== undefined) clearInterval(this.timer);
    await this.ticking;
    if (this.saveTimer !== undefined) {
      clearTimeout(this.saveTimer);
      this.saveTimer = undefined;
      this.save();
    }
    await this.saving;
  }

  /** The exposition of every group (text 0.0.4), for a composition root that serves it elsewhere. */
  exposition(): string {
    return writePushgatewayText(gatherFamilies(this.store.all()));
  }

  /** One emit round: expire groups past their TTL, then every group's samples. Exported for tests. */
  async tick(): Promise<void> {
    if (this.ticking !== undefined) return this.ticking;
    this.ticking = this.emitAll().finally(() => (this.ticking = undefined));
    return this.ticking;
  }

  private async emitAll(): Promise<void> {
    const t = this.now();
    let n = 0;
    let stale = 0;
    const ttl = this.config.group_ttl;
    try {
      await appendUnit(this.settings.sink, (app) => {
        for (const g of [...this.store.all()]) {
          if (ttl > 0 && t - lastActivity(g) >= ttl) {
            this.store.deleteGroup(g);
            stale += this.emitter.appendGone(app, g.key, t);
            this.metrics.expiredGroups.inc();
            this.scheduleSave();
            continue;
          }
          n += this.emitter.appendGroup(app, g, t);
        }
        this.metrics.groups.set(this.store.size);
      });
      this.metrics.emittedSamples.inc(n + stale);
      this.metrics.staleMarkers.inc(stale);
    } catch (err) {
      this.metrics.error((err as Error)?.name ?? 'unknown', 'emit');
      this.settings.logger?.warn({ err }, 'pushgateway: emitting pushed groups failed; retrying next interval');
    }
  }

  private async handlePush(r: PushRequest): Promise<PushAnswer> {
    const p = this.config.route_prefix;
    const grouping = this.rules.groupingKey(parseGroupingKey(r.url.pathname.slice(p.length + '/metrics/job'.length)));
    const t = this.now();
    if (r.req.method === 'DELETE') {
      const gone = this.store.delete(grouping);
      if (gone !== undefined) {
        this.scheduleSave();
        const n = await appendUnit(this.settings.sink, (app) => this.emitter.appendGone(app, gone.key, t), (app) => this.edge.commit(app, r.written));
        this.metrics.staleMarkers.inc(n);
      }
      this.metrics.groups.set(this.store.size);
      return { status: 202 };
    }
    const format = formatOf(r.req.headers['content-type']);
    let parsed;
    try {
      parsed = parseExposition(r.body, { format, strict: false });
    } catch (err) {
      if (err instanceof ExpositionParseError) {
        throw new InvalidPushError(err.message, 'parse_error', { line: err.line, column: err.column }, { cause: err });
      }
      throw err;
    }
    parsed.samples.forEach((s, i) => {
      if (s.histogram !== undefined) checkHistogram(s.labels, s.histogram, i);
    });
    r.tally.receive(parsed.samples.length);
    this.edge.seriesLimits.checkSeriesCount(parsed.samples.length);
    parsed.samples.forEach((s, i) => this.edge.seriesLimits.checkLabels(s.labels, `sample ${i + 1}`));
    const converted = convertPush(parsed, grouping);
    let group: MetricGroup;
    try {
      group = this.store.push({ grouping, families: converted.families, replace: r.req.method === 'PUT', hasTimestamps: converted.hasTimestamps, nowMs: t });
    } finally {
      this.scheduleSave(); // a failed push changes push_failure_time_seconds
      this.metrics.groups.set(this.store.size);
    }
    const n = await appendUnit(this.settings.sink, (app) => this.emitter.appendGroup(app, group, t), (app) => this.edge.commit(app, r.written));
    r.tally.accept(parsed.samples.length);
    this.metrics.emittedSamples.inc(n);
    return { status: 200 };
  }

  /** The pushed groups in the format the Accept header prefers, as promhttp negotiates it: delimited protobuf (native histograms included) or text. */
  private serveMetrics(res: ServerResponse, req: IncomingMessage): void {
    // UTF-8 names as the Accept header's escaping asks, underscores when it names none (promhttp);
    // the Content-Type stays as the Pushgateway Debian ships (client_golang before escaping) sends it.
    const escaping = negotiateEscaping(req.headers.accept);
    const families = escapeGathered(gatherFamilies(this.store.all()), escaping);
    if (prefersDelimitedProtobuf(req.headers.accept)) {
      res.writeHead(200, { 'content-type': PROMETHEUS_PROTOBUF_CONTENT_TYPE });
      res.end(writePushgatewayProtobuf(families));
      return;
    }
    res.writeHead(200, { 'content-type': PROMETHEUS_TEXT_CONTENT_TYPE });
    res.end(writePushgatewayText(families));
  }

  private async wipe(res: ServerResponse): Promise<void> {
    const t = this.now();
    const n = await appendUnit(
      this.settings.sink,
      (app) => {
        let gone = 0;
        for (const g of this.store.wipe()) gone += this.emitter.appendGone(app, g.key, t);
        this.scheduleSave();
        this.metrics.groups.set(0);
        return gone;
      },
      // Not a push (no write token is answered), as Pushgateway's wipe.
      (app) => this.edge.commit(app, undefined),
    );
    this.metrics.staleMarkers.inc(n);
    res.writeHead(202);
    res.end();
  }

  private status(): unknown {
    const c = this.config;
    return {
      flags: {
        'web.route-prefix': c.route_prefix,
        'persistence.file': this.file ?? '',
        'persistence.interval': `${c.persistence_interval}ms`,
        'push.disable-consistency-check': String(!c.consistency_check),
        'web.enable-admin-api': String(c.enable_admin_api),
        'emit.interval': `${this.intervalMs}ms`,
        'group.ttl': `${c.group_ttl}ms`,
      },
      start_time: this.startTime.toISOString(),
      build_information: { version: 'tidemark', branch: '', revision: '', buildUser: '', buildDate: '', goVersion: '' },
    };
  }

  /** GET-style handlers: auth as configured, errors through the edge's single mapping. */
  private read(serve: (res: ServerResponse, req: IncomingMessage) => void | Promise<void>): HttpHandler {
    return async (req, res) => {
      try {
        this.auth.check(req);
        await serve(res, req);
      } catch (err) {
        sendHttpError(res, httpErrorAnswer(err));
      }
    };
  }

  private async load(): Promise<void> {
    if (this.file === undefined) return;
    const groups = await readGroupsFile(this.file, (labels) => MetricStore.groupKey(labels));
    for (const g of groups) {
      this.store.restore(g);
      this.emitter.remember(g);
    }
    this.metrics.groups.set(this.store.size);
  }

  private scheduleSave(): void {
    if (this.file === undefined || this.saveTimer !== undefined) return;
    if (this.stopped) {
      this.save();
      return;
    }
    this.saveTimer = setTimeout(() => {
      this.saveTimer = undefined;
      this.save();
    }, this.config.persistence_interval);
    this.saveTimer.unref();
  }

  private save(): void {
    const file = this.file as string;
    this.saving = this.saving
      .then(() => writeGroupsFile(file, this.store.all()))
      .catch((err) => {
        this.metrics.error((err as Error)?.name ?? 'unknown', 'persist');
        this.settings.logger?.warn({ err }, 'pushgateway: writing the persistence file failed');
      });
  }
}

function lastActivity(g: MetricGroup): number {
  return Math.max(g.lastPushMs, g.lastFailureMs, g.pushFamilyAtMs, g.failureFamilyAtMs);
}

/**
 * A pushed native histogram is refused unless valid as it will be stored (schemas 9..52 reduced to
 * 8): it would be stored after the 2xx.
 */
function checkHistogram(labels: Labels, h: HistogramValue, index: number): void {
  try {
    storedHistogram(h).validate();
  } catch (err) {
    if (!(err instanceof HistogramError)) throw err;
    throw new InvalidPushError(`invalid histogram for metric ${formatLabels(labels)}: ${err.message}`, 'invalid_histogram', { series: index + 1 }, { cause: err });
  }
}

/**
 * The format of a push body, as the Pushgateway tells it: delimited protobuf (what client_golang's
 * push package sends) by its media type and parameters, OpenMetrics, otherwise the text format.
 */
function formatOf(contentType: string | undefined): ScrapeFormat {
  const ct = (contentType ?? '').toLowerCase();
  if (ct.startsWith('application/openmetrics-text')) return 'openmetrics';
  if (ct.startsWith('application/vnd.google.protobuf')) {
    const params = ct.split(';').slice(1).map((p) => p.replace(/\s+/g, ''));
    if (!params.includes('proto=io.prometheus.client.metricfamily') || !params.includes('encoding=delimited')) {
      throw new UnsupportedMediaTypeError('protobuf pushes must be proto=io.prometheus.client.MetricFamily; encoding=delimited');
    }
    return 'protobuf';
  }
  return 'prometheus';
}

function notFound(res: ServerResponse): void {
  res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' });
  res.end('404 page not found\n');
}

function json(res: ServerResponse, body: string): void {
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(body);
}
