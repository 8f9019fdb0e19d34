import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { limitHeapGrowth } from './heap-growth.js';

const MODULE = fileURLToPath(new URL('./heap-growth.ts', import.meta.url));

/**
 * A process that keeps ~60 MB of objects alive and churns objects that live long enough to be
 * promoted, as ingest does; prints the largest heap it saw, in bytes.
 */
function peakHeap(limit: boolean): number {
  const script = `
    import { limitHeapGrowth } from ${JSON.stringify(MODULE)};
    if (${limit}) limitHeapGrowth();
    const live = [];
    for (let i = 0; i < 600000; i++) live.push({ a: i, b: 'x' + i, c: [i, i] });
    let peak = 0;
    const recent = [];
    for (let r = 0; r < 6000; r++) {
      const batch = [];
      for (let j = 0; j < 1000; j++) batch.push({ r, j, s: [r, j, r + j] });
      recent.push(batch);
      if (recent.length > 100) recent.shift();
      if (r % 20 === 0) peak = Math.max(peak, process.memoryUsage().heapTotal);
    }
    process.stdout.write(String(peak + live.length * 0));
  `;
  return Number(execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8' }));
}

describe('limitHeapGrowth', () => {
  it('keeps a churning heap far smaller than V8 lets it grow by itself', () => {
    const unlimited = peakHeap(false);
    const limited = peakHeap(true);
    expect(limited).toBeGreaterThan(60e6);
    expect(limited).toBeLessThan(unlimited * 0.7);
  });

  it('keeps a heap growing factor given to node on its command line', () => {
    expect(limitHeapGrowth(['--heap-growing-percent=80'])).toBe(false);
    expect(limitHeapGrowth(['--heap_growing_percent=80'])).toBe(false);
  });
});
