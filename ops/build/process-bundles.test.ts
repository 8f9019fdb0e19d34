import { execFile } from 'node:child_process';
import { cp, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { temporaryDirectory } from '../../test/harness/temporary-directory.js';
import { bundleProcessEntries, isProcessBundle, PROCESS_ENTRIES } from './process-bundles.js';

const run = promisify(execFile);

/** A build with an entry that imports modules of other folders, one reading a file next to itself and one imported when asked for. */
async function fixture(dir: string): Promise<void> {
  await mkdir(join(dir, 'ops/cli'), { recursive: true });
  await mkdir(join(dir, 'schemas'), { recursive: true });
  await mkdir(join(dir, 'pipeline/later'), { recursive: true });
  await writeFile(join(dir, 'schemas/data.txt'), 'read next to its module');
  await writeFile(join(dir, 'schemas/reader.js'), [
    "import { readFileSync } from 'node:fs';",
    "export const text = () => readFileSync(new URL('./data.txt', import.meta.url), 'utf8');",
    'export const where = import.meta.url;',
  ].join('\n'));
  await writeFile(join(dir, 'pipeline/later/role.js'), "console.log('role loaded');\nexport const role = 'loaded when asked for';");
  await writeFile(join(dir, 'ops/cli/main.js'), [
    '#!/usr/bin/env node',
    "import { text, where } from '../../schemas/reader.js';",
    "console.log('started');",
    'const { role } = await import(\'../../pipeline/later/role.js\');',
    'console.log(JSON.stringify({ text: text(), where: new URL(where).pathname.split("/").slice(-2).join("/"), role, self: import.meta.url.endsWith("/ops/cli/main.js") }));',
  ].join('\n'));
}

describe('process entry bundles', () => {
  it('run as the modules they were made from did, with each module reading files next to its own file, also once the build is moved', async () => {
    const tmp = temporaryDirectory('bundles-');
    const dist = join(tmp, 'dist');
    await fixture(dist);
    const before = (await run(process.execPath, [join(dist, 'ops/cli/main.js')])).stdout;
    const [started, loaded, result] = before.trim().split('\n');
    // The module imported when asked for is loaded then, not with the entry.
    expect([started, loaded]).toEqual(['started', 'role loaded']);
    expect(JSON.parse(result!)).toEqual({ text: 'read next to its module', where: 'schemas/reader.js', role: 'loaded when asked for', self: true });

    expect(await bundleProcessEntries(dist, ['ops/cli/main.js'])).toEqual([{ entry: 'ops/cli/main.js', modules: 3, chunks: 1 }]);
    const bundle = await readFile(join(dist, 'ops/cli/main.js'), 'utf8');
    expect(isProcessBundle(bundle)).toBe(true);
    // Of the build, only the entry's own chunk is imported any more (beside node's modules).
    const relative = [...bundle.matchAll(/(?:from\s+|import\()["'](\.[^"']*)["']/g)].map((m) => m[1]);
    expect(relative).toHaveLength(1);
    expect(relative[0]).toMatch(/^\.\/main\.chunk-[A-Z0-9]+\.js$/);
    expect((await run(process.execPath, [join(dist, 'ops/cli/main.js')])).stdout).toBe(before);

    const moved = join(tmp, 'elsewhere', 'dist');
    await cp(dist, moved, { recursive: true });
    await writeFile(join(dist, 'schemas/data.txt'), 'the old place');
    expect((await run(process.execPath, [join(moved, 'ops/cli/main.js')])).stdout).toBe(before);
  });

  it('leaves no chunk of the build before beside the entry when it is compiled and bundled again', async () => {
    const tmp = temporaryDirectory('bundles-');
    const dist = join(tmp, 'dist');
    await fixture(dist);
    await bundleProcessEntries(dist, ['ops/cli/main.js']);
    // Compiled again (the entry is a module again), with a change to the module loaded when asked for.
    await fixture(dist);
    await writeFile(join(dist, 'pipeline/later/role.js'), "export const role = 'changed';");
    await bundleProcessEntries(dist, ['ops/cli/main.js']);
    const chunks = (await readdir(join(dist, 'ops/cli'))).filter((f) => f.startsWith('main.chunk-') && f.endsWith('.js'));
    expect(chunks).toHaveLength(1);
    expect(JSON.parse((await run(process.execPath, [join(dist, 'ops/cli/main.js')])).stdout.trim().split('\n')[1]!).role).toBe('changed');
  });

  it('refuses to bundle an entry bundled already, naming it (its modules may have been compiled again since)', async () => {
    const tmp = temporaryDirectory('bundles-');
    const dist = join(tmp, 'dist');
    await fixture(dist);
    await bundleProcessEntries(dist, ['ops/cli/main.js']);
    await expect(bundleProcessEntries(dist, ['ops/cli/main.js'])).rejects.toThrow(`${join(dist, 'ops/cli/main.js')} is a bundle already`);
  });

  it('are what the build made of the command line and the worker threads', async () => {
    const dist = new URL('../../dist/', import.meta.url);
    for (const entry of PROCESS_ENTRIES) expect(isProcessBundle(await readFile(new URL(entry, dist), 'utf8'))).toBe(true);
  });
});
