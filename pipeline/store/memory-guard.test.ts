import { describe, expect, it } from 'vitest';
import { MemoryGuard } from './memory-guard.js';

describe('MemoryGuard', () => {
  it('signals pressure above the bound and relief only below 90 % of it', () => {
    let heap = 50;
    const events: boolean[] = [];
    const g = new MemoryGuard(100, 1000, (pressed) => events.push(pressed), () => heap);
    expect(g.check()).toBe(false);
    heap = 101;
    expect(g.check()).toBe(true);
    heap = 95; // under the bound, above the hysteresis line: stays paused
    expect(g.check()).toBe(true);
    heap = 89;
    expect(g.check()).toBe(false);
    expect(events).toEqual([true, false]);
  });

  it('never signals when the bound is 0 (disabled)', () => {
    const events: boolean[] = [];
    const g = new MemoryGuard(0, 1000, (pressed) => events.push(pressed), () => Number.MAX_SAFE_INTEGER);
    expect(g.check()).toBe(false);
    expect(events).toEqual([]);
  });
});
