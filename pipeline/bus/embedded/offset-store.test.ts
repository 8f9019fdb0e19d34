import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { OffsetStore } from './offset-store.js';

describe('OffsetStore', () => {
  it('persists commits, never moves them backwards unless forced, and survives reopening', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tidemark-offsets-'));
    try {
      const s = new OffsetStore(dir);
      await s.init();
      await Promise.all([
        s.commit('g/1', 't', new Map([[0, 5]])),
        s.commit('g/1', 't', new Map([[1, 7]])),
        s.commit('g/1', 't', new Map([[0, 9]])),
        s.commit('g/1', 't', new Map([[0, 2]])),
      ]);
      expect([...(await s.get('g/1', 't'))].sort()).toEqual([
        [0, 9],
        [1, 7],
      ]);
      await s.commit('g/1', 'u', new Map([[0, 1]]));
      await s.commit('g/1', 't', new Map([[1, 3]]), true);
      await s.flush();
      expect((await readdir(dir)).filter((n) => n.endsWith('.tmp'))).toEqual([]);
      const reopened = new OffsetStore(dir);
      expect([...(await reopened.get('g/1', 't'))].sort()).toEqual([
        [0, 9],
        [1, 3],
      ]);
      expect([...(await reopened.get('g/1', 'u'))]).toEqual([[0, 1]]);
      expect([...(await reopened.get('other', 't'))]).toEqual([]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
