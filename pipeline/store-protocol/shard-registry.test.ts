import { describe, expect, it } from 'vitest';
import { InProcessShardRegistry } from './shard-registry.js';

describe('InProcessShardRegistry', () => {
  it('lists each store with its latest announcement until it withdraws', async () => {
    let now = 1000;
    const r = new InProcessShardRegistry(() => now);
    await r.announce('b', 'http://b', [3, 1]);
    await r.announce('a', 'http://a', [0, 2]);
    now = 2000;
    await r.announce('b', 'http://b', [1]);
    expect(await r.list()).toEqual([
      { storeId: 'a', address: 'http://a', partitions: [0, 2], updatedAt: 1000 },
      { storeId: 'b', address: 'http://b', partitions: [1], updatedAt: 2000 },
    ]);
    await r.withdraw('a');
    expect((await r.list()).map((e) => e.storeId)).toEqual(['b']);
  });
});
