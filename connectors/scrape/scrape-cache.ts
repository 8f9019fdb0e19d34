import type { Labels } from '../../schemas/labels.js';

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
interface RawEntry {
  state: SeriesState | null;
  seenIter: number;
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
  private iter = 0;
  private prevIter = -1;

  /** Starts a scrape iteration. */
  begin(): void {
    this.iter++;
  }

  get iteration(): number {
    return this.iter;
  }

  /** The cached state for raw series text: a state, null (dropped), or undefined (unknown). */
  lookup(raw: string): SeriesState | null | undefined {
    const e = this.raw.get(raw);
    if (e === undefined) return undefined;
    e.seenIter = this.iter;
    return e.state;
  }

  /** Remembers raw text → final labels (`key` = canonical form), or null when dropped. */
  remember(raw: string, labels: Labels | null, key: string): SeriesState | null {
    let state: SeriesState | null = null;
    if (labels !== null) {
      state = this.byKey.get(key) ?? null;
      if (state === null) {
        state = { labels, seenIter: -1, lastT: 0, trackedIter: -1 };
        this.byKey.set(key, state);
      }
    }
    this.raw.set(raw, { state, seenIter: this.iter });
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
  }

  get size(): number {
    return this.byKey.size;
  }
}
