import type { Labels } from '../../schemas/labels.js';
import type { Series } from '../tsdb/index.js';

/**
 * Merges copies of one series read from several shards (a partition held twice during a
 * rebalance, or replayed data): samples are interleaved by timestamp and a timestamp present in
 * several copies is kept once, from the earliest copy in `copies`, with its start timestamp.
 */
export function mergeSeriesCopies(labels: Labels, copies: readonly Series[]): Series {
  let acc = copies[0];
  for (let i = 1; i < copies.length; i++) acc = mergeTwo(acc, copies[i]);
  const sts = acc.startTimestamps ?? null;
  return { labels, timestamps: acc.timestamps, values: acc.values, stale: acc.stale, ...(sts === null ? {} : { startTimestamps: sts }) };
}

function mergeTwo(a: Series, b: Series): Series {
  const na = a.timestamps.length;
  const nb = b.timestamps.length;
  if (nb === 0) return a;
  if (na === 0) return b;
  const ts = new Float64Array(na + nb);
  const vs = new Float64Array(na + nb);
  const withStale = a.stale !== null || b.stale !== null;
  const st = withStale ? new Uint8Array(na + nb) : null;
  const aStarts = a.startTimestamps ?? null;
  const bStarts = b.startTimestamps ?? null;
  const starts = aStarts !== null || bStarts !== null ? new Float64Array(na + nb) : null;
  let i = 0;
  let j = 0;
  let n = 0;
  while (i < na || j < nb) {
    const ta = i < na ? a.timestamps[i] : Infinity;
    const tb = j < nb ? b.timestamps[j] : Infinity;
    if (ta <= tb) {
      ts[n] = ta;
      vs[n] = a.values[i];
      if (st !== null) st[n] = a.stale !== null ? a.stale[i] : 0;
      if (starts !== null) starts[n] = aStarts !== null ? aStarts[i] : 0;
      i++;
      if (tb === ta) j++; // same timestamp in both copies: the first copy wins
    } else {
      ts[n] = tb;
      vs[n] = b.values[j];
      if (st !== null) st[n] = b.stale !== null ? b.stale[j] : 0;
      if (starts !== null) starts[n] = bStarts !== null ? bStarts[j] : 0;
      j++;
    }
    n++;
  }
  return { labels: a.labels, timestamps: ts.subarray(0, n), values: vs.subarray(0, n), stale: st === null ? null : st.subarray(0, n), ...(starts === null ? {} : { startTimestamps: starts.subarray(0, n) }) };
}
