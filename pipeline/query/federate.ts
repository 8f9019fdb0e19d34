import {
  escapeExposedName,
  escapeLabels,
  negotiateEscaping,
  PROMETHEUS_PROTOBUF_CONTENT_TYPE,
  PROMETHEUS_TEXT_CONTENT_TYPE,
  prefersDelimitedProtobuf,
  protoLabelPairs,
  writeDelimitedProtobuf,
  writeText,
  type NameEscapingScheme,
  type ProtoFamilyOut,
  type WritableFamily,
} from '../../schemas/exposition/index.js';
import { canonicalLabels, compareStrings, type Labels } from '../../schemas/labels.js';
import type { FloatHistogram } from '../../schemas/native-histogram/index.js';
import { parseSeriesSelector } from './api-params.js';
import { toApiError } from './api-response.js';
import type { ApiContext, QueryRoute } from './api-settings.js';

/** The latest sample of a series: a float, or a native histogram. */
interface Latest {
  labels: Labels;
  t: number;
  v: number;
  h?: FloatHistogram;
}

/**
 * `GET /federate?match[]=...`: the latest sample (within the lookback delta, staleness markers
 * skipped) of every series a selector matches, with timestamps and external labels added where the
 * series lacks them, in the format the Accept header prefers, as Prometheus negotiates it: the
 * delimited protobuf exposition (floats as `untyped` families, native histograms as `histogram`
 * families with float counts) or text 0.0.4 (every family `untyped`; native histograms left out,
 * the text format has none). Names that are not legacy ones are escaped as the Accept header's
 * `escaping` parameter asks (`underscores` when it names none, as Prometheus 3 federates), or
 * written quoted for `escaping=allow-utf-8`; the Content-Type says which.
 */
export function federateRoutes(ctx: ApiContext): QueryRoute[] {
  return [
    {
      methods: ['GET'],
      path: '/federate',
      handler: async (req, res, url) => {
        try {
          const sets = url.searchParams.getAll('match[]').map((m) => parseSeriesSelector(m, 'match[]'));
          const maxt = ctx.now();
          const mint = maxt - ctx.config.lookback_delta_ms;
          const q = ctx.settings.queryable.querier(mint, maxt);
          const latest = new Map<string, Latest>();
          try {
            const results = await Promise.all(sets.map((m) => q.select(m, { start: mint, end: maxt })));
            for (const set of results) {
              for (const s of set.series) {
                // The newest sample in (mint, maxt]; a staleness marker there means the series ended.
                for (let i = s.timestamps.length - 1; i >= 0; i--) {
                  const t = s.timestamps[i];
                  if (t > maxt) continue;
                  const h = s.histograms?.[i];
                  if (t > mint && !(s.stale !== null && s.stale[i] === 1)) {
                    latest.set(canonicalLabels(s.labels), h == null ? { labels: s.labels, t, v: s.values[i] } : { labels: s.labels, t, v: 0, h });
                  }
                  break;
                }
              }
            }
          } finally {
            await q.close();
          }
          const ext = ctx.settings.externalLabels ?? {};
          const escaping = negotiateEscaping(req.headers.accept);
          if (prefersDelimitedProtobuf(req.headers.accept)) {
            res.writeHead(200, { 'content-type': `${PROMETHEUS_PROTOBUF_CONTENT_TYPE}; escaping=${escaping}` }).end(writeDelimitedProtobuf(protoFamilies(latest, ext, escaping)));
          } else res.writeHead(200, { 'content-type': `${PROMETHEUS_TEXT_CONTENT_TYPE}; escaping=${escaping}` }).end(writeText(families(latest, ext), { escaping }));
        } catch (err) {
          const e = toApiError(err);
          res.writeHead(e.status, { 'content-type': 'text/plain; charset=utf-8' }).end(e.message + '\n');
        }
      },
    },
  ];
}

/** Labels of a federated series: the external labels it lacks added, sorted by name. */
function withExternal(labels: Labels, ext: Labels): Record<string, string> {
  const merged: Labels = { ...ext, ...labels };
  const sorted: Record<string, string> = {};
  for (const k of Object.keys(merged).sort(compareStrings)) sorted[k] = merged[k]!;
  return sorted;
}

/** Series by name, names sorted, series sorted by their labels. */
function byNameSorted(latest: Map<string, Latest>, keep: (s: Latest) => boolean): Array<[string, Array<Latest & { key: string }>]> {
  const byName = new Map<string, Array<Latest & { key: string }>>();
  for (const [key, s] of latest) {
    if (!keep(s)) continue;
    const name = s.labels.__name__ ?? '';
    let list = byName.get(name);
    if (list === undefined) byName.set(name, (list = []));
    list.push({ key, ...s });
  }
  return [...byName.keys()].sort(compareStrings).map((name) => [name, byName.get(name)!.sort((a, b) => compareStrings(a.key, b.key))]);
}

/** The protobuf families: per name an untyped family of its float series, then a histogram family of its histogram series. */
function protoFamilies(latest: Map<string, Latest>, ext: Labels, escaping: NameEscapingScheme): ProtoFamilyOut[] {
  const out: ProtoFamilyOut[] = [];
  for (const [unescaped, list] of byNameSorted(latest, () => true)) {
    const name = escapeExposedName(unescaped, escaping);
    const floats = list.filter((s) => s.h === undefined);
    const histograms = list.filter((s) => s.h !== undefined);
    const metric = (s: Latest) => ({ labels: protoLabelPairs(escapeLabels(withExternal(s.labels, ext), escaping)), timestampMs: s.t, value: s.v, histogram: s.h });
    if (floats.length > 0) out.push({ name, type: 'untyped', metrics: floats.map(metric) });
    if (histograms.length > 0) out.push({ name, type: 'histogram', metrics: histograms.map(metric) });
  }
  return out;
}

function families(latest: Map<string, Latest>, ext: Labels): WritableFamily[] {
  const byName = new Map<string, { key: string; labels: Labels; t: number; v: number }[]>();
  for (const [key, s] of latest) {
    // The text format has no native histograms: a series whose newest sample is one is left out.
    if (s.h !== undefined) continue;
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
