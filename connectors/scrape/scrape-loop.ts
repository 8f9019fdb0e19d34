import type { Agent } from 'node:http';
import { decodeUtf8 } from '../../schemas/exposition/index.js';
import { canonicalLabels, type Labels } from '../../schemas/labels.js';
import type { ExemplarSink } from '../../schemas/exemplar-sink.js';
import type { SeriesExemplar } from '../../schemas/exemplar-codec.js';
import type { MetadataSink } from '../../schemas/metadata-sink.js';
import type { MetricMetadataEntry } from '../../schemas/metric-metadata-codec.js';
import type { Appender, SampleSink } from '../../schemas/sample-sink.js';
import { schemaForMinBucketFactor } from '../../schemas/native-histogram/index.js';
import { appendPage, type PageSettings } from './append-page.js';
import type { ResolvedScrapeConfig } from './config.js';
import { ScrapeError } from './errors.js';
import { acceptHeader, httpGet, type ScrapeResponse } from './http-scraper.js';
import { logScrapeFailure } from './scrape-failure-log.js';
import { scrapeFormatOf } from './scrape-format.js';
import type { RelabelRule } from './relabel.js';
import { ScrapeCache } from './scrape-cache.js';
import type { Target } from './target.js';

/** Fetches one target's page; the HTTP scraper by default, replaceable in tests. */
export type FetchPage = (target: Target, cfg: ResolvedScrapeConfig) => Promise<ScrapeResponse>;

export interface ScrapeLoopSettings {
  readonly sink: SampleSink;
  readonly agent: Agent;
  readonly jitterSeed?: bigint;
  readonly now?: () => number;
  readonly fetch?: FetchPage;
  /** Called on an error that is not a scrape failure (the sink refused a commit). */
  readonly onError?: (err: unknown, target?: Target) => void;
  /** Where each target's metric metadata goes when it changes; none = not kept. */
  readonly metadata?: MetadataSink;
  /** Where the exemplars of committed scrapes go; none = not kept. */
  readonly exemplars?: ExemplarSink;
}

/**
 * Unchanged metadata is announced again after this long, so a reader that starts from a bus
 * whose retention dropped the first announcement still learns it.
 */
export const METADATA_REFRESH_MS = 3_600_000;

/** What one scrape did (returned for tests and metrics). */
export interface ScrapeOutcome {
  readonly error?: Error;
  readonly total: number;
  readonly added: number;
  readonly seriesAdded: number;
}

/**
 * The scrape loop of one target (Prometheus' scrapeLoop): at the target's phase of every
 * interval, GET, parse, label, limit and append the page, add the five report series, and
 * append staleness markers for series that went away. Scrapes of one target never overlap.
 */
export class ScrapeLoop {
  private cfg: ResolvedScrapeConfig;
  private rules: readonly RelabelRule[];
  private page!: PageSettings;
  private accept = '';
  private readonly cache = new ScrapeCache();
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = true;
  private lastStart = 0;
  private forcedError: Error | undefined;
  private cancelWait: (() => void) | undefined;
  private metadataText = '';
  private metadataAt = 0;

  constructor(
    readonly target: Target,
    cfg: ResolvedScrapeConfig,
    metricRelabel: readonly RelabelRule[],
    private readonly settings: ScrapeLoopSettings,
  ) {
    this.cfg = cfg;
    this.rules = metricRelabel;
    this.buildPageSettings();
  }

  private buildPageSettings(): void {
    const c = this.cfg;
    this.page = {
      targetLabels: this.target.publicLabelList,
      honorLabels: c.honor_labels,
      honorTimestamps: c.honor_timestamps,
      trackTimestampsStaleness: c.track_timestamps_staleness,
      metricRelabel: this.rules,
      limits: { labelLimit: c.label_limit, labelNameLengthLimit: c.label_name_length_limit, labelValueLengthLimit: c.label_value_length_limit },
      sampleLimit: c.sample_limit,
      nativeHistograms: c.scrape_native_histograms,
      alwaysScrapeClassicHistograms: c.always_scrape_classic_histograms,
      convertClassicHistogramsToNhcb: c.convert_classic_histograms_to_nhcb,
      nativeHistogramBucketLimit: c.native_histogram_bucket_limit,
      nativeHistogramMaxSchema: schemaForMinBucketFactor(c.native_histogram_min_bucket_factor),
      legacyNames: c.metric_name_validation_scheme === 'legacy',
    };
    this.accept = acceptHeader(c.scrape_protocols, c.metric_name_escaping_scheme);
  }

  private now(): number {
    return this.settings.now?.() ?? Date.now();
  }

  /**
   * A reload with this target unchanged: keeps the series cache (and so staleness), forgetting
   * cached label sets when something that shapes labels changed.
   */
  update(cfg: ResolvedScrapeConfig, metricRelabel: readonly RelabelRule[], labelsChanged: boolean): void {
    const intervalChanged = cfg.scrape_interval !== this.cfg.scrape_interval;
    this.cfg = cfg;
    this.rules = metricRelabel;
    this.buildPageSettings();
    if (labelsChanged) this.cache.invalidateLabels();
    if (intervalChanged && !this.stopped) {
      clearTimeout(this.timer);
      this.schedule();
    }
  }

  /** Gives up a pending end-of-run staleness wait (shutdown: Prometheus writes no markers then). */
  cancelStaleness(): void {
    this.cancelWait?.();
  }

  /** Scrapes fail with this error until cleared (target_limit exceeded), as Prometheus' forced error. */
  setForcedError(err: Error | undefined): void {
    this.forcedError = err;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.schedule();
  }

  private schedule(): void {
    const delay = this.target.offset(this.cfg.scrape_interval, this.now(), this.settings.jitterSeed ?? 0n);
    this.timer = setTimeout(() => this.tick(), delay);
    this.timer.unref?.();
  }

  private tick(): void {
    if (this.stopped) return;
    if (this.running === undefined) {
      this.running = this.scrapeAndReport()
        .catch((err) => this.settings.onError?.(err, this.target))
        .finally(() => (this.running = undefined))
        .then(() => undefined);
    }
    this.schedule();
  }

  /** One scrape now (the loop's body; tests call it directly). */
  async scrapeAndReport(): Promise<ScrapeOutcome> {
    const start = this.now();
    this.lastStart = start;
    const url = this.target.url;
    let app: Appender = this.settings.sink.appender();
    let outcome: ScrapeOutcome = { total: 0, added: 0, seriesAdded: 0 };
    let error: Error | undefined = this.forcedError;
    let exemplars: readonly SeriesExemplar[] = [];
    // scrape_body_size_bytes: the decompressed body, -1 when over body_size_limit, 0 without one.
    let bodyBytes = 0;
    this.cache.begin();
    if (error === undefined) {
      try {
        const fetch = this.settings.fetch ?? ((t: Target, c: ResolvedScrapeConfig) => httpGet(t.url, this.settings.agent, { timeoutMs: c.scrape_timeout, bodySizeLimit: c.body_size_limit, client: c, accept: this.accept, compression: c.enable_compression }));
        const res = await fetch(this.target, this.cfg);
        bodyBytes = res.body.length;
        const format = scrapeFormatOf(res.contentType, this.cfg.fallback_scrape_protocol, url);
        const page = format === 'protobuf' ? res.body : decodeUtf8(res.body, format);
        const r = appendPage(page, format, start, app, this.cache, this.page, url);
        outcome = { total: r.total, added: r.added, seriesAdded: r.seriesAdded };
        error = r.error;
        if (error === undefined) {
          this.announceMetadata([...r.metadata.values()], start);
          exemplars = r.exemplars;
        }
      } catch (err) {
        error = err instanceof ScrapeError ? err : new ScrapeError('parse', (err as Error).message, url, { cause: err });
        if (error instanceof ScrapeError && error.kind === 'body_size_limit') bodyBytes = -1;
      }
    }
    if (error === undefined) {
      this.cache.endSuccess((labels) => app.append(labels, start, Number.NaN, { stale: true }));
    } else {
      app.rollback();
      app = this.settings.sink.appender();
      this.cache.endFailure((labels) => app.append(labels, start, Number.NaN, { stale: true }));
    }
    const durationSec = (this.now() - start) / 1000;
    this.target.report(start, durationSec, error);
    const failureLog = this.cfg.scrape_failure_log_file;
    if (error !== undefined && failureLog !== '') {
      logScrapeFailure(failureLog, { timeMs: start, scrapePool: this.cfg.job_name, target: url, error: error.message })
        .catch((err: unknown) => this.settings.onError?.(err, this.target));
    }
    const values = [error === undefined ? 1 : 0, durationSec, outcome.total, outcome.added, error === undefined ? outcome.seriesAdded : 0];
    const report = this.target.reportLabels;
    for (let i = 0; i < report.length; i++) app.append(report[i], start, values[i]);
    if (this.cfg.extra_scrape_metrics) {
      const extra = [this.cfg.scrape_timeout / 1000, this.cfg.sample_limit, bodyBytes];
      const labels = this.target.extraReportLabels;
      for (let i = 0; i < labels.length; i++) app.append(labels[i], start, extra[i]);
    }
    await app.commit();
    if (exemplars.length > 0) this.settings.exemplars?.record(exemplars);
    return { ...outcome, error };
  }

  /** Hands the page's metadata on when it differs from the last announcement or that grew old. */
  private announceMetadata(metrics: MetricMetadataEntry[], now: number): void {
    const sink = this.settings.metadata;
    if (sink === undefined) return;
    metrics.sort((a, b) => (a.metric < b.metric ? -1 : a.metric > b.metric ? 1 : 0));
    const text = JSON.stringify(metrics);
    if (text === this.metadataText && now - this.metadataAt < METADATA_REFRESH_MS) return;
    this.metadataText = text;
    this.metadataAt = now;
    sink.announce({ source: this.metadataSource(), target: this.target.publicLabels, complete: true, timestampMs: now, metrics });
  }

  private metadataSource(): string {
    return `scrape ${canonicalLabels(this.target.publicLabels)} ${this.target.url}`;
  }

  /**
   * Stops scraping. With `staleness` (the target went away), waits as Prometheus does (until
   * the slot after next, plus 10% of the interval, in case the target comes back elsewhere) and
   * then marks every series of the last scrape and the report series stale, at the time of the
   * first scrape that did not happen. Without it (shutdown, reload), nothing is written.
   */
  async stop(staleness = false): Promise<void> {
    if (this.stopped && this.running === undefined) return;
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
    if (!staleness) return;
    // The target went away: so does its metadata, as from Prometheus' active targets. Also when
    // it was never scraped here: an earlier run may have announced it under the same identity.
    this.settings.metadata?.announce({ source: this.metadataSource(), target: this.target.publicLabels, complete: true, timestampMs: this.now(), metrics: [] });
    if (this.lastStart === 0) return;
    const interval = this.cfg.scrape_interval;
    const staleAt = this.lastStart + interval;
    const waitUntil = this.lastStart + 2 * interval + interval / 10;
    const waited = await new Promise<boolean>((resolve) => {
      const t = setTimeout(() => resolve(true), Math.max(0, waitUntil - this.now()));
      this.cancelWait = () => {
        clearTimeout(t);
        resolve(false);
      };
    });
    this.cancelWait = undefined;
    if (!waited) return;
    const app = this.settings.sink.appender();
    const series: Labels[] = [...this.cache.previousSeries(), ...this.target.reportLabels, ...(this.cfg.extra_scrape_metrics ? this.target.extraReportLabels : [])];
    for (const labels of series) app.append(labels, staleAt, Number.NaN, { stale: true });
    await app.commit();
  }
}
