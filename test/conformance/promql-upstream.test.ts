import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { Engine } from '../../pipeline/promql/index.js';
import { memoryTestStorage, parseTestFile, runPromqlTestFiles, type PromqlTestOptions } from '../../pipeline/promql/promqltest/index.js';
import { queryConfigSchema, queryEngineOptions, tsdbTestStorage } from '../../pipeline/query/index.js';

// Upstream PromQL test files the shared corpus lacks (promql-upstream/SOURCES.md): delayed
// __name__ removal and classic-histogram functions as Prometheus 3 evaluates them. Every case
// runs on the production read path and on the in-memory storage, and must pass on both.
const DIR = fileURLToPath(new URL('promql-upstream/', import.meta.url));
const FILES = readdirSync(DIR).filter((f) => f.endsWith('.test')).sort();
const query = queryConfigSchema.parse({});
const STORAGES: Readonly<Record<string, PromqlTestOptions>> = {
  tsdb: { storage: tsdbTestStorage({ query }), engine: new Engine(queryEngineOptions(query)) },
  memory: { storage: memoryTestStorage },
};

for (const file of FILES) {
  const evals = parseTestFile(file, readFileSync(join(DIR, file), 'utf8')).filter((c) => c.kind === 'eval');
  for (const [name, options] of Object.entries(STORAGES)) {
    const summary = await runPromqlTestFiles([join(DIR, file)], () => {}, options);
    describe(`upstream promql (${name} storage): ${file}`, () => {
      it('stores every load and runs every eval case', () => {
        expect(summary.loadErrors).toEqual([]);
        expect(summary.cases.map((c) => c.line)).toEqual(evals.map((c) => c.line));
        expect(summary.nativeHistogram).toBe(0);
      });
      for (const c of summary.cases) {
        it(`evaluates ${c.expr} as Prometheus 3 does (line ${c.line})`, () => {
          expect(c.reason ?? null).toBeNull();
          expect(c.status).toBe('pass');
        });
      }
    });
  }
}
