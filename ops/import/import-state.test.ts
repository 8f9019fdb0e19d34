import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ImportState, ImportStateError } from './import-state.js';

const IDENTITY = { url: 'http://127.0.0.1:9090', files: ['a.prom', 'b.prom'] };

describe('ImportState with several requests in flight', () => {
  let dir: string;
  let path: string;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tidemark-import-state-'));
    path = join(dir, 'import.state');
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const saved = async (input: string) => (await ImportState.load(path, IDENTITY)).position(input);

  it('saves a request acknowledged before an older one only once the older one is acknowledged too', async () => {
    const state = await ImportState.load(path, IDENTITY);
    const first = state.sending('a.prom', { lines: 100 });
    const second = state.sending('a.prom', { lines: 200 });
    const third = state.sending('a.prom', { lines: 300 });

    await state.acknowledged(second);
    await state.acknowledged(third);
    expect(await saved('a.prom')).toEqual({});

    await state.acknowledged(first);
    expect(await saved('a.prom')).toEqual({ lines: 300 });
  });

  it('never passes a request that was not acknowledged (a failed one), whatever comes after it', async () => {
    const state = await ImportState.load(path, IDENTITY);
    await state.acknowledged(state.sending('a.prom', { lines: 100 }));
    state.sending('a.prom', { lines: 200 });
    const later = [state.sending('a.prom', { lines: 300 }), state.sending('a.prom', { lines: 400 })];
    for (const r of later) await state.acknowledged(r);

    expect(await saved('a.prom')).toEqual({ lines: 100 });
    // A rerun carries on after line 100: lines 101-400 are sent again.
    const rerun = await ImportState.load(path, IDENTITY);
    expect(rerun.resumed).toBe(true);
    expect(rerun.position('a.prom')).toEqual({ lines: 100 });
  });

  it('keeps the prefix of each input apart', async () => {
    const state = await ImportState.load(path, IDENTITY);
    const a1 = state.sending('a.prom', { lines: 10 });
    const b1 = state.sending('b.prom', { lines: 5 });
    await state.acknowledged(b1);
    expect(await saved('b.prom')).toEqual({ lines: 5 });
    expect(await saved('a.prom')).toEqual({});
    await state.acknowledged(a1);
    expect(JSON.parse(await readFile(path, 'utf8')).inputs).toEqual({ 'a.prom': { lines: 10 }, 'b.prom': { lines: 5 } });
  });

  it('refuses an acknowledgement of a request it does not hold', async () => {
    const state = await ImportState.load(path, IDENTITY);
    const r = state.sending('a.prom', { lines: 10 });
    await state.acknowledged(r);
    await expect(state.acknowledged(r)).rejects.toThrow(ImportStateError);
  });
});
