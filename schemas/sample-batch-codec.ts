import { SingleObjectCodec, loadSchema } from './codec.js';
import type avro from 'avsc';
import { RecordDecodeError } from './errors.js';
import { columnarBatch, type FloatColumns, type MaybeColumnar } from './float-columns.js';
import { fromWireHistogram, type WireHistogramSample } from './histogram-sample-wire.js';
import { labelsBuilder, type LabelsBuilder } from './labels-builder.js';
import type { LabelSection, LabelSectionMemo } from './label-section-memo.js';
import { setLabel, type Labels } from './labels.js';
import {
  ColumnWriter,
  readReferences,
  readUint32s,
  referenceWidth,
  writeReferences,
} from './packed-column.js';
import type { HistogramValue, SampleBatch, SeriesHistograms, SeriesSamples } from './sample.js';
import { SampleBatchWriter } from './sample-batch-writer.js';

/** The wire shape of sample-batch.v4.avsc (see the schema's docs for each column). */
interface WireBatch {
  symbols: string[];
  labelCounts: Buffer;
  labelRefs: Buffer;
  sampleCounts: Buffer;
  timestamps: Buffer;
  values: Buffer;
  stale: Buffer;
  source: string;
  histograms: WireHistogramSample[];
  startTimestamps: Buffer;
}

const v1Schema = loadSchema('sample-batch.v1.avsc');
const v2Schema = loadSchema('sample-batch.v2.avsc');
const v3Schema = loadSchema('sample-batch.v3.avsc');
const v4Schema = loadSchema('sample-batch.v4.avsc') as avro.types.RecordType;
/** The current sample batch schema, reading every older version too (they carry no start timestamps). */
const codec = new SingleObjectCodec<WireBatch>(v4Schema, [v1Schema, v2Schema, v3Schema]);
const histogramsType = v4Schema.field('histograms')!.type;
/** The v4 writer shared by every encoder of this process (encoding is synchronous). */
export const sampleBatchWriter = new SampleBatchWriter(codec.header, (samples) => histogramsType.toBuffer(samples));

export interface DecodedSampleBatch extends SampleBatch, MaybeColumnar {
  /** Who produced the batch ("" for writers older than v2). */
  readonly source: string;
  /**
   * The remembered label section the series' labels come from (LabelSectionMemo), when the
   * decoder was given a memo that keeps it: the same object for every record with that section.
   */
  readonly labelSection?: LabelSection;
}

/**
 * Encodes a batch (the series of one partition) as one bus record. Series of one target share
 * most label names and many values, so interning them keeps records small, and the packed
 * columns decode as a few tight loops instead of one Avro record per series.
 */
export function encodeSampleBatch(batch: SampleBatch, source = ''): Buffer {
  const w = sampleBatchWriter;
  for (const s of batch.series) {
    if (s.values.length !== s.timestamps.length) {
      throw new RangeError(`series ${JSON.stringify(s.labels)}: ${s.timestamps.length} timestamps but ${s.values.length} values`);
    }
    const h = s.histograms;
    if (h !== undefined && h.histograms.length !== h.timestamps.length) {
      throw new RangeError(`series ${JSON.stringify(s.labels)}: ${h.timestamps.length} histogram timestamps but ${h.histograms.length} histograms`);
    }
    if (s.startTimestamps !== undefined && s.startTimestamps.length !== s.timestamps.length) {
      throw new RangeError(`series ${JSON.stringify(s.labels)}: ${s.timestamps.length} timestamps but ${s.startTimestamps.length} start timestamps`);
    }
    if (h?.startTimestamps !== undefined && h.startTimestamps.length !== h.timestamps.length) {
      throw new RangeError(`series ${JSON.stringify(s.labels)}: ${h.timestamps.length} histogram timestamps but ${h.startTimestamps.length} start timestamps`);
    }
  }
  w.begin();
  for (const s of batch.series) {
    w.addSeries(w.symbolsOf(s.labels), s.timestamps, s.values, 0, s.timestamps.length);
    const sts = s.startTimestamps;
    if (sts !== undefined) for (let k = 0; k < sts.length; k++) if (sts[k] !== 0) w.startTimestamp(k, s.timestamps[k], sts[k]);
    const h = s.histograms;
    if (h !== undefined && h.timestamps.length > 0) w.addHistograms(h.timestamps, h.histograms, 0, h.timestamps.length, h.startTimestamps);
    const stale = s.stale;
    if (stale.length === 0) continue;
    let sorted = true;
    for (let k = 1; k < stale.length; k++) if (stale[k - 1] > stale[k]) sorted = false;
    for (const k of sorted ? stale : [...stale].sort((a, b) => a - b)) w.markStale(k);
  }
  return w.finish(source);
}

function toWire(batch: SampleBatch, source: string): WireBatch {
  const symbolIndex = new Map<string, number>();
  const symbols: string[] = [];
  const labelCounts = new ColumnWriter(256);
  const labelRefs: number[] = [];
  const sampleCounts = new ColumnWriter(256);
  const timestamps = new ColumnWriter(4096);
  const values = new ColumnWriter(8192);
  const stale = new ColumnWriter(16);
  let sampleBase = 0;
  let prevTs = 0;
  for (const s of batch.series) {
    const names = Object.keys(s.labels).sort();
    labelCounts.uvarint(names.length);
    for (const name of names) {
      for (const sym of [name, s.labels[name]]) {
        let i = symbolIndex.get(sym);
        if (i === undefined) {
          i = symbols.length;
          symbols.push(sym);
          symbolIndex.set(sym, i);
        }
        labelRefs.push(i);
      }
    }
    const n = s.timestamps.length;
    if (s.values.length !== n) {
      throw new RangeError(`series ${JSON.stringify(s.labels)}: ${n} timestamps but ${s.values.length} values`);
    }
    sampleCounts.uvarint(n);
    for (let j = 0; j < n; j++) {
      const t = s.timestamps[j];
      timestamps.svarint(t - prevTs);
      prevTs = t;
      values.float64(s.values[j]);
    }
    for (const k of [...s.stale].sort((a, b) => a - b)) stale.uvarint(sampleBase + k);
    sampleBase += n;
  }
  return {
    symbols,
    labelCounts: labelCounts.bytes(),
    labelRefs: writeReferences(labelRefs, referenceWidth(symbols.length)),
    sampleCounts: sampleCounts.bytes(),
    timestamps: timestamps.bytes(),
    values: values.bytes(),
    stale: stale.bytes(),
    source,
    histograms: [],
    startTimestamps: Buffer.alloc(0),
  };
}

/**
 * Decodes a bus record written by any known version; throws RecordDecodeError on bad bytes. With
 * `sections`, a v3 record whose label section was decoded before takes those labels (the same
 * objects, see label-section-memo.ts) and its symbols are not decoded again.
 */
export function decodeSampleBatch(bytes: Buffer, sections?: LabelSectionMemo): DecodedSampleBatch {
  const sectionEnd = sections === undefined ? -1 : labelSectionEnd(bytes);
  if (sectionEnd > 0) {
    const known = sections!.find(bytes, codec.header.length, sectionEnd);
    if (known !== undefined) return decodeAfterSection(bytes, sectionEnd, known);
  }
  const w = codec.decode(bytes);
  const labels = decodeLabels(w);
  const section = sectionEnd > 0 ? sections!.remember(bytes, codec.header.length, sectionEnd, labels) : undefined;
  return decodeSamples(labels, w, section);
}

/** The labels of every series of a decoded record. */
function decodeLabels(w: WireBatch): Labels[] {
  const { symbols } = w;
  const labelCounts = readUint32s(w.labelCounts, 'labelCounts');
  const labelRefs = readReferences(w.labelRefs, referenceWidth(symbols.length), 'labelRefs');
  const n = labelCounts.length;
  const symbolCount = symbols.length;
  let badRef = -1;
  for (let r = 0; r < labelRefs.length; r++) if (labelRefs[r] >= symbolCount) badRef = r;
  const out: Labels[] = new Array(n);
  let ref = 0;
  // Consecutive series usually have the same label names: reuse the builder while they do.
  let build: LabelsBuilder | undefined;
  let buildRef = -1;
  let buildCount = -1;
  for (let i = 0; i < n; i++) {
    const count = labelCounts[i];
    const refEnd = ref + 2 * count;
    if (refEnd > labelRefs.length) throw new RecordDecodeError(`series ${i}: label references run past the end`);
    if (badRef >= ref && badRef < refEnd) {
      throw new RecordDecodeError(`series ${i}: label symbol reference out of range (${symbolCount} symbols)`);
    }
    if (count !== buildCount || !sameNames(labelRefs, buildRef, ref, count)) {
      const names = new Array<string>(count);
      for (let j = 0; j < count; j++) names[j] = symbols[labelRefs[ref + 2 * j]];
      build = labelsBuilder(names);
      buildRef = ref;
      buildCount = count;
    }
    let labels: Record<string, string>;
    if (build !== undefined) labels = build(symbols, labelRefs, ref);
    else {
      labels = {};
      for (let r = ref; r < refEnd; r += 2) {
        const name = symbols[labelRefs[r]];
        const value = symbols[labelRefs[r + 1]];
        setLabel(labels, name, value);
      }
    }
    out[i] = labels;
    ref = refEnd;
  }
  if (ref !== labelRefs.length) throw new RecordDecodeError(`${labelRefs.length - ref} label references belong to no series`);
  return out;
}

/** The fields after the label section, as a record holds them. */
type SampleColumns = Pick<WireBatch, 'sampleCounts' | 'timestamps' | 'values' | 'stale' | 'source' | 'histograms' | 'startTimestamps'>;

/** The series of a record: `labels[i]` with the samples the columns give series i. */
function decodeSamples(labels: readonly Labels[], w: SampleColumns, section: LabelSection | undefined): DecodedSampleBatch {
  const sampleCounts = readUint32s(w.sampleCounts, 'sampleCounts');
  const staleIdx = readUint32s(w.stale, 'stale');
  const n = labels.length;
  if (sampleCounts.length !== n) throw new RecordDecodeError(`${n} label counts but ${sampleCounts.length} sample counts`);
  const tsCol = w.timestamps;
  let total = 0;
  for (let i = 0; i < tsCol.length; i++) if (tsCol[i] < 0x80) total++;
  if (w.values.length !== total * 8) {
    if (w.values.length % 8 !== 0) throw new RecordDecodeError(`values: ${w.values.length} bytes is not a whole number of doubles`);
    throw new RecordDecodeError(`${total} timestamps but ${w.values.length / 8} values`);
  }
  const values = new DataView(w.values.buffer, w.values.byteOffset, w.values.length);
  const ts = new TimestampReader(tsCol);
  if (staleIdx.length === 0 && w.startTimestamps.length === 0 && w.histograms.length === 0) {
    return decodeColumns(labels, sampleCounts, ts, values, total, tsCol.length, w.source, section);
  }
  const out: SeriesSamples[] = new Array(n);
  let sample = 0;
  let staleCursor = 0;
  for (let i = 0; i < n; i++) {
    const m = sampleCounts[i];
    const end = sample + m;
    if (end > total) throw new RecordDecodeError(`series ${i}: samples run past the end`);
    let stale = NO_STALE;
    while (staleCursor < staleIdx.length && staleIdx[staleCursor] < end) {
      const k = staleIdx[staleCursor++];
      if (k < sample) throw new RecordDecodeError(`stale index ${k} out of order`);
      if (stale === NO_STALE) stale = [];
      stale.push(k - sample);
    }
    let timestamps: number[];
    let vals: number[];
    if (m === 1) {
      timestamps = [ts.next()];
      vals = [values.getFloat64(sample * 8, true)];
    } else {
      timestamps = new Array<number>(m);
      vals = new Array<number>(m);
      for (let j = 0; j < m; j++) {
        timestamps[j] = ts.next();
        vals[j] = values.getFloat64((sample + j) * 8, true);
      }
    }
    out[i] = { labels: labels[i], timestamps, values: vals, stale };
    sample = end;
  }
  if (sample !== total) throw new RecordDecodeError(`${total - sample} samples belong to no series`);
  if (staleCursor !== staleIdx.length) throw new RecordDecodeError(`stale index ${staleIdx[staleCursor]} out of range`);
  if (ts.offset !== tsCol.length) throw new RecordDecodeError(`timestamps: truncated varint at byte ${tsCol.length}`);
  const starts = w.startTimestamps.length > 0 ? readStartTimestamps(w.startTimestamps, total, w.histograms.length) : null;
  if (starts !== null) attachStartTimestamps(out, starts.floats);
  if (w.histograms.length > 0) attachHistograms(out, w.histograms, starts?.histograms ?? null);
  return section === undefined ? { series: out, source: w.source } : { series: out, source: w.source, labelSection: section };
}

/** decodeSamples of a record of float samples only: its columns, and series built from them when read. */
function decodeColumns(
  labels: readonly Labels[],
  sampleCounts: ArrayLike<number>,
  ts: TimestampReader,
  values: DataView,
  total: number,
  timestampBytes: number,
  source: string,
  section: LabelSection | undefined,
): DecodedSampleBatch {
  const n = labels.length;
  const offsets = new Array<number>(n + 1);
  let sample = 0;
  for (let i = 0; i < n; i++) {
    offsets[i] = sample;
    sample += sampleCounts[i];
    if (sample > total) throw new RecordDecodeError(`series ${i}: samples run past the end`);
  }
  offsets[n] = sample;
  if (sample !== total) throw new RecordDecodeError(`${total - sample} samples belong to no series`);
  const timestamps = new Array<number>(total);
  const vals = new Array<number>(total);
  for (let j = 0; j < total; j++) {
    timestamps[j] = ts.next();
    vals[j] = values.getFloat64(j * 8, true);
  }
  if (ts.offset !== timestampBytes) throw new RecordDecodeError(`timestamps: truncated varint at byte ${timestampBytes}`);
  const columns: FloatColumns = { labels, offsets, timestamps, values: vals };
  return columnarBatch(columns, section === undefined ? { source } : { source, labelSection: section });
}

/**
 * Where the label section (symbols, labelCounts, labelRefs) of a v3 record ends; -1 for any other
 * writer or bytes that do not parse as far (the full decode then says what is wrong).
 */
function labelSectionEnd(bytes: Buffer): number {
  const header = codec.header;
  if (bytes.length < header.length || !header.equals(bytes.subarray(0, header.length))) return -1;
  const r = new AvroScanner(bytes, header.length);
  for (;;) {
    let count = r.long();
    if (count === 0) break;
    if (count < 0) {
      count = -count;
      r.long(); // the block's byte size
    }
    for (let i = 0; i < count && r.pos >= 0; i++) r.skipBytes();
    if (r.pos < 0) return -1;
  }
  r.skipBytes();
  r.skipBytes();
  return r.pos;
}

/** Reads the fields after a remembered label section by hand (what avsc would decode of them). */
function decodeAfterSection(bytes: Buffer, start: number, section: LabelSection): DecodedSampleBatch {
  const r = new AvroScanner(bytes, start);
  const sampleCounts = r.bytesField();
  const timestamps = r.bytesField();
  const values = r.bytesField();
  const stale = r.bytesField();
  const sourceBytes = r.bytesField();
  if (sourceBytes === null || r.pos >= bytes.length) throw new RecordDecodeError('Avro body truncated');
  const source = sourceBytes.toString('utf8');
  let histograms: WireHistogramSample[] = [];
  if (bytes[r.pos] === 0) r.pos++;
  else {
    let got: { value: WireHistogramSample[]; offset: number };
    try {
      got = histogramsType.decode(bytes, r.pos) as { value: WireHistogramSample[]; offset: number };
    } catch (err) {
      throw new RecordDecodeError(`invalid Avro body: ${(err as Error).message}`, { cause: err });
    }
    if (got.offset < 0) throw new RecordDecodeError('Avro body truncated');
    histograms = got.value;
    r.pos = got.offset;
  }
  const startTimestamps = r.bytesField();
  if (startTimestamps === null) throw new RecordDecodeError('Avro body truncated');
  if (r.pos !== bytes.length) throw new RecordDecodeError(`Avro body truncated or has trailing bytes (decoded ${r.pos - codec.header.length} of ${bytes.length - codec.header.length})`);
  return decodeSamples(section.labels, { sampleCounts: sampleCounts!, timestamps: timestamps!, values: values!, stale: stale!, source, histograms, startTimestamps }, section);
}

/** Zigzag longs and length-prefixed fields of an Avro body; `pos` turns -1 once it runs past the end. */
class AvroScanner {
  constructor(
    private readonly b: Buffer,
    public pos: number,
  ) {}

  long(): number {
    const b = this.b;
    let z = 0;
    let mul = 1;
    for (;;) {
      if (this.pos < 0 || this.pos >= b.length || mul > 2 ** 49) {
        this.pos = -1;
        return 0;
      }
      const c = b[this.pos++];
      z += (c & 0x7f) * mul;
      if (c < 0x80) break;
      mul *= 128;
    }
    return z % 2 === 0 ? z / 2 : -(z + 1) / 2;
  }

  skipBytes(): void {
    const n = this.long();
    if (this.pos < 0 || n < 0 || this.pos + n > this.b.length) this.pos = -1;
    else this.pos += n;
  }

  /** A `bytes` or `string` field as a view; null (and pos -1) when it runs past the end. */
  bytesField(): Buffer | null {
    const n = this.long();
    if (this.pos < 0 || n < 0 || this.pos + n > this.b.length) {
      this.pos = -1;
      return null;
    }
    const out = this.b.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }
}

/**
 * Gives each series its histogram samples (the wire lists them by series index), with their
 * start timestamps where `starts` (by index into `wire`) has one.
 */
function attachHistograms(out: SeriesSamples[], wire: readonly WireHistogramSample[], starts: Map<number, number> | null): void {
  const bySeries = new Map<number, { timestamps: number[]; histograms: HistogramValue[]; startTimestamps?: number[] }>();
  wire.forEach((h, k) => {
    if (h.series < 0 || h.series >= out.length) {
      throw new RecordDecodeError(`histogram sample of series ${h.series}: the batch has ${out.length} series`);
    }
    let col = bySeries.get(h.series);
    if (col === undefined) bySeries.set(h.series, (col = { timestamps: [], histograms: [] }));
    const d = starts?.get(k);
    if (d !== undefined) (col.startTimestamps ??= new Array<number>(col.timestamps.length).fill(0))[col.timestamps.length] = h.timestamp - d;
    else col.startTimestamps?.push(0);
    col.timestamps.push(h.timestamp);
    col.histograms.push(fromWireHistogram(h));
  });
  for (const [i, histograms] of bySeries) out[i] = { ...out[i], histograms: histograms satisfies SeriesHistograms };
}

/**
 * The start timestamps column (zigzag varint pairs: key, t - st): `floats` by index into the
 * batch's float samples, `histograms` by index into its histogram samples, each to t - st.
 */
function readStartTimestamps(col: Buffer, floatCount: number, histogramCount: number): { floats: Map<number, number>; histograms: Map<number, number> } {
  const floats = new Map<number, number>();
  const histograms = new Map<number, number>();
  const r = new AvroScanner(col, 0);
  while (r.pos < col.length) {
    const key = r.long();
    const delta = r.long();
    if (r.pos < 0 || key < 0) throw new RecordDecodeError(r.pos < 0 ? 'startTimestamps: truncated varint' : `startTimestamps: negative key ${key}`);
    const index = Math.floor(key / 2);
    if (key % 2 === 0) {
      if (index >= floatCount) throw new RecordDecodeError(`start timestamp of sample ${index}: the batch has ${floatCount} samples`);
      floats.set(index, delta);
    } else {
      if (index >= histogramCount) throw new RecordDecodeError(`start timestamp of histogram sample ${index}: the batch has ${histogramCount}`);
      histograms.set(index, delta);
    }
  }
  return { floats, histograms };
}

/** Gives series the start timestamps of their float samples (`byIndex`: index into the batch's samples -> t - st). */
function attachStartTimestamps(out: SeriesSamples[], byIndex: Map<number, number>): void {
  let base = 0;
  for (let i = 0; i < out.length; i++) {
    const s = out[i];
    const n = s.timestamps.length;
    let sts: number[] | undefined;
    for (let j = 0; j < n; j++) {
      const d = byIndex.get(base + j);
      if (d === undefined) continue;
      sts ??= new Array<number>(n).fill(0);
      sts[j] = s.timestamps[j] - d;
    }
    if (sts !== undefined) out[i] = { ...s, startTimestamps: sts };
    base += n;
  }
}

/** Shared by every decoded series without staleness markers (readers never write to it). */
const NO_STALE: number[] = Object.freeze([]) as unknown as number[];

function sameNames(refs: ArrayLike<number>, a: number, b: number, count: number): boolean {
  for (let j = 0; j < 2 * count; j += 2) if (refs[a + j] !== refs[b + j]) return false;
  return true;
}

/** Reads the zigzag delta timestamp column one value at a time. */
class TimestampReader {
  private p = 0;
  private prev = 0;

  constructor(private readonly col: Buffer) {}

  get offset(): number {
    return this.p;
  }

  next(): number {
    const col = this.col;
    let b = col[this.p++];
    let z: number;
    if (b < 0x80) z = b;
    else {
      z = b & 0x7f;
      let mul = 128;
      for (;;) {
        if (this.p >= col.length) throw new RecordDecodeError(`timestamps: truncated varint at byte ${this.p}`);
        if (mul > 2 ** 49) throw new RecordDecodeError(`timestamps: varint longer than 53 bits at byte ${this.p}`);
        b = col[this.p++];
        z += (b & 0x7f) * mul;
        if (b < 0x80) break;
        mul *= 128;
      }
    }
    this.prev += z % 2 === 0 ? z / 2 : -(z + 1) / 2;
    return this.prev;
  }
}

/** Encodes with the v1 writer schema, as a producer of an older release does (schema-evolution tests). */
export function encodeSampleBatchV1(batch: SampleBatch): Buffer {
  const { source: _source, histograms: _histograms, ...v1 } = toWire(batch, '');
  return new SingleObjectCodec<Omit<WireBatch, 'source' | 'histograms'>>(v1Schema).encode(v1);
}

/** Encodes with the v2 writer schema (no histograms), as a producer of an older release does. */
export function encodeSampleBatchV2(batch: SampleBatch, source = ''): Buffer {
  const { histograms: _histograms, ...v2 } = toWire(batch, source);
  return new SingleObjectCodec<Omit<WireBatch, 'histograms'>>(v2Schema).encode(v2);
}
