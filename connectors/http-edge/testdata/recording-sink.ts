import type { Labels } from '../../../schemas/labels.js';
import type { HistogramValue } from '../../../schemas/sample.js';
import type { AppendOptions, Appender, SampleSink } from '../../../schemas/sample-sink.js';

export interface RecordedSample {
  readonly labels: Labels;
  readonly t: number;
  readonly v: number;
  readonly stale: boolean;
  /** The start timestamp the connector gave, when it gave one. */
  readonly st?: number;
}

/**
 * A SampleSink for tests that enforces the Appender contract (single use, no append after
 * commit or rollback) and keeps only what was committed. `failNext` makes the next commit reject
 * as a bus that is down would.
 */
export class RecordingSink implements SampleSink {
  readonly committed: RecordedSample[] = [];
  readonly committedHistograms: { readonly labels: Labels; readonly t: number; readonly h: HistogramValue; readonly st?: number }[] = [];
  commits = 0;
  failNext: Error | undefined;

  appender(): Appender {
    const pending: RecordedSample[] = [];
    const pendingHistograms: RecordingSink['committedHistograms'] = [];
    let state: 'open' | 'done' = 'open';
    const guard = (what: string) => {
      if (state !== 'open') throw new Error(`${what} on a finished appender`);
    };
    return {
      append: (labels: Labels, t: number, v: number, opts?: AppendOptions) => {
        guard('append');
        const st = opts?.startTimestamp ?? 0;
        pending.push({ labels, t, v, stale: opts?.stale === true, ...(st !== 0 ? { st } : {}) });
      },
      appendHistogram: (labels: Labels, t: number, h: HistogramValue, opts?: AppendOptions) => {
        guard('appendHistogram');
        const st = opts?.startTimestamp ?? 0;
        pendingHistograms.push({ labels, t, h, ...(st !== 0 ? { st } : {}) });
      },
      commit: async () => {
        guard('commit');
        state = 'done';
        const err = this.failNext;
        this.failNext = undefined;
        if (err !== undefined) throw err;
        this.commits++;
        this.committed.push(...pending);
        this.committedHistograms.push(...pendingHistograms);
      },
      rollback: () => {
        guard('rollback');
        state = 'done';
      },
    };
  }
}
