import { SingleObjectCodec, loadSchema } from './codec.js';
import { RecordDecodeError } from './errors.js';
import {
  ColumnWriter,
  readDeltas,
  readFloat64s,
  readReferences,
  readUint32s,
  referenceWidth,
  writeReferences,
} from './packed-column.js';
import type { SampleBatch, SeriesSamples } from './sample.js';

/** The wire shape of sample-batch.v2.avsc (see the schema's docs for each column). */
interface WireBatch {
  symbols: string[];
  labelCounts: Buffer;
  labelRefs: Buffer;
  sampleCounts: Buffer;
  timestamps: Buffer;
  values: Buffer;
  stale: Buffer;
  source: string;
}

const v1Schema = loadSchema('sample-batch.v1.avsc');
/** The current sample batch schema, reading every older version too. */
const codec = new SingleObjectCodec<WireBatch>(loadSchema('sample-batch.v2.avsc'), [v1Schema]);

export interface DecodedSampleBatch extends SampleBatch {
  /** Who produced the batch ("" for writers older than v2). */
  readonly source: string;
}

/**
 * Encodes a batch (the series of one partition) as one bus record. Series of one target share
 * most label names and many values, so interning them keeps records small, and the packed
 * columns decode as a few tight loops instead of one Avro record per series.
 */
export function encodeSampleBatch(batch: SampleBatch, source = ''): Buffer {
  return codec.encode(toWire(batch, source));
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
  };
}

/** Decodes a bus record written by any known version; throws RecordDecodeError on bad bytes. */
export function decodeSampleBatch(bytes: Buffer): DecodedSampleBatch {
  const w = codec.decode(bytes);
  const { symbols } = w;
  const labelCounts = readUint32s(w.labelCounts, 'labelCounts');
  const labelRefs = readReferences(w.labelRefs, referenceWidth(symbols.length), 'labelRefs');
  const sampleCounts = readUint32s(w.sampleCounts, 'sampleCounts');
  const timestamps = readDeltas(w.timestamps, 'timestamps');
  const values = readFloat64s(w.values, 'values');
  const staleIdx = readUint32s(w.stale, 'stale');
  const n = labelCounts.length;
  if (sampleCounts.length !== n) throw new RecordDecodeError(`${n} label counts but ${sampleCounts.length} sample counts`);
  if (timestamps.length !== values.length) {
    throw new RecordDecodeError(`${timestamps.length} timestamps but ${values.length} values`);
  }
  const out: SeriesSamples[] = new Array(n);
  let ref = 0;
  let sample = 0;
  let staleCursor = 0;
  for (let i = 0; i < n; i++) {
    const labels: Record<string, string> = {};
    const refEnd = ref + 2 * labelCounts[i];
    if (refEnd > labelRefs.length) throw new RecordDecodeError(`series ${i}: label references run past the end`);
    for (; ref < refEnd; ref += 2) {
      const name = symbols[labelRefs[ref]];
      const value = symbols[labelRefs[ref + 1]];
      if (name === undefined || value === undefined) {
        throw new RecordDecodeError(`series ${i}: label symbol reference out of range (${symbols.length} symbols)`);
      }
      labels[name] = value;
    }
    const end = sample + sampleCounts[i];
    if (end > timestamps.length) throw new RecordDecodeError(`series ${i}: samples run past the end`);
    const stale: number[] = [];
    while (staleCursor < staleIdx.length && staleIdx[staleCursor] < end) {
      const k = staleIdx[staleCursor++];
      if (k < sample) throw new RecordDecodeError(`stale index ${k} out of order`);
      stale.push(k - sample);
    }
    out[i] =
      sample === 0 && end === timestamps.length
        ? { labels, timestamps, values, stale }
        : { labels, timestamps: timestamps.slice(sample, end), values: values.slice(sample, end), stale };
    sample = end;
  }
  if (ref !== labelRefs.length) throw new RecordDecodeError(`${labelRefs.length - ref} label references belong to no series`);
  if (sample !== timestamps.length) throw new RecordDecodeError(`${timestamps.length - sample} samples belong to no series`);
  if (staleCursor !== staleIdx.length) throw new RecordDecodeError(`stale index ${staleIdx[staleCursor]} out of range`);
  return { series: out, source: w.source };
}

/** Encodes with the v1 writer schema, as a producer of an older release does (schema-evolution tests). */
export function encodeSampleBatchV1(batch: SampleBatch): Buffer {
  const { source: _source, ...v1 } = toWire(batch, '');
  return new SingleObjectCodec<Omit<WireBatch, 'source'>>(v1Schema).encode(v1);
}
