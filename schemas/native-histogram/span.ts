import { HistogramError } from './errors.js';
import { exponentialBound, isExponentialSchema, targetIndex } from './schema.js';

/**
 * A run of consecutive buckets: `offset` is the gap (in bucket indices) after the previous span,
 * or the absolute index of the first bucket for the first span; `length` is the number of buckets.
 */
export interface Span {
  offset: number;
  length: number;
}

/** One bucket of a layout with its absolute index and its (absolute) count. */
export interface IndexedCount {
  index: number;
  count: number;
}

/** Counts from delta encoding (each bucket relative to the previous one) to absolute counts. */
export function deltasToAbsolute(deltas: readonly number[]): number[] {
  const out = new Array<number>(deltas.length);
  let current = 0;
  for (let i = 0; i < deltas.length; i++) {
    current += deltas[i];
    out[i] = current;
  }
  return out;
}

/** Absolute counts to delta encoding. */
export function absoluteToDeltas(counts: readonly number[]): number[] {
  const out = new Array<number>(counts.length);
  let previous = 0;
  for (let i = 0; i < counts.length; i++) {
    out[i] = counts[i] - previous;
    previous = counts[i];
  }
  return out;
}

/**
 * The buckets of a layout in index order. Extra spans past the buckets given are ignored (an
 * invalid histogram, which `validate` reports).
 */
export function* indexedCounts(spans: readonly Span[], counts: readonly number[]): Generator<IndexedCount> {
  let index = 0;
  let b = 0;
  for (let s = 0; s < spans.length; s++) {
    index += spans[s].offset;
    for (let j = 0; j < spans[s].length; j++) {
      if (b >= counts.length) return;
      yield { index, count: counts[b++] };
      index++;
    }
  }
}

/**
 * A layout from buckets in ascending index order: consecutive indices share a span, and gaps of
 * at most `maxGap` empty buckets are filled with explicit zeros instead of starting a new span.
 */
export function layoutFrom(buckets: Iterable<IndexedCount>, maxGap = 0): { spans: Span[]; counts: number[] } {
  const spans: Span[] = [];
  const counts: number[] = [];
  let last = 0;
  for (const { index, count } of buckets) {
    if (spans.length === 0) {
      spans.push({ offset: index, length: 1 });
    } else {
      const gap = index - last - 1;
      if (gap <= maxGap) {
        for (let k = 0; k < gap; k++) counts.push(0);
        spans[spans.length - 1].length += gap + 1;
      } else {
        spans.push({ offset: gap, length: 1 });
      }
    }
    counts.push(count);
    last = index;
  }
  return { spans, counts };
}

/**
 * Compaction as Prometheus defines it: empty buckets at the edges of spans go, spans at most
 * `maxEmptyBuckets` apart merge (the gap becomes explicit empty buckets), and runs of more than
 * `maxEmptyBuckets` empty buckets inside a span split it. The result depends only on where the
 * populated buckets are, so it is built from them directly.
 */
export function compactLayout(spans: readonly Span[], counts: readonly number[], maxEmptyBuckets: number): { spans: Span[]; counts: number[] } {
  const populated: IndexedCount[] = [];
  for (const b of indexedCounts(spans, counts)) if (b.count !== 0) populated.push(b);
  return layoutFrom(populated, maxEmptyBuckets);
}

/** Whether two layouts describe the same buckets (zero-length spans and zero offsets between spans do not matter). */
export function spansMatch(a: readonly Span[] | undefined, b: readonly Span[] | undefined): boolean {
  const x = normalizedSpans(a ?? []);
  const y = normalizedSpans(b ?? []);
  if (x.length !== y.length) return false;
  for (let i = 0; i < x.length; i++) if (x[i].offset !== y[i].offset || x[i].length !== y[i].length) return false;
  return true;
}

function normalizedSpans(spans: readonly Span[]): Span[] {
  const out: Span[] = [];
  let carry = 0;
  for (const s of spans) {
    if (s.length === 0) {
      carry += s.offset;
      continue;
    }
    const offset = s.offset + carry;
    carry = 0;
    if (out.length > 0 && offset === 0) out[out.length - 1].length += s.length;
    else out.push({ offset, length: s.length });
  }
  return out;
}

/**
 * Checks that spans and buckets agree: no negative offset after the first span, and as many
 * buckets as the spans need. `side` names the side in the message (`positive side`).
 */
export function checkSpans(spans: readonly Span[], bucketCount: number, side: string): void {
  let needed = 0;
  for (let n = 0; n < spans.length; n++) {
    if (n > 0 && spans[n].offset < 0) {
      throw new HistogramError('span_negative_offset', `${side}: span number ${n + 1} with offset ${spans[n].offset}`);
    }
    needed += spans[n].length;
  }
  if (needed !== bucketCount) {
    throw new HistogramError('spans_buckets_mismatch', `${side}: spans need ${needed} buckets, have ${bucketCount} buckets`);
  }
}

/**
 * The layout in a coarser schema: buckets that fall into the same target bucket are summed, and
 * every origin bucket (empty ones too) yields a target bucket. Throws on inconsistent layouts.
 */
export function reduceLayout(
  spans: readonly Span[],
  counts: readonly number[],
  originSchema: number,
  targetSchema: number,
): { spans: Span[]; counts: number[] } {
  checkSpans(spans, counts.length, 'reduce resolution');
  const merged: IndexedCount[] = [];
  for (const { index, count } of indexedCounts(spans, counts)) {
    const t = targetIndex(index, originSchema, targetSchema);
    const last = merged[merged.length - 1];
    if (last !== undefined && last.index === t) last.count += count;
    else merged.push({ index: t, count });
  }
  return layoutFrom(merged);
}

/**
 * `a + b` (or `a - b` when `subtract`) bucket by bucket, both in the same schema. Buckets of `b`
 * whose upper bound is at most `zeroThreshold` are inside the zero bucket and left out (the
 * caller has already counted them in the zero bucket). Buckets present in either layout are in
 * the result, even when empty; compact it to drop them.
 */
export function addLayouts(
  schema: number,
  zeroThreshold: number,
  subtract: boolean,
  spansA: readonly Span[],
  countsA: readonly number[],
  spansB: readonly Span[],
  countsB: readonly number[],
): { spans: Span[]; counts: number[] } {
  const a = [...indexedCounts(spansA, countsA)];
  const b: IndexedCount[] = [];
  for (const x of indexedCounts(spansB, countsB)) {
    if (isExponentialSchema(schema) && exponentialBound(x.index, schema) <= zeroThreshold) continue;
    b.push({ index: x.index, count: subtract ? -x.count : x.count });
  }
  const merged: IndexedCount[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (j >= b.length || (i < a.length && a[i].index < b[j].index)) merged.push({ ...a[i++] });
    else if (i >= a.length || b[j].index < a[i].index) merged.push({ ...b[j++] });
    else merged.push({ index: a[i].index, count: a[i++].count + b[j++].count });
  }
  return layoutFrom(merged);
}

/** The bounds both lists have (both ascending). */
export function intersectCustomBounds(a: readonly number[], b: readonly number[]): number[] {
  const out: number[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    if (a[i] === b[j]) {
      out.push(a[i]);
      i++;
      j++;
    } else if (a[i] < b[j]) i++;
    else j++;
  }
  return out;
}

/**
 * `a ± b` for custom-bucket histograms whose bounds differ: each bucket moves into the bucket of
 * `bounds` (the bounds both have) that contains it, i.e. the first bound at or above its own
 * upper bound, or the +Inf bucket. Empty result buckets are left out.
 */
export function addMismatchedCustomLayouts(
  subtract: boolean,
  spansA: readonly Span[],
  countsA: readonly number[],
  boundsA: readonly number[],
  spansB: readonly Span[],
  countsB: readonly number[],
  boundsB: readonly number[],
  bounds: readonly number[],
): { spans: Span[]; counts: number[] } {
  const target = new Array<number>(bounds.length + 1).fill(0);
  const map = (spans: readonly Span[], counts: readonly number[], own: readonly number[], sign: number) => {
    let t = 0;
    for (const { index, count } of indexedCounts(spans, counts)) {
      let into = bounds.length;
      if (index < own.length) {
        while (t < bounds.length && bounds[t] < own[index]) t++;
        if (t < bounds.length) into = t;
      }
      target[into] += sign * count;
    }
  };
  map(spansA, countsA, boundsA, 1);
  map(spansB, countsB, boundsB, subtract ? -1 : 1);
  const populated: IndexedCount[] = [];
  target.forEach((count, index) => {
    if (count !== 0) populated.push({ index, count });
  });
  return layoutFrom(populated);
}
