import { describe, expect, it } from 'vitest';
import { PromqlTimeoutError } from '../promql/index.js';
import { QueryGate } from './query-gate.js';

const never = new AbortController().signal;

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => { resolve = r; });
  return { promise, resolve };
}

describe('QueryGate', () => {
  it('runs at most its limit at once and the rest in arrival order', async () => {
    const gate = new QueryGate(2);
    const started: number[] = [];
    const holds = [deferred(), deferred(), deferred(), deferred()];
    const runs = holds.map((h, i) => gate.run(Date.now() + 60_000, never, async () => { started.push(i); await h.promise; return i; }));
    await new Promise((r) => setImmediate(r));
    expect(started).toEqual([0, 1]);
    expect(gate.queued).toBe(2);
    holds[1]!.resolve();
    await runs[1];
    await new Promise((r) => setImmediate(r));
    expect(started).toEqual([0, 1, 2]);
    for (const h of holds) h.resolve();
    expect(await Promise.all(runs)).toEqual([0, 1, 2, 3]);
    expect(gate.queued).toBe(0);
  });

  it('gives up waiting at the deadline with a timeout, and the slot stays usable', async () => {
    const gate = new QueryGate(1);
    const hold = deferred();
    const first = gate.run(Date.now() + 60_000, never, () => hold.promise);
    await expect(gate.run(Date.now() + 20, never, async () => 'late')).rejects.toBeInstanceOf(PromqlTimeoutError);
    expect(gate.queued).toBe(0);
    hold.resolve();
    await first;
    expect(await gate.run(Date.now() + 60_000, never, async () => 'next')).toBe('next');
  });

  it('leaves the queue when the client goes away', async () => {
    const gate = new QueryGate(1);
    const hold = deferred();
    const first = gate.run(Date.now() + 60_000, never, () => hold.promise);
    const ac = new AbortController();
    const waiting = gate.run(Date.now() + 60_000, ac.signal, async () => 'never');
    ac.abort(new Error('client closed the connection'));
    await expect(waiting).rejects.toBeInstanceOf(PromqlTimeoutError);
    expect(gate.queued).toBe(0);
    hold.resolve();
    await first;
  });
});
