import {
  contentEncoding,
  decodeBody,
  InvalidPushError,
  LimitExceededError,
  UnsupportedMediaTypeError,
  type PushAnswer,
  type PushEdge,
  type PushRequest,
} from '../http-edge/index.js';
import { formatLabelsShort } from '../../schemas/labels.js';
import type { MetadataSink } from '../../schemas/metadata-sink.js';
import { appendUnit, type SampleSink } from '../../schemas/sample-sink.js';
import { decodeOtlpRequest } from './otlp-request.js';
import { translateOtlp } from './translate.js';

/**
 * `POST /otlp/v1/metrics` (and Prometheus' `/api/v1/otlp/v1/metrics`): OTLP/HTTP
 * ExportMetricsServiceRequest as protobuf or JSON, gzip or not. Answered 200 with an empty body
 * once the bus acknowledged, as Prometheus 3 answers; what the translation drops (delta
 * temporality, exponential histograms) is counted as rejected, and does not fail the request,
 * as there.
 */
export class OtlpHandler {
  constructor(
    private readonly edge: PushEdge,
    private readonly sink: SampleSink,
    private readonly metadata?: MetadataSink,
  ) {}

  async handle({ req, body, tally, written }: PushRequest): Promise<PushAnswer> {
    const type = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
    if (type !== 'application/x-protobuf' && type !== 'application/json') {
      throw new UnsupportedMediaTypeError(`unsupported Content-Type "${type}"; expected application/x-protobuf or application/json`);
    }
    const raw = await decodeBody(body, contentEncoding(req.headers['content-encoding']), ['', 'gzip'], this.edge.limits.decompressed_body_size_limit);
    const { samples, metadata, dropped } = translateOtlp(decodeOtlpRequest(raw, type === 'application/json'));
    tally.receive(samples.length + dropped.reduce((n, d) => n + d.points, 0));
    for (const d of dropped) if (d.points > 0) tally.reject(d.points, d.reason === 'delta temporality' ? 'delta_temporality' : 'unsupported_type');
    const newest = this.edge.newestAllowed();
    const oldest = this.edge.oldestAllowed();
    let appended = 0;
    let first: string | undefined;
    await appendUnit(
      this.sink,
      (app) => {
        for (const s of samples) {
          let problem: { message: string; reason: string } | undefined;
          try {
            this.edge.seriesLimits.checkLabels(s.labels, formatLabelsShort(s.labels));
          } catch (err) {
            if (!(err instanceof LimitExceededError)) throw err;
            problem = { message: err.message, reason: err.reason };
          }
          if (problem === undefined && s.t > newest) problem = { message: `${formatLabelsShort(s.labels)}: sample more than ${this.edge.limits.max_future_ms} ms ahead of the receiving clock`, reason: 'too_far_in_future' };
          if (problem === undefined && s.t < oldest) problem = { message: `${formatLabelsShort(s.labels)}: sample more than ${this.edge.limits.max_age_ms} ms behind the receiving clock (limits.max_age_ms)`, reason: 'too_old' };
          if (problem !== undefined) {
            tally.reject(1, problem.reason);
            first ??= problem.message;
            continue;
          }
          const st = s.st ?? 0;
          app.append(s.labels, s.t, s.stale ? Number.NaN : s.v, s.stale || st !== 0 ? { stale: s.stale, startTimestamp: st } : undefined);
          appended++;
        }
      },
      (app) => this.edge.commit(app, written),
    );
    tally.accept(appended);
    if (metadata.length > 0) this.metadata?.announce({ source: 'otlp', target: {}, complete: false, timestampMs: Date.now(), metrics: metadata });
    if (first !== undefined) {
      throw new InvalidPushError(`${samples.length - appended} of ${samples.length} samples rejected (the others were stored); first: ${first}`, 'already_counted');
    }
    return { status: 200, headers: { 'content-type': type }, body: type === 'application/json' ? '{}' : '' };
  }
}
