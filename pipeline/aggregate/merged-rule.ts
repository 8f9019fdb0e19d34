/**
 * One aggregation rule at the merger: the state that emits its outputs (running totals, the
 * newest emitted window), how far each input partition is closed, and the partial accumulators
 * of windows some partition has not closed yet.
 */
import type { Labels } from '../../schemas/index.js';
import { mergeAccumulator, type RuleState } from './rule-state.js';
import type { OutputSample, WindowAccumulator } from './window-accumulator.js';

/** An output sample with its window's end. */
export interface MergedOutput extends OutputSample {
  readonly ts: number;
}

export class MergedRule {
  /** Input partition -> end of the newest window it closed. */
  readonly progress = new Map<number, number>();
  /** Window end -> input partition -> its accumulators of that window. */
  readonly pending = new Map<number, Map<number, WindowAccumulator[]>>();

  /**
   * Group key by labels object: a partition's group keeps its labels object from window to window
   * (handed over in this process), and its key, built by sorting and joining, is the same.
   */
  private readonly keys = new WeakMap<Labels, string>();

  constructor(readonly state: RuleState) {}

  private keyOf(labels: Labels): string {
    let k = this.keys.get(labels);
    if (k === undefined) this.keys.set(labels, (k = this.state.rule.group.keyOfGroup(labels)));
    return k;
  }

  /** Takes one partition's partial of this rule; false when it was a repeat (already taken). */
  take(partition: number, closedThrough: number, windows: readonly { end: number; accumulators: readonly WindowAccumulator[] }[]): boolean {
    const before = this.progress.get(partition) ?? Number.NEGATIVE_INFINITY;
    let taken = false;
    for (const w of windows) {
      // At or before the partition's point the window was taken already (or emitted).
      if (w.end <= before || w.end <= this.state.closedThrough) continue;
      let m = this.pending.get(w.end);
      if (m === undefined) this.pending.set(w.end, (m = new Map()));
      m.set(partition, [...w.accumulators]);
      taken = true;
    }
    if (closedThrough > before) {
      this.progress.set(partition, closedThrough);
      taken = true;
    }
    return taken;
  }

  /** Emits, in order, every waiting window all `partitions` are closed through; appends the outputs (with their window end) to `out`. */
  closeDue(partitions: number, out: MergedOutput[]): number {
    let through = Number.POSITIVE_INFINITY;
    for (let p = 0; p < partitions; p++) through = Math.min(through, this.progress.get(p) ?? Number.NEGATIVE_INFINITY);
    let closed = 0;
    for (const w of [...this.pending.keys()].sort((a, b) => a - b)) {
      if (w > through) break;
      const parts = this.pending.get(w)!;
      this.pending.delete(w);
      const merged = new Map<string, WindowAccumulator>();
      // A partition's accumulators of a window have distinct keys (one per group).
      for (const p of [...parts.keys()].sort((a, b) => a - b)) for (const a of parts.get(p)!) mergeAccumulator(merged, this.keyOf(a.labels), a);
      const samples: OutputSample[] = [];
      this.state.emit(w, merged, samples);
      for (const s of samples) out.push({ ...s, ts: w });
      closed++;
    }
    return closed;
  }
}

