import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { persistHeadRange } from '../compact/index.js';
import { CorruptionError } from '../errors.js';
import { Head } from '../head/index.js';
import { MergeQuerier } from '../merge-querier.js';
import { querierContract } from '../querier.contract.js';
import { Block } from './block.js';

const H = 3600_000;

function headWith(data: Parameters<Parameters<typeof querierContract>[1]>[0]): Head {
  const head = new Head();
  for (const s of data) {
    const ref = head.ref(s.labels);
    for (let i = 0; i < s.timestamps.length; i++) head.appendRef(ref, s.timestamps[i], s.values[i], s.stale.includes(i));
  }
  return head;
}

querierContract('blocks (head written as 2 h blocks, merged)', async (data) => {
  const dir = mkdtempSync(join(tmpdir(), 'tsdb-block-'));
  const head = headWith(data);
  const blocks: Block[] = [];
  for (let t = 0; t <= head.maxT; t += 2 * H) blocks.push(Block.open(join(dir, persistHeadRange(head, dir, t, t + 2 * H).ulid)));
  return {
    queryable: { querier: (mint, maxt) => new MergeQuerier(blocks.map((b) => b.querier(mint, maxt))) },
    close: async () => rmSync(dir, { recursive: true, force: true }),
  };
});

querierContract('one block', async (data) => {
  const dir = mkdtempSync(join(tmpdir(), 'tsdb-block-'));
  const head = headWith(data);
  const block = Block.open(join(dir, persistHeadRange(head, dir, 0, 100 * H).ulid));
  return { queryable: block, close: async () => rmSync(dir, { recursive: true, force: true }) };
});

querierContract('head merged with overlapping blocks', async (data) => {
  const dir = mkdtempSync(join(tmpdir(), 'tsdb-block-'));
  const head = headWith(data);
  const block = Block.open(join(dir, persistHeadRange(head, dir, 0, 2 * H).ulid));
  return {
    queryable: { querier: (mint, maxt) => new MergeQuerier([block.querier(mint, maxt), head.querier(mint, maxt)]) },
    close: async () => rmSync(dir, { recursive: true, force: true }),
  };
});

describe('block', () => {
  function oneBlock(): { dir: string; block: Block } {
    const dir = mkdtempSync(join(tmpdir(), 'tsdb-block-'));
    const head = new Head();
    for (let i = 0; i < 500; i++) head.append({ __name__: 'm', i: String(i % 5) }, i * 15_000, i);
    const meta = persistHeadRange(head, dir, 0, 2 * H);
    return { dir, block: Block.open(join(dir, meta.ulid)) };
  }

  it('records series, chunk and sample counts in meta.json', () => {
    const { dir, block } = oneBlock();
    expect(block.meta.stats).toEqual({ numSeries: 5, numChunks: 5, numSamples: 480 });
    expect([block.minTime, block.maxTime]).toEqual([0, 2 * H]);
    rmSync(dir, { recursive: true });
  });

  it('detects a flipped byte in the chunks file by its checksum', async () => {
    const { dir, block } = oneBlock();
    const file = join(block.dir, 'chunks');
    const bytes = readFileSync(file);
    bytes[20] ^= 0xff;
    writeFileSync(file, bytes);
    const reopened = Block.open(block.dir);
    await expect(reopened.querier(0, 2 * H).select([{ name: '__name__', type: '=', value: 'm' }], { start: 0, end: 2 * H })).rejects.toBeInstanceOf(CorruptionError);
    rmSync(dir, { recursive: true });
  });

  /** The reference of the first chunk of the series with label i="<i>". */
  function firstChunkRef(block: Block, i: string): number {
    return block.series.find((s) => s.labels.i === i)!.chunkMeta[2];
  }

  it('fails a read that reaches a damaged chunk with an error naming the chunks file and the chunk offset', async () => {
    const { dir, block } = oneBlock();
    const file = join(block.dir, 'chunks');
    const ref = firstChunkRef(block, '3');
    const bytes = readFileSync(file);
    // A byte inside the chunk (past its length field and encoding byte).
    bytes[ref + 5] ^= 0x01;
    writeFileSync(file, bytes);
    const reopened = Block.open(block.dir);
    const err = await reopened
      .querier(0, 2 * H)
      .select([{ name: 'i', type: '=', value: '3' }], { start: 0, end: 2 * H })
      .then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(CorruptionError);
    expect((err as CorruptionError).file).toBe(file);
    expect((err as CorruptionError).offset).toBe(ref);
    expect((err as CorruptionError).message).toContain(block.id);
    expect((err as CorruptionError).message).toContain('checksum');
    rmSync(dir, { recursive: true });
  });

  it('reads the intact series of a block that has a damaged chunk', async () => {
    const { dir, block } = oneBlock();
    const want = await block.querier(0, 2 * H).select([{ name: 'i', type: '=', value: '1' }], { start: 0, end: 2 * H });
    const file = join(block.dir, 'chunks');
    const bytes = readFileSync(file);
    bytes[firstChunkRef(block, '3') + 5] ^= 0x01;
    writeFileSync(file, bytes);
    const got = await Block.open(block.dir).querier(0, 2 * H).select([{ name: 'i', type: '=', value: '1' }], { start: 0, end: 2 * H });
    expect(got.series.length).toBe(1);
    expect(Array.from(got.series[0].values)).toEqual(Array.from(want.series[0].values));
    rmSync(dir, { recursive: true });
  });

  it('fails a read of a chunk cut off by the end of a truncated chunks file', async () => {
    const { dir, block } = oneBlock();
    const file = join(block.dir, 'chunks');
    const last = Math.max(...block.series.map((s) => s.chunkMeta[2]));
    writeFileSync(file, readFileSync(file).subarray(0, last + 10));
    const reopened = Block.open(block.dir);
    const id = block.series.findIndex((s) => s.chunkMeta[2] === last);
    expect(() => reopened.seriesChunks(id)).toThrow(/truncated chunk/);
    rmSync(dir, { recursive: true });
  });

  it('refuses to open an index with a corrupted series section', () => {
    const { dir, block } = oneBlock();
    const file = join(block.dir, 'index');
    const bytes = readFileSync(file);
    bytes[Math.floor(bytes.length / 2)] ^= 0x55;
    writeFileSync(file, bytes);
    expect(() => Block.open(block.dir)).toThrow(CorruptionError);
    rmSync(dir, { recursive: true });
  });

  it('hides samples covered by a tombstone, durably across reopen', async () => {
    const { dir, block } = oneBlock();
    block.addTombstone({ matchers: [{ name: 'i', type: '=', value: '0' }], mint: 0, maxt: 3600_000 });
    const again = Block.open(block.dir);
    const set = await again.querier(0, 2 * H).select([{ name: 'i', type: '=~', value: '0|1' }], { start: 0, end: 2 * H });
    expect(set.series[0].timestamps[0]).toBeGreaterThan(3600_000);
    expect(set.series[1].timestamps[0]).toBe(15_000);
    rmSync(dir, { recursive: true });
  });

  it('counts the bytes of its index, chunks, meta.json and tombstones, including tombstones written after it was first asked', () => {
    const { dir, block } = oneBlock();
    const onDisk = (): number => ['index', 'chunks', 'meta.json', 'tombstones.json'].reduce((n, f) => n + (statSync(join(block.dir, f), { throwIfNoEntry: false })?.size ?? 0), 0);
    expect(block.sizeBytes()).toBe(onDisk());
    block.addTombstone({ matchers: [{ name: 'i', type: '=', value: '0' }], mint: 0, maxt: 3600_000 });
    expect(block.sizeBytes()).toBe(onDisk());
    expect(onDisk()).toBeGreaterThan(readFileSync(join(block.dir, 'index')).length + readFileSync(join(block.dir, 'chunks')).length + readFileSync(join(block.dir, 'meta.json')).length);
    rmSync(dir, { recursive: true });
  });
});
