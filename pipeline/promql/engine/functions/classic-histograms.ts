import type { Labels } from '../../../../schemas/labels.js';
import { labelsKey } from '../label-keys.js';
import type { EvalContext } from '../eval-context.js';
import type { Sample } from '../types.js';

export interface Bucket {
  upper: number;
  count: number;
}

/** One classic histogram at one step: its bucket samples grouped by their labels other than `le`. */
export interface ClassicHistogram {
  /** The bucket series' labels without `le` (the name stays until the end: delayed removal). */
  readonly metric: Labels;
  readonly key: string;
  readonly name: string;
  /** Valid for the current step only: refilled by the next one. */
  readonly buckets: Bucket[];
}

interface HistogramSlot extends ClassicHistogram {
  /** The step that last filled `buckets`. */
  step: number;
  /** Bucket objects reused across steps (`buckets` holds the first of them). */
  readonly pool: Bucket[];
}

/** What a bucket series contributes, worked out once per query: its bound and its histogram. */
interface BucketSeries {
  /** Null when `le` is missing or malformed. */
  readonly upper: number | null;
  readonly name: string;
  readonly slot: HistogramSlot | null;
}

/**
 * Per query and call, the histogram of each bucket series: the series' label objects repeat
 * every step, so `le` parsing and label-set building happen once, and the output label sets of
 * one histogram are the same object at every step.
 */
export class ClassicHistogramGroups {
  // Weak: an input built anew each step (e.g. by label_replace) must not pile up for the query.
  private readonly bySeries = new WeakMap<Labels, BucketSeries>();
  private readonly byKey = new Map<string, HistogramSlot>();
  private step = 0;

  static of(node: object, ctx: EvalContext): ClassicHistogramGroups {
    let g = ctx.nodeCache.get(node) as ClassicHistogramGroups | undefined;
    if (g === undefined) {
      g = new ClassicHistogramGroups();
      ctx.nodeCache.set(node, g);
    }
    return g;
  }

  /**
   * The histograms of one step's bucket samples, in order of first appearance; `malformed` is
   * called for each sample whose `le` is missing or unparsable (that sample is skipped).
   */
  group(input: readonly Sample[], malformed: (s: Sample, name: string) => void): ClassicHistogram[] {
    const step = ++this.step;
    const out: ClassicHistogram[] = [];
    for (const s of input) {
      const series = this.bySeries.get(s.metric) ?? this.seriesOf(s.metric);
      const slot = series.slot;
      if (slot === null) {
        malformed(s, series.name);
        continue;
      }
      if (slot.step !== step) {
        slot.step = step;
        slot.buckets.length = 0;
        out.push(slot);
      }
      const i = slot.buckets.length;
      let b = slot.pool[i];
      if (b === undefined) slot.pool.push((b = { upper: 0, count: 0 }));
      b.upper = series.upper!;
      b.count = s.f;
      slot.buckets.push(b);
    }
    return out;
  }

  private seriesOf(metric: Labels): BucketSeries {
    const upper = parseLe(metric.le);
    const name = metric.__name__ ?? '';
    let slot: HistogramSlot | null = null;
    if (upper !== null) {
      const rest: Record<string, string> = {};
      for (const k in metric) if (k !== 'le') rest[k] = metric[k];
      const key = labelsKey(rest);
      slot = this.byKey.get(key) ?? null;
      if (slot === null) {
        slot = { metric: rest, key, name, buckets: [], step: 0, pool: [] };
        this.byKey.set(key, slot);
      }
    }
    const series = { upper, name, slot };
    this.bySeries.set(metric, series);
    return series;
  }
}

/** Parses an `le` value as Go's strconv.ParseFloat would (null when malformed). */
function parseLe(s: string | undefined): number | null {
  if (s === undefined) return null;
  const t = s.trim();
  if (t !== s || t === '') return null;
  if (/^[+-]?inf(inity)?$/i.test(t)) return t.startsWith('-') ? -Infinity : Infinity;
  if (/^nan$/i.test(t)) return NaN;
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(t) && !/^[+-]?0[xX][0-9a-fA-F]+$/.test(t)) return null;
  return Number(t);
}
