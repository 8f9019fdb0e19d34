import { describe, expect, it } from 'vitest';
import { slotUsable, type SeriesSlot } from './record-hints.js';

describe('record layout positions', () => {
  it('stay usable for equal labels in a new object and keep that object, so the next record compares by identity', () => {
    const slot: SeriesSlot = { labels: { __name__: 'x', job: 'a' }, targets: [] };
    const again = { __name__: 'x', job: 'a' };
    expect(slotUsable(slot, again)).toBe(true);
    expect(slot.labels).toBe(again);
  });

  it('are resolved again for other labels', () => {
    const labels = { __name__: 'x', job: 'a' };
    const slot: SeriesSlot = { labels, targets: [] };
    expect(slotUsable(slot, { __name__: 'x', job: 'b' })).toBe(false);
    expect(slotUsable(slot, { __name__: 'x', job: 'a', extra: '1' })).toBe(false);
    expect(slot.labels).toBe(labels);
  });
});
