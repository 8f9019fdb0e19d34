import { describe, expect, it } from 'vitest';
import { ArrivalInstants } from './arrival-instants.js';

describe('ArrivalInstants', () => {
  it('keeps instants sorted and once each, whatever order they are added in', () => {
    const q = new ArrivalInstants();
    for (const t of [500, 100, 300, 300, 900, 100, 700]) q.add(t);
    expect(q.values()).toEqual([100, 300, 500, 700, 900]);
    expect(q.peek()).toBe(100);
  });

  it('drops instants at or before a time and accepts earlier instants again after', () => {
    const q = new ArrivalInstants();
    for (let t = 1; t <= 3000; t++) q.add(t * 10);
    q.dropThrough(20_000);
    expect(q.size).toBe(1000);
    expect(q.peek()).toBe(20_010);
    q.add(15);
    expect(q.peek()).toBe(15);
    q.dropThrough(Number.POSITIVE_INFINITY);
    expect(q.peek()).toBeUndefined();
    expect(q.size).toBe(0);
  });
});
