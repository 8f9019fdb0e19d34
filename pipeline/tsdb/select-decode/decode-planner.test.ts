import { describe, expect, it } from 'vitest';
import { Head } from '../head/index.js';
import { OP_CHUNK, OP_SIZE, SERIES_HEADER } from './decode-job.js';
import { DecodePlanner } from './decode-planner.js';

describe('decode planner', () => {
  it("refers to a head series' closed chunks where they lie and copies only its open chunk", () => {
    const head = new Head({ chunkRangeMs: 3600_000 });
    const ref = head.ref({ __name__: 'm' });
    // 1 h at 15 s: two closed chunks of 120 samples and an open one of 60.
    for (let step = 0; step < 300; step++) head.appendRef(ref, step * 15_000, step * 1.5);
    const s = head.series(ref)!;
    expect(s.chunkCount).toBe(2);

    const plan = new DecodePlanner(0, 3600_000, false);
    plan.beginSeries(s.sampleBound(0, 3600_000));
    s.collect(plan, 0, 3600_000);
    expect(plan.endSeries()).toBe(true);
    const job = plan.jobs(1).jobs[0];

    const chunks: { source: number; at: number; length: number }[] = [];
    for (let i = SERIES_HEADER; i < job.ops.length; i += OP_SIZE) {
      if (job.ops[i] === OP_CHUNK) chunks.push({ source: job.ops[i + 2], at: job.ops[i + 3], length: job.ops[i + 4] });
    }
    expect(chunks).toHaveLength(3);
    for (let i = 0; i < 2; i++) {
      const { source, at, length } = chunks[i];
      expect(source).toBeGreaterThan(0);
      expect(Array.from(new Uint8Array(job.sources[source], at, length))).toEqual(Array.from(s.chunkBytes(i)));
    }
    // Source 0 holds the copies: the open chunk alone, its written bytes (not its buffer's room to grow).
    expect(chunks[2].source).toBe(0);
    expect(job.sources[0].byteLength).toBe(chunks[2].length);
    expect(chunks[2].length).toBe((s.app!.bitLength + 7) >>> 3);
  });

  it('keeps loose samples in shared memory that every job of the select refers to, past the size it was told', () => {
    const head = new Head({ chunkRangeMs: 3600_000 });
    const refs = [0, 1, 2].map((i) => head.ref({ __name__: 'm', i: String(i) }));
    for (const ref of refs) {
      for (let step = 0; step < 100; step++) head.appendRef(ref, 600_000 + step * 15_000, step);
      // Out of order, behind the in-order samples: loose samples of the series.
      for (let step = 0; step < 30; step++) head.appendRef(ref, step * 15_000 + 1, -step);
    }
    const loose = refs.reduce((n, ref) => n + head.series(ref)!.looseSampleCount, 0);
    expect(loose).toBe(90);
    // Told fewer than there are: the columns grow.
    const plan = new DecodePlanner(0, 3600_000, false, { looseSamples: 40, series: refs.length });
    for (const ref of refs) {
      const s = head.series(ref)!;
      plan.beginSeries(s.sampleBound(0, 3600_000));
      s.collect(plan, 0, 3600_000);
      expect(plan.endSeries()).toBe(true);
    }
    const { jobs } = plan.jobs(3);
    expect(jobs).toHaveLength(3);
    for (const job of jobs) {
      expect(job.looseT.buffer).toBeInstanceOf(SharedArrayBuffer);
      expect(job.looseT.buffer).toBe(jobs[0].looseT.buffer);
      expect(Array.from(job.looseV)).toEqual([0, 1, 2].flatMap(() => Array.from({ length: 30 }, (_, step) => -step)));
    }
    expect(Array.from(jobs[0].looseT.subarray(0, 3))).toEqual([1, 15_001, 30_001]);
  });
});
