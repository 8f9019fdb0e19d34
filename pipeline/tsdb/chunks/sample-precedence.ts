/**
 * Which of two float samples at one timestamp a series keeps. The rule depends on the two samples
 * only, never on which arrived, was flushed or was cut into a block first, so every read,
 * compaction and restart (the bus applied again after a crash) keeps the same one, as
 * VictoriaMetrics' deduplication keeps the larger value: a staleness marker wins (a series that
 * ended stays ended), then the larger value; a number wins over NaN.
 */
export function takesPrecedence(v: number, stale: boolean, overV: number, overStale: boolean): boolean {
  if (stale !== overStale) return stale;
  if (stale) return false;
  if (v !== v) return false;
  return overV !== overV || v > overV;
}
