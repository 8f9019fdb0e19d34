import { describe, expect, it } from 'vitest';
import { LoopTurns } from './loop-turns.js';

/** A piece of synchronous work long enough for a 1 ms timer to fall due meanwhile. */
function work(): void {
  const until = Date.now() + 2;
  while (Date.now() < until);
}

describe('LoopTurns', () => {
  it('grants turns in the order they were asked for', async () => {
    const turns = new LoopTurns();
    const order: number[] = [];
    await Promise.all([0, 1, 2, 3, 4].map(async (i) => {
      await turns.take();
      order.push(i);
    }));
    expect(order).toEqual([0, 1, 2, 3, 4]);
    expect(turns.queued).toBe(0);
  });

  it('lets a due timer run between any two turns, however many wait', async () => {
    const turns = new LoopTurns();
    const events: string[] = [];
    const pieces = Array.from({ length: 50 }, async (_, i) => {
      await turns.take();
      work();
      events.push(`piece ${i}`);
    });
    // Due after the first piece: the loop reaches its timers before it grants the next turn.
    setTimeout(() => events.push('timer'), 0);
    await Promise.all(pieces);
    const at = events.indexOf('timer');
    expect(at).toBeGreaterThanOrEqual(0);
    expect(at).toBeLessThan(5);
  });

  it('runs one piece per pass of the event loop, where setImmediate alone would run them all in one', async () => {
    const turns = new LoopTurns();
    let passes = 0;
    let counting = true;
    const count = (): void => {
      passes++;
      if (counting) setTimeout(count, 0);
    };
    setTimeout(count, 0);
    await Promise.all(Array.from({ length: 20 }, async () => {
      await turns.take();
      work();
    }));
    counting = false;
    expect(passes).toBeGreaterThanOrEqual(15);
  });
});
