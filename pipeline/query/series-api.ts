import { canonicalLabels, compareStrings, isValidLabelName, type Labels } from '../../schemas/labels.js';
import type { Querier } from '../tsdb/index.js';
import { parseLimitParam, parseMatchParams, parseTimeParam, requestParams } from './api-params.js';
import { labelsJson, writeSuccess, writeSuccessJson } from './api-response.js';
import { jsonHandler, type ApiContext, type QueryRoute } from './api-settings.js';
import { QueryApiError } from './errors.js';
import { FanoutQuerier } from './fanout-querier.js';

const TRUNCATED = 'results truncated due to limit';

/** `/api/v1/series`, `/api/v1/labels`, `/api/v1/label/<name>/values`. */
export function seriesRoutes(ctx: ApiContext): QueryRoute[] {
  const withQuerier = async <T>(params: URLSearchParams, fn: (q: Querier) => Promise<T>): Promise<{ value: T; warnings: string[] }> => {
    const start = parseTimeParam(params, 'start', Number.MIN_SAFE_INTEGER);
    const end = parseTimeParam(params, 'end', Number.MAX_SAFE_INTEGER);
    if (end < start) throw new QueryApiError('bad_data', 'end timestamp must not be before start time');
    const q = ctx.settings.queryable.querier(start, end);
    try {
      const value = await fn(q);
      return { value, warnings: q instanceof FanoutQuerier ? q.warnings() : [] };
    } finally {
      await q.close();
    }
  };

  return [
    {
      methods: ['GET', 'POST'],
      path: '/api/v1/series',
      handler: jsonHandler(async (req, res, url) => {
        const params = await requestParams(req, url);
        const sets = parseMatchParams(params);
        if (sets.length === 0) throw new QueryApiError('bad_data', 'no match[] parameter provided');
        const limit = parseLimitParam(params);
        const start = parseTimeParam(params, 'start', Number.MIN_SAFE_INTEGER);
        const end = parseTimeParam(params, 'end', Number.MAX_SAFE_INTEGER);
        const { value, warnings } = await withQuerier(params, async (q) => {
          const found = new Map<string, Labels>();
          const warn: string[] = [];
          const results = await Promise.all(sets.map((m) => q.select(m, { start, end, labelsOnly: true })));
          for (const set of results) {
            warn.push(...set.warnings);
            for (const s of set.series) found.set(canonicalLabels(s.labels), s.labels);
          }
          return { found, warn };
        });
        const keys = [...value.found.keys()].sort(compareStrings);
        const notes = [...new Set([...warnings, ...value.warn])];
        if (limit > 0 && keys.length > limit) {
          keys.length = limit;
          notes.push(TRUNCATED);
        }
        writeSuccessJson(res, `[${keys.map((k) => labelsJson(value.found.get(k)!)).join(',')}]`, { warnings: notes });
      }),
    },
    {
      methods: ['GET', 'POST'],
      path: '/api/v1/labels',
      handler: jsonHandler(async (req, res, url) => {
        const params = await requestParams(req, url);
        const sets = parseMatchParams(params);
        const limit = parseLimitParam(params);
        const { value, warnings } = await withQuerier(params, async (q) => {
          const lists = sets.length === 0 ? [await q.labelNames([])] : await Promise.all(sets.map((m) => q.labelNames(m)));
          return [...new Set(lists.flat())].sort(compareStrings);
        });
        writeSuccess(res, limited(value, limit, warnings), { warnings });
      }),
    },
    {
      methods: ['GET'],
      path: '/api/v1/label/*',
      handler: jsonHandler(async (req, res, url) => {
        const m = /^\/api\/v1\/label\/([^/]+)\/values$/.exec(url.pathname);
        if (m === null) throw new QueryApiError('not_found', `no API endpoint at ${url.pathname}`);
        const name = decodeURIComponent(m[1]);
        if (!isValidLabelName(name)) throw new QueryApiError('bad_data', `invalid label name: ${JSON.stringify(name)}`);
        const params = await requestParams(req, url);
        const sets = parseMatchParams(params);
        const limit = parseLimitParam(params);
        const { value, warnings } = await withQuerier(params, async (q) => {
          const lists = sets.length === 0 ? [await q.labelValues(name, [])] : await Promise.all(sets.map((ms) => q.labelValues(name, ms)));
          return [...new Set(lists.flat())].sort(compareStrings);
        });
        writeSuccess(res, limited(value, limit, warnings), { warnings });
      }),
    },
  ];
}

function limited(values: string[], limit: number, warnings: string[]): string[] {
  if (limit > 0 && values.length > limit) {
    warnings.push(TRUNCATED);
    return values.slice(0, limit);
  }
  return values;
}
