/**
 * The aggregator's checkpoint: every rule's state together with the input offsets it covers
 * (per partition, the next record not yet applied). Written atomically (temp file, fsync,
 * rename, fsync of the directory) only after the outputs of every window it marks closed were
 * acknowledged by the bus; after a crash the aggregator restores it and reads on from those
 * offsets, so no window is lost or counted twice (outputs re-sent for windows closed after the
 * checkpoint are the same samples, which the stores keep once).
 */
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
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
 * A series entry as a row: the input series' labels (flat name, value pairs as indexes into the
 * checkpoint's string table), then its numbers. Its key, group and output key are computed again
 * on restore (as text they were most of a checkpoint's bytes).
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

interface PartitionDoc {
  readonly series: SeriesRow[];
  /** Open windows: their accumulators (the output key follows from the labels). */
  readonly windows: [number, AccumulatorDoc[]][];
}

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

function labelsOfFlat(flat: readonly number[], strings: readonly string[]): Labels {
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

function seriesRow(key: string, ps: PartitionState, e: SeriesEntry, table: StringTable): SeriesRow {
  // seenTs, lastTs, lastV, hasLast, win, winInc, winFrom, winTo, winFolded, pendingBucket, pendingTs, pendingV.
  const [seenTs, lastTs, lastV, hasLast, win, winInc, winFrom, winTo, winFolded, pendingBucket, pendingTs, pendingV] = ps.numbersOf(e) as [number, number, number, number, number, number, number, number, number, number, number, number];
  const row: SeriesRow = [flatLabels(key, table), num(seenTs), num(lastTs), num(lastV), hasLast === 1 ? 1 : 0, num(win), num(winInc), num(winFrom), num(winTo), winFolded === 1 ? 1 : 0, num(pendingBucket), num(pendingTs), num(pendingV)];
  // Histogram state only where a series has some: float-only rows stay as they were.
  if (e.lastH !== null || e.pendingH !== null) row.push(e.lastH === null ? 0 : histogramDoc(e.lastH), e.pendingH === null ? 0 : histogramDoc(e.pendingH));
  return row;
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
  readonly version: 1;
  readonly savedAtMs: number;
  /** Label names and values the series rows point into. */
  readonly strings: string[];
  readonly offsets: Record<string, number>;
  readonly rules: RuleDoc[];
}

export interface Checkpoint {
  readonly savedAtMs: number;
  readonly strings: readonly string[];
  /** Partition -> next offset to read. */
  readonly offsets: ReadonlyMap<number, number>;
  /** Rule id -> its state as saved. */
  readonly rules: ReadonlyMap<string, RuleDoc>;
}


/** The checkpoint's text: synchronous, so state and offsets are taken at one instant. */
export function serializeCheckpoint(states: Iterable<RuleState>, offsets: ReadonlyMap<number, number>, nowMs: number): string {
  const rules: RuleDoc[] = [];
  const table = new StringTable();
  for (const s of states) {
    rules.push({
      id: s.rule.id, closedThrough: num(s.closedThrough), totals: [...s.totals.values()].map((t) => ({ labels: t.labels, value: num(t.value) })),
      partitions: [...s.partitions].map(([p, ps]) => [p, {
        series: [...ps.series].map(([k, e]) => seriesRow(k, ps, e, table)),
        windows: ps.openWindows().map(([w, accs]) => [w, accs.map(accumulatorDoc)]),
      }]),
    });
  }
  const doc: CheckpointDoc = { version: 1, savedAtMs: nowMs, strings: table.strings, offsets: Object.fromEntries(offsets), rules };
  return JSON.stringify(doc);
}

export function writeCheckpoint(file: string, text: string): void {
  const tmp = `${file}.tmp`;
  const fd = openSync(tmp, 'w');
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, file);
  const d = openSync(dirname(file), 'r');
  try {
    fsyncSync(d);
  } finally {
    closeSync(d);
  }
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
  if (doc.version !== 1 || typeof doc.offsets !== 'object' || !Array.isArray(doc.rules) || !Array.isArray(doc.strings)) throw new CheckpointFileError(file, `has unexpected content (version ${String(doc.version)})`);
  return {
    savedAtMs: doc.savedAtMs,
    strings: doc.strings,
    offsets: new Map(Object.entries(doc.offsets).map(([p, o]) => [Number(p), o])),
    rules: new Map(doc.rules.map((r) => [r.id, r])),
  };
}

/** A rule's state from its checkpointed form. */
export function restoreRuleState(rule: CompiledRule, doc: RuleDoc | undefined, strings: readonly string[]): RuleState {
  const s = new RuleState(rule);
  if (doc === undefined) return s;
  s.closedThrough = Number(doc.closedThrough);
  for (const t of doc.totals) s.totals.set(rule.group.keyOfGroup(t.labels), { labels: t.labels, value: Number(t.value) });
  for (const [p, pd] of doc.partitions) {
    const ps: PartitionState = s.partition(p);
    for (const row of pd.series) {
      const labels = labelsOfFlat(row[0], strings);
      const e = ps.entry(canonicalLabels(labels), labels);
      const numbers: number[] = [];
      for (let i = 1; i <= SERIES_NUMBERS; i++) numbers.push(i === 4 || i === 9 ? (row[i] === 1 ? 1 : 0) : Number(row[i]));
      ps.restoreNumbers(e, numbers);
      const lastH = row[13];
      const pendingH = row[14];
      if (lastH !== undefined && lastH !== 0) e.lastH = histogramOf(lastH);
      if (pendingH !== undefined && pendingH !== 0) e.pendingH = histogramOf(pendingH);
    }
    for (const [w, accs] of pd.windows) ps.restoreWindow(w, accs.map(accumulatorOf));
  }
  return s;
}
