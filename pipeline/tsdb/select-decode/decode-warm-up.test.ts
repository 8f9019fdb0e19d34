import { describe, expect, it } from 'vitest';
import { OP_CHUNK, OP_SIZE, RESULT_SIZE, runDecodeJob, SERIES_HEADER } from './decode-job.js';
import { decodeWarmUpJob } from './decode-warm-up.js';

describe('decodeWarmUpJob', () => {
  it('decodes like a large select: every series ascending inside the range, both encodings, staleness markers', () => {
    const job = decodeWarmUpJob();
    const encodings = new Set<number>();
    for (let p = 0; p < job.ops.length; ) {
      const n = job.ops[p + 1];
      for (let k = 0, op = p + SERIES_HEADER; k < n; k++, op += OP_SIZE) if (job.ops[op] === OP_CHUNK) encodings.add(job.ops[op + 1]);
      p += SERIES_HEADER + OP_SIZE * n;
    }
    expect(encodings.size).toBe(2);
    const r = runDecodeJob(job);
    let samples = 0;
    let stale = 0;
    for (let i = 0; i < job.seriesCount; i++) {
      const [slab, at, count, staleAt] = r.counts.subarray(RESULT_SIZE * i, RESULT_SIZE * (i + 1));
      const ts = new Float64Array(r.slabT[slab], at * 8, count);
      expect(count).toBeGreaterThan(0);
      expect(ts[0]).toBeGreaterThanOrEqual(job.mint);
      expect(ts[count - 1]).toBeLessThanOrEqual(job.maxt);
      for (let k = 1; k < count; k++) expect(ts[k]).toBeGreaterThan(ts[k - 1]);
      if (staleAt >= 0) for (let k = 0; k < count; k++) stale += r.stale[staleAt + k];
      samples += count;
    }
    expect(samples).toBeGreaterThan(200_000);
    expect(stale).toBeGreaterThan(0);
    // Some of the pooled slabs it was given were written.
    expect(r.pooledT.some((x) => x >= 0)).toBe(true);
  });

  it('gives each job its own op stream, so one transferred to a thread leaves the next whole', () => {
    const first = decodeWarmUpJob();
    structuredClone(first.ops.buffer, { transfer: [first.ops.buffer as ArrayBuffer] });
    expect(first.ops.length).toBe(0);
    const next = decodeWarmUpJob();
    expect(next.ops.length).toBeGreaterThan(0);
    expect(runDecodeJob(next).counts.length).toBe(RESULT_SIZE * next.seriesCount);
  });

  it('holds the series shapes whose decoder paths scraped selects take: constant, mostly idle, swinging by gigabytes, long chunks, missed scrapes', () => {
    const job = decodeWarmUpJob();
    const r = runDecodeJob(job);
    let constant = false;
    let idleRun = false;
    let wide = false;
    let long = false;
    let gap = false;
    for (let i = 0, p = 0; i < job.seriesCount; i++) {
      const chunks = job.ops[p + 1];
      p += SERIES_HEADER + OP_SIZE * chunks;
      const [slab, at, count] = r.counts.subarray(RESULT_SIZE * i, RESULT_SIZE * i + 3);
      const ts = new Float64Array(r.slabT[slab], at * 8, count);
      const vs = new Float64Array(r.slabV[slab], at * 8, count);
      constant ||= count > 100 && vs.every((v) => v === vs[0]);
      let run = 1;
      for (let k = 1; k < count; k++) {
        run = vs[k] === vs[k - 1] ? run + 1 : 1;
        idleRun ||= run >= 17 && vs[count - 1] > vs[0];
        wide ||= vs[k] - vs[k - 1] > 2 ** 25;
        gap ||= ts[k] - ts[k - 1] >= 5 * 60_000;
      }
      // Longer than the decoders' scratch columns start (256 values).
      long ||= chunks === 1 && count > 256;
    }
    expect({ constant, idleRun, wide, long, gap }).toEqual({ constant: true, idleRun: true, wide: true, long: true, gap: true });
  });

  it('makes a job without values too, which decodes timestamps only', () => {
    const job = decodeWarmUpJob(true);
    expect(job.valuesUnused).toBe(true);
    const r = runDecodeJob(job);
    expect(r.counts[2]).toBeGreaterThan(0);
    expect(r.slabV).toEqual(r.slabT);
  });
});
