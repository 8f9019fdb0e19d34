import { writeText, PROMETHEUS_TEXT_CONTENT_TYPE, type WritableFamily } from '../../schemas/exposition/index.js';
import { canonicalLabels, compareStrings, type Labels } from '../../schemas/labels.js';
import { parseSeriesSelector } from './api-params.js';
import { toApiError } from './api-response.js';
import type { ApiContext, QueryRoute } from './api-settings.js';

/**
 * `GET /federate?match[]=...`: the latest sample (within the lookback delta, staleness markers
 * skipped) of every series a selector matches, as text exposition 0.0.4 with timestamps, each
 * family typed `untyped`, external labels added where the series lacks them.
 */
export function federateRoutes(ctx: ApiContext): QueryRoute[] {
  return [
    {
      methods: ['GET'],
      path: '/federate',
      handler: async (_req, res, url) => {
        try {
          const sets = url.searchParams.getAll('match[]').map((m) => parseSeriesSelector(m, 'match[]'));
          const maxt = ctx.now();
          const mint = maxt - ctx.config.lookback_delta_ms;
          const q = ctx.settings.queryable.querier(mint, maxt);
          const latest = new Map<string, { labels: Labels; t: number; v: number }>();
          try {
            const results = await Promise.all(sets.map((m) => q.select(m, { start: mint, end: maxt })));
            for (const set of results) {
              for (const s of set.series) {
                // The newest sample in (mint, maxt]; a staleness marker there means the series ended.
                for (let i = s.timestamps.length - 1; i >= 0; i--) {
                  const t = s.timestamps[i];
                  if (t > maxt) continue;
                  // The text format has no native histograms: a series whose newest sample is one is left out.
                  if (s.histograms?.[i] != null) break;
                  if (t > mint && !(s.stale !== null && s.stale[i] === 1)) latest.set(canonicalLabels(s.labels), { labels: s.labels, t, v: s.values[i] });
                  break;
                }
              }
            }
          } finally {
            await q.close();
          }
          res.writeHead(200, { 'content-type': PROMETHEUS_TEXT_CONTENT_TYPE }).end(writeText(families(latest, ctx.settings.externalLabels ?? {})));
        } catch (err) {
          const e = toApiError(err);
          res.writeHead(e.status, { 'content-type': 'text/plain; charset=utf-8' }).end(e.message + '\n');
        }
      },
    },
  ];
}

function families(latest: Map<string, { labels: Labels; t: number; v: number }>, ext: Labels): WritableFamily[] {
  const byName = new Map<string, { key: string; labels: Labels; t: number; v: number }[]>();
  for (const [key, s] of latest) {
    const name = s.labels.__name__ ?? '';
    let list = byName.get(name);
    if (list === undefined) byName.set(name, (list = []));
    list.push({ key, ...s });
  }
  const out: WritableFamily[] = [];
  for (const name of [...byName.keys()].sort(compareStrings)) {
    const list = byName.get(name)!.sort((a, b) => compareStrings(a.key, b.key));
    out.push({
      name,
      type: 'unknown',
      samples: list.map((s) => {
        const merged: Labels = { ...ext, ...s.labels };
        const sorted: Record<string, string> = {};
        for (const k of Object.keys(merged).sort(compareStrings)) sorted[k] = merged[k];
        return { labels: sorted, value: s.v, timestamp: s.t };
      }),
    });
  }
  return out;
}
