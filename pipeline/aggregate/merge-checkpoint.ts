/**
 * The merger's checkpoint: per rule the newest emitted window, the running totals, each input
 * partition's closed-through point and the partials of windows not yet emitted, with the offset
 * of the partials partition it covers. Written like the aggregator's (see checkpoint.ts).
 */
import type { Labels } from '../../schemas/index.js';
import { accumulatorDoc, accumulatorOf, CheckpointFileError, num, readCheckpointJson, type AccumulatorDoc, type Num } from './checkpoint.js';
import type { MergedRule } from './merged-rule.js';
import type { WindowAccumulator } from './window-accumulator.js';

interface MergeRuleDoc {
  readonly id: string;
  readonly closedThrough: Num;
  readonly totals: { readonly labels: Labels; readonly value: Num }[];
  readonly progress: [number, Num][];
  readonly pending: [number, [number, AccumulatorDoc[]][]][];
}

interface MergeCheckpointDoc {
  readonly version: 1;
  readonly savedAtMs: number;
  readonly offset: number;
  readonly rules: MergeRuleDoc[];
}

export interface MergeCheckpoint {
  /** Next offset of the partials partition to read. */
  readonly offset: number;
  readonly rules: ReadonlyMap<string, {
    readonly closedThrough: number;
    readonly totals: readonly { readonly labels: Labels; readonly value: number }[];
    readonly progress: readonly [number, number][];
    readonly pending: readonly [number, [number, WindowAccumulator[]][]][];
  }>;
}

export function serializeMergeCheckpoint(rules: ReadonlyMap<string, MergedRule>, offset: number, nowMs: number): string {
  const docs: MergeRuleDoc[] = [];
  for (const [id, r] of rules) {
    docs.push({
      id,
      closedThrough: num(r.state.closedThrough),
      totals: [...r.state.totals.values()].map((t) => ({ labels: t.labels, value: num(t.value) })),
      progress: [...r.progress].map(([p, t]) => [p, num(t)]),
      pending: [...r.pending].map(([w, parts]) => [w, [...parts].map(([p, accs]) => [p, accs.map(accumulatorDoc)])]),
    });
  }
  const doc: MergeCheckpointDoc = { version: 1, savedAtMs: nowMs, offset, rules: docs };
  return JSON.stringify(doc);
}

/** The checkpoint in `file`, or undefined when there is none. */
export function readMergeCheckpoint(file: string): MergeCheckpoint | undefined {
  const doc = readCheckpointJson<MergeCheckpointDoc>(file);
  if (doc === undefined) return undefined;
  if (doc.version !== 1 || !Number.isInteger(doc.offset) || !Array.isArray(doc.rules)) throw new CheckpointFileError(file, `has unexpected content (version ${String(doc.version)})`);
  return {
    offset: doc.offset,
    rules: new Map(doc.rules.map((r) => [r.id, {
      closedThrough: Number(r.closedThrough),
      totals: r.totals.map((t) => ({ labels: t.labels, value: Number(t.value) })),
      progress: r.progress.map(([p, t]) => [p, Number(t)] as [number, number]),
      pending: r.pending.map(([w, parts]) => [w, parts.map(([p, accs]) => [p, accs.map(accumulatorOf)] as [number, WindowAccumulator[]])] as [number, [number, WindowAccumulator[]][]]),
    }])),
  };
}
