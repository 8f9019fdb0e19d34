import type { MetricType } from './parser.js';

/** Which part of a metric point a sample is, by the suffix of its name. */
export enum Suffix {
  None,
  Total,
  Created,
  Count,
  Sum,
  Bucket,
  Gcount,
  Gsum,
  Info,
}

const SUFFIX_TEXT = ['', '_total', '_created', '_count', '_sum', '_bucket', '_gcount', '_gsum', '_info'];

/** Sample-name suffixes each OpenMetrics type allows (OpenMetrics 1.0, "Metric types"). */
const TYPE_SUFFIXES: Record<MetricType, Suffix[]> = {
  counter: [Suffix.Total, Suffix.Created],
  summary: [Suffix.None, Suffix.Count, Suffix.Sum, Suffix.Created],
  histogram: [Suffix.Count, Suffix.Sum, Suffix.Bucket, Suffix.Created],
  gaugehistogram: [Suffix.Gcount, Suffix.Gsum, Suffix.Bucket],
  info: [Suffix.Info],
  gauge: [Suffix.None],
  stateset: [Suffix.None],
  unknown: [Suffix.None],
};

export const OPENMETRICS_TYPES: ReadonlySet<string> = new Set(Object.keys(TYPE_SUFFIXES));

/**
 * Histogram consistency of one metric point (one label group at one timestamp), checked when the
 * point ends: the `+Inf` bucket is there, `_count` equals it, `_sum`/`_count` come together, and
 * negative buckets rule out `_sum` (as the OpenMetrics reference parser checks).
 */
export class HistogramPoint {
  active = false;
  line = 0;
  count: number | undefined;
  lastLe: number | undefined;
  lastBucketValue = 0;
  negativeBuckets = false;
  hasSum = false;
  hasGsum = false;
  negativeGsum = false;

  start(line: number): void {
    this.active = true;
    this.line = line;
    this.count = undefined;
    this.lastLe = undefined;
    this.lastBucketValue = 0;
    this.negativeBuckets = false;
    this.hasSum = false;
    this.hasGsum = false;
    this.negativeGsum = false;
  }

  /** Adds one sample; returns what is wrong with it, if anything. */
  add(suffix: Suffix, le: number, value: number): string | undefined {
    switch (suffix) {
      case Suffix.Bucket:
        if (le < 0) this.negativeBuckets = true;
        if (this.lastLe !== undefined && le <= this.lastLe) return 'histogram buckets must be in ascending order of "le"';
        if (value < this.lastBucketValue) return 'histogram bucket values must not decrease as "le" grows';
        this.lastLe = le;
        this.lastBucketValue = value;
        return undefined;
      case Suffix.Count:
      case Suffix.Gcount:
        this.count = value;
        return undefined;
      case Suffix.Sum:
        this.hasSum = true;
        return undefined;
      case Suffix.Gsum:
        this.hasGsum = true;
        if (value < 0) this.negativeGsum = true;
        return undefined;
      default:
        return undefined;
    }
  }

  /** What is wrong with the finished point, if anything. */
  finish(): string | undefined {
    this.active = false;
    if (this.lastLe !== Infinity) return 'histogram has no "+Inf" bucket';
    if (this.count !== undefined && this.count !== this.lastBucketValue) return 'histogram _count does not match the "+Inf" bucket';
    if (this.hasSum && this.count === undefined) return 'histogram has _sum but no _count';
    if (this.hasGsum && this.count === undefined) return 'gauge histogram has _gsum but no _gcount';
    if (!(this.hasSum || this.hasGsum) && this.count !== undefined) return 'histogram has _count but no _sum/_gsum';
    if (this.negativeBuckets && this.hasSum) return 'histogram with negative buckets must not have _sum';
    if (!this.negativeBuckets && this.negativeGsum) return 'gauge histogram without negative buckets must not have a negative _gsum';
    return undefined;
  }
}

/** One OpenMetrics metric family while its lines are being read. */
export class OmFamily {
  type: MetricType | undefined;
  help: string | undefined;
  unit: string | undefined;
  hasSamples = false;
  /** Sample names this family accepts, with the suffix each stands for. */
  allowed: string[];
  allowedSuffix: Suffix[];
  // Grouping state: the current metric point and every group seen so far.
  group: string | undefined;
  groupTs: number | undefined;
  readonly seenGroups = new Set<string>();
  /** The current point's labels (without the skipped one), to spot the next point cheaply. */
  readonly groupNames: string[] = [];
  readonly groupValues: string[] = [];
  groupSize = 0;
  readonly hist = new HistogramPoint();
  histTs: number | undefined;

  constructor(
    readonly name: string,
    readonly line: number,
    type: MetricType | undefined,
  ) {
    this.type = type;
    this.allowed = [name];
    this.allowedSuffix = [Suffix.None];
    if (type) this.setType(type);
  }

  setType(type: MetricType): void {
    this.type = type;
    const sfx = TYPE_SUFFIXES[type];
    this.allowed = sfx.map((x) => this.name + SUFFIX_TEXT[x]);
    this.allowedSuffix = sfx;
  }

  /** Every sample name the family reserves, for clash detection between families. */
  reservedNames(): string[] {
    const sfx = TYPE_SUFFIXES[this.type ?? 'unknown'];
    const names = new Set<string>([this.name]);
    for (const x of sfx) names.add(this.name + SUFFIX_TEXT[x]);
    return [...names];
  }

  /** The label that does not distinguish metric points for a sample of this suffix. */
  groupSkipLabel(suffix: Suffix): string {
    const t = this.type;
    if (t === 'summary' && suffix === Suffix.None) return 'quantile';
    if (t === 'stateset') return this.name;
    if ((t === 'histogram' || t === 'gaugehistogram') && suffix === Suffix.Bucket) return 'le';
    return '';
  }
}

export function suffixText(s: Suffix): string {
  return SUFFIX_TEXT[s];
}
