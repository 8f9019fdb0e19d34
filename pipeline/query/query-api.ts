import type { ServerResponse } from 'node:http';
import { Engine, parseExpr, type QueryResult, type QueryValue } from '../promql/index.js';
import { parseDurationParam, parseLimitParam, parseTimeParam, requestParams } from './api-params.js';
import { capAnnotations } from './annotations.js';
import { formatValue, toApiError, writeError, writeQueryAnswer, writeSuccess } from './api-response.js';
import { walk } from '../promql/parser/walk.js';
import type { LabelMatcher } from '../tsdb/index.js';
import { jsonHandler, type ApiContext, type QueryRoute } from './api-settings.js';
import { InvalidParamError, QueryApiError } from './errors.js';
import { formatExpr } from './expr-printer.js';
import { queryEngineOptions } from './query-engine.js';
import { QueryGate } from './query-gate.js';
import { CountingQueryable, QueryStats } from './query-stats.js';
import { downsampledQuery, parseMaxSourceResolution, resolutionText, SOURCE_RESOLUTION_HEADER } from './source-resolution.js';

/**
 * `/api/v1/query`, `/api/v1/query_range`, `/api/v1/query_exemplars`, `/api/v1/format_query`
 * and `/api/v1/parse_query`, with Prometheus' parameters, answers and errors.
 */
export function queryRoutes(ctx: ApiContext): QueryRoute[] {
  const engines = new Map<number, Engine>();
  const gate = new QueryGate(ctx.config.max_concurrency);
  const engineFor = (timeoutMs: number): Engine => {
    let e = engines.get(timeoutMs);
    if (e === undefined) {
      e = new Engine(queryEngineOptions(ctx.config, timeoutMs));
      if (engines.size < 64) engines.set(timeoutMs, e);
    }
    return e;
  };
  const timeoutOf = (params: URLSearchParams): number => {
    const t = parseDurationParam(params, 'timeout');
    return t === undefined || t <= 0 ? ctx.config.timeout_ms : Math.min(t, ctx.config.timeout_ms);
  };

  // `resolution`: the downsampled tier the query reads (0 = raw), named in a response header.
  const run = async (res: ServerResponse, params: URLSearchParams, exec: (engine: Engine, q: CountingQueryable, signal: AbortSignal) => Promise<QueryResult>, resolution = 0): Promise<void> => {
    const timeoutMs = timeoutOf(params);
    const limit = parseLimitParam(params);
    const stats = new QueryStats();
    const queryable = new CountingQueryable(ctx.settings.queryable, stats, ctx.config.max_series);
    // A client that goes away cancels its query; the engine sees it at its next check.
    const ac = new AbortController();
    let canceled = false;
    const onClose = (): void => {
      if (!res.writableFinished) {
        canceled = true;
        ac.abort(new Error('client closed the connection'));
      }
    };
    res.once('close', onClose);
    const t0 = performance.now();
    const deadline = Date.now() + timeoutMs;
    let result: QueryResult;
    try {
      result = await gate.run(deadline, ac.signal, () => {
        // Time spent waiting for a slot counts against the query's timeout.
        const left = deadline - Date.now();
        return exec(left >= timeoutMs ? engineFor(timeoutMs) : engineFor(Math.max(1, left)), queryable, ac.signal);
      });
    } catch (err) {
      writeError(res, toApiError(err, { canceled: () => canceled }));
      return;
    } finally {
      res.off('close', onClose);
    }
    const totalMs = performance.now() - t0;
    const warnings = [...result.warnings];
    const value = limit > 0 ? truncate(result.value, limit, warnings) : result.value;
    // Prometheus writes `stats` inside `data`, after the result.
    const statsField = (params.get('stats') ?? '') !== '' ? `,"stats":${JSON.stringify({ ...statsJson(stats, totalMs, value, result.loadedSamples ?? stats.samples), sourceResolution: resolutionText(resolution) })}` : '';
    res.setHeader(SOURCE_RESOLUTION_HEADER, resolutionText(resolution));
    writeQueryAnswer(res, value, { warnings: capAnnotations(warnings, 'warning'), infos: capAnnotations(result.infos, 'info') }, statsField);
  };

  return [
    {
      methods: ['GET', 'POST'],
      path: '/api/v1/query',
      handler: jsonHandler(async (req, res, url) => {
        const params = await requestParams(req, url);
        const time = parseTimeParam(params, 'time', ctx.now());
        const query = params.get('query') ?? '';
        const ds = downsampledQuery(query, { start: time, end: time, interval: 0 }, ctx.config, parseMaxSourceResolution(params, ctx.config));
        await run(res, params, (engine, q, signal) => engine.instantQuery(ds.queryable(q), ds.query, time, { signal }), ds.resolution);
      }),
    },
    {
      methods: ['GET', 'POST'],
      path: '/api/v1/query_range',
      handler: jsonHandler(async (req, res, url) => {
        const params = await requestParams(req, url);
        const start = parseTimeParam(params, 'start');
        const end = parseTimeParam(params, 'end');
        if (end < start) throw new QueryApiError('bad_data', 'end timestamp must not be before start time');
        const step = parseDurationParam(params, 'step');
        if (step === undefined) throw new InvalidParamError('step', 'cannot parse "" to a valid duration');
        if (step <= 0) throw new QueryApiError('bad_data', 'zero or negative query resolution step widths are not accepted. Try a positive integer');
        // Prometheus divides durations as integers: (end - start) / step > 11000.
        if (Math.floor((end - start) / step) > ctx.config.max_points_per_series) {
          throw new QueryApiError('bad_data', `exceeded maximum resolution of ${ctx.config.max_points_per_series.toLocaleString('en-US')} points per timeseries. Try decreasing the query resolution (?step=XX)`);
        }
        const query = params.get('query') ?? '';
        const ds = downsampledQuery(query, { start, end, interval: step }, ctx.config, parseMaxSourceResolution(params, ctx.config));
        await run(res, params, (engine, q, signal) => engine.rangeQuery(ds.queryable(q), ds.query, start, end, step, { signal }), ds.resolution);
      }),
    },
    {
      methods: ['GET', 'POST'],
      path: '/api/v1/query_exemplars',
      handler: jsonHandler(async (req, res, url) => {
        const params = await requestParams(req, url);
        const start = parseTimeParam(params, 'start', Number.MIN_SAFE_INTEGER);
        const end = parseTimeParam(params, 'end', Number.MAX_SAFE_INTEGER);
        if (end < start) throw new QueryApiError('bad_data', 'end timestamp must not be before start time');
        const expr = parseQueryParam(params);
        // Every vector selector of the expression selects series, as Prometheus' ExtractSelectors.
        const selectors: LabelMatcher[][] = [];
        walk(expr, (e) => {
          if (e.type === 'vector_selector') selectors.push(e.matchers);
        });
        // No selector, no data: Prometheus answers such a result with 204 and no body.
        if (selectors.length === 0) {
          res.writeHead(204).end();
          return;
        }
        const found = ctx.settings.exemplars?.select(start, end, selectors) ?? [];
        writeSuccess(
          res,
          found.map((s) => ({
            seriesLabels: s.seriesLabels,
            exemplars: s.exemplars.map((e) => ({ labels: e.labels, value: formatValue(e.value), timestamp: e.timestampMs / 1000 })),
          })),
        );
      }),
    },
    {
      methods: ['GET', 'POST'],
      path: '/api/v1/format_query',
      handler: jsonHandler(async (req, res, url) => {
        const params = await requestParams(req, url);
        writeSuccess(res, formatExpr(parseQueryParam(params)));
      }),
    },
  ];
}

function parseQueryParam(params: URLSearchParams): ReturnType<typeof parseExpr> {
  try {
    return parseExpr(params.get('query') ?? '');
  } catch (err) {
    throw toApiError(err);
  }
}

function truncate(value: QueryValue, limit: number, warnings: string[]): QueryValue {
  if (value.resultType === 'vector' && value.result.length > limit) {
    warnings.push('results truncated due to limit');
    return { resultType: 'vector', result: value.result.slice(0, limit) };
  }
  if (value.resultType === 'matrix' && value.result.length > limit) {
    warnings.push('results truncated due to limit');
    return { resultType: 'matrix', result: value.result.slice(0, limit) };
  }
  return value;
}

/** A loaded sample's columns: a float64 timestamp and a float64 value. */
const BYTES_PER_SAMPLE = 16;

function resultPoints(value: QueryValue): number {
  switch (value.resultType) {
    case 'scalar': case 'string': return 1;
    case 'vector': return value.result.length;
    case 'matrix': return value.result.reduce((n, s) => n + s.timestamps.length, 0);
  }
}

/**
 * Prometheus' `stats` object (times in seconds). The engine holds every selection, as loaded,
 * until the result is built: the peak is what the selects loaded plus the result's points.
 * `loadedSamples` and `loadedBytes` (their timestamp and value columns) are Tidemark's.
 */
function statsJson(stats: QueryStats, totalMs: number, value: QueryValue, loadedSamples: number): Record<string, unknown> {
  const evalMs = Math.max(0, totalMs - stats.selectMs);
  return {
    timings: {
      evalTotalTime: totalMs / 1000,
      resultSortTime: 0,
      queryPreparationTime: stats.selectMs / 1000,
      innerEvalTime: evalMs / 1000,
      execQueueTime: 0,
      execTotalTime: totalMs / 1000,
    },
    samples: {
      totalQueryableSamples: stats.samples,
      peakSamples: loadedSamples + resultPoints(value),
      loadedSamples,
      loadedBytes: loadedSamples * BYTES_PER_SAMPLE,
    },
    series: { totalQueryableSeries: stats.series },
  };
}
