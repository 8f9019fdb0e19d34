import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Engine } from '../../pipeline/promql/index.js';
import { memoryTestStorage, parseTestFile, runPromqlTestFiles, type PromqlTestOptions, type PromqlTestSummary } from '../../pipeline/promql/promqltest/index.js';
import { queryConfigSchema, queryEngineOptions, tsdbTestStorage } from '../../pipeline/query/index.js';
import { conformancePath } from './conformance-dir.js';

// Prometheus's own PromQL test files (FORMAT.md), run twice: on the production read path (each
// file loaded into TSDB shards, read through the query API's querier with its engine settings,
// as `tidemark promql-test` does) and on the runner's in-memory storage. Every float eval case,
// experimental-feature files' included, is its own test on each and must pass; so is every
// native-histogram case listed as passing. Each file's first tests check that every case is
// accounted for, so none can silently disappear.
const DIR = conformancePath('promql') + '/';
const FILES = readdirSync(DIR).filter((f) => f.endsWith('.test')).sort();

/**
 * Native-histogram cases known to pass (native-histogram-passing.txt): each is a test on both
 * storages. The others run too and are counted as failed by the runner (with their reasons).
 */
const NATIVE_PASSING = new Set(readFileSync(new URL('native-histogram-passing.txt', import.meta.url), 'utf8').split('\n').filter((l) => l !== '' && !l.startsWith('#')));

const query = queryConfigSchema.parse({});
const STORAGES: Readonly<Record<string, { readonly where: string; readonly options: PromqlTestOptions }>> = {
  tsdb: { where: 'on TSDB shards through the query API read path', options: { storage: tsdbTestStorage({ query }), engine: new Engine(queryEngineOptions(query)) } },
  memory: { where: 'on the in-memory test storage', options: { storage: memoryTestStorage } },
};

for (const file of FILES) {
  const evals = parseTestFile(file, readFileSync(join(DIR, file), 'utf8')).filter((c) => c.kind === 'eval');
  for (const [name, { where, options }] of Object.entries(STORAGES)) {
    const summary: PromqlTestSummary = await runPromqlTestFiles([join(DIR, file)], () => {}, options);

    describe(`promql conformance (${name} storage): ${file}`, () => {
      it('lists as passing only native-histogram cases of this file', () => {
        const native = new Set(summary.cases.filter((c) => c.nativeHistogram).map((c) => `${file}:${c.line}`));
        expect([...NATIVE_PASSING].filter((k) => k.startsWith(`${file}:`) && !native.has(k))).toEqual([]);
      });

      it('stores every load and accounts for every eval case, float or native-histogram, each run', () => {
        expect(summary.loadErrors).toEqual([]);
        expect(summary.cases.map((c) => c.line).sort((a, b) => a - b)).toEqual(evals.map((c) => c.line).sort((a, b) => a - b));
        const native = summary.cases.filter((c) => c.nativeHistogram).length;
        expect(summary.nativeHistogram).toBe(native);
        expect(summary.nativeHistogramPassed + summary.nativeHistogramFailed).toBe(native);
        const floats = summary.cases.length - native;
        expect(summary.passed + summary.failed + summary.experimental).toBe(floats);
      });

      for (const c of summary.cases) {
        if (c.nativeHistogram) {
          if (!NATIVE_PASSING.has(`${file}:${c.line}`)) continue;
          it(`evaluates ${c.expr} over native histograms as Prometheus does ${where} (line ${c.line})`, () => {
            expect(c.reason ?? null).toBeNull();
            expect(c.status).toBe('pass');
          });
          continue;
        }
        it(`evaluates ${c.expr} as Prometheus does ${where} (line ${c.line})`, () => {
          expect(c.reason ?? null).toBeNull();
          expect(c.status).toBe('pass');
        });
      }
    });
  }
}
