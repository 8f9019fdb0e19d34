import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FloatHistogram } from '../../../schemas/native-histogram/index.js';
import { Block } from '../block/index.js';
import { ENCODING_MIXED, ENCODING_STARTS, SAMPLES_PER_CHUNK } from '../chunks/index.js';
import { Head } from '../head/index.js';
import type { Querier } from '../querier.js';
import { persistHeadRange } from './head-to-block.js';
import { PreparedHeadRange } from './prepared-head-range.js';
import { temporaryDirectory } from '../../../test/harness/temporary-directory.js';

const H = 3600_000;
const tmp = (): string => temporaryDirectory('head-to-block-');

const all = [{ name: '__name__', type: '=~' as const, value: '.+' }];

/** Every sample of every series in [mint, maxt) as `name t:value` (`stale`, `h<count>`, `@<start>`). */
async function samples(q: Querier, mint: number, maxt: number): Promise<string[]> {
  const set = await q.select(all, { start: mint, end: maxt - 1 });
  await q.close();
  return set.series.flatMap((s) =>
    Array.from(s.timestamps, (t, i) => {
      const h = s.histograms?.[i];
      const v = h != null ? `h${h.count}` : s.stale?.[i] === 1 ? 'stale' : String(s.values[i]);
      const st = s.startTimestamps?.[i] ?? 0;
      return `${s.labels.__name__} ${t}:${v}${st === 0 ? '' : `@${st}`}`;
    }),
  );
}

function hist(count: number): FloatHistogram {
  return new FloatHistogram({ schema: 0, count, sum: count, positiveSpans: [{ offset: 0, length: 1 }], positiveBuckets: [count] });
}

/** 6 h at 15 s of a counter with a staleness marker in each 2 h range. */
function floatHead(): Head {
  const head = new Head({ chunkRangeMs: 2 * H });
  for (let i = 0; i < 1440; i++) head.append({ __name__: 'c' }, i * 15_000, i % 480 === 300 ? 0 : Math.round(i * 14.93 * 100) / 100, i % 480 === 300);
  return head;
}

function cut(head: Head, mint: number, maxt: number, prepared?: PreparedHeadRange): Block {
  const dir = tmp();
  return Block.open(join(dir, persistHeadRange(head, dir, mint, maxt, { chunks: 'long', prepared }).ulid));
}

describe('cutting a head range into a block', () => {
  it('writes a series of more than 120 samples in one long chunk within the range, with the same samples and staleness markers', async () => {
    const head = floatHead();
    const block = cut(head, 2 * H, 4 * H);
    const chunks = block.seriesChunks(0);
    expect(chunks.length).toBe(1);
    expect(chunks[0].minT).toBe(2 * H);
    expect(chunks[0].maxT).toBe(4 * H - 15_000);
    expect(block.meta.stats.numSamples).toBe(480);
    const back = await samples(block.querier(2 * H, 4 * H), 2 * H, 4 * H);
    expect(back).toEqual(await samples(head.querier(2 * H, 4 * H), 2 * H, 4 * H));
    expect(back).toContain(`c ${(480 + 300) * 15_000}:stale`);
  });

  it('copies the head\'s own chunks when asked to (a snapshot of the whole head), with the same samples', async () => {
    const head = floatHead();
    const dir = tmp();
    const block = Block.open(join(dir, persistHeadRange(head, dir, 0, 6 * H, { chunks: 'head' }).ulid));
    expect(block.seriesChunks(0).length).toBe(1440 / SAMPLES_PER_CHUNK);
    expect(await samples(block.querier(0, 6 * H), 0, 6 * H)).toEqual(await samples(head.querier(0, 6 * H), 0, 6 * H));
  });

  it('writes native histograms and start timestamps in long mixed chunks and returns them exactly', async () => {
    const head = new Head({ chunkRangeMs: 2 * H });
    for (let i = 0; i < 480; i++) {
      if (i % 3 === 0) head.appendHistogram({ __name__: 'h' }, i * 15_000, hist(i), i === 0 ? 1 : 0);
      else head.append({ __name__: 'h' }, i * 15_000, i);
      head.append({ __name__: 's' }, i * 15_000, i, false, i < 240 ? 1000 : 240 * 15_000);
    }
    const block = cut(head, 0, 2 * H);
    const encodings = (name: string): number[] => block.seriesChunks(block.series.findIndex((s) => s.labels.__name__ === name)).map((c) => c.encoding!);
    expect(encodings('h')).toEqual([ENCODING_MIXED]);
    expect(encodings('s')).toEqual([ENCODING_STARTS]);
    const back = await samples(block.querier(0, 2 * H), 0, 2 * H);
    expect(back.length).toBe(960);
    expect(back).toEqual(await samples(head.querier(0, 2 * H), 0, 2 * H));
    expect(back).toContain('h 0:h0@1');
    expect(back).toContain(`s ${239 * 15_000}:239@1000`);
  });

  it('merges out-of-order samples into the long chunks', async () => {
    const head = floatHead();
    head.append({ __name__: 'c' }, 2 * H + 7_500, 42);
    const block = cut(head, 2 * H, 4 * H);
    expect(block.seriesChunks(0).length).toBe(1);
    const back = await samples(block.querier(2 * H, 4 * H), 2 * H, 4 * H);
    expect(back).toContain(`c ${2 * H + 7_500}:42`);
    expect(back).toEqual(await samples(head.querier(2 * H, 4 * H), 2 * H, 4 * H));
  });

  it('writes a series that fits in one head chunk as that chunk', () => {
    const head = new Head({ chunkRangeMs: 2 * H });
    for (let i = 0; i < SAMPLES_PER_CHUNK; i++) head.append({ __name__: 'g' }, i * 60_000, i / 4);
    const block = cut(head, 0, 2 * H);
    const chunks = block.seriesChunks(0);
    expect(chunks.length).toBe(1);
    expect(Buffer.from(chunks[0].bytes)).toEqual(Buffer.from(head.series(head.ref({ __name__: 'g' }))!.openChunkBest()!.bytes));
    expect(block.meta.stats.numSamples).toBe(SAMPLES_PER_CHUNK);
  });
});

describe('a head range prepared before its cut', () => {
  it('gives the cut the same block as encoding at the cut', async () => {
    const head = floatHead();
    const prepared = await PreparedHeadRange.prepare(head, 2 * H, 4 * H, async () => undefined);
    expect(prepared.size).toBe(1);
    const a = cut(head, 2 * H, 4 * H, prepared);
    const b = cut(head, 2 * H, 4 * H);
    expect(a.seriesChunks(0)).toEqual(b.seriesChunks(0));
  });

  it('is not taken for a series that got an out-of-order sample in range after it was prepared', async () => {
    const head = floatHead();
    const prepared = await PreparedHeadRange.prepare(head, 2 * H, 4 * H, async () => undefined);
    head.append({ __name__: 'c' }, 2 * H + 7_500, 42);
    const back = await samples(cut(head, 2 * H, 4 * H, prepared).querier(2 * H, 4 * H), 2 * H, 4 * H);
    expect(back).toContain(`c ${2 * H + 7_500}:42`);
    expect(back.length).toBe(481);
  });

  it('is not taken for a series whose samples in range were deleted after it was prepared', async () => {
    const head = floatHead();
    const prepared = await PreparedHeadRange.prepare(head, 2 * H, 4 * H, async () => undefined);
    head.deleteSeries(all, 3 * H, 3 * H + 60_000);
    const back = await samples(cut(head, 2 * H, 4 * H, prepared).querier(2 * H, 4 * H), 2 * H, 4 * H);
    expect(back.length).toBe(475);
    expect(back).not.toContain(`c ${3 * H}:${Math.round(720 * 14.93 * 100) / 100}`);
  });

  it('is not taken for a series whose open chunk in range got samples after it was prepared', async () => {
    const head = new Head({ chunkRangeMs: 2 * H });
    for (let i = 0; i < 300; i++) head.append({ __name__: 'q' }, i * 15_000, i);
    const prepared = await PreparedHeadRange.prepare(head, 0, 2 * H, async () => undefined);
    expect(prepared.size).toBe(1);
    head.append({ __name__: 'q' }, 300 * 15_000, 300);
    const block = cut(head, 0, 2 * H, prepared);
    expect(block.meta.stats.numSamples).toBe(301);
  });

  it('takes turns between slices and leaves series added meanwhile to the cut', async () => {
    const head = new Head({ chunkRangeMs: 2 * H });
    for (let n = 0; n < 400; n++) for (let i = 0; i < 500; i++) head.append({ __name__: 'm', n: String(n) }, i * 15_000, Math.sin(i * n));
    let turns = 0;
    const prepared = await PreparedHeadRange.prepare(
      head,
      0,
      2 * H,
      async () => {
        if (turns++ === 0) for (let i = 0; i < 480; i++) head.append({ __name__: 'late' }, i * 15_000, i);
      },
      0,
    );
    // Slices of 0 ms hold one series each: a turn between every two of the 400.
    expect(turns).toBeGreaterThanOrEqual(399);
    expect(prepared.size).toBe(400);
    const block = cut(head, 0, 2 * H, prepared);
    expect(block.meta.stats.numSeries).toBe(401);
    expect(block.meta.stats.numChunks).toBe(401);
    expect(block.meta.stats.numSamples).toBe(400 * 480 + 480);
    expect(await samples(block.querier(0, 2 * H), 0, 2 * H)).toEqual(await samples(head.querier(0, 2 * H), 0, 2 * H));
  });
});
