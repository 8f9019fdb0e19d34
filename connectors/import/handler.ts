import {
  contentEncoding,
  decodeBody,
  InvalidPushError,
  LimitExceededError,
  type PushAnswer,
  type PushEdge,
  type PushRequest,
} from '../http-edge/index.js';
import { isValidLabelName } from '../../schemas/labels.js';
import { appendUnit, type SampleSink } from '../../schemas/sample-sink.js';
import type { ImportConfig } from './config.js';
import { CsvFormatError, csvRows, parseCsvColumns } from './csv-columns.js';
import { ImportLineError } from './errors.js';
import { expositionLines } from './exposition-lines.js';
import type { ImportFormat, SeriesCallback } from './import-format.js';
import type { ImportMetrics } from './import-metrics.js';
import { readSeriesRuns, SeriesRunsBodyError } from './series-runs-body.js';
import { vmJsonLines } from './vm-json-lines.js';

/** Which body an endpoint reads. */
export type ImportEndpoint = 'vm-json' | 'prometheus' | 'csv' | 'series-runs';

/**
 * `POST /api/v1/import` (VictoriaMetrics JSON lines), `/api/v1/import/prometheus` (text format,
 * or OpenMetrics when the Content-Type says so) and `/api/v1/import/csv?format=...`. Query args
 * as in VictoriaMetrics: `extra_label=name=value` (repeatable) adds a label to every series,
 * `timestamp` stamps samples that carry none.
 *
 * Every good line is stored; bad lines are listed in a 400 answer by line number and reason, so
 * a sender knows exactly what was not taken and nothing it was told is stored is lost. As for
 * remote_write, the answer (204, or that 400) comes only after the bus acknowledged the samples.
 */
export class ImportHandler {
  constructor(
    private readonly edge: PushEdge,
    private readonly sink: SampleSink,
    private readonly config: ImportConfig,
    private readonly endpoint: ImportEndpoint,
    private readonly metrics?: ImportMetrics,
  ) {}

  async handle(request: PushRequest): Promise<PushAnswer> {
    const counts = { samples: 0, lines: 0, badLines: 0 };
    try {
      const answer = await this.store(request, counts);
      this.metrics?.answered(this.endpoint, 'stored', counts);
      return answer;
    } catch (err) {
      this.metrics?.answered(this.endpoint, counts.badLines > 0 && err instanceof InvalidPushError ? 'partial' : 'refused', counts);
      throw err;
    }
  }

  private async store({ req, url, body, tally, written }: PushRequest, counts: { samples: number; lines: number; badLines: number }): Promise<PushAnswer> {
    const edge = this.edge;
    const extra = extraLabels(url.searchParams.getAll('extra_label'));
    const defaultTimestamp = parseDefaultTimestamp(url.searchParams.get('timestamp'));
    const format = this.format(url, req.headers['content-type'], defaultTimestamp);
    const raw = await decodeBody(body, contentEncoding(req.headers['content-encoding']), ['', 'gzip', 'x-gzip'], edge.limits.decompressed_body_size_limit);
    const newest = edge.newestAllowed();
    const oldest = edge.oldestAllowed();
    const bad: ImportLineError[] = [];
    let badCount = 0;
    let seriesCount = 0;
    let appended = 0;
    let lines = 0;
    // Samples read, handed to the tally in one go: a counter increment per line was 2% of the
    // server's CPU on a file of one sample per line.
    let received = 0;
    let prev: Record<string, string> | undefined;
    const onBad = (err: ImportLineError) => {
      badCount++;
      received++;
      tally.receive(received);
      received = 0;
      tally.reject(1, err.reason);
      if (bad.length < this.config.max_errors_listed) bad.push(err);
    };
    try {
      await appendUnit(
        this.sink,
        (app) => {
          const onSeries: SeriesCallback = (labels, timestamps, values, line, stale) => {
            for (const name in extra) labels[name] = extra[name];
            // Consecutive lines of one series (exposition and CSV files are mostly series after
            // series) hand the sink the same object, which it recognises without hashing again.
            if (prev !== undefined && sameLabels(prev, labels)) {
              labels = prev;
            } else {
              // Runs of one series count once: a file that is series after series is not refused
              // for having many samples.
              seriesCount++;
              const limit = edge.limits.series_limit;
              if (limit > 0 && seriesCount > limit) {
                throw new LimitExceededError(`request has more than ${limit} series, the series limit; send smaller requests`, 'series_limit', limit, seriesCount);
              }
              try {
                edge.seriesLimits.checkLabels(labels, `line ${line}`);
              } catch (err) {
                if (err instanceof LimitExceededError) return onBad(new ImportLineError(line, err.message.replace(/^line \d+: /, ''), err.reason));
                throw err;
              }
              prev = labels;
            }
            const n = timestamps.length;
            received += n;
            let future = 0;
            let old = 0;
            for (let i = 0; i < n; i++) {
              if (timestamps[i] > newest) future++;
              else if (timestamps[i] < oldest) old++;
            }
            if (future > 0 || old > 0) {
              badCount++;
              tally.receive(received);
              received = 0;
              if (future > 0) tally.reject(future, 'too_far_in_future');
              if (old > 0) tally.reject(old, 'too_old');
              const detail = future > 0
                ? `${future} of its ${n} samples more than ${edge.limits.max_future_ms} ms ahead of the receiving clock (limits.max_future_ms)`
                : `${old} of its ${n} samples more than ${edge.limits.max_age_ms} ms behind the receiving clock (limits.max_age_ms)`;
              if (bad.length < this.config.max_errors_listed) bad.push(new ImportLineError(line, detail, future > 0 ? 'too_far_in_future' : 'too_old'));
              for (let i = 0, k = 0; i < n; i++) {
                const marker = stale !== undefined && stale[k] === i;
                if (marker) k++;
                if (timestamps[i] <= newest && timestamps[i] >= oldest) app.append(labels, timestamps[i], values[i], marker ? STALE : undefined);
              }
            } else if (stale === undefined) {
              if (app.appendRun !== undefined) app.appendRun(labels, timestamps, values, 0, n);
              else for (let i = 0; i < n; i++) app.append(labels, timestamps[i], values[i]);
            } else {
              for (let i = 0, k = 0; i < n; i++) {
                const marker = stale[k] === i;
                if (marker) k++;
                app.append(labels, timestamps[i], values[i], marker ? STALE : undefined);
              }
            }
            appended += n - future - old;
          };
          lines = format === 'series-runs' ? readRuns(raw, onSeries, onBad) : format.read(raw.toString('utf8'), onSeries, onBad);
        },
        (app) => edge.commit(app, written),
      );
    } finally {
      // Also when reading fails: the edge counts what was read and not stored as refused.
      tally.receive(received);
    }
    tally.accept(appended);
    counts.samples = appended;
    counts.lines = lines;
    counts.badLines = badCount;
    if (badCount > 0) {
      const listed = bad.map((e) => e.message);
      if (badCount > bad.length) listed.push(`... and ${badCount - bad.length} more bad lines`);
      throw new InvalidPushError(
        `partial import: ${badCount} of ${lines} lines rejected; the ${appended} samples of the other lines are stored\n${listed.join('\n')}`,
        'already_counted',
        { line: bad[0].line },
      );
    }
    // How many samples were stored, for clients that report it (tidemark import).
    return { status: 204, headers: { 'x-tidemark-imported-samples': String(appended) } };
  }

  private format(url: URL, contentType: string | undefined, defaultTimestamp: number): ImportFormat | 'series-runs' {
    switch (this.endpoint) {
      case 'series-runs':
        return 'series-runs';
      case 'vm-json':
        return vmJsonLines;
      case 'prometheus':
        return expositionLines(/^application\/openmetrics-text\b/i.test(contentType ?? '') ? 'openmetrics' : 'prometheus', defaultTimestamp);
      case 'csv':
        try {
          return csvRows(parseCsvColumns(url.searchParams.get('format')), defaultTimestamp);
        } catch (err) {
          if (err instanceof CsvFormatError) throw new InvalidPushError(err.message, 'invalid_request', {}, { cause: err });
          throw err;
        }
    }
  }
}

const STALE = { stale: true } as const;

/** A series-runs body; one that is not one at all is refused as a whole. */
function readRuns(raw: Buffer, onSeries: SeriesCallback, onBad: (err: ImportLineError) => void): number {
  try {
    return readSeriesRuns(raw, onSeries, onBad);
  } catch (err) {
    if (err instanceof SeriesRunsBodyError) throw new InvalidPushError(err.message, 'invalid_request', {}, { cause: err });
    throw err;
  }
}

function sameLabels(a: Record<string, string>, b: Record<string, string>): boolean {
  let n = 0;
  for (const k in b) {
    if (a[k] !== b[k]) return false;
    n++;
  }
  for (const _ in a) n--;
  return n === 0;
}

/** `extra_label=name=value` query args. */
function extraLabels(args: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const arg of args) {
    const eq = arg.indexOf('=');
    const name = eq < 0 ? arg : arg.slice(0, eq);
    if (eq < 0 || !isValidLabelName(name)) throw new InvalidPushError(`extra_label "${arg}": expected name=value with a valid label name`, 'invalid_request');
    out[name] = arg.slice(eq + 1);
  }
  return out;
}

/**
 * The `timestamp` query arg: RFC 3339, or a Unix timestamp in seconds (fractions allowed) or, from
 * 10^11 on (year 5138 in seconds), in milliseconds. Absent: the time of arrival.
 */
function parseDefaultTimestamp(arg: string | null): number {
  if (arg === null || arg === '') return Date.now();
  if (/^\d+(\.\d+)?$/.test(arg)) {
    const n = Number(arg);
    return Math.round(n >= 1e11 ? n : n * 1000);
  }
  const ms = Date.parse(arg);
  if (!/^\d{4}-\d\d-\d\dT/.test(arg) || !Number.isFinite(ms)) throw new InvalidPushError(`invalid timestamp "${arg}": expected RFC 3339 or Unix seconds or milliseconds`, 'invalid_request');
  return ms;
}
