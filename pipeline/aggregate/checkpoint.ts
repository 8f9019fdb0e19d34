/**
 * The aggregator's checkpoint: every rule's state together with the input offsets it covers
 * (per partition, the next record not yet applied). Written atomically (temp file, fsync,
 * rename, fsync of the directory) only after the outputs of every window it marks closed were
 * acknowledged by the bus; after a crash the aggregator restores it and reads on from those
 * offsets, so no window is lost or counted twice (outputs re-sent for windows closed after the
 * checkpoint are the same samples, which the stores keep once).
 */
import { readFileSync } from 'node:fs';
import { replaceFileSync } from '../durable-file/index.js';
import { canonicalLabels, type Labels } from '../../schemas/index.js';
import { FloatHistogram, type CounterResetHint, type Span } from '../../schemas/native-histogram/index.js';
import type { CompiledRule } from './compiled-rule.js';
import { PartitionState, SERIES_NUMBERS, type SeriesEntry } from './partition-state.js';
import { RuleState } from './rule-state.js';
import type { WindowAccumulator } from './window-accumulator.js';

export class CheckpointFileError extends Error {
  constructor(readonly file: string, what: string, options?: { cause?: unknown }) {
    super(`aggregation checkpoint ${file} ${what}`, options);
    this.name = 'CheckpointFileError';
  }
}

/**
 * Version 1's series entry as a row: the input series' labels (flat name, value pairs as indexes
 * into the checkpoint's string table), then its numbers. Read still; written as version 2.
 */
export type Num = number | string;
type SeriesRow = [number[], Num, Num, Num, 0 | 1, Num, Num, Num, Num, 0 | 1, Num, Num, Num, (HistogramDoc | 0)?, (HistogramDoc | 0)?];

/** A native histogram in a checkpoint: its fields (numbers JSON cannot hold written as strings). */
interface HistogramDoc {
  readonly hint: CounterResetHint;
  readonly schema: number;
  readonly zt: Num;
  readonly zc: Num;
  readonly count: Num;
  readonly sum: Num;
  readonly ps: Span[];
  readonly ns: Span[];
  readonly pb: Num[];
  readonly nb: Num[];
  readonly cv: Num[];
}

interface PartitionDocV1 {
  readonly series: SeriesRow[];
  /** Open windows: their accumulators (the output key follows from the labels). */
  readonly windows: [number, AccumulatorDoc[]][];
}

/**
 * Version 2: a rule's series on one partition as columns. A series' labels are in the
 * checkpoint's series table once, however many rules it feeds (version 1 wrote them per rule and
 * read them back, key and all, per rule); its numbers are bytes, every bit kept (no number
 * written out as text and parsed back, nor -0, NaN and infinities as strings).
 */
interface PartitionDocV2 {
  /** Per series entry, in the state's order: its index in the series table (base64 of little-endian int32s). */
  readonly rows: string;
  /**
   * The entries' numbers a column each (SERIES_NUMBERS columns, in PartitionState's order), each
   * base64 of little-endian float64s in the order of `rows`, or 0 when all of them are +0 (a rule
   * without deduplication never has a pending sample: three of the columns).
   */
  readonly numbers: (string | 0)[];
  /** The entries with native-histogram state: [entry, lastH or 0, pendingH or 0]. */
  readonly histograms: [number, HistogramDoc | 0, HistogramDoc | 0][];
  readonly windows: [number, AccumulatorDoc[]][];
}

type PartitionDoc = PartitionDocV1 | PartitionDocV2;

interface RuleDoc {
  readonly id: string;
  readonly closedThrough: Num;
  readonly totals: { readonly labels: Labels; readonly value: Num }[];
  readonly partitions: [number, PartitionDoc][];
}

// canonicalLabels() writes `name SEP value SEP` per label; the separator is read off it here.
const SEP = canonicalLabels({ a: '' })[1]!;

class StringTable {
  readonly strings: string[] = [];
  private readonly index = new Map<string, number>();
  of(s: string): number {
    let i = this.index.get(s);
    if (i === undefined) this.index.set(s, (i = this.strings.push(s) - 1));
    return i;
  }
}

function flatLabels(key: string, table: StringTable): number[] {
  const parts = key.split(SEP);
  parts.pop();
  return parts.map((p) => table.of(p));
}

function labelsOfFlat(flat: ArrayLike<number>, strings: readonly string[]): Labels {
  const out: Record<string, string> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) out[strings[flat[i]!]!] = strings[flat[i + 1]!]!;
  return out;
}

// JSON has no Infinity or NaN (an empty window's min and max, a series' start): they are written
// as strings, which Number() reads back. No JSON.stringify replacer: it would slow the whole text.
/** A number as JSON holds it: non-finite ones, and -0 (JSON writes it as 0), as strings Number() reads back. */
export const num = (v: number): Num => (Object.is(v, -0) ? '-0' : Number.isFinite(v) ? v : String(v));

function histogramDoc(h: FloatHistogram): HistogramDoc {
  return {
    hint: h.counterResetHint, schema: h.schema, zt: num(h.zeroThreshold), zc: num(h.zeroCount), count: num(h.count), sum: num(h.sum),
    ps: h.positiveSpans, ns: h.negativeSpans, pb: h.positiveBuckets.map(num), nb: h.negativeBuckets.map(num), cv: h.customValues.map(num),
  };
}

function histogramOf(d: HistogramDoc): FloatHistogram {
  return new FloatHistogram({
    counterResetHint: d.hint, schema: d.schema, zeroThreshold: Number(d.zt), zeroCount: Number(d.zc), count: Number(d.count), sum: Number(d.sum),
    positiveSpans: d.ps, negativeSpans: d.ns, positiveBuckets: d.pb.map(Number), negativeBuckets: d.nb.map(Number), customValues: d.cv.map(Number),
  });
}

/** The input series of a checkpoint being written: each one's labels once (see PartitionDocV2). */
class SeriesTable {
  private readonly index = new Map<string, number>();
  /** Per series, its label count then its labels' string indexes (name, value pairs). */
  private flat = new Int32Array(1024);
  private used = 0;

  constructor(private readonly strings: StringTable) {}

  of(key: string): number {
    let i = this.index.get(key);
    if (i !== undefined) return i;
    i = this.index.size;
    this.index.set(key, i);
    const parts = flatLabels(key, this.strings);
    this.room(parts.length + 1);
    this.flat[this.used++] = parts.length;
    for (const p of parts) this.flat[this.used++] = p;
    return i;
  }

  encoded(): string {
    return base64Of(this.flat.subarray(0, this.used));
  }

  private room(n: number): void {
    if (this.used + n <= this.flat.length) return;
    const grown = new Int32Array(Math.max(this.flat.length * 2, this.used + n));
    grown.set(this.flat);
    this.flat = grown;
  }
}

const bigEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 0;

/** A typed array's bytes as base64, little-endian whatever the host. */
function base64Of(a: Int32Array | Float64Array): string {
  const bytes = Buffer.from(a.buffer, a.byteOffset, a.byteLength);
  if (!bigEndian) return bytes.toString('base64');
  const copy = Buffer.from(bytes);
  if (a instanceof Int32Array) copy.swap32();
  else copy.swap64();
  return copy.toString('base64');
}

function bytesOf(text: string, width: 4 | 8, what: string): Buffer {
  const b = Buffer.from(text, 'base64');
  if (b.length % width !== 0) throw new Error(`checkpoint ${what}: ${b.length} bytes, not a multiple of ${width}`);
  if (bigEndian) {
    if (width === 4) b.swap32();
    else b.swap64();
  }
  return b;
}

/** A copy of `b`'s bytes at offset 0: a decoded buffer need not be aligned for a typed array's view. */
function aligned(b: Buffer): ArrayBuffer {
  return new Uint8Array(b).buffer;
}

function int32sOf(text: string, what: string): Int32Array {
  return new Int32Array(aligned(bytesOf(text, 4, what)));
}

function float64sOf(text: string, what: string): Float64Array {
  return new Float64Array(aligned(bytesOf(text, 8, what)));
}

/** Row-major numbers (SERIES_NUMBERS per row) as columns: see PartitionDocV2.numbers. */
function numberColumns(numbers: Float64Array, rows: number): (string | 0)[] {
  const out: (string | 0)[] = [];
  const column = new Float64Array(rows);
  for (let f = 0; f < SERIES_NUMBERS; f++) {
    let zeros = true;
    for (let i = 0; i < rows; i++) {
      const v = numbers[i * SERIES_NUMBERS + f]!;
      column[i] = v;
      // Object.is: -0 is not +0 (its bits are kept).
      if (zeros && !Object.is(v, 0)) zeros = false;
    }
    out.push(zeros ? 0 : base64Of(column));
  }
  return out;
}

/** Columns of numberColumns back as row-major numbers. */
function numbersOfColumns(columns: readonly (string | 0)[], rows: number): Float64Array {
  if (columns.length !== SERIES_NUMBERS) throw new Error(`checkpoint holds ${columns.length} number columns, not ${SERIES_NUMBERS}`);
  const numbers = new Float64Array(rows * SERIES_NUMBERS);
  for (let f = 0; f < SERIES_NUMBERS; f++) {
    const c = columns[f]!;
    if (c === 0) continue;
    const column = float64sOf(c, `number column ${f}`);
    if (column.length !== rows) throw new Error(`checkpoint number column ${f} holds ${column.length} numbers for ${rows} series`);
    for (let i = 0; i < rows; i++) numbers[i * SERIES_NUMBERS + f] = column[i]!;
  }
  return numbers;
}

function partitionDoc(ps: PartitionState, series: SeriesTable): PartitionDocV2 {
  const rows = new Int32Array(ps.series.size);
  const numbers = new Float64Array(ps.series.size * SERIES_NUMBERS);
  const histograms: [number, HistogramDoc | 0, HistogramDoc | 0][] = [];
  let i = 0;
  for (const [key, e] of ps.series) {
    rows[i] = series.of(key);
    ps.copyNumbers(e, numbers, i * SERIES_NUMBERS);
    if (e.lastH !== null || e.pendingH !== null) histograms.push([i, e.lastH === null ? 0 : histogramDoc(e.lastH), e.pendingH === null ? 0 : histogramDoc(e.pendingH)]);
    i++;
  }
  return { rows: base64Of(rows), numbers: numberColumns(numbers, rows.length), histograms, windows: ps.openWindows().map(([w, accs]) => [w, accs.map(accumulatorDoc)]) };
}

export type AccumulatorDoc = Record<string, unknown>;

export function accumulatorDoc(a: WindowAccumulator): AccumulatorDoc {
  const out: AccumulatorDoc = {};
  for (const [k, v] of Object.entries(a)) {
    out[k] = typeof v === 'number' ? num(v) : Array.isArray(v) ? v.map((x: number) => num(x)) : v instanceof FloatHistogram ? histogramDoc(v) : v;
  }
  return out;
}

export function accumulatorOf(d: AccumulatorDoc): WindowAccumulator {
  // Defaults for the fields of a state written before native histograms were aggregated.
  const out: AccumulatorDoc = { hSamples: 0, lastH: null };
  for (const [k, v] of Object.entries(d)) {
    out[k] = k === 'lastH' ? (v === null ? null : histogramOf(v as HistogramDoc)) : typeof v === 'string' ? Number(v) : Array.isArray(v) ? v.map(Number) : v;
  }
  return out as unknown as WindowAccumulator;
}

interface CheckpointDoc {
  readonly version: 1 | 2;
  readonly savedAtMs: number;
  /** Label names and values the series point into. */
  readonly strings: string[];
  /** Version 2: the series table (see SeriesTable), base64 of little-endian int32s. */
  readonly series?: string;
  readonly offsets: Record<string, number>;
  readonly rules: RuleDoc[];
}

/** The input series of a checkpoint read back: labels and key made once per series, shared by the rules it feeds. */
export class SavedSeries {
  private readonly starts: number[] = [];
  private readonly made: ({ readonly key: string; readonly labels: Labels } | undefined)[] = [];

  constructor(
    readonly strings: readonly string[],
    private readonly flat: Int32Array = new Int32Array(0),
  ) {
    for (let at = 0; at < flat.length; at += flat[at]! + 1) {
      if (flat[at]! < 0 || at + flat[at]! + 1 > flat.length) throw new Error(`series ${this.starts.length} runs past the table's end (${flat.length} entries)`);
      this.starts.push(at);
    }
  }

  /** Series `i` of the table (version 2). */
  at(i: number): { readonly key: string; readonly labels: Labels } {
    let s = this.made[i];
    if (s !== undefined) return s;
    const start = this.starts[i];
    if (start === undefined) throw new Error(`checkpoint series ${i} is not in its series table of ${this.starts.length}`);
    const labels = labelsOfFlat(this.flat.subarray(start + 1, start + 1 + this.flat[start]!), this.strings);
    return (this.made[i] = s = { key: canonicalLabels(labels), labels });
  }
}

export interface Checkpoint {
  readonly savedAtMs: number;
  /** The input series the rules' states point into. */
  readonly series: SavedSeries;
  /** Partition -> next offset to read. */
  readonly offsets: ReadonlyMap<number, number>;
  /** Rule id -> its state as saved. */
  readonly rules: ReadonlyMap<string, RuleDoc>;
}


/** The checkpoint's text: synchronous, so state and offsets are taken at one instant. */
export function serializeCheckpoint(states: Iterable<RuleState>, offsets: ReadonlyMap<number, number>, nowMs: number): string {
  const rules: RuleDoc[] = [];
  const table = new StringTable();
  const series = new SeriesTable(table);
  for (const s of states) {
    rules.push({
      id: s.rule.id, closedThrough: num(s.closedThrough), totals: [...s.totals.values()].map((t) => ({ labels: t.labels, value: num(t.value) })),
      partitions: [...s.partitions].map(([p, ps]) => [p, partitionDoc(ps, series)]),
    });
  }
  const doc: CheckpointDoc = { version: 2, savedAtMs: nowMs, strings: table.strings, series: series.encoded(), offsets: Object.fromEntries(offsets), rules };
  return JSON.stringify(doc);
}

export function writeCheckpoint(file: string, text: string): void {
  replaceFileSync(file, text);
}

/**
 * The parsed JSON document of a checkpoint file, or undefined when there is none yet; its shape is
 * for the caller to check.
 */
export function readCheckpointJson<Doc>(file: string): Doc | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new CheckpointFileError(file, 'cannot be read', { cause: err });
  }
  try {
    return JSON.parse(text) as Doc;
  } catch (err) {
    throw new CheckpointFileError(file, 'is not valid JSON', { cause: err });
  }
}

/** The checkpoint in `file`, or undefined when there is none yet. */
export function readCheckpoint(file: string): Checkpoint | undefined {
  const doc = readCheckpointJson<CheckpointDoc>(file);
  if (doc === undefined) return undefined;
  if ((doc.version !== 1 && doc.version !== 2) || typeof doc.offsets !== 'object' || !Array.isArray(doc.rules) || !Array.isArray(doc.strings) || (doc.version === 2 && typeof doc.series !== 'string')) {
    throw new CheckpointFileError(file, `has unexpected content (version ${String(doc.version)})`);
  }
  let series: SavedSeries;
  try {
    series = new SavedSeries(doc.strings, doc.series === undefined ? undefined : int32sOf(doc.series, 'series table'));
  } catch (err) {
    throw new CheckpointFileError(file, 'has an unreadable series table', { cause: err });
  }
  return {
    savedAtMs: doc.savedAtMs,
    series,
    offsets: new Map(Object.entries(doc.offsets).map(([p, o]) => [Number(p), o])),
    rules: new Map(doc.rules.map((r) => [r.id, r])),
  };
}

/** A rule's state from its checkpointed form. */
export function restoreRuleState(rule: CompiledRule, doc: RuleDoc | undefined, series: SavedSeries): RuleState {
  const s = new RuleState(rule);
  if (doc === undefined) return s;
  s.closedThrough = Number(doc.closedThrough);
  for (const t of doc.totals) s.totals.set(rule.group.keyOfGroup(t.labels), { labels: t.labels, value: Number(t.value) });
  for (const [p, pd] of doc.partitions) {
    const ps: PartitionState = s.partition(p);
    try {
      if ('rows' in pd) restoreColumns(ps, pd, series);
      else restoreRows(ps, pd, series.strings);
    } catch (err) {
      throw new Error(`aggregation checkpoint: the state of rule ${rule.name} on partition ${p} cannot be read`, { cause: err });
    }
    for (const [w, accs] of pd.windows) ps.restoreWindow(w, accs.map(accumulatorOf));
  }
  return s;
}

/** A partition's series entries from version 2's columns. */
function restoreColumns(ps: PartitionState, pd: PartitionDocV2, series: SavedSeries): void {
  const rows = int32sOf(pd.rows, 'series rows');
  const numbers = numbersOfColumns(pd.numbers, rows.length);
  const entries: SeriesEntry[] = [];
  for (let i = 0; i < rows.length; i++) {
    const { key, labels } = series.at(rows[i]!);
    const e = ps.entry(key, labels);
    ps.restoreNumbers(e, numbers, i * SERIES_NUMBERS);
    entries.push(e);
  }
  for (const [i, lastH, pendingH] of pd.histograms) {
    const e = entries[i];
    if (e === undefined) throw new Error(`checkpoint histogram state of series ${i}, of ${entries.length}`);
    if (lastH !== 0) e.lastH = histogramOf(lastH);
    if (pendingH !== 0) e.pendingH = histogramOf(pendingH);
  }
}

/** A partition's series entries from version 1's rows. */
function restoreRows(ps: PartitionState, pd: PartitionDocV1, strings: readonly string[]): void {
  const numbers = new Float64Array(SERIES_NUMBERS);
  for (const row of pd.series) {
    const labels = labelsOfFlat(row[0], strings);
    const e = ps.entry(canonicalLabels(labels), labels);
    for (let i = 1; i <= SERIES_NUMBERS; i++) numbers[i - 1] = i === 4 || i === 9 ? (row[i] === 1 ? 1 : 0) : Number(row[i]);
    ps.restoreNumbers(e, numbers, 0);
    const lastH = row[13];
    const pendingH = row[14];
    if (lastH !== undefined && lastH !== 0) e.lastH = histogramOf(lastH);
    if (pendingH !== undefined && pendingH !== 0) e.pendingH = histogramOf(pendingH);
  }
}
