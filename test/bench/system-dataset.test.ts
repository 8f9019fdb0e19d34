import { describe, expect, it } from 'vitest';
import { SERIES_PER_HOST, SystemDataset } from './system-dataset.js';

function steps(series: number, n: number): { ds: SystemDataset; rows: Float64Array[] } {
  const ds = new SystemDataset(series);
  const rows: Float64Array[] = [];
  for (let i = 0; i < n; i++) {
    const row = new Float64Array(series);
    ds.step(row);
    rows.push(row);
  }
  return { ds, rows };
}

describe('system benchmark data set', () => {
  it('has distinct series, half node_exporter and half application per host', () => {
    const { ds } = steps(2 * SERIES_PER_HOST, 1);
    const keys = new Set(ds.series.map((s) => JSON.stringify(s.labels)));
    expect(keys.size).toBe(2 * SERIES_PER_HOST);
    expect(ds.series.filter((s) => s.labels.job === 'api').length).toBe(2 * 97);
    expect(ds.series.filter((s) => s.labels.__name__ === 'node_filesystem_size_bytes').length).toBe(6);
  });

  it('reports process CPU seconds in hundredths and GC pause quantiles in whole nanoseconds, as Go clients do', () => {
    const { ds, rows } = steps(SERIES_PER_HOST * 2, 500);
    const decimals = (v: number): number => (String(v).split('.')[1] ?? '').length;
    const checked = { cpu: 0, gc: 0 };
    ds.series.forEach((s, i) => {
      const name = s.labels.__name__;
      const most = name === 'process_cpu_seconds_total' ? 2 : name === 'go_gc_duration_seconds' ? 9 : -1;
      if (most < 0) return;
      for (const row of rows) expect(decimals(row[i])).toBeLessThanOrEqual(most);
      checked[most === 2 ? 'cpu' : 'gc']++;
    });
    expect(checked).toEqual({ cpu: 2, gc: 10 });
  });

  it('produces the same samples for the same series count', () => {
    expect(steps(450, 10).rows).toEqual(steps(450, 10).rows);
  });

  it('keeps request counters monotonic and histogram buckets cumulative per handler', () => {
    const { ds, rows } = steps(SERIES_PER_HOST, 100);
    const isCounter = (n: string): boolean => n.endsWith('_total') || n.endsWith('_bucket') || n.endsWith('_count') || n.endsWith('_sum');
    ds.series.forEach((s, i) => {
      if (!isCounter(s.labels.__name__)) return;
      for (let k = 1; k < rows.length; k++) expect(rows[k][i]).toBeGreaterThanOrEqual(rows[k - 1][i]);
    });
    const last = rows[rows.length - 1];
    const buckets = ds.series.map((s, i) => ({ s, v: last[i] })).filter((x) => x.s.labels.__name__ === 'http_request_duration_seconds_bucket' && x.s.labels.job === 'api');
    for (const handler of new Set(buckets.map((b) => b.s.labels.handler))) {
      const vs = buckets.filter((b) => b.s.labels.handler === handler).map((b) => b.v);
      expect(vs).toEqual([...vs].sort((a, b) => a - b));
    }
  });

  it('keeps every filesystem smaller than its size, so the free ratio is below one', () => {
    const { ds, rows } = steps(SERIES_PER_HOST, 20);
    const row = rows[rows.length - 1];
    const at = (name: string, mp: string) => row[ds.series.findIndex((s) => s.labels.__name__ === name && s.labels.mountpoint === mp)];
    for (const mp of ['/', '/var', '/home']) expect(at('node_filesystem_avail_bytes', mp)).toBeLessThan(at('node_filesystem_size_bytes', mp));
  });
});
