import { describe, expect, it } from 'vitest';
import type { Labels } from '../../schemas/labels.js';
import { canonicalKey } from './canonical-key.js';
import { Head, type MemSeries } from './head/index.js';
import { inHeadOrder, rankHeadSeries } from './head-series-ranks.js';

const all = [{ name: '__name__', type: '=~' as const, value: '.+' }];

function headWith(labels: readonly Labels[]): Head {
  const head = new Head({ chunkRangeMs: 3600_000 });
  for (const l of labels) head.append(l, 4000_000, 1);
  return head;
}

/** The series' canonical keys, as a select would order them by sorting the keys. */
function keysOf(series: readonly MemSeries[]): string[] {
  return series.map((s) => canonicalKey(s.labels));
}

describe('inHeadOrder', () => {
  // Names and values that share long prefixes, as a dashboard's selects do.
  const labels = Array.from({ length: 60 }, (_, i) => ({ __name__: 'node_cpu_seconds_total', cpu: String(i % 12), mode: ['user', 'system', 'idle', 'iowait', 'irq'][i % 5], instance: `host-${i % 7}:9100` }));

  it('orders a select of head series as sorting their canonical keys does', () => {
    const head = headWith(labels);
    const series = head.select(all);
    const ordered = inHeadOrder(head, series, (s) => s);
    expect(ordered).not.toBeNull();
    expect(keysOf(ordered!)).toEqual(keysOf(series).sort());
    // A part of the series, in the order it came, reversed: the same order as its sorted keys.
    const part = series.filter((_, i) => i % 2 === 0).reverse();
    expect(keysOf(inHeadOrder(head, part, (s) => s)!)).toEqual(keysOf(part).sort());
  });

  it('ranks again after series are added, and after as many are removed as added', () => {
    const head = headWith(labels.slice(0, 30));
    inHeadOrder(head, head.select(all), (s) => s);
    for (const l of labels.slice(30)) head.append(l, 4000_000, 1);
    const grown = head.select(all);
    expect(keysOf(inHeadOrder(head, grown, (s) => s)!)).toEqual(keysOf(grown).sort());
    // One series leaves with a truncation and another comes: the count is what was ranked.
    const old = { __name__: 'node_cpu_seconds_total', cpu: '99', mode: 'user', instance: 'gone:9100' };
    head.append(old, 1000, 1);
    inHeadOrder(head, head.select(all), (s) => s);
    head.truncate(3600_000);
    head.append({ __name__: 'node_cpu_seconds_total', cpu: '0', mode: 'a', instance: 'new:9100' }, 4000_000, 2);
    const same = head.select(all);
    expect(same).toHaveLength(61);
    expect(keysOf(inHeadOrder(head, same, (s) => s)!)).toEqual(keysOf(same).sort());
  });

  it('leaves the order to the caller when an item has no head series', () => {
    const head = headWith(labels);
    const items = [...head.select(all), null];
    expect(inHeadOrder(head, items, (s) => s)).toBeNull();
  });

  it('does not rank a whole head again for a select of a few of its series', () => {
    const head = headWith(labels);
    head.append({ __name__: 'up', job: 'new' }, 4000_000, 1);
    const few = head.select([{ name: '__name__', type: '=', value: 'up' }]);
    expect(inHeadOrder(head, few, (s) => s)).toBeNull();
    // Once ranked for a large select, a small one is ordered by the ranks too, also after a
    // series came that it does not hold.
    inHeadOrder(head, head.select(all), (s) => s);
    expect(inHeadOrder(head, few, (s) => s)).toEqual(few);
    head.append({ __name__: 'node_cpu_seconds_total', cpu: '0', mode: 'a', instance: 'new:9100' }, 4000_000, 2);
    const cpu = head.select([{ name: 'cpu', type: '=', value: '0' }]).reverse();
    expect(cpu.length * 8).toBeLessThan(head.numSeries);
    expect(keysOf(inHeadOrder(head, cpu.slice(1), (s) => s)!)).toEqual(keysOf(cpu.slice(1)).sort());
    expect(inHeadOrder(head, cpu, (s) => s)).toBeNull();
  });

  it('orders a select of a few series by ranks made ahead of any select', () => {
    const head = headWith(labels);
    head.append({ __name__: 'up', job: 'a' }, 4000_000, 1);
    const few = head.select([{ name: '__name__', type: '=', value: 'up' }]);
    rankHeadSeries(head);
    expect(inHeadOrder(head, few, (s) => s)).toEqual(few);
  });

  it('ranks the series again ahead of any select once the head has more than it ranked', () => {
    const head = headWith(labels);
    rankHeadSeries(head);
    head.append({ __name__: 'up', job: 'a' }, 4000_000, 1);
    const few = head.select([{ name: '__name__', type: '=', value: 'up' }]);
    expect(inHeadOrder(head, few, (s) => s)).toBeNull();
    rankHeadSeries(head);
    expect(inHeadOrder(head, few, (s) => s)).toEqual(few);
  });
});
