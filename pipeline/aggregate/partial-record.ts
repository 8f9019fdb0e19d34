/**
 * A record of the aggregation partials topic: what one input partition's aggregation closed.
 * Per rule: the partition's closed-through point (every window ending at or before it is final
 * for this partition) and the accumulators of the windows it closed since its previous record.
 * The merger waits until every input partition is closed through a window before emitting it.
 * JSON, an accumulator as a row of its numbers with its labels as indexes into the record's
 * string table (a window of a rule `without: [instance]` has as many accumulators as groups, and
 * field names and label strings repeated in each were most of the bytes). One holding a native
 * histogram is written in the checkpoint's form.
 */
import type { Labels } from '../../schemas/index.js';
import { accumulatorDoc, accumulatorOf, num, type AccumulatorDoc, type Num } from './checkpoint.js';
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

/**
 * labels (name, value index pairs), samples, hSamples, sum, min, max, lastTs, lastV, mean, m2,
 * inc, rateSum, rateN, series, alive, values, buckets.
 */
type AccumulatorRow = [number[], Num, Num, Num, Num, Num, Num, Num, Num, Num, Num, Num, Num, Num, 0 | 1, Num[] | null, Record<string, number> | null];

interface PartialDoc {
  readonly version: 2;
  readonly partition: number;
  readonly strings: string[];
  readonly rules: { readonly rule: string; readonly closedThrough: Num; readonly windows: [number, (AccumulatorRow | AccumulatorDoc)[]][] }[];
}

class StringTable {
  readonly strings: string[] = [];
  private readonly index = new Map<string, number>();
  of(s: string): number {
    let i = this.index.get(s);
    if (i === undefined) this.index.set(s, (i = this.strings.push(s) - 1));
    return i;
  }
}

function rowOf(a: WindowAccumulator, table: StringTable): AccumulatorRow | AccumulatorDoc {
  if (a.lastH !== null) return accumulatorDoc(a);
  const flat: number[] = [];
  for (const k in a.labels) flat.push(table.of(k), table.of(a.labels[k]!));
  return [
    flat, num(a.samples), num(a.hSamples), num(a.sum), num(a.min), num(a.max), num(a.lastTs), num(a.lastV), num(a.mean), num(a.m2),
    num(a.inc), num(a.rateSum), num(a.rateN), num(a.series), a.alive ? 1 : 0, a.values === null ? null : a.values.map(num), a.buckets,
  ];
}

function accumulatorOfRow(r: AccumulatorRow | AccumulatorDoc, strings: readonly string[]): WindowAccumulator {
  if (!Array.isArray(r)) return accumulatorOf(r);
  const labels: Record<string, string> = {};
  const flat = r[0];
  for (let i = 0; i + 1 < flat.length; i += 2) labels[strings[flat[i]!]!] = strings[flat[i + 1]!]!;
  // newAccumulator's object shape, then the numbers.
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

export class PartialRecordError extends Error {
  constructor(what: string, options?: { cause?: unknown }) {
    super(`aggregation partial record ${what}`, options);
    this.name = 'PartialRecordError';
  }
}

export function encodePartialRecord(r: PartialRecord): Buffer {
  const table = new StringTable();
  const rules = r.rules.map((p) => ({
    rule: p.rule, closedThrough: num(p.closedThrough),
    windows: p.windows.map((w): [number, (AccumulatorRow | AccumulatorDoc)[]] => [w.end, w.accumulators.map((a) => rowOf(a, table))]),
  }));
  const doc: PartialDoc = { version: 2, partition: r.partition, strings: table.strings, rules };
  return Buffer.from(JSON.stringify(doc));
}

export function decodePartialRecord(value: Buffer): PartialRecord {
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
