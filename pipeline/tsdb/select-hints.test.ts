import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { SampleBudget } from './querier.js';
import { selectHints } from './select-hints.js';

describe('selectHints', () => {
  it('replaces the hints it is given a change of and carries the others over', () => {
    const budget: SampleBudget = { remaining: 10, load: () => {} };
    const h = selectHints({ start: 1, end: 2, timestampsOnly: true, budget }, { parts: 4, end: 3 });
    expect(h).toEqual({ start: 1, end: 3, timestampsOnly: true, budget, parts: 4 });
    expect(h.budget).toBe(budget);
  });

  it('clears a hint given as undefined', () => {
    const h = selectHints({ start: 1, end: 2, presenceLookback: 300_000, budget: { remaining: 1, load: () => {} } }, { presenceLookback: undefined, budget: undefined });
    expect(h.presenceLookback).toBeUndefined();
    expect(h.budget).toBeUndefined();
    expect(h.start).toBe(1);
  });

  it('gives hints made of different fields, and changed ones, one hidden class', () => {
    // V8's own view of the objects, which only a process started with --allow-natives-syntax can ask for.
    const moduleUrl = new URL('./select-hints.ts', import.meta.url).href;
    const script = `
      const { selectHints } = await import(${JSON.stringify(moduleUrl)});
      const same = (a, b) => eval('%HaveSameMap(a, b)');
      const plain = selectHints({ start: 1, end: 2 });
      const presence = selectHints({ start: 1, end: 2, timestampsOnly: true, presenceLookback: 5 });
      const parts = selectHints(selectHints(plain, { slabs: undefined }), { parts: 8 });
      console.log(JSON.stringify([same(plain, presence), same(plain, parts)]));`;
    const out = execFileSync(process.execPath, ['--allow-natives-syntax', '--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: fileURLToPath(new URL('../..', import.meta.url)),
      encoding: 'utf8',
    });
    expect(JSON.parse(out)).toEqual([true, true]);
  });
});
