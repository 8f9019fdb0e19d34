import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Engine } from '../promql/index.js';
import { runPromqlTestFiles } from '../promql/promqltest/index.js';
import { queryConfigSchema } from './config.js';
import { queryEngineOptions } from './query-engine.js';
import { tsdbTestStorage } from './tsdb-test-storage.js';

const dir = mkdtempSync(join(tmpdir(), 'tsdb-test-storage-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function run(text: string, query = queryConfigSchema.parse({})): Promise<{ summary: Awaited<ReturnType<typeof runPromqlTestFiles>>; lines: string[] }> {
  const file = join(dir, `case-${Math.random().toString(36).slice(2)}.test`);
  writeFileSync(file, text);
  const lines: string[] = [];
  const summary = await runPromqlTestFiles([file], (l) => lines.push(l), { storage: tsdbTestStorage({ query, partitions: 4 }), engine: new Engine(queryEngineOptions(query)) });
  return { summary, lines };
}

describe('promqltest on TSDB shards', () => {
  it('reads series spread over every shard back as one merged answer', async () => {
    const series = Array.from({ length: 16 }, (_, i) => `  m{i="${i}"} 0+${i}x5`).join('\n');
    const { summary, lines } = await run(`load 1m\n${series}\n\neval instant at 5m sum(m)\n  {} 600\n\neval instant at 5m count(m)\n  {} 16\n`);
    expect(lines.filter((l) => l.startsWith('FAIL'))).toEqual([]);
    expect(summary.passed).toBe(2);
  });

  it('takes a later load that goes back in time within a series', async () => {
    const { summary, lines } = await run('load 1m\n  m _ _ 3 4\n\nload 1m\n  m 1 2\n\neval instant at 1m m\n  m 2\n\neval range from 0 to 3m step 1m m\n  m 1 2 3 4\n');
    expect(lines.filter((l) => l.startsWith('FAIL') || l.startsWith('LOAD-ERROR'))).toEqual([]);
    expect(summary.passed).toBe(2);
  });

  it('evaluates across blocks cut from the head and the head itself', async () => {
    // 10 hours at 1h: flushing the load cuts 2 h blocks until the head spans under 3 h.
    const { summary, lines } = await run('load 1h\n  m 0+1x10\n\neval range from 0 to 10h step 1h m\n  m 0+1x10\n\neval instant at 10h increase(m[10h])\n  {} 10\n');
    expect(lines.filter((l) => l.startsWith('FAIL'))).toEqual([]);
    expect(summary.passed).toBe(2);
  });

  it('takes a later load older than a block already cut, as the out-of-order head does', async () => {
    const { summary, lines } = await run('load 1h\n  m 0+1x10\n\nload 1m\n  n 1\n  m 0 0.5\n\neval instant at 0 n\n  n 1\n\neval instant at 1m m\n  m 0.5\n');
    expect(lines.filter((l) => l.startsWith('FAIL') || l.startsWith('LOAD-ERROR'))).toEqual([]);
    expect(summary.passed).toBe(2);
  });

  it('reports a sample the TSDB refuses (another value at a stored timestamp) as a load error instead of dropping it', async () => {
    const { summary, lines } = await run('load 1m\n  n 2\n\nload 1m\n  n 1\n\neval instant at 0 n\n  n 2\n');
    expect(summary.loadErrors).toHaveLength(1);
    expect(summary.loadErrors[0]).toMatch(/refused \{__name__="n"\} at 0ms/);
    expect(lines.some((l) => l.startsWith('LOAD-ERROR'))).toBe(true);
    // The larger value stays, whichever was loaded first.
    expect(summary.passed).toBe(1);
  });

  it("applies the query API's series limit to what the engine selects", async () => {
    const { summary, lines } = await run('load 1m\n  m{i="1"} 1\n  m{i="2"} 2\n\neval instant at 0 m\n  m{i="1"} 1\n  m{i="2"} 2\n', queryConfigSchema.parse({ max_series: 1 }));
    expect(summary.failed).toBe(1);
    expect(lines.find((l) => l.startsWith('FAIL'))).toContain('more than 1 series (max_series)');
  });

  it('keeps the later of two lines for the same series in one load block', async () => {
    const { summary } = await run('load 1m\n  m 1 2\n  m 5 6\n\neval instant at 1m m\n  m 6\n');
    expect(summary.passed).toBe(1);
  });
});
