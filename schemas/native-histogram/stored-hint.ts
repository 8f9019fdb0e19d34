import type { FloatHistogram } from './float-histogram.js';

/**
 * The counter reset hint a histogram appended after `prev` in the same series is read back
 * with, as from Prometheus' histogram chunks: an unknown hint becomes `not_reset` when the counts
 * did not go down (so `sum` of counters reads as a counter); after a reset it stays unknown
 * (Prometheus starts a chunk there, whose first sample reads as unknown). Gauges and given hints
 * stay. Returns `h` itself or a copy.
 */
export function withStoredCounterResetHint(h: FloatHistogram, prev: FloatHistogram): FloatHistogram {
  if (h.counterResetHint !== 'unknown' || prev.counterResetHint === 'gauge' || h.detectReset(prev)) return h;
  const out = h.copy();
  out.counterResetHint = 'not_reset';
  return out;
}
