import { COUNTER_RESET_HINTS, FloatHistogram, type Span } from '../../../schemas/native-histogram/index.js';
import type { ByteReader, ByteWriter } from '../block/encoding.js';
import { CorruptionError } from '../errors.js';

/**
 * The byte layout of one native-histogram sample value (FORMAT.md "Histogram value"), shared by
 * mixed chunks and write-ahead-log records, written and read with the TSDB's ByteWriter and
 * ByteReader. Counts are stored as float64, so integer and float histograms (PromQL computes
 * with float ones) take the same path.
 */

function writeSpans(w: ByteWriter, spans: readonly Span[]): void {
  w.uvarint(spans.length);
  for (const s of spans) {
    w.varint(s.offset);
    w.uvarint(s.length);
  }
}

function readSpans(r: ByteReader): Span[] {
  const n = r.uvarint();
  const out: Span[] = [];
  for (let i = 0; i < n; i++) out.push({ offset: r.varint(), length: r.uvarint() });
  return out;
}

function writeCounts(w: ByteWriter, counts: readonly number[]): void {
  w.uvarint(counts.length);
  for (const c of counts) w.f64(c);
}

function readCounts(r: ByteReader): number[] {
  const n = r.uvarint();
  if (n * 8 > r.end - r.pos) throw new CorruptionError(r.file, r.pos, `bucket count ${n} exceeds the data`);
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) out[i] = r.f64();
  return out;
}

/** Appends one histogram value. */
export function writeHistogram(w: ByteWriter, h: FloatHistogram): void {
  w.byte(COUNTER_RESET_HINTS.indexOf(h.counterResetHint));
  w.varint(h.schema);
  w.f64(h.zeroThreshold);
  w.f64(h.zeroCount);
  w.f64(h.count);
  w.f64(h.sum);
  writeSpans(w, h.positiveSpans);
  writeCounts(w, h.positiveBuckets);
  writeSpans(w, h.negativeSpans);
  writeCounts(w, h.negativeBuckets);
  writeCounts(w, h.customValues);
}

/** Reads one histogram value. */
export function readHistogram(r: ByteReader): FloatHistogram {
  const hint = COUNTER_RESET_HINTS[r.byte()];
  if (hint === undefined) throw new CorruptionError(r.file, r.pos - 1, 'unknown counter reset hint');
  const schema = r.varint();
  const zeroThreshold = r.f64();
  const zeroCount = r.f64();
  const count = r.f64();
  const sum = r.f64();
  const positiveSpans = readSpans(r);
  const positiveBuckets = readCounts(r);
  const negativeSpans = readSpans(r);
  const negativeBuckets = readCounts(r);
  const customValues = readCounts(r);
  return new FloatHistogram({ counterResetHint: hint, schema, zeroThreshold, zeroCount, count, sum, positiveSpans, positiveBuckets, negativeSpans, negativeBuckets, customValues });
}
