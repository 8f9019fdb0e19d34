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

  it('keeps the applied offset a commit reports beyond it across reopening, until a commit reaches it or a reset', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tidemark-offsets-'));
    try {
      const s = new OffsetStore(dir);
      await s.init();
      await s.commit('store', 't', new Map([[0, 2], [1, 4]]), false, new Map([[0, 10], [1, 4]]));
      expect([...(await s.getApplied('store', 't'))]).toEqual([[0, 10]]);
      // A later commit of the same offset moves the applied offset on.
      await s.commit('store', 't', new Map([[0, 2]]), false, new Map([[0, 12]]));
      await s.flush();
      const reopened = new OffsetStore(dir);
      expect([...(await reopened.get('store', 't'))].sort()).toEqual([[0, 2], [1, 4]]);
      expect([...(await reopened.getApplied('store', 't'))]).toEqual([[0, 12]]);
      // A commit at or past it leaves nothing beyond the committed offset.
      await reopened.commit('store', 't', new Map([[0, 12]]));
      expect([...(await reopened.getApplied('store', 't'))]).toEqual([]);
      await reopened.commit('store', 't', new Map([[1, 5]]), false, new Map([[1, 9]]));
      await reopened.commit('store', 't', new Map([[1, 0]]), true);
      expect([...(await reopened.getApplied('store', 't'))]).toEqual([]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
