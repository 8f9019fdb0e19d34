import type { SampleBatch } from '../../schemas/sample.js';

const MODES = ['idle', 'user', 'system', 'iowait', 'irq', 'softirq', 'steal', 'nice'];

/**
 * Deterministic batches shaped like node_exporter series (5 labels: name, job, instance, cpu,
 * mode), for codec and bus benchmarks. Values follow counter-like ramps.
 */
export function nodeLikeBatch(series: number, samplesPerSeries: number, seed = 0): SampleBatch {
  const out = [];
  for (let i = 0; i < series; i++) {
    const timestamps: number[] = new Array(samplesPerSeries);
    const values: number[] = new Array(samplesPerSeries);
    for (let j = 0; j < samplesPerSeries; j++) {
      timestamps[j] = 1_700_000_000_000 + j * 15_000;
      values[j] = (seed + i) * 10 + j * 0.25 * ((i % 7) + 1);
    }
    out.push({
      labels: {
        __name__: 'node_cpu_seconds_total',
        job: 'node',
        instance: `host-${(seed * 7 + Math.floor(i / 64)) % 1000}:9100`,
        cpu: String(Math.floor(i / 8) % 64),
        mode: MODES[i % 8],
      },
      timestamps,
      values,
      stale: [],
    });
  }
  return { series: out };
}
