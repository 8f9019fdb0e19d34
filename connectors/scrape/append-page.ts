import { createParser, ExpositionParseError, ProtobufParser, type MetricType, type Parser, type ScrapeFormat } from '../../schemas/exposition/index.js';
import { capSchema, EXPONENTIAL_SCHEMA_MAX, fitBucketLimit, HistogramError } from '../../schemas/native-histogram/index.js';
import { canonicalLabels, formatLabels, isValidLabelName, isValidMetricName, type Labels } from '../../schemas/labels.js';
import type { SeriesExemplar } from '../../schemas/exemplar-codec.js';
import type { MetricMetadataEntry } from '../../schemas/metric-metadata-codec.js';
import type { Appender } from '../../schemas/sample-sink.js';
import { ClassicHistogramGroup, classicSeriesOf, NhcbConversionError, type ClassicSeries } from './classic-histogram-nhcb.js';
import { ScrapeError } from './errors.js';
import { relabel, type RelabelRule } from './relabel.js';
import { labelLimitViolation, mutateSampleLabels, type LabelLimits } from './sample-labels.js';
import type { RawEntry, ScrapeCache, SeriesState } from './scrape-cache.js';

/** How one target's samples are labeled and bounded (from its scrape config). */
export interface PageSettings {
  readonly targetLabels: ReadonlyArray<readonly [string, string]>;
  readonly honorLabels: boolean;
  readonly honorTimestamps: boolean;
  readonly trackTimestampsStaleness: boolean;
  readonly metricRelabel: readonly RelabelRule[];
  readonly limits: LabelLimits;
  /** 0 = no limit. */
  readonly sampleLimit: number;
  /**
   * Native histograms of a protobuf page are appended as histograms (`scrape_native_histograms`);
   * otherwise their classic series are. Only when the appender takes histograms.
   */
  readonly nativeHistograms?: boolean;
  /**
   * A native histogram's classic series are appended too, and so are those of a classic histogram
   * converted to a native one (`always_scrape_classic_histograms`).
   */
  readonly alwaysScrapeClassicHistograms?: boolean;
  /**
   * Classic histograms (`_bucket`, `_count`, `_sum` of a family typed histogram) are appended as
   * native histograms with custom buckets (`convert_classic_histograms_to_nhcb`). Only when the
   * appender takes histograms.
   */
  readonly convertClassicHistogramsToNhcb?: boolean;
  /**
   * Buckets a native histogram may have; one with more is reduced in resolution until it fits, and
   * the scrape fails when it cannot (`native_histogram_bucket_limit`). 0 = no limit.
   */
  readonly nativeHistogramBucketLimit?: number;
  /**
   * Native histograms of a higher exponential schema are reduced to this one (from
   * `native_histogram_min_bucket_factor`; default 8, so schemas 9..52 are reduced to 8).
   */
  readonly nativeHistogramMaxSchema?: number;
  /**
   * Metric and label names must be legacy ones (`metric_name_validation_scheme: legacy`): a series
   * with another name after relabeling fails the scrape. Otherwise any name is taken.
   */
  readonly legacyNames?: boolean;
}

export interface PageResult {
  /** Samples in the page (scrape_samples_scraped). */
  total: number;
  /** Samples left after metric relabeling (scrape_samples_post_metric_relabeling). */
  added: number;
  /** Series not in the previous scrape (scrape_series_added). */
  seriesAdded: number;
  /** Why the page was rejected; the appender then holds a partial page to roll back. */
  error?: ScrapeError;
  /** TYPE, HELP and UNIT lines of the page by family, as Prometheus' scrape cache keeps them. */
  metadata: Map<string, MetricMetadataEntry>;
  /** Exemplars of the appended samples (OpenMetrics), at the sample's time when they have none. */
  exemplars: SeriesExemplar[];
}

function isBlank(c: number): boolean {
  return c === 32 || c === 9;
}

/** A HELP, TYPE or UNIT line: metric relabeling does not apply to metadata, as in Prometheus. */
function noteMetadata(into: Map<string, MetricMetadataEntry>, p: Parser, e: 'help' | 'type' | 'unit'): void {
  const metric = p.metadataName();
  const m = into.get(metric) ?? { metric, type: 'unknown', help: '', unit: '' };
  if (e === 'help') into.set(metric, { ...m, help: p.help() });
  else if (e === 'type') into.set(metric, { ...m, type: p.type() });
  else into.set(metric, { ...m, unit: p.unit() });
}

/**
 * Parses a page and appends its samples at `defaultT`: target labels, honor_labels,
 * honor_timestamps, metric relabeling, label limits and the sample limit, as Prometheus'
 * scrapeLoop.append. Series are cached by their raw text (for protobuf, by their labels), so a
 * series seen before costs a map lookup instead of building and relabeling its labels. A text
 * page is given as text, a protobuf page as bytes. Native histograms (protobuf) count as one
 * sample each; an invalid one fails the scrape naming the series and the reason. Classic
 * histograms converted to native ones (`convertClassicHistogramsToNhcb`) count as one sample each,
 * their classic series as none unless kept. Staleness bookkeeping is left to the caller
 * (`cache.endSuccess/endFailure`).
 */
export function appendPage(
  page: string | Uint8Array,
  format: ScrapeFormat,
  defaultT: number,
  app: Appender,
  cache: ScrapeCache,
  s: PageSettings,
  url: string,
): PageResult {
  const res: PageResult = { total: 0, added: 0, seriesAdded: 0, metadata: new Map(), exemplars: [] };
  const proto = format === 'protobuf';
  const text = typeof page === 'string' ? page : '';
  const p: Parser = proto
    ? new ProtobufParser(typeof page === 'string' ? Buffer.from(page) : page, {
      nativeHistograms: (s.nativeHistograms ?? false) && app.appendHistogram !== undefined,
      classicHistograms: s.alwaysScrapeClassicHistograms ?? false,
    })
    : createParser(text, format, { strict: false });
  // Exemplars come with OpenMetrics and protobuf pages.
  const om = format === 'openmetrics' || proto;
  // Classic histograms are collected series by series (one histogram's series are consecutive,
  // as Prometheus' NHCBParser assumes) and appended as one native histogram when the next entry
  // is not one of them.
  const group = (s.convertClassicHistogramsToNhcb ?? false) && app.appendHistogram !== undefined ? new ClassicHistogramGroup() : undefined;
  const keepClassic = group === undefined || (s.alwaysScrapeClassicHistograms ?? false);
  // The last native histogram's identity: its classic series, when they follow, stay classic.
  let nativeKey: string | undefined;
  // The text parser reads a series whose text matches the same position of the previous scrape
  // without parsing its labels (Prometheus' scrape cache keyed by the series bytes, with the
  // page order as the first guess). Converting needs every histogram series' labels: no hints.
  const hinted = group === undefined && p.expectSeries !== undefined && p.seriesText !== undefined;
  let expected: RawEntry | undefined = hinted ? cache.expected() : undefined;
  let appended = 0;
  let limitHit = false;
  let bucketLimitHit = false;
  const bucketLimit = s.nativeHistogramBucketLimit ?? 0;
  const maxSchema = s.nativeHistogramMaxSchema ?? EXPONENTIAL_SCHEMA_MAX;
  // Line cursor, kept in step with p.line(), to cut each series' raw text out of the page.
  let line = 0;
  let lineEnd = -1;
  let lineStart = 0;

  /**
   * The cache key of a text page's current series: its line up to the value (OpenMetrics: its
   * labels when it has an exemplar, which follows the value).
   */
  const textSeriesRaw = (ts: number | undefined): string => {
    const target = p.line();
    while (line < target) {
      lineStart = lineEnd + 1;
      lineEnd = text.indexOf('\n', lineStart);
      if (lineEnd < 0) lineEnd = text.length;
      line++;
    }
    if (om && p.exemplar() !== undefined) return `\u0000${canonicalLabels(p.labels())}`;
    let i = lineEnd;
    for (let tokens = ts === undefined ? 1 : 2; tokens > 0; tokens--) {
      while (i > lineStart && isBlank(text.charCodeAt(i - 1))) i--;
      while (i > lineStart && !isBlank(text.charCodeAt(i - 1))) i--;
    }
    return text.slice(lineStart, i);
  };

  /** A series not in the cache: its final labels (remembered), null when relabeling drops it. */
  const newSeriesState = (raw: string, labels: Labels, type: MetricType): SeriesState | null | ScrapeError => {
    let lset: Labels | undefined = mutateSampleLabels(labels, s.targetLabels, s.honorLabels);
    if (s.metricRelabel.length > 0) lset = relabel(lset, s.metricRelabel);
    if (lset === undefined) {
      cache.remember(raw, null, '', type);
      return null;
    }
    if ((lset.__name__ ?? '') === '') return new ScrapeError('name_missing', 'missing metric name (__name__ label)', url);
    // After relabeling, as Prometheus checks it: metric_relabel_configs may rename a UTF-8 name.
    if (s.legacyNames && !hasLegacyNames(lset)) return new ScrapeError('invalid_name', `invalid metric name or label names: ${formatLabels(lset)}`, url);
    const violation = labelLimitViolation(lset, s.limits);
    if (violation !== undefined) return new ScrapeError('label_limit', violation, url);
    return cache.remember(raw, lset, canonicalLabels(lset), type);
  };

  /**
   * Appends the collected classic histogram as a native one, through the same labeling and limits
   * as a scraped native histogram. Series that make no valid histogram are left out, as
   * Prometheus leaves them out (the scrape goes on).
   */
  const appendConverted = (g: ClassicHistogramGroup): ScrapeError | undefined => {
    const key = g.key!;
    const labels = g.labels!;
    g.key = undefined;
    let h;
    try {
      h = g.convert();
    } catch (err) {
      if (!(err instanceof NhcbConversionError)) throw err;
      return undefined;
    }
    res.total++;
    const raw = `\u0002${key}`;
    let state = cache.lookup(raw);
    const isNew = state === undefined;
    if (state === undefined) {
      const made = newSeriesState(raw, labels, 'histogram');
      if (made instanceof ScrapeError) return made;
      state = made;
    }
    if (state === null) return undefined;
    res.added++;
    const explicit = s.honorTimestamps && g.timestamp !== undefined;
    const t = explicit ? g.timestamp! : defaultT;
    if (limitHit || !cache.markAppended(state, t, !explicit || s.trackTimestampsStaleness)) return undefined;
    if (bucketLimit > 0 && !fitBucketLimit(h, bucketLimit)) {
      bucketLimitHit = true;
      return undefined;
    }
    if (s.sampleLimit > 0 && ++appended > s.sampleLimit) {
      limitHit = true;
      return undefined;
    }
    app.appendHistogram!(state.labels, t, h);
    if (isNew) res.seriesAdded++;
    g.exemplars.sort((a, b) => a.timestamp! - b.timestamp! || a.value - b.value);
    for (const ex of g.exemplars) res.exemplars.push({ series: state.labels, labels: ex.labels, value: ex.value, timestampMs: ex.timestamp! });
    return undefined;
  };

  try {
    for (;;) {
      if (expected !== undefined) p.expectSeries!(expected.raw, expected.type);
      const e = p.next();
      // A text page's series key, when the conversion below already cut it out.
      let seriesRaw: string | undefined;
      if (group !== undefined) {
        let classic: ClassicSeries | undefined;
        if (e === 'series') {
          if (proto) classic = classicSeriesOf(p);
          else {
            seriesRaw = textSeriesRaw(p.timestamp());
            classic = seriesRaw.charCodeAt(0) === 0 ? classicSeriesOf(p) : cache.classicSeries.of(seriesRaw, p);
          }
          if (classic !== undefined && classic.key === nativeKey) classic = undefined;
        } else if (e === 'histogram') nativeKey = canonicalLabels(p.labels());
        if (group.open && classic?.key !== group.key) {
          const err = appendConverted(group);
          if (err !== undefined) {
            res.error = err;
            return res;
          }
        }
        if (classic !== undefined) {
          if (!group.open) group.start(classic);
          group.add(classic.part, p.value(), p.timestamp(), om ? p.exemplar() : undefined);
          if (!keepClassic) continue;
        }
      }
      if (e === undefined) break;
      if (e !== 'series' && e !== 'histogram') {
        if (e !== 'comment') noteMetadata(res.metadata, p, e);
        continue;
      }
      res.total++;
      const ts = p.timestamp();
      let raw = '';
      let state: SeriesState | null | undefined;
      if (hinted) {
        if (expected !== undefined && p.matchedExpected!()) state = cache.hit(expected);
        else {
          raw = p.seriesText!();
          state = cache.lookup(raw);
        }
        expected = cache.expected();
      } else if (proto) {
        raw = `${e === 'histogram' ? '\u0001' : ''}${canonicalLabels(p.labels())}`;
        state = cache.lookup(raw);
      } else {
        raw = seriesRaw ?? textSeriesRaw(ts);
        state = cache.lookup(raw);
      }
      const isNew = state === undefined;
      if (state === undefined) {
        const made = newSeriesState(raw, p.labels(), p.familyType());
        if (made instanceof ScrapeError) {
          res.error = made;
          return res;
        }
        state = made;
      }
      if (state === null) continue;
      res.added++;
      const explicit = s.honorTimestamps && ts !== undefined;
      const t = explicit ? ts : defaultT;
      if (limitHit) continue;
      if (!cache.markAppended(state, t, !explicit || s.trackTimestampsStaleness)) continue;
      // As Prometheus' appender chain: the schema cap and the bucket limit come before the
      // sample limit, validation after it.
      const h = e === 'histogram' ? p.histogram!() : undefined;
      if (h !== undefined) {
        try {
          capSchema(h, maxSchema);
          if (bucketLimit > 0 && !fitBucketLimit(h, bucketLimit)) {
            // Parsing goes on, so the scrape still reports how many samples the page had.
            bucketLimitHit = true;
            continue;
          }
        } catch (err) {
          if (!(err instanceof HistogramError)) throw err;
          res.error = new ScrapeError('parse', `invalid histogram for series ${formatLabels(state.labels)}: ${err.message}`, url, { cause: err });
          return res;
        }
      }
      if (s.sampleLimit > 0 && ++appended > s.sampleLimit) {
        limitHit = true;
        continue;
      }
      if (h !== undefined) {
        try {
          h.validate();
        } catch (err) {
          if (!(err instanceof HistogramError)) throw err;
          res.error = new ScrapeError('parse', `invalid histogram for series ${formatLabels(state.labels)}: ${err.message}`, url, { cause: err });
          return res;
        }
        app.appendHistogram!(state.labels, t, h);
      } else app.append(state.labels, t, p.value());
      if (isNew) res.seriesAdded++;
      if (h !== undefined) {
        // Sorted by time, as Prometheus appends them: the exemplar storage skips older ones.
        const exemplars = p.histogramExemplars?.() ?? [];
        exemplars.sort((a, b) => a.timestamp! - b.timestamp! || a.value - b.value);
        for (const ex of exemplars) res.exemplars.push({ series: state.labels, labels: ex.labels, value: ex.value, timestampMs: ex.timestamp! });
      } else if (om) {
        const ex = p.exemplar();
        if (ex !== undefined) res.exemplars.push({ series: state.labels, labels: ex.labels, value: ex.value, timestampMs: ex.timestamp ?? t });
      }
    }
  } catch (err) {
    if (!(err instanceof ExpositionParseError)) throw err;
    res.error = new ScrapeError('parse', err.message, url, { cause: err });
    return res;
  }
  if (limitHit) res.error = new ScrapeError('sample_limit', 'sample limit exceeded', url);
  else if (bucketLimitHit) res.error = new ScrapeError('bucket_limit', 'histogram bucket limit exceeded', url);
  return res;
}

/** Whether the metric name and every label name are legacy ones. */
function hasLegacyNames(lset: Labels): boolean {
  for (const k in lset) {
    if (k === '__name__' ? !isValidMetricName(lset[k]) : !isValidLabelName(k)) return false;
  }
  return true;
}
