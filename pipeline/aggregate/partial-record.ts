/**
 * A record of the aggregation partials topic: what one input partition's aggregation closed.
 * Per rule: the partition's closed-through point (every window ending at or before it is final
 * for this partition) and the accumulators of the windows it closed since its previous record.
 * The merger waits until every input partition is closed through a window before emitting it.
 * JSON (the checkpoint's accumulator form): partials are a few per partition and interval.
 */
import { accumulatorDoc, accumulatorOf, num, type AccumulatorDoc, type Num } from './checkpoint.js';
import type { WindowAccumulator } from './window-accumulator.js';

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

interface PartialDoc {
  readonly version: 1;
  readonly partition: number;
  readonly rules: { readonly rule: string; readonly closedThrough: Num; readonly windows: [number, AccumulatorDoc[]][] }[];
}

export class PartialRecordError extends Error {
  constructor(what: string, options?: { cause?: unknown }) {
    super(`aggregation partial record ${what}`, options);
    this.name = 'PartialRecordError';
  }
}

export function encodePartialRecord(r: PartialRecord): Buffer {
  const doc: PartialDoc = {
    version: 1,
    partition: r.partition,
    rules: r.rules.map((p) => ({ rule: p.rule, closedThrough: num(p.closedThrough), windows: p.windows.map((w) => [w.end, w.accumulators.map(accumulatorDoc)]) })),
  };
  return Buffer.from(JSON.stringify(doc));
}

export function decodePartialRecord(value: Buffer): PartialRecord {
  let doc: PartialDoc;
  try {
    doc = JSON.parse(value.toString('utf8')) as PartialDoc;
  } catch (err) {
    throw new PartialRecordError('is not valid JSON', { cause: err });
  }
  if (doc.version !== 1 || !Number.isInteger(doc.partition) || !Array.isArray(doc.rules)) throw new PartialRecordError(`has unexpected content (version ${String(doc.version)})`);
  return {
    partition: doc.partition,
    rules: doc.rules.map((p) => ({
      rule: p.rule,
      closedThrough: Number(p.closedThrough),
      windows: p.windows.map(([end, accs]) => ({ end, accumulators: accs.map(accumulatorOf) })),
    })),
  };
}
