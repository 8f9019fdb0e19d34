import { mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { canonicalLabels, type Labels } from '../../../schemas/labels.js';
import { Block, deletedIntervals, removeBlockDir, writeBlock, type BlockSeriesInput, type Tombstone } from '../block/index.js';
import { ENCODING_ROLLUP, SampleBuffer } from '../chunks/index.js';
import { CorruptionError } from '../errors.js';
import type { LabelMatcher } from '../querier.js';
import { decodeRollupChunk, encodeRollupChunk } from './rollup-chunk.js';
import { coarsen, emptyWindows, rollupSamples, ROLLUP_FIELDS, type RollupField, type RollupWindows } from './rollup-windows.js';

const DAY = 24 * 3600_000;

export interface TierOptions {
  /** Window width, ms; must divide a day. */
  readonly resolutionMs: number;
  /** A day is rolled up once the newest raw block ends this long after it. */
  readonly afterMs: number;
  /** Tier blocks ending this long before the newest raw block's end are deleted; 0 = forever. */
  readonly retentionMs: number;
  /** Time range of one tier block; default 240 windows, at least a day (5m: 1 day, 1h: 10 days). */
  readonly blockRangeMs?: number;
}

/** 240 windows per series and block, at least a day: chunk headers amortise, a read decodes few chunks. */
export function tierBlockRange(options: TierOptions): number {
  return options.blockRangeMs ?? Math.max(DAY, 240 * options.resolutionMs);
}

/** Short text of a resolution (`5m`, `1h`): the tier's directory name and how responses name it. */
export function resolutionName(ms: number): string {
  for (const [unit, size] of [['d', DAY], ['h', 3600_000], ['m', 60_000], ['s', 1000]] as const) {
    if (ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${ms}ms`;
}

/** One series' windows read from a tier, keyed by its canonical labels. */
export interface TierSeries {
  readonly labels: Labels;
  readonly windows: RollupWindows;
}

/**
 * One downsampling tier of a TSDB: blocks of rollup chunks in `<dir>/downsample/<resolution>/`,
 * each over one aligned block range (a UTC day for 5 m, ten days for 1 h: tierBlockRange), holding
 * the windows ending in (range start, range end]. A range is built from the raw blocks once it is
 * `after` old; the level-1 block ids it was built from are its `sources`, so a range that later
 * gains raw blocks is built again, and one whose raw blocks merely compacted or expired is not.
 */
export class Tier {
  private blocks: Block[];
  builds = 0;
  deletedByRetention = 0;
  /** Damaged blocks dropped (on open or on first read); their ranges are built again from raw blocks. */
  damagedBlocks = 0;

  private constructor(
    readonly dir: string,
    readonly options: TierOptions,
    private readonly onDamaged: (err: Error) => void,
  ) {
    this.blocks = this.loadBlocks();
  }

  /**
   * `onDamaged` hears of each tier block that cannot be read (unreadable meta or index on open, a
   * chunk that fails its checksum on first read): tiers are derived data, so such a block is
   * deleted instead of failing the TSDB, reads take its windows from finer tiers or raw samples,
   * and the next build writes it again from the raw blocks that remain.
   */
  static open(tsdbDir: string, options: TierOptions, onDamaged: (err: Error) => void = () => undefined): Tier {
    if (options.resolutionMs <= 0 || DAY % options.resolutionMs !== 0) {
      throw new RangeError(`a downsampling resolution must divide a day, ${options.resolutionMs} ms does not`);
    }
    if (tierBlockRange(options) % options.resolutionMs !== 0) throw new RangeError(`a tier block range must be a multiple of the resolution ${options.resolutionMs} ms`);
    const dir = join(tsdbDir, 'downsample', resolutionName(options.resolutionMs));
    mkdirSync(dir, { recursive: true });
    return new Tier(dir, options, onDamaged);
  }

  get resolution(): number {
    return this.options.resolutionMs;
  }

  listBlocks(): readonly Block[] {
    return [...this.blocks].sort((a, b) => a.minTime - b.minTime);
  }

  sizeBytes(): number {
    return this.blocks.reduce((n, b) => n + b.sizeBytes(), 0);
  }

  /**
   * Rolls up every block range that is due (or whose raw sources grew) from `raw`, the TSDB's
   * blocks; the head is never read: a due range ends before the newest block does. With `again`,
   * ranges already built are built anew too, as long as every raw block they were built from is
   * still there (a range whose raw blocks retention has partly deleted keeps its tier block: it
   * holds windows nothing else does). A new block replaces the old one only once written.
   *
   * With a `finer` tier, a range longer than a day is also built before it is whole, up to its last
   * due day, from the finer tier's day blocks (coarsened, as reads would coarsen them), and
   * extended as days come due: its windows are kept and only the new days' finer blocks read.
   * Its sources are those finer blocks (rebuilt whenever their raw blocks change), so one that is
   * gone means the range is coarsened anew. Once whole, the range is rolled up from the raw blocks
   * like any other. So a 30-day read at 1 h finds its newest days in the 1 h tier, not in 5 m
   * windows it must decode and coarsen (a quarter of its work). Returns blocks written.
   */
  build(raw: readonly Block[], again = false, finer?: Tier): number {
    if (raw.length === 0) return 0;
    const newest = Math.max(...raw.map((b) => b.maxTime));
    const limit = Math.min(newest - this.options.afterMs, newest - 1);
    const range = tierBlockRange(this.options);
    const first = Math.floor(Math.min(...raw.map((b) => b.minTime)) / range) * range;
    let written = 0;
    for (let a = first; a < limit; a += range) {
      const b = a + range;
      const existing = this.blocks.find((x) => x.minTime === a);
      if (b > limit) {
        if (finer !== undefined && this.buildPartial(a, Math.floor(limit / DAY) * DAY, again, finer, existing)) written++;
        continue;
      }
      const parts = raw.filter((x) => x.maxTime > a + 1 && x.minTime <= b);
      if (parts.length === 0) continue;
      const sources = [...new Set(parts.flatMap((x) => x.meta.compaction.sources))].sort();
      if (existing !== undefined && existing.maxTime === b) {
        const had = new Set(existing.meta.compaction.sources);
        const have = new Set(sources);
        const grew = !sources.every((s) => had.has(s));
        const whole = existing.meta.compaction.sources.every((s) => have.has(s));
        if (!grew && !(again && whole)) continue;
      }
      this.writeDay(parts, a, b, sources);
      if (existing !== undefined) this.remove(existing);
      written++;
    }
    this.builds += written;
    return written;
  }

  /** Builds or extends the block of (a, b] (b short of the range end) from `finer`; whether one was written. */
  private buildPartial(a: number, b: number, again: boolean, finer: Tier, existing: Block | undefined): boolean {
    if (b <= a || (existing !== undefined && existing.maxTime > b)) return false;
    // The finer blocks must tile (a, b], without deletions.
    const parts = finer.listBlocks().filter((x) => x.minTime >= a && x.maxTime <= b);
    let at = a;
    for (const x of parts) {
      if (x.minTime !== at || x.tombstones.length > 0) return false;
      at = x.maxTime;
    }
    if (at !== b) return false;
    const ids = new Set(parts.map((x) => x.id));
    // Made from finer blocks that are all still there: up to date, or a prefix to extend.
    const current = existing !== undefined && !again && existing.meta.compaction.sources.every((id) => ids.has(id));
    if (current && existing.maxTime === b) return false;
    const prior = current && existing.tombstones.length === 0 ? existing : undefined;
    const from = prior?.maxTime ?? a;
    const r = this.options.resolutionMs;
    const bySeries = new Map<string, { labels: Labels; windows: RollupWindows }>();
    const windowsOf = (labels: Labels): RollupWindows => {
      const key = canonicalLabels(labels);
      let e = bySeries.get(key);
      if (e === undefined) {
        e = { labels, windows: emptyWindows() };
        bySeries.set(key, e);
      }
      return e.windows;
    };
    for (const blk of [...(prior === undefined ? [] : [prior]), ...parts.filter((x) => x.minTime >= from)]) {
      const file = join(blk.dir, 'chunks');
      blk.series.forEach((s, id) => {
        const w = emptyWindows();
        for (const c of blk.seriesChunks(id)) decodeRollupChunk(c.bytes, w, blk.minTime + 1, blk.maxTime, file);
        const out = windowsOf(s.labels);
        const coarse = blk === prior ? w : coarsen(w, r);
        out.copyWindows(coarse, 0, coarse.length);
      });
    }
    const input: BlockSeriesInput[] = [];
    for (const { labels, windows: w } of bySeries.values()) {
      if (w.length > 0) input.push({ labels, chunks: [{ encoding: ENCODING_ROLLUP, bytes: encodeRollupChunk(w, 0, w.length), minT: w.ends[0], maxT: w.ends[w.length - 1] }] });
    }
    // Left out here where left out by any block it is made of (a count: an upper bound, a
    // series may be left out of several).
    let rawOnly: number | undefined = 0;
    for (const blk of [...(prior === undefined ? [] : [prior]), ...parts.filter((x) => x.minTime >= from)]) {
      const n = blk.meta.downsample?.rawOnlySeries;
      rawOnly = rawOnly === undefined || n === undefined ? undefined : rawOnly + n;
    }
    const meta = writeBlock(this.dir, input, { minTime: a, maxTime: b, sources: [...ids].sort(), downsampleResolution: r, downsampleRawOnlySeries: rawOnly });
    this.blocks.push(Block.open(join(this.dir, meta.ulid)));
    if (existing !== undefined) this.remove(existing);
    return true;
  }

  private writeDay(parts: readonly Block[], a: number, b: number, sources: readonly string[]): void {
    const r = this.options.resolutionMs;
    const bySeries = new Map<string, { labels: Labels; refs: [Block, number][] }>();
    for (const blk of parts) {
      blk.series.forEach((s, id) => {
        const key = canonicalLabels(s.labels);
        const e = bySeries.get(key);
        if (e === undefined) bySeries.set(key, { labels: s.labels, refs: [[blk, id]] });
        else e.refs.push([blk, id]);
      });
    }
    const input: BlockSeriesInput[] = [];
    const buf = new SampleBuffer(1024);
    let rawOnly = 0;
    for (const { labels, refs } of bySeries.values()) {
      buf.clear();
      for (const [blk, id] of refs) blk.collect(id, buf, a + 1, b);
      // `length` counts floats only: a series of histograms alone has none.
      if (buf.length === 0 && buf.histogramCount === 0) continue;
      const cols = buf.columns();
      // Rollup windows are float aggregates: series holding native histograms are not downsampled.
      if (cols.histograms !== undefined) {
        rawOnly++;
        continue;
      }
      const w = emptyWindows();
      rollupSamples(cols.timestamps, cols.values, cols.stale, r, w);
      const n = w.length;
      if (n === 0) continue;
      input.push({ labels, chunks: [{ encoding: ENCODING_ROLLUP, bytes: encodeRollupChunk(w, 0, n), minT: w.ends[0], maxT: w.ends[n - 1] }] });
    }
    const meta = writeBlock(this.dir, input, { minTime: a, maxTime: b, sources, downsampleResolution: r, downsampleRawOnlySeries: rawOnly });
    this.blocks.push(Block.open(join(this.dir, meta.ulid)));
  }

  /** Deletes tier blocks past the tier's retention, measured from `newest` (the raw data's end). */
  applyRetention(newest: number): number {
    if (this.options.retentionMs <= 0 || !Number.isFinite(newest)) return 0;
    const doomed = this.blocks.filter((b) => b.maxTime <= newest - this.options.retentionMs);
    for (const b of doomed) this.remove(b);
    this.deletedByRetention += doomed.length;
    return doomed.length;
  }

  /** delete_series on the tier: windows holding deleted samples disappear from reads. */
  addTombstone(t: Tombstone): void {
    for (const b of this.blocks) {
      if (b.maxTime <= t.mint - this.options.resolutionMs || b.minTime > t.maxt) continue;
      if (b.select(t.matchers).length > 0) b.addTombstone(t);
    }
  }

  private remove(b: Block): void {
    this.blocks = this.blocks.filter((x) => x !== b);
    b.release();
    removeBlockDir(b.dir);
  }

  /**
   * Windows ending in [lo, hi] of the series matching `matchers`, with `fields` of their
   * aggregates, from the tier blocks, and the window-end intervals those blocks cover ([first,
   * last] pairs, ascending), with the keys of the series each of those blocks holds where the
   * block left some out (`held`, parallel to `covered`, null for a block that left none out: a
   * series the raw data has there and the block lacks holds native histograms). `capacity`: windows to make room for per series (a caller that appends more
   * windows to the ones read says so), default those the blocks can hold.
   */
  read(matchers: readonly LabelMatcher[], lo: number, hi: number, fields: readonly RollupField[] = ROLLUP_FIELDS, capacity?: number): { series: Map<string, TierSeries>; covered: [number, number][]; held: (Set<string> | null)[] } {
    const r = this.options.resolutionMs;
    const series = new Map<string, TierSeries>();
    const covered: [number, number][] = [];
    const held: (Set<string> | null)[] = [];
    const blocks = this.listBlocks().filter((b) => b.maxTime >= lo && b.minTime + r <= hi);
    // Sized once: a series' chunks are read block after block into one set of columns.
    const room = capacity ?? Math.max(1, Math.floor((Math.min(hi, blocks.length > 0 ? blocks[blocks.length - 1].maxTime : lo) - lo) / r) + 1);
    for (const b of blocks) {
      // Where the block turns out damaged, the windows it added are taken back and it is dropped.
      const before = new Map<RollupWindows, number>();
      const keys = new Set<string>();
      try {
        this.readBlock(b, matchers, lo, hi, fields, room, series, before, keys);
      } catch (err) {
        if (!isDamage(err)) throw err;
        for (const [w, n] of before) w.length = n;
        this.dropDamaged(b.dir, err);
        this.blocks = this.blocks.filter((x) => x !== b);
        b.release();
        continue;
      }
      covered.push([Math.max(lo, b.minTime + r), Math.min(hi, b.maxTime)]);
      held.push(b.meta.downsample?.rawOnlySeries === 0 ? null : keys);
    }
    return { series, covered, held };
  }

  private readBlock(b: Block, matchers: readonly LabelMatcher[], lo: number, hi: number, fields: readonly RollupField[], room: number, series: Map<string, TierSeries>, before: Map<RollupWindows, number>, keys: Set<string>): void {
    const r = this.options.resolutionMs;
    const file = join(b.dir, 'chunks');
    for (const id of b.select(matchers)) {
      const s = b.series[id];
      const key = canonicalLabels(s.labels);
      keys.add(key);
      let e = series.get(key);
      if (e === undefined) {
        e = { labels: s.labels, windows: emptyWindows(fields, room) };
        series.set(key, e);
      }
      if (!before.has(e.windows)) before.set(e.windows, e.windows.length);
      const del = b.tombstones.length > 0 ? deletedIntervals(b.tombstones, s.labels) : null;
      if (del === null) {
        for (const c of b.seriesChunks(id)) decodeRollupChunk(c.bytes, e.windows, lo, hi, file);
        continue;
      }
      // A window that held any deleted sample is dropped whole: its aggregates cannot be split.
      const all = emptyWindows(fields);
      for (const c of b.seriesChunks(id)) decodeRollupChunk(c.bytes, all, lo, hi, file);
      for (let i = 0; i < all.length; i++) {
        let hit = false;
        for (let k = 0; k < del.length && !hit; k += 2) hit = del[k] <= all.ends[i] && del[k + 1] > all.ends[i] - r;
        if (!hit) e.windows.copyWindow(all, i);
      }
    }
  }

  private dropDamaged(dir: string, err: unknown): void {
    this.damagedBlocks++;
    this.onDamaged(new Error(`downsampled block ${dir} is damaged and was deleted; it is built again from the raw blocks: ${err instanceof Error ? err.message : String(err)}`, { cause: err }));
    removeBlockDir(dir);
  }

  release(): void {
    for (const b of this.blocks) b.release();
  }

  private loadBlocks(): Block[] {
    const out: Block[] = [];
    for (const f of readdirSync(this.dir)) {
      const p = join(this.dir, f);
      if (f.endsWith('.tmp')) {
        rmSync(p, { recursive: true, force: true });
        continue;
      }
      if (!statSync(p).isDirectory()) continue;
      try {
        out.push(Block.open(p));
      } catch (err) {
        if (!isDamage(err)) throw err;
        this.dropDamaged(p, err);
      }
    }
    // Two blocks of one range (a crash between writing a rebuilt range and removing the old one):
    // the newer id wins.
    out.sort((a, b) => (a.id < b.id ? -1 : 1));
    const byRange = new Map<number, Block>();
    for (const b of out) {
      const old = byRange.get(b.minTime);
      if (old !== undefined) {
        old.release();
        removeBlockDir(old.dir);
      }
      byRange.set(b.minTime, b);
    }
    return [...byRange.values()];
  }
}

/** A block's files are damaged or missing (as opposed to a failure of the program reading them). */
function isDamage(err: unknown): boolean {
  return err instanceof CorruptionError || (err as NodeJS.ErrnoException | null)?.code === 'ENOENT';
}
