import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { canonicalLabels, type Labels } from '../../schemas/index.js';
import { readCheckpoint, restoreRuleState, serializeCheckpoint, writeCheckpoint } from './checkpoint.js';
import { CheckpointSeriesTable } from './checkpoint-series-table.js';
import { compileRule } from './compiled-rule.js';
import { aggregationRuleSchema } from './config.js';
import { RuleState } from './rule-state.js';
import { temporaryDirectory } from '../../test/harness/temporary-directory.js';

const series = (i: number): Labels => ({ __name__: 'x', job: `j${i % 3}`, instance: `i${i}` });

function rule(index: number, outputs: string[]): RuleState {
  return new RuleState(compileRule(aggregationRuleSchema.parse({ match: 'x', interval: '1m', by: ['job'], outputs }), index));
}

/** Samples of series `from` to `to` (exclusive) at `t`, on partition 0. */
function feed(st: RuleState, from: number, to: number, t: number): void {
  const ps = st.partition(0);
  for (let i = from; i < to; i++) {
    const labels = series(i);
    ps.sample(ps.entry(canonicalLabels(labels), labels), t, i * 1.5, st.closedThrough);
  }
}

function closeThrough(st: RuleState, through: number): void {
  let w: number | undefined;
  while ((w = st.nextClosable(through)) !== undefined) st.close(w, []);
}

/** The checkpoint read back: the rules' states restored from it, each checkpointed again afresh. */
function readBack(text: string, states: readonly RuleState[]): string[] {
  const file = join(temporaryDirectory('agg-series-table-'), 'checkpoint.json');
  writeCheckpoint(file, text);
  const saved = readCheckpoint(file)!;
  return states.map((st) => serializeCheckpoint([restoreRuleState(st.rule, saved.rules.get(st.rule.id), saved.series)], saved.offsets, 1));
}

describe('checkpoint series table', () => {
  it('writes, with the table kept from the checkpoint before, a checkpoint that reads back as the state, after series were added and forgotten in between', () => {
    const first = rule(0, ['total']);
    const second = rule(1, ['min', 'count_series']);
    const table = new CheckpointSeriesTable();
    feed(first, 0, 6, 10_000);
    feed(second, 2, 8, 10_000);
    serializeCheckpoint([first, second], new Map([[0, 1]]), 1, table);
    // Series 0 to 3 stop; past the staleness interval they are forgotten, and 8 to 10 come.
    feed(first, 4, 6, 70_000);
    feed(second, 4, 8, 70_000);
    feed(first, 4, 6, 190_000);
    feed(second, 4, 8, 190_000);
    closeThrough(first, 180_000);
    closeThrough(second, 180_000);
    feed(first, 8, 11, 200_000);
    feed(second, 9, 11, 200_000);
    expect(first.inputSeries()).toBe(5);
    const text = serializeCheckpoint([first, second], new Map([[0, 2]]), 1, table);
    expect(readBack(text, [first, second])).toEqual([first, second].map((st) => serializeCheckpoint([st], new Map([[0, 2]]), 1)));
  });

  it('starts over once it holds more than twice the series the checkpoint before pointed to, and some', () => {
    const st = rule(0, ['total']);
    const table = new CheckpointSeriesTable();
    const tableBytes = (text: string) => Buffer.from((JSON.parse(text) as { series: string }).series, 'base64').length;
    feed(st, 0, 3000, 10_000);
    const full = tableBytes(serializeCheckpoint([st], new Map([[0, 1]]), 1, table));
    // All but ten series forgotten.
    feed(st, 0, 10, 190_000);
    closeThrough(st, 180_000);
    expect(st.inputSeries()).toBe(10);
    // The next checkpoint still holds the table of the one before (it pointed to 3000 series) ...
    expect(tableBytes(serializeCheckpoint([st], new Map([[0, 2]]), 1, table))).toBe(full);
    // ... and the one after starts over with the ten.
    const text = serializeCheckpoint([st], new Map([[0, 3]]), 1, table);
    expect(tableBytes(text)).toBe(10 * 7 * 4);
    expect(readBack(text, [st])).toEqual([serializeCheckpoint([st], new Map([[0, 3]]), 1)]);
  });
});
