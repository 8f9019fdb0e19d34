import { describe, expect, it } from 'vitest';
import { canonicalLabels } from '../../schemas/index.js';
import { compileRule } from './compiled-rule.js';
import { aggregatesConfigSchema } from './config.js';
import { PartitionState } from './partition-state.js';
import { RecordLayout } from './record-hints.js';
import { RuleState } from './rule-state.js';

/** A layout whose position 0 holds `labels`, feeding `entries` (rule 0). */
function layoutOf(labels: Record<string, string>, entries: ReturnType<PartitionState['entry']>[] = []): RecordLayout {
  const layout = new RecordLayout();
  const from = layout.rule.length;
  for (const e of entries) layout.target(0, e);
  layout.resolved(0, labels, from);
  return layout;
}

describe('record layout positions', () => {
  it('stay usable for equal labels in a new object and keep that object, so the next record compares by identity', () => {
    const layout = layoutOf({ __name__: 'x', job: 'a' });
    const again = { __name__: 'x', job: 'a' };
    expect(layout.usable(0, again)).toBe(true);
    expect(layout.labels[0]).toBe(again);
  });

  it('are resolved again for other labels, and positions never resolved are not usable', () => {
    const labels = { __name__: 'x', job: 'a' };
    const layout = layoutOf(labels);
    expect(layout.usable(0, { __name__: 'x', job: 'b' })).toBe(false);
    expect(layout.usable(0, { __name__: 'x', job: 'a', extra: '1' })).toBe(false);
    expect(layout.labels[0]).toBe(labels);
    expect(layout.usable(1, labels)).toBe(false);
  });

  it('hold each position\'s targets as its rule and its row, also after a position is resolved again', () => {
    const [config] = aggregatesConfigSchema.parse([{ match: 'x', interval: '1m', outputs: ['sum_samples'] }]);
    const partition = new RuleState(compileRule(config!, 0)).partition(0);
    const a = partition.entry(canonicalLabels({ __name__: 'x', job: 'a' }), { __name__: 'x', job: 'a' });
    const b = partition.entry(canonicalLabels({ __name__: 'x', job: 'b' }), { __name__: 'x', job: 'b' });
    const layout = new RecordLayout();
    layout.target(0, a);
    // A record of two series (a, then one no rule matches) adds two positions.
    expect(layout.resolved(0, { __name__: 'x', job: 'a' }, 0)).toBe(2);
    expect(layout.resolved(1, { __name__: 'y' }, 1)).toBe(1);
    const from = layout.rule.length;
    layout.target(0, b);
    layout.resolved(1, { __name__: 'x', job: 'b' }, from);
    expect([layout.first[0], layout.count[0], layout.first[1], layout.count[1]]).toEqual([0, 1, 1, 1]);
    expect([layout.row[0], layout.row[1]]).toEqual([a.row, b.row]);
    expect(a.row).not.toBe(b.row);
  });

  it('are resolved again once a series they feed was forgotten, and stay usable while others are', () => {
    const [config] = aggregatesConfigSchema.parse([{ match: 'x', interval: '1m', outputs: ['sum_samples'] }]);
    const state = new RuleState(compileRule(config!, 0));
    const partition: PartitionState = state.partition(0);
    const labels = { __name__: 'x', job: 'a' };
    const entry = partition.entry(canonicalLabels(labels), labels);
    const other = new RuleState(compileRule(config!, 0)).partition(0);
    other.entry(canonicalLabels({ __name__: 'x', job: 'b' }), { __name__: 'x', job: 'b' });
    const layout = layoutOf(labels, [entry]);
    partition.sample(entry, 30_000, 1, state.closedThrough);
    // Another state forgets its series (no sample for longer than the staleness interval): this position's entry lives on.
    other.closeInto(600_000, new Map());
    expect(layout.usable(0, labels)).toBe(true);
    partition.closeInto(60_000, new Map());
    partition.closeInto(600_000, new Map());
    expect(entry.forgotten).toBe(true);
    expect(layout.usable(0, labels)).toBe(false);
  });

  it('take a record\'s labels array, once each of its positions was found usable, as usable as a whole until some series is forgotten', () => {
    const [config] = aggregatesConfigSchema.parse([{ match: 'x', interval: '1m', outputs: ['sum_samples'] }]);
    const state = new RuleState(compileRule(config!, 0));
    const partition = state.partition(0);
    const labels = [{ __name__: 'x', job: 'a' }];
    const entry = partition.entry(canonicalLabels(labels[0]!), labels[0]!);
    const layout = layoutOf(labels[0]!, [entry]);
    expect(layout.allUsable(labels)).toBe(false);
    layout.checkedAll(labels);
    expect(layout.allUsable(labels)).toBe(true);
    // Equal labels in another array: looked at position by position.
    expect(layout.allUsable([{ __name__: 'x', job: 'a' }])).toBe(false);
    partition.sample(entry, 30_000, 1, state.closedThrough);
    partition.closeInto(60_000, new Map());
    partition.closeInto(600_000, new Map());
    expect(entry.forgotten).toBe(true);
    expect(layout.allUsable(labels)).toBe(false);
  });

  it('look at a checked labels array again once a position was resolved for another record of the layout', () => {
    const labels = [{ __name__: 'x', job: 'a' }, { __name__: 'x', job: 'b' }];
    const layout = layoutOf(labels[0]!);
    layout.resolved(1, labels[1]!, layout.rule.length);
    layout.checkedAll(labels);
    expect(layout.allUsable(labels)).toBe(true);
    // A record beginning with the same series, then another one at position 1.
    layout.resolved(1, { __name__: 'x', job: 'c' }, layout.rule.length);
    expect(layout.allUsable(labels)).toBe(false);
  });

  it('give their targets rule by rule, in position order, and anew once a position is resolved again', () => {
    const [config] = aggregatesConfigSchema.parse([{ match: 'x', interval: '1m', outputs: ['sum_samples'] }]);
    const first = new RuleState(compileRule(config!, 0)).partition(0);
    const second = new RuleState(compileRule(config!, 1)).partition(0);
    const labels = [{ __name__: 'x', job: 'a' }, { __name__: 'x', job: 'b' }, { __name__: 'x', job: 'c' }];
    const e1 = labels.map((l) => first.entry(canonicalLabels(l), l));
    const e2 = labels.map((l) => second.entry(canonicalLabels(l), l));
    const layout = new RecordLayout();
    // Position 0 feeds rule 1 only, positions 1 and 2 feed both (rule 1 listed first at position 2).
    let from = layout.rule.length;
    layout.target(1, e2[0]!);
    layout.resolved(0, labels[0]!, from);
    from = layout.rule.length;
    layout.target(0, e1[1]!);
    layout.target(1, e2[1]!);
    layout.resolved(1, labels[1]!, from);
    from = layout.rule.length;
    layout.target(1, e2[2]!);
    layout.target(0, e1[2]!);
    layout.resolved(2, labels[2]!, from);
    const view = (l: RecordLayout) => l.byRule().map((t) => ({ rule: t.rule, positions: [...t.positions], rows: [...t.rows] }));
    expect(view(layout)).toEqual([
      { rule: 0, positions: [1, 2], rows: [e1[1]!.row, e1[2]!.row] },
      { rule: 1, positions: [0, 1, 2], rows: [e2[0]!.row, e2[1]!.row, e2[2]!.row] },
    ]);
    // Position 0 now feeds rule 0 instead.
    from = layout.rule.length;
    layout.target(0, e1[0]!);
    layout.resolved(0, labels[0]!, from);
    expect(view(layout)).toEqual([
      { rule: 0, positions: [0, 1, 2], rows: [e1[0]!.row, e1[1]!.row, e1[2]!.row] },
      { rule: 1, positions: [1, 2], rows: [e2[1]!.row, e2[2]!.row] },
    ]);
  });
});
