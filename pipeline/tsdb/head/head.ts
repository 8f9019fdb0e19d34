import type { Labels } from '../../../schemas/labels.js';
import type { FloatHistogram } from '../../../schemas/native-histogram/index.js';
import { takesPrecedence } from '../chunks/index.js';
import { DuplicateSampleError, InvalidSampleError } from '../errors.js';
import { MemPostings, SymbolTable, postingsForMatchers } from '../index/index.js';
import type { LabelMatcher, Querier, Queryable } from '../querier.js';
import { ChunkArena } from './chunk-arena.js';
import { HeadQuerier } from './head-querier.js';
import { MemSeries, type StoredSample } from './mem-series.js';
import type { SampleLog } from './sample-log.js';
import { isSafeIntegerTime } from '../../../schemas/safe-integer-time.js';

export interface HeadOptions {
  /** Chunks never straddle multiples of this range (the block range); default 2 h. */
  readonly chunkRangeMs?: number;
}

/** Counters the head keeps (the store role exports them to /metrics). */
export interface HeadStats {
  samplesAppended: number;
  outOfOrderAppended: number;
  duplicatesIgnored: number;
  duplicateErrors: number;
  invalid: number;
  seriesCreated: number;
  seriesRemoved: number;
}

const DAY = 24 * 3600_000;

/**
 * The in-memory part of the TSDB: series keyed by a hash of their canonical labels, a postings
 * index over interned label strings, and compressed chunks per series. Single-threaded: appends
 * and reads run on the event loop, so a querier sees a consistent state at the time it reads.
 */
/** `appendRef`'s sample as columns for `appendRefAt`. */
const ONE_T = new Float64Array(1);
const ONE_V = new Float64Array(1);

export class Head implements Queryable {
  readonly chunkRange: number;
  readonly postings = new MemPostings();
  readonly symbols = new SymbolTable();
  /** Slabs holding the closed chunks of every series. */
  readonly arena = new ChunkArena();
  readonly stats: HeadStats = {
    samplesAppended: 0,
    outOfOrderAppended: 0,
    duplicatesIgnored: 0,
    duplicateErrors: 0,
    invalid: 0,
    seriesCreated: 0,
    seriesRemoved: 0,
  };
  /**
   * Blocks hold every in-order sample older than this: an older sample is backfill, held with
   * the series' out-of-order samples until it is written to a block of its own.
   */
  minValidTime = -Infinity;
  /** Newest timestamp ever appended. */
  maxT = -Infinity;
  /**
   * Backfill samples held (older than `minValidTime` when appended, not yet in a block): the TSDB
   * writes them out once there are too many (memory) or they waited too long. Zeroed when a
   * truncation leaves no sample older than `minValidTime`.
   */
  backfillHeld = 0;
  log: SampleLog | null = null;
  /**
   * Deletions that rewrote series since the head was made: their closed chunks changed, so a head
   * checkpoint cannot reuse chunks an earlier one wrote.
   */
  rewrites = 0;

  private readonly byRef: (MemSeries | undefined)[] = [];
  private readonly byHash = new Map<number, MemSeries | MemSeries[]>();
  private nextRef = 1;
  private count = 0;
  private readonly scratch: StoredSample = { found: false, v: 0, stale: false };

  constructor(options: HeadOptions = {}) {
    this.chunkRange = options.chunkRangeMs ?? 2 * 3600_000;
    if (!(this.chunkRange > 0 && this.chunkRange <= 365 * DAY)) throw new RangeError(`chunkRangeMs must be in (0, 1y], got ${this.chunkRange}`);
  }

  get numSeries(): number {
    return this.count;
  }

  /** Every series ref is below this (`series(ref)` walks the head in ref order up to it). */
  get refLimit(): number {
    return this.nextRef;
  }

  /** The ref of the series with these labels, created if new. Empty-valued labels are dropped. */
  ref(labels: Labels): number {
    const h = hashLabels(labels);
    const found = this.findByHash(h, labels);
    if (found !== undefined) return found.ref;
    return this.create(this.nextRef, labels, h).ref;
  }

  /**
   * `ref(labels)`, trying `hint` (the ref these labels had before) first: when that series still
   * has exactly these labels, no hashing and no map lookup is needed.
   */
  refHinted(labels: Labels, hint: number): number {
    const s = this.byRef[hint];
    if (s !== undefined && sameLabels(s, labels)) return hint;
    return this.ref(labels);
  }

  /** Creates a series with a known ref (write-ahead-log replay). */
  createWithRef(ref: number, labels: Labels): MemSeries {
    const existing = this.byRef[ref];
    if (existing !== undefined) return existing;
    return this.create(ref, labels, hashLabels(labels));
  }

  /**
   * The series with these labels (empty values dropped, as `ref` drops them), if any; never
   * creates one. `hash`: hashLabels(labels), when the caller keeps it.
   */
  find(labels: Labels, hash = hashLabels(labels)): MemSeries | undefined {
    return this.findByHash(hash, labels);
  }

  private findByHash(h: number, labels: Labels): MemSeries | undefined {
    const e = this.byHash.get(h);
    if (e === undefined) return undefined;
    if (!Array.isArray(e)) return sameLabels(e, labels) ? e : undefined;
    for (const s of e) if (sameLabels(s, labels)) return s;
    return undefined;
  }

  private create(ref: number, raw: Labels, h: number): MemSeries {
    const names = Object.keys(raw).sort();
    const labels: Record<string, string> = {};
    let n = 0;
    for (const name of names) {
      const value = raw[name];
      if (typeof value !== 'string') {
        this.stats.invalid++;
        throw new InvalidSampleError(`label ${name} has a non-string value`, raw);
      }
      if (value === '') continue;
      labels[this.symbols.intern(name)] = this.symbols.intern(value);
      n++;
    }
    if (n === 0) {
      this.stats.invalid++;
      throw new InvalidSampleError('a series needs at least one non-empty label', raw);
    }
    const s = new MemSeries(ref, labels, h, this.arena);
    this.byRef[ref] = s;
    const e = this.byHash.get(h);
    if (e === undefined) this.byHash.set(h, s);
    else if (Array.isArray(e)) e.push(s);
    else this.byHash.set(h, [e, s]);
    this.postings.add(ref, labels);
    if (ref >= this.nextRef) this.nextRef = ref + 1;
    this.count++;
    this.stats.seriesCreated++;
    this.log?.series(ref, labels);
    return s;
  }

  series(ref: number): MemSeries | undefined {
    return this.byRef[ref];
  }

  /** Appends by labels (looks the series up by hash; creates it if new). */
  append(labels: Labels, t: number, v: number, stale = false, st = 0): void {
    this.appendRef(this.ref(labels), t, v, stale, st);
  }

  /**
   * Appends by series ref (the fast path). Every timestamp is taken, however old: a sample newer
   * than the series' newest goes to its in-order chunks; an older one, or one older than the
   * blocks cut already (backfill), joins the series' out-of-order samples, which reads merge and
   * the next cut writes into blocks overlapping the older ones. A sample equal to the stored one
   * at the same timestamp is ignored (idempotent replays); of another value there, the one that
   * takes precedence (a staleness marker, then the larger value: sample-precedence.ts) is kept,
   * whichever came first, and the other throws DuplicateSampleError: the kept value is the one
   * the blocks would keep had the first been cut already. `st`, when not 0, is the sample's
   * start timestamp, kept with an accepted sample.
   */
  appendRef(ref: number, t: number, v: number, stale = false, st = 0): void {
    ONE_T[0] = t;
    ONE_V[0] = v;
    this.appendRefAt(ref, ONE_T, ONE_V, 0, stale, st);
  }

  /**
   * `appendRef` of sample `i` of the columns `ts` and `vs`: a reader of columns (the store) hands
   * the columns and an index on, so the sample's doubles are not a new heap number at each call
   * on the way to the chunk (see XorAppender.appendAt).
   */
  appendRefAt(ref: number, ts: ArrayLike<number>, vs: ArrayLike<number>, i: number, stale = false, st = 0): void {
    const s = this.byRef[ref];
    const t = ts[i];
    const v = vs[i];
    if (s === undefined || !isSafeIntegerTime(t)) {
      this.stats.invalid++;
      throw new InvalidSampleError(s === undefined ? `unknown series ref ${ref}` : `timestamp ${t} is not an integer number of milliseconds`, s?.labels);
    }
    if (t >= this.minValidTime) {
      if (t > s.maxT) {
        s.appendInOrderAt(ts, vs, i, stale, this.chunkRange);
        if (t > this.maxT) this.maxT = t;
        this.stats.samplesAppended++;
        this.log?.sample(ref, t, v, stale);
        if (st !== 0) this.keepStart(s, t, st);
        return;
      }
      if (t === s.maxT && s.sameAsLast(v, stale)) {
        this.stats.duplicatesIgnored++;
        return;
      }
    }
    const got = s.lookup(t, this.scratch);
    if (got.found) {
      if (got.stale === stale && (stale || got.v === v || (got.v !== got.v && v !== v))) {
        this.stats.duplicatesIgnored++;
        return;
      }
      if (!takesPrecedence(v, stale, got.v, got.stale)) {
        this.stats.duplicateErrors++;
        throw new DuplicateSampleError(s.labels, t);
      }
    }
    s.insertOutOfOrder(t, v, stale);
    if (t > this.maxT) this.maxT = t;
    if (t < this.minValidTime) this.backfillHeld++;
    this.stats.samplesAppended++;
    this.stats.outOfOrderAppended++;
    this.log?.sample(ref, t, v, stale);
    if (st !== 0) this.keepStart(s, t, st);
  }

  /**
   * Appends the samples of a run of one series, `ts[from..to)`, none a staleness marker and none
   * with a start timestamp, as `appendRef` one by one would, as far as they are in order: newer
   * than the series' newest and than the one before, inside the head's range. Those are stored
   * in one call (whole chunks encoded once, see MemSeries.appendRunInOrder); returns the index
   * of the first sample not taken, which the caller hands to `appendRef`.
   */
  appendRunRef(ref: number, ts: ArrayLike<number>, vs: ArrayLike<number>, from: number, to: number): number {
    const s = this.byRef[ref];
    if (s === undefined) return from;
    let prev = s.maxT;
    const minValid = this.minValidTime;
    let end = from;
    for (; end < to; end++) {
      const t = ts[end];
      if (!(t > prev) || t < minValid || !isSafeIntegerTime(t)) break;
      prev = t;
    }
    if (end === from) return from;
    s.appendRunInOrder(ts, vs, from, end, this.chunkRange);
    if (prev > this.maxT) this.maxT = prev;
    this.stats.samplesAppended += end - from;
    const log = this.log;
    if (log !== null) for (let i = from; i < end; i++) log.sample(ref, ts[i], vs[i], false);
    return end;
  }

  /**
   * Appends the samples of a run of one series, `ts[from..to)`, none a staleness marker and none
   * with a start timestamp, as far as they are the older part of a backfilled series in order:
   * each out of order for `appendRef` (older than the head's range, or than the series' in-order
   * samples), older than every in-order sample and newer than every out-of-order one the series
   * holds, so none is stored yet and none is looked up. Returns the index of the first sample not
   * taken. Not for samples that may be in blocks already (a replay after a crash: see Shard).
   */
  appendBackfillRunRef(ref: number, ts: ArrayLike<number>, vs: ArrayLike<number>, from: number, to: number): number {
    const s = this.byRef[ref];
    if (s === undefined) return from;
    // Without in-order samples, a sample inside the head's range would be in order.
    const end = s.appendOutOfOrderRun(ts, vs, from, to, s.maxT === -Infinity ? this.minValidTime : Infinity);
    if (end === from) return from;
    const minValid = this.minValidTime;
    for (let i = from; i < end; i++) if (ts[i] < minValid) this.backfillHeld++;
    if (ts[end - 1] > this.maxT) this.maxT = ts[end - 1];
    this.stats.samplesAppended += end - from;
    this.stats.outOfOrderAppended += end - from;
    const log = this.log;
    if (log !== null) for (let i = from; i < end; i++) log.sample(ref, ts[i], vs[i], false);
    return end;
  }

  /** Keeps an accepted sample's start timestamp and logs it. */
  private keepStart(s: MemSeries, t: number, st: number): void {
    if (!Number.isSafeInteger(st)) throw new InvalidSampleError(`start timestamp ${st} is not an integer number of milliseconds`, s.labels);
    s.setStartTimestamp(t, st);
    this.log?.startTimestamp?.(s.ref, t, st);
  }

  /** Puts back a start timestamp the write-ahead log holds (replay). */
  restoreStartTimestamp(ref: number, t: number, st: number): void {
    const s = this.byRef[ref];
    if (s === undefined) throw new InvalidSampleError(`unknown series ref ${ref}`);
    s.setStartTimestamp(t, st);
  }

  /** Appends a native-histogram sample by labels. */
  appendHistogram(labels: Labels, t: number, h: FloatHistogram, st = 0): void {
    this.appendHistogramRef(this.ref(labels), t, h, st);
  }

  /**
   * Appends a native-histogram sample by series ref, with the float path's rules: any timestamp
   * is taken, an equal histogram at the same timestamp is ignored, a different one replaces the
   * stored one if it takes precedence and throws DuplicateSampleError otherwise.
   */
  appendHistogramRef(ref: number, t: number, h: FloatHistogram, st = 0): void {
    const s = this.byRef[ref];
    if (s === undefined || !isSafeIntegerTime(t)) {
      this.stats.invalid++;
      throw new InvalidSampleError(s === undefined ? `unknown series ref ${ref}` : `timestamp ${t} is not an integer number of milliseconds`, s?.labels);
    }
    const newest = s.histogramMaxT;
    const outcome = s.appendHistogram(t, h);
    if (outcome === 'duplicate') {
      this.stats.duplicatesIgnored++;
      return;
    }
    if (outcome === 'conflict') {
      this.stats.duplicateErrors++;
      throw new DuplicateSampleError(s.labels, t);
    }
    if (outcome === 'replaced') {
      this.stats.samplesAppended++;
      this.log?.histogram(ref, t, h);
      if (st !== 0) this.keepStart(s, t, st);
      return;
    }
    if (t > this.maxT) this.maxT = t;
    if (t < this.minValidTime) this.backfillHeld++;
    this.stats.samplesAppended++;
    if (t < newest) this.stats.outOfOrderAppended++;
    this.log?.histogram(ref, t, h);
    if (st !== 0) this.keepStart(s, t, st);
  }

  /** Puts back a histogram sample the write-ahead log holds (replay; see restoreRef). */
  restoreHistogramRef(ref: number, t: number, h: FloatHistogram): void {
    const s = this.byRef[ref];
    if (s === undefined || !isSafeIntegerTime(t)) throw new InvalidSampleError(s === undefined ? `unknown series ref ${ref}` : `timestamp ${t} is not an integer number of milliseconds`, s?.labels);
    if (s.appendHistogram(t, h) === 'added' && t < this.minValidTime) this.backfillHeld++;
    if (t > this.maxT) this.maxT = t;
  }

  /**
   * Puts back a sample the write-ahead log holds (replay): the head accepted it once, so it takes
   * it again without counting it (a crash between cutting a block and rolling the log replays
   * samples the block holds too; reads and compaction merge such duplicates). Of two values at
   * one timestamp the one that takes precedence is kept, as appendRef keeps it.
   */
  restoreRef(ref: number, t: number, v: number, stale: boolean): void {
    const s = this.byRef[ref];
    if (s === undefined || !isSafeIntegerTime(t)) throw new InvalidSampleError(s === undefined ? `unknown series ref ${ref}` : `timestamp ${t} is not an integer number of milliseconds`, s?.labels);
    if (t >= this.minValidTime && t > s.maxT) {
      s.appendInOrder(t, v, stale, this.chunkRange);
      if (t > this.maxT) this.maxT = t;
      return;
    }
    const got = s.lookup(t, this.scratch);
    if (got.found && !takesPrecedence(v, stale, got.v, got.stale)) return;
    s.insertOutOfOrder(t, v, stale);
    if (t > this.maxT) this.maxT = t;
    if (t < this.minValidTime) this.backfillHeld++;
  }

  /**
   * Oldest timestamp at or after `bound` held in memory, in order or not (Infinity when none): the
   * start of what the next in-order cut writes, leaving out out-of-order samples below `bound`.
   */
  minTimeFrom(bound: number): number {
    let min = Infinity;
    for (const s of this.byRef) {
      if (s === undefined) continue;
      const m = s.minT >= bound ? s.minT : s.minTimeFrom(bound);
      if (m < min) min = m;
    }
    return min;
  }

  /** Series matching all matchers, by ascending ref. */
  select(matchers: readonly LabelMatcher[]): MemSeries[] {
    const refs = postingsForMatchers(this.postings, matchers);
    const out: MemSeries[] = [];
    for (const r of refs) {
      const s = this.byRef[r];
      if (s !== undefined) out.push(s);
    }
    return out;
  }

  forEachSeries(fn: (s: MemSeries) => void): void {
    for (const s of this.byRef) if (s !== undefined) fn(s);
  }

  /** Oldest sample timestamp held in memory (Infinity when empty). */
  minTime(): number {
    let min = Infinity;
    for (const s of this.byRef) if (s !== undefined && s.minT < min) min = s.minT;
    return min;
  }

  /** Removes samples of matching series in [mint, maxt] (the head part of delete_series). */
  deleteSeries(matchers: readonly LabelMatcher[], mint: number, maxt: number): number {
    let touched = 0;
    for (const s of this.select(matchers)) {
      if (s.maxT < mint && !s.hasOutOfOrder && s.histT === null) continue;
      s.rewrite((t) => t >= mint && t <= maxt, this.chunkRange);
      touched++;
    }
    if (touched > 0) this.rewrites++;
    this.log?.deletion(matchers, mint, maxt);
    return touched;
  }

  /**
   * Forgets data before `boundary` (persisted in a block); samples older than it are backfill from
   * now on. Series left without samples are removed from the index.
   */
  truncate(boundary: number): void {
    if (boundary >= this.minValidTime) {
      this.minValidTime = boundary;
      this.backfillHeld = 0;
    }
    let removed = 0;
    for (const s of this.byRef) {
      if (s === undefined) continue;
      s.truncate(boundary);
      if (s.empty) {
        this.byRef[s.ref] = undefined;
        const e = this.byHash.get(s.hash)!;
        if (Array.isArray(e)) {
          const rest = e.filter((x) => x !== s);
          this.byHash.set(s.hash, rest.length === 1 ? rest[0] : rest);
        } else this.byHash.delete(s.hash);
        removed++;
      }
    }
    if (this.arena.hasSparseSlabs()) for (const s of this.byRef) s?.relocateSparse();
    if (removed > 0) {
      this.postings.retain((r) => this.byRef[r] !== undefined);
      this.count -= removed;
      this.stats.seriesRemoved += removed;
    }
  }

  querier(mint: number, maxt: number): Querier {
    return new HeadQuerier(this, mint, maxt);
  }
}

/** FNV-1a over UTF-16 code units: a cheap 32-bit key for the series map (collisions are chained). */
export function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

const FNV_PRIME = 0x01000193;

/**
 * The series-map key of a label set: FNV-1a over the non-empty values and the lengths of their
 * names, in name order. Names are left out of the hash (equality checks them) because they are
 * the same few strings in every series; hashing every character of them cost a third of the
 * lookup. Decoded batches hand labels over with names already sorted, so this is one pass
 * without allocating; unsorted names (or non-string values) go through the sorted name list.
 */
export function hashLabels(labels: Labels): number {
  let h = 0x811c9dc5;
  let prev = '';
  let first = true;
  for (const n in labels) {
    const v = labels[n];
    if ((!first && !(prev < n)) || typeof v !== 'string') return hashSorted(labels);
    first = false;
    prev = n;
    if (v === '') continue;
    h = Math.imul(h ^ n.length, FNV_PRIME);
    for (let i = 0; i < v.length; i++) h = Math.imul(h ^ v.charCodeAt(i), FNV_PRIME);
  }
  return smallHash(h);
}

function hashSorted(labels: Labels): number {
  let h = 0x811c9dc5;
  for (const n of Object.keys(labels).sort()) {
    const v = String(labels[n]);
    if (v === '') continue;
    h = Math.imul(h ^ n.length, FNV_PRIME);
    for (let i = 0; i < v.length; i++) h = Math.imul(h ^ v.charCodeAt(i), FNV_PRIME);
  }
  return smallHash(h);
}

/** 30 bits, folded: a small integer, so the series map keys never become heap numbers. */
function smallHash(h: number): number {
  return (h ^ (h >>> 30)) & 0x3fffffff;
}

/** Label equality ignoring empty values (which the head drops). */
function sameLabels(series: MemSeries, given: Labels): boolean {
  const stored = series.labels;
  let n = 0;
  for (const k in given) {
    const v = given[k];
    if (v === '') continue;
    if (stored[k] !== v) return false;
    n++;
  }
  return n === series.labelCount;
}
