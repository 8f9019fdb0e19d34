import type { Labels } from '../../schemas/labels.js';
import { compileSelectorRegexp } from '../../schemas/regexp/index.js';
import type { MetricMetadataEntry } from '../../schemas/metric-metadata-codec.js';
import type { LabelMatcher } from '../tsdb/index.js';
import { parseSeriesSelector, requestParams } from './api-params.js';
import { jsonHandler, type QueryRoute } from './api-settings.js';
import type { MetadataReader } from './metadata-catalog.js';
import { writeSuccess } from './api-response.js';
import { QueryApiError } from './errors.js';

/**
 * `/api/v1/metadata` and `/api/v1/targets/metadata`, as Prometheus answers them from its active
 * targets' scrape caches; here from the metadata catalog, which also holds what remote_write
 * senders announced (listed by /api/v1/metadata; they are no target, so not by targets/metadata).
 */
export function metadataRoutes(reader: MetadataReader): QueryRoute[] {
  const sources = () => reader.sources();
  return [
    {
      methods: ['GET'],
      path: '/api/v1/metadata',
      handler: jsonHandler(async (req, res, url) => {
        const params = await requestParams(req, url);
        const limit = countParam(params, 'limit');
        const limitPerMetric = countParam(params, 'limit_per_metric');
        const metric = params.get('metric') ?? '';
        // Distinct (type, help, unit) per metric, in source order, as Prometheus' pseudo-set.
        const found = new Map<string, Map<string, MetricMetadataEntry>>();
        for (const s of sources()) {
          for (const m of s.metrics) {
            if (metric !== '' && m.metric !== metric) continue;
            let set = found.get(m.metric);
            if (limitPerMetric > 0 && set !== undefined && set.size >= limitPerMetric) continue;
            if (set === undefined) found.set(m.metric, (set = new Map()));
            set.set(`${m.type}\u0000${m.help}\u0000${m.unit}`, m);
          }
        }
        const out: Record<string, Array<{ type: string; help: string; unit: string }>> = {};
        let n = 0;
        for (const name of [...found.keys()].sort()) {
          if (limit >= 0 && n >= limit) break;
          out[name] = [...found.get(name)!.values()].map(({ type, help, unit }) => ({ type, help, unit }));
          n++;
        }
        writeSuccess(res, out);
      }),
    },
    {
      methods: ['GET'],
      path: '/api/v1/targets/metadata',
      handler: jsonHandler(async (req, res, url) => {
        const params = await requestParams(req, url);
        const limit = countParam(params, 'limit');
        const matchTarget = params.get('match_target') ?? '';
        const matches = matchTarget === '' ? () => true : labelsPredicate(parseSeriesSelector(matchTarget, 'match_target'));
        const metric = params.get('metric') ?? '';
        const out: Array<{ target: Labels; metric?: string; type: string; help: string; unit: string }> = [];
        for (const s of sources()) {
          // Prometheus checks the limit per target, so one target's list is never cut.
          if (limit >= 0 && out.length >= limit) break;
          if (Object.keys(s.target).length === 0 || !matches(s.target)) continue;
          for (const m of s.metrics) {
            if (metric === '') out.push({ target: s.target, metric: m.metric, type: m.type, help: m.help, unit: m.unit });
            else if (m.metric === metric) out.push({ target: s.target, type: m.type, help: m.help, unit: m.unit });
          }
        }
        writeSuccess(res, out);
      }),
    },
  ];
}

/** `limit`-like parameters as Prometheus reads them here: absent = -1 (none), 0 = nothing. */
function countParam(params: URLSearchParams, name: string): number {
  const text = params.get(name);
  if (text === null || text === '') return -1;
  const n = Number(text);
  if (!Number.isInteger(n) || text.trim() !== text) throw new QueryApiError('bad_data', `${name} must be a number`, { code: 'invalid_param' });
  return n;
}

function labelsPredicate(ms: readonly LabelMatcher[]): (labels: Labels) => boolean {
  const tests = ms.map((m) => {
    if (m.type === '=') return (v: string) => v === m.value;
    if (m.type === '!=') return (v: string) => v !== m.value;
    const re = compileSelectorRegexp(m.value);
    return m.type === '=~' ? (v: string) => re.test(v) : (v: string) => !re.test(v);
  });
  return (labels) => ms.every((m, i) => tests[i](labels[m.name] ?? ''));
}
