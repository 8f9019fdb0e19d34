import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { canonicalLabels, type Labels } from '../../../schemas/labels.js';
import { Block, deletedIntervals, removeBlockDir, writeBlock, type BlockSeriesInput, type Tombstone } from '../block/index.js';
import { ENCODING_ROLLUP, SampleBuffer } from '../chunks/index.js';
import type { LabelMatcher } from '../querier.js';
import { decodeRollupChunk, encodeRollupChunk } from './rollup-chunk.js';
import type { RollupField } from './rollup-windows.js';
import { copyWindow, emptyWindows, rollupSamples, type RollupWindows } from './rollup-windows.js';

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

  private constructor(
    readonly dir: string,
    readonly options: TierOptions,
  ) {
    this.blocks = loadTierBlocks(dir);
  }

  static open(tsdbDir: string, options: TierOptions): Tier {
    if (options.resolutionMs <= 0 || DAY % options.resolutionMs !== 0) {
      throw new RangeError(`a downsampling resolution must divide a day, ${options.resolutionMs} ms does not`);
    }
    if (tierBlockRange(options) % options.resolutionMs !== 0) throw new RangeError(`a tier block range must be a multiple of the resolution ${options.resolutionMs} ms`);
    const dir = join(tsdbDir, 'downsample', resolutionName(options.resolutionMs));
    mkdirSync(dir, { recursive: true });
    return new Tier(dir, options);
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
   * blocks; the head is never read: a due range ends before the newest block does. Returns blocks
   * written.
   */
  build(raw: readonly Block[]): number {
    if (raw.length === 0) return 0;
    const newest = Math.max(...raw.map((b) => b.maxTime));
    const limit = Math.min(newest - this.options.afterMs, newest - 1);
    const range = tierBlockRange(this.options);
    const first = Math.floor(Math.min(...raw.map((b) => b.minTime)) / range) * range;
    let written = 0;
    for (let a = first; a + range <= limit; a += range) {
      const b = a + range;
      const parts = raw.filter((x) => x.maxTime > a + 1 && x.minTime <= b);
      if (parts.length === 0) continue;
      const sources = [...new Set(parts.flatMap((x) => x.meta.compaction.sources))].sort();
      const existing = this.blocks.find((x) => x.minTime === a);
      if (existing !== undefined) {
        const had = new Set(existing.meta.compaction.sources);
        if (sources.every((s) => had.has(s))) continue;
      }
      this.writeDay(parts, a, b, sources);
      if (existing !== undefined) this.remove(existing);
      written++;
    }
    this.builds += written;
    return written;
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
    for (const { labels, refs } of bySeries.values()) {
      buf.clear();
      for (const [blk, id] of refs) blk.collect(id, buf, a + 1, b);
      if (buf.length === 0) continue;
      const cols = buf.columns();
      const w = emptyWindows();
      rollupSamples(cols.timestamps, cols.values, cols.stale, r, w);
      const n = w.ends.length;
      if (n === 0) continue;
      input.push({ labels, chunks: [{ encoding: ENCODING_ROLLUP, bytes: encodeRollupChunk(w, 0, n), minT: w.ends[0], maxT: w.ends[n - 1] }] });
    }
    const meta = writeBlock(this.dir, input, { minTime: a, maxTime: b, sources, downsampleResolution: r });
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

  /** Deletes every tier block (before a rebuild). */
  clear(): void {
    for (const b of [...this.blocks]) this.remove(b);
  }

  private remove(b: Block): void {
    this.blocks = this.blocks.filter((x) => x !== b);
    b.release();
    removeBlockDir(b.dir);
  }

  /**
   * Windows ending in [lo, hi] of the series matching `matchers`, from the tier blocks, and the
   * window-end intervals those blocks cover ([first, last] pairs, ascending).
   */
  read(matchers: readonly LabelMatcher[], lo: number, hi: number, fields?: ReadonlySet<RollupField>): { series: Map<string, TierSeries>; covered: [number, number][] } {
    const r = this.options.resolutionMs;
    const series = new Map<string, TierSeries>();
    const covered: [number, number][] = [];
    for (const b of this.listBlocks()) {
      if (b.maxTime < lo || b.minTime + r > hi) continue;
      covered.push([Math.max(lo, b.minTime + r), Math.min(hi, b.maxTime)]);
      for (const id of b.select(matchers)) {
        const s = b.series[id];
        const key = canonicalLabels(s.labels);
        let e = series.get(key);
        if (e === undefined) {
          e = { labels: s.labels, windows: emptyWindows() };
          series.set(key, e);
        }
        const del = b.tombstones.length > 0 ? deletedIntervals(b.tombstones, s.labels) : null;
        if (del === null) {
          for (const c of b.seriesChunks(id)) decodeRollupChunk(c.bytes, e.windows, lo, hi, join(b.dir, 'chunks'), fields);
          continue;
        }
        // A window that held any deleted sample is dropped whole: its aggregates cannot be split.
        const all = emptyWindows();
        for (const c of b.seriesChunks(id)) decodeRollupChunk(c.bytes, all, lo, hi, join(b.dir, 'chunks'), fields);
        for (let i = 0; i < all.ends.length; i++) {
          let hit = false;
          for (let k = 0; k < del.length && !hit; k += 2) hit = del[k] <= all.ends[i] && del[k + 1] > all.ends[i] - r;
          if (!hit) copyWindow(all, i, e.windows);
        }
      }
    }
    return { series, covered };
  }

  release(): void {
    for (const b of this.blocks) b.release();
  }
}

function loadTierBlocks(dir: string): Block[] {
  const out: Block[] = [];
  for (const f of readdirSync(dir)) {
    const p = join(dir, f);
    if (f.endsWith('.tmp')) {
      rmSync(p, { recursive: true, force: true });
      continue;
    }
    if (!statSync(p).isDirectory() || !existsSync(join(p, 'meta.json'))) continue;
    out.push(Block.open(p));
  }
  // Two blocks of one day (a crash between writing a rebuilt day and removing the old one): the
  // newer id wins.
  out.sort((a, b) => (a.id < b.id ? -1 : 1));
  const byDay = new Map<number, Block>();
  for (const b of out) {
    const old = byDay.get(b.minTime);
    if (old !== undefined) {
      old.release();
      removeBlockDir(old.dir);
    }
    byDay.set(b.minTime, b);
  }
  return [...byDay.values()];
}
