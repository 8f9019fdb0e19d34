import { compareStrings } from '../../schemas/labels.js';
import { emptyLabelStats, mergeLabelStats, type LabelStats, type LabelStatsRequest } from '../tsdb/index.js';
import { parseMatchParams, requestParams } from './api-params.js';
import { writeSuccessJson } from './api-response.js';
import { jsonHandler, type ApiContext, type QueryRoute } from './api-settings.js';
import { InvalidParamError, ShardsUnavailableError } from './errors.js';

/** One part of a fan-out that can report its label statistics (a store). */
export interface LabelStatsPart {
  readonly name: string;
  labelStats(req: LabelStatsRequest): Promise<LabelStats>;
}

/**
 * Adds up the label statistics of every part (series are disjoint between stores: one partition,
 * one store). A part that fails becomes a warning; when every part fails, or one does and partial
 * responses are off, the call fails.
 */
export async function fanoutLabelStats(
  parts: readonly LabelStatsPart[],
  req: LabelStatsRequest,
  partialResponse = true,
): Promise<{ stats: LabelStats; warnings: string[] }> {
  const settled = await Promise.allSettled(parts.map((p) => p.labelStats(req)));
  const stats = emptyLabelStats();
  const failures: string[] = [];
  let firstError: unknown;
  settled.forEach((r, i) => {
    if (r.status === 'fulfilled') mergeLabelStats(stats, r.value);
    else {
      firstError ??= r.reason;
      failures.push(`shard ${parts[i].name} unavailable: ${r.reason instanceof Error ? r.reason.message : String(r.reason)}`);
    }
  });
  if (failures.length > 0 && (failures.length === parts.length || !partialResponse)) throw new ShardsUnavailableError(failures, firstError);
  return { stats, warnings: failures };
}

export interface NamedCount {
  readonly name: string;
  readonly value: number;
}

/** Options of the report: Prometheus' `limit`, VictoriaMetrics' `focusLabel`. */
export interface TsdbStatusOptions {
  readonly limit: number;
  readonly focusLabel?: string;
}

const DAY = 86_400_000;
// Go's math.MaxInt64 / MinInt64, which Prometheus reports as the times of an empty head. Written
// as JSON text: a JavaScript number cannot hold them exactly.
const EMPTY_MIN_TIME = '9223372036854775807';
const EMPTY_MAX_TIME = '-9223372036854775808';

/**
 * The answer of `/api/v1/status/tsdb`: Prometheus' fields (headStats, the four top lists, each
 * `limit` long, largest first, ties by name) and VictoriaMetrics' cardinality-explorer fields
 * (totalSeries, totalLabelValuePairs, seriesCountByLabelName, seriesCountByFocusLabelValue).
 * memoryInBytesByLabelName adds up the bytes of each label's distinct values, as Prometheus 2.x
 * does (Prometheus 3 weights each value by its series).
 */
export function tsdbStatusJson(stats: LabelStats, opts: TsdbStatusOptions): string {
  const top = (items: NamedCount[]): NamedCount[] => items.sort((a, b) => b.value - a.value || compareStrings(a.name, b.name)).slice(0, opts.limit);
  const byName: NamedCount[] = [];
  const valuesByName: NamedCount[] = [];
  const bytesByName: NamedCount[] = [];
  const pairs: NamedCount[] = [];
  let numLabelPairs = 0;
  let totalPairs = 0;
  for (const [name, values] of stats.pairs) {
    let series = 0;
    let bytes = 0;
    for (const [value, n] of values) {
      series += n;
      bytes += Buffer.byteLength(value);
      pairs.push({ name: `${name}=${value}`, value: n });
    }
    numLabelPairs += values.size;
    totalPairs += series;
    byName.push({ name, value: series });
    valuesByName.push({ name, value: values.size });
    bytesByName.push({ name, value: bytes });
  }
  const counts = (name: string | undefined): NamedCount[] =>
    name === undefined ? [] : [...(stats.pairs.get(name) ?? new Map<string, number>())].map(([value, n]) => ({ name: value, value: n }));
  const empty = !Number.isFinite(stats.head.minTime);
  const data = {
    headStats: {
      numSeries: stats.head.numSeries,
      numLabelPairs,
      chunkCount: stats.head.chunkCount,
      minTime: empty ? 0 : stats.head.minTime,
      maxTime: empty ? 0 : stats.head.maxTime,
    },
    seriesCountByMetricName: top(counts('__name__')),
    labelValueCountByLabelName: top(valuesByName),
    memoryInBytesByLabelName: top(bytesByName),
    seriesCountByLabelValuePair: top(pairs),
    totalSeries: stats.series,
    totalLabelValuePairs: totalPairs,
    seriesCountByLabelName: top(byName),
    // Always present, empty without focusLabel, as VictoriaMetrics answers.
    seriesCountByFocusLabelValue: top(counts(opts.focusLabel)),
  };
  const json = JSON.stringify(data);
  return empty ? json.replace('"minTime":0,"maxTime":0', `"minTime":${EMPTY_MIN_TIME},"maxTime":${EMPTY_MAX_TIME}`) : json;
}

/**
 * `GET|POST /api/v1/status/tsdb`: `limit` (Prometheus 3; `topN` as VictoriaMetrics names it;
 * default 10), and VictoriaMetrics' `match[]` (count only the series they select), `focusLabel`
 * and `date` (YYYY-MM-DD: series with samples on that UTC day, blocks included; without it, the
 * series in the heads, as Prometheus).
 */
export function tsdbStatusRoutes(ctx: ApiContext): QueryRoute[] {
  const source = ctx.settings.labelStats;
  if (source === undefined) return [];
  return [
    {
      methods: ['GET', 'POST'],
      path: '/api/v1/status/tsdb',
      handler: jsonHandler(async (req, res, url) => {
        const params = await requestParams(req, url);
        const limit = parsePositive(params, params.has('limit') ? 'limit' : 'topN');
        const selectors = parseMatchParams(params);
        const date = params.get('date');
        const request: LabelStatsRequest = { selectors, ...(date === null || date === '' ? {} : { range: dayRange(date) }) };
        const focus = params.get('focusLabel');
        const { stats, warnings } = await source(request);
        writeSuccessJson(res, tsdbStatusJson(stats, { limit, focusLabel: focus === null || focus === '' ? undefined : focus }), { warnings });
      }),
    },
  ];
}

function parsePositive(params: URLSearchParams, name: string): number {
  const text = params.get(name);
  if (text === null || text === '') return 10;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new InvalidParamError(name, `${name} must be a positive number`);
  return n;
}

function dayRange(text: string): { start: number; end: number } {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  const start = m === null ? NaN : Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  if (!Number.isFinite(start) || new Date(start).toISOString().slice(0, 10) !== text) throw new InvalidParamError('date', `cannot parse ${JSON.stringify(text)}: expected YYYY-MM-DD`);
  return { start, end: start + DAY - 1 };
}
