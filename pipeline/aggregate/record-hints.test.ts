import { describe, expect, it } from 'vitest';
import { compileRule } from './compiled-rule.js';
import { aggregatesConfigSchema } from './config.js';
import { PartitionState, seriesForgotten } from './partition-state.js';
import { slotUsable, type SeriesSlot } from './record-hints.js';
import { RuleState } from './rule-state.js';

describe('record layout positions', () => {
  it('stay usable for equal labels in a new object and keep that object, so the next record compares by identity', () => {
    const slot: SeriesSlot = { labels: { __name__: 'x', job: 'a' }, targets: [], forgotten: seriesForgotten() };
    const again = { __name__: 'x', job: 'a' };
    expect(slotUsable(slot, again)).toBe(true);
    expect(slot.labels).toBe(again);
  });

  it('are resolved again for other labels', () => {
    const labels = { __name__: 'x', job: 'a' };
    const slot: SeriesSlot = { labels, targets: [], forgotten: seriesForgotten() };
    expect(slotUsable(slot, { __name__: 'x', job: 'b' })).toBe(false);
    expect(slotUsable(slot, { __name__: 'x', job: 'a', extra: '1' })).toBe(false);
    expect(slot.labels).toBe(labels);
  });

  it('are resolved again once a series they feed was forgotten, and stay usable while others are', () => {
    const [config] = aggregatesConfigSchema.parse([{ match: 'x', interval: '1m', outputs: ['sum_samples'] }]);
    const state = new RuleState(compileRule(config!, 0));
    const partition: PartitionState = state.partition(0);
    const labels = { __name__: 'x', job: 'a' };
    const entry = partition.entry('x{job="a"}', labels);
    const other = new RuleState(compileRule(config!, 0)).partition(0);
    other.entry('x{job="b"}', { __name__: 'x', job: 'b' });
    const slot: SeriesSlot = { labels, targets: [{ state, partition, entry, counters: state.counters }], forgotten: seriesForgotten() };
    partition.sample(entry, 30_000, 1, state.closedThrough);
    // Another state forgets its series (no sample for longer than the staleness interval): this slot's entry lives on.
    other.close(600_000);
    expect(slotUsable(slot, labels)).toBe(true);
    partition.close(60_000);
    partition.close(600_000);
    expect(entry.forgotten).toBe(true);
    expect(slotUsable(slot, labels)).toBe(false);
  });
});
