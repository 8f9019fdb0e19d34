import { describe, expect, it } from 'vitest';
import { ChunkArena, SLAB_BYTES } from './chunk-arena.js';
import { Head } from './head.js';

describe('chunk arena', () => {
  it('returns the bytes put at a location and drops a slab once nothing in it is live', () => {
    const a = new ChunkArena();
    const big = new Uint8Array(SLAB_BYTES - 2).fill(7);
    const l1 = a.put(big);
    const l2 = a.put(new Uint8Array([1, 2, 3])); // does not fit: a second slab
    expect(a.allocatedBytes).toBe(2 * SLAB_BYTES);
    expect(Array.from(a.view(l2, 3))).toEqual([1, 2, 3]);
    expect(a.view(l1, 4).every((b) => b === 7)).toBe(true);
    a.free(l1, big.length);
    expect(a.allocatedBytes).toBe(SLAB_BYTES);
    expect(a.liveBytes).toBe(3);
  });

  it('reads a chunk header and tells where the chunk lies in shared memory without a view', () => {
    const a = new ChunkArena();
    a.put(new Uint8Array([9, 9, 9, 9, 9]));
    const loc = a.put(new Uint8Array([0x01, 0x02, 0xaa, 0xbb]));
    expect(a.sampleCount(loc)).toBe(0x0102);
    const file = a.bufferOf(loc);
    expect(file).toBeInstanceOf(SharedArrayBuffer);
    expect(Array.from(new Uint8Array(file, a.offsetOf(loc), 4))).toEqual([0x01, 0x02, 0xaa, 0xbb]);
  });

  it('copies a range of a larger buffer, without its neighbours, from where the buffer itself starts', () => {
    const a = new ChunkArena();
    const file = Buffer.from([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const frame = file.subarray(2); // a buffer that starts inside its ArrayBuffer
    const loc = a.put(frame, 3, 4);
    expect(Array.from(a.view(loc, 4))).toEqual([5, 6, 7, 8]);
    expect(Array.from(a.view(a.put(frame, 0, 1), 1))).toEqual([2]);
    expect(a.liveBytes).toBe(5);
  });

  it('refuses a range outside its source', () => {
    const a = new ChunkArena();
    const source = Buffer.from([1, 2, 3, 4, 5, 6, 7, 8]).subarray(0, 4); // bytes past it are another's
    expect(() => a.put(source, 2, 3)).toThrow(RangeError);
    expect(a.liveBytes).toBe(0);
  });

  it('keeps head samples intact when truncation frees slabs and live chunks move out of sparse ones', async () => {
    const head = new Head({ chunkRangeMs: 3600_000 });
    const refs = Array.from({ length: 400 }, (_, i) => head.ref({ __name__: 'm', i: String(i) }));
    // 4 h at 15 s: about 8 closed chunks per series; a few hundred KiB of chunks spread over slabs.
    for (let step = 0; step < 960; step++) for (let k = 0; k < refs.length; k++) head.appendRef(refs[k], step * 15_000, k * 1000 + step * 1.5 + (step % 7) * Math.PI);
    const before = head.arena.allocatedBytes;
    head.truncate(3 * 3600_000);
    expect(head.arena.allocatedBytes).toBeLessThanOrEqual(before);
    expect(head.arena.hasSparseSlabs()).toBe(false);
    const set = await head.querier(0, 4 * 3600_000).select([{ name: 'i', type: '=', value: '123' }], { start: 0, end: 4 * 3600_000 });
    const s = set.series[0];
    expect(s.timestamps.length).toBe(240);
    for (let j = 0; j < s.timestamps.length; j++) {
      const step = s.timestamps[j] / 15_000;
      expect(s.values[j]).toBe(123 * 1000 + step * 1.5 + (step % 7) * Math.PI);
    }
  });
});
