import type { MetricType } from '../../schemas/exposition/index.js';
import type { Labels } from '../../schemas/labels.js';
import { ClassicSeriesMemo } from './classic-histogram-nhcb.js';

/** One series of a target, after target labels and metric relabeling. */
export interface SeriesState {
  readonly labels: Labels;
  /** Scrape iteration that last appended it (duplicate detection). */
  seenIter: number;
  /** Timestamp of that append. */
  lastT: number;
  /** Scrape iteration in which it was last tracked for staleness (no explicit timestamp). */
  trackedIter: number;
}

/** A cache entry keyed by the series' raw exposition text; `state` null = dropped by relabeling. */
export interface RawEntry {
  readonly raw: string;
  /** The type of the series' family when the text was parsed (it decides which labels are checked). */
  readonly type: MetricType;
  state: SeriesState | null;
  seenIter: number;
  /** Index in the page order of iteration `posIter`. */
  pos: number;
  posIter: number;
}

/**
 * Per-target memory between scrapes, as Prometheus' scrapeCache: raw series text → final label
 * set (so an unchanged series skips label building and relabeling), and which series the previous
 * successful scrape had, so that those missing now get a staleness marker.
 *
 * Iterations: each scrape calls `begin()`; a successful one ends with `endSuccess()`, a failed one
 * with `endFailure()` (every series of the previous scrape becomes stale, as an empty scrape in
 * Prometheus, and the next scrape has no previous series).
 */
export class ScrapeCache {
  private readonly raw = new Map<string, RawEntry>();
  private readonly byKey = new Map<string, SeriesState>();
  /** Entries in page order, of this scrape and of the previous one (pages rarely change order); two arrays reused in turn. */
  private order: RawEntry[] = [];
  private orderLen = 0;
  private prevOrder: RawEntry[] = [];
  private prevLen = 0;
  /** Where in `prevOrder` the next series of this scrape probably is. */
  private cursor = 0;
  private iter = 0;
  private prevIter = -1;
  /** Which series texts are parts of classic histograms (`convert_classic_histograms_to_nhcb`). */
  readonly classicSeries = new ClassicSeriesMemo();

  /** Starts a scrape iteration. */
  begin(): void {
    this.iter++;
    this.classicSeries.begin();
    const spare = this.prevOrder;
    this.prevOrder = this.order;
    this.prevLen = this.orderLen;
    // Reuse the older array unless it is much longer than pages now are (it keeps entries alive).
    this.order = spare.length > 2 * this.prevLen + 1024 ? [] : spare;
    this.orderLen = 0;
    this.cursor = 0;
  }

  /**
   * The likely entry of the next series: the one after the previous series' place in the
   * previous scrape (a series added to the page leaves the guess where it was; one removed is
   * caught up with at the next `lookup` hit).
   */
  expected(): RawEntry | undefined {
    return this.cursor < this.prevLen ? this.prevOrder[this.cursor] : undefined;
  }

  /** The series text matched `expected()`: the same as `lookup` finding it. */
  hit(e: RawEntry): SeriesState | null {
    e.seenIter = this.iter;
    this.cursor++;
    this.place(e);
    return e.state;
  }

  private place(e: RawEntry): void {
    e.pos = this.orderLen;
    e.posIter = this.iter;
    this.order[this.orderLen++] = e;
  }

  get iteration(): number {
    return this.iter;
  }

  /** The cached state for raw series text: a state, null (dropped), or undefined (unknown). */
  lookup(raw: string): SeriesState | null | undefined {
    const e = this.raw.get(raw);
    if (e === undefined) return undefined;
    e.seenIter = this.iter;
    if (e.posIter === this.iter - 1) this.cursor = e.pos + 1;
    this.place(e);
    return e.state;
  }

  /** Remembers raw text → final labels (`key` = canonical form), or null when dropped. */
  remember(raw: string, labels: Labels | null, key: string, type: MetricType = 'unknown'): SeriesState | null {
    let state: SeriesState | null = null;
    if (labels !== null) {
      state = this.byKey.get(key) ?? null;
      if (state === null) {
        state = { labels, seenIter: -1, lastT: 0, trackedIter: -1 };
        this.byKey.set(key, state);
      }
    }
    const e: RawEntry = { raw, type, state, seenIter: this.iter, pos: 0, posIter: -1 };
    this.raw.set(raw, e);
    this.place(e);
    return state;
  }

  /**
   * Marks the series appended at `t` in this iteration; false when it was already appended at the
   * same timestamp in this scrape (a duplicate, which Prometheus does not store twice).
   */
  markAppended(state: SeriesState, t: number, trackStaleness: boolean): boolean {
    if (state.seenIter === this.iter && state.lastT === t) return false;
    state.seenIter = this.iter;
    state.lastT = t;
    if (trackStaleness) state.trackedIter = this.iter;
    return true;
  }

  /** Calls `stale` for every series of the previous scrape not tracked in this one; then forgets the unseen. */
  endSuccess(stale: (labels: Labels) => void): void {
    const prev = this.prevIter;
    for (const [key, s] of this.byKey) {
      if (s.trackedIter === prev && prev >= 0) stale(s.labels);
      if (s.seenIter !== this.iter) this.byKey.delete(key);
    }
    for (const [raw, e] of this.raw) if (e.seenIter !== this.iter) this.raw.delete(raw);
    this.prevIter = this.iter;
  }

  /** A failed scrape: every series of the previous scrape is stale; nothing counts as previous after. */
  endFailure(stale: (labels: Labels) => void): void {
    const prev = this.prevIter;
    if (prev >= 0) for (const s of this.byKey.values()) if (s.trackedIter === prev) stale(s.labels);
    this.prevIter = -1;
  }

  /** Series the previous successful scrape tracked (for end-of-run staleness). */
  previousSeries(): Labels[] {
    const out: Labels[] = [];
    if (this.prevIter < 0) return out;
    for (const s of this.byKey.values()) if (s.trackedIter === this.prevIter) out.push(s.labels);
    return out;
  }

  /** Forgets raw text → labels (after a change of label-affecting config); staleness memory stays. */
  invalidateLabels(): void {
    this.raw.clear();
    this.order = [];
    this.orderLen = 0;
    this.prevOrder = [];
    this.prevLen = 0;
  }

  get size(): number {
    return this.byKey.size;
  }
}
