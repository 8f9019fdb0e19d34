import { describe, expect, it } from 'vitest';
import type { GroupOutput, LoadedRule } from '../../pipeline/alert/rules/index.js';
import type { RuleOutputSummary } from '../../pipeline/alert/replay/index.js';
import { ReplayWrites } from './replay-writes.js';

const rule = (name: string): LoadedRule => ({ kind: 'recording', name, expr: 'up', forMs: 0, keepFiringForMs: 0, labels: {}, annotations: {}, line: 1 });
const summary = (r: LoadedRule): RuleOutputSummary => ({ group: 'g', rule: r, samples: 1, firstMs: 0, lastMs: 0 });
const sample = (name: string): GroupOutput => ({ labels: { __name__: name }, t: 60_000, value: 1, stale: false });

describe('ReplayWrites', () => {
  it('confirms an output a later rule reads before that rule runs, and the others only at the end, after every write', async () => {
    const [read, unread, last] = [rule('read'), rule('unread'), rule('last')];
    const log: string[] = [];
    const w = new ReplayWrites(
      { write: async (s) => { log.push(`write ${s[0]!.labels['__name__']}`); } },
      new Map([[unread, false], [read, true], [last, false]]),
      async (o) => { log.push(`confirm ${o.rule.name}`); },
    );
    await w.sink.write([sample('unread')]);
    await w.settle(summary(unread));
    expect(log.filter((l) => l.startsWith('confirm'))).toEqual([]);
    await w.sink.write([sample('read')]);
    await w.settle(summary(read));
    expect(log).toEqual(['write unread', 'write read', 'confirm unread', 'confirm read']);
    await w.sink.write([sample('last')]);
    await w.settle(summary(last));
    await w.finish();
    expect(log).toEqual(['write unread', 'write read', 'confirm unread', 'confirm read', 'write last', 'confirm last']);
  });

  it('reports the first rule, in replay order, whose output could not be confirmed', async () => {
    const [a, b, c] = [rule('a'), rule('b'), rule('c')];
    const w = new ReplayWrites({ write: async () => {} }, new Map([[a, false], [b, false], [c, false]]), async (o) => {
      if (o.rule.name !== 'a') throw new Error(`${o.rule.name} not readable`);
    });
    for (const r of [a, b, c]) await w.settle(summary(r));
    await expect(w.finish()).rejects.toThrow('b not readable');
  });
});
