import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Registry } from 'prom-client';
import type { Appender } from '../../schemas/sample-sink.js';
import { addAcknowledged, encodeWriteToken, WRITE_TOKEN_HEADER } from '../../schemas/write-token.js';
import { EdgeAuth, type QueryCredentials } from './auth.js';
import { defaultEdgeLimits, type EdgeAuthConfig, type EdgeLimitsConfig } from './config.js';
import { EdgeError, MethodNotAllowedError, OverloadedError, SinkUnavailableError } from './errors.js';
import { httpErrorAnswer, sendHttpError } from './http-errors.js';
import type { Backpressure } from './lag-backpressure.js';
import { EdgeMetrics } from './metrics.js';
import { readBody } from './read-body.js';
import { SeriesLimits } from './series-limits.js';

export type HttpHandler = (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<void>;

export interface PushEdgeSettings {
  /** Connector name in metrics: `remote_write`, `influx`, ... */
  readonly connector: string;
  readonly registry: Registry;
  readonly auth?: EdgeAuthConfig;
  readonly limits?: EdgeLimitsConfig;
  readonly backpressure?: Backpressure;
}

/** Counts of one request's samples; whatever is neither accepted nor rejected when the handler throws is rejected with the error's reason. */
export class SampleTally {
  received = 0;
  accepted = 0;
  rejected = 0;
  constructor(private readonly metrics: EdgeMetrics) {}

  receive(n: number): void {
    this.received += n;
    this.metrics.received.inc(n);
  }

  accept(n: number): void {
    this.accepted += n;
    this.metrics.accepted.inc(n);
  }

  reject(n: number, reason: string): void {
    this.rejected += n;
    this.metrics.rejected(n, reason);
  }
}

export interface PushRequest {
  readonly req: IncomingMessage;
  readonly url: URL;
  /** The body as sent (still compressed), within body_size_limit. */
  readonly body: Buffer;
  readonly tally: SampleTally;
  /**
   * Where the bus placed what this request committed (partition -> offset), for the answer's
   * write token: pass it to `PushEdge.commit`.
   */
  readonly written: Map<number, number>;
}

/** What a push handler answers on success: 204 by default. */
export interface PushAnswer {
  readonly status?: number;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string;
}

/**
 * The HTTP edge every push connector shares: method check, auth, load shedding (in-flight bound,
 * optional lag backpressure), the body size limit, metrics, and the mapping of errors to statuses
 * (http-errors.ts). A connector supplies only the decoding and appending.
 */
export class PushEdge {
  readonly metrics: EdgeMetrics;
  readonly limits: EdgeLimitsConfig;
  readonly seriesLimits: SeriesLimits;
  private readonly auth: EdgeAuth;
  private inFlight = 0;

  /** The newest timestamp (ms) a sample received `now` may carry (max_future_ms; unbounded at 0). */
  newestAllowed(now = Date.now()): number {
    return this.limits.max_future_ms > 0 ? now + this.limits.max_future_ms : Number.POSITIVE_INFINITY;
  }

  /** The oldest timestamp (ms) a sample received `now` may carry (max_age_ms; unbounded when 0 or unset). */
  oldestAllowed(now = Date.now()): number {
    const age = this.limits.max_age_ms ?? 0;
    return age > 0 ? now - age : Number.NEGATIVE_INFINITY;
  }

  constructor(private readonly settings: PushEdgeSettings) {
    this.metrics = new EdgeMetrics(settings.registry, settings.connector);
    this.limits = settings.limits ?? defaultEdgeLimits();
    this.seriesLimits = new SeriesLimits(this.limits);
    this.auth = new EdgeAuth(settings.auth);
  }

  /**
   * Wraps a push handler. `queryCredentials` extracts credentials from the URL for protocols
   * that allow them there (InfluxDB 1.x `u`/`p`).
   */
  handler(
    methods: readonly string[],
    handle: (push: PushRequest) => Promise<PushAnswer | void>,
    queryCredentials?: (url: URL) => QueryCredentials,
  ): HttpHandler {
    return async (req, res, url) => {
      const tally = new SampleTally(this.metrics);
      let counted = false;
      try {
        if (!methods.includes(req.method ?? '')) throw new MethodNotAllowedError(req.method ?? '', methods);
        this.auth.check(req, queryCredentials?.(url));
        this.admit();
        this.inFlight++;
        this.metrics.inFlight.inc();
        counted = true;
        const body = await readBody(req, this.limits.body_size_limit);
        const written = new Map<number, number>();
        // Passed down, not carried by an AsyncLocalStorage: one would switch on V8's promise
        // hooks for the whole process, a cost on every promise of ingest and queries alike.
        const answer = (await handle({ req, url, body, tally, written })) ?? {};
        const status = answer.status ?? 204;
        const headers = written.size === 0 ? answer.headers ?? {} : { ...answer.headers, [WRITE_TOKEN_HEADER]: encodeWriteToken(written) };
        res.writeHead(status, headers);
        res.end(answer.body);
        this.metrics.request(status);
      } catch (err) {
        const a = httpErrorAnswer(err);
        tally.reject(tally.received - tally.accepted - tally.rejected, a.reason);
        this.metrics.error(err instanceof EdgeError ? err.code : (err as Error)?.name ?? 'unknown', 'push');
        this.metrics.request(a.status);
        sendHttpError(res, a);
      } finally {
        if (counted) {
          this.inFlight--;
          this.metrics.inFlight.dec();
        }
      }
    };
  }

  /**
   * Commits an appender; a failure means the bus did not acknowledge, so nothing may be reported
   * stored: it becomes a 503 the sender retries. Where the bus placed the records goes into the
   * answer's write token (read-your-writes): `written` is the request's (PushRequest), none for
   * a commit no request asked for.
   */
  async commit(appender: Appender, written: Map<number, number> | undefined): Promise<void> {
    try {
      await appender.commit();
      const acked = appender.acknowledged?.();
      if (written !== undefined && acked !== undefined) addAcknowledged(written, acked);
    } catch (err) {
      // A sink that checks limits at commit (tenants' limits shared by the replicas) answers for itself.
      if (err instanceof EdgeError) throw err;
      throw new SinkUnavailableError(
        `samples not stored: the bus did not acknowledge them: ${(err as Error)?.message ?? String(err)}`,
        this.limits.retry_after,
        { cause: err },
      );
    }
  }

  private admit(): void {
    const max = this.limits.max_in_flight_requests;
    if (max > 0 && this.inFlight >= max) {
      throw new OverloadedError(`${this.inFlight} push requests in flight, the limit is ${max}; retry later`, this.limits.retry_after);
    }
    this.settings.backpressure?.check();
  }
}
