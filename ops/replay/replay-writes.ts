/**
 * How a replay's output reaches the server without holding the evaluation up: chunks are written
 * in the background (WriteBehind), and a rule's output is confirmed readable (`confirm`, which
 * counts it on the server) only where that matters: before a later rule that may read it runs,
 * and for all the others once, at the end (`finish`). The confirmations due at once are asked
 * together; a failure is reported for the first rule in replay order.
 */
import type { LoadedRule } from '../../pipeline/alert/rules/index.js';
import type { ReplaySink, RuleOutputSummary } from '../../pipeline/alert/replay/index.js';
import { WriteBehind } from './write-behind.js';

export class ReplayWrites {
  /** The sink to hand to replayRules: its writes are queued. */
  readonly sink: ReplaySink;
  private readonly queue: WriteBehind<Parameters<ReplaySink['write']>[0]>;
  private unconfirmed: RuleOutputSummary[] = [];

  constructor(
    direct: ReplaySink,
    private readonly readLater: ReadonlyMap<LoadedRule, boolean>,
    private readonly confirm: (written: RuleOutputSummary) => Promise<void>,
  ) {
    this.queue = new WriteBehind((samples) => direct.write(samples));
    this.sink = { ...direct, write: (samples) => this.queue.write(samples) };
  }

  /** replayRules' `settle`: after each rule that wrote something. */
  readonly settle = async (written: RuleOutputSummary): Promise<void> => {
    this.unconfirmed.push(written);
    if (this.readLater.get(written.rule) !== false) await this.finish();
  };

  /** Waits until every write is acknowledged and every rule's output confirmed readable. */
  async finish(): Promise<void> {
    await this.queue.drain();
    const due = this.unconfirmed;
    this.unconfirmed = [];
    const answers = await Promise.allSettled(due.map((w) => this.confirm(w)));
    for (const a of answers) if (a.status === 'rejected') throw a.reason;
  }
}
