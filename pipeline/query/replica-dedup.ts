import type { Labels } from '../../schemas/labels.js';
import type { FloatHistogram } from '../../schemas/native-histogram/index.js';
import type { Series } from '../tsdb/index.js';

/** Labels without the replica labels. */
export function stripReplicaLabels(labels: Labels, replicaLabels: readonly string[]): Labels {
  let has = false;
  for (const r of replicaLabels) if (labels[r] !== undefined) has = true;
  if (!has) return labels;
  const out: Record<string, string> = {};
  for (const k in labels) if (!replicaLabels.includes(k)) out[k] = labels[k];
  return out;
}

/** Fallback switch gap when no replica has two samples to measure its interval. */
const DEFAULT_GAP_MS = 60_000;

/**
 * Deduplicates the series of HA replicas that scrape the same targets: one replica is followed
 * while it has data; when its next sample is further away than twice its usual scrape interval and
 * another replica has samples in that gap, the answer switches to that replica (and follows it).
 * So each time range comes from one replica only (no sawtooth from interleaving two replicas'
 * counters), and a replica that stopped or lagged is covered by the other. `labels` are the
 * merged series' labels (replica labels already removed).
 */
export function dedupReplicas(labels: Labels, replicas: readonly Series[]): Series {
  const live = replicas.filter((r) => r.timestamps.length > 0);
  if (live.length === 0) return { ...replicas[0], labels };
  if (live.length === 1) return { ...live[0], labels };
  const gaps = live.map((r) => 2 * medianInterval(r));
  const fallback = gaps.find((g) => Number.isFinite(g)) ?? DEFAULT_GAP_MS;
  for (let i = 0; i < gaps.length; i++) if (!Number.isFinite(gaps[i])) gaps[i] = fallback;

  const total = live.reduce((n, r) => n + r.timestamps.length, 0);
  const ts = new Float64Array(total);
  const vs = new Float64Array(total);
  const anyStale = live.some((r) => r.stale !== null);
  const st = anyStale ? new Uint8Array(total) : null;
  // Histograms and start timestamps go with the samples they belong to, from whichever replica.
  const anyHistograms = live.some((r) => r.histograms !== undefined && r.histograms !== null);
  const hs: (FloatHistogram | null)[] | null = anyHistograms ? new Array<FloatHistogram | null>(total).fill(null) : null;
  const anyStarts = live.some((r) => r.startTimestamps !== undefined && r.startTimestamps !== null);
  const starts = anyStarts ? new Float64Array(total) : null;
  const pos = new Int32Array(live.length);
  let cur = 0;
  for (let k = 1; k < live.length; k++) if (live[k].timestamps[0] < live[cur].timestamps[0]) cur = k;
  let last = -Infinity;
  let n = 0;
  for (;;) {
    // Skip what is not after the last sample written, in every replica.
    let other = -1;
    let tOther = Infinity;
    for (let k = 0; k < live.length; k++) {
      const t = live[k].timestamps;
      let p = pos[k];
      while (p < t.length && t[p] <= last) p++;
      pos[k] = p;
      if (k !== cur && p < t.length && t[p] < tOther) {
        tOther = t[p];
        other = k;
      }
    }
    const ct = live[cur].timestamps;
    const tc = pos[cur] < ct.length ? ct[pos[cur]] : Infinity;
    if (tc === Infinity && other < 0) break;
    if (other >= 0 && tOther < tc && (tc === Infinity || tc - last > gaps[cur])) cur = other;
    const r = live[cur];
    const p = pos[cur];
    ts[n] = r.timestamps[p];
    vs[n] = r.values[p];
    if (st !== null) st[n] = r.stale !== null ? r.stale[p] : 0;
    if (hs !== null) hs[n] = r.histograms?.[p] ?? null;
    if (starts !== null) starts[n] = r.startTimestamps?.[p] ?? 0;
    last = ts[n];
    pos[cur] = p + 1;
    n++;
  }
  return {
    labels,
    timestamps: ts.subarray(0, n),
    values: vs.subarray(0, n),
    stale: st === null ? null : st.subarray(0, n),
    ...(hs === null ? {} : { histograms: hs.slice(0, n) }),
    ...(starts === null ? {} : { startTimestamps: starts.subarray(0, n) }),
  };
}

function medianInterval(s: Series): number {
  const t = s.timestamps;
  if (t.length < 2) return Infinity;
  const d = new Float64Array(t.length - 1);
  for (let i = 1; i < t.length; i++) d[i - 1] = t[i] - t[i - 1];
  d.sort();
  return d[d.length >> 1];
}
