import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { replaceFile, replaceFileSync, temporaryFileOf } from './replace-file.js';

const dirs: string[] = [];
function scratch(): string {
  const d = mkdtempSync(join(tmpdir(), 'replace-file-'));
  dirs.push(d);
  return d;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe.each([
  ['replaceFile', replaceFile],
  ['replaceFileSync', async (...a: Parameters<typeof replaceFileSync>) => replaceFileSync(...a)],
] as const)('%s', (_name, replace) => {
  it('replaces the old content and leaves no temporary file behind', async () => {
    const dir = scratch();
    const file = join(dir, 'state.json');
    writeFileSync(file, 'old');
    await replace(file, '{"new":true}');
    expect(readFileSync(file, 'utf8')).toBe('{"new":true}');
    expect(readdirSync(dir)).toEqual(['state.json']);
  });

  it('writes bytes as given, unsynced when asked', async () => {
    const file = join(scratch(), 'state.bin');
    await replace(file, Uint8Array.of(0, 255, 7), { syncFile: false });
    expect([...readFileSync(file)]).toEqual([0, 255, 7]);
  });

  it('creates the directory only when asked', async () => {
    const file = join(scratch(), 'a', 'b', 'state.json');
    await expect(replace(file, 'x')).rejects.toThrow(/ENOENT/);
    await replace(file, 'x', { makeDir: true });
    expect(readFileSync(file, 'utf8')).toBe('x');
  });

  it('overwrites a temporary file a crash left behind', async () => {
    const dir = scratch();
    const file = join(dir, 'state.json');
    writeFileSync(temporaryFileOf(file), 'torn half of an earlier wri');
    await replace(file, 'whole');
    expect(readFileSync(file, 'utf8')).toBe('whole');
    expect(readdirSync(dir)).toEqual(['state.json']);
  });
});
