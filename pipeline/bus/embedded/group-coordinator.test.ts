import { describe, expect, it } from 'vitest';
import { GroupCoordinator, type GroupMember } from './group-coordinator.js';

/** A recording member: logs every revoke and assign, holds what it was given. */
function member(name: string, log: string[]): GroupMember {
  let held: number[] = [];
  return {
    assignment: () => [...held],
    revoke: async (ps) => {
      if (ps.length === 0) return;
      await new Promise((r) => setTimeout(r, 5));
      held = held.filter((p) => !ps.includes(p));
      log.push(`${name} -${ps.join(',')}`);
    },
    assign: async (ps) => {
      if (ps.length === 0) return;
      held = [...held, ...ps].sort((a, b) => a - b);
      log.push(`${name} +${ps.join(',')}`);
    },
  };
}

describe('GroupCoordinator', () => {
  it('splits partitions round robin in join order and revokes before it reassigns', async () => {
    const log: string[] = [];
    const c = new GroupCoordinator();
    const a = member('a', log);
    const b = member('b', log);
    await c.join('g', 't', 5, a);
    expect(a.assignment()).toEqual([0, 1, 2, 3, 4]);
    await c.join('g', 't', 5, b);
    expect(a.assignment()).toEqual([0, 2, 4]);
    expect(b.assignment()).toEqual([1, 3]);
    expect(log).toEqual(['a +0,1,2,3,4', 'a -1,3', 'b +1,3']);
    await c.leave('g', 't', a);
    expect(a.assignment()).toEqual([]);
    expect(b.assignment()).toEqual([0, 1, 2, 3, 4]);
    expect(log.slice(3)).toEqual(['a -0,2,4', 'b +0,2,4']);
    expect(c.hasMembers('g', 't')).toBe(true);
    await c.leave('g', 't', b);
    expect(c.hasMembers('g', 't')).toBe(false);
  });

  it('keeps groups of different names or topics apart', async () => {
    const log: string[] = [];
    const c = new GroupCoordinator();
    const a = member('a', log);
    const b = member('b', log);
    const d = member('d', log);
    await Promise.all([c.join('g', 't', 2, a), c.join('h', 't', 2, b), c.join('g', 'u', 2, d)]);
    expect([a.assignment(), b.assignment(), d.assignment()]).toEqual([
      [0, 1],
      [0, 1],
      [0, 1],
    ]);
  });
});
