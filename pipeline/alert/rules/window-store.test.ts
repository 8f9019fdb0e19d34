import { describe, expect, it } from 'vitest';
import { LoopTurns } from '../../tsdb/index.js';
import { WindowStore } from './window-store.js';

const cpu = (instance: string) => ({ __name__: 'cpu', instance });

describe('WindowStore', () => {
  it('keeps only series some rule selector matches', () => {
    const w = new WindowStore();
    w.setSelectors([[{ type: '=', name: '__name__', value: 'cpu' }, { type: '=~', name: 'instance', value: 'a|b' }]]);
    expect(w.append(cpu('a'), 1000, 1)).toBe('stored');
    expect(w.append(cpu('c'), 1000, 1)).toBe('filtered');
    expect(w.append({ __name__: 'mem', instance: 'a' }, 1000, 1)).toBe('filtered');
    expect(w.stats).toEqual({ series: 1, samples: 1 });
  });

  it('says it keeps nothing until a rule selects something, and again once no rule does', () => {
    const w = new WindowStore();
    expect(w.selecting).toBe(false);
    expect(w.append(cpu('a'), 1000, 1)).toBe('filtered');
    w.setSelectors([[{ type: '=', name: '__name__', value: 'cpu' }]]);
    expect(w.selecting).toBe(true);
    w.setSelectors([]);
    expect(w.selecting).toBe(false);
  });

  it('evicts samples older than the window start and refuses them afterwards', async () => {
    const w = new WindowStore();
    w.setSelectors([[{ type: '=', name: '__name__', value: 'cpu' }]]);
    for (let t = 0; t <= 10_000; t += 1000) w.append(cpu('a'), t, t);
    w.append(cpu('b'), 2000, 1);
    w.evictBefore(5000);
    expect(w.stats).toEqual({ series: 1, samples: 6 });
    expect(w.append(cpu('a'), 4000, 1)).toBe('too_old');
    const set = await w.querier(0, 20_000).select([{ type: '=', name: '__name__', value: 'cpu' }], { start: 0, end: 20_000 });
    expect(set.series.map((s) => [s.labels['instance'], Array.from(s.timestamps)])).toEqual([['a', [5000, 6000, 7000, 8000, 9000, 10_000]]]);
  });

  it('sorts out-of-order samples, replaces a repeated timestamp and keeps staleness markers', async () => {
    const w = new WindowStore();
    w.setSelectors([[{ type: '=', name: '__name__', value: 'cpu' }]]);
    w.append(cpu('a'), 3000, 3);
    w.append(cpu('a'), 1000, 1);
    w.append(cpu('a'), 2000, 2);
    w.append(cpu('a'), 2000, 22);
    w.append(cpu('a'), 4000, Number.NaN, true);
    const [s] = (await w.querier(0, 5000).select([{ type: '=', name: 'instance', value: 'a' }], { start: 1500, end: 5000 })).series;
    expect(Array.from(s!.timestamps)).toEqual([2000, 3000, 4000]);
    expect(Array.from(s!.values).slice(0, 2)).toEqual([22, 3]);
    expect(Array.from(s!.stale!)).toEqual([0, 0, 1]);
  });

  it('keeps start timestamps with their samples, out of order and through eviction, and none for series without', async () => {
    const w = new WindowStore();
    w.setSelectors([[{ type: '=', name: '__name__', value: 'cpu' }]]);
    w.append(cpu('a'), 1000, 1);
    w.append(cpu('a'), 3000, 3, false, undefined, null, 2500);
    w.append(cpu('a'), 2000, 2, false, undefined, null, 1500);
    w.append(cpu('b'), 1000, 1);
    const select = async () => (await w.querier(0, 5000).select([{ type: '=', name: '__name__', value: 'cpu' }], { start: 0, end: 5000 })).series.map((s) => s.startTimestamps == null ? null : Array.from(s.startTimestamps));
    expect(await select()).toEqual([[0, 1500, 2500], null]);
    w.evictBefore(2500);
    expect(await select()).toEqual([[2500]]);
  });

  it('drops series no longer selected when the rules change', () => {
    const w = new WindowStore();
    w.setSelectors([[{ type: '=', name: '__name__', value: 'cpu' }]]);
    w.append(cpu('a'), 1000, 1);
    w.setSelectors([[{ type: '=', name: '__name__', value: 'mem' }]]);
    expect(w.stats.series).toBe(0);
    expect(w.append(cpu('a'), 2000, 1)).toBe('filtered');
  });
  it('selects a large set in pieces between which the event loop serves other callbacks', async () => {
    const w = new WindowStore(new LoopTurns());
    w.setSelectors([[{ type: '=~', name: '__name__', value: '.+' }]]);
    for (let i = 0; i < 5000; i++) w.append(cpu(`i${String(i).padStart(4, '0')}`), 1000, i);
    let ranBetween = false;
    setImmediate(() => { ranBetween = true; });
    const selecting = w.querier(0, 2000).select([{ type: '=~', name: 'instance', value: 'i.*' }], { start: 0, end: 2000 });
    const ranBefore = ranBetween;
    const set = await selecting;
    expect(ranBefore).toBe(false);
    expect(ranBetween).toBe(true);
    expect(set.series).toHaveLength(5000);
    expect(set.series.map((s) => s.values[0])).toEqual(Array.from({ length: 5000 }, (_, i) => i));
  });

  it('selects series in label order, new ones included, and only the samples inside the range', async () => {
    const w = new WindowStore();
    w.setSelectors([[{ type: '=~', name: '__name__', value: 'cpu' }]]);
    for (let t = 0; t <= 10_000; t += 1000) { w.append(cpu('c'), t, t); w.append(cpu('a'), t, t); }
    const select = async (): Promise<Array<[string | undefined, number[]]>> => (await w.querier(0, 0).select([{ type: '=~', name: '__name__', value: 'c.u' }], { start: 2000, end: 4500 }))
      .series.map((s) => [s.labels['instance'], Array.from(s.timestamps)]);
    expect(await select()).toEqual([['a', [2000, 3000, 4000]], ['c', [2000, 3000, 4000]]]);
    w.append(cpu('b'), 3000, 1);
    expect(await select()).toEqual([['a', [2000, 3000, 4000]], ['b', [3000]], ['c', [2000, 3000, 4000]]]);
    w.evictBefore(4100);
    expect(await select()).toEqual([]);
  });
});
