import { isUtf8 } from 'node:buffer';
import {
  contentEncoding,
  decodeBody,
  InvalidPushError,
  LimitExceededError,
  type PushAnswer,
  type PushEdge,
  type PushRequest,
} from '../http-edge/index.js';
import { appendUnit, type SampleSink } from '../../schemas/sample-sink.js';
import type { InfluxConfig } from './config.js';
import { LineProtocolError } from './errors.js';
import { parseLine, parsePrecision, timestampToMs } from './line-parser.js';
import { PointMapper } from './point-mapper.js';

/**
 * `POST /write` (InfluxDB 1.x: `db`, `precision`, `rp` ignored) and `POST /api/v2/write`
 * (`bucket`, `org`, `precision`). Bad lines are handled as InfluxDB 1.x does: every valid line is
 * stored and the request answered 400 "partial write" naming the first bad line and column and
 * how many lines were dropped (VictoriaMetrics instead logs bad lines and answers 204; a 400
 * tells the sender, which Telegraf then reports). The answer is 204 only after the bus acknowledged.
 */
export class InfluxHandler {
  private readonly mapper: PointMapper;

  constructor(
    private readonly edge: PushEdge,
    private readonly sink: SampleSink,
    config: InfluxConfig,
    private readonly v2: boolean,
  ) {
    this.mapper = new PointMapper(config);
  }

  async handle({ req, url, body, tally, written }: PushRequest): Promise<PushAnswer> {
    const edge = this.edge;
    const precisionArg = url.searchParams.get('precision');
    const precision = parsePrecision(precisionArg);
    if (precision === undefined) {
      throw new InvalidPushError(`invalid precision "${precisionArg}" (use ns, us, ms, s${this.v2 ? '' : ', m, h'})`, 'invalid_request');
    }
    const raw = await decodeBody(body, contentEncoding(req.headers['content-encoding']), ['', 'gzip', 'x-gzip'], edge.limits.decompressed_body_size_limit);
    // InfluxDB 1.x maps `db` to a label in VictoriaMetrics; v2's bucket is not mapped (as VictoriaMetrics).
    const db = this.v2 ? null : url.searchParams.get('db');
    const text = raw.toString('utf8');
    // Labels must be valid UTF-8 (remote_write refuses them too); such lines are bad lines.
    const badUtf8 = isUtf8(raw) ? undefined : linesWithInvalidUtf8(raw);
    const now = Date.now();
    const newest = edge.newestAllowed(now);
    const oldest = edge.oldestAllowed(now);
    let appended = 0;
    let lines = 0;
    let dropped = 0;
    let first: LineProtocolError | LimitExceededError | undefined;
    let lineNo = 0;
    await appendUnit(
      this.sink,
      (app) => {
        for (let start = 0; start <= text.length; ) {
          let end = text.indexOf('\n', start);
          if (end < 0) end = text.length;
          lineNo++;
          let line = text.slice(start, end);
          start = end + 1;
          if (line.endsWith('\r')) line = line.slice(0, -1);
          const trimmed = line.trimStart();
          if (trimmed === '' || trimmed.startsWith('#')) continue;
          lines++;
          if (edge.limits.series_limit > 0 && lines > edge.limits.series_limit) {
            throw new LimitExceededError(`request has more than ${edge.limits.series_limit} lines, the series limit`, 'series_limit', edge.limits.series_limit, lines);
          }
          try {
            if (badUtf8?.has(lineNo) === true) throw new LineProtocolError(lineNo, line.indexOf('\uFFFD') + 1, 'invalid UTF-8');
            const point = parseLine(trimmed, lineNo);
            let t = now;
            if (point.timestamp !== undefined) {
              const ms = timestampToMs(point.timestamp, precision);
              if (ms === undefined) throw new LineProtocolError(lineNo, line.length - trimmed.length + trimmed.lastIndexOf(point.timestamp) + 1, `timestamp ${point.timestamp} out of range`);
              t = ms;
              if (t > newest) {
                const column = line.length - trimmed.length + trimmed.lastIndexOf(point.timestamp) + 1;
                throw new LineProtocolError(lineNo, column, `timestamp ${point.timestamp} is more than ${edge.limits.max_future_ms} ms ahead of the receiving clock (limits.max_future_ms)`, 'too_far_in_future');
              }
              if (t < oldest) {
                const column = line.length - trimmed.length + trimmed.lastIndexOf(point.timestamp) + 1;
                throw new LineProtocolError(lineNo, column, `timestamp ${point.timestamp} is more than ${edge.limits.max_age_ms} ms behind the receiving clock (limits.max_age_ms)`, 'too_old');
              }
            }
            const where = `line ${lineNo}`;
            const series: Array<[Record<string, string>, number]> = [];
            this.mapper.map(point, db, (labels, v) => {
              edge.seriesLimits.checkLabels(labels, where);
              series.push([labels, v]);
            });
            tally.receive(series.length);
            for (const [labels, v] of series) app.append(labels, t, v);
            appended += series.length;
          } catch (err) {
            if (!(err instanceof LineProtocolError || err instanceof LimitExceededError)) throw err;
            dropped++;
            tally.receive(1);
            tally.reject(1, err.reason);
            first ??= err;
          }
        }
      },
      (app) => edge.commit(app, written),
    );
    tally.accept(appended);
    if (first !== undefined) {
      throw new InvalidPushError(`partial write: ${first.message}; dropped=${dropped} of ${lines} lines`, 'already_counted', first.location);
    }
    return { status: 204 };
  }
}

/** 1-based numbers of the lines (split at \n bytes) that are not valid UTF-8. */
function linesWithInvalidUtf8(raw: Buffer): Set<number> {
  const bad = new Set<number>();
  let lineNo = 0;
  for (let start = 0; start <= raw.length; ) {
    let end = raw.indexOf(0x0a, start);
    if (end < 0) end = raw.length;
    lineNo++;
    if (!isUtf8(raw.subarray(start, end))) bad.add(lineNo);
    start = end + 1;
  }
  return bad;
}
