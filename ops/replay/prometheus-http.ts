/**
 * The two ends of a running Tidemark (or any Prometheus-compatible server) that a replay uses:
 * range and instant queries through the HTTP API, and a write endpoint for what it computes:
 * series runs (`/api/v1/import/series-runs`) where the server takes them, remote_write otherwise.
 */
import type { Labels } from '../../schemas/index.js';
import { decodeWriteTokens, encodeWriteToken, WRITE_TOKEN_HEADER } from '../../schemas/write-token.js';
import type { RangeSeries } from '../../pipeline/alert/replay/index.js';
import { SERIES_RUNS_CONTENT_TYPE, SERIES_RUNS_PATH } from '../../connectors/import/series-runs-body.js';
import { histogramFromApi, type ApiHistogram } from './api-histogram.js';
import { seriesRunsBodies } from './series-runs-request.js';
import type { WriteSample } from './write-request.js';
import { encodeReplayedAlertEvents, REPLAYED_ALERT_HISTORY_PATH, type ReplayedAlertEvents } from './replayed-alert-events-body.js';
import { HttpPoster, type PostAnswer } from '../import/http-post.js';
import { matrixAnswerColumns } from './matrix-answer.js';
import { apiValue } from './api-value.js';

export class PrometheusHttpError extends Error {
  constructor(message: string, readonly context: { url: string; status?: number; query?: string }) {
    super(`${message} (${context.url}${context.status === undefined ? '' : `, HTTP ${context.status}`}${context.query === undefined ? '' : `, query ${JSON.stringify(context.query)}`})`);
    this.name = 'PrometheusHttpError';
  }
}

interface ApiAnswer<T> {
  status: 'success' | 'error';
  data?: T;
  error?: string;
}

export interface PrometheusHttpOptions {
  /** Sent with every request: the credentials and the tenant (http-credentials.ts). */
  readonly headers?: Readonly<Record<string, string>>;
  /**
   * Samples per remote_write request (default 10,000). Larger ones (100,000) cost a Tidemark a
   * little less CPU, but the next rule's range query then waits behind a large request.
   */
  readonly writeBatchSamples?: number;
  /** Write float samples by remote_write only, never as series runs. */
  readonly remoteWriteOnly?: boolean;
}

/**
 * Samples per series-runs request: a rule's chunk usually goes as one, which the server stores
 * while the next rules are evaluated (their range queries, where they read no replayed output,
 * were asked ahead; a rule that does read it waits until it is readable anyway). In requests of
 * 10,000 the rest of a chunk went out only as the command's evaluation let it.
 */
const SERIES_RUNS_BATCH_SAMPLES = 100_000;

// The remote_write encoders (protobuf, snappy) load on first use: a Tidemark takes a replay's
// float output as series runs, and loading them cost every run some 45 CPU-ms at start.
const remoteWriteEncoder = () => import('./write-request.js');
const histogramEncoder = () => import('../import/histogram-write-request.js');

export class PrometheusHttp {
  private readonly base: string;
  private readonly headers: Record<string, string>;
  /**
   * One kept-alive poster per endpoint. Node's own client rather than fetch: loading fetch's
   * client was some 20 CPU-ms of every run's start, and it copies each body before sending it.
   */
  private readonly posters = new Map<string, HttpPoster>();
  /** Where a Tidemark acknowledged the writes so far (its write tokens merged); empty for other servers. */
  private readonly written = new Map<number, number>();
  /** Whether the server takes series runs: unknown until the first answer, false after a 4xx to it. */
  private seriesRuns: boolean | undefined;

  constructor(url: string, private readonly opts: PrometheusHttpOptions = {}) {
    this.base = url.replace(/\/+$/, '');
    this.headers = { ...opts.headers };
    if (opts.remoteWriteOnly === true) this.seriesRuns = false;
  }

  /** POSTs `body` to `path`; a failure to connect or to read the answer is a PrometheusHttpError saying `what` was not reached. */
  private async send(path: string, body: Uint8Array | string, headers: Record<string, string>, what: string, query?: string): Promise<PostAnswer> {
    const url = `${this.base}${path}`;
    let poster = this.posters.get(path);
    if (poster === undefined) this.posters.set(path, (poster = new HttpPoster(url)));
    try {
      return await poster.post(body, { ...this.headers, ...headers });
    } catch (err) {
      throw new PrometheusHttpError(`cannot reach ${what}: ${(err as Error).message}`, { url, query });
    }
  }

  private async api<T>(path: string, params: Record<string, string>, query: string, extraHeaders: Record<string, string> = {}): Promise<T> {
    return this.answer<T>(await this.ask(path, params, query, extraHeaders), path, query);
  }

  private ask(path: string, params: Record<string, string>, query: string, extraHeaders: Record<string, string> = {}): Promise<PostAnswer> {
    return this.send(path, new URLSearchParams(params).toString(), { ...extraHeaders, 'content-type': 'application/x-www-form-urlencoded' }, 'the query API', query);
  }

  /** The data of a query API answer; its error when it has one. */
  private answer<T>(res: PostAnswer, path: string, query: string): T {
    const url = `${this.base}${path}`;
    let body: ApiAnswer<T>;
    try {
      body = JSON.parse(res.text) as ApiAnswer<T>;
    } catch {
      throw new PrometheusHttpError(`not a Prometheus API answer: ${res.text.slice(0, 200)}`, { url, status: res.status, query });
    }
    if (body.status !== 'success' || body.data === undefined) throw new PrometheusHttpError(body.error ?? 'query failed', { url, status: res.status, query });
    return body.data;
  }

  /** `/api/v1/query_range`; a scalar answer comes back as one series without labels. */
  async queryRange(expr: string, startMs: number, endMs: number, stepMs: number): Promise<RangeSeries[]> {
    const path = '/api/v1/query_range';
    const res = await this.ask(path, { query: expr, start: String(startMs / 1000), end: String(endMs / 1000), step: String(stepMs / 1000) }, expr);
    const columns = res.status === 200 ? matrixAnswerColumns(res.text) : undefined;
    if (columns !== undefined) return columns;
    const data = this.answer<{ resultType: string; result: unknown }>(res, path, expr);
    if (data.resultType !== 'matrix') throw new PrometheusHttpError(`range query answered ${data.resultType}, not matrix`, { url: this.base, query: expr });
    return (data.result as { metric: Labels; values?: [number, string][]; histograms?: [number, ApiHistogram][] }[]).map((s) => {
      const timestamps: number[] = [];
      const values: number[] = [];
      for (const [t, v] of s.values ?? []) {
        timestamps.push(Math.round(t * 1000));
        values.push(apiValue(v));
      }
      if (s.histograms === undefined || s.histograms.length === 0) return { labels: s.metric, timestamps, values };
      return { labels: s.metric, timestamps, values, histograms: s.histograms.map(([t, h]) => ({ t: Math.round(t * 1000), h: histogramFromApi(h) })) };
    });
  }

  /**
   * `/api/v1/query` at `timeMs`: vector samples (a scalar as one sample without labels). With
   * `afterWrites`, a Tidemark answers only once its stores hold every write acknowledged so far
   * (read-your-writes); other servers ignore the header.
   */
  async instantQuery(expr: string, timeMs: number, afterWrites = false): Promise<{ labels: Labels; value: number }[]> {
    const token = afterWrites ? this.writeToken() : undefined;
    const headers: Record<string, string> = token === undefined ? {} : { [WRITE_TOKEN_HEADER]: token };
    const data = await this.api<{ resultType: string; result: unknown }>('/api/v1/query', { query: expr, time: String(timeMs / 1000) }, expr, headers);
    if (data.resultType === 'scalar') return [{ labels: {}, value: apiValue((data.result as [number, string])[1]) }];
    if (data.resultType !== 'vector') throw new PrometheusHttpError(`instant query answered ${data.resultType}`, { url: this.base, query: expr });
    return (data.result as { metric: Labels; value: [number, string] }[]).map((s) => ({ labels: s.metric, value: apiValue(s.value[1]) }));
  }

  /**
   * Writes samples, each series' samples in time order; any non-2xx answer is an error. Float
   * samples go as series runs, one per series across the call (seriesRunsBodies), in requests of
   * at most SERIES_RUNS_BATCH_SAMPLES, to `/api/v1/import/series-runs` (checked against the server's `ingest.import`
   * auth and limits); a server that answers the first of them with a 4xx (Prometheus,
   * VictoriaMetrics, an older Tidemark, other credentials for imports) gets that batch and all
   * later ones by remote_write (`/api/v1/write`, requests of at most `writeBatchSamples`), as
   * do label sets a series run cannot carry.
   * Native-histogram samples (recording rules over histograms) go by remote_write, in requests
   * of their own.
   */
  async write(samples: readonly WriteSample[]): Promise<void> {
    const floats = samples.some((s) => s.histogram !== undefined) ? samples.filter((s) => s.histogram === undefined) : samples;
    const histograms = floats === samples ? [] : samples.filter((s) => s.histogram !== undefined);
    const batch = this.opts.writeBatchSamples ?? 10_000;
    const remoteWrite = async (samples: readonly WriteSample[]) => {
      for (let i = 0; i < samples.length; i += batch) await this.post('/api/v1/write', (await remoteWriteEncoder()).encodeWriteRequest(samples.slice(i, i + batch)));
    };
    let byRemoteWrite: readonly WriteSample[] = floats;
    if (this.seriesRuns !== false && floats.length > 0) {
      const { bodies, unfit } = seriesRunsBodies(floats, SERIES_RUNS_BATCH_SAMPLES);
      byRemoteWrite = unfit;
      for (const b of bodies) if (!(await this.postSeriesRuns(b.body))) await remoteWrite(b.samples);
    }
    await remoteWrite(byRemoteWrite);
    for (let i = 0; i < histograms.length; i += batch) {
      const { histogramWriteRequest } = await histogramEncoder();
      await this.post('/api/v1/write', histogramWriteRequest(histograms.slice(i, i + batch).map((s) => ({ labels: s.labels, histograms: { timestamps: [s.t], histograms: [s.histogram!] } }))));
    }
  }

  /**
   * True once stored; false when the server does not take series runs (a 4xx to the first, but
   * 429, which is the server's load and not the endpoint; nothing is sent once it did not): send
   * it by remote_write.
   */
  private async postSeriesRuns(body: Buffer): Promise<boolean> {
    if (this.seriesRuns === false) return false;
    const url = `${this.base}${SERIES_RUNS_PATH}`;
    const res = await this.send(SERIES_RUNS_PATH, body, { 'content-type': SERIES_RUNS_CONTENT_TYPE }, 'the series-runs import endpoint');
    if (this.seriesRuns === undefined && res.status >= 400 && res.status < 500 && res.status !== 429) {
      this.seriesRuns = false;
      return false;
    }
    if (!ok(res)) throw new PrometheusHttpError(`series runs refused: ${res.text.slice(0, 300)}`, { url, status: res.status });
    this.seriesRuns = true;
    this.noteWriteToken(res, url);
    return true;
  }

  private async post(path: string, body: Uint8Array): Promise<void> {
    const url = `${this.base}${path}`;
    const res = await this.send(path, body, { 'content-type': 'application/x-protobuf', 'content-encoding': 'snappy', 'x-prometheus-remote-write-version': '0.1.0' }, 'the remote_write endpoint');
    if (!ok(res)) throw new PrometheusHttpError(`remote_write refused: ${res.text.slice(0, 300)}`, { url, status: res.status });
    this.noteWriteToken(res, url);
  }

  /** Merges the write token of a Tidemark's answer into where the writes so far were acknowledged. */
  private noteWriteToken(res: PostAnswer, url: string): void {
    const header = res.headers[WRITE_TOKEN_HEADER.toLowerCase()];
    const token = Array.isArray(header) ? header.join(',') : header;
    if (token === undefined) return;
    try {
      for (const [p, o] of decodeWriteTokens(token)) this.written.set(p, Math.max(this.written.get(p) ?? 0, o));
    } catch (err) {
      throw new PrometheusHttpError(`the write answered a write token this client cannot read: ${(err as Error).message}`, { url, status: res.status });
    }
  }

  /**
   * Appends a replay's alert state changes to a Tidemark's alerts topic, marked replayed
   * (`POST /api/v1/alert_history/replayed`, authenticated as remote_write is). False when the
   * server has no such endpoint (404: not a Tidemark, or an older one); any other refusal throws.
   */
  async appendAlertHistory(body: ReplayedAlertEvents): Promise<boolean> {
    const url = `${this.base}${REPLAYED_ALERT_HISTORY_PATH}`;
    const res = await this.send(REPLAYED_ALERT_HISTORY_PATH, encodeReplayedAlertEvents(body), { 'content-type': 'application/json' }, 'the alert history endpoint');
    if (res.status === 404) return false;
    if (!ok(res)) throw new PrometheusHttpError(`alert history refused: ${res.text.slice(0, 300)}`, { url, status: res.status });
    return true;
  }

  /** The writes acknowledged so far as one write token; undefined when the server gave none. */
  writeToken(): string | undefined {
    return this.written.size === 0 ? undefined : encodeWriteToken(this.written);
  }
}

function ok(res: PostAnswer): boolean {
  return res.status >= 200 && res.status < 300;
}
