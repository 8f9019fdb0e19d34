import type { LabelMatcher } from '../tsdb/index.js';
import { compileSelectorRegexp } from '../../schemas/regexp/index.js';

/** What one applied record (or one retention pass) changed in a shard. */
interface Change {
  /** Offset of the record; a retention pass takes the shard's position when it ran. */
  readonly offset: number;
  readonly minT: number;
  readonly maxT: number;
  /** Metric names touched; null when any may have been (a deletion without a name, retention). */
  readonly names: ReadonlySet<string> | null;
}

/** One selection a cached result read: matchers and time range (ms, inclusive). */
export interface ReadSelection {
  readonly matchers: readonly LabelMatcher[];
  readonly start: number;
  readonly end: number;
}

/**
 * Per shard, what each applied record touched (time range and metric names), so the store can
 * answer "did anything a read selected change since offset X?" exactly at the level of metric
 * names and time: a late or backfilled sample and a deletion touch only their names and times.
 * The log holds at most `maxNames` name references; the oldest records go first, and a question
 * about an offset before what is kept answers "changed" (the caller evaluates again).
 */
export class ShardChangeLog {
  private entries: Change[] = [];
  private first = 0;
  private names = 0;
  /** Records before this offset are not described here. */
  private floor: number;

  constructor(
    /** The shard's position when the log began (nothing before it is known). */
    startOffset: number,
    private readonly maxNames: number,
  ) {
    this.floor = startOffset;
  }

  /** The oldest offset a question may name and get an exact answer. */
  get describedFrom(): number {
    return this.floor;
  }

  record(offset: number, minT: number, maxT: number, names: ReadonlySet<string> | null): void {
    if (minT > maxT) return; // touched no sample
    this.entries.push({ offset, minT, maxT, names });
    this.names += names === null ? 1 : names.size;
    while (this.names > this.maxNames && this.first < this.entries.length) {
      const old = this.entries[this.first++];
      this.names -= old.names === null ? 1 : old.names.size;
      this.floor = Math.max(this.floor, old.offset + 1);
    }
    if (this.first > 1024 && this.first * 2 > this.entries.length) {
      this.entries = this.entries.slice(this.first);
      this.first = 0;
    }
  }

  /** Whether a record at or after `since` touched a series `sel` may select, in its time range. */
  changedSince(since: number, sel: ReadSelection): boolean {
    if (since < this.floor) return true;
    const nameMatches = nameMatcher(sel.matchers);
    // Entries are in offset order: find the first at or after `since` by bisection.
    let lo = this.first;
    let hi = this.entries.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.entries[mid].offset < since) lo = mid + 1;
      else hi = mid;
    }
    for (let i = lo; i < this.entries.length; i++) {
      const c = this.entries[i];
      if (c.maxT < sel.start || c.minT > sel.end) continue;
      if (c.names === null) return true;
      for (const n of c.names) if (nameMatches(n)) return true;
    }
    return false;
  }
}

/** The metric names a selection's `__name__` matchers admit (every name without one). */
function nameMatcher(matchers: readonly LabelMatcher[]): (name: string) => boolean {
  const tests = matchers.filter((m) => m.name === '__name__').map((m): ((v: string) => boolean) => {
    switch (m.type) {
      case '=': return (v) => v === m.value;
      case '!=': return (v) => v !== m.value;
      case '=~': {
        const re = compileSelectorRegexp(m.value);
        return (v) => re.test(v);
      }
      case '!~': {
        const re = compileSelectorRegexp(m.value);
        return (v) => !re.test(v);
      }
    }
  });
  return (name) => tests.every((t) => t(name));
}
