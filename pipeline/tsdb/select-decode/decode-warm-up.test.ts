import { describe, expect, it } from 'vitest';
import { SampleBuffer } from '../chunks/index.js';
import { OP_CHUNK, OP_CHUNK_FROM, OP_DROP, OP_MARK, OP_SAMPLES, OP_SIZE, RESULT_SIZE, runDecodeJob, SERIES_HEADER, SUMMARY, type DecodeJob } from './decode-job.js';
import { decodeWarmUpJob, decodeWarmUpJobs } from './decode-warm-up.js';

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
      const ops = job.ops[p + 1];
      let chunks = 0;
      for (let k = 0; k < ops; k++) if (job.ops[p + SERIES_HEADER + OP_SIZE * k] === OP_CHUNK) chunks++;
      p += SERIES_HEADER + OP_SIZE * ops;
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

  it('runs every op a select\'s job has, from several sources, with and without values: block marks, chunks, tombstones, an open chunk from a resume point, loose samples', () => {
    for (const job of [decodeWarmUpJob(), decodeWarmUpJob(true)]) {
      const kinds = new Set<number>();
      const sources = new Set<number>();
      forEachOp(job, (op) => {
        kinds.add(job.ops[op]);
        if (job.ops[op] === OP_CHUNK) sources.add(job.ops[op + 2]);
      });
      expect([...kinds].sort()).toEqual([OP_CHUNK, OP_SAMPLES, OP_MARK, OP_DROP, OP_CHUNK_FROM].sort());
      expect(sources.size).toBeGreaterThan(1);
      expect(job.sources.length).toBeGreaterThan(2);
    }
  });

  it('drops the samples a tombstone covers, and reads an open chunk from its resume point on', () => {
    const job = decodeWarmUpJob();
    // The same job with its tombstones left out (each OP_DROP made a mark, which drops nothing),
    // writing to slabs of its own.
    const whole = { ...job, ops: job.ops.slice(), slabs: [] };
    forEachOp(whole, (op) => {
      if (whole.ops[op] === OP_DROP) whole.ops.fill(0, op, op + OP_SIZE).fill(OP_MARK, op, op + 1);
    });
    const r = runDecodeJob(job);
    const all = runDecodeJob(whole);
    const [from, to] = job.intervals;
    const inside = (res: typeof r, i: number): Float64Array => {
      const [slab, at, count] = res.counts.subarray(RESULT_SIZE * i, RESULT_SIZE * i + 3);
      return new Float64Array(res.slabT[slab], at * 8, count);
    };
    let dropped = 0;
    let tombstoned = 0;
    let open = 0;
    for (let i = 0, p = 0; i < job.seriesCount; i++) {
      const n = job.ops[p + 1];
      const ops = Array.from({ length: n }, (_, k) => p + SERIES_HEADER + OP_SIZE * k);
      p += SERIES_HEADER + OP_SIZE * n;
      const ts = inside(r, i);
      if (ops.some((op) => job.ops[op] === OP_DROP)) {
        dropped += ts.filter((t) => t >= from && t <= to).length;
        tombstoned += inside(all, i).filter((t) => t >= from && t <= to).length;
      }
      const resume = ops.find((op) => job.ops[op] === OP_CHUNK_FROM);
      if (resume === undefined) continue;
      // The open chunk's samples from the point's previous one on (where decoding resumes) are in
      // the series, the one before is not.
      const [, src, pointAt, byteOffset, byteLength] = job.ops.subarray(resume, resume + OP_SIZE);
      const first = new Float64Array(job.sources[src], pointAt, 1)[0];
      const chunk = new SampleBuffer(0);
      chunk.pushChunk(new Uint8Array(job.sources[src], byteOffset, byteLength), -Infinity, Infinity);
      const chunkT = chunk.take(0).timestamps;
      const series = new Set(ts);
      expect(series.has(chunkT[first - 2])).toBe(false);
      expect(chunkT.subarray(first - 1).every((t) => series.has(t))).toBe(true);
      open++;
    }
    expect(tombstoned).toBeGreaterThan(0);
    expect(dropped).toBe(0);
    expect(open).toBeGreaterThan(0);
  });

  it('warms a thread up with jobs with values, for presence and without values, then the first two again and a job of no series that starts compiling the job loop', () => {
    const jobs = decodeWarmUpJobs();
    expect(jobs.map((j) => j.valuesUnused)).toEqual([false, true, true, false, true, true]);
    expect(jobs.map((j) => j.presenceLookback !== undefined)).toEqual([false, true, false, false, true, false]);
    expect(jobs.slice(0, 5).every((j) => j.seriesCount > 0)).toBe(true);
    const last = jobs[jobs.length - 1];
    expect(last.seriesCount).toBe(0);
    // The same properties as the others: code compiled for another object shape is thrown away.
    expect(Object.keys(last)).toEqual(Object.keys(jobs[0]));
    expect(runDecodeJob(last).counts.length).toBe(0);
  });

  it('makes a job without values too, which decodes timestamps only', () => {
    const job = decodeWarmUpJob(true);
    expect(job.valuesUnused).toBe(true);
    const r = runDecodeJob(job);
    expect(r.counts[2]).toBeGreaterThan(0);
    expect(r.slabV).toEqual(r.slabT);
  });

  it('makes a presence job whose series are summed up where they can be and written in full where a missed scrape or a marker forbids', () => {
    const job = decodeWarmUpJob(true, 5 * 60_000);
    const r = runDecodeJob(job);
    const slabs: number[] = [];
    for (let k = 0; k < r.counts.length; k += RESULT_SIZE) slabs.push(r.counts[k]);
    expect(slabs.filter((s) => s === SUMMARY).length).toBeGreaterThan(0);
    expect(slabs.filter((s) => s >= 0).length).toBeGreaterThan(0);
  });
});

function forEachOp(job: DecodeJob, f: (op: number) => void): void {
  for (let i = 0, p = 0; i < job.seriesCount; i++) {
    const n = job.ops[p + 1];
    for (let k = 0; k < n; k++) f(p + SERIES_HEADER + OP_SIZE * k);
    p += SERIES_HEADER + OP_SIZE * n;
  }
}
