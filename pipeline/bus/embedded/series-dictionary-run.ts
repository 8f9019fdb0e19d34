import { setImmediate as nextTurn } from 'node:timers/promises';
import type { BusRecord } from '../bus.js';
import { ByteReader, ByteWriter } from '../../tsdb/block/encoding.js';
import { decodeSampleBatch, sampleBatchWriter } from '../../../schemas/sample-batch-codec.js';
import type { FloatColumns as DecodedColumns } from '../../../schemas/float-columns.js';
import { LabelSectionMemo, type LabelSection } from '../../../schemas/label-section-memo.js';
import type { Labels } from '../../../schemas/labels.js';
import { SeriesSymbols, seriesSymbolsOf } from '../../../schemas/sample-batch-writer.js';
import { checkFrame, decodeFrame, frameCodec, isRunFrame } from './record-frame.js';
import { SeriesChunkReader, writeSeriesChunks, type SeriesSamples } from './series-chunk-samples.js';

/**
 * The series-dictionary form of a run (frame versions 4 and 5, record-frame.ts): what brotli compresses
 * instead of the records' version 1 frames. A sample batch repeats its series' label strings
 * record after record and carries each timestamp and value as 8 bytes; here a run's distinct
 * series are written once and each record keeps only which series it holds, its timestamps as
 * deltas of deltas per series (0 for a steady scrape interval) and its values as deltas of deltas
 * of their decimal mantissas (as VictoriaMetrics stores them; float64 bits XOR'd with the previous
 * value's for a series with a value of no short decimal form), each section apart (column by
 * column) so the compressor sees like bytes together. Reading rebuilds every record's value with the sample batch writer
 * (schemas/sample-batch-writer.ts); only records that rebuild byte for byte take this form
 * (`asDictionaryRun` checks), every other record is kept as its version 1 frame.
 *
 * Uncompressed layout (varints: LEB128; signed ones zigzag):
 *
 *   kinds      one byte per record: 0 = kept as its frame, 1 = sample batch
 *   then, each as uvarint byte length | bytes:
 *   frames     the version 1 frames of the kind-0 records, concatenated
 *   envelopes  per batch: svarint timestamp minus the previous batch's | uvarint key length + 1
 *              (0 = no key) | key | uvarint header count | (name string | uvarint length | value)*
 *   sources    per batch: its `source` string (uvarint length | utf-8)
 *   dictionary per new series, in order of first use: its canonical name, value, ... pairs as
 *              a JSON array of strings (uvarint length | utf-8); a series' id is its place
 *   scales     per series, by id: its values' decimal scale k (0-15: value = mantissa / 10^k) or
 *              255 (float64 bits)
 *   series     per batch: uvarint series count | per series svarint (id - previous id - 1) |
 *              uvarint sample count
 *   timestamps per sample: svarint (timestamp - previous timestamp of the series - the series'
 *              previous delta); a series' first sample counts from the run's previous sample
 *   mantissas  per sample of a decimal series: svarint (mantissa - previous mantissa - previous
 *              mantissa delta), both 0 before the series' first sample
 *   bits       per sample of a bits series: the float64's low and high u32 (big-endian), each
 *              XOR'd with the series' previous value's (0 at first)
 *
 * That is the `columns` layout (version 4, as compaction wrote it before). The `chunks` layout
 * (version 5, what compaction writes) has no scales, timestamps, mantissas or bits: after the
 * series section, one section `chunks` holds each series' samples as TSDB chunks
 * (series-chunk-samples.ts).
 */

const KEPT = 0;
const BATCH = 1;
/** Rewrites of a run's dictionary form, each keeping the records that did not rebuild, before the run goes as version 3. */
const REBUILD_ATTEMPTS = 3;
/** Longest stretch of synchronous work (ms) before a run's encoding or decoding gives the event loop a turn. */
const SLICE_MS = 5;

/**
 * How a run's samples are laid out: `columns` (frame version 4) sample by sample in record order,
 * timestamps, mantissas and bits apart; `chunks` (frame version 5) series by series as TSDB chunks
 * (series-chunk-samples.ts), which compaction writes. Both are read.
 */
export type SampleLayout = 'columns' | 'chunks';

/**
 * Breaks a run's encoding and decoding (tens of milliseconds for a 4 MiB run) into pieces of about
 * SLICE_MS, so that produce calls and queries on the event loop are served between them.
 */
class LoopSlices {
  private since = performance.now();

  /** `between`, if given, is awaited at each turn as well (see SegmentCompactionOptions.giveWay). */
  constructor(private readonly between?: () => Promise<void>) {}

  async next(): Promise<void> {
    if (performance.now() - this.since < SLICE_MS) return;
    await nextTurn();
    if (this.between !== undefined) await this.between();
    this.since = performance.now();
  }
}

/**
 * Series read back from dictionaries, by their entry's bytes, shared by the runs read: the sample
 * batch writer keys what it remembers (a record's label section) on these objects, so a series
 * keeps one across runs instead of each run's read adding its own. Bounded: cleared when full.
 */
const readSeries = new Map<string, SeriesSymbols>();
const READ_SERIES_MAX = 1 << 16;

/** A record's float samples, as decoded. */
export interface FloatBatch {
  readonly columns: DecodedColumns;
  readonly source: string;
  /** The remembered label section its labels come from, if any: records with the same one hold the same series. */
  readonly section?: LabelSection;
}

/**
 * The dictionary form of `records` (consecutive offsets; `frames` their version 1 frames) when at
 * least one rebuilds from it byte for byte; undefined when none does (the run stays version 3).
 * Checked here: the payload is decoded again and every record it gives back is compared, as it is
 * rebuilt, with its frame's fields (offset, timestamp, key, headers in order, value bytes), which
 * are all a version 1 frame is made of; records that do not rebuild are kept as frames.
 */
export async function asDictionaryRun(
  records: readonly BusRecord[],
  frames: readonly Buffer[],
  maxRecordBytes: number,
  giveWay?: () => Promise<void>,
  layout: SampleLayout = 'chunks',
): Promise<Buffer | undefined> {
  const kept = new Set<number>();
  const slices = new LoopSlices(giveWay);
  const batches: (FloatBatch | undefined)[] = [];
  for (let i = 0; i < records.length; i++) {
    await slices.next();
    batches.push(floatBatchOf(records[i].value));
    if (batches[i] === undefined) kept.add(i);
  }
  // A record kept shifts the deltas of those after it, which can (at the edges of exact integers)
  // make another one fail: a few attempts, then the run goes as version 3.
  for (let attempt = 0; attempt < REBUILD_ATTEMPTS; attempt++) {
    if (kept.size === records.length) return undefined;
    const payload = await encodeDictionaryRun(records, frames, batches, kept, layout, slices);
    const differ: number[] = [];
    await readDictionaryRun(payload, layout, records[0].offset, records.length, records[0].topic, records[0].partition, maxRecordBytes, (i, r) => {
      if (!frameHolds(frames[i], r)) differ.push(i);
    }, slices);
    if (differ.length === 0) return payload;
    // Rare: keep the records that do not rebuild as they are (a kept one differing cannot be helped).
    for (const i of differ) {
      if (kept.has(i)) return undefined;
      kept.add(i);
    }
  }
  return undefined;
}

/** Whether the version 1 frame `frame` is the one `r` encodes to (encodeFrame writes nothing else). */
function frameHolds(frame: Buffer, r: BusRecord): boolean {
  if (frameCodec(frame, 0) !== 'none' || isRunFrame(frame, 0)) return false;
  const f = decodeFrame(frame, 0, r.topic, r.partition);
  if (f.offset !== r.offset || f.timestampMs !== r.timestampMs || !f.value.equals(r.value)) return false;
  if (f.key === null ? r.key !== null : r.key === null || !f.key.equals(r.key)) return false;
  const names = Object.keys(f.headers);
  const rNames = Object.keys(r.headers);
  if (names.length !== rNames.length) return false;
  for (let h = 0; h < names.length; h++) {
    if (names[h] !== rNames[h] || !f.headers[names[h]].equals(r.headers[rNames[h]])) return false;
  }
  return true;
}

/**
 * Label sections of the records compacted (label-section-memo.ts): a producer repeats a batch's
 * series list scrape after scrape, so most records take labels objects decoded before, and the
 * same objects then find their series id without their labels being keyed.
 */
const compactedSections = new LabelSectionMemo();

/** A series' key in a run's dictionary, by labels object (the memo above hands out the same ones again). */
const seriesKeys = new WeakMap<Labels, string>();

/** `value` as a sample batch of float samples only (no markers, start timestamps, histograms), if it is one. */
function floatBatchOf(value: Buffer): FloatBatch | undefined {
  try {
    const batch = decodeSampleBatch(value, compactedSections);
    return batch.floatColumns === undefined ? undefined : { columns: batch.floatColumns, source: batch.source, section: batch.labelSection };
  } catch {
    return undefined; // another kind of record: kept as it is
  }
}

/** Per series of a run, by id: its previous timestamp and delta, value scale, mantissa (or value bits) and delta. */
class SeriesState {
  lastTs: number[] = [];
  lastDelta: number[] = [];
  scale: number[] = [];
  /** Decimal series: the previous mantissa and its delta; bit series: the previous value's bits. */
  lastM: number[] = [];
  lastMDelta: number[] = [];
  prevTs = 0;

  add(scale: number): void {
    this.lastTs.push(this.prevTs);
    this.lastDelta.push(0);
    this.scale.push(scale);
    this.lastM.push(0);
    this.lastMDelta.push(0);
  }

  /** The timestamp delta of delta to write for `t`, series `id`. */
  timestampToWrite(id: number, t: number): number {
    const d = t - this.lastTs[id] - this.lastDelta[id];
    this.tookTimestamp(id, t);
    return d;
  }

  /** The timestamp of series `id` that `written` (timestampToWrite's) stands for. */
  timestampRead(id: number, written: number): number {
    const t = this.lastTs[id] + this.lastDelta[id] + written;
    this.tookTimestamp(id, t);
    return t;
  }

  private tookTimestamp(id: number, t: number): void {
    this.lastDelta[id] = t - this.lastTs[id];
    this.lastTs[id] = t;
    this.prevTs = t;
  }

  /** The mantissa delta of delta to write for mantissa `m` of decimal series `id`. */
  mantissaToWrite(id: number, m: number): number {
    const d = m - this.lastM[id] - this.lastMDelta[id];
    this.lastMDelta[id] = m - this.lastM[id];
    this.lastM[id] = m;
    return d;
  }

  mantissaRead(id: number, written: number): number {
    const m = this.lastM[id] + this.lastMDelta[id] + written;
    this.lastMDelta[id] = m - this.lastM[id];
    this.lastM[id] = m;
    return m;
  }
}

/** Value scale of a series whose values are kept as float64 bits. */
const BITS = 255;
const MAX_SCALE = 15;
const MAX_MANTISSA = 2 ** 50;
const POW10 = Array.from({ length: MAX_SCALE + 1 }, (_, i) => 10 ** i);

/** The fewest decimals (0-15) that give `v` back exactly as an integer mantissa, or BITS. */
function decimalsOf(v: number): number {
  if (Number.isInteger(v) && v <= MAX_MANTISSA && v >= -MAX_MANTISSA && (v !== 0 || 1 / v > 0)) return 0;
  if (!Number.isFinite(v) || (v === 0 && 1 / v < 0)) return BITS;
  for (let k = 0; k <= MAX_SCALE; k++) if (Math.round(v * POW10[k]) / POW10[k] === v) return mantissaFits(v, k) ? k : BITS;
  return BITS;
}

function mantissaFits(v: number, k: number): boolean {
  const m = Math.round(v * POW10[k]);
  return m <= MAX_MANTISSA && m >= -MAX_MANTISSA && (k === 0 ? m : m / POW10[k]) === v;
}

/** Per series id: the scale every one of its values in `batches` takes back exactly (BITS when none). */
function seriesScales(batches: readonly SeriesSamples[], seriesCount: number): number[] {
  const scales = new Array<number>(seriesCount).fill(0);
  for (const b of batches) {
    for (let s = 0; s < b.ids.length; s++) {
      const id = b.ids[s];
      if (scales[id] === BITS) continue;
      for (let k = b.offsets[s]; k < b.offsets[s + 1]; k++) scales[id] = Math.max(scales[id], decimalsOf(b.values[k]));
    }
  }
  // A value exact at fewer decimals may not be at the series' scale (float rounding): then bits.
  for (const b of batches) {
    for (let s = 0; s < b.ids.length; s++) {
      const id = b.ids[s];
      if (scales[id] === BITS || scales[id] === 0) continue; // every value checked at 0 already
      for (let k = b.offsets[s]; k < b.offsets[s + 1]; k++) if (!mantissaFits(b.values[k], scales[id])) scales[id] = BITS;
    }
  }
  return scales;
}

/**
 * The dictionary form of `records`: those in `kept` as their `frames`, every other one from its
 * float columns in `batches`.
 */
export async function encodeDictionaryRun(
  records: readonly BusRecord[],
  frames: readonly Buffer[],
  batches: readonly (FloatBatch | undefined)[],
  kept: ReadonlySet<number>,
  layout: SampleLayout,
  slices = new LoopSlices(),
): Promise<Buffer> {
  const writers = spareSectionWriters.pop() ?? new SectionWriters();
  try {
    return await encodeSections(records, frames, batches, kept, layout, writers, slices);
  } finally {
    writers.reset();
    spareSectionWriters.push(writers);
  }
}

/**
 * The growable buffers of a run's sections, kept between runs: a 4 MiB run's sections grow to
 * hundreds of KiB, which fresh writers reach by doubling and copying run after run.
 */
class SectionWriters {
  readonly keptFrames = new ByteWriter(1024);
  readonly envelopes = new ByteWriter(1024);
  readonly sources = new ByteWriter(1024);
  readonly dictionary = new ByteWriter(64 << 10);
  readonly series = new ByteWriter(64 << 10);
  readonly timestamps = new ByteWriter(64 << 10);
  readonly mantissas = new ByteWriter(64 << 10);
  readonly bits = new ByteWriter(1024);
  readonly chunks = new ByteWriter(64 << 10);

  reset(): void {
    for (const w of [this.keptFrames, this.envelopes, this.sources, this.dictionary, this.series, this.timestamps, this.mantissas, this.bits, this.chunks]) w.length = 0;
  }
}

/** Section writers not in use (runs of several logs may be encoded at once, between slices). */
const spareSectionWriters: SectionWriters[] = [];

async function encodeSections(
  records: readonly BusRecord[],
  frames: readonly Buffer[],
  batches: readonly (FloatBatch | undefined)[],
  kept: ReadonlySet<number>,
  layout: SampleLayout,
  writers: SectionWriters,
  slices: LoopSlices,
): Promise<Buffer> {
  const kinds = Buffer.alloc(records.length);
  const { keptFrames, envelopes, sources, dictionary, series, timestamps, mantissas, bits, chunks } = writers;
  const written: SeriesSamples[] = [];
  const byLabels = new Map<Labels, number>();
  const byPairs = new Map<string, number>();
  const sectionIds = new Map<LabelSection, number[]>();
  let prevRecordTs = 0;
  for (let i = 0; i < records.length; i++) {
    await slices.next();
    const r = records[i];
    if (kept.has(i)) {
      kinds[i] = KEPT;
      keptFrames.bytes(frames[i]);
      continue;
    }
    kinds[i] = BATCH;
    const batch = batches[i];
    if (batch === undefined) throw new Error(`record ${r.offset} is no float sample batch`);
    const cols = batch.columns;
    const known = batch.section === undefined ? undefined : sectionIds.get(batch.section);
    const ids: number[] = known ?? new Array(cols.labels.length);
    if (batch.section !== undefined && known === undefined) sectionIds.set(batch.section, ids);
    for (let s = 0; known === undefined && s < cols.labels.length; s++) {
      const labels = cols.labels[s];
      let id = byLabels.get(labels);
      if (id === undefined) {
        let key = seriesKeys.get(labels);
        if (key === undefined) {
          // Not the writer's cached symbolsOf: that kept interned symbols for every labels object
          // the memo above holds (about two per series), which nothing here encodes.
          key = JSON.stringify(seriesSymbolsOf(labels).pairs);
          seriesKeys.set(labels, key);
        }
        id = byPairs.get(key);
        if (id === undefined) {
          id = byPairs.size;
          byPairs.set(key, id);
          dictionary.str(key);
        }
        byLabels.set(labels, id);
      }
      ids[s] = id;
    }
    envelopes.varint(r.timestampMs - prevRecordTs);
    prevRecordTs = r.timestampMs;
    if (r.key === null) envelopes.uvarint(0);
    else {
      envelopes.uvarint(r.key.length + 1);
      envelopes.bytes(r.key);
    }
    const names = Object.keys(r.headers);
    envelopes.uvarint(names.length);
    for (const name of names) {
      envelopes.str(name);
      envelopes.uvarint(r.headers[name].length);
      envelopes.bytes(r.headers[name]);
    }
    sources.str(batch.source);
    written.push({ ids, offsets: cols.offsets, timestamps: cols.timestamps, values: cols.values });
  }
  for (const b of written) {
    await slices.next();
    series.uvarint(b.ids.length);
    let prevId = -1;
    for (let s = 0; s < b.ids.length; s++) {
      series.varint(b.ids[s] - prevId - 1);
      prevId = b.ids[s];
      series.uvarint(b.offsets[s + 1] - b.offsets[s]);
    }
  }
  if (layout === 'chunks') {
    await writeSeriesChunks(written, byPairs.size, chunks, () => slices.next());
    return joinSections(kinds, [keptFrames, envelopes, sources, dictionary, series, chunks].map((w) => w.result()));
  }
  const scales = seriesScales(written, byPairs.size);
  const state = new SeriesState();
  const word = Buffer.allocUnsafe(8);
  for (const b of written) {
    await slices.next();
    for (let s = 0; s < b.ids.length; s++) {
      const id = b.ids[s];
      if (id === state.lastTs.length) state.add(scales[id]); // ids are numbered in order of first use
      const scale = scales[id];
      for (let k = b.offsets[s]; k < b.offsets[s + 1]; k++) {
        timestamps.varint(state.timestampToWrite(id, b.timestamps[k]));
        const v = b.values[k];
        if (scale !== BITS) {
          mantissas.varint(state.mantissaToWrite(id, scale === 0 ? v : Math.round(v * POW10[scale])));
          continue;
        }
        // Bits: XOR'd with the previous value's (equal values give zeros), whole bytes.
        word.writeDoubleLE(v, 0);
        const lo = word.readUInt32LE(0);
        const hi = word.readUInt32LE(4);
        bits.u32((lo ^ state.lastM[id]) >>> 0);
        bits.u32((hi ^ state.lastMDelta[id]) >>> 0);
        state.lastM[id] = lo;
        state.lastMDelta[id] = hi;
      }
    }
  }
  const sections = [keptFrames, envelopes, sources, dictionary, series, timestamps, mantissas, bits].map((w) => w.result());
  return joinSections(kinds, [sections[0], sections[1], sections[2], sections[3], Buffer.from(scales), ...sections.slice(4)]);
}

/** The record kinds, then each section as uvarint length | bytes. */
function joinSections(kinds: Buffer, sections: readonly Buffer[]): Buffer {
  const out = new ByteWriter(kinds.length + sections.reduce((n, s) => n + s.length + 5, 0));
  out.bytes(kinds);
  for (const s of sections) {
    out.uvarint(s.length);
    out.bytes(s);
  }
  return out.result();
}

/**
 * The `count` records from `firstOffset` that the (inflated) dictionary form `payload` holds,
 * their values rebuilt. Throws with the reason when the bytes are not such a run.
 */
export async function decodeDictionaryRun(payload: Buffer, layout: SampleLayout, firstOffset: number, count: number, topic: string, partition: number, maxRecordBytes: number): Promise<BusRecord[]> {
  const out: BusRecord[] = new Array(count);
  await readDictionaryRun(payload, layout, firstOffset, count, topic, partition, maxRecordBytes, (i, r) => {
    out[i] = r;
  });
  return out;
}

/** Decodes the run as decodeDictionaryRun does, handing each record to `take` as it is rebuilt (in order). */
async function readDictionaryRun(
  payload: Buffer,
  layout: SampleLayout,
  firstOffset: number,
  count: number,
  topic: string,
  partition: number,
  maxRecordBytes: number,
  take: (index: number, record: BusRecord) => void,
  slices = new LoopSlices(),
): Promise<void> {
  const where = `run from offset ${firstOffset}`;
  if (payload.length < count) throw new Error(`${where}: ${payload.length} bytes cannot hold ${count} record kinds`);
  const top = new ByteReader(payload, where, count);
  const section = (): ByteReader => {
    const n = top.uvarint();
    const start = top.pos;
    if (start + n > payload.length) throw new Error(`${where}: a section of ${n} bytes at byte ${start} runs past the end`);
    top.pos += n;
    return new ByteReader(payload, where, start, start + n);
  };
  const frames = section();
  const envelopes = section();
  const sources = section();
  const dictionary = section();
  // A series-chunk run has its samples in one section of chunks, a column run in four.
  const columns = layout === 'columns';
  const none = new ByteReader(payload, where, 0, 0);
  const scales = columns ? section() : none;
  const seriesCol = section();
  const timestamps = columns ? section() : none;
  const mantissas = columns ? section() : none;
  const bits = columns ? section() : none;
  const chunkSection = columns ? none : section();
  const chunks = columns ? undefined : new SeriesChunkReader(chunkSection);
  if (top.pos !== payload.length) throw new Error(`${where}: ${payload.length - top.pos} bytes after its sections`);
  const symbols: SeriesSymbols[] = [];
  const state = new SeriesState();
  const word = Buffer.allocUnsafe(8);
  const w = sampleBatchWriter;
  let prevRecordTs = 0;
  let ts: number[] = [];
  let vals: number[] = [];
  for (let i = 0; i < count; i++) {
    await slices.next();
    const offset = firstOffset + i;
    const kind = payload[i];
    if (kind === KEPT) {
      const check = checkFrame(payload, frames.pos, maxRecordBytes, true);
      if (!check.ok || frames.pos + check.length > frames.end) throw new Error(`${where}: record ${i} is not a whole frame${check.ok ? '' : ` (${check.reason})`}`);
      if (isRunFrame(payload, frames.pos) || frameCodec(payload, frames.pos) !== 'none') throw new Error(`${where}: record ${i} is not a plain record frame`);
      const r = decodeFrame(payload, frames.pos, topic, partition);
      if (r.offset !== offset) throw new Error(`${where}: record ${i} has offset ${r.offset}`);
      take(i, r);
      frames.pos += check.length;
      continue;
    }
    if (kind !== BATCH) throw new Error(`${where}: record ${i} of unknown kind ${kind}`);
    const timestampMs = prevRecordTs + envelopes.varint();
    prevRecordTs = timestampMs;
    const keyLength = envelopes.uvarint();
    const key = keyLength === 0 ? null : Buffer.from(bytesOf(envelopes, keyLength - 1));
    const headers: Record<string, Buffer> = {};
    const headerCount = envelopes.uvarint();
    for (let h = 0; h < headerCount; h++) {
      const name = envelopes.str();
      // defineProperty: a header named `__proto__` must stay an own property.
      Object.defineProperty(headers, name, { value: Buffer.from(bytesOf(envelopes, envelopes.uvarint())), enumerable: true, writable: true, configurable: true });
    }
    const source = sources.str();
    const seriesCount = seriesCol.uvarint();
    w.begin();
    let prevId = -1;
    for (let s = 0; s < seriesCount; s++) {
      const id = prevId + 1 + seriesCol.varint();
      prevId = id;
      if (id < 0 || id > symbols.length) throw new Error(`${where}: record ${i} names series ${id}, the dictionary holds ${symbols.length}`);
      if (id === symbols.length) {
        if (dictionary.pos >= dictionary.end) throw new Error(`${where}: record ${i} names series ${id}, the dictionary holds ${symbols.length}`);
        symbols.push(readSeriesSymbols(dictionary));
        if (chunks !== undefined) chunks.addSeries();
        else {
          const scale = scales.byte();
          if (scale > MAX_SCALE && scale !== BITS) throw new Error(`${where}: series ${id} has value scale ${scale}`);
          state.add(scale);
        }
      }
      const m = seriesCol.uvarint();
      if (chunks !== undefined) {
        const from = chunks.take(id, m);
        w.addSeries(symbols[id], chunks.timestamps, chunks.values, from, from + m);
        continue;
      }
      const scale = state.scale[id];
      if (m > ts.length) {
        if (m > timestamps.end - timestamps.pos) throw new Error(`${where}: record ${i} has more samples than timestamps`);
        ts = new Array<number>(m).fill(0);
        vals = new Array<number>(m).fill(0);
      }
      for (let k = 0; k < m; k++) {
        ts[k] = state.timestampRead(id, timestamps.varint());
        if (scale !== BITS) {
          const mantissa = state.mantissaRead(id, mantissas.varint());
          vals[k] = scale === 0 ? mantissa : mantissa / POW10[scale];
          continue;
        }
        const lo = (bits.u32() ^ state.lastM[id]) >>> 0;
        const hi = (bits.u32() ^ state.lastMDelta[id]) >>> 0;
        state.lastM[id] = lo;
        state.lastMDelta[id] = hi;
        word.writeUInt32LE(lo, 0);
        word.writeUInt32LE(hi, 4);
        vals[k] = word.readDoubleLE(0);
      }
      w.addSeries(symbols[id], ts, vals, 0, m);
    }
    take(i, { topic, partition, offset, timestampMs, key, headers, value: w.finish(source) });
  }
  for (const [name, r] of [['frames', frames], ['envelopes', envelopes], ['sources', sources], ['dictionary', dictionary], ['scales', scales], ['series', seriesCol], ['timestamps', timestamps], ['mantissas', mantissas], ['bits', bits], ['chunks', chunkSection]] as const) {
    if (r.pos !== r.end) throw new Error(`${where}: ${r.end - r.pos} bytes of its ${name} belong to no record`);
  }
  chunks?.checkAllTaken();
}

/** The dictionary entry at the reader's position, as the series it names (parsed only when not known). */
function readSeriesSymbols(dictionary: ByteReader): SeriesSymbols {
  const length = dictionary.uvarint();
  const body = bytesOf(dictionary, length);
  const key = body.toString('latin1');
  let sym = readSeries.get(key);
  if (sym !== undefined) return sym;
  let pairs: unknown;
  try {
    pairs = JSON.parse(body.toString('utf8'));
  } catch (err) {
    throw new Error(`${dictionary.file}: a dictionary entry is not JSON`, { cause: err });
  }
  if (!Array.isArray(pairs) || pairs.length % 2 !== 0 || !pairs.every((p) => typeof p === 'string')) {
    throw new Error(`${dictionary.file}: a dictionary entry is not a list of label names and values`);
  }
  if (readSeries.size >= READ_SERIES_MAX) readSeries.clear();
  sym = new SeriesSymbols(pairs as string[]);
  readSeries.set(key, sym);
  return sym;
}

function bytesOf(r: ByteReader, n: number): Buffer {
  if (r.pos + n > r.end) throw new Error(`${r.file}: ${n} bytes at byte ${r.pos} run past their section`);
  const b = r.buf.subarray(r.pos, r.pos + n);
  r.pos += n;
  return b;
}
