import { describe, expect, it } from 'vitest';
import { PromqlTooManySamplesError } from '../errors.js';
import { MemoryQueryable } from '../promqltest/memory-storage.js';
import { Engine } from './engine.js';
import { SampleLimit } from './sample-limit.js';

describe('SampleLimit', () => {
  it('counts loads up to the limit and refuses the one past it, counting nothing of it', () => {
    const limit = new SampleLimit(10);
    limit.load(4);
    limit.load(6);
    expect(limit.loaded).toBe(10);
    expect(limit.remaining).toBe(0);
    expect(() => limit.load(1)).toThrow(PromqlTooManySamplesError);
    expect(() => limit.load(1)).toThrow('query processing would load too many samples into memory in query execution');
    expect(limit.loaded).toBe(10);
  });

  it('tells its observer the samples loaded so far after each load it accepts', () => {
    const told: number[] = [];
    const limit = new SampleLimit(10, (loaded) => told.push(loaded));
    limit.load(4);
    limit.forSelect().load(5);
    expect(() => limit.load(2)).toThrow(PromqlTooManySamplesError);
    expect(told).toEqual([4, 9]);
  });

  it('charges a select its answer when the storage charged nothing before decoding', () => {
    const limit = new SampleLimit(100);
    const quiet = limit.forSelect();
    quiet.settle([{ labels: {}, timestamps: [1, 2, 3], values: [0, 0, 0], stale: null }]);
    expect(limit.loaded).toBe(3);
    // A storage that charged what it loaded (at least what it answered) is not charged again.
    const told = limit.forSelect();
    told.load(8);
    told.settle([{ labels: {}, timestamps: [1, 2], values: [0, 0], stale: null }]);
    expect(limit.loaded).toBe(11);
    expect(told.remaining).toBe(89);
  });
});

describe('the engine under maxSamples', () => {
  const store = new MemoryQueryable();
  for (let i = 0; i < 3; i++) for (let t = 0; t <= 600_000; t += 15_000) store.append({ __name__: 'up', i: String(i) }, t, 1);
  // Three series of 41 samples; a 10m range at 600 s selects all of them (the select's range is
  // closed, the window left-open: count_over_time counts 40).
  const query = 'count_over_time(up[10m])';

  it('reports what its selects loaded', async () => {
    const r = await new Engine().instantQuery(store, query, 600_000);
    expect(r.loadedSamples).toBe(3 * 41);
  });

  it('answers at a limit of exactly what the selects load, and refuses one below it', async () => {
    const r = await new Engine({ maxSamples: 123 }).instantQuery(store, query, 600_000);
    expect(r.value.resultType === 'vector' && r.value.result.map((s) => s.v)).toEqual([40, 40, 40]);
    await expect(new Engine({ maxSamples: 122 }).instantQuery(store, query, 600_000)).rejects.toThrow(PromqlTooManySamplesError);
  });
});
