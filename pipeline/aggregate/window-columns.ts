/**
 * One open window of one rule over one partition: the accumulators of its output groups as rows
 * of one Float64Array, indexed by the group's slot in its PartitionState. Applying a sample is
 * arithmetic on that row, with no object per group and window to allocate, find or trace (per
 * group WindowAccumulator objects, and the per-series references to them, were where most of the
 * aggregator's per-sample time went in a profile of the aggregation bench). Accumulators are made
 * as objects only when the window closes or is checkpointed (a few per group, not per sample).
 */
import type { Labels } from '../../schemas/index.js';
import type { FloatHistogram } from '../../schemas/native-histogram/index.js';
import { addBucket, newAccumulator, type AccumulatorNeeds, type WindowAccumulator } from './window-accumulator.js';

/* A group's numbers, at offset slot * FIELDS: those of a WindowAccumulator (see there). */
export const SAMPLES = 0;
export const H_SAMPLES = 1;
export const SUM = 2;
export const MIN = 3;
export const MAX = 4;
export const LAST_TS = 5;
export const LAST_V = 6;
export const MEAN = 7;
export const M2 = 8;
export const INC = 9;
export const RATE_SUM = 10;
export const RATE_N = 11;
export const SERIES = 12;
/** 0/1: a counter input of the group is alive. */
export const ALIVE = 13;
export const FIELDS = 14;

const NO_NEEDS: AccumulatorNeeds = { values: false, buckets: false };

export class WindowColumns {
  nums: Float64Array;
  /** 1 where the slot's group has an accumulator in this window. */
  present: Uint8Array;
  /**
   * Slots with an accumulator, in the order they got it (the order outputs and merges follow): the
   * first `size` of `slots`. Not an array: emptying one at reset let its storage go, and every
   * window grew it again.
   */
  private slots = new Int32Array(16);
  private size = 0;
  /** Per slot, its values (quantiles) and vmrange buckets (histogram_bucket), when the rule needs them. */
  readonly values: (number[] | undefined)[] | null;
  readonly buckets: (Record<string, number> | undefined)[] | null;
  /**
   * How many series entered this window since it was opened or reset (each once: a series' window
   * only moves on). Not restored from a checkpoint: it then counts fewer, never more.
   */
  entered = 0;
  /** Per slot, the latest sample when it is a native histogram; null until a window sees one. */
  lastH: (FloatHistogram | null)[] | null = null;

  /** The slots with an accumulator, in the order they got it (a view, valid until the next open or reset). */
  get order(): Int32Array {
    return this.slots.subarray(0, this.size);
  }

  constructor(public end: number, capacity: number, private readonly needs: AccumulatorNeeds) {
    this.nums = new Float64Array(capacity * FIELDS);
    this.present = new Uint8Array(capacity);
    this.values = needs.values ? [] : null;
    this.buckets = needs.buckets ? [] : null;
  }

  /**
   * Makes these the columns of an empty window ending at `end` (a closed window's, reused: its
   * accumulators were copied or taken when it closed). Slots are zeroed as they open.
   */
  reset(end: number): void {
    const slots = this.slots;
    for (let i = 0; i < this.size; i++) this.present[slots[i]!] = 0;
    this.size = 0;
    if (this.values !== null) this.values.length = 0;
    if (this.buckets !== null) this.buckets.length = 0;
    this.lastH = null;
    this.end = end;
    this.entered = 0;
  }

  /** Gives the slot's group an empty accumulator in this window (`present[slot] !== 1` before). */
  open(slot: number): void {
    if (slot >= this.present.length) this.grow(slot + 1);
    const o = slot * FIELDS;
    const n = this.nums;
    n.fill(0, o, o + FIELDS);
    n[o + MIN] = Number.POSITIVE_INFINITY;
    n[o + MAX] = Number.NEGATIVE_INFINITY;
    n[o + LAST_TS] = Number.NEGATIVE_INFINITY;
    this.present[slot] = 1;
    if (this.size === this.slots.length) {
      const slots = new Int32Array(this.size * 2);
      slots.set(this.slots);
      this.slots = slots;
    }
    this.slots[this.size++] = slot;
    if (this.values !== null) this.values[slot] = [];
    if (this.buckets !== null) this.buckets[slot] = {};
    if (this.lastH !== null) this.lastH[slot] = null;
  }

  private grow(min: number): void {
    const capacity = Math.max(min, this.present.length * 2, 16);
    const nums = new Float64Array(capacity * FIELDS);
    nums.set(this.nums);
    const present = new Uint8Array(capacity);
    present.set(this.present);
    this.nums = nums;
    this.present = present;
  }

  /** One float sample (PartitionState.applyRow does the same inline). */
  add(slot: number, ts: number, v: number, moments: boolean): void {
    const n = this.nums;
    const o = slot * FIELDS;
    const k = ++n[o + SAMPLES]!;
    n[o + SUM] += v;
    if (v < n[o + MIN]!) n[o + MIN] = v;
    if (v > n[o + MAX]!) n[o + MAX] = v;
    if (ts >= n[o + LAST_TS]!) {
      n[o + LAST_TS] = ts;
      n[o + LAST_V] = v;
      if (this.lastH !== null) this.lastH[slot] = null;
    }
    if (moments) {
      const mean = n[o + MEAN]!;
      const dm = v - mean;
      const next = mean + dm / k;
      n[o + MEAN] = next;
      n[o + M2] += dm * (v - next);
    }
    if (this.values !== null) this.values[slot]!.push(v);
    if (this.buckets !== null) addBucket(this.buckets[slot]!, v);
  }

  /** One native-histogram sample as the window's latest candidate. */
  addHistogram(slot: number, ts: number, h: FloatHistogram): void {
    const o = slot * FIELDS;
    this.nums[o + H_SAMPLES]++;
    if (ts >= this.nums[o + LAST_TS]!) {
      this.nums[o + LAST_TS] = ts;
      (this.lastH ??= [])[slot] = h;
    }
  }

  /**
   * The slot's accumulator as an object. `own`: the object takes the slot's values and buckets
   * (the window is closing); otherwise it shares them (a checkpoint reads them).
   */
  accumulator(slot: number, labels: Labels, own: boolean): WindowAccumulator {
    return this.fill(newAccumulator(labels, NO_NEEDS), slot, own);
  }

  /** Sets `a`'s numbers (all but its labels) to the slot's accumulator, as `accumulator` makes it; returns `a`. */
  fill(a: WindowAccumulator, slot: number, own: boolean): WindowAccumulator {
    const n = this.nums;
    const o = slot * FIELDS;
    a.samples = n[o + SAMPLES]!;
    a.hSamples = n[o + H_SAMPLES]!;
    a.sum = n[o + SUM]!;
    a.min = n[o + MIN]!;
    a.max = n[o + MAX]!;
    a.lastTs = n[o + LAST_TS]!;
    a.lastV = n[o + LAST_V]!;
    a.lastH = this.lastH?.[slot] ?? null;
    a.mean = n[o + MEAN]!;
    a.m2 = n[o + M2]!;
    a.inc = n[o + INC]!;
    a.rateSum = n[o + RATE_SUM]!;
    a.rateN = n[o + RATE_N]!;
    a.series = n[o + SERIES]!;
    a.alive = n[o + ALIVE] === 1;
    a.values = null;
    a.buckets = null;
    if (this.values !== null) {
      a.values = this.values[slot] ?? [];
      if (own) this.values[slot] = undefined;
    }
    if (this.buckets !== null) {
      a.buckets = this.buckets[slot] ?? {};
      if (own) this.buckets[slot] = undefined;
    }
    return a;
  }

  /** Sets the slot's accumulator from an object (a checkpoint's); the slot must be open. */
  restore(slot: number, a: WindowAccumulator): void {
    const n = this.nums;
    const o = slot * FIELDS;
    n[o + SAMPLES] = a.samples;
    n[o + H_SAMPLES] = a.hSamples;
    n[o + SUM] = a.sum;
    n[o + MIN] = a.min;
    n[o + MAX] = a.max;
    n[o + LAST_TS] = a.lastTs;
    n[o + LAST_V] = a.lastV;
    n[o + MEAN] = a.mean;
    n[o + M2] = a.m2;
    n[o + INC] = a.inc;
    n[o + RATE_SUM] = a.rateSum;
    n[o + RATE_N] = a.rateN;
    n[o + SERIES] = a.series;
    n[o + ALIVE] = a.alive ? 1 : 0;
    if (a.lastH !== null) (this.lastH ??= [])[slot] = a.lastH;
    if (this.values !== null) this.values[slot] = a.values ?? [];
    if (this.buckets !== null) this.buckets[slot] = a.buckets ?? {};
  }
}

/**
 * Copies field `field` of the rows `order` (rows of `stride` numbers in `cols`) into `into`, in
 * that order; returns whether every copied number is +0 (-0 is not: its bits are kept).
 */
export function gatherColumn(cols: Float64Array, order: ArrayLike<number>, stride: number, field: number, into: Float64Array): boolean {
  let zeros = true;
  for (let i = 0; i < order.length; i++) {
    const v = cols[order[i]! * stride + field]!;
    into[i] = v;
    if (zeros && (v !== 0 || Object.is(v, -0))) zeros = false;
  }
  return zeros;
}
