/**
 * One rule's state over all the partitions this aggregator reads: a PartitionState per
 * partition, the end of the newest closed window, and the running `total` of each output series.
 * Closing a window merges the partitions' partial accumulators in partition order (a `by` that
 * spans partitions is exact, and the result does not depend on arrival order) and yields the
 * window's output samples, stamped with the window's end.
 */
import type { Labels } from '../../schemas/index.js';
import type { CompiledRule } from './compiled-rule.js';
import { OutputSeriesLabels } from './output-series.js';
import { PartitionState, type SampleCounts } from './partition-state.js';
import { mergeInto, windowOutputs, type OutputSample, type WindowAccumulator } from './window-accumulator.js';

export interface RunningTotal {
  readonly labels: Labels;
  value: number;
}

export interface RuleCounters extends SampleCounts {
  outputSamples: number;
}

export class RuleState {
  readonly partitions = new Map<number, PartitionState>();
  /** End of the newest closed window (-Infinity before the first). */
  closedThrough = Number.NEGATIVE_INFINITY;
  readonly totals = new Map<string, RunningTotal>();
  /** Output series of the last closed window. */
  outputSeries = 0;
  /** Labels of the output series of the groups in the last closed window. */
  private readonly outputNames = new Map<string, OutputSeriesLabels>();
  /** The merged accumulators of the last close, free to be refilled (see close). */
  private spent: ReadonlyMap<string, WindowAccumulator> | undefined;
  readonly counters: RuleCounters = { applied: 0, late: 0, outOfOrder: 0, outputSamples: 0 };

  constructor(readonly rule: CompiledRule) {
    // Written twice from the start: V8 takes a field never rewritten for a constant, and the
    // first window's close, rewriting it, threw away the optimised code of applyRow, which reads it.
    this.closedThrough = 0;
    this.closedThrough = Number.NEGATIVE_INFINITY;
  }

  partition(p: number): PartitionState {
    let s = this.partitions.get(p);
    if (s === undefined) this.partitions.set(p, (s = new PartitionState(this.rule)));
    return s;
  }

  inputSeries(): number {
    let n = 0;
    for (const s of this.partitions.values()) n += s.series.size;
    return n;
  }

  /**
   * The next window to close if its end is at or before `through`: the oldest with data, or
   * (while some input series is remembered) the empty one after the last closed, so `total` and
   * `increase` go on through gaps. Undefined when none is due.
   */
  nextClosable(through: number): number | undefined {
    const I = this.rule.intervalMs;
    const last = Math.floor(through / I) * I;
    if (last <= this.closedThrough) return undefined;
    let tracked = false;
    let oldest: number | undefined;
    for (const s of this.partitions.values()) {
      if (s.series.size > 0) tracked = true;
      const o = s.oldestWindow();
      if (o !== undefined && (oldest === undefined || o < oldest)) oldest = o;
    }
    let next: number | undefined;
    if (tracked && Number.isFinite(this.closedThrough)) next = this.closedThrough + I;
    if (oldest !== undefined && (next === undefined || oldest < next)) next = oldest;
    if (next === undefined || next > last) {
      // Nothing open up to `through`: later samples at or before it are late all the same.
      if (!tracked || next === undefined) this.closedThrough = Math.max(this.closedThrough, oldest === undefined ? last : Math.min(last, oldest - I));
      return undefined;
    }
    return next;
  }

  /** Closes window `w` and appends its output samples to `out`. */
  close(w: number, out: OutputSample[]): void {
    const merged = this.closePartitions(w, this.spent);
    this.emit(w, merged, out);
    // Emitting keeps none of them (the running totals keep labels only): the next close refills
    // these objects for the groups that come back, instead of allocating an object per group
    // and window (most of what closing allocated, a full window's worth at a time).
    this.spent = merged;
  }

  /**
   * Closes window `w` in every partition and returns the partitions' accumulators merged in
   * partition order, without computing outputs (a store aggregating some partitions publishes
   * these as its partial state; a merger emits them). `reuse`: accumulators no longer used, by
   * group key, that a group's merged accumulator may be refilled into.
   */
  closePartitions(w: number, reuse?: ReadonlyMap<string, WindowAccumulator>): Map<string, WindowAccumulator> {
    const merged = new Map<string, WindowAccumulator>();
    for (const p of [...this.partitions.keys()].sort((a, b) => a - b)) this.partitions.get(p)!.closeInto(w, merged, reuse);
    this.closedThrough = w;
    return merged;
  }

  /** The output samples of window `w` from its merged accumulators (running totals move on). */
  emit(w: number, merged: ReadonlyMap<string, WindowAccumulator>, out: OutputSample[]): void {
    this.closedThrough = w;
    const before = out.length;
    const names = this.outputNames;
    // The groups in the map's order, walked by index below: each walk of the map by its iterator
    // made an entry array per group, and each group's names were looked up again per output.
    const keys: string[] = [];
    const accs: WindowAccumulator[] = [];
    const groupNames: OutputSeriesLabels[] = [];
    merged.forEach((a, k) => {
      let n = names.get(k);
      if (n === undefined) names.set(k, (n = new OutputSeriesLabels(a.labels, this.rule.infix)));
      keys.push(k);
      accs.push(a);
      groupNames.push(n);
    });
    // Groups without a sample in this window are let go (they come back as new ones). The map is
    // kept, not made again per window: when every group came back there is nothing to let go.
    if (names.size > merged.size) for (const k of names.keys()) if (!merged.has(k)) names.delete(k);
    for (const spec of this.rule.outputs) {
      if (spec.kind === 'total' || spec.kind === 'total_prometheus') continue;
      for (let i = 0; i < accs.length; i++) windowOutputs(accs[i]!, spec, groupNames[i]!, out);
    }
    if (this.rule.runningTotal) {
      for (const k of this.totals.keys()) if (!merged.has(k)) this.totals.delete(k);
      for (let i = 0; i < accs.length; i++) {
        const a = accs[i]!;
        let t = this.totals.get(keys[i]!);
        if (t === undefined) this.totals.set(keys[i]!, (t = { labels: a.labels, value: 0 }));
        t.value += a.inc;
        for (const spec of this.rule.outputs) {
          if (spec.kind === 'total' || spec.kind === 'total_prometheus') out.push({ labels: groupNames[i]!.of(spec.suffix), value: t.value });
        }
      }
    }
    this.outputSeries = out.length - before;
    this.counters.outputSamples += this.outputSeries;
  }
}

/** Folds a partition's accumulator of the group `key` into `merged` (partitions in order: the first one's accumulator takes the others in). */
export function mergeAccumulator(merged: Map<string, WindowAccumulator>, key: string, a: WindowAccumulator): void {
  const m = merged.get(key);
  if (m === undefined) merged.set(key, a);
  else mergeInto(m, a);
}
