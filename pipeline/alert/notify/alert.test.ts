import { describe, expect, it } from 'vitest';

import { compareAlerts, isResolvedAt, mergeAlerts, putOver, type Alert } from './alert.js';

const A = (labels: Record<string, string>, o: Partial<Alert> = {}): Alert => ({
  fingerprint: JSON.stringify(labels), labels, annotations: {}, startsAt: 100, endsAt: 1000, generatorURL: '', updatedAt: 100, timeout: false, ...o,
});

describe('alert merge (types.Alert.Merge)', () => {
  it('keeps the earliest start and lets the younger alert win otherwise', () => {
    const old = A({ a: '1' }, { startsAt: 50, endsAt: 900, updatedAt: 10, annotations: { v: 'old' } });
    const young = A({ a: '1' }, { startsAt: 80, endsAt: 800, updatedAt: 20, annotations: { v: 'new' }, timeout: true });
    const m = mergeAlerts(old, young, 60);
    expect(m).toMatchObject({ startsAt: 50, endsAt: 900, annotations: { v: 'new' } });
    // Argument order does not matter: the younger one is always the base.
    expect(mergeAlerts(young, old, 60)).toEqual(m);
  });

  it('does not let a timeout endsAt of the older alert extend the younger one', () => {
    const old = A({ a: '1' }, { endsAt: 900, updatedAt: 10, timeout: true });
    const young = A({ a: '1' }, { endsAt: 500, updatedAt: 20 });
    expect(mergeAlerts(old, young, 60).endsAt).toBe(500);
  });

  it('takes the later explicit resolution when both are resolved', () => {
    const old = A({ a: '1' }, { endsAt: 300, updatedAt: 10 });
    const young = A({ a: '1' }, { endsAt: 200, updatedAt: 20 });
    expect(mergeAlerts(old, young, 400).endsAt).toBe(300);
  });

  it('replaces instead of merging when the activity ranges do not overlap', () => {
    const old = A({ a: '1' }, { startsAt: 100, endsAt: 200, updatedAt: 10 });
    const again = A({ a: '1' }, { startsAt: 500, endsAt: 900, updatedAt: 20 });
    expect(putOver(old, again, 600)).toBe(again);
    expect(isResolvedAt(old, 200)).toBe(true);
    expect(isResolvedAt(old, 199)).toBe(false);
  });
});

describe('alert order in notifications (types.AlertSlice)', () => {
  it('sorts by job, then instance, alerts lacking them last, then by label set', () => {
    const list = [
      A({ x: '1' }),
      A({ job: 'b', instance: 'i1' }),
      A({ job: 'a', instance: 'i2' }),
      A({ job: 'a', instance: 'i1', z: '1' }),
      A({ job: 'a' }),
      A({ b: '1', a: '2' }),
    ].sort(compareAlerts);
    expect(list.map((a) => a.labels)).toEqual([
      { job: 'a', instance: 'i1', z: '1' }, { job: 'a', instance: 'i2' }, { job: 'a' }, { job: 'b', instance: 'i1' }, { x: '1' }, { b: '1', a: '2' },
    ]);
  });
});
