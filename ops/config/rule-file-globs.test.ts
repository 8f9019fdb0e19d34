import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { expandRuleFiles } from './rule-file-globs.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tidemark-globs-'));
  await mkdir(join(dir, 'rules'));
  for (const f of ['a.yml', 'b.yml', 'c.yaml', 'notes.txt']) await writeFile(join(dir, 'rules', f), '');
});
afterAll(() => rm(dir, { recursive: true, force: true }));

it('expands wildcards relative to the configuration file, sorted', () => {
  const cfg = join(dir, 'tidemark.yml');
  expect(expandRuleFiles(['rules/*.yml'], cfg)).toEqual([join(dir, 'rules/a.yml'), join(dir, 'rules/b.yml')]);
  expect(expandRuleFiles(['rules/[ac].y*ml', 'rules/b.yml'], cfg)).toEqual(['a.yml', 'b.yml', 'c.yaml'].map((f) => join(dir, 'rules', f)));
});

it('keeps plain paths as given and drops patterns that match nothing', () => {
  const cfg = join(dir, 'tidemark.yml');
  expect(expandRuleFiles(['rules/missing.yml', 'nowhere/*.yml'], cfg)).toEqual([join(dir, 'rules/missing.yml')]);
});
