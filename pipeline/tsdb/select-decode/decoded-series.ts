import type { Labels } from '../../../schemas/labels.js';
import type { Series } from '../querier.js';
import { RESULT_SIZE, SUMMARY, type DecodeResult } from './decode-job.js';

const EMPTY = new Float64Array(0);

/**
 * The series that decode jobs wrote, as views of their column slabs (or their presence summaries):
 * entry i is planned series i (`labels[i]`), or null when it has no sample in range. `first[j]` is the index of job j's first
 * series among the planned ones (DecodePool.decode).
 */
export function decodedSeries(results: readonly DecodeResult[], first: readonly number[], labels: readonly Labels[]): (Series | null)[] {
  const decoded: (Series | null)[] = new Array(labels.length).fill(null);
  results.forEach((r, j) => {
    const colT = r.slabT.map((b) => new Float64Array(b));
    // A select without values names its timestamp slabs as value slabs: one view serves both.
    const colV = r.slabV.map((b, i) => (b === r.slabT[i] ? colT[i] : new Float64Array(b)));
    const c = r.counts;
    for (let i = 0, k = 0; k < c.length; i++, k += RESULT_SIZE) {
      const slab = c[k];
      const off = c[k + 1];
      const n = c[k + 2];
      const at = c[k + 3];
      if (n === 0) continue;
      if (slab === SUMMARY) {
        const presence = { first: r.presence[2 * i], last: r.presence[2 * i + 1], samples: n };
        decoded[first[j] + i] = { labels: labels[first[j] + i], timestamps: EMPTY, values: EMPTY, stale: null, presence };
        continue;
      }
      const timestamps = colT[slab].subarray(off, off + n);
      decoded[first[j] + i] = {
        labels: labels[first[j] + i],
        timestamps,
        // Without values the timestamps are the values column, as a select decoded in place has it.
        values: colV[slab] === colT[slab] ? timestamps : colV[slab].subarray(off, off + n),
        stale: at < 0 ? null : r.stale.subarray(at, at + n),
      };
    }
  });
  return decoded;
}
