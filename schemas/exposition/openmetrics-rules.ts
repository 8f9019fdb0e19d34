import { parseFloatLiteral } from './float-literal.js';
import type { LabelSet } from './label-set.js';
import { OmFamily, OPENMETRICS_TYPES, Suffix } from './openmetrics-family.js';
import type { MetricType } from './parser.js';

/** Raises a parse error at a 1-based line and column. */
export type FailAt = (line: number, column: number, message: string) => never;

/**
 * The cross-line rules of OpenMetrics 1.0 that a line-by-line syntax check cannot see: metadata
 * once per family and before its samples, families contiguous and not clashing, metric points
 * contiguous with non-decreasing timestamps, per-type label and value constraints, histogram
 * consistency, exemplars only where allowed. Mirrors the checks of the OpenMetrics reference
 * parser, which the official test suite was written against.
 */
export class OpenMetricsRules {
  cur: OmFamily | undefined;
  /** `le` of the last bucket sample, parsed. */
  le = 0;
  private readonly seen = new Set<string>();

  /**
   * `strict` (the default) applies every rule of the specification. Without it, the rules on
   * values (counter-like samples non-negative and not NaN, integer counts, histogram consistency,
   * stateset/info values) are skipped, as the Prometheus server's parser skips them: a scrape of a
   * client that exposes, say, a `_sum` beside negative buckets still works.
   */
  constructor(
    private readonly fail: FailAt,
    private readonly strict = true,
  ) {}

  /** A HELP, TYPE or UNIT line for `name`; returns the family it belongs to. */
  metadata(kind: 'help' | 'type' | 'unit', name: string, text: string, line: number): OmFamily {
    let fam = this.cur;
    if (fam === undefined || fam.name !== name) {
      fam = this.open(name, line, undefined);
    } else if (fam.hasSamples) {
      this.fail(line, 1, `metadata line for "${name}" after its samples`);
    }
    if (kind === 'help') {
      if (fam.help !== undefined) this.fail(line, 1, `second HELP line for metric name "${name}"`);
      fam.help = text;
    } else if (kind === 'type') {
      if (fam.type !== undefined) this.fail(line, 1, `second TYPE line for metric name "${name}"`);
      if (!OPENMETRICS_TYPES.has(text)) this.fail(line, 9 + name.length, `invalid metric type "${text}"`);
      fam.setType(text as MetricType);
      this.checkUnit(fam, line);
    } else {
      if (fam.unit !== undefined) this.fail(line, 1, `second UNIT line for metric name "${name}"`);
      fam.unit = text;
      if (text !== '' && !name.endsWith('_' + text)) this.fail(line, 9 + name.length, `unit "${text}" is not a suffix of metric name "${name}"`);
      this.checkUnit(fam, line);
    }
    return fam;
  }

  private checkUnit(fam: OmFamily, line: number): void {
    if (fam.unit && (fam.type === 'info' || fam.type === 'stateset')) {
      this.fail(line, 1, `metric "${fam.name}" of type ${fam.type} must not have a unit`);
    }
  }

  /** A sample whose name no current family accepts starts a family of unknown type. */
  openUnknown(name: string, line: number): OmFamily {
    return this.open(name, line, 'unknown');
  }

  private open(name: string, line: number, type: MetricType | undefined): OmFamily {
    this.close();
    if (this.seen.has(name)) this.fail(line, 1, `clashing name "${name}": the family appears twice or another family's samples use this name`);
    const fam = new OmFamily(name, line, type);
    this.cur = fam;
    return fam;
  }

  /** Ends the current family: final histogram point, then its names are taken for good. */
  close(): void {
    const fam = this.cur;
    if (fam === undefined) return;
    this.cur = undefined;
    if (fam.hist.active && this.strict) {
      const err = fam.hist.finish();
      if (err) this.fail(fam.hist.line, 1, `${err}: "${fam.name}"`);
    }
    for (const n of fam.reservedNames()) {
      if (this.seen.has(n)) this.fail(fam.line, 1, `clashing name "${n}"`);
      this.seen.add(n);
    }
  }

  /** Checks one sample of the current family (`ts` in seconds, as written). */
  sample(fam: OmFamily, suffix: Suffix, src: string, labels: LabelSet, value: number, ts: number | undefined, exemplar: boolean, line: number): void {
    fam.hasSamples = true;
    const t = fam.type ?? 'unknown';
    const fail: FailAt = this.fail;
    if (t === 'stateset' && labels.indexOf(fam.name) < 0) fail(line, 1, `stateset sample must have a label named "${fam.name}"`);
    let le = 0;
    if (suffix === Suffix.Bucket) {
      const raw = labels.get('le');
      if (raw === undefined) fail(line, 1, 'histogram bucket sample has no "le" label');
      const v = parseFloatLiteral(raw, 0, raw.length);
      // +Inf is the only bound that must be written canonically.
      if (v === undefined || Number.isNaN(v) || (v === Infinity && raw !== '+Inf')) fail(line, 1, `invalid "le" label value "${raw}"`);
      le = v;
      if (this.strict && !Number.isInteger(value)) fail(line, 1, `histogram bucket value must be an integer, got ${value}`);
    } else if (suffix === Suffix.Count || suffix === Suffix.Gcount) {
      if (this.strict && !Number.isInteger(value)) fail(line, 1, `count value must be an integer, got ${value}`);
    } else if (t === 'summary' && suffix === Suffix.None) {
      const raw = labels.get('quantile');
      const q = raw === undefined ? undefined : parseFloatLiteral(raw, 0, raw.length);
      if (q === undefined || !(q >= 0 && q <= 1)) fail(line, 1, `summary quantile sample needs a "quantile" label between 0 and 1, got ${raw === undefined ? 'none' : `"${raw}"`}`);
      if (this.strict && value < 0) fail(line, 1, 'summary quantile values must not be negative');
    }
    this.le = le;

    // Info samples form one group; the others are grouped by their labels less the skipped one.
    const skip = fam.groupSkipLabel(suffix);
    let same = fam.group !== undefined && (t === 'info' || labels.sameAs(fam.groupNames, fam.groupValues, fam.groupSize, skip));
    let g: string | undefined;
    if (!same && fam.group !== undefined && fam.groupSize > 32) {
      // Large label sets: compare canonical keys instead of pairwise.
      g = labels.groupKey(src, skip);
      same = g === fam.group;
    }
    if (same) {
      if ((ts === undefined) !== (fam.groupTs === undefined)) fail(line, 1, `mix of samples with and without timestamp in one metric point of "${fam.name}"`);
      if (ts !== undefined && fam.groupTs !== undefined && fam.groupTs > ts && t !== 'info') fail(line, 1, `timestamps of "${fam.name}" went backwards`);
    } else {
      g ??= t === 'info' ? '' : labels.groupKey(src, skip);
      const before = fam.seenGroups.size;
      fam.seenGroups.add(g); // one hash operation instead of has() + add()
      if (fam.seenGroups.size === before) fail(line, 1, `samples of one metric point of "${fam.name}" must be contiguous (invalid metric grouping)`);
      fam.group = g;
      fam.groupSize = labels.copyTo(fam.groupNames, fam.groupValues, skip);
    }
    fam.groupTs = ts;

    if (!this.strict) {
      if (exemplar && !exemplarAllowed(t, suffix)) fail(line, 1, EXEMPLAR_PLACEMENT);
      return;
    }
    if ((t === 'histogram' || t === 'gaugehistogram') && suffix !== Suffix.None) {
      const hist = fam.hist;
      if (!hist.active || !same || ts !== fam.histTs) {
        if (hist.active) {
          const err = hist.finish();
          if (err) fail(hist.line, 1, `${err}: "${fam.name}"`);
        }
        hist.start(line);
        fam.histTs = ts;
      }
      // A repeated bucket at the same timestamp is a duplicate sample, not a disorder.
      if (!(suffix === Suffix.Bucket && hist.lastLe === le)) {
        const err = hist.add(suffix, le, value);
        if (err) fail(line, 1, `${err}: "${fam.name}"`);
      }
    }

    if (t === 'stateset' && value !== 0 && value !== 1) fail(line, 1, `stateset sample values must be 0 or 1, got ${value}`);
    if (t === 'info' && value !== 1) fail(line, 1, `info sample values must be 1, got ${value}`);
    if (suffix === Suffix.Total || suffix === Suffix.Sum || suffix === Suffix.Count || suffix === Suffix.Bucket || suffix === Suffix.Gcount || suffix === Suffix.Gsum) {
      if (Number.isNaN(value)) fail(line, 1, 'counter-like samples must not be NaN');
      if (value < 0 && suffix !== Suffix.Gsum) fail(line, 1, `counter-like samples must not be negative, got ${value}`);
    }
    if (exemplar && !exemplarAllowed(t, suffix)) fail(line, 1, EXEMPLAR_PLACEMENT);
  }
}

const EXEMPLAR_PLACEMENT = 'exemplars are only allowed on histogram/gaugehistogram _bucket and counter _total samples';

function exemplarAllowed(t: MetricType, suffix: Suffix): boolean {
  return ((t === 'histogram' || t === 'gaugehistogram') && suffix === Suffix.Bucket) || (t === 'counter' && suffix === Suffix.Total);
}
