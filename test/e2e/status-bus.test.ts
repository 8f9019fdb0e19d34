import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCli, waitFor, type RunningCli } from './cli-process.js';

interface BusStatusAnswer {
  status: string;
  warnings?: string[];
  data: {
    type: string;
    topics: { name: string; records: number; partitions: { partition: number; low: number; high: number }[] }[];
    groups: {
      group: string;
      topic: string;
      members: number | null;
      lag: number;
      durableLag: number;
      partitions: { partition: number; committed: number; applied: number; high: number; lag: number; durableLag: number; member: string | null }[];
    }[];
  };
}

async function busStatus(url: string): Promise<BusStatusAnswer> {
  const res = await fetch(`${url}/api/v1/status/bus`);
  expect(res.status).toBe(200);
  return (await res.json()) as BusStatusAnswer;
}

describe('/api/v1/status/bus of tidemark up (embedded bus)', () => {
  let dir: string;
  let up: RunningCli;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tidemark-status-bus-'));
    await writeFile(join(dir, 'tidemark.yml'), 'bus: { partitions: 3 }\nstore: { flush_interval_ms: 100 }\n');
    up = await startCli(['up', '--config', join(dir, 'tidemark.yml'), '--data', join(dir, 'data')]);
  }, 60_000);

  afterAll(async () => {
    await up?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('lists the topics with their partitions and the consumer groups with committed and applied offsets and lag per partition', async () => {
    const now = Date.now();
    const lines = Array.from({ length: 30 }, (_, i) => `bus_status_probe,host=h${i} v=${i} ${now}`).join('\n');
    expect((await fetch(`${up.url}/write?precision=ms`, { method: 'POST', body: lines })).status).toBe(204);

    // The store commits what is durable and reports what it applied: wait until it has applied every record.
    const s = await waitFor(async () => {
      const b = await busStatus(up.url);
      const store = b.data.groups.find((g) => g.group === 'store' && g.topic === 'tidemark.samples');
      return store !== undefined && store.lag === 0 && store.partitions.some((p) => p.applied > 0) ? b : undefined;
    });
    expect(s.status).toBe('success');
    expect(s.warnings).toBeUndefined();
    expect(s.data.type).toBe('embedded');
    expect(s.data.topics.map((t) => t.name)).toEqual(['tidemark.aggregates', 'tidemark.alerts', 'tidemark.deadletter', 'tidemark.exemplars', 'tidemark.metadata', 'tidemark.samples']);
    const samples = s.data.topics.find((t) => t.name === 'tidemark.samples')!;
    expect(samples.partitions.map((p) => p.partition)).toEqual([0, 1, 2]);
    expect(samples.records).toBe(samples.partitions.reduce((n, p) => n + p.high - p.low, 0));
    expect(samples.records).toBeGreaterThan(0);

    const pairs = s.data.groups.map((g) => `${g.group} ${g.topic}`);
    expect(pairs).toEqual(expect.arrayContaining(['store tidemark.samples', 'store.aggregates tidemark.aggregates', 'rules tidemark.samples']));
    const store = s.data.groups.find((g) => g.group === 'store' && g.topic === 'tidemark.samples')!;
    // One process holds every partition: one member, named on each partition.
    expect(store.members).toBe(1);
    expect(new Set(store.partitions.map((p) => p.member)).size).toBe(1);
    expect(store.partitions.map((p) => p.member)).not.toContain(null);
    // lag counts from what the store applied; durableLag from its committed (durable) offset,
    // which with store.wal bus stays at the first record whose samples are not in a block yet.
    for (const p of store.partitions) {
      expect(p.high).toBe(samples.partitions[p.partition].high);
      if (p.committed >= 0) {
        expect(p.applied).toBe(p.high);
        expect(p.lag).toBe(0);
        expect(p.committed).toBeLessThanOrEqual(p.applied);
        expect(p.durableLag).toBe(p.high - p.committed);
      }
    }
    expect(store.durableLag).toBe(store.partitions.reduce((n, p) => n + p.durableLag, 0));
    expect(store.partitions.filter((p) => p.committed >= 0).length).toBeGreaterThan(0);
  });
});
