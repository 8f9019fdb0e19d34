/**
 * The input of the aggregation end-to-end suites: counters with resets, a series that stops and
 * one that starts later, and gauges, every 10 s for 30 minutes from a whole hour. Values are
 * multiples of 1/4, so sums are exact whatever the order of addition.
 */
export const STEP_MS = 10_000;
export const MINUTES = 30;

export interface DataSample { readonly name: string; readonly labels: Readonly<Record<string, string>>; readonly t: number; readonly v: number }

export function aggregationDataset(t0: number): DataSample[] {
  const out: DataSample[] = [];
  let seed = 7;
  const rand = () => (seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648) / 2_147_483_648;
  const instances = [['a', 'i0'], ['a', 'i1'], ['a', 'i2'], ['b', 'i0'], ['b', 'i1'], ['b', 'i3'], ['b', 'i4']] as const;
  for (const [job, instance] of instances) {
    let c = Math.floor(rand() * 1000);
    let g = 20;
    for (let t = t0 + STEP_MS; t <= t0 + MINUTES * 60_000; t += STEP_MS) {
      const m = (t - t0) / 60_000;
      // b/i3 stops after 10 minutes; b/i4 only starts after 18.
      if (instance === 'i3' && job === 'b' && m > 10) continue;
      if (instance === 'i4' && m < 18) continue;
      c += Math.floor(rand() * 40) / 4;
      // A counter reset now and then (a restart): back to a small value.
      if (rand() < 0.03) c = Math.floor(rand() * 8) / 4;
      g += (Math.floor(rand() * 9) - 4) / 4;
      out.push({ name: 'agg_requests_total', labels: { job, instance }, t, v: c });
      out.push({ name: 'agg_temperature', labels: { job, instance }, t, v: g });
    }
  }
  return out;
}

const line = (s: DataSample, ts: string) => `${s.name}{${Object.entries(s.labels).map(([k, v]) => `${k}="${v}"`).join(',')}} ${s.v} ${ts}`;

/** Prometheus text with millisecond timestamps (Tidemark's /api/v1/import/prometheus). */
export function toPrometheusText(data: readonly DataSample[]): string {
  return data.map((s) => line(s, String(s.t))).join('\n') + '\n';
}

/** OpenMetrics with second timestamps, for promtool tsdb create-blocks-from openmetrics (samples of a series together, in time order). */
export function toOpenMetrics(data: readonly DataSample[]): string {
  const byFamily = new Map<string, DataSample[]>();
  for (const s of data) {
    const k = s.name;
    if (!byFamily.has(k)) byFamily.set(k, []);
    byFamily.get(k)!.push(s);
  }
  let text = '';
  for (const [name, samples] of byFamily) {
    text += `# TYPE ${name} gauge\n`;
    const sorted = [...samples].sort((x, y) => JSON.stringify(x.labels).localeCompare(JSON.stringify(y.labels)) || x.t - y.t);
    for (const s of sorted) text += line(s, String(s.t / 1000)) + '\n';
  }
  return text + '# EOF\n';
}
