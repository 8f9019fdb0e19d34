import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ENCODING_DECIMAL, ENCODING_XOR } from '../chunks/index.js';
import { compactBlocks, COMPACTED_SAMPLES_PER_CHUNK, persistHeadRange } from '../compact/index.js';
import { Head } from '../head/index.js';
import { Block } from './block.js';

const H = 3600_000;
const load = { __name__: 'node_load1', instance: 'a' };
const idle = { __name__: 'node_cpu_seconds_total', instance: 'a', mode: 'idle' };

describe('block format versions', () => {
  it('reads a version 1 block (XOR only) written by the earlier writer', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tsdb-v1-'));
    cpSync(new URL('./testdata/v1-block', import.meta.url), join(dir, 'b'), { recursive: true });
    const block = Block.open(join(dir, 'b'));
    expect(block.meta.version).toBe(1);
    const set = await block.querier(0, 2 * H).select([{ name: 'instance', type: '=', value: 'a' }], { start: 0, end: 2 * H });
    expect(set.series.map((s) => s.labels.__name__)).toEqual(['node_cpu_seconds_total', 'node_load1']);
    const [cpu, l1] = set.series;
    expect(cpu.timestamps.length).toBe(300);
    expect(cpu.values[299]).toBe(1000 + 299 * 14.93);
    expect(l1.values[10]).toBe(Math.round(10 * 7.3) / 100);
    expect(l1.stale![150]).toBe(1);
    expect(l1.stale![151]).toBe(0);
    rmSync(dir, { recursive: true });
  });

  it('writes version 2 blocks whose chunks take the decimal encoding where it is smaller', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tsdb-v2-'));
    const head = new Head();
    for (let i = 0; i < 480; i++) {
      head.append(load, i * 15_000, Math.round(i * 7.3) / 100);
      head.append({ __name__: 'pi' }, i * 15_000, Math.PI * i);
    }
    const block = Block.open(join(dir, persistHeadRange(head, dir, 0, 2 * H).ulid));
    expect(block.meta.version).toBe(2);
    expect(readFileSync(join(block.dir, 'chunks'))[4]).toBe(2);
    const encodings = (name: string): number[] => block.seriesChunks(block.series.findIndex((s) => s.labels.__name__ === name)).map((c) => c.encoding!);
    expect(new Set(encodings('node_load1'))).toEqual(new Set([ENCODING_DECIMAL]));
    expect(new Set(encodings('pi'))).toEqual(new Set([ENCODING_XOR]));
    rmSync(dir, { recursive: true });
  });

  it('re-encodes series into long chunks on compaction and keeps every sample', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tsdb-compact-'));
    const head = new Head();
    for (let i = 0; i < 1440; i++) {
      head.append(idle, i * 15_000, Math.round((1e5 + i * 14.93) * 100) / 100);
      head.append(load, i * 15_000, i === 700 ? 0 : Math.round(i * 7.3) / 100, i === 700);
    }
    const blocks = [0, 2, 4].map((h) => Block.open(join(dir, persistHeadRange(head, dir, h * H, (h + 2) * H).ulid)));
    const merged = Block.open(join(dir, compactBlocks(dir, blocks).ulid));
    expect(merged.meta.stats.numSamples).toBe(2880);
    for (let id = 0; id < 2; id++) expect(merged.seriesChunks(id).length).toBe(Math.ceil(1440 / COMPACTED_SAMPLES_PER_CHUNK));
    const set = await merged.querier(0, 6 * H).select([{ name: 'instance', type: '=', value: 'a' }], { start: 0, end: 6 * H });
    const [cpu, l1] = set.series;
    expect(Array.from(cpu.values).slice(0, 3)).toEqual([1e5, 100014.93, 100029.86]);
    expect(cpu.values[1439]).toBe(Math.round((1e5 + 1439 * 14.93) * 100) / 100);
    expect(l1.stale![700]).toBe(1);
    expect(l1.values[701]).toBe(Math.round(701 * 7.3) / 100);
    const sizeXorOnly = blocks.reduce((n, b) => n + b.sizeBytes(), 0);
    expect(merged.sizeBytes()).toBeLessThan(sizeXorOnly);
    rmSync(dir, { recursive: true });
  });
});
