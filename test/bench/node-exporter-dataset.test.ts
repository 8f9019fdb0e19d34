import { describe, expect, it } from 'vitest';
import { NodeExporterDataset, SERIES_PER_INSTANCE } from './node-exporter-dataset.js';

function run(variant: 'realistic' | 'high-entropy', series: number, steps: number): { data: NodeExporterDataset; rows: Float64Array[] } {
  const data = new NodeExporterDataset(series, 15_000, undefined, 42, variant);
  const rows: Float64Array[] = [];
  for (let i = 0; i < steps; i++) {
    const row = new Float64Array(series);
    data.step(row);
    rows.push(row);
  }
  return { data, rows };
}

describe('node_exporter data set', () => {
  it('produces the same samples for the same series count, seed and variant', () => {
    for (const v of ['realistic', 'high-entropy'] as const) {
      const a = run(v, 250, 20).rows;
      const b = run(v, 250, 20).rows;
      expect(a).toEqual(b);
    }
  });

  it('keeps counters monotonic and histogram buckets cumulative in both variants', () => {
    for (const v of ['realistic', 'high-entropy'] as const) {
      const { data, rows } = run(v, SERIES_PER_INSTANCE, 200);
      data.series.forEach((s, i) => {
        if (s.kind === 'gauge') return;
        for (let k = 1; k < rows.length; k++) expect(rows[k][i]).toBeGreaterThanOrEqual(rows[k - 1][i]);
      });
      const buckets = data.series.map((s, i) => [s, i] as const).filter(([s]) => s.kind === 'bucket');
      for (let k = 1; k < buckets.length; k++) expect(rows[199][buckets[k][1]]).toBeGreaterThanOrEqual(rows[199][buckets[k - 1][1]]);
    }
  });

  it('gives realistic values: CPU seconds in 1/100 s ticks, whole pages of memory, constants that stay constant', () => {
    const { data, rows } = run('realistic', SERIES_PER_INSTANCE, 100);
    const at = (pred: (l: Record<string, string>) => boolean): number => data.series.findIndex((s) => pred(s.labels as Record<string, string>));
    const idle = at((l) => l.mode === 'idle');
    const steal = at((l) => l.mode === 'steal');
    const mem = at((l) => l.__name__ === 'node_memory_Buffers_bytes');
    const mtu = at((l) => l.__name__ === 'node_network_mtu_bytes');
    for (const row of rows) {
      expect(Math.round(row[idle] * 100) / 100).toBe(row[idle]);
      expect(row[mem] % 4096).toBe(0);
      expect(row[steal]).toBe(rows[0][steal]);
      expect(row[mtu]).toBe(rows[0][mtu]);
    }
    const idleStep = rows[99][idle] - rows[98][idle];
    expect(idleStep).toBeGreaterThan(9);
    expect(idleStep).toBeLessThan(15.5);
    const memChanges = rows.filter((r, k) => k > 0 && r[mem] !== rows[k - 1][mem]).length;
    expect(memChanges).toBeLessThan(40);
  });
});
