import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { NotifyStateFileError } from './errors.js';
import { readStateFile, writeStateFile } from './state-file.js';

describe('notifier state files', () => {
  let dir: string;
  beforeEach(async () => { dir = await mkdtemp(join(tmpdir(), 'tidemark-state-file-')); });
  afterEach(async () => { await rm(dir, { recursive: true, force: true }); });

  it('reads back what it wrote, creating the directory, and replaces it whole', async () => {
    const file = join(dir, 'sub', 'silences.json');
    await writeStateFile(file, 'silences', { silences: [1] });
    await writeStateFile(file, 'silences', { silences: [2, 3] });
    expect(await readStateFile(file, 'silences')).toEqual({ kind: 'silences', version: 1, silences: [2, 3] });
  });

  it('answers undefined for a missing file, and ignores a temporary file left by a crash', async () => {
    const file = join(dir, 'nflog.json');
    await writeFile(`${file}.tmp`, '{"kind":"nfl');
    expect(await readStateFile(file, 'nflog')).toBeUndefined();
    await writeStateFile(file, 'nflog', { entries: [] });
    expect(await readStateFile(file, 'nflog')).toEqual({ kind: 'nflog', version: 1, entries: [] });
  });

  it('refuses a torn file, naming it', async () => {
    const file = join(dir, 'silences.json');
    await writeStateFile(file, 'silences', { silences: [] });
    const whole = await readFile(file, 'utf8');
    await writeFile(file, whole.slice(0, whole.length - 3));
    const err = await readStateFile(file, 'silences').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NotifyStateFileError);
    expect((err as Error).message).toContain(file);
    expect((err as Error).message).toContain('not valid JSON');
  });

  it('refuses a file of a newer format version or of another kind', async () => {
    const file = join(dir, 'silences.json');
    await writeFile(file, JSON.stringify({ kind: 'silences', version: 2, silences: [] }));
    await expect(readStateFile(file, 'silences')).rejects.toThrow(/format version 2 is not 1.*newer version/);
    await writeFile(file, JSON.stringify({ kind: 'nflog', version: 1, entries: [] }));
    await expect(readStateFile(file, 'silences')).rejects.toThrow(`${file}: holds "nflog", expected "silences"`);
    await writeFile(file, '[]');
    await expect(readStateFile(file, 'silences')).rejects.toThrow('not a JSON object');
  });

  it('reports a file it cannot write, naming it', async () => {
    await writeFile(join(dir, 'plain'), '');
    const file = join(dir, 'plain', 'silences.json');
    await expect(writeStateFile(file, 'silences', {})).rejects.toThrow(`${file}: cannot write`);
  });
});
