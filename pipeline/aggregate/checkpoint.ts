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
import { base64Of, CheckpointSeriesTable, hostIsBigEndian as bigEndian } from './checkpoint-series-table.js';
import type { CompiledRule } from './compiled-rule.js';
import { PartitionState, SERIES_NUMBERS, type SeriesEntry } from './partition-state.js';
import { RuleState } from './rule-state.js';
import { newAccumulator, type WindowAccumulator } from './window-accumulator.js';
import { ALIVE, FIELDS, gatherColumn, H_SAMPLES, INC, LAST_TS, LAST_V, M2, MAX, MEAN, MIN, RATE_N, RATE_SUM, SAMPLES, SERIES, SUM, type WindowColumns } from './window-columns.js';

export class CheckpointFileError extends Error {
  constructor(readonly file: string, what: string, options?: { cause?: unknown }) {
    super(`aggregation checkpoint ${file} ${what}`, options);
    this.name = 'CheckpointFileError';
  }
}

/**
 * Version 1's series entry as a row: the input series' labels (flat name, value pairs as indexes
 * into the checkpoint's string table), then its numbers. Read still; written as version 3.
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
 * Versions 2 and 3: a rule's series on one partition as columns. A series' labels are in the
 * checkpoint's series table once, however many rules it feeds (version 1 wrote them per rule and
 * read them back, key and all, per rule); its numbers are bytes, every bit kept (no number
 * written out as text and parsed back, nor -0, NaN and infinities as strings).
 */
interface PartitionDocV2 {
  /** Per series entry, in the state's order: its index in the series table (base64 of little-endian int32s). */
  readonly rows: string;
  /** The entries' numbers a column each (SERIES_NUMBERS columns, in PartitionState's order). */
  readonly numbers: NumberColumn[];
  /** The entries with native-histogram state: [entry, lastH or 0, pendingH or 0]. */
  readonly histograms: [number, HistogramDoc | 0, HistogramDoc | 0][];
  /** Open windows, oldest first: version 2 their accumulators, version 3 as columns (WindowDoc). */
  readonly windows: [number, AccumulatorDoc[] | WindowDoc][];
}

/**
 * Version 3: an open window's accumulators as columns, a group each (in the order they entered
 * the window): a column per number of WindowColumns (see NumberColumn), the groups' labels, and
 * where the rule has them, their values (quantiles), vmrange buckets (histogram_bucket) and
 * latest native histograms. Version 2 wrote an object per accumulator, which was half of a
 * checkpoint's bytes and most of its CPU once the series table was kept (a `by` with many
 * groups, such as node_cpu_seconds_total without cpu, has thousands per window).
 */
interface WindowDoc {
  readonly labels: Labels[];
  readonly numbers: NumberColumn[];
  readonly values?: Num[][];
  readonly buckets?: Record<string, number>[];
  readonly lastH?: (HistogramDoc | 0)[];
}

/** WindowDoc.numbers' columns: the WindowAccumulator field of each of WindowColumns' numbers. */
const WINDOW_FIELDS: readonly [number, 'samples' | 'hSamples' | 'sum' | 'min' | 'max' | 'lastTs' | 'lastV' | 'mean' | 'm2' | 'inc' | 'rateSum' | 'rateN' | 'series'][] = [
  [SAMPLES, 'samples'], [H_SAMPLES, 'hSamples'], [SUM, 'sum'], [MIN, 'min'], [MAX, 'max'], [LAST_TS, 'lastTs'], [LAST_V, 'lastV'],
  [MEAN, 'mean'], [M2, 'm2'], [INC, 'inc'], [RATE_SUM, 'rateSum'], [RATE_N, 'rateN'], [SERIES, 'series'],
];

/**
 * A column of numbers: base64 of little-endian float64s in the order of `rows`; 0 when all of
 * them are +0 (a rule without deduplication never has a pending sample: three of the columns).
 * Version 3 also writes `{ all }` when every one of them is that (finite or infinite) number, and
 * `{ same }` when the column's bytes are those of an earlier column: a series' newest timestamp,
 * last timestamp and its window's last are mostly one number, as are its window and its flags
 * across a rule's series, and those columns were most of a checkpoint's bytes.
 */
type NumberColumn = string | 0 | { readonly all: Num } | { readonly same: number };

type PartitionDoc = PartitionDocV1 | PartitionDocV2;

interface RuleDoc {
  readonly id: string;
  readonly closedThrough: Num;
  readonly totals: { readonly labels: Labels; readonly value: Num }[];
  readonly partitions: [number, PartitionDoc][];
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

/** Where numberColumns copies a partition state's columns (grown as need be, kept for the next one). */
let columnScratch = new Float64Array(0);

/**
 * `fields` columns of `rows` numbers as a checkpoint writes them (see NumberColumn); `copy` fills
 * column `f` and says whether all of it is +0.
 */
function numberColumns(fields: number, rows: number, copy: (f: number, into: Float64Array) => boolean): NumberColumn[] {
  if (columnScratch.length < rows * fields) columnScratch = new Float64Array(rows * fields);
  const out: NumberColumn[] = [];
  const bytes = Buffer.from(columnScratch.buffer, 0, rows * fields * 8);
  for (let f = 0; f < fields; f++) {
    const column = columnScratch.subarray(f * rows, (f + 1) * rows);
    if (copy(f, column)) {
      out.push(0);
      continue;
    }
    const all = constantOf(column);
    if (all !== undefined) {
      out.push({ all: num(all) });
      continue;
    }
    const own = bytes.subarray(f * rows * 8, (f + 1) * rows * 8);
    let same = -1;
    for (let g = 0; g < f && same < 0; g++) if (own.equals(bytes.subarray(g * rows * 8, (g + 1) * rows * 8))) same = g;
    out.push(same >= 0 ? { same } : base64Of(column));
  }
  return out;
}

/**
 * The number every element of `column` is, bit for bit, if one is and a checkpoint's JSON holds it
 * exactly (not NaN: its payload would be lost); undefined otherwise.
 */
function constantOf(column: Float64Array): number | undefined {
  const first = column[0];
  if (first === undefined || Number.isNaN(first)) return undefined;
  for (let i = 1; i < column.length; i++) {
    // Object.is tells -0 from +0 (their bits differ); no NaN gets here equal to `first`.
    const v = column[i]!;
    if (v !== first || (v === 0 && !Object.is(v, first))) return undefined;
  }
  return first;
}

/** A window's numbers as columns (the groups in `order`, FIELDS columns): see WindowDoc. */
function copyWindowColumn(win: WindowColumns, f: number, into: Float64Array): boolean {
  return gatherColumn(win.nums, win.order, FIELDS, f, into);
}

function windowDoc(win: WindowColumns, labels: readonly (Labels | undefined)[]): WindowDoc {
  const order = win.order;
  const doc: { -readonly [K in keyof WindowDoc]: WindowDoc[K] } = {
    labels: Array.from(order, (slot) => labels[slot]!),
    numbers: numberColumns(FIELDS, order.length, (f, into) => copyWindowColumn(win, f, into)),
  };
  if (win.values !== null) {
    const values = win.values;
    doc.values = Array.from(order, (slot) => (values[slot] ?? []).map(num));
  }
  if (win.buckets !== null) {
    const buckets = win.buckets;
    doc.buckets = Array.from(order, (slot) => buckets[slot] ?? {});
  }
  if (win.lastH !== null) {
    const lastH = win.lastH;
    doc.lastH = Array.from(order, (slot) => {
      const h = lastH[slot];
      return h === null || h === undefined ? 0 : histogramDoc(h);
    });
  }
  return doc;
}

/** A WindowDoc's accumulators (as version 2's accumulatorOf gives them). */
function accumulatorsOfWindow(d: WindowDoc): WindowAccumulator[] {
  const n = d.labels.length;
  const numbers = numbersOfColumns(d.numbers, n, FIELDS);
  const out: WindowAccumulator[] = [];
  for (let i = 0; i < n; i++) {
    const a = newAccumulator(d.labels[i]!, { values: false, buckets: false });
    for (const [f, field] of WINDOW_FIELDS) a[field] = numbers[i * FIELDS + f]!;
    a.alive = numbers[i * FIELDS + ALIVE] === 1;
    const values = d.values?.[i];
    if (values !== undefined) a.values = values.map(Number);
    const buckets = d.buckets?.[i];
    if (buckets !== undefined) a.buckets = buckets;
    const h = d.lastH?.[i];
    if (h !== undefined && h !== 0) a.lastH = histogramOf(h);
    out.push(a);
  }
  return out;
}

/** Columns of numberColumns back as row-major numbers (`fields` per row). */
function numbersOfColumns(columns: readonly NumberColumn[], rows: number, fields = SERIES_NUMBERS): Float64Array {
  if (columns.length !== fields) throw new Error(`checkpoint holds ${columns.length} number columns, not ${fields}`);
  const numbers = new Float64Array(rows * fields);
  for (let f = 0; f < fields; f++) {
    const c = columns[f]!;
    if (c === 0) continue;
    if (typeof c === 'string') {
      const column = float64sOf(c, `number column ${f}`);
      if (column.length !== rows) throw new Error(`checkpoint number column ${f} holds ${column.length} numbers for ${rows} series`);
      for (let i = 0; i < rows; i++) numbers[i * fields + f] = column[i]!;
    } else if ('all' in c) {
      const v = Number(c.all);
      for (let i = 0; i < rows; i++) numbers[i * fields + f] = v;
    } else {
      const g = c.same;
      if (!Number.isInteger(g) || g < 0 || g >= f) throw new Error(`checkpoint number column ${f} is the same as column ${String(g)}, not an earlier one`);
      for (let i = 0; i < rows; i++) numbers[i * fields + f] = numbers[i * fields + g]!;
    }
  }
  return numbers;
}

function partitionDoc(ps: PartitionState, series: CheckpointSeriesTable): PartitionDocV2 {
  const rows = series.rowsOf(ps);
  const histograms: [number, HistogramDoc | 0, HistogramDoc | 0][] = ps.histogramEntries()
    .map(([i, e]) => [i, e.lastH === null ? 0 : histogramDoc(e.lastH), e.pendingH === null ? 0 : histogramDoc(e.pendingH)]);
  return {
    rows: rows.text, numbers: numberColumns(SERIES_NUMBERS, rows.count, (f, into) => ps.copyColumn(f, into)), histograms,
    windows: ps.openWindowColumns().map(({ columns, labels }) => [columns.end, windowDoc(columns, labels)]),
  };
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
  readonly version: 1 | 2 | 3;
  readonly savedAtMs: number;
  /** Label names and values the series point into. */
  readonly strings: string[];
  /** Versions 2 and 3: the series table (see CheckpointSeriesTable), base64 of little-endian int32s. */
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

  /** Series `i` of the table (versions 2 and 3). */
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


/**
 * The checkpoint's text: synchronous, so state and offsets are taken at one instant. `series`:
 * the table of the file's previous checkpoint, kept for the next one (see CheckpointSeriesTable).
 */
export function serializeCheckpoint(states: Iterable<RuleState>, offsets: ReadonlyMap<number, number>, nowMs: number, series = new CheckpointSeriesTable()): string {
  const rules: RuleDoc[] = [];
  series.begin();
  for (const s of states) {
    rules.push({
      id: s.rule.id, closedThrough: num(s.closedThrough), totals: [...s.totals.values()].map((t) => ({ labels: t.labels, value: num(t.value) })),
      partitions: [...s.partitions].map(([p, ps]) => [p, partitionDoc(ps, series)]),
    });
  }
  return checkpointText({ version: 3, savedAtMs: nowMs, strings: series.strings, series: series.text(), offsets: Object.fromEntries(offsets), rules });
}

/**
 * JSON.stringify(doc), its base64 strings (the series table, rows and number columns: most of its
 * bytes) put in as they are: base64 needs no escaping, and JSON.stringify scanning them for
 * characters to escape was the largest part of a checkpoint's CPU once the series table was kept.
 */
function checkpointText(doc: CheckpointDoc): string {
  const parts: string[] = [];
  const json = JSON.stringify;
  parts.push(`{"version":${doc.version},"savedAtMs":${json(doc.savedAtMs)},"strings":${json(doc.strings)},"series":"`, doc.series!, `","offsets":${json(doc.offsets)},"rules":[`);
  doc.rules.forEach((r, i) => {
    if (i > 0) parts.push(',');
    parts.push(`{"id":${json(r.id)},"closedThrough":${json(r.closedThrough)},"totals":${json(r.totals)},"partitions":[`);
    r.partitions.forEach(([p, pd], j) => {
      const d = pd as PartitionDocV2;
      parts.push(j > 0 ? ',[' : '[', json(p), ',{"rows":"', d.rows, '","numbers":[');
      d.numbers.forEach((c, k) => {
        if (k > 0) parts.push(',');
        if (typeof c === 'string') parts.push('"', c, '"');
        else parts.push(json(c));
      });
      parts.push(`],"histograms":${json(d.histograms)},"windows":${json(d.windows)}}]`);
    });
    parts.push(']}');
  });
  parts.push(']}');
  return parts.join('');
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
  if ((doc.version !== 1 && doc.version !== 2 && doc.version !== 3) || typeof doc.offsets !== 'object' || !Array.isArray(doc.rules) || !Array.isArray(doc.strings) || (doc.version !== 1 && typeof doc.series !== 'string')) {
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
    for (const [w, accs] of pd.windows) ps.restoreWindow(w, Array.isArray(accs) ? accs.map(accumulatorOf) : accumulatorsOfWindow(accs));
  }
  return s;
}

/** A partition's series entries from the columns of versions 2 and 3. */
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
    ps.histograms = true;
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
    if (e.lastH !== null || e.pendingH !== null) ps.histograms = true;
  }
}
