import type { LoopTurns } from './loop-turns.js';
import type { LabelMatcher, Querier, SelectHints, SeriesSet } from './querier.js';

/**
 * A querier that reads in turns of the event loop (loop-turns.ts): each call waits for its turn,
 * then opens a querier and reads in that one turn. Opening in the turn matters: a TSDB querier
 * holds the blocks and head of the moment it was opened, and one opened earlier could meet a
 * head already truncated into a block it does not know, or a block deleted by compaction or
 * retention, after the wait.
 */
export class TurnTakingQuerier implements Querier {
  constructor(
    private readonly open: () => Querier,
    private readonly turns: LoopTurns,
  ) {}

  select(matchers: readonly LabelMatcher[], hints: SelectHints): Promise<SeriesSet> {
    return this.inTurn((q) => q.select(matchers, hints));
  }

  labelNames(matchers: readonly LabelMatcher[]): Promise<string[]> {
    return this.inTurn((q) => q.labelNames(matchers));
  }

  labelValues(name: string, matchers: readonly LabelMatcher[]): Promise<string[]> {
    return this.inTurn((q) => q.labelValues(name, matchers));
  }

  /** Every read closes the querier it opened. */
  async close(): Promise<void> {}

  private async inTurn<T>(read: (q: Querier) => Promise<T>): Promise<T> {
    await this.turns.take();
    const q = this.open();
    try {
      return await read(q);
    } finally {
      await q.close();
    }
  }
}
