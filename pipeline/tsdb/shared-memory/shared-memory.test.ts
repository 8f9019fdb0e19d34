import { describe, expect, it, vi } from 'vitest';
import { SharedMemoryBudget, sharedMemory } from './shared-memory.js';

describe('SharedMemoryBudget', () => {
  it('asks for a collection each time the shared bytes taken since the last one pass the budget', () => {
    let asked = 0;
    const b = new SharedMemoryBudget(100, () => asked++);
    b.take(60);
    expect(asked).toBe(0);
    b.take(40);
    expect(asked).toBe(1);
    b.take(99);
    expect(asked).toBe(1);
    b.take(1);
    expect(asked).toBe(2);
  });

  it('collects when asked and starts the count over', () => {
    let asked = 0;
    const b = new SharedMemoryBudget(100, () => asked++);
    b.take(90);
    b.collectNow();
    expect(asked).toBe(1);
    expect(b.collections).toBe(1);
    b.take(90);
    expect(asked).toBe(1);
  });

  it('allocates shared memory of the size asked and counts it', () => {
    let asked = 0;
    const b = new SharedMemoryBudget(1000, () => asked++);
    const buf = b.allocate(600);
    expect(buf).toBeInstanceOf(SharedArrayBuffer);
    expect(buf.byteLength).toBe(600);
    b.allocate(600);
    expect(asked).toBe(1);
  });

  it('collects through V8 in the process-wide budget without failing', () => {
    const b = sharedMemory();
    const before = b.collections;
    b.take(512 * 2 ** 20);
    expect(b.collections).toBe(before + 1);
  });

  it('collects once a thread that took enough stops taking, after its idle time', () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
    try {
      let asked = 0;
      const b = new SharedMemoryBudget(1000, () => asked++, { ms: 100, minBytes: 50 });
      b.take(30);
      vi.advanceTimersByTime(500);
      expect(asked).toBe(0); // too little taken to be worth a collection
      b.take(30);
      vi.advanceTimersByTime(60);
      b.take(10); // still taking: the idle time starts over
      vi.advanceTimersByTime(99);
      expect(asked).toBe(0);
      vi.advanceTimersByTime(1);
      expect(asked).toBe(1);
      expect(b.idleCollections).toBe(1);
      vi.advanceTimersByTime(1000);
      expect(asked).toBe(1); // once per burst
      b.take(60);
      vi.advanceTimersByTime(100);
      expect(asked).toBe(2);
    } finally {
      vi.useRealTimers();
    }
  });

  it('does not collect again when idle after the budget collected', () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
    try {
      let asked = 0;
      const b = new SharedMemoryBudget(100, () => asked++, { ms: 100, minBytes: 50 });
      b.take(60);
      b.take(40);
      expect(asked).toBe(1);
      vi.advanceTimersByTime(1000);
      expect(asked).toBe(1);
      expect(b.idleCollections).toBe(0);
    } finally {
      vi.useRealTimers();
    }
  });

  it('never collects for idleness without an idle setting', () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
    try {
      let asked = 0;
      const b = new SharedMemoryBudget(1000, () => asked++);
      b.take(900);
      vi.advanceTimersByTime(60_000);
      expect(asked).toBe(0);
    } finally {
      vi.useRealTimers();
    }
  });
});
