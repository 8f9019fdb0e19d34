import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { FloatHistogram } from '../../schemas/native-histogram/index.js';
import { Block } from '../tsdb/block/index.js';
import { persistHeadRange } from '../tsdb/compact/index.js';
import { Head } from '../tsdb/head/index.js';
import { querierContract, type ContractSeries } from '../tsdb/querier.contract.js';
import { MergeQuerier, Tsdb, type LabelMatcher, type Querier, type SelectHints, type Series, type SeriesSet } from '../tsdb/index.js';
import { SelectWrappingQuerier } from '../tsdb/select-wrapping-querier.js';
import { TsdbQuerier } from '../tsdb/tsdb-querier.js';
import { SelectSlabPool, SLAB_BYTES } from '../tsdb/shared-memory/index.js';
import { decodedSeries, DecodePool, OP_CHUNK, OP_SIZE, SERIES_HEADER } from '../tsdb/select-decode/index.js';
import { encodeSelectChunks, PlannedSelects, SelectChunksReader } from './select-chunks-wire.js';

const H = 3600_000;

/** Every job to the workers, cut into parts of a sample or more. */
const workers = new DecodePool({ size: 2, inPlaceBelow: 0, minPart: 1 });
/** Every job on the calling thread. */
const inPlace = new DecodePool({ size: 1, inPlaceBelow: Infinity });
afterAll(async () => {
  await workers.close();
  await inPlace.close();
});

/** The answer's bytes handed to a reader `piece` bytes at a time, as they may arrive. */
function read(answer: Buffer, piece: number): ReturnType<SelectChunksReader['finish']> {
  const reader = new SelectChunksReader();
  for (let at = 0; at < answer.length; at += piece) reader.push(new Uint8Array(answer.subarray(at, at + piece)));
  return reader.finish();
}

/**
 * A select as a store answers it in chunks and a query role decodes it: planned by `inner`,
 * encoded, read back in pieces and decoded by `pool`. Series that could not be planned are
 * returned beside the decoded ones (a store sends such a select decoded instead).
 */
class OverTheWire extends SelectWrappingQuerier {
  constructor(
    inner: Querier,
    private readonly pool: DecodePool,
    private readonly piece: number,
  ) {
    super(inner);
  }

  async select(matchers: readonly LabelMatcher[], hints: SelectHints): Promise<SeriesSet> {
    if (hints.labelsOnly === true) return this.inner.select(matchers, hints);
    const plans = new PlannedSelects();
    const set = await this.inner.select(matchers, { ...hints, plans });
    const answer = read(encodeSelectChunks(plans, hints.timestampsOnly === true, set.warnings), this.piece);
    const { results, first } = await this.pool.decodeJob(answer.job, hints.slabs);
    const series = decodedSeries(results, first, answer.labels).filter((s): s is Series => s !== null);
    return { series: [...series, ...set.series], warnings: answer.warnings };
  }
}

function headWith(data: readonly ContractSeries[], head = new Head()): Head {
  for (const s of data) {
    const ref = head.ref(s.labels);
    for (let i = 0; i < s.timestamps.length; i++) head.appendRef(ref, s.timestamps[i], s.values[i], s.stale.includes(i));
  }
  return head;
}

for (const [name, pool, piece] of [['decoded by workers', workers, 7], ['decoded in place', inPlace, 1 << 16]] as const) {
  querierContract(`blocks and the head sent as chunks, ${name}`, async (data) => {
    const dir = mkdtempSync(join(tmpdir(), 'select-chunks-'));
    const head = headWith(data);
    const blocks = [0, 2 * H].map((t) => Block.open(join(dir, persistHeadRange(head, dir, t, t + 2 * H).ulid)));
    head.truncate(4 * H);
    return {
      queryable: { querier: (mint, maxt) => new OverTheWire(new TsdbQuerier(blocks, head, mint, maxt), pool, piece) },
      close: async () => rmSync(dir, { recursive: true, force: true }),
    };
  });
}

/** Columns as plain arrays (NaN and -0 kept apart by toEqual through Object.is on each value). */
function plain(series: readonly Series[], withValues: boolean): unknown[] {
  return series.map((s) => ({
    labels: s.labels,
    t: Array.from(s.timestamps),
    v: withValues ? Array.from(s.values, (v) => (Object.is(v, -0) ? '-0' : v)) : null,
    s: s.stale === null ? null : Array.from(s.stale),
  }));
}

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
async function tsdb(): Promise<Tsdb> {
  const d = mkdtempSync(join(tmpdir(), 'select-chunks-db-'));
  dirs.push(d);
  return Tsdb.open(d, { retentionMs: 0 });
}

describe('select chunks wire encoding', () => {
  it('sends blocks, tombstones, out-of-order samples, open head chunks and a series two shards hold, decoded as the store would decode them', async () => {
    const a = await tsdb();
    const b = await tsdb();
    const special = [NaN, Infinity, -Infinity, -0, 5e-324, 1e308];
    for (let t = 0; t < 6 * H; t += 15_000) {
      for (let i = 0; i < 12; i++) a.append({ __name__: 'm', i: String(i) }, t, i === 3 ? special[(t / 15_000) % 6] : t / 1000 + i, i === 5 && t % H === 0);
      // The same series in both shards, at timestamps between each other's.
      a.append({ __name__: 'm', i: 'both' }, t, 1);
      b.append({ __name__: 'm', i: 'both' }, t + 7_000, 2);
      b.append({ __name__: 'm', i: `b${t % 2}` }, t, -t);
    }
    await a.flush();
    await b.flush();
    expect(a.listBlocks().length).toBeGreaterThan(1);
    // Tombstones in the blocks, samples older than the head's (out of order) and more in the open head chunks.
    await a.deleteSeries([{ type: '=~', name: 'i', value: '1|2' }], H, 2 * H);
    for (let t = 6 * H; t < 6 * H + 10 * 15_000; t += 15_000) a.append({ __name__: 'm', i: '0' }, t, t);
    for (let t = 2 * H + 5_000; t < 2 * H + 60_000; t += 15_000) a.append({ __name__: 'm', i: '4' }, t, -1);

    const m: LabelMatcher[] = [{ type: '=', name: '__name__', value: 'm' }];
    for (const [start, end] of [[0, 7 * H], [H + 1, 3 * H - 1], [6 * H, 7 * H]]) {
      for (const timestampsOnly of [false, true]) {
        const local = () => new MergeQuerier([a.querier(start, end), b.querier(start, end)]);
        const want = await local().select(m, { start, end, timestampsOnly });
        for (const [pool, piece] of [[workers, 13], [inPlace, 1 << 20]] as const) {
          const got = await new OverTheWire(local(), pool, piece).select(m, { start, end, timestampsOnly });
          expect(plain(got.series, !timestampsOnly)).toEqual(plain(want.series, !timestampsOnly));
          if (timestampsOnly) expect(got.series.filter((s) => s.values !== s.timestamps).map((s) => [s.labels.i, pool === workers])).toEqual([]);
        }
      }
    }
    await a.close();
    await b.close();
  });

  it('leaves series with native histograms or start timestamps out of the plans, returned decoded', async () => {
    const db = await tsdb();
    const h = new FloatHistogram({ schema: 0, count: 2, sum: 1, positiveSpans: [{ offset: 0, length: 1 }], positiveBuckets: [2] });
    db.append({ __name__: 'm', k: 'float' }, 1000, 1);
    db.appendHistogram({ __name__: 'm', k: 'hist' }, 1000, h);
    db.append({ __name__: 'm', k: 'start' }, 1000, 1, false, 500);
    const plans = new PlannedSelects();
    const set = await db.querier(0, 2000).select([{ type: '=', name: '__name__', value: 'm' }], { start: 0, end: 2000, plans });
    expect(set.series.map((s) => s.labels.k)).toEqual(['hist', 'start']);
    expect(plans.parts.flatMap((p) => p.labels.map((l) => l.k))).toEqual(['float']);
    await db.close();
  });

  it('gives the query pooled slabs back when its lease is released', async () => {
    const db = await tsdb();
    for (let t = 0; t < 3 * H; t += 15_000) for (let i = 0; i < 40; i++) db.append({ __name__: 'm', i: String(i) }, t, i);
    await db.flush();
    const slabs = new SelectSlabPool(16 * SLAB_BYTES);
    for (const pool of [workers, inPlace]) {
      const lease = slabs.lease();
      const set = await new OverTheWire(db.querier(0, 3 * H), pool, 1 << 20).select([{ type: '=', name: '__name__', value: 'm' }], { start: 0, end: 3 * H, slabs: lease });
      expect(set.series.length).toBe(40);
      expect(slabs.stats.freeBytes).toBeLessThan(slabs.stats.pooledBytes);
      lease.release();
      expect(slabs.stats.pooledBytes).toBeGreaterThan(0);
      expect(slabs.stats.freeBytes).toBe(slabs.stats.pooledBytes);
    }
    await db.close();
  });

  describe('refuses a malformed answer with a precise TypeError', () => {
    const one = async (): Promise<Buffer> => {
      const db = await tsdb();
      for (let t = 0; t < 10 * 15_000; t += 15_000) db.append({ __name__: 'm' }, t, t);
      const plans = new PlannedSelects();
      await db.querier(0, H).select([{ type: '=', name: '__name__', value: 'm' }], { start: 0, end: H, plans });
      await db.close();
      return encodeSelectChunks(plans, false, []);
    };
    /** A copy to change, in memory of its own (float64 views of it stay aligned). */
    const copy = (b: Buffer): Buffer => {
      const c = Buffer.allocUnsafeSlow(b.length);
      b.copy(c);
      return c;
    };
    /** Where the op stream starts in an answer (after the frame). */
    const opsAt = (b: Buffer): number => (8 + b.readUInt32LE(4) + 7) & ~7;

    it('that does not start with the magic, or ends early', async () => {
      const good = await one();
      const bad = copy(good);
      bad.write('XXXX', 0);
      expect(() => read(bad, 1 << 20)).toThrow('select chunks answer does not start with TMK1');
      expect(() => read(good.subarray(0, 6), 1 << 20)).toThrow('select chunks answer ended in its preamble (6 bytes)');
      expect(() => read(good.subarray(0, 20), 1 << 20)).toThrow(/select chunks answer ended in its header/);
      expect(() => read(good.subarray(0, good.length - 1), 3)).toThrow(`select chunks answer ended at data byte ${good.length - 1 - opsAt(good)} of ${good.length - opsAt(good)}`);
      expect(() => read(Buffer.concat([good, Buffer.alloc(1)]), 1 << 20)).toThrow(/runs past the \d+ data bytes its header describes/);
    });

    it('whose ops name a chunk outside the answer, an unknown op, or more series than it holds', async () => {
      const good = await one();
      const at = opsAt(good);
      const ops = (b: Buffer): Float64Array => new Float64Array(b.buffer, b.byteOffset + at, SERIES_HEADER + OP_SIZE);
      expect(ops(good)[SERIES_HEADER]).toBe(OP_CHUNK);
      const far = copy(good);
      ops(far)[SERIES_HEADER + 4] = 1e6;
      expect(() => read(far, 1 << 20)).toThrow(/select chunks op stream: a chunk outside the answer's chunk bytes \(source 0, 1000000 bytes at \d+\) at number 2/);
      const unknown = copy(good);
      ops(unknown)[SERIES_HEADER] = 9;
      expect(() => read(unknown, 1 << 20)).toThrow('select chunks op stream: unknown op 9 at number 2');
      const many = copy(good);
      ops(many)[1] = 5;
      expect(() => read(many, 1 << 20)).toThrow("select chunks op stream: series 0's 5 ops run past the end of the stream at number 0");
    });
  });
});
