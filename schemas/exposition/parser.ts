import type { Labels } from '../labels.js';
import type { HistogramValue } from '../sample.js';

/** Metric types as Prometheus' model names them; the text format's `untyped` is `unknown`. */
export type MetricType = 'counter' | 'gauge' | 'histogram' | 'gaugehistogram' | 'summary' | 'info' | 'stateset' | 'unknown';

/** What `Parser.next()` stopped on ('histogram': a native-histogram sample, protobuf only). */
export type Entry = 'series' | 'histogram' | 'help' | 'type' | 'unit' | 'comment';

/** An OpenMetrics exemplar: its own labels, value and optional timestamp (milliseconds). */
export interface Exemplar {
  readonly labels: Labels;
  readonly value: number;
  readonly timestamp?: number;
}

/**
 * A pull parser over one exposition, as Prometheus' `textparse.Parser`: `next()` advances to
 * the next entry and the accessors read the current one. Accessors for another kind of entry
 * than the current one return stale or empty data. Nothing but `labels()` and `exemplar()`
 * allocates per sample, so a caller that drops a series early pays little for it.
 *
 * Not safe for concurrent use; one parser reads one input once.
 */
export interface Parser {
  /**
   * The next entry, or `undefined` at the end of the input (for OpenMetrics: after `# EOF`).
   * Throws `ExpositionParseError` on bad input, and stays failed afterwards.
   */
  next(): Entry | undefined;

  /** 'series': the sample's metric name (`__name__`), e.g. `http_requests_total`. */
  metricName(): string;
  /** 'series' | 'histogram': a new labels object, `__name__` included. */
  labels(): Labels;
  /** 'series': the sample value. */
  value(): number;
  /** 'series' | 'histogram': the sample's timestamp in milliseconds, when the exposition gives one. */
  timestamp(): number | undefined;
  /** 'series': the exemplar attached to the sample (OpenMetrics only). */
  exemplar(): Exemplar | undefined;
  /**
   * 'histogram': the native histogram (compacted, not yet validated); only parsers of a format
   * that carries native histograms (protobuf) have it.
   */
  histogram?(): HistogramValue;
  /**
   * 'histogram': the exemplars of the native histogram, as Prometheus 3 ingests them: the
   * histogram's own exemplars, or without those its classic buckets' exemplars; only those with a
   * timestamp. Only parsers of a format that carries native histograms (protobuf) have it.
   */
  histogramExemplars?(): Exemplar[];
  /** 'series' | 'histogram': the family the sample belongs to (`foo` for `foo_bucket` of histogram `foo`). */
  familyName(): string;
  /** 'series': the type of that family (`unknown` when no TYPE line gave one). */
  familyType(): MetricType;

  /** 'help' | 'type' | 'unit': the family name the line is about. */
  metadataName(): string;
  /** 'help': the unescaped help text. */
  help(): string;
  /** 'type': the declared type. */
  type(): MetricType;
  /** 'unit': the declared unit (may be empty). */
  unit(): string;
  /** 'comment': the whole comment line (text format only). */
  comment(): string;

  /** 1-based line of the current entry. */
  line(): number;

  /**
   * Optional fast path for callers that cache series by their text (a scrape cache). Before
   * `next()`, names the series text the next sample is expected to start with: `prefix` is the
   * `seriesText()` of an earlier, successfully parsed sample and `type` its family's type then.
   * When the next sample's line starts with it and its family still has that type, the parser
   * reads only the value and timestamp, `matchedExpected()` is true, and `labels()` must not be
   * called for it (the caller knows them). Otherwise it parses in full, as without a hint.
   */
  expectSeries?(prefix: string, type: MetricType): void;
  /** 'series': whether the sample was read through the `expectSeries` hint. */
  matchedExpected?(): boolean;
  /** 'series': the sample line up to where its value starts (leading blanks included). */
  seriesText?(): string;
}
