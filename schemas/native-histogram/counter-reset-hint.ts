/**
 * What the producer of a histogram sample knows about counter resets: `unknown` (look at the
 * previous sample), `reset` (this sample starts a new counter), `not_reset` (it continues the
 * previous one), `gauge` (a gauge histogram: resets do not apply). The names are those of the
 * PromQL test notation (`counter_reset_hint:gauge`).
 */
export type CounterResetHint = 'unknown' | 'reset' | 'not_reset' | 'gauge';

export const COUNTER_RESET_HINTS: readonly CounterResetHint[] = ['unknown', 'reset', 'not_reset', 'gauge'];

/**
 * The hint of the sum or difference of two histograms, as Prometheus decides it: equal hints stay,
 * a gauge on either side makes a gauge, `unknown` on either side makes `unknown`, and `reset`
 * against `not_reset` is a collision (the result is `unknown`, and the caller may warn).
 */
export function combineCounterResetHints(a: CounterResetHint, b: CounterResetHint): { hint: CounterResetHint; collision: boolean } {
  if (a === b) return { hint: a, collision: false };
  if (a === 'gauge' || b === 'gauge') return { hint: 'gauge', collision: false };
  if (a === 'unknown' || b === 'unknown') return { hint: 'unknown', collision: false };
  return { hint: 'unknown', collision: true };
}
