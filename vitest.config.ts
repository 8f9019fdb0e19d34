import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['**/*.test.ts'],
    exclude: ['node_modules/**', 'dist/**'],
    globalSetup: ['test/harness/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // expect.poll waits for a page or a real service to reach a state; its 1 s default was missed
    // by a browser test once while the whole suite loaded both cores (CI runs on a 2-core machine).
    expect: { poll: { timeout: 10_000 } },
    // A failed toEqual of two large arrays (a store's whole dump) is diffed line by line; unbounded,
    // that diff took minutes of CPU and the test hung instead of failing.
    diff: { truncateThreshold: 200 },
    // Two cores: real-service suites and CPU-heavy ones compete; keep parallelism modest.
    maxWorkers: 2,
  },
});
