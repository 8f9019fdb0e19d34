import type { Labels } from '../../../schemas/index.js';
import type { FloatHistogram } from '../../../schemas/native-histogram/index.js';

/**
 * One series of a range query answer, as columns rather than an object per point (a replay reads
 * some 100k points): float points at `timestamps[i]` with `values[i]`, native-histogram points
 * apart, at multiples of the step.
 */
export interface RangeSeries {
  readonly labels: Labels;
  readonly timestamps: readonly number[];
  readonly values: readonly number[];
  readonly histograms?: readonly { readonly t: number; readonly h: FloatHistogram }[];
}
