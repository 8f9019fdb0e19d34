/**
 * One rule's state over one input partition: what it remembers of each input series (its last
 * sample, for counters and ordering; its pending sample under deduplication) and the partial
 * accumulators of the windows still open. A partition's records are applied in log order, so
 * this state is a function of the partition's records up to an offset: what a checkpoint saves.
 */
import type { HistogramValue, Labels } from '../../schemas/index.js';
import { FloatHistogram } from '../../schemas/native-histogram/index.js';
import type { CompiledRule } from './compiled-rule.js';
import { addBucket, addHistogramBuckets, mergeInto, newAccumulator, type AccumulatorNeeds, type WindowAccumulator } from './window-accumulator.js';
import { ALIVE, FIELDS, INC, LAST_TS as ACC_LAST_TS, LAST_V as ACC_LAST_V, gatherColumn, M2, MAX, MEAN, MIN, RATE_N, RATE_SUM, SAMPLES, SERIES, SUM, WindowColumns } from './window-columns.js';

/**
 * A series' numbers live in its PartitionState's columns (`SeriesColumns`), at `row`; the entry
 * keeps what is not a number. As object fields, each number was a heap box of its own (V8 keeps
 * a double field boxed): a dozen per series and rule, which the garbage collector traced again
 * and again.
 */
export interface SeriesEntry {
  /** The series' key in its PartitionState: canonicalLabels() of its labels (its group's key is read off it). */
  readonly key: string;
  /** Row of the series' numbers in the partition state's columns. */
  readonly row: number;
  /** The series' output group: its slot in the partition state's groups (and window columns). */
  readonly slot: number;
  /** The pending sample when it is a native histogram. */
  pendingH: FloatHistogram | null;
  /** Last applied native histogram of a counter histogram series (histogram_bucket counts the observations since). */
  lastH: FloatHistogram | null;
  /** Set when the series was forgotten (stale): holders of this entry must look the series up again. */
  forgotten: boolean;
}

/*
 * A series' numbers, at offset row * STRIDE, those every sample reads first: GROUP, SEEN_TS and
 * WIN are all a counting rule reads (countRows), the first ten all a counter rule does.
 * GROUP: the series' group slot (as the entry's `slot`: read here, the per-sample path need not load the entry).
 * SEEN_TS: newest timestamp seen (applied or pending); older samples are out of order.
 * LAST_TS, LAST_V, HAS_LAST (0/1): last applied sample, the counter baseline while HAS_LAST.
 * WIN, WIN_INC, WIN_FROM, WIN_TO, WIN_FOLDED (0/1): window of the series' latest applied sample,
 * its increase and span there (for rates), and whether its rate went into the window.
 * PENDING_BUCKET, PENDING_TS, PENDING_V: deduplication, the newest sample of the current dedup
 * interval (applied when the interval ends; bucket 0 when none).
 */
const GROUP = 0;
const SEEN_TS = 1;
const WIN = 2;
const HAS_LAST = 3;
const LAST_V = 4;
const WIN_INC = 5;
const LAST_TS = 6;
const WIN_TO = 7;
const WIN_FROM = 8;
const WIN_FOLDED = 9;
const PENDING_BUCKET = 10;
const PENDING_TS = 11;
const PENDING_V = 12;
const STRIDE = 13;
/** The numbers a checkpoint keeps, in the order it writes them (GROUP follows from the labels). */
const CHECKPOINT_FIELDS = [SEEN_TS, LAST_TS, LAST_V, HAS_LAST, WIN, WIN_INC, WIN_FROM, WIN_TO, WIN_FOLDED, PENDING_BUCKET, PENDING_TS, PENDING_V] as const;
/** How many of a row's numbers a checkpoint keeps. */
export const SERIES_NUMBERS: number = CHECKPOINT_FIELDS.length;

/**
 * Where a rule's closed-through point is read (its RuleState). Passed as an object: a
 * timestamp is no small integer, and a number argument to a call that is not inlined is boxed,
 * one heap number per series and record.
 */
export interface ClosedThrough {
  readonly closedThrough: number;
}

export type SampleOutcome = 'applied' | 'out_of_order' | 'late';

export interface SampleCounts {
  applied: number;
  late: number;
  outOfOrder: number;
}

const NO_STALE: readonly number[] = [];
/** applyRow's one series, at the first position of its range. */
const FIRST_POSITION = new Int32Array(1);
const NO_NEEDS: AccumulatorNeeds = { values: false, buckets: false };

/** A level of PartitionState.byValues: label value -> the next level, or (the last) the group's slot. */
type ByLevel = Map<string, ByLevel | number>;

/**
 * Input series forgotten so far by every PartitionState of this process. A record layout
 * position (record-hints.ts) resolved when this count was the same holds no forgotten entry, and
 * is reused without visiting its entries (each one a load from elsewhere in the heap, per series
 * and record: a sixth of the aggregator's per-sample time in a profile of the aggregation bench).
 */
let forgottenSeries = 0;

export function seriesForgotten(): number {
  return forgottenSeries;
}


export class PartitionState {
  readonly series = new Map<string, SeriesEntry>();
  /**
   * The rows of `series`' entries in its order, visited by closeInto (an array walk, not the
   * map's; rows, not entries: the walk reads the columns, and an entry is a load from elsewhere).
   */
  private order: number[] = [];
  /** The series' numbers, STRIDE per row; rows of forgotten series are reused. */
  private cols = new Float64Array(STRIDE * 64);
  private rows = 0;
  private readonly freeRows: number[] = [];
  /** Row -> its entry (for what is not a number: histograms, forgetting). */
  private readonly byRow: (SeriesEntry | undefined)[] = [];
  /**
   * Open windows in the order they opened (rarely more than two): found by a walk comparing ends,
   * where a map keyed by a window's end hashed a timestamp per series and window.
   */
  private readonly windows: WindowColumns[] = [];
  /** The window last applied to (consecutive samples of a record are mostly in one window). */
  private current: WindowColumns | undefined;
  /**
   * The columns of the window closed last, for the next window opened: made anew, every window
   * allocated its arrays again (14 numbers per group) and grew them group by group as they opened.
   */
  private spare: WindowColumns | undefined;
  /** Output groups: key -> slot, and per slot its key, labels and how many entries feed it. */
  private readonly groupSlots = new Map<string, number>();
  private readonly groupKeys: (string | undefined)[] = [];
  private readonly groupLabels: (Labels | undefined)[] = [];
  private readonly groupUsers: number[] = [];
  private readonly freeSlots: number[] = [];
  /** Slots no entry feeds any more, freed once no open window holds them. */
  private unused: number[] = [];
  /**
   * With `by`: slots by the input's name, then by each `by` value in turn (nested maps). A new
   * series finds its group by the label strings it has, with no key string built and hashed per
   * series and rule (that, and the map lookup by it, was most of a new series' cost per rule).
   */
  private readonly byValues = new Map<string, ByLevel>();
  /** applyRow's series and its range, as applyRows reads them (no arrays made per call). */
  private readonly oneRow = new Int32Array(1);
  private readonly oneRange: number[] = new Array<number>(2).fill(0);
  /** What closeInto merges a group's numbers from (its labels are not read). */
  private scratch: WindowAccumulator | undefined;
  /**
   * Moves on whenever a series is added or forgotten: while it is unchanged, the series (and
   * their order) are those of the last checkpoint, whose series rows are then written again as
   * they were (see CheckpointSeriesTable).
   */
  seriesVersion = 0;
  /** Whether some entry may hold native-histogram state (lastH, pendingH): otherwise a checkpoint need not look. */
  histograms = false;

  constructor(private readonly rule: CompiledRule) {}

  entry(key: string, labels: Labels): SeriesEntry {
    let e = this.series.get(key);
    if (e === undefined) {
      const slot = this.slotOfSeries(key, labels);
      const row = this.newRow();
      this.cols[row * STRIDE + GROUP] = slot;
      this.groupUsers[slot]!++;
      // Every field set from the start: one object shape for all entries.
      e = { key, row, slot, pendingH: null, lastH: null, forgotten: false };
      this.series.set(key, e);
      this.seriesVersion++;
      this.order.push(row);
      this.byRow[row] = e;
    }
    return e;
  }

  /** The slot of the group of an input series (`key` its canonical key). */
  private slotOfSeries(key: string, labels: Labels): number {
    const by = this.rule.group.by;
    if (by === undefined) return this.groupSlot(this.rule.group.keyOfSeries(key, labels), labels, false);
    // A missing label and an empty one are the same group (as in keyOf).
    let level: ByLevel = this.byValues;
    let v = labels.__name__ ?? '';
    for (let i = 0; i < by.length; i++) {
      let next = level.get(v);
      if (next === undefined) level.set(v, (next = new Map()));
      level = next as ByLevel;
      v = labels[by[i]!] ?? '';
    }
    let slot = level.get(v) as number | undefined;
    if (slot === undefined) level.set(v, (slot = this.groupSlot(this.rule.group.keyOf(labels), labels, false)));
    return slot;
  }

  /** Lets go of a freed group's entry in `byValues`, and of the levels it leaves empty. */
  private forgetByValues(group: Labels): void {
    const by = this.rule.group.by;
    if (by === undefined) return;
    const path = [group.__name__ ?? '', ...by.map((n) => group[n] ?? '')];
    const levels: ByLevel[] = [this.byValues];
    for (let i = 0; i < path.length - 1; i++) {
      const next = levels[i]!.get(path[i]!);
      if (next === undefined) return;
      levels.push(next as ByLevel);
    }
    for (let i = path.length - 1; i >= 0; i--) {
      levels[i]!.delete(path[i]!);
      if (levels[i]!.size > 0) return;
    }
  }

  /** The slot of the group with key `key`; `labels` are an input series' (or, `isGroup`, the group's own). */
  private groupSlot(key: string, labels: Labels, isGroup: boolean): number {
    let slot = this.groupSlots.get(key);
    if (slot === undefined) {
      slot = this.freeSlots.pop() ?? this.groupKeys.length;
      this.groupSlots.set(key, slot);
      this.groupKeys[slot] = key;
      this.groupLabels[slot] = isGroup ? labels : this.rule.group.groupOf(labels);
      this.groupUsers[slot] = 0;
    }
    return slot;
  }

  private newRow(): number {
    let row = this.freeRows.pop();
    if (row === undefined) {
      row = this.rows++;
      if (this.rows * STRIDE > this.cols.length) {
        const grown = new Float64Array(this.cols.length * 2);
        grown.set(this.cols);
        this.cols = grown;
      }
    }
    const o = row * STRIDE;
    this.cols.fill(0, o, o + STRIDE);
    this.cols[o + SEEN_TS] = this.cols[o + LAST_TS] = Number.NEGATIVE_INFINITY;
    this.cols[o + WIN_FOLDED] = 1;
    return row;
  }

  /** Copies the series' numbers a checkpoint keeps (SERIES_NUMBERS of them, in the order of the columns above) to `into` at `at`. */
  copyNumbers(e: SeriesEntry, into: Float64Array, at: number): void {
    const o = e.row * STRIDE;
    for (let i = 0; i < SERIES_NUMBERS; i++) into[at + i] = this.cols[o + CHECKPOINT_FIELDS[i]!]!;
  }

  /**
   * Number `field` (< SERIES_NUMBERS) of every series, in the order of `series`, into `into`;
   * returns whether all of them are +0. A checkpoint's column, read row by row off the columns
   * (not entry by entry: an entry is a load from elsewhere in the heap).
   */
  copyColumn(field: number, into: Float64Array): boolean {
    const order = this.order;
    if (order.length !== into.length) throw new Error(`aggregation state of ${order.length} series read into a column of ${into.length}`);
    return gatherColumn(this.cols, order, STRIDE, CHECKPOINT_FIELDS[field]!, into);
  }

  /** The series with native-histogram state, as [position in `series`' order, entry]. */
  histogramEntries(): [number, SeriesEntry][] {
    const out: [number, SeriesEntry][] = [];
    if (!this.histograms) return out;
    const order = this.order;
    for (let i = 0; i < order.length; i++) {
      const e = this.byRow[order[i]!]!;
      if (e.lastH !== null || e.pendingH !== null) out.push([i, e]);
    }
    return out;
  }

  /** Restores the numbers `copyNumbers` gave (from a checkpoint), read from `from` at `at`. */
  restoreNumbers(e: SeriesEntry, from: ArrayLike<number>, at: number): void {
    const o = e.row * STRIDE;
    for (let i = 0; i < SERIES_NUMBERS; i++) this.cols[o + CHECKPOINT_FIELDS[i]!] = from[at + i]!;
  }

  /** The open windows' columns, oldest window first, with their groups' labels by slot (for a checkpoint: read, not changed). */
  openWindowColumns(): { readonly columns: WindowColumns; readonly labels: readonly (Labels | undefined)[] }[] {
    return this.windows.map((columns) => ({ columns, labels: this.groupLabels }));
  }

  /** Restores an open window's accumulators (from a checkpoint). */
  restoreWindow(w: number, accs: readonly WindowAccumulator[]): void {
    const win = this.windowAt(w);
    for (const a of accs) {
      const slot = this.groupSlot(this.rule.group.keyOfGroup(a.labels), a.labels, true);
      if (this.groupUsers[slot] === 0 && !this.unused.includes(slot)) this.unused.push(slot);
      if (win.present[slot] !== 1) win.open(slot);
      win.restore(slot, a);
    }
  }

  /** Newest timestamp the series has seen (applied or pending). */
  seenTs(e: SeriesEntry): number {
    return this.cols[e.row * STRIDE + SEEN_TS]!;
  }

  /** One sample of a series; `closedThrough` is the end of the newest closed window. */
  sample(e: SeriesEntry, ts: number, v: number, closedThrough: number): SampleOutcome {
    const c: SampleCounts = { applied: 0, late: 0, outOfOrder: 0 };
    this.applyRow(e.row, [ts], [v], 0, 1, NO_STALE, { closedThrough }, c);
    return c.applied > 0 ? 'applied' : c.late > 0 ? 'late' : 'out_of_order';
  }

  /** A series' samples of one record: see applyRow. */
  applySeries(e: SeriesEntry, ts: readonly number[], vs: readonly number[], stale: readonly number[], closed: ClosedThrough, counts: SampleCounts, onLate?: (t: number, v: number) => void): void {
    this.applyRow(e.row, ts, vs, 0, ts.length, stale, closed, counts, onLate);
  }

  /** The entry of a row in use. */
  entryAt(row: number): SeriesEntry {
    return this.byRow[row]!;
  }

  /**
   * The samples of one record of the series at `row`, positions `from` to `to` (exclusive) of `ts`
   * and `vs`: a series' own arrays, or a record's float columns (FloatColumns), read in place.
   * `stale` lists the staleness markers' positions, counted from `from`. Counted into `counts`;
   * `onLate` hears each late sample. See applyRows, which this is for one series.
   */
  applyRow(row: number, ts: readonly number[], vs: readonly number[], from: number, to: number, stale: readonly number[], closed: ClosedThrough, counts: SampleCounts, onLate?: (t: number, v: number) => void): void {
    this.oneRow[0] = row;
    this.oneRange[0] = from;
    this.oneRange[1] = to;
    this.applyRows(this.oneRow, FIRST_POSITION, 1, this.oneRange, ts, vs, stale, closed, counts, onLate);
  }

  /**
   * The float samples of one record for `n` series of this state: the series at row `rows[i]` has
   * positions `offsets[k]` to `offsets[k + 1]` (exclusive, k = `positions[i]`) of `ts` and `vs`
   * (a record's float columns, read in place). `stale` and `onLate` are for a call of one series
   * (applyRow): the staleness markers' positions, counted from its first, and where its late
   * samples go. Counted into `counts`. One call per rule and record, not per series (a call per
   * series and rule, with the rule's constants loaded again in each, was most of the per-sample
   * cost), nor per sample: timestamps and values stay unboxed numbers in this loop, where a call
   * per sample allocated a heap number for each argument. By row, not by entry: the series'
   * numbers and its group's row in the window columns are all this path reads.
   */
  applyRows(rows: Int32Array, positions: Int32Array, n: number, offsets: readonly number[], ts: readonly number[], vs: readonly number[], stale: readonly number[], closed: ClosedThrough, counts: SampleCounts, onLate?: (t: number, v: number) => void): void {
    const d = this.rule.dedupMs;
    if (d === 0 && this.rule.countsOnly) {
      this.countRows(rows, positions, n, offsets, ts, vs, stale, closed, counts, onLate);
      return;
    }
    if (d === 0 && this.rule.countersOnly) {
      this.counterRows(rows, positions, n, offsets, ts, vs, stale, closed, counts, onLate);
      return;
    }
    const closedThrough = closed.closedThrough;
    const I = this.rule.intervalMs;
    const counter = this.rule.counter;
    const moments = this.rule.needs.moments;
    // Without rate outputs a series' rate is never folded (nothing reads it): its window starts folded.
    const unfolded = this.rule.rates ? 0 : 1;
    // No row is added while samples are applied: the columns stay where they are.
    const c = this.cols;
    let applied = 0;
    // The window of the previous sample: found again only when the window changes (a call per
    // sample boxed the window's end, a timestamp, where the call was not inlined).
    let win = this.current;
    // The window of the previous sample's timestamp: a record's samples mostly share one (a
    // scrape's), and the division was 6 % of this loop's time in a profile of the aggregation bench.
    let lastT = Number.NaN;
    let lastW = 0;
    // The window rates were last folded into (foldRate written out): the series leaving a window
    // mostly leave the same one, which foldRate looked for again for each of them (6 % of this loop).
    let folded: WindowColumns | undefined;
    for (let i = 0; i < n; i++) {
      const row = rows[i]!;
      const k = positions[i]!;
      const from = offsets[k]!;
      const to = offsets[k + 1]!;
      const o = row * STRIDE;
      const slot = c[o + GROUP]! | 0;
      const q = slot * FIELDS;
      let si = 0;
      let nextStale = stale.length > 0 ? stale[0]! + from : -1;
      for (let j = from; j < to; j++) {
        const t = ts[j]!;
        if (j === nextStale) {
          nextStale = ++si < stale.length ? stale[si]! + from : -1;
          this.stale(this.byRow[row]!, t);
          continue;
        }
        if (t <= c[o + SEEN_TS]!) {
          counts.outOfOrder++;
          continue;
        }
        if (t !== lastT) {
          lastT = t;
          lastW = Math.ceil(t / I) * I;
        }
        const w = lastW;
        if (w <= closedThrough) {
          counts.late++;
          onLate?.(t, vs[j]!);
          continue;
        }
        c[o + SEEN_TS] = t;
        applied++;
        const v = vs[j]!;
        if (d > 0) {
          this.defer(row, t, v);
          continue;
        }
        // applyOne() and WindowColumns.add() written out: see above.
        const opens = c[o + WIN] !== w;
        if (opens && c[o + WIN_FOLDED] !== 1) {
          c[o + WIN_FOLDED] = 1;
          const prev = c[o + WIN]!;
          if (folded === undefined || folded.end !== prev) {
            folded = undefined;
            const windows = this.windows;
            for (let x = 0; x < windows.length; x++) if (windows[x]!.end === prev) folded = windows[x];
          }
          const spanFrom = c[o + WIN_FROM]!;
          const spanTo = c[o + WIN_TO]!;
          if (folded !== undefined && folded.present[slot] === 1 && spanTo > spanFrom) {
            folded.nums[q + RATE_SUM] += c[o + WIN_INC]! / ((spanTo - spanFrom) / 1000);
            folded.nums[q + RATE_N]++;
          }
        }
        if (win === undefined || win.end !== w) win = this.windowAt(w);
        if (win.present[slot] !== 1) win.open(slot);
        const a = win.nums;
        if (opens) {
          c[o + WIN] = w;
          c[o + WIN_FOLDED] = unfolded;
          c[o + WIN_INC] = 0;
          c[o + WIN_FROM] = c[o + HAS_LAST] === 1 ? c[o + LAST_TS]! : t;
          a[q + SERIES]++;
          win.entered++;
        }
        c[o + WIN_TO] = t;
        const kk = ++a[q + SAMPLES]!;
        a[q + SUM] += v;
        if (v < a[q + MIN]!) a[q + MIN] = v;
        if (v > a[q + MAX]!) a[q + MAX] = v;
        if (t >= a[q + ACC_LAST_TS]!) {
          a[q + ACC_LAST_TS] = t;
          a[q + ACC_LAST_V] = v;
          if (win.lastH !== null) win.lastH[slot] = null;
        }
        if (moments) {
          const mean = a[q + MEAN]!;
          const dm = v - mean;
          const next = mean + dm / kk;
          a[q + MEAN] = next;
          a[q + M2] += dm * (v - next);
        }
        if (win.values !== null) win.values[slot]!.push(v);
        if (win.buckets !== null) addBucket(win.buckets[slot]!, v);
        if (counter) {
          if (c[o + HAS_LAST] === 1) {
            const last = c[o + LAST_V]!;
            const inc = v >= last ? v - last : v;
            a[q + INC] += inc;
            c[o + WIN_INC] += inc;
          }
          a[q + ALIVE] = 1;
        }
        c[o + LAST_TS] = t;
        c[o + LAST_V] = v;
        c[o + HAS_LAST] = 1;
      }
    }
    counts.applied += applied;
  }

  /**
   * applyRows for a rule whose outputs only count (`countsOnly`) and that does not deduplicate:
   * the same ordering, lateness and staleness, but a sample only counts into its group's window,
   * and a series entering a window counts once there. No value is read, no series' last sample
   * or rate span kept, nothing folded: the columns no count reads keep their initial numbers
   * (in a checkpoint as in partial records). Such a rule ({job="node"} in the aggregation bench)
   * can take most of the rule inputs: the general loop cost it 40 ns a sample, this one 19 (that
   * rule alone over 5,000 series, alternated runs). Its own loop, repeating applyRows' ordering,
   * staleness and lateness checks, rather than a branch in applyRows' loop: that branch cost this
   * path about a fifth (18-27 against 22-34 ns a rule input, four alternated runs).
   */
  private countRows(rows: Int32Array, positions: Int32Array, n: number, offsets: readonly number[], ts: readonly number[], vs: readonly number[], stale: readonly number[], closed: ClosedThrough, counts: SampleCounts, onLate?: (t: number, v: number) => void): void {
    const closedThrough = closed.closedThrough;
    const I = this.rule.intervalMs;
    const c = this.cols;
    let applied = 0;
    let win = this.current;
    let lastT = Number.NaN;
    let lastW = 0;
    for (let i = 0; i < n; i++) {
      const row = rows[i]!;
      const k = positions[i]!;
      const from = offsets[k]!;
      const to = offsets[k + 1]!;
      const o = row * STRIDE;
      const slot = c[o + GROUP]! | 0;
      const q = slot * FIELDS;
      let si = 0;
      let nextStale = stale.length > 0 ? stale[0]! + from : -1;
      for (let j = from; j < to; j++) {
        const t = ts[j]!;
        if (j === nextStale) {
          nextStale = ++si < stale.length ? stale[si]! + from : -1;
          this.stale(this.byRow[row]!, t);
          continue;
        }
        if (t <= c[o + SEEN_TS]!) {
          counts.outOfOrder++;
          continue;
        }
        if (t !== lastT) {
          lastT = t;
          lastW = Math.ceil(t / I) * I;
        }
        const w = lastW;
        if (w <= closedThrough) {
          counts.late++;
          onLate?.(t, vs[j]!);
          continue;
        }
        c[o + SEEN_TS] = t;
        applied++;
        if (win === undefined || win.end !== w) win = this.windowAt(w);
        if (win.present[slot] !== 1) win.open(slot);
        const a = win.nums;
        if (c[o + WIN] !== w) {
          c[o + WIN] = w;
          a[q + SERIES]++;
          win.entered++;
        }
        a[q + SAMPLES]++;
      }
    }
    counts.applied += applied;
  }

  /**
   * applyRows for a rule whose outputs read only counters and counts (`countersOnly`) and that
   * does not deduplicate: a sample moves its series' counter state (last sample, increase and
   * span in its window) and its group's increase, sample and series counts; no sum, extreme, last
   * value or moment is kept (those columns keep their initial numbers, in a checkpoint as in
   * partial records, as countRows leaves them). Counter rules took most of the general loop's
   * rule inputs in the aggregation bench (node_cpu_seconds_total twice, network and histogram
   * bucket counters). Its own copy of applyRows' ordering, lateness and folding, for the reason
   * countRows has one: a branch per sample in the shared loop costs every rule.
   */
  private counterRows(rows: Int32Array, positions: Int32Array, n: number, offsets: readonly number[], ts: readonly number[], vs: readonly number[], stale: readonly number[], closed: ClosedThrough, counts: SampleCounts, onLate?: (t: number, v: number) => void): void {
    const closedThrough = closed.closedThrough;
    const I = this.rule.intervalMs;
    const c = this.cols;
    const unfolded = this.rule.rates ? 0 : 1;
    let applied = 0;
    let win = this.current;
    let lastT = Number.NaN;
    let lastW = 0;
    let folded: WindowColumns | undefined;
    for (let i = 0; i < n; i++) {
      const row = rows[i]!;
      const k = positions[i]!;
      const from = offsets[k]!;
      const to = offsets[k + 1]!;
      const o = row * STRIDE;
      const slot = c[o + GROUP]! | 0;
      const q = slot * FIELDS;
      let si = 0;
      let nextStale = stale.length > 0 ? stale[0]! + from : -1;
      for (let j = from; j < to; j++) {
        const t = ts[j]!;
        if (j === nextStale) {
          nextStale = ++si < stale.length ? stale[si]! + from : -1;
          this.stale(this.byRow[row]!, t);
          continue;
        }
        if (t <= c[o + SEEN_TS]!) {
          counts.outOfOrder++;
          continue;
        }
        if (t !== lastT) {
          lastT = t;
          lastW = Math.ceil(t / I) * I;
        }
        const w = lastW;
        if (w <= closedThrough) {
          counts.late++;
          onLate?.(t, vs[j]!);
          continue;
        }
        c[o + SEEN_TS] = t;
        applied++;
        const v = vs[j]!;
        const opens = c[o + WIN] !== w;
        if (opens && c[o + WIN_FOLDED] !== 1) {
          c[o + WIN_FOLDED] = 1;
          const prev = c[o + WIN]!;
          if (folded === undefined || folded.end !== prev) {
            folded = undefined;
            const windows = this.windows;
            for (let x = 0; x < windows.length; x++) if (windows[x]!.end === prev) folded = windows[x];
          }
          const spanFrom = c[o + WIN_FROM]!;
          const spanTo = c[o + WIN_TO]!;
          if (folded !== undefined && folded.present[slot] === 1 && spanTo > spanFrom) {
            folded.nums[q + RATE_SUM] += c[o + WIN_INC]! / ((spanTo - spanFrom) / 1000);
            folded.nums[q + RATE_N]++;
          }
        }
        if (win === undefined || win.end !== w) win = this.windowAt(w);
        if (win.present[slot] !== 1) win.open(slot);
        const a = win.nums;
        const hasLast = c[o + HAS_LAST] === 1;
        if (opens) {
          c[o + WIN] = w;
          c[o + WIN_FOLDED] = unfolded;
          c[o + WIN_INC] = 0;
          c[o + WIN_FROM] = hasLast ? c[o + LAST_TS]! : t;
          a[q + SERIES]++;
          win.entered++;
        }
        c[o + WIN_TO] = t;
        a[q + SAMPLES]++;
        if (hasLast) {
          const last = c[o + LAST_V]!;
          const inc = v >= last ? v - last : v;
          a[q + INC] += inc;
          c[o + WIN_INC] += inc;
        } else c[o + HAS_LAST] = 1;
        a[q + ALIVE] = 1;
        c[o + LAST_TS] = t;
        c[o + LAST_V] = v;
      }
    }
    counts.applied += applied;
  }

  /**
   * A float sample of a deduplicated rule: it replaces the series' pending sample, and a pending
   * sample of an earlier dedup interval is applied first. Out of applyRow's loop, as staleness
   * markers and late samples are: a rule without deduplication never runs it.
   */
  private defer(row: number, t: number, v: number): void {
    const c = this.cols;
    const o = row * STRIDE;
    const d = this.rule.dedupMs;
    const bucket = Math.ceil(t / d) * d;
    const pending = c[o + PENDING_BUCKET]!;
    if (pending !== 0 && pending !== bucket) this.applyOne(row, c[o + PENDING_TS]!, c[o + PENDING_V]!);
    c[o + PENDING_BUCKET] = bucket;
    c[o + PENDING_TS] = t;
    c[o + PENDING_V] = v;
    this.byRow[row]!.pendingH = null;
  }

  /**
   * A series' native-histogram samples of one record, as `applySeries` applies float samples:
   * the same ordering, lateness and deduplication. `onLate` hears each late sample.
   */
  applyHistograms(e: SeriesEntry, ts: readonly number[], hs: readonly HistogramValue[], closedThrough: number, counts: SampleCounts, onLate?: (t: number, v: number, h?: HistogramValue) => void): void {
    this.histograms = true;
    const I = this.rule.intervalMs;
    const d = this.rule.dedupMs;
    const c = this.cols;
    const o = e.row * STRIDE;
    for (let j = 0; j < ts.length; j++) {
      const t = ts[j]!;
      if (t <= c[o + SEEN_TS]!) {
        counts.outOfOrder++;
        continue;
      }
      if (Math.ceil(t / I) * I <= closedThrough) {
        counts.late++;
        onLate?.(t, 0, hs[j]);
        continue;
      }
      c[o + SEEN_TS] = t;
      counts.applied++;
      const raw = hs[j]!;
      const h = raw instanceof FloatHistogram ? raw : raw.toFloat();
      if (d > 0) {
        const bucket = Math.ceil(t / d) * d;
        const pending = c[o + PENDING_BUCKET]!;
        if (pending !== 0 && pending !== bucket) this.flushPending(e);
        c[o + PENDING_BUCKET] = bucket;
        c[o + PENDING_TS] = t;
        e.pendingH = h;
        continue;
      }
      this.applyHistogram(e, t, h);
    }
  }

  /**
   * A series with float and histogram samples in one record: applied in timestamp order, runs of
   * each kind at a time (a series changing type is rare; most records carry one kind).
   */
  applyMixed(e: SeriesEntry, ts: readonly number[], vs: readonly number[], stale: readonly number[], hts: readonly number[], hs: readonly HistogramValue[], closedThrough: number, counts: SampleCounts, onLate?: (t: number, v: number, h?: HistogramValue) => void): void {
    let i = 0;
    let j = 0;
    while (i < ts.length || j < hts.length) {
      if (j >= hts.length || (i < ts.length && ts[i]! <= hts[j]!)) {
        let k = i;
        while (k < ts.length && (j >= hts.length || ts[k]! <= hts[j]!)) k++;
        const runStale = stale.filter((s) => s >= i && s < k).map((s) => s - i);
        this.applySeries(e, ts.slice(i, k), vs.slice(i, k), runStale, { closedThrough }, counts, onLate);
        i = k;
      } else {
        let k = j;
        while (k < hts.length && (i >= ts.length || hts[k]! < ts[i]!)) k++;
        this.applyHistograms(e, hts.slice(j, k), hs.slice(j, k), closedThrough, counts, onLate);
        j = k;
      }
    }
  }

  /** The window columns of window `w`, opened if need be. */
  private windowAt(w: number): WindowColumns {
    const cur = this.current;
    if (cur !== undefined && cur.end === w) return cur;
    let win = this.openWindow(w);
    if (win === undefined) {
      win = this.spare;
      this.spare = undefined;
      if (win === undefined) win = new WindowColumns(w, this.groupKeys.length, this.rule.needs);
      else win.reset(w);
      this.windows.push(win);
    }
    this.current = win;
    return win;
  }

  /** The open window ending at `w`, if any. */
  private openWindow(w: number): WindowColumns | undefined {
    const windows = this.windows;
    for (let i = 0; i < windows.length; i++) if (windows[i]!.end === w) return windows[i];
    return undefined;
  }

  /**
   * The series opens window `w` (or goes on in it): its rate over its previous window is folded
   * first; returns the window, with the series' group in it.
   */
  private enter(row: number, w: number, ts: number, rateBearing: boolean): WindowColumns {
    const c = this.cols;
    const o = row * STRIDE;
    const slot = c[o + GROUP]! | 0;
    const opens = c[o + WIN] !== w;
    if (opens) this.foldRate(row);
    const win = this.windowAt(w);
    if (win.present[slot] !== 1) win.open(slot);
    if (opens) {
      c[o + WIN] = w;
      // Rates are of float counters: nothing of a histogram to fold into rate_sum or rate_avg (and nothing at all without them).
      c[o + WIN_FOLDED] = rateBearing && this.rule.rates ? 0 : 1;
      c[o + WIN_INC] = 0;
      if (rateBearing) c[o + WIN_FROM] = c[o + HAS_LAST] === 1 ? c[o + LAST_TS]! : ts;
      win.nums[slot * FIELDS + SERIES]++;
      win.entered++;
    }
    return win;
  }

  /** One native-histogram sample: counted, kept as the window's latest, and its observations bucketed. */
  private applyHistogram(e: SeriesEntry, ts: number, h: FloatHistogram): void {
    const I = this.rule.intervalMs;
    const w = Math.ceil(ts / I) * I;
    const win = this.enter(e.row, w, ts, false);
    win.addHistogram(e.slot, ts, h);
    if (!this.rule.needs.buckets || h.counterResetHint === 'gauge') {
      e.lastH = null;
      return;
    }
    // The observations since the series' previous histogram, or since its reset: what a
    // histogram counter's increase() counts. A series' first histogram has no predecessor.
    const prev = e.lastH;
    e.lastH = h;
    if (prev === null) return;
    const reset = h.usesCustomBuckets() !== prev.usesCustomBuckets() || h.detectReset(prev);
    let observed = h;
    if (!reset) {
      observed = h.copy();
      observed.sub(prev);
    }
    addHistogramBuckets(win.buckets![e.slot]!, observed);
  }

  /** A staleness marker: the series ended; its next sample starts a new counter. */
  stale(e: SeriesEntry, ts: number): void {
    const o = e.row * STRIDE;
    if (ts <= this.cols[o + SEEN_TS]!) return;
    this.flushPending(e);
    this.cols[o + SEEN_TS] = ts;
    this.cols[o + HAS_LAST] = 0;
    e.lastH = null;
  }

  private flushPending(e: SeriesEntry): void {
    const o = e.row * STRIDE;
    if (this.cols[o + PENDING_BUCKET] === 0) return;
    const h = e.pendingH;
    if (h !== null) {
      e.pendingH = null;
      this.applyHistogram(e, this.cols[o + PENDING_TS]!, h);
    } else {
      this.applyOne(e.row, this.cols[o + PENDING_TS]!, this.cols[o + PENDING_V]!);
    }
    this.cols[o + PENDING_BUCKET] = 0;
  }

  /** One float sample of the series at `row` (a deduplicated one, as its interval ends). */
  private applyOne(row: number, ts: number, v: number): void {
    const I = this.rule.intervalMs;
    const w = Math.ceil(ts / I) * I;
    const c = this.cols;
    const o = row * STRIDE;
    const slot = c[o + GROUP]! | 0;
    const win = this.enter(row, w, ts, true);
    c[o + WIN_TO] = ts;
    win.add(slot, ts, v, this.rule.needs.moments);
    if (this.rule.counter) {
      const a = win.nums;
      const q = slot * FIELDS;
      if (c[o + HAS_LAST] === 1) {
        const last = c[o + LAST_V]!;
        const inc = v >= last ? v - last : v;
        a[q + INC] += inc;
        c[o + WIN_INC] += inc;
      }
      a[q + ALIVE] = 1;
    }
    c[o + LAST_TS] = ts;
    c[o + LAST_V] = v;
    c[o + HAS_LAST] = 1;
  }

  /** The series' average rate over its latest window goes into that window (once). */
  private foldRate(row: number): void {
    const c = this.cols;
    const o = row * STRIDE;
    if (c[o + WIN_FOLDED] === 1) return;
    c[o + WIN_FOLDED] = 1;
    const w = c[o + WIN]!;
    // A closed window's rates are never folded into again: closing folds first. Found here, not
    // by openWindow(w): a timestamp passed to a call that is not inlined is a new heap number,
    // one per series and window it enters.
    let win = this.current;
    if (win === undefined || win.end !== w) {
      win = undefined;
      const windows = this.windows;
      for (let i = 0; i < windows.length; i++) if (windows[i]!.end === w) win = windows[i];
    }
    const slot = c[o + GROUP]! | 0;
    const from = c[o + WIN_FROM]!;
    const to = c[o + WIN_TO]!;
    if (win !== undefined && win.present[slot] === 1 && to > from) {
      const q = slot * FIELDS;
      win.nums[q + RATE_SUM] += c[o + WIN_INC]! / ((to - from) / 1000);
      win.nums[q + RATE_N]++;
    }
  }

  /**
   * Closes window `w` (every earlier one is closed): pending deduplicated samples up to it are
   * applied, rates folded, live counters keep their output alive, stale series are forgotten.
   * The window's accumulators go into `merged` by output key (partitions in order: see
   * RuleState.closePartitions): a key new to it is appended (in the order the groups entered the
   * window) with an accumulator of its own (one of `reuse` with the same key, refilled, or a new
   * one); into a key it has, the group's numbers are merged.
   */
  closeInto(w: number, merged: Map<string, WindowAccumulator>, reuse?: ReadonlyMap<string, WindowAccumulator>): void {
    const staleBefore = w - this.rule.stalenessMs;
    const counter = this.rule.counter;
    // Every series is visited at every close: an array walk in the map's order (the order the
    // series' rates are summed in), kept compact as series are forgotten.
    const order = this.order;
    let kept = this.movedOn(w) ? order.length : 0;
    for (let i = kept; i < order.length; i++) {
      const row = order[i]!;
      // Read through this.cols each time: flushing applies samples (no row is added meanwhile, but keep it plain).
      const o = row * STRIDE;
      const pending = this.cols[o + PENDING_BUCKET]!;
      if (pending !== 0 && pending <= w) this.flushPending(this.byRow[row]!);
      if (this.cols[o + WIN] === w) this.foldRate(row);
      if (this.cols[o + SEEN_TS]! < staleBefore && this.cols[o + PENDING_BUCKET] === 0) {
        this.forget(this.byRow[row]!);
        continue;
      }
      if (counter && this.cols[o + HAS_LAST] === 1 && this.cols[o + WIN]! < w) {
        const slot = this.cols[o + GROUP]! | 0;
        const win = this.windowAt(w);
        if (win.present[slot] !== 1) win.open(slot);
        win.nums[slot * FIELDS + ALIVE] = 1;
      }
      order[kept++] = row;
    }
    order.length = kept;
    const win = this.openWindow(w);
    if (win !== undefined) this.windows.splice(this.windows.indexOf(win), 1);
    if (this.current === win) this.current = undefined;
    if (win !== undefined) {
      for (const slot of win.order) {
        const key = this.groupKeys[slot]!;
        const m = merged.get(key);
        if (m === undefined) {
          // A spent accumulator of the same key has equal labels.
          const spent = reuse?.get(key);
          merged.set(key, spent === undefined ? win.accumulator(slot, this.groupLabels[slot]!, true) : win.fill(spent, slot, true));
          continue;
        }
        // Merged from one reused object: an accumulator per group and partition was most of
        // what closing a window allocated.
        const scratch = (this.scratch ??= newAccumulator(this.groupLabels[slot]!, NO_NEEDS));
        mergeInto(m, win.fill(scratch, slot, true));
        scratch.lastH = null;
        scratch.values = null;
        scratch.buckets = null;
      }
      // The accumulators made above copied its numbers and took its values: the next window reuses the columns.
      this.spare = win;
    }
    this.freeUnusedGroups();
  }

  /**
   * Whether closeInto's walk over the series has nothing to do at the close of `w`: every series
   * has entered a window after `w` (no rate left in `w` to fold, none stale, none to keep a
   * counter alive in `w`), or every series is in `w` and the rule has no rate to fold (none stale
   * either while the staleness interval is at least the interval). Not with deduplication (a
   * pending sample may be due). A window's `entered` counts distinct series (a series' window only
   * moves on), none of them forgotten while it is open, so it reaching the number of series says
   * so. The walk visits every series of the rule at every close: with allowed lateness a window
   * closes once its series moved on, and by default at its last sample, when only rates need it.
   */
  private movedOn(w: number): boolean {
    const rule = this.rule;
    if (rule.dedupMs > 0) return false;
    const live = this.order.length;
    for (const win of this.windows) {
      if (win.entered !== live) continue;
      if (win.end > w) return true;
      if (win.end === w && !rule.rates && rule.stalenessMs >= rule.intervalMs) return true;
    }
    return false;
  }

  private forget(e: SeriesEntry): void {
    this.series.delete(e.key);
    this.seriesVersion++;
    e.forgotten = true;
    this.freeRows.push(e.row);
    this.byRow[e.row] = undefined;
    if (--this.groupUsers[e.slot]! === 0) this.unused.push(e.slot);
    forgottenSeries++;
  }

  /** Groups no series feeds and no open window holds are let go (the slots stay bounded under series churn). */
  private freeUnusedGroups(): void {
    if (this.unused.length === 0) return;
    const still: number[] = [];
    for (const slot of this.unused) {
      if (this.groupUsers[slot] !== 0) continue;
      let held = false;
      for (const win of this.windows) if (win.present[slot] === 1) held = true;
      if (held) {
        still.push(slot);
        continue;
      }
      this.groupSlots.delete(this.groupKeys[slot]!);
      this.forgetByValues(this.groupLabels[slot]!);
      this.groupKeys[slot] = undefined;
      this.groupLabels[slot] = undefined;
      this.freeSlots.push(slot);
    }
    this.unused = still;
  }

  /** The oldest open window, or undefined. */
  oldestWindow(): number | undefined {
    let min: number | undefined;
    for (const win of this.windows) if (min === undefined || win.end < min) min = win.end;
    if (this.rule.dedupMs > 0) {
      // A pending deduplicated sample opens its window when it is applied.
      const I = this.rule.intervalMs;
      for (const e of this.series.values()) {
        const o = e.row * STRIDE;
        if (this.cols[o + PENDING_BUCKET] === 0) continue;
        const w = Math.ceil(this.cols[o + PENDING_TS]! / I) * I;
        if (min === undefined || w < min) min = w;
      }
    }
    return min;
  }
}
