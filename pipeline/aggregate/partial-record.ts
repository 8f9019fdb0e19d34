/**
 * A record of the aggregation partials topic: what one input partition's aggregation closed.
 * Per rule: the partition's closed-through point (every window ending at or before it is final
 * for this partition) and the accumulators of the windows it closed since its previous record.
 * The merger waits until every input partition is closed through a window before emitting it.
 *
 * Written in a binary layout (version 3, see BINARY_VERSION); the JSON layout of version 2 is
 * still read, so records an earlier store published stay mergeable through a rolling upgrade.
 * Binary because the JSON took twice the bytes and two to three times the CPU to write and read.
 */
import type { Labels } from '../../schemas/index.js';
import { ByteReader, ByteWriter } from '../tsdb/block/encoding.js';
import { accumulatorDoc, accumulatorOf, type AccumulatorDoc, type Num } from './checkpoint.js';
import { newAccumulator, type WindowAccumulator } from './window-accumulator.js';

export interface PartialWindow {
  readonly end: number;
  readonly accumulators: readonly WindowAccumulator[];
}

export interface RulePartial {
  /** The rule's identity (its text, see CompiledRule.id). */
  readonly rule: string;
  readonly closedThrough: number;
  readonly windows: readonly PartialWindow[];
}

export interface PartialRecord {
  /** Input partition (of the samples topic) the partials are of. */
  readonly partition: number;
  readonly rules: readonly RulePartial[];
}

export class PartialRecordError extends Error {
  constructor(what: string, options?: { cause?: unknown }) {
    super(`aggregation partial record ${what}`, options);
    this.name = 'PartialRecordError';
  }
}

/**
 * First byte of a binary record. A JSON record starts with `{`, so the first byte tells the two
 * layouts apart. Binary layout (varint: unsigned LEB128; f64: big-endian IEEE 754 double;
 * string: varint byte length, then UTF-8):
 *   version byte, partition varint,
 *   string table: count varint, strings (label names and values, bucket names),
 *   rules: count varint, each: rule string, closedThrough f64, window count varint, each window:
 *     end f64, accumulator count varint, each accumulator:
 *       flags byte (ACC_*), then with ACC_HISTOGRAM the checkpoint's JSON form as a string;
 *       otherwise label count varint, (name, value) string-table index varints,
 *       the 13 numbers (see writeNumbers: a varint of how each is written, then those written),
 *       with ACC_VALUES: count varint, f64 each; with ACC_BUCKETS: count varint, (name index
 *       varint, count f64) each.
 */
export const BINARY_VERSION = 3;
const JSON_START = 0x7b;
const ACC_ALIVE = 1;
const ACC_VALUES = 2;
const ACC_BUCKETS = 4;
const ACC_HISTOGRAM = 8;
/** About the most an accumulator of a few labels and no values takes: the writer rarely grows. */
const ACCUMULATOR_BYTES = 128;
const WHAT = 'aggregation partial record';

class StringTable {
  readonly strings: string[] = [];
  private readonly index = new Map<string, number>();
  of(s: string): number {
    let i = this.index.get(s);
    if (i === undefined) this.index.set(s, (i = this.strings.push(s) - 1));
    return i;
  }
}

/**
 * How each of an accumulator's 13 numbers is written, two bits each (number i at bits 2i, 2i+1)
 * of a varint: left out when it holds its start value (a rule's accumulators leave most of the
 * statistics it does not output there), as a varint when a positive integer below 2^53 (counts,
 * timestamps), else as an f64. Numbers, in order: samples, hSamples, sum, min, max, lastTs, lastV,
 * mean, m2, inc, rateSum, rateN, series.
 */
const AT_START = 0;
const AS_F64 = 1;
const AS_VARINT = 2;

function numberCode(v: number, start: number): number {
  if (v === start && (v !== 0 || Object.is(v, 0))) return AT_START;
  return Number.isSafeInteger(v) && v > 0 ? AS_VARINT : AS_F64;
}

function writeNumber(w: ByteWriter, v: number, code: number): void {
  if (code === AS_F64) w.f64(v);
  else if (code === AS_VARINT) w.uvarint(v);
}

function writeNumbers(w: ByteWriter, a: WindowAccumulator): void {
  const c0 = numberCode(a.samples, 0);
  const c1 = numberCode(a.hSamples, 0);
  const c2 = numberCode(a.sum, 0);
  const c3 = numberCode(a.min, Number.POSITIVE_INFINITY);
  const c4 = numberCode(a.max, Number.NEGATIVE_INFINITY);
  const c5 = numberCode(a.lastTs, Number.NEGATIVE_INFINITY);
  const c6 = numberCode(a.lastV, 0);
  const c7 = numberCode(a.mean, 0);
  const c8 = numberCode(a.m2, 0);
  const c9 = numberCode(a.inc, 0);
  const c10 = numberCode(a.rateSum, 0);
  const c11 = numberCode(a.rateN, 0);
  const c12 = numberCode(a.series, 0);
  w.uvarint(c0 | (c1 << 2) | (c2 << 4) | (c3 << 6) | (c4 << 8) | (c5 << 10) | (c6 << 12) | (c7 << 14) | (c8 << 16) | (c9 << 18) | (c10 << 20) | (c11 << 22) | (c12 << 24));
  writeNumber(w, a.samples, c0);
  writeNumber(w, a.hSamples, c1);
  writeNumber(w, a.sum, c2);
  writeNumber(w, a.min, c3);
  writeNumber(w, a.max, c4);
  writeNumber(w, a.lastTs, c5);
  writeNumber(w, a.lastV, c6);
  writeNumber(w, a.mean, c7);
  writeNumber(w, a.m2, c8);
  writeNumber(w, a.inc, c9);
  writeNumber(w, a.rateSum, c10);
  writeNumber(w, a.rateN, c11);
  writeNumber(w, a.series, c12);
}

function readNumber(r: ByteReader, codes: number, i: number, start: number): number {
  const code = (codes >>> (2 * i)) & 3;
  if (code === AT_START) return start;
  if (code === AS_F64) return r.f64();
  if (code === AS_VARINT) return r.uvarint();
  throw new PartialRecordError(`has number code ${code} (byte ${r.pos})`);
}

/** Into an accumulator newAccumulator made (its numbers at their start values). */
function readNumbers(r: ByteReader, a: WindowAccumulator): void {
  const codes = r.uvarint();
  if (codes >= 2 ** 26) throw new PartialRecordError(`has number codes ${codes}, above 26 bits (byte ${r.pos})`);
  a.samples = readNumber(r, codes, 0, a.samples);
  a.hSamples = readNumber(r, codes, 1, a.hSamples);
  a.sum = readNumber(r, codes, 2, a.sum);
  a.min = readNumber(r, codes, 3, a.min);
  a.max = readNumber(r, codes, 4, a.max);
  a.lastTs = readNumber(r, codes, 5, a.lastTs);
  a.lastV = readNumber(r, codes, 6, a.lastV);
  a.mean = readNumber(r, codes, 7, a.mean);
  a.m2 = readNumber(r, codes, 8, a.m2);
  a.inc = readNumber(r, codes, 9, a.inc);
  a.rateSum = readNumber(r, codes, 10, a.rateSum);
  a.rateN = readNumber(r, codes, 11, a.rateN);
  a.series = readNumber(r, codes, 12, a.series);
}

/** Writes an accumulator to `body` and its strings to `table` (which goes before the body). */
function writeAccumulator(body: ByteWriter, a: WindowAccumulator, table: StringTable): void {
  if (a.lastH !== null) {
    body.byte(ACC_HISTOGRAM);
    body.str(JSON.stringify(accumulatorDoc(a)));
    return;
  }
  body.byte((a.alive ? ACC_ALIVE : 0) | (a.values !== null ? ACC_VALUES : 0) | (a.buckets !== null ? ACC_BUCKETS : 0));
  const labels = a.labels;
  const names = Object.keys(labels);
  body.uvarint(names.length);
  for (const k of names) {
    body.uvarint(table.of(k));
    body.uvarint(table.of(labels[k]!));
  }
  writeNumbers(body, a);
  if (a.values !== null) {
    body.uvarint(a.values.length);
    for (const v of a.values) body.f64(v);
  }
  if (a.buckets !== null) {
    const keys = Object.keys(a.buckets);
    body.uvarint(keys.length);
    for (const k of keys) {
      body.uvarint(table.of(k));
      body.f64(a.buckets[k]!);
    }
  }
}

function stringAt(strings: readonly string[], i: number, r: ByteReader): string {
  const s = strings[i];
  if (s === undefined) throw new PartialRecordError(`refers to string ${i} of ${strings.length} (byte ${r.pos})`);
  return s;
}

function readAccumulator(r: ByteReader, strings: readonly string[]): WindowAccumulator {
  const flags = r.byte();
  if ((flags & ACC_HISTOGRAM) !== 0) return accumulatorOf(JSON.parse(r.str()) as AccumulatorDoc);
  const labels: Record<string, string> = {};
  for (let n = r.uvarint(); n > 0; n--) {
    const k = stringAt(strings, r.uvarint(), r);
    labels[k] = stringAt(strings, r.uvarint(), r);
  }
  // newAccumulator's object shape, then the numbers.
  const a = newAccumulator(labels as Labels, { values: (flags & ACC_VALUES) !== 0, buckets: (flags & ACC_BUCKETS) !== 0 });
  readNumbers(r, a);
  a.alive = (flags & ACC_ALIVE) !== 0;
  if (a.values !== null) for (let n = r.uvarint(); n > 0; n--) a.values.push(r.f64());
  if (a.buckets !== null) {
    for (let n = r.uvarint(); n > 0; n--) {
      const k = stringAt(strings, r.uvarint(), r);
      a.buckets[k] = r.f64();
    }
  }
  return a;
}

export function encodePartialRecord(rec: PartialRecord): Buffer {
  let accumulators = 0;
  for (const p of rec.rules) for (const w of p.windows) accumulators += w.accumulators.length;
  // The body is written first and the string table it fills goes before it.
  const body = new ByteWriter(1024 + accumulators * ACCUMULATOR_BYTES);
  const table = new StringTable();
  body.uvarint(rec.rules.length);
  for (const p of rec.rules) {
    body.str(p.rule);
    body.f64(p.closedThrough);
    body.uvarint(p.windows.length);
    for (const w of p.windows) {
      body.f64(w.end);
      body.uvarint(w.accumulators.length);
      for (const a of w.accumulators) writeAccumulator(body, a, table);
    }
  }
  const head = new ByteWriter(64 + table.strings.length * 16);
  head.byte(BINARY_VERSION);
  head.uvarint(rec.partition);
  head.uvarint(table.strings.length);
  for (const s of table.strings) head.str(s);
  return Buffer.concat([head.result(), body.result()]);
}

function decodeBinary(value: Buffer): PartialRecord {
  const r = new ByteReader(value, WHAT, 1);
  const partition = r.uvarint();
  const strings: string[] = [];
  for (let n = r.uvarint(); n > 0; n--) strings.push(r.str());
  const rules: RulePartial[] = [];
  for (let n = r.uvarint(); n > 0; n--) {
    const rule = r.str();
    const closedThrough = r.f64();
    const windows: PartialWindow[] = [];
    for (let nw = r.uvarint(); nw > 0; nw--) {
      const end = r.f64();
      const accumulators: WindowAccumulator[] = [];
      for (let na = r.uvarint(); na > 0; na--) accumulators.push(readAccumulator(r, strings));
      windows.push({ end, accumulators });
    }
    rules.push({ rule, closedThrough, windows });
  }
  if (r.pos !== value.length) throw new PartialRecordError(`has ${value.length - r.pos} bytes after its last rule`);
  return { partition, rules };
}

export function decodePartialRecord(value: Buffer): PartialRecord {
  if (value.length > 0 && value[0] === BINARY_VERSION) {
    try {
      return decodeBinary(value);
    } catch (err) {
      if (err instanceof PartialRecordError) throw err;
      throw new PartialRecordError(`(version ${BINARY_VERSION}, ${value.length} bytes) cannot be read`, { cause: err });
    }
  }
  if (value.length > 0 && value[0] === JSON_START) return decodeJson(value);
  throw new PartialRecordError(`starts with byte ${value[0] ?? 'none (empty)'}: neither version ${BINARY_VERSION} nor JSON`);
}

/**
 * Version 2, JSON (what stores before version 3 published): an accumulator as a row of its
 * numbers (non-finite ones as strings) with its labels as indexes into the record's string
 * table, one holding a native histogram in the checkpoint's form.
 * Row: labels (name, value index pairs), samples, hSamples, sum, min, max, lastTs, lastV, mean,
 * m2, inc, rateSum, rateN, series, alive, values, buckets.
 */
type AccumulatorRow = [number[], Num, Num, Num, Num, Num, Num, Num, Num, Num, Num, Num, Num, Num, 0 | 1, Num[] | null, Record<string, number> | null];

interface PartialDoc {
  readonly version: 2;
  readonly partition: number;
  readonly strings: string[];
  readonly rules: { readonly rule: string; readonly closedThrough: Num; readonly windows: [number, (AccumulatorRow | AccumulatorDoc)[]][] }[];
}

function accumulatorOfRow(r: AccumulatorRow | AccumulatorDoc, strings: readonly string[]): WindowAccumulator {
  if (!Array.isArray(r)) return accumulatorOf(r);
  const labels: Record<string, string> = {};
  const flat = r[0];
  for (let i = 0; i + 1 < flat.length; i += 2) labels[strings[flat[i]!]!] = strings[flat[i + 1]!]!;
  const a = newAccumulator(labels as Labels, { values: r[15] !== null, buckets: r[16] !== null });
  a.samples = Number(r[1]);
  a.hSamples = Number(r[2]);
  a.sum = Number(r[3]);
  a.min = Number(r[4]);
  a.max = Number(r[5]);
  a.lastTs = Number(r[6]);
  a.lastV = Number(r[7]);
  a.mean = Number(r[8]);
  a.m2 = Number(r[9]);
  a.inc = Number(r[10]);
  a.rateSum = Number(r[11]);
  a.rateN = Number(r[12]);
  a.series = Number(r[13]);
  a.alive = r[14] === 1;
  if (r[15] !== null) a.values = r[15].map(Number);
  if (r[16] !== null) a.buckets = r[16];
  return a;
}

function decodeJson(value: Buffer): PartialRecord {
  let doc: PartialDoc;
  try {
    doc = JSON.parse(value.toString('utf8')) as PartialDoc;
  } catch (err) {
    throw new PartialRecordError('is not valid JSON', { cause: err });
  }
  if (doc.version !== 2 || !Number.isInteger(doc.partition) || !Array.isArray(doc.rules) || !Array.isArray(doc.strings)) throw new PartialRecordError(`has unexpected content (version ${String(doc.version)})`);
  return {
    partition: doc.partition,
    rules: doc.rules.map((p) => ({
      rule: p.rule,
      closedThrough: Number(p.closedThrough),
      windows: p.windows.map(([end, accs]) => ({ end, accumulators: accs.map((a) => accumulatorOfRow(a, doc.strings)) })),
    })),
  };
}
