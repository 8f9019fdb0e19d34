import { describe, expect, it } from 'vitest';
import { Watermark } from './watermark.js';

describe('Watermark', () => {
  it('is the minimum over partitions of their newest sample, minus the allowed lateness', () => {
    const w = new Watermark({ allowedLatenessMs: 2000, idleTimeoutMs: 10_000 });
    w.assign([0, 1], 0);
    w.observe(0, 50_000, 10);
    expect(w.current(10)).toBe(Number.NEGATIVE_INFINITY);
    w.observe(1, 30_000, 20);
    expect(w.current(20)).toBe(28_000);
    w.observe(1, 60_000, 30);
    expect(w.current(30)).toBe(48_000);
  });

  it('gives the same value for any interleaving of the same per-partition batches', () => {
    const batches = [[0, 10_000], [0, 20_000], [0, 30_000], [1, 15_000], [1, 25_000], [2, 40_000]] as const;
    const orders = [[0, 1, 2, 3, 4, 5], [3, 4, 5, 0, 1, 2], [5, 3, 0, 4, 1, 2], [0, 3, 5, 1, 4, 2]];
    const values = orders.map((o) => {
      const w = new Watermark({ allowedLatenessMs: 0, idleTimeoutMs: 10_000 });
      w.assign([0, 1, 2], 0);
      for (const i of o) w.observe(batches[i]![0], batches[i]![1], 1);
      return w.current(1);
    });
    expect(new Set(values)).toEqual(new Set([25_000]));
  });

  it('stops counting a partition that has been silent for the idle timeout', () => {
    const w = new Watermark({ allowedLatenessMs: 0, idleTimeoutMs: 1000 });
    w.assign([0, 1], 0);
    w.observe(0, 5_000, 0);
    w.observe(1, 1_000, 0);
    w.observe(0, 9_000, 900);
    expect(w.current(900)).toBe(1_000);
    expect(w.nextIdleAt(900)).toBe(1000);
    expect(w.current(1000)).toBe(9_000);
    // Partition 1 comes back: it holds the watermark again, which never moves backwards.
    w.observe(1, 2_000, 1100);
    expect(w.current(1100)).toBe(9_000);
  });

  it('holds the watermark for an assigned partition that has not delivered until it goes idle', () => {
    const w = new Watermark({ allowedLatenessMs: 0, idleTimeoutMs: 500 });
    w.assign([0, 1], 0);
    w.observe(0, 7_000, 100);
    expect(w.current(400)).toBe(Number.NEGATIVE_INFINITY);
    expect(w.current(500)).toBe(7_000);
  });

  it('follows the wall clock when every partition is idle', () => {
    const w = new Watermark({ allowedLatenessMs: 100, idleTimeoutMs: 500 });
    w.assign([0], 0);
    w.observe(0, 1_000, 0);
    expect(w.anyActive(499)).toBe(true);
    expect(w.current(10_000)).toBe(10_000 - 500 - 100);
    expect(w.anyActive(10_000)).toBe(false);
  });

  it('holds still while no partition is assigned', () => {
    const w = new Watermark({ allowedLatenessMs: 0, idleTimeoutMs: 3000 });
    expect(w.current(100_000)).toBe(Number.NEGATIVE_INFINITY);
    expect(w.anyActive(100_000)).toBe(true);
    w.assign([0], 100_000);
    expect(w.current(103_000)).toBe(100_000);
  });
});

describe('Watermark with producer promises', () => {
  const promise = (producer: string, watermarkMs: number, idle = false) => ({ producer, source: 'test', watermarkMs, lagMs: 50, idle });

  it('moves a partition without data as soon as its producers have moved on', () => {
    const w = new Watermark({ allowedLatenessMs: 1000, idleTimeoutMs: 10_000 });
    w.assign([0, 1, 2], 0);
    // One busy series on partition 0; partitions 1 and 2 get only the producer's promises.
    w.observe(0, 5_000, 10);
    for (const p of [0, 1, 2]) w.promise(p, promise('ingest', 5_200), 20);
    expect(w.current(20)).toBe(5_200);
    for (const p of [0, 1, 2]) w.promise(p, promise('ingest', 6_000), 30);
    expect(w.current(30)).toBe(6_000);
  });

  it('is the minimum over the live producers of a partition', () => {
    const w = new Watermark({ allowedLatenessMs: 0, idleTimeoutMs: 10_000 });
    w.assign([0], 0);
    w.promise(0, promise('a', 9_000), 1);
    w.promise(0, promise('b', 4_000), 1);
    expect(w.current(1)).toBe(4_000);
    w.promise(0, promise('b', 12_000), 2);
    expect(w.current(2)).toBe(9_000);
  });

  it('lets an idle producer follow the clock minus its lag', () => {
    const w = new Watermark({ allowedLatenessMs: 0, idleTimeoutMs: 10_000 });
    w.assign([0], 0);
    w.promise(0, promise('a', 1_000, true), 1_000);
    expect(w.current(1_000)).toBe(1_000);
    expect(w.current(3_000)).toBe(2_950);
    expect(w.reachesAt(4_000, 3_000)).toBe(4_050);
    // Writing again, the producer holds the partition at its new promise.
    w.promise(0, promise('a', 3_500), 3_600);
    expect(w.current(3_700)).toBe(3_500);
    // Without more records only the fallback moves it: the producer dropped at 13,600, then the
    // quiet stream's wall clock (now − idle timeout) reaching 4,000.
    expect(w.reachesAt(4_000, 3_700)).toBe(14_000);
  });

  it('drops a producer that stopped promising after the idle timeout', () => {
    const w = new Watermark({ allowedLatenessMs: 0, idleTimeoutMs: 1_000 });
    w.assign([0, 1], 0);
    w.promise(0, promise('crashed', 2_000), 100);
    w.promise(1, promise('crashed', 2_000), 100);
    w.promise(0, promise('alive', 8_000, true), 100);
    w.promise(1, promise('alive', 8_000, true), 100);
    expect(w.current(1_000)).toBe(2_000);
    expect(w.reachesAt(5_000, 1_000)).toBe(1_100);
    // The crashed producer is gone; the idle one now sets the pace.
    expect(w.current(1_100)).toBe(8_000);
    expect(w.producersOf(0, 1_100)).toBe(1);
  });

  it('never goes back when a partition turns to producers behind it', () => {
    const w = new Watermark({ allowedLatenessMs: 0, idleTimeoutMs: 10_000 });
    w.assign([0], 0);
    w.promise(0, promise('a', 9_000), 1);
    expect(w.current(1)).toBe(9_000);
    w.promise(0, promise('b', 3_000), 2);
    expect(w.current(2)).toBe(9_000);
  });

  it('ignores a promise lower than one the same producer made before', () => {
    const w = new Watermark({ allowedLatenessMs: 0, idleTimeoutMs: 10_000 });
    w.assign([0], 0);
    w.promise(0, promise('a', 9_000), 1);
    w.promise(0, promise('a', 7_000), 2);
    w.promise(0, promise('b', 10_000), 2);
    expect(w.current(2)).toBe(9_000);
  });

  it('keeps an idle producer at its promise while the partition is still being read (a replay)', () => {
    const w = new Watermark({ allowedLatenessMs: 0, idleTimeoutMs: 10_000 });
    w.assign([0], 0);
    w.promise(0, promise('a', 1_000, true), 100);
    w.readTo(0, false);
    expect(w.current(900_000)).toBe(1_000);
    w.readTo(0, true);
    expect(w.current(900_000)).toBe(900_000 - 50);
  });
});

