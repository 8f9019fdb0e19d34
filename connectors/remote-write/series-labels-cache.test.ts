import { describe, expect, it } from 'vitest';
import { hashBytes, SeriesLabelsCache } from './series-labels-cache.js';

const view = (b: Buffer) => new DataView(b.buffer, b.byteOffset, b.length);

describe('SeriesLabelsCache', () => {
  it('returns the stored labels object for the same bytes anywhere in another buffer', () => {
    const cache = new SeriesLabelsCache(64, 4096);
    const a = Buffer.from('xx__name__=up,job=node,instance=h:9100yy');
    expect(cache.get(view(a), 2, a.length - 2)).toBeUndefined();
    const labels = { __name__: 'up', job: 'node' };
    cache.store(a, 2, a.length - 2, labels, { message: 'bad' });
    const b = Buffer.from('___name__=up,job=node,instance=h:9100');
    expect(cache.get(view(b), 1, b.length)).toBe(labels);
    expect(cache.invalidOfLast()).toEqual({ message: 'bad' });
    expect(Object.isFrozen(labels)).toBe(true);
  });

  it('misses for bytes that differ in one position or in length', () => {
    const cache = new SeriesLabelsCache(64, 4096);
    const a = Buffer.from('abcdefghijklmnop');
    cache.get(view(a), 0, a.length);
    cache.store(a, 0, a.length, { a: '1' }, undefined);
    for (let i = 0; i < a.length; i++) {
      const b = Buffer.from(a);
      b[i] ^= 1;
      expect(cache.get(view(b), 0, b.length)).toBeUndefined();
    }
    expect(cache.get(view(a), 0, a.length - 1)).toBeUndefined();
    expect(cache.get(view(a), 0, a.length)).toEqual({ a: '1' });
  });

  it('evicts the least recently used of a full set, keeping the others', () => {
    const cache = new SeriesLabelsCache(4, 4096); // one set of four ways
    const keys = ['one', 'two', 'three', 'four', 'five'].map((k) => Buffer.from(`series-${k}`));
    const stored = keys.map((k) => ({ k: k.toString() }));
    for (let i = 0; i < 4; i++) {
      cache.get(view(keys[i]), 0, keys[i].length);
      cache.store(keys[i], 0, keys[i].length, stored[i], undefined);
    }
    expect(cache.get(view(keys[0]), 0, keys[0].length)).toBe(stored[0]); // "one" is now the most recent
    cache.get(view(keys[4]), 0, keys[4].length);
    cache.store(keys[4], 0, keys[4].length, stored[4], undefined); // replaces "two"
    expect(cache.get(view(keys[1]), 0, keys[1].length)).toBeUndefined();
    for (const i of [0, 2, 3, 4]) expect(cache.get(view(keys[i]), 0, keys[i].length)).toBe(stored[i]);
  });

  it('starts over when its byte arena is full, still answering correctly', () => {
    const cache = new SeriesLabelsCache(1024, 64 * 40);
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < 200; i++) {
        const k = Buffer.from(`key-${i}-padding-to-make-it-long`);
        const hit = cache.get(view(k), 0, k.length);
        if (hit === undefined) cache.store(k, 0, k.length, { i: String(i) }, undefined);
        else expect(hit).toEqual({ i: String(i) });
      }
    }
  });

  it('hashes every tail length and spreads near-identical keys', () => {
    const hashes = new Set<number>();
    for (let i = 0; i < 1000; i++) {
      const b = Buffer.from(`node_cpu_seconds_total{cpu="${i % 8}",instance="host-${i >> 3}"}`);
      hashes.add(hashBytes(view(b), 0, b.length) & 1023);
    }
    expect(hashes.size).toBeGreaterThan(550); // ~632 expected of 1000 keys in 1024 buckets
    const b = Buffer.from('abcdefg');
    expect(new Set([4, 5, 6, 7].map((n) => hashBytes(view(b), 0, n))).size).toBe(4);
  });
});

describe('SeriesLabelsCache in the order keys were stored', () => {
  const keys = Array.from({ length: 12 }, (_, i) => Buffer.from(`series-${i}-labels`));

  it('finds keys asked for in the order they were stored, and any other order, with their own verdicts', () => {
    const cache = new SeriesLabelsCache(64, 4096);
    keys.forEach((k, i) => {
      expect(cache.get(view(k), 0, k.length)).toBeUndefined();
      cache.store(k, 0, k.length, { i: String(i) }, i % 3 === 0 ? { message: `bad ${i}` } : undefined);
    });
    for (const order of [[...keys.keys()], [...keys.keys()].reverse(), [5, 6, 7, 0, 1, 11, 2, 3]]) {
      for (const i of order) {
        expect(cache.get(view(keys[i]), 0, keys[i].length)).toEqual({ i: String(i) });
        expect(cache.invalidOfLast()).toEqual(i % 3 === 0 ? { message: `bad ${i}` } : undefined);
      }
    }
  });

  it('does not take the key after the last one found when the bytes asked for differ from it', () => {
    const cache = new SeriesLabelsCache(64, 4096);
    const [a, b] = [Buffer.from('first-series'), Buffer.from('second-series')];
    for (const k of [a, b]) {
      cache.get(view(k), 0, k.length);
      cache.store(k, 0, k.length, { k: k.toString() }, undefined);
    }
    expect(cache.get(view(a), 0, a.length)).toEqual({ k: 'first-series' });
    expect(cache.get(view(b), 0, b.length - 1)).toBeUndefined(); // a prefix of the next key
    expect(cache.get(view(a), 0, a.length)).toEqual({ k: 'first-series' });
    const changed = Buffer.from(b);
    changed[changed.length - 1] ^= 1;
    expect(cache.get(view(changed), 0, changed.length)).toBeUndefined();
  });

  it('does not return an evicted key found after the last one, and finds its new entry', () => {
    const cache = new SeriesLabelsCache(4, 4096); // one set of four ways
    const fill = (k: Buffer, labels: Record<string, string>) => {
      expect(cache.get(view(k), 0, k.length)).toBeUndefined();
      cache.store(k, 0, k.length, labels, undefined);
    };
    keys.slice(0, 4).forEach((k, i) => fill(k, { i: String(i) }));
    for (const i of [0, 2, 3]) cache.get(view(keys[i]), 0, keys[i].length); // key 1 is the least recently used
    fill(keys[4], { i: '4' }); // evicts key 1, whose bytes still follow key 0 in the arena
    expect(cache.get(view(keys[0]), 0, keys[0].length)).toEqual({ i: '0' });
    expect(cache.get(view(keys[1]), 0, keys[1].length)).toBeUndefined();
    cache.store(keys[1], 0, keys[1].length, { i: '1 again' }, undefined);
    expect(cache.get(view(keys[1]), 0, keys[1].length)).toEqual({ i: '1 again' });
    expect(cache.get(view(keys[2]), 0, keys[2].length)).toBeUndefined(); // the least recently used made way for it
    expect(cache.get(view(keys[0]), 0, keys[0].length)).toEqual({ i: '0' });
  });
});

describe('SeriesLabelsCache slots', () => {
  it('never uses a slot outside its table, however small', () => {
    for (const slots of [1, 2, 4, 8, 100]) {
      const cache = new SeriesLabelsCache(slots, 1 << 16);
      const table = (cache as unknown as { meta: Int32Array }).meta;
      const size = table.length;
      for (let i = 0; i < 300; i++) {
        const k = Buffer.from(`k${i % 37}`);
        const hit = cache.get(view(k), 0, k.length);
        if (hit === undefined) cache.store(k, 0, k.length, { k: String(i % 37) }, undefined);
        else expect(hit).toEqual({ k: String(i % 37) });
      }
      expect(table.length).toBe(size);
    }
  });
});
