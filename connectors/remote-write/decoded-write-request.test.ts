import { describe, expect, it } from 'vitest';
import { DecodedWriteRequest } from './decoded-write-request.js';

describe('DecodedWriteRequest', () => {
  it('keeps samples, staleness and start timestamps in request-wide columns past their first size, series by offsets', () => {
    const req = new DecodedWriteRequest(0);
    for (let i = 0; i < 150; i++) req.addSample(1_000 + i, i / 2, i === 149);
    req.setStartTimestamp(3, 999);
    req.addSeries({ __name__: 'long' }, undefined);
    req.addSeries({ __name__: 'empty' }, undefined);
    for (let i = 0; i < 100; i++) req.addSample(5_000 + i, -i, i === 0);
    req.addSeries({ __name__: 'bad' }, { message: 'empty label name' });

    expect(req.seriesCount).toBe(3);
    expect(req.samples).toBe(250);
    expect(Array.from(req.offsets.subarray(0, 4))).toEqual([0, 150, 150, 250]);
    expect(req.stale).toEqual([149, 150]);
    expect(req.startTimestamps?.[3]).toBe(999);

    const [long, empty, bad] = req.allSeries();
    expect(long.timestamps).toEqual(Array.from({ length: 150 }, (_, i) => 1_000 + i));
    expect(long.values[149]).toBe(74.5);
    expect(long.stale).toEqual([149]);
    expect(long.startTimestamps?.slice(2, 5)).toEqual([0, 999, 0]);
    expect(empty).toEqual({ labels: { __name__: 'empty' }, timestamps: [], values: [], stale: [], invalid: undefined });
    expect(bad.stale).toEqual([0]);
    expect(bad.values[99]).toBe(-99);
    expect(bad.invalid).toEqual({ message: 'empty label name' });
    expect(bad.startTimestamps).toBeUndefined();
  });

  it('counts exemplars and histograms and keeps them by the series they belong to', () => {
    const req = new DecodedWriteRequest();
    for (let i = 0; i < 100; i++) req.addSeries({ __name__: 'plain' }, undefined); // past the offsets' first size
    expect(req.offsets[100]).toBe(0);
    req.addExemplar(100, { labels: { trace_id: 'a' }, value: 1, timestampMs: 5 });
    req.addExemplar(100, { labels: { trace_id: 'b' }, value: 2, timestampMs: 6 });
    req.addSeries({ __name__: 'rich' }, undefined);
    expect(req.exemplars).toBe(2);
    expect(req.seriesAt(0).exemplars).toBeUndefined();
    expect(req.seriesAt(100).exemplars?.map((e) => e.labels.trace_id)).toEqual(['a', 'b']);
  });

  it('counts only the series added, and keeps series past the labels list it was first sized for', () => {
    const req = new DecodedWriteRequest(64 * 200); // sized for 200 series
    expect(req.seriesCount).toBe(0);
    expect(req.allSeries()).toEqual([]);
    for (let i = 0; i < 500; i++) {
      req.addSample(i, i, false);
      req.addSeries({ __name__: `s${i}` }, undefined);
    }
    expect(req.seriesCount).toBe(500);
    const all = req.allSeries();
    expect(all).toHaveLength(500);
    expect(all.map((s) => s.labels.__name__)).toEqual(Array.from({ length: 500 }, (_, i) => `s${i}`));
    expect(all[499].values).toEqual([499]);
  });
});
