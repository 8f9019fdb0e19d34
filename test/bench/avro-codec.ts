import { decodeSampleBatch, encodeSampleBatch } from '../../schemas/sample-batch-codec.js';
import type { Benchmark, BenchResult } from './bench-result.js';
import { nodeLikeBatch } from './sample-batches.js';

/** Runs `fn` repeatedly for about `ms` milliseconds after a warm-up; returns calls per second. */
export function rate(fn: () => void, ms = 1500): number {
  const warm = performance.now();
  while (performance.now() - warm < ms / 4) fn();
  let calls = 0;
  const start = performance.now();
  let now = start;
  while (now - start < ms) {
    fn();
    calls++;
    now = performance.now();
  }
  return calls / ((now - start) / 1000);
}

export const avroCodecBenchmark: Benchmark = {
  area: 'schemas',
  async run() {
    const rows: BenchResult[] = [];
    for (const [series, samples] of [
      [10_000, 1],
      [100, 100],
    ] as const) {
      const batch = nodeLikeBatch(series, samples);
      const bytes = encodeSampleBatch(batch);
      const n = series * samples;
      const shape = `${series.toLocaleString('en')} series x ${samples} sample${samples > 1 ? 's' : ''}`;
      rows.push({
        name: `avro encode, ${shape}`,
        subject: 'tidemark',
        value: n * rate(() => encodeSampleBatch(batch)),
        unit: 'samples/s',
        note: `${bytes.length} bytes/batch (${(bytes.length / n).toFixed(1)} B/sample)`,
      });
      rows.push({
        name: `avro decode, ${shape}`,
        subject: 'tidemark',
        value: n * rate(() => decodeSampleBatch(bytes)),
        unit: 'samples/s',
        goal: '>= 5M samples/s',
      });
    }
    return rows;
  },
};
