import { describe, expect, it } from 'vitest';
import type { BatchResult } from './import-sender.js';
import { RequestWindow } from './request-window.js';

/** A request whose answer the test gives when it likes. */
function request(): { result: Promise<BatchResult>; answer: (samples: number) => void; fail: (err: Error) => void } {
  let answer!: (samples: number) => void;
  let fail!: (err: Error) => void;
  const result = new Promise<BatchResult>((resolve, reject) => {
    answer = (samples) => resolve({ samples, bad: [], unlisted: 0 });
    fail = reject;
  });
  return { result, answer, fail };
}

const tick = () => new Promise((r) => setImmediate(r));

describe('RequestWindow', () => {
  it('keeps up to its limit in flight, and settles them in the order sent whatever order they are answered in', async () => {
    const settled: number[] = [];
    const window = new RequestWindow(2);
    const [a, b, c] = [request(), request(), request()];
    for (const [i, r] of [a, b].entries()) {
      expect(await window.room()).toBe(true);
      window.add(r.result, async (res) => (settled.push(i, res.samples), true));
    }
    let roomForThird = false;
    const third = window.room().then((ok) => (roomForThird = ok));
    b.answer(20);
    await tick();
    expect(roomForThird).toBe(false);
    expect(settled).toEqual([]);
    a.answer(10);
    await third;
    expect(roomForThird).toBe(true);
    expect(settled).toEqual([0, 10]);
    window.add(c.result, async (res) => (settled.push(2, res.samples), true));
    c.answer(30);
    expect(await window.drain()).toBe(true);
    expect(settled).toEqual([0, 10, 1, 20, 2, 30]);
  });

  it('throws the failure of a request once the newer ones are answered, without settling them', async () => {
    const settled: number[] = [];
    const stoppedBefore: number[] = [];
    const window = new RequestWindow(3, (r) => stoppedBefore.push(r.samples));
    const [a, b, c] = [request(), request(), request()];
    for (const [i, r] of [a, b, c].entries()) window.add(r.result, async () => (settled.push(i), true));
    a.answer(1);
    b.fail(new Error('refused'));
    let failure: unknown;
    const drained = window.drain().catch((err: unknown) => (failure = err));
    await tick();
    expect(failure).toBeUndefined();
    c.answer(3);
    await drained;
    expect((failure as Error).message).toBe('refused');
    expect(settled).toEqual([0]);
    expect(stoppedBefore).toEqual([3]);
  });

  it('stops when a request settles to stop, counting the newer answers apart', async () => {
    const stoppedBefore: number[] = [];
    const window = new RequestWindow(2, (r) => stoppedBefore.push(r.samples));
    const [a, b] = [request(), request()];
    window.add(a.result, async () => false);
    window.add(b.result, async () => true);
    a.answer(1);
    b.answer(2);
    expect(await window.room()).toBe(false);
    expect(stoppedBefore).toEqual([2]);
    expect(await window.drain()).toBe(true);
  });

  it('refuses a limit below one request', () => {
    expect(() => new RequestWindow(0)).toThrow(RangeError);
  });
});
