import { toWireHistogram, type WireHistogramSample } from './histogram-sample-wire.js';
import { compareStrings, type Labels } from './labels.js';
import { ColumnWriter, referenceWidth } from './packed-column.js';
import type { HistogramValue } from './sample.js';

const EMPTY_LABEL_SECTION = new Uint8Array([0, 0, 0]); // no symbols, two empty byte columns

/** Series all remembered label sections may hold together (bounds memory when batches never repeat). */
const MEMO_BUDGET = 1_000_000;

/** Past this many distinct strings the writer's dictionary starts over (bounds memory under churn). */
const MAX_DICTIONARY = 1 << 20;

/**
 * A series' labels in canonical (name-sorted) order as flat name, value, name, value, ... pairs,
 * with the ids of those strings in a writer's dictionary. Built once per labels object (labels
 * are immutable, schemas/labels.ts), so a series sent again and again is sorted and interned once.
 */
export class SeriesSymbols {
  /** Dictionary ids of `pairs`, valid while `epoch` is the writer's epoch. */
  ids: Int32Array;
  epoch = -1;

  constructor(readonly pairs: readonly string[]) {
    this.ids = new Int32Array(pairs.length);
  }
}

/** The canonical pairs of a labels object. */
export function seriesSymbolsOf(labels: Labels): SeriesSymbols {
  const names = Object.keys(labels);
  if (names.length > 1) names.sort(compareStrings);
  const pairs = new Array<string>(names.length * 2);
  for (let i = 0; i < names.length; i++) {
    pairs[2 * i] = names[i];
    pairs[2 * i + 1] = labels[names[i]];
  }
  return new SeriesSymbols(pairs);
}

/**
 * Writes sample-batch.v4 records (the Avro body by hand, byte for byte what avsc writes for the
 * schema) column by column: `begin()`, `addSeries()` per series (with `markStale()` for its
 * markers, `startTimestamp()` for its samples' start timestamps and `addHistograms()` for its
 * histogram samples), `finish()`. Label strings are interned in a dictionary that lives as long as the
 * writer, so a batch's symbol table is built from small integer ids with a generation stamp
 * instead of hashing strings. Not reentrant: one record at a time (encoding is synchronous).
 */
export class SampleBatchWriter {
  private dict: string[] = [];
  private dictIndex = new Map<string, number>();
  private epoch = 0;
  // Per dictionary id: the batch generation that used it, and its index in that batch's symbols.
  private stamp = new Int32Array(1024);
  private local = new Int32Array(1024);
  private gen = 0;
  /** The batch's series, `seriesCount` slots in use: kept across batches with their capacity. */
  private readonly series: SeriesSymbols[] = [];
  private seriesCount = 0;
  private refs = new Uint32Array(4096);
  private readonly labelCounts = new ColumnWriter(1024);
  private readonly labelsOut = new ColumnWriter(65536);
  private readonly sampleCounts = new ColumnWriter(1024);
  private readonly timestamps = new ColumnWriter(8192);
  private readonly stale = new ColumnWriter(64);
  private values = new Uint8Array(16384);
  private valuesView = new DataView(this.values.buffer);
  private valueBytes = 0;
  private readonly out = new ColumnWriter(65536);
  private prevTs = 0;
  private samples = 0;
  private seriesBase = 0;
  private readonly cache = new WeakMap<Labels, SeriesSymbols>();
  /** By first series: the label section of the last batch that began with it (see labelSection). */
  private readonly memos = new Map<SeriesSymbols, { readonly series: readonly SeriesSymbols[]; readonly bytes: Uint8Array } | null>();
  private memoEntries = 0;
  private histograms: WireHistogramSample[] = [];
  private readonly starts = new ColumnWriter(16);

  /**
   * `header`: the single-object encoding header (marker and fingerprint) of the v4 schema;
   * `encodeHistograms`: the Avro encoding of the `histograms` field (rare and nested, so avsc
   * writes it rather than this writer).
   */
  constructor(
    private readonly header: Uint8Array,
    private readonly encodeHistograms: (samples: readonly WireHistogramSample[]) => Uint8Array,
  ) {}

  /** The canonical pairs of a labels object, cached per object. */
  symbolsOf(labels: Labels): SeriesSymbols {
    let s = this.cache.get(labels);
    if (s === undefined) {
      s = seriesSymbolsOf(labels);
      this.cache.set(labels, s);
    }
    return s;
  }

  begin(): void {
    if (this.dict.length > MAX_DICTIONARY) {
      this.dict = [];
      this.dictIndex = new Map();
      this.epoch++;
    }
    // A remote_write record holds thousands of series of one sample each: an array grown again
    // from empty for every record was a sizeable part of what encoding allocated.
    this.seriesCount = 0;
    this.sampleCounts.reset();
    this.timestamps.reset();
    this.stale.reset();
    this.valueBytes = 0;
    this.prevTs = 0;
    this.samples = 0;
    this.seriesBase = 0;
    this.histograms = [];
    this.starts.reset();
  }

  /** Adds a series with samples `[from, to)` of `timestamps`/`values`. */
  addSeries(sym: SeriesSymbols, timestamps: ArrayLike<number>, values: ArrayLike<number>, from: number, to: number): void {
    this.series[this.seriesCount++] = sym;
    const n = to - from;
    this.sampleCounts.uvarint(n);
    if (this.valueBytes + 8 * n > this.values.length) this.growValues(8 * n);
    const ts = this.timestamps;
    const view = this.valuesView;
    let vb = this.valueBytes;
    let prev = this.prevTs;
    for (let j = from; j < to; j++) {
      const t = timestamps[j];
      const d = t - prev;
      ts.uvarint(d >= 0 ? d * 2 : -d * 2 - 1);
      prev = t;
      view.setFloat64(vb, values[j], true);
      vb += 8;
    }
    this.prevTs = prev;
    this.valueBytes = vb;
    this.seriesBase = this.samples;
    this.samples += n;
  }

  /** Marks sample `k` of the series just added (0-based, ascending) as a staleness marker. */
  markStale(k: number): void {
    this.stale.uvarint(this.seriesBase + k);
  }

  /** Gives sample `k` of the series just added (at `t`) its start timestamp `st` (not 0). */
  startTimestamp(k: number, t: number, st: number): void {
    this.starts.svarint((this.seriesBase + k) * 2);
    this.starts.svarint(t - st);
  }

  /**
   * Adds native-histogram samples `[from, to)` to the series just added (ascending timestamps),
   * with their start timestamps where `starts` has one (not 0).
   */
  addHistograms(timestamps: ArrayLike<number>, histograms: readonly HistogramValue[], from: number, to: number, starts?: ArrayLike<number>): void {
    const series = this.seriesCount - 1;
    if (series < 0) throw new Error('addHistograms before addSeries');
    for (let j = from; j < to; j++) {
      const st = starts === undefined ? 0 : starts[j];
      if (st !== 0) {
        this.starts.svarint(this.histograms.length * 2 + 1);
        this.starts.svarint(timestamps[j] - st);
      }
      this.histograms.push(toWireHistogram(series, timestamps[j], histograms[j]));
    }
  }

  /** The record: single-object header, then the Avro body. */
  finish(source: string): Buffer {
    const labels = this.labelSection();
    const out = this.out;
    out.reset();
    out.avroBytesRaw(labels);
    out.avroColumn(this.sampleCounts);
    out.avroColumn(this.timestamps);
    out.avroBytes(this.values, 0, this.valueBytes);
    out.avroColumn(this.stale);
    out.avroString(source);
    if (this.histograms.length === 0) out.uvarint(0); // an empty Avro array
    else out.avroBytesRaw(this.encodeHistograms(this.histograms));
    out.avroColumn(this.starts);
    const body = out.bytes();
    const record = Buffer.allocUnsafe(this.header.length + body.length);
    record.set(this.header, 0);
    record.set(body, this.header.length);
    return record;
  }

  /**
   * The symbols, labelCounts and labelRefs fields of the record for the series added. A target's
   * batches hold the same series in the same order scrape after scrape, so the section is
   * remembered on the batch's first series and reused when the series list is the same.
   */
  private labelSection(): Uint8Array {
    const series = this.series;
    const n = this.seriesCount;
    if (n === 0) return EMPTY_LABEL_SECTION;
    const memo = this.memos.get(series[0]);
    if (memo != null && memo.series.length === n) {
      const prev = memo.series;
      let i = 1;
      while (i < n && prev[i] === series[i]) i++;
      if (i === n) return memo.bytes;
    }
    if (++this.gen === 0x7fffffff) {
      this.stamp.fill(0);
      this.gen = 1;
    }
    const symbols: string[] = [];
    const counts = this.labelCounts;
    counts.reset();
    let refCount = 0;
    for (let i = 0; i < n; i++) refCount += series[i].pairs.length;
    if (refCount > this.refs.length) this.growRefs(refCount);
    const refs = this.refs;
    const gen = this.gen;
    let r = 0;
    for (let i = 0; i < n; i++) {
      const sym = series[i];
      if (sym.epoch !== this.epoch) this.intern(sym);
      const ids = sym.ids;
      const k = ids.length;
      counts.uvarint(k >> 1);
      const stamp = this.stamp;
      const local = this.local;
      for (let j = 0; j < k; j++) {
        const id = ids[j];
        if (stamp[id] === gen) refs[r++] = local[id];
        else {
          stamp[id] = gen;
          local[id] = symbols.length;
          refs[r++] = symbols.length;
          symbols.push(this.dict[id]);
        }
      }
    }
    const out = this.labelsOut;
    out.reset();
    if (symbols.length > 0) {
      out.uvarint(symbols.length * 2);
      for (let i = 0; i < symbols.length; i++) out.avroString(symbols[i]);
    }
    out.uvarint(0);
    out.avroColumn(counts);
    const width = referenceWidth(symbols.length);
    out.uvarint(r * width * 2);
    out.fixedWidth(refs, r, width);
    const bytes = out.bytes();
    // Kept from the second batch on that begins with this series: batches that never repeat
    // (remote_write senders batch whatever is queued) then cost a map entry, not a copy.
    const old = memo === undefined ? 0 : memo === null ? 1 : memo.series.length;
    const size = memo === undefined ? 1 : n;
    if (this.memoEntries - old + size > MEMO_BUDGET) {
      this.memos.clear();
      this.memoEntries = 0;
    } else this.memoEntries -= old;
    this.memos.set(series[0], memo === undefined ? null : { series: series.slice(0, n), bytes: Uint8Array.prototype.slice.call(bytes) });
    this.memoEntries += size;
    return bytes;
  }

  private intern(sym: SeriesSymbols): void {
    const pairs = sym.pairs;
    const ids = sym.ids;
    for (let j = 0; j < pairs.length; j++) {
      const s = pairs[j];
      let id = this.dictIndex.get(s);
      if (id === undefined) {
        id = this.dict.length;
        this.dict.push(s);
        this.dictIndex.set(s, id);
        if (id >= this.stamp.length) {
          const stamp = new Int32Array(this.stamp.length * 2);
          stamp.set(this.stamp);
          this.stamp = stamp;
          const local = new Int32Array(this.local.length * 2);
          local.set(this.local);
          this.local = local;
        }
      }
      ids[j] = id;
    }
    sym.epoch = this.epoch;
  }

  private growRefs(need: number): void {
    let size = this.refs.length * 2;
    while (size < need) size *= 2;
    this.refs = new Uint32Array(size);
  }

  private growValues(extra: number): void {
    let size = this.values.length * 2;
    while (size < this.valueBytes + extra) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.values.subarray(0, this.valueBytes));
    this.values = next;
    this.valuesView = new DataView(next.buffer);
  }
}
