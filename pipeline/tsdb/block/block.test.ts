import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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
});
