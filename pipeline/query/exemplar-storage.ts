import { canonicalLabels, type Labels } from '../../schemas/labels.js';
import type { SeriesExemplar } from '../../schemas/exemplar-codec.js';
import { compileSelectorRegexp } from '../../schemas/regexp/index.js';
import type { LabelMatcher } from '../tsdb/index.js';

/** The exemplars of one series in a time range, as `/api/v1/query_exemplars` lists them. */
export interface SeriesExemplars {
  readonly seriesLabels: Labels;
  readonly exemplars: ReadonlyArray<{ readonly labels: Labels; readonly value: number; readonly timestampMs: number }>;
}

/** Read side of exemplar storage. */
export interface ExemplarReader {
  /** Series matching any of the selectors, with their exemplars in [startMs, endMs], oldest first. */
  select(startMs: number, endMs: number, selectors: readonly (readonly LabelMatcher[])[]): SeriesExemplars[];
}

interface Slot {
  ex: SeriesExemplar;
  /** Next slot of the same series, -1 at its newest. */
  next: number;
  series: SeriesEntry;
}

interface SeriesEntry {
  readonly labels: Labels;
  readonly key: string;
  oldest: number;
  newest: number;
}

/**
 * Prometheus' circular exemplar storage: one ring of `max` exemplars shared by every series,
 * the oldest overwritten first, each series' exemplars linked oldest to newest. As there, an
 * exemplar equal to its series' newest is a duplicate (a page scraped again) and one older than
 * it is out of order; both are skipped.
 */
export class CircularExemplarStorage implements ExemplarReader {
  private readonly ring: (Slot | undefined)[];
  private nextIndex = 0;
  private readonly index = new Map<string, SeriesEntry>();

  constructor(readonly max: number) {
    this.ring = new Array<Slot | undefined>(Math.max(0, max));
  }

  /** Adds exemplars; returns how many were stored (not duplicates, not out of order). */
  add(exemplars: readonly SeriesExemplar[]): number {
    if (this.ring.length === 0) return 0;
    let stored = 0;
    for (const ex of exemplars) {
      const key = canonicalLabels(ex.series);
      let entry = this.index.get(key);
      if (entry !== undefined) {
        const newest = this.ring[entry.newest]!.ex;
        if (newest.timestampMs > ex.timestampMs) continue;
        if (newest.timestampMs === ex.timestampMs && newest.value === ex.value && canonicalLabels(newest.labels) === canonicalLabels(ex.labels)) continue;
      }
      const i = this.nextIndex;
      this.evict(i);
      if (entry === undefined || !this.index.has(key)) {
        entry = { labels: ex.series, key, oldest: i, newest: i };
        this.index.set(key, entry);
      } else {
        this.ring[entry.newest]!.next = i;
        entry.newest = i;
      }
      this.ring[i] = { ex, next: -1, series: entry };
      this.nextIndex = (i + 1) % this.ring.length;
      stored++;
    }
    return stored;
  }

  /** Frees slot `i`, the oldest of its series. */
  private evict(i: number): void {
    const old = this.ring[i];
    if (old === undefined) return;
    const s = old.series;
    if (old.next === -1) this.index.delete(s.key);
    else s.oldest = old.next;
    this.ring[i] = undefined;
  }

  select(startMs: number, endMs: number, selectors: readonly (readonly LabelMatcher[])[]): SeriesExemplars[] {
    const tests = selectors.map(compileSelector);
    const out: SeriesExemplars[] = [];
    for (const s of this.index.values()) {
      if (!tests.some((t) => t(s.labels))) continue;
      const found: Array<{ labels: Labels; value: number; timestampMs: number }> = [];
      for (let i = s.oldest; i !== -1; i = this.ring[i]!.next) {
        const { labels, value, timestampMs } = this.ring[i]!.ex;
        if (timestampMs >= startMs && timestampMs <= endMs) found.push({ labels, value, timestampMs });
      }
      if (found.length > 0) out.push({ seriesLabels: s.labels, exemplars: found });
    }
    return out;
  }
}

function compileSelector(ms: readonly LabelMatcher[]): (labels: Labels) => boolean {
  const tests = ms.map((m) => {
    if (m.type === '=') return (v: string) => v === m.value;
    if (m.type === '!=') return (v: string) => v !== m.value;
    const re = compileSelectorRegexp(m.value);
    return m.type === '=~' ? (v: string) => re.test(v) : (v: string) => !re.test(v);
  });
  return (labels) => ms.every((m, i) => tests[i](labels[m.name] ?? ''));
}
