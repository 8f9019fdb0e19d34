import { describe, expect, it } from 'vitest';
import { mergeResults, parseResults } from './results-file.js';

const file = `# Benchmark results

Some prose.

## area: a

Measured 1.

| a |

## area: b

Measured 2.

| b |
`;

describe('benchmark results file', () => {
  it('replaces the areas that ran and keeps the others and the prose', () => {
    const out = mergeResults(file, [{ area: 'b', header: 'Measured 3.', table: '| b2 |' }], ['a', 'b']);
    expect(out).toBe(file.replace('Measured 2.\n\n| b |', 'Measured 3.\n\n| b2 |'));
  });

  it('adds a new area in benchmark order', () => {
    const out = mergeResults(file, [{ area: 'c', header: 'Measured 4.', table: '| c |' }], ['c', 'a', 'b']);
    expect([...parseResults(out).sections.keys()]).toEqual(['c', 'a', 'b']);
    expect(parseResults(out).preamble).toBe('# Benchmark results\n\nSome prose.');
  });
});
