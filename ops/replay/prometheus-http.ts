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
   * Samples per write request (default 10,000). Larger ones (100,000) cost a Tidemark a little
   * less CPU, but the next rule's range query then waits behind a large request.
   */
  readonly writeBatchSamples?: number;
  /** Write float samples by remote_write only, never as series runs. */
  readonly remoteWriteOnly?: boolean;
}

// The remote_write encoders (protobuf, snappy) load on first use: a Tidemark takes a replay's
// float output as series runs, and loading them cost every run some 45 CPU-ms at start.
const remoteWriteEncoder = () => import('./write-request.js');
const histogramEncoder = () => import('../import/histogram-write-request.js');

export class PrometheusHttp {
  private readonly base: string;
  private readonly headers: Record<string, string>;
  /** Where a Tidemark acknowledged the writes so far (its write tokens merged); empty for other servers. */
  private readonly written = new Map<number, number>();
  /** Whether the server takes series runs: unknown until the first answer, false after a 4xx to it. */
  private seriesRuns: boolean | undefined;

  constructor(url: string, private readonly opts: PrometheusHttpOptions = {}) {
    this.base = url.replace(/\/+$/, '');
    this.headers = { ...opts.headers };
    if (opts.remoteWriteOnly === true) this.seriesRuns = false;
  }

  private async api<T>(path: string, params: Record<string, string>, query: string, extraHeaders: Record<string, string> = {}): Promise<T> {
    const url = `${this.base}${path}`;
    let res: Response;
    try {
      res = await fetch(url, {
        method: 'POST',
        headers: { ...this.headers, ...extraHeaders, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams(params).toString(),
      });
    } catch (err) {
      throw new PrometheusHttpError(`cannot reach the query API: ${(err as Error).message}`, { url, query });
    }
    const text = await res.text();
    let body: ApiAnswer<T>;
    try {
      body = JSON.parse(text) as ApiAnswer<T>;
    } catch {
      throw new PrometheusHttpError(`not a Prometheus API answer: ${text.slice(0, 200)}`, { url, status: res.status, query });
    }
    if (body.status !== 'success' || body.data === undefined) throw new PrometheusHttpError(body.error ?? 'query failed', { url, status: res.status, query });
    return body.data;
  }

  /** `/api/v1/query_range`; a scalar answer comes back as one series without labels. */
  async queryRange(expr: string, startMs: number, endMs: number, stepMs: number): Promise<RangeSeries[]> {
    const data = await this.api<{ resultType: string; result: unknown }>('/api/v1/query_range', {
      query: expr, start: String(startMs / 1000), end: String(endMs / 1000), step: String(stepMs / 1000),
    }, expr);
    if (data.resultType !== 'matrix') throw new PrometheusHttpError(`range query answered ${data.resultType}, not matrix`, { url: this.base, query: expr });
    return (data.result as { metric: Labels; values?: [number, string][]; histograms?: [number, ApiHistogram][] }[]).map((s) => {
      const timestamps: number[] = [];
      const values: number[] = [];
      for (const [t, v] of s.values ?? []) {
        timestamps.push(Math.round(t * 1000));
        values.push(Number(v));
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
    if (data.resultType === 'scalar') return [{ labels: {}, value: Number((data.result as [number, string])[1]) }];
    if (data.resultType !== 'vector') throw new PrometheusHttpError(`instant query answered ${data.resultType}`, { url: this.base, query: expr });
    return (data.result as { metric: Labels; value: [number, string] }[]).map((s) => ({ labels: s.metric, value: Number(s.value[1]) }));
  }

  /**
   * Writes samples in requests of at most `writeBatchSamples`, each series' samples in time
   * order; any non-2xx answer is an error. Float samples go as series runs, one per series across
   * the call (seriesRunsBodies), to `/api/v1/import/series-runs` (checked against the server's `ingest.import`
   * auth and limits); a server that answers the first of them with a 4xx (Prometheus,
   * VictoriaMetrics, an older Tidemark, other credentials for imports) gets that batch and all
   * later ones by remote_write (`/api/v1/write`), as do label sets a series run cannot carry.
   * Native-histogram samples (recording rules over histograms) go by remote_write, in requests
   * of their own.
   */
  async write(samples: readonly WriteSample[]): Promise<void> {
    const floats = samples.some((s) => s.histogram !== undefined) ? samples.filter((s) => s.histogram === undefined) : samples;
    const histograms = floats === samples ? [] : samples.filter((s) => s.histogram !== undefined);
    const batch = this.opts.writeBatchSamples ?? 10_000;
    let byRemoteWrite: readonly WriteSample[] = floats;
    if (this.seriesRuns !== false && floats.length > 0) {
      const { bodies, unfit } = seriesRunsBodies(floats, batch);
      byRemoteWrite = unfit;
      for (const b of bodies) {
        if (await this.postSeriesRuns(b.body)) continue;
        await this.post('/api/v1/write', (await remoteWriteEncoder()).encodeWriteRequest(b.samples));
      }
    }
    for (let i = 0; i < byRemoteWrite.length; i += batch) await this.post('/api/v1/write', (await remoteWriteEncoder()).encodeWriteRequest(byRemoteWrite.slice(i, i + batch)));
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
    const res = await this.send(url, body, { 'content-type': SERIES_RUNS_CONTENT_TYPE }, 'the series-runs import endpoint');
    if (this.seriesRuns === undefined && res.status >= 400 && res.status < 500 && res.status !== 429) {
      await res.body?.cancel();
      this.seriesRuns = false;
      return false;
    }
    if (!res.ok) throw new PrometheusHttpError(`series runs refused: ${(await res.text()).slice(0, 300)}`, { url, status: res.status });
    this.seriesRuns = true;
    this.noteWriteToken(res, url);
    await res.body?.cancel();
    return true;
  }

  private async post(path: string, body: Uint8Array): Promise<void> {
    const url = `${this.base}${path}`;
    const res = await this.send(url, body, { 'content-type': 'application/x-protobuf', 'content-encoding': 'snappy', 'x-prometheus-remote-write-version': '0.1.0' }, 'the remote_write endpoint');
    if (!res.ok) throw new PrometheusHttpError(`remote_write refused: ${(await res.text()).slice(0, 300)}`, { url, status: res.status });
    this.noteWriteToken(res, url);
    await res.body?.cancel();
  }

  private async send(url: string, body: Uint8Array, headers: Record<string, string>, what: string): Promise<Response> {
    try {
      return await fetch(url, { method: 'POST', headers: { ...this.headers, ...headers }, body });
    } catch (err) {
      throw new PrometheusHttpError(`cannot reach ${what}: ${(err as Error).message}`, { url });
    }
  }

  /** Merges the write token of a Tidemark's answer into where the writes so far were acknowledged. */
  private noteWriteToken(res: Response, url: string): void {
    const token = res.headers.get(WRITE_TOKEN_HEADER);
    if (token === null) return;
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
    let res: Response;
    try {
      res = await fetch(url, { method: 'POST', headers: { ...this.headers, 'content-type': 'application/json' }, body: encodeReplayedAlertEvents(body) });
    } catch (err) {
      throw new PrometheusHttpError(`cannot reach the alert history endpoint: ${(err as Error).message}`, { url });
    }
    const text = await res.text();
    if (res.status === 404) return false;
    if (!res.ok) throw new PrometheusHttpError(`alert history refused: ${text.slice(0, 300)}`, { url, status: res.status });
    return true;
  }

  /** The writes acknowledged so far as one write token; undefined when the server gave none. */
  writeToken(): string | undefined {
    return this.written.size === 0 ? undefined : encodeWriteToken(this.written);
  }
}
