import { HistogramError, type FloatHistogram } from '../../../schemas/native-histogram/index.js';
import { ignoringResetHints } from './histogram-binary.js';

/**
 * The histogram at `t` between samples h0 (at t0) and h1 (at t1), as `smoothed` interpolates: on
 * the straight line between them, or, for a counter that was reset between them, from zero up to
 * h1. Throws a HistogramError when exponential and custom buckets meet.
 */
export function interpolateHistogram(h0: FloatHistogram, t0: number, h1: FloatHistogram, t1: number, t: number, counter: boolean): FloatHistogram {
  // Checked first: exponential and custom buckets would otherwise pass for a reset.
  if (h0.usesCustomBuckets() !== h1.usesCustomBuckets()) throw new HistogramError('incompatible_schema');
  const fraction = (t - t0) / (t1 - t0);
  if (counter && h1.detectReset(h0)) return h1.copy().mul(fraction);
  const step = h1.copy();
  ignoringResetHints(step.sub(h0));
  step.mul(fraction);
  const out = h0.copy();
  ignoringResetHints(out.add(step));
  return out.compact();
}
