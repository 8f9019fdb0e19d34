import { formatLabelsShort, setLabel, type Labels } from '../../schemas/labels.js';
import {
  contentEncoding,
  decodeBody,
  InvalidPushError,
  LimitExceededError,
  UnsupportedMediaTypeError,
  type PushAnswer,
  type PushEdge,
  type PushRequest,
  withSnappyBody,
} from '../http-edge/index.js';
import type { SeriesExemplar } from '../../schemas/exemplar-codec.js';
import type { ExemplarSink } from '../../schemas/exemplar-sink.js';
import type { MetadataSink } from '../../schemas/metadata-sink.js';
import { appendUnit, type SampleSink } from '../../schemas/sample-sink.js';
import type { HaConfig } from './config.js';
import type { HaElector } from './ha-elector.js';
import type { DecodedWriteRequest } from './decoded-write-request.js';
import type { WriteRequestReader } from './write-request-reader.js';
import { WriteV2RequestReader } from './write-v2-request-reader.js';

export interface RemoteWriteHandlerDeps {
  readonly edge: PushEdge;
  readonly sink: SampleSink;
  readonly reader: WriteRequestReader;
  /** Reads remote_write 2.0 (`io.prometheus.write.v2.Request`) bodies; one with legacy names by default. */
  readonly readerV2?: WriteV2RequestReader;
  /** Where the request's metric metadata goes; none = not kept. */
  readonly metadata?: MetadataSink;
  /** Where the exemplars of stored series go; none = not kept. */
  readonly exemplars?: ExemplarSink;
  readonly ha?: { readonly config: HaConfig; readonly elector: HaElector };
}

/**
 * `POST /api/v1/write`, remote_write 1.0: snappy-compressed `prometheus.WriteRequest`.
 * Valid series are appended and committed; the answer is 204 only once the bus acknowledged
 * them. Series that break the label rules or limits are dropped and the request answered 400
 * naming the first of them (a partial write, which the spec allows); samples of an HA replica
 * that is not elected are dropped and answered 204, as Cortex and Mimir do.
 */
export class RemoteWriteHandler {
  private readonly stripped = new WeakMap<Labels, Labels>();
  /** Label sets that passed the edge's label limits (fixed for the life of the edge). */
  private readonly withinLimits = new WeakSet<Labels>();

  private readonly readerV2: WriteV2RequestReader;

  constructor(private readonly deps: RemoteWriteHandlerDeps) {
    this.readerV2 = deps.readerV2 ?? new WriteV2RequestReader();
  }

  async handle({ req, body, tally, written }: PushRequest): Promise<PushAnswer> {
    const version = protocolOf(req.headers['content-type']);
    // A sender without Content-Encoding is an old 1.0 client: the body is still snappy.
    const encoding = contentEncoding(req.headers['content-encoding']) || 'snappy';
    const { edge, sink, reader } = this.deps;
    const { decompressed_body_size_limit: sizeLimit, series_limit: seriesLimit } = edge.limits;
    if (encoding !== 'snappy') throw new UnsupportedMediaTypeError(`unsupported Content-Encoding "${encoding}"; accepted: snappy`);
    // 1.0 bodies are read while they are decompressed, so the series limit stops both early.
    let decoded: DecodedWriteRequest | undefined = version === 2
      ? this.readerV2.read(await decodeBody(body, encoding, ['snappy'], sizeLimit), seriesLimit)
      : await withSnappyBody(body, sizeLimit, (growing) => reader.readGrowing(growing, seriesLimit));
    tally.receive(decoded.samples);
    if (decoded.metadata.length > 0) {
      this.deps.metadata?.announce({ source: 'remote_write', target: {}, complete: false, timestampMs: Date.now(), metrics: decoded.metadata });
    }

    const seriesCount = decoded.seriesCount;
    const dropReplicas = await this.haVerdicts(decoded.labels, seriesCount);
    let appended = 0;
    let appendedHistograms = 0;
    let firstProblem: { index: number; labels: Labels; message: string; reason: string } | undefined;
    let badSeries = 0;
    const exemplars: SeriesExemplar[] = [];
    const ha = this.deps.ha?.config;
    const newest = edge.newestAllowed();
    const oldest = edge.oldestAllowed();
    await appendUnit(
      sink,
      (app) => {
        const { labels: seriesLabels, offsets, timestamps, values, stale, startTimestamps: starts } = decoded!;
        const { invalid, histogramsOf, exemplarsOf, labelLimitsChecked } = decoded!;
        // Let go of the request before the commit waits for the bus: objects still reachable
        // then survive young-generation collections, which copy them.
        decoded = undefined;
        // Series are appended as runs of the request's columns: no per-series sample arrays.
        const appendRun = app.appendRun?.bind(app);
        let k = 0; // next of the request's stale samples
        for (let i = 0; i < seriesCount; i++) {
          const from = offsets[i];
          const to = offsets[i + 1];
          const hs = histogramsOf.size === 0 ? undefined : histogramsOf.get(i);
          const hn = hs === undefined ? 0 : hs.timestamps.length;
          const n = to - from + hn;
          if (n === 0) continue;
          const seriesInvalid = invalid.size === 0 ? undefined : invalid.get(i);
          let problem: { message: string; reason: string } | undefined;
          if (seriesInvalid !== undefined && seriesInvalid.limit === undefined) problem = { message: seriesInvalid.message, reason: 'invalid_labels' };
          else if (hs?.invalid !== undefined) {
            problem = { message: `histogram at ${isoTime(hs.invalid.timestampMs)}: ${hs.invalid.message}`, reason: 'invalid_histogram' };
          } else if (hn > 0 && app.appendHistogram === undefined) {
            problem = { message: 'native histograms are not carried by this output', reason: 'histograms_unsupported' };
          } else if (seriesInvalid?.limit !== undefined) {
            problem = { message: seriesInvalid.message, reason: seriesInvalid.limit };
          } else if (!labelLimitsChecked && !this.withinLimits.has(seriesLabels[i])) {
            // Readers that do not check the edge's label limits (remote_write 2.0): checked here,
            // once per shared label set.
            try {
              edge.seriesLimits.checkLabels(seriesLabels[i], `series ${i}`);
              // Only shared (cached, frozen) label sets come back; checking them once is enough.
              if (Object.isFrozen(seriesLabels[i])) this.withinLimits.add(seriesLabels[i]);
            } catch (err) {
              if (!(err instanceof LimitExceededError)) throw err;
              problem = { message: err.message, reason: err.reason };
            }
          }
          if (problem !== undefined) {
            badSeries++;
            tally.reject(n, problem.reason);
            firstProblem ??= { index: i, labels: seriesLabels[i], ...problem };
            continue;
          }
          let labels: Labels = seriesLabels[i];
          if (ha !== undefined) {
            const cluster = labels[ha.cluster_label];
            const replica = labels[ha.replica_label];
            if (cluster !== undefined && replica !== undefined) {
              if (dropReplicas?.has(`${cluster}\u0000${replica}`) === true) {
                tally.reject(n, 'ha_replica_not_elected');
                continue;
              }
              labels = this.withoutReplica(labels, ha.replica_label);
            }
          }
          let future = 0;
          let old = 0;
          for (let j = from; j < to; j++) {
            if (timestamps[j] > newest) future++;
            else if (timestamps[j] < oldest) old++;
          }
          for (let j = 0; j < hn; j++) {
            if (hs!.timestamps[j] > newest) future++;
            else if (hs!.timestamps[j] < oldest) old++;
          }
          if (future > 0) {
            tally.reject(future, 'too_far_in_future');
            const first = firstOutside(timestamps, from, to, (t) => t > newest) ?? hs!.timestamps.find((t) => t > newest)!;
            firstProblem ??= {
              index: i, labels: seriesLabels[i], reason: 'too_far_in_future',
              message: `${future} of its ${n} samples more than ${edge.limits.max_future_ms} ms ahead of the receiving clock (first at ${isoTime(first)}; limits.max_future_ms)`,
            };
          }
          if (old > 0) {
            tally.reject(old, 'too_old');
            const first = firstOutside(timestamps, from, to, (t) => t < oldest) ?? hs!.timestamps.find((t) => t < oldest)!;
            firstProblem ??= {
              index: i, labels: seriesLabels[i], reason: 'too_old',
              message: `${old} of its ${n} samples more than ${edge.limits.max_age_ms} ms behind the receiving clock (first at ${isoTime(first)}; limits.max_age_ms)`,
            };
          }
          if (future > 0 || old > 0) badSeries++;
          while (k < stale.length && stale[k] < from) k++;
          const anyStale = k < stale.length && stale[k] < to;
          if (!anyStale && future === 0 && old === 0 && starts === undefined) {
            if (appendRun !== undefined) appendRun(labels, timestamps, values, from, to);
            else for (let j = from; j < to; j++) app.append(labels, timestamps[j], values[j]);
          } else {
            for (let j = from; j < to; j++) {
              const isStale = stale[k] === j;
              if (isStale) k++;
              if (timestamps[j] > newest || timestamps[j] < oldest) continue;
              const st = starts === undefined ? 0 : starts[j];
              app.append(labels, timestamps[j], values[j], isStale || st !== 0 ? { stale: isStale, startTimestamp: st } : undefined);
            }
          }
          for (let j = 0; j < hn; j++) {
            const t = hs!.timestamps[j];
            if (t > newest || t < oldest) continue;
            const st = hs!.startTimestamps?.[j] ?? 0;
            app.appendHistogram!(labels, t, hs!.histograms[j], st !== 0 ? { startTimestamp: st } : undefined);
            appendedHistograms++;
          }
          appended += n - future - old;
          const es = exemplarsOf.size === 0 ? undefined : exemplarsOf.get(i);
          if (es !== undefined) for (const e of es) exemplars.push({ series: labels, ...e });
        }
      },
      (app) => edge.commit(app, written),
    );
    tally.accept(appended);
    if (exemplars.length > 0) this.deps.exemplars?.record(exemplars);
    if (firstProblem !== undefined) {
      const { index, labels, message } = firstProblem;
      const what = labels.__name__ !== undefined ? ` ${formatLabelsShort(labels)}` : '';
      throw new InvalidPushError(
        `${badSeries} of ${seriesCount} series rejected (the others were stored); first: series ${index}${what}: ${message}`,
        'already_counted',
        { series: index },
      );
    }
    if (version === 1) return { status: 204 };
    // remote_write 2.0: what was stored, so the sender can tell a partial write.
    return {
      status: 204,
      headers: {
        'X-Prometheus-Remote-Write-Samples-Written': String(appended - appendedHistograms),
        'X-Prometheus-Remote-Write-Histograms-Written': String(appendedHistograms),
        'X-Prometheus-Remote-Write-Exemplars-Written': String(exemplars.length),
      },
    };
  }

  /** Elects per (cluster, replica) pair in the request; returns the pairs whose samples are dropped. */
  private async haVerdicts(series: readonly Labels[], count: number): Promise<Set<string> | undefined> {
    const ha = this.deps.ha;
    if (ha === undefined || !ha.config.enabled) return undefined;
    const { cluster_label: cl, replica_label: rl } = ha.config;
    const pairs = new Map<string, [string, string]>();
    let last: Labels | undefined;
    for (let i = 0; i < count; i++) {
      const labels = series[i];
      if (labels === last) continue;
      last = labels;
      const c = labels[cl];
      const r = labels[rl];
      if (c !== undefined && r !== undefined) {
        const k = `${c}\u0000${r}`;
        if (!pairs.has(k)) pairs.set(k, [c, r]);
      }
    }
    const dropped = new Set<string>();
    for (const [k, [c, r]] of pairs) if (!(await ha.elector.accept(c, r))) dropped.add(k);
    return dropped;
  }

  private withoutReplica(labels: Labels, replicaLabel: string): Labels {
    let out = this.stripped.get(labels);
    if (out === undefined) {
      const copy: Record<string, string> = {};
      for (const k in labels) if (k !== replicaLabel) setLabel(copy, k, labels[k]!);
      out = Object.freeze(copy);
      if (Object.isFrozen(labels)) this.stripped.set(labels, out); // only cached (shared) label sets repeat
    }
    return out;
  }
}

/** The remote_write version a Content-Type names: 1.0 (`prometheus.WriteRequest`, or no `proto`) or 2.0. */
function protocolOf(header: string | undefined): 1 | 2 {
  if (header === undefined || header === '') return 1; // 1.0 senders may omit it
  const [type, ...params] = header.split(';').map((p) => p.trim());
  if (type.toLowerCase() !== 'application/x-protobuf') {
    throw new UnsupportedMediaTypeError(`unsupported Content-Type "${header}"; expected application/x-protobuf`);
  }
  for (const p of params) {
    const [k, v] = p.split('=').map((x) => x.trim());
    if (k.toLowerCase() !== 'proto') continue;
    if (v === 'io.prometheus.write.v2.Request') return 2;
    if (v !== 'prometheus.WriteRequest') {
      // 415 tells a sender to fall back to another message, as the 2.0 spec asks.
      throw new UnsupportedMediaTypeError(`unsupported remote write protobuf message "${v}"; this receiver speaks prometheus.WriteRequest (1.0) and io.prometheus.write.v2.Request (2.0)`);
    }
  }
  return 1;
}

/** The first of `timestamps[from..to)` that `outside` holds for. */
function firstOutside(timestamps: Float64Array, from: number, to: number, outside: (t: number) => boolean): number | undefined {
  for (let j = from; j < to; j++) if (outside(timestamps[j])) return timestamps[j];
  return undefined;
}

/** A sample time for messages: ISO 8601 when representable, else the raw milliseconds. */
function isoTime(ms: number): string {
  const d = new Date(ms);
  return Number.isNaN(d.getTime()) ? `${ms} ms` : d.toISOString();
}
