import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Labels } from '../../../schemas/labels.js';
import { Wal, type WalReplayHandler } from './wal.js';

/** Keeps what a replay hands back. */
class Recorder implements WalReplayHandler {
  readonly seen: [number, Labels][] = [];
  readonly samples: [number, number, number, boolean][] = [];
  /** Samples whose ref no series record before them declared (a head would drop them). */
  readonly undeclared: [number, number][] = [];

  series(ref: number, labels: Labels): void {
    this.seen.push([ref, labels]);
  }

  sample(ref: number, t: number, v: number, stale: boolean): void {
    this.samples.push([ref, t, v, stale]);
    if (!this.seen.some(([r]) => r === ref)) this.undeclared.push([ref, t]);
  }

  deletion(): void {}
}

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('write-ahead log', () => {
  it('replays every sample it was given, with large refs, negative deltas, stale markers and odd values', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tidemark-wal-'));
    dirs.push(dir);
    const wal = Wal.open(dir, new Recorder());
    const written: [number, number, number, boolean][] = [
      [1, 1_700_000_000_000, 1.5, false],
      [2 ** 40, 1_699_999_999_000, -0, false],
      [127, 0, NaN, false],
      [128, -5_000, 0, true],
      [3, 2 ** 50, Number.MAX_VALUE, false],
      [16_383, -(2 ** 50), -Infinity, false],
    ];
    // Enough samples to outgrow the pending buffer several times.
    for (let i = 0; i < 20_000; i++) written.push([4 + (i % 300), 1_700_000_000_000 + i * 15_000 - (i % 7) * 999, i * 0.25, i % 97 === 0]);
    wal.series(5, { __name__: 'up', job: 'node' });
    for (const [ref, t, v, stale] of written) wal.sample(ref, t, v, stale);
    wal.close();

    const got = new Recorder();
    Wal.open(dir, got).close();
    expect(got.seen).toEqual([[5, { __name__: 'up', job: 'node' }]]);
    // Stale markers carry no value; every other value comes back bit for bit (NaN too).
    const valueless = ([ref, t, v, stale]: [number, number, number, boolean]) => [ref, t, stale ? null : v, stale];
    expect(got.samples.map(valueless)).toEqual(written.map(valueless));
    expect(Object.is(got.samples[1][2], -0)).toBe(true);
  });

  it('keeps every sample replayable when a process dies while starting a new segment', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tidemark-wal-'));
    dirs.push(dir);
    const labels = (ref: number): Labels => ({ __name__: 'up', instance: `i${ref}` });
    const live = [1, 2, 3].map((ref) => ({ ref, labels: labels(ref) }));
    const appendSteps = (wal: Wal, from: number, to: number): void => {
      for (let n = from; n < to; n++) for (const { ref } of live) wal.sample(ref, n * 1000, n, false);
      wal.flush();
    };
    let wal = Wal.open(dir, new Recorder());
    for (const s of live) wal.series(s.ref, s.labels);
    appendSteps(wal, 0, 10);
    // Steps 0-4 went into a block; the process dies halfway through the new segment's series dump.
    function* dumpCutOff(): Iterable<{ ref: number; labels: Labels }> {
      yield live[0];
      throw new Error('killed');
    }
    expect(() => wal.roll(dumpCutOff(), 5_000)).toThrow('killed');
    // A kill while the new segment is written leaves it under its temporary name.
    writeFileSync(join(dir, '00000002.tmp'), 'cut off');

    // The restarted process goes on and persists steps up to 14 to a block, which deletes the
    // segments holding only older samples.
    wal = Wal.open(dir, new Recorder());
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    appendSteps(wal, 10, 20);
    wal.roll(live, 15_000);
    wal.close();

    const got = new Recorder();
    Wal.open(dir, got).close();
    expect(got.undeclared).toEqual([]);
    const kept = got.samples.filter(([, t]) => t >= 15_000).map(([ref, t]) => [ref, t]);
    const want: number[][] = [];
    for (let n = 15; n < 20; n++) for (const { ref } of live) want.push([ref, n * 1000]);
    expect(kept).toEqual(want);
  });
  it('skips on replay the samples a later roll marks as in blocks, and keeps older ones logged after it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tidemark-wal-'));
    dirs.push(dir);
    const wal = Wal.open(dir, new Recorder());
    wal.series(1, { __name__: 'm' });
    wal.sample(1, 1000, 1, false);
    wal.sample(1, 5000, 5, false);
    wal.roll([{ ref: 1, labels: { __name__: 'm' } }], 4000);
    // Older than the marker but logged after it: not in any block yet.
    wal.sample(1, 2000, 2, false);
    wal.sample(1, 6000, 6, false);
    // A lower marker (an out-of-order sample older than the blocks is still in memory) does not
    // bring back what the earlier one covered.
    wal.roll([{ ref: 1, labels: { __name__: 'm' } }], 2000);
    wal.sample(1, 1500, 1.5, false);
    wal.close();
    const got = new Recorder();
    Wal.open(dir, got).close();
    expect(got.samples.map(([, t]) => t)).toEqual([5000, 2000, 6000, 1500]);
  });

  it('skips samples older than the given persisted time in segments that carry no marker', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tidemark-wal-'));
    dirs.push(dir);
    const wal = Wal.open(dir, new Recorder());
    wal.series(1, { __name__: 'm' });
    wal.sample(1, 1000, 1, false);
    wal.sample(1, 5000, 5, false);
    wal.close();
    // What a log written before markers existed looks like: a second segment without one.
    writeFileSync(join(dir, '00000002'), '');
    const got = Object.assign(new Recorder(), { persistedBefore: 4000 });
    Wal.open(dir, got).close();
    expect(got.samples.map(([, t]) => t)).toEqual([5000]);
  });
});
