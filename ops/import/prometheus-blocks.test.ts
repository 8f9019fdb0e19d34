import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { blockSeries, findBlocks } from './prometheus-blocks.js';

const dir = mkdtempSync(join(tmpdir(), 'prometheus-blocks-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Blocks written by Prometheus' own promtool from an OpenMetrics text. */
function promtoolBlocks(name: string, text: string): string {
  const file = join(dir, `${name}.om`);
  writeFileSync(file, text);
  const out = join(dir, name);
  execFileSync('/usr/bin/promtool', ['tsdb', 'create-blocks-from', 'openmetrics', file, out], { stdio: 'ignore' });
  return out;
}

describe('Prometheus blocks', () => {
  it('give back every sample promtool wrote, whatever the XOR encoding had to do with it', () => {
    const t0 = 1_764_000_000_000;
    // Timestamp steps that need each delta-of-delta width (0, 14, 17, 20 and 64 bits) and values
    // that need each XOR case (same value, same window, new window, all 64 bits).
    const steps = [15_000, 15_000, 15_001, 14_000, 80_000, 15_000, 600_000, 15_000, 3_000_000, 1, 15_000];
    const valuesOf: Record<string, (i: number) => number> = {
      ints: (i) => i * 3,
      same: () => 42,
      fractions: (i) => Math.sin(i / 7) * 1.5,
      wild: (i) => (i % 2 === 0 ? 1 : -1) * 10 ** ((i % 40) - 20) * (1 + i / 1000),
      special: (i) => [0, -0, Infinity, -Infinity, NaN, Number.MAX_VALUE, Number.MIN_VALUE, 1e-300][i % 8],
    };
    const expected: Record<string, { timestamps: number[]; values: number[] }> = {};
    const lines = ['# TYPE x gauge'];
    for (const [kind, f] of Object.entries(valuesOf)) {
      const e = (expected[kind] = { timestamps: [] as number[], values: [] as number[] });
      let t = t0;
      for (let i = 0; i < 300; i++) {
        const v = f(i);
        e.timestamps.push(t);
        e.values.push(v);
        lines.push(`x{kind="${kind}"} ${Number.isNaN(v) ? 'NaN' : v === Infinity ? '+Inf' : v === -Infinity ? '-Inf' : Object.is(v, -0) ? '-0' : v} ${t / 1000}`);
        t += steps[i % steps.length];
      }
    }
    const out = promtoolBlocks('xor', [...lines, '# EOF'].join('\n') + '\n');
    const got: Record<string, { timestamps: number[]; values: number[] }> = {};
    for (const block of findBlocks(out)) {
      for (const s of blockSeries(block)) {
        const g = (got[s.labels.kind] ??= { timestamps: [], values: [] });
        g.timestamps.push(...s.timestamps);
        g.values.push(...s.values);
      }
    }
    expect(Object.keys(got).sort()).toEqual(Object.keys(expected).sort());
    for (const kind of Object.keys(expected)) {
      expect(got[kind].timestamps, kind).toEqual(expected[kind].timestamps);
      expect(got[kind].values, kind).toEqual(expected[kind].values);
    }
  });

  it('are found in a data directory oldest first, and a directory without any is refused', () => {
    const out = promtoolBlocks('two', ['# TYPE y gauge', 'y 1 1764000000', 'y 2 1764020000', '# EOF'].join('\n') + '\n');
    const blocks = findBlocks(out);
    expect(blocks.length).toBeGreaterThan(1);
    expect(blocks.map((b) => b.meta.minTime)).toEqual([...blocks.map((b) => b.meta.minTime)].sort((a, b) => a - b));
    expect(findBlocks(blocks[0].dir)).toEqual([blocks[0]]);
    expect(() => findBlocks(dir)).toThrow(/no Prometheus block here/);
  });
});
