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
import type { Labels } from '../../schemas/index.js';
import type { CompiledRule } from './compiled-rule.js';
import { PartitionState, type SeriesEntry } from './partition-state.js';
import { RuleState, type RunningTotal } from './rule-state.js';
import type { WindowAccumulator } from './window-accumulator.js';

export class CheckpointFileError extends Error {
  constructor(readonly file: string, what: string, options?: { cause?: unknown }) {
    super(`aggregation checkpoint ${file} ${what}`, options);
    this.name = 'CheckpointFileError';
  }
}

interface PartitionDoc {
  readonly series: [string, SeriesEntry][];
  readonly windows: [number, [string, WindowAccumulator][]][];
}

interface RuleDoc {
  readonly id: string;
  readonly closedThrough: number;
  readonly totals: [string, RunningTotal][];
  readonly partitions: [number, PartitionDoc][];
}

interface CheckpointDoc {
  readonly version: 1;
  readonly savedAtMs: number;
  readonly offsets: Record<string, number>;
  readonly rules: RuleDoc[];
}

export interface Checkpoint {
  readonly savedAtMs: number;
  /** Partition -> next offset to read. */
  readonly offsets: ReadonlyMap<number, number>;
  /** Rule id -> its state as saved. */
  readonly rules: ReadonlyMap<string, RuleDoc>;
}

// JSON has no Infinity or NaN; accumulators hold them (an empty window's min and max).
// Entries cache their current accumulator (accRef, accWin): not state, left out.
const replacer = (k: string, v: unknown): unknown =>
  k === 'accRef' || k === 'accWin' ? undefined : typeof v === 'number' && !Number.isFinite(v) ? { $n: String(v) } : v;
const reviver = (_k: string, v: unknown): unknown =>
  v !== null && typeof v === 'object' && '$n' in v && Object.keys(v).length === 1 ? Number((v as { $n: string }).$n) : v;

/** The checkpoint's text: synchronous, so state and offsets are taken at one instant. */
export function serializeCheckpoint(states: Iterable<RuleState>, offsets: ReadonlyMap<number, number>, nowMs: number): string {
  const rules: RuleDoc[] = [];
  for (const s of states) {
    rules.push({
      id: s.rule.id, closedThrough: s.closedThrough, totals: [...s.totals],
      partitions: [...s.partitions].map(([p, ps]) => [p, { series: [...ps.series], windows: [...ps.windows].map(([w, m]) => [w, [...m]]) }]),
    });
  }
  const doc: CheckpointDoc = { version: 1, savedAtMs: nowMs, offsets: Object.fromEntries(offsets), rules };
  return JSON.stringify(doc, replacer);
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

/** The checkpoint in `file`, or undefined when there is none yet. */
export function readCheckpoint(file: string): Checkpoint | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new CheckpointFileError(file, 'cannot be read', { cause: err });
  }
  let doc: CheckpointDoc;
  try {
    doc = JSON.parse(text, reviver) as CheckpointDoc;
  } catch (err) {
    throw new CheckpointFileError(file, 'is not valid JSON', { cause: err });
  }
  if (doc.version !== 1 || typeof doc.offsets !== 'object' || !Array.isArray(doc.rules)) throw new CheckpointFileError(file, `has unexpected content (version ${String(doc.version)})`);
  return {
    savedAtMs: doc.savedAtMs,
    offsets: new Map(Object.entries(doc.offsets).map(([p, o]) => [Number(p), o])),
    rules: new Map(doc.rules.map((r) => [r.id, r])),
  };
}

/** A rule's state from its checkpointed form. */
export function restoreRuleState(rule: CompiledRule, doc: RuleDoc | undefined): RuleState {
  const s = new RuleState(rule);
  if (doc === undefined) return s;
  s.closedThrough = doc.closedThrough;
  for (const [k, t] of doc.totals) s.totals.set(k, { labels: t.labels as Labels, value: t.value });
  for (const [p, pd] of doc.partitions) {
    const ps: PartitionState = s.partition(p);
    for (const [k, e] of pd.series) ps.series.set(k, e);
    for (const [w, accs] of pd.windows) ps.windows.set(w, new Map(accs));
  }
  return s;
}
